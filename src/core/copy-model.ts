/**
 * The copy model of Klein, Meyen, Brendel, Wichmann & Meding (2025, "Quantifying uncertainty
 * in error consistency"): a generative model of two observers with given accuracies and
 * error consistency (kappa), for simulations and power analyses. Isomorphic (no Node APIs);
 * simulations are seeded ({@link SeededRandom}) and log-free, so reproducible across engines.
 *
 * The model. The *leader* is the more accurate observer (accuracy a1 = max(acc1, acc2); on a
 * tie, observer 1), the *follower* the other (a2 = min(acc1, acc2)). On each trial, the leader
 * is correct with probability a1. With probability |c| the follower copies the leader's
 * correctness (c >= 0) or its inverse (c < 0); otherwise it is correct with its own latent
 * accuracy u, independently of the leader. Then
 *   P(follower correct) = c a1 + (1 - c) u            (c >= 0)
 *                       = |c| (1 - a1) + (1 - |c|) u  (c < 0),
 *   cov = P(both correct) - a1 a2 = c a1 (1 - a1)     (either sign),
 * and since c_obs - c_exp = 2 cov for two binary outcomes,
 *   kappa = 2 c a1 (1 - a1) / (1 - c_exp),  i.e.  c = kappa (1 - c_exp) / (1 - a1^2 - (1 - a1)^2).
 *
 * Every 2x2 table with kappa defined and within [kappa_min, kappa_max] (kappaBounds in
 * metrics.ts) has exactly one (c, u) with u in [0, 1] (u in [0, 1] holds exactly when kappa
 * is within the bounds): the model is a parametrization of all such tables. (Taking the less
 * accurate observer as leader would give another c for the same table; the leader convention
 * makes c unique.) Which of the caller's observers leads is handled inside: the functions
 * take acc1 and acc2 in the caller's order and return cells and outcomes in that order.
 */
import { checkLevel, countNaN, percentileInterval } from "./math/quantile.ts";
import { SeededRandom } from "./math/random.ts";
import { multinomialCells } from "./math/samplers.ts";
import { type PairCounts, expectedConsistency, kappaBounds, pairCells, pairMetrics, undefinedAsNull } from "./metrics.ts";
import { bootstrapStatistic, jeffreysStatistic } from "./pair-intervals.ts";
import type { ProgressCallback } from "./progress.ts";

/** Accuracies and kappa of a simulated pair, observer 1 and 2 in the caller's order. */
export interface CopyModelParams {
  readonly acc1: number;
  readonly acc2: number;
  readonly kappa: number;
}

/** How far (absolute) kappa and u may stray outside their ranges by rounding; then clamped. */
export const COPY_MODEL_TOLERANCE = 1e-9;

function checkAccuracy(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be an accuracy in [0, 1], got ${value}`);
}

/**
 * Copy probability c of the copy model (see the module comment), from the two accuracies in
 * either order and the kappa:
 * c = kappa (1 - c_exp) / (1 - a1^2 - (1 - a1)^2), a1 = max(acc1, acc2) the leader's accuracy,
 * c_exp = acc1 acc2 + (1 - acc1)(1 - acc2). In [-1, 1].
 *
 * RangeError where kappa is undefined (c_exp = 1: both accuracies 0 or both 1) or outside
 * [kappa_min, kappa_max] of the accuracies (beyond 1e-9). Where the leader is always correct
 * (a1 = 1, a2 < 1) kappa must be 0 and c is 0.
 *
 * @example copyProbability(0.8, 0.6, 0.5) // => 0.6875...
 */
export function copyProbability(acc1: number, acc2: number, kappa: number): number {
  checkAccuracy("acc1", acc1);
  checkAccuracy("acc2", acc2);
  const cExp = expectedConsistency(acc1, acc2);
  if (cExp === 1) throw new RangeError(`kappa is undefined for accuracies ${acc1} and ${acc2} (c_exp = 1)`);
  const { min, max } = kappaBounds(acc1, acc2);
  if (!(kappa >= (min as number) - COPY_MODEL_TOLERANCE && kappa <= (max as number) + COPY_MODEL_TOLERANCE)) {
    throw new RangeError(`kappa ${kappa} is outside the range [${min}, ${max}] that accuracies ${acc1} and ${acc2} allow`);
  }
  const a1 = Math.max(acc1, acc2);
  const denominator = 1 - a1 * a1 - (1 - a1) * (1 - a1); // = 2 a1 (1 - a1)
  if (denominator === 0) return 0; // a1 = 1 (a1 = 0 would make c_exp = 1): kappa is 0
  return Math.min(1, Math.max(-1, (kappa * (1 - cExp)) / denominator));
}

/**
 * Latent accuracy u of the follower (the less accurate observer), from the two accuracies in
 * either order (a1 = max, a2 = min) and the copy probability c:
 * c >= 0: u = (a2 - c a1) / (1 - c); c < 0: u = (a2 - |c| (1 - a1)) / (1 - |c|).
 * Where |c| = 1 the follower always copies and u does not matter; it is then a2 (the limit of
 * the formula as |c| tends to 1 along valid tables).
 *
 * RangeError where c is outside [-1, 1] or u falls outside [0, 1] (beyond 1e-9): that is, the
 * accuracies and c do not describe a 2x2 table (kappa outside its bounds; c >= 0 needs
 * c a1 <= a2 and c (1 - a1) <= 1 - a2, c < 0 needs |c| (1 - a1) <= a2 and |c| a1 <= 1 - a2).
 */
export function latentAccuracy(acc1: number, acc2: number, c: number): number {
  checkAccuracy("acc1", acc1);
  checkAccuracy("acc2", acc2);
  if (!(c >= -1 && c <= 1)) throw new RangeError(`a copy probability must be in [-1, 1], got ${c}`);
  const a1 = Math.max(acc1, acc2);
  const a2 = Math.min(acc1, acc2);
  const s = Math.abs(c);
  const copied = c >= 0 ? a1 : 1 - a1; // P(the copied outcome is "correct")
  const u = s === 1 ? (Math.abs(a2 - copied) <= COPY_MODEL_TOLERANCE ? a2 : NaN) : (a2 - s * copied) / (1 - s);
  if (!(u >= -COPY_MODEL_TOLERANCE && u <= 1 + COPY_MODEL_TOLERANCE)) {
    throw new RangeError(
      `no copy model has accuracies ${acc1}, ${acc2} and copy probability ${c}: the latent accuracy would be ${u}, outside [0, 1]`,
    );
  }
  return Math.min(1, Math.max(0, u));
}

/**
 * The kappa a copy probability c gives at the accuracies (the inverse of
 * {@link copyProbability}): kappa = c (1 - a1^2 - (1 - a1)^2) / (1 - c_exp), a1 = max(acc1, acc2),
 * so observers can be simulated from (accuracies, c) through {@link copyModelCells} and the
 * functions below. RangeError where kappa is undefined (c_exp = 1) or |c| > 1.
 */
export function kappaFromCopyProbability(acc1: number, acc2: number, c: number): number {
  checkAccuracy("acc1", acc1);
  checkAccuracy("acc2", acc2);
  if (!(c >= -1 && c <= 1)) throw new RangeError(`the copy probability c must be in [-1, 1], got ${c}`);
  const cExp = expectedConsistency(acc1, acc2);
  if (cExp === 1) throw new RangeError(`kappa is undefined for accuracies ${acc1} and ${acc2} (c_exp = 1)`);
  const a1 = Math.max(acc1, acc2);
  return (c * (1 - a1 * a1 - (1 - a1) * (1 - a1))) / (1 - cExp);
}

/**
 * The exact cell probabilities of the copy model, [p11, p10, p01, p00] = P(both correct),
 * P(only observer 1), P(only observer 2), P(both wrong), observers in the caller's order.
 * With leader accuracy a1, c from {@link copyProbability}, u from {@link latentAccuracy},
 * s = |c|, in the leader's frame (leader first):
 * c >= 0: [a1 (c + (1-c) u), a1 (1-c)(1-u), (1-a1)(1-c) u, (1-a1)(c + (1-c)(1-u))];
 * c < 0:  [a1 (1-s) u, a1 (s + (1-s)(1-u)), (1-a1)(s + (1-s) u), (1-a1)(1-s)(1-u)];
 * the middle two are swapped where observer 2 leads. Their marginals are acc1 and acc2 and
 * their kappa is the given kappa (up to rounding).
 */
export function copyModelCells(params: CopyModelParams): [number, number, number, number] {
  const { acc1, acc2, kappa } = params;
  const c = copyProbability(acc1, acc2, kappa);
  const u = latentAccuracy(acc1, acc2, c);
  const a = Math.max(acc1, acc2);
  const s = Math.abs(c);
  let cells: [number, number, number, number];
  if (c >= 0) {
    cells = [a * (c + (1 - c) * u), a * (1 - c) * (1 - u), (1 - a) * (1 - c) * u, (1 - a) * (c + (1 - c) * (1 - u))];
  } else {
    cells = [a * (1 - s) * u, a * (s + (1 - s) * (1 - u)), (1 - a) * (s + (1 - s) * u), (1 - a) * (1 - s) * (1 - u)];
  }
  if (acc2 > acc1) cells = [cells[0], cells[2], cells[1], cells[3]];
  return cells.map((p) => Math.max(0, p)) as [number, number, number, number];
}

export interface CopyModelFit {
  /** Copy probability c, in [-1, 1]. */
  c: number;
  /** The follower's (less accurate observer's) latent accuracy u, in [0, 1]. */
  latentAccuracy: number;
  /** Which observer leads (is copied): the more accurate; 1 on a tie. */
  moreAccurate: 1 | 2;
}

/**
 * The copy model that reproduces a pair's observed table exactly: accuracies k1/n and k2/n,
 * kappa from {@link pairMetrics}, c = {@link copyProbability}, u = {@link latentAccuracy}.
 * RangeError where the pair's kappa is undefined (c_exp = 1).
 */
export function fitCopyModel(counts: PairCounts): CopyModelFit {
  const metrics = pairMetrics(counts);
  if (metrics.kappa === null) {
    throw new RangeError("no copy model fits a pair whose kappa is undefined (both observers all correct or all wrong)");
  }
  const c = copyProbability(metrics.acc1, metrics.acc2, metrics.kappa);
  return { c, latentAccuracy: latentAccuracy(metrics.acc1, metrics.acc2, c), moreAccurate: metrics.acc2 > metrics.acc1 ? 2 : 1 };
}

/**
 * One simulated experiment of n trials under the copy model, as its 2x2 table: the cells are
 * one multinomial draw ({@link multinomialCells}) with the probabilities of
 * {@link copyModelCells}. The same distribution as tallying {@link simulateCopyObservers}, in
 * O(1) instead of O(n).
 */
export function simulateCopyCounts(rng: SeededRandom, trials: number, params: CopyModelParams): PairCounts {
  const [n11, n10, n01] = multinomialCells(rng, trials, copyModelCells(params));
  return { trials, correct1: n11 + n10, correct2: n11 + n01, bothCorrect: n11 };
}

/**
 * Trial-level outcomes (1 correct, 0 wrong) of two observers under the copy model, following
 * the model literally on each trial: leader correct when U1 < a1; the follower copies (c >= 0)
 * or inverts (c < 0) the leader's outcome when U2 < |c|, else is correct when U3 < u (U1, U2,
 * U3 uniforms from `rng`, in that order; U3 is drawn only when the follower does not copy). Observers in the caller's order.
 */
export function simulateCopyObservers(
  rng: SeededRandom,
  trials: number,
  params: CopyModelParams,
): { first: Uint8Array; second: Uint8Array } {
  if (!(Number.isInteger(trials) && trials >= 0)) throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
  const { acc1, acc2, kappa } = params;
  const c = copyProbability(acc1, acc2, kappa);
  const u = latentAccuracy(acc1, acc2, c);
  const a = Math.max(acc1, acc2);
  const s = Math.abs(c);
  const leader = new Uint8Array(trials);
  const follower = new Uint8Array(trials);
  for (let i = 0; i < trials; i++) {
    const l = rng.uniform() < a ? 1 : 0;
    leader[i] = l;
    if (rng.uniform() < s) follower[i] = c >= 0 ? l : 1 - l;
    else follower[i] = rng.uniform() < u ? 1 : 0;
  }
  return acc2 > acc1 ? { first: follower, second: leader } : { first: leader, second: follower };
}

/**
 * Copy probability of a 2x2 table, from its cells (counts or probabilities, any scale):
 * c = (n11 n00 - n10 n01) / (K (T - K)), T = n11 + n10 + n01 + n00, K the leader's (more
 * accurate observer's) correct total. This is {@link copyProbability} at the table's
 * accuracies and kappa (kappa (1 - c_exp) = 2 cov and cov = (n11 n00 - n10 n01) / T^2), in one
 * step. 0 where the leader is always correct and the other not (kappa 0); NaN where kappa is
 * undefined (both always correct or both always wrong).
 */
export function copyProbabilityOfCells(n11: number, n10: number, n01: number, n00: number): number {
  const total = n11 + n10 + n01 + n00;
  const leader = Math.max(n11 + n10, n11 + n01);
  const other = Math.min(n11 + n10, n11 + n01);
  if (leader === 0 || (leader === total && other === total)) return NaN;
  if (leader === total) return 0;
  return (n11 * n00 - n10 * n01) / (leader * (total - leader));
}

export type CopyProbabilityMethod = "percentile" | "jeffreys";

export interface CopyProbabilityIntervalOptions {
  /**
   * "jeffreys" (the default): the posterior under the Jeffreys prior on the four cells;
   * "percentile": the trial bootstrap (Klein et al.'s resampling of trials), percentile limits.
   */
  readonly method?: CopyProbabilityMethod;
  readonly level?: number;
  /** Bootstrap replicates or posterior draws. Default 10000. */
  readonly replicates?: number;
  readonly seed?: number;
  readonly onProgress?: ProgressCallback;
}

export interface CopyProbabilityInterval {
  /** The fitted copy probability; null where kappa is undefined (and then the ends too). */
  c: number | null;
  lower: number | null;
  upper: number | null;
  method: CopyProbabilityMethod;
  level: number;
  /** Replicates (or draws) made; 0 where kappa is undefined. */
  replicates: number;
  /** Replicates whose copy probability was undefined, left out of the quantiles. */
  undefined_replicates: number;
}

/** Defaults of {@link copyProbabilityInterval}. */
export const COPY_PROBABILITY_DEFAULTS = { method: "jeffreys", level: 0.95, replicates: 10_000, seed: 1 } as const;

/**
 * The copy probability of a pair ({@link copyProbabilityOfCells} of its table, equal to
 * {@link fitCopyModel}'s c) and its interval: the equal-tailed `level` range of c over the
 * trial bootstrap ({@link bootstrapStatistic}, each replicate a multinomial draw of the table)
 * or over the Jeffreys posterior of the cells ({@link jeffreysStatistic}; the default). Seeded.
 * The trial bootstrap keeps empty cells empty and then undercovers as the kappa intervals do:
 * bench/copy-probability-coverage.ts measures 57% (bootstrap) against 97% (Jeffreys) at
 * accuracies .95/.90, kappa 0, 160 trials, and 79% against 97% at .90/.14, kappa .02
 * (docs/uncertainty.md).
 *
 * @example copyProbabilityInterval({ trials: 100, correct1: 60, correct2: 55, bothCorrect: 50 }).c // => 0.7083...
 */
export function copyProbabilityInterval(counts: PairCounts, options: CopyProbabilityIntervalOptions = {}): CopyProbabilityInterval {
  const {
    method = COPY_PROBABILITY_DEFAULTS.method,
    level = COPY_PROBABILITY_DEFAULTS.level,
    replicates = COPY_PROBABILITY_DEFAULTS.replicates,
    seed = COPY_PROBABILITY_DEFAULTS.seed,
  } = options;
  checkLevel(level);
  if (method !== "percentile" && method !== "jeffreys")
    throw new RangeError(`method must be "percentile" or "jeffreys", got ${String(method)}`);
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  const [n11, n10, n01, n00] = pairCells(counts);
  const c = undefinedAsNull(copyProbabilityOfCells(n11, n10, n01, n00));
  const base = { c, method, level };
  if (c === null) return { ...base, lower: null, upper: null, replicates: 0, undefined_replicates: 0 };
  const rng = new SeededRandom(seed);
  const values =
    method === "jeffreys"
      ? jeffreysStatistic(counts, replicates, rng, copyProbabilityOfCells, options.onProgress)
      : bootstrapStatistic(counts, replicates, rng, copyProbabilityOfCells, options.onProgress);
  const { lower, upper } = percentileInterval(values, level);
  return { ...base, lower: undefinedAsNull(lower), upper: undefinedAsNull(upper), replicates, undefined_replicates: countNaN(values) };
}
