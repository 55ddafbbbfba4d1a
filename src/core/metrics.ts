/**
 * Error consistency of two observers (Geirhos, Meding & Wichmann 2020): Cohen's kappa on the
 * binary outcome correct/wrong, over trials matched by stimulus, from the pair's 2x2 table.
 * Isomorphic.
 *
 * Undefined kappa. Where c_exp = 1 (both observers all correct, or both all wrong) kappa is
 * undefined. Inside computations it is NaN ({@link kappaOrNaN}, {@link kappaFromCounts}, the
 * bootstraps' replicates, typed arrays, the dashboard's matrices): NaN fits a Float64Array,
 * propagates, and NaN-aware means and quantiles skip it (./math/quantile.ts). It is null only in
 * the records that are written out as JSON or CSV rows, because JSON has no NaN: the pair row
 * ({@link PairMetrics}, with {@link kappa} and {@link kappaBounds}, which fill its columns), a
 * pair's interval, the summary rows and the chance band's rows. {@link undefinedAsNull} converts
 * at that boundary; `record.kappa ?? NaN` reads a record back into a computation.
 */

/**
 * Accuracy p = k / n: the share of n trials answered correctly.
 *
 * @example accuracy(7, 10) // => 0.7
 */
export function accuracy(correct: number, trials: number): number {
  return correct / trials;
}

/**
 * Expected consistency of two independent observers with accuracies p1 and p2:
 * c_exp = p1 p2 + (1 - p1)(1 - p2).
 *
 * @example expectedConsistency(0.7, 0.6) // => 0.54
 */
export function expectedConsistency(p1: number, p2: number): number {
  return p1 * p2 + (1 - p1) * (1 - p2);
}

/**
 * Observed consistency: c_obs = (both correct + both wrong) / n.
 *
 * @example observedConsistency(5, 2, 10) // => 0.7
 */
export function observedConsistency(bothCorrect: number, bothWrong: number, trials: number): number {
  return (bothCorrect + bothWrong) / trials;
}

/**
 * Cohen's kappa as computations use it: kappa = (c_obs - c_exp) / (1 - c_exp), NaN where
 * c_exp = 1 (both observers all correct or both all wrong), where kappa is undefined.
 *
 * @example
 * kappaOrNaN(0.7, 0.54) // => 0.3478...
 * kappaOrNaN(1, 1) // => NaN
 */
export function kappaOrNaN(cObs: number, cExp: number): number {
  return cExp === 1 ? NaN : (cObs - cExp) / (1 - cExp);
}

/**
 * Cohen's kappa as a pair's row holds it: kappa = (c_obs - c_exp) / (1 - c_exp), null where
 * c_exp = 1 (both observers all correct or both all wrong), where kappa is undefined.
 *
 * @example
 * kappa(0.7, 0.54) // => 0.3478...
 * kappa(1, 1) // => null
 */
export function kappa(cObs: number, cExp: number): number | null {
  return cExp === 1 ? null : kappaOrNaN(cObs, cExp);
}

/**
 * An undefined value (NaN) as null, for a record written as JSON or CSV; other numbers as they are.
 *
 * @example undefinedAsNull(NaN) // => null
 */
export function undefinedAsNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/**
 * The range of c_obs that two accuracies allow:
 * max = min(p1, p2) + min(1 - p1, 1 - p2), min = 1 - [min(p1, 1 - p2) + min(1 - p1, p2)].
 */
export function observedConsistencyBounds(p1: number, p2: number): { min: number; max: number } {
  return {
    min: 1 - (Math.min(p1, 1 - p2) + Math.min(1 - p1, p2)),
    max: Math.min(p1, p2) + Math.min(1 - p1, 1 - p2),
  };
}

/**
 * kappa_min and kappa_max: the kappa of the smallest and largest c_obs the accuracies allow
 * ({@link observedConsistencyBounds}). Null where kappa is undefined (c_exp = 1).
 *
 * @example kappaBounds(0.7, 0.6).max // => 0.7826...
 */
export function kappaBounds(p1: number, p2: number): { min: number | null; max: number | null } {
  const cExp = expectedConsistency(p1, p2);
  const bounds = observedConsistencyBounds(p1, p2);
  return { min: kappa(bounds.min, cExp), max: kappa(bounds.max, cExp) };
}

/**
 * The 2x2 table of one pair over n matched trials: k1 and k2 trials correct for each observer,
 * bothCorrect trials correct for both. Every pair metric follows from these four counts.
 */
export interface PairCounts {
  readonly trials: number;
  readonly correct1: number;
  readonly correct2: number;
  readonly bothCorrect: number;
}

/** How to report a kappa that is undefined because c_exp = 1. */
export type UndefinedKappaPolicy = "undefined" | "one";

export interface PairMetrics {
  n_trials: number;
  n_both_correct: number;
  n_both_wrong: number;
  acc1: number;
  acc2: number;
  c_obs: number;
  c_exp: number;
  kappa: number | null;
  kappa_min: number | null;
  kappa_max: number | null;
}

/**
 * Throws a RangeError unless `counts` is a 2x2 table: integers with n >= 1, 0 <= k1, k2 <= n and
 * max(0, k1 + k2 - n) <= bothCorrect <= min(k1, k2).
 */
export function checkPairCounts(counts: PairCounts): void {
  const { trials: n, correct1: k1, correct2: k2, bothCorrect: b } = counts;
  const integers = [n, k1, k2, b].every((v) => Number.isInteger(v));
  if (
    !integers ||
    !(n >= 1) ||
    !(k1 >= 0 && k1 <= n) ||
    !(k2 >= 0 && k2 <= n) ||
    !(b >= Math.max(0, k1 + k2 - n) && b <= Math.min(k1, k2))
  ) {
    throw new RangeError(
      `not a 2x2 table of a pair: trials=${n}, correct1=${k1}, correct2=${k2}, bothCorrect=${b} ` +
        "(need integers, n >= 1, 0 <= k1, k2 <= n and max(0, k1 + k2 - n) <= bothCorrect <= min(k1, k2))",
    );
  }
}

/**
 * The four cells of a pair's table, [n11, n10, n01, n00] = [b, k1 - b, k2 - b, n - k1 - k2 + b]
 * (b both correct).
 */
export function pairCells(counts: PairCounts): [number, number, number, number] {
  const { trials: n, correct1: k1, correct2: k2, bothCorrect: b } = counts;
  return [b, k1 - b, k2 - b, n - k1 - k2 + b];
}

/**
 * Cohen's kappa of a 2x2 table given as numbers, NaN where it is undefined (c_exp = 1: both
 * observers all correct or both all wrong):
 * p_i = k_i / n, c_exp = p1 p2 + (1 - p1)(1 - p2), c_obs = (b + n - k1 - k2 + b) / n,
 * kappa = (c_obs - c_exp) / (1 - c_exp). The same arithmetic as {@link pairMetrics}, so the
 * same bits. Does not check its input.
 *
 * @example
 * kappaFromCounts(10, 7, 6, 5) // => 0.3478...
 * kappaFromCounts(10, 10, 10, 10) // => NaN
 */
export function kappaFromCounts(trials: number, correct1: number, correct2: number, bothCorrect: number): number {
  const cExp = expectedConsistency(accuracy(correct1, trials), accuracy(correct2, trials));
  if (cExp === 1) return NaN;
  return kappaOrNaN(observedConsistency(bothCorrect, trials - correct1 - correct2 + bothCorrect, trials), cExp);
}

/** Both-wrong count from the 2x2 table: n - k1 - k2 + both correct. */
export function bothWrong({ trials, correct1, correct2, bothCorrect }: PairCounts): number {
  return trials - correct1 - correct2 + bothCorrect;
}

/**
 * All metrics of one pair from its counts. The c_obs bounds are computed from counts with the
 * same division as c_obs itself, so kappa_min <= kappa <= kappa_max holds exactly in floating
 * point. With policy "one", an undefined kappa is 1 (as the 2020 code and model-vs-human
 * return whenever c_obs = 1); the bounds stay null there.
 *
 * @example
 * pairMetrics({ trials: 10, correct1: 7, correct2: 6, bothCorrect: 5 }).kappa // => 0.3478...
 */
export function pairMetrics(counts: PairCounts, policy: UndefinedKappaPolicy = "undefined"): PairMetrics {
  const { trials: n, correct1: k1, correct2: k2, bothCorrect } = counts;
  if (!(n > 0)) throw new RangeError("a pair needs at least one matched trial");
  const wrongBoth = bothWrong(counts);
  const acc1 = accuracy(k1, n);
  const acc2 = accuracy(k2, n);
  const cExp = expectedConsistency(acc1, acc2);
  const cObs = observedConsistency(bothCorrect, wrongBoth, n);
  // Counts form: min(p1,p2) + min(1-p1,1-p2) = [min(k1,k2) + min(n-k1,n-k2)] / n, and so on.
  const cObsMax = (Math.min(k1, k2) + Math.min(n - k1, n - k2)) / n;
  const cObsMin = (n - Math.min(k1, n - k2) - Math.min(n - k1, k2)) / n;
  let value = kappa(cObs, cExp);
  if (value === null && policy === "one" && cObs === 1) value = 1;
  return {
    n_trials: n,
    n_both_correct: bothCorrect,
    n_both_wrong: wrongBoth,
    acc1,
    acc2,
    c_obs: cObs,
    c_exp: cExp,
    kappa: value,
    kappa_min: kappa(cObsMin, cExp),
    kappa_max: kappa(cObsMax, cExp),
  };
}
