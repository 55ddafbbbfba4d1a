/**
 * Confidence intervals for one pair's error consistency (Cohen's kappa on correct/wrong), from
 * its 2x2 table: the trial bootstrap (percentile and BCa), the large-sample (Wald) interval of
 * Fleiss, Cohen & Everitt (1969), and Klein et al.'s (2025) small-sample kappa. Isomorphic (no
 * Node APIs).
 *
 * Reproducibility: the bootstrap draws only binomials from {@link SeededRandom} (no Math.log or
 * Math.exp decides a draw), so the same seed gives the same replicates, bit for bit, in every
 * JavaScript engine. The normal quantile and CDF (./math/normal.ts) use Math.log, Math.exp and
 * Math.sqrt; they only turn the replicates into interval ends (BCa), never decide a draw.
 *
 * Cells of a pair's 2x2 table, in this order everywhere ({@link pairCells}): n11 both correct,
 * n10 only observer 1 correct, n01 only observer 2 correct, n00 both wrong.
 */
import { normalCdf, normalQuantile } from "./math/normal.ts";
import { type Interval, checkLevel, countNaN, percentileInterval, quantileType7, sortedDefined } from "./math/quantile.ts";
import { SeededRandom } from "./math/random.ts";
import { gammaDraw, multinomialCells } from "./math/samplers.ts";
import {
  type PairCounts,
  checkPairCounts,
  expectedConsistency,
  kappaFromCounts,
  kappaOrNaN,
  pairCells,
  pairMetrics,
  undefinedAsNull,
} from "./metrics.ts";
import { type ProgressCallback, progressTicker } from "./progress.ts";
import { PAIR_INTERVAL_DEFAULTS } from "./defaults.ts";

// ---------------------------------------------------------------------------------------------
// The trial bootstrap

/** A statistic of a 2x2 table, from its cells (counts or probabilities) n11, n10, n01, n00. */
export type TableStatistic = (n11: number, n10: number, n01: number, n00: number) => number;

/**
 * The trial bootstrap of a statistic of one pair's 2x2 table. Resampling n trial indices with
 * replacement (both observers' answers on a trial stay together, as Klein et al. do) only
 * matters through how many resampled trials fall in each cell of the 2x2 table, and those four
 * numbers are one multinomial draw of n trials with the observed cell proportions n11/n,
 * n10/n, n01/n, n00/n. So each replicate is one {@link multinomialCells} draw (three
 * binomials: O(1), not O(n)) and the statistic of the drawn table; the draws are exactly those
 * of `multinomialCells` on the same generator, in order.
 *
 * @returns `replicates` bootstrap values of the statistic
 */
export function bootstrapStatistic(
  counts: PairCounts,
  replicates: number,
  rng: SeededRandom,
  statistic: TableStatistic,
  onProgress?: ProgressCallback,
): Float64Array {
  checkPairCounts(counts);
  if (!(Number.isInteger(replicates) && replicates >= 0)) {
    throw new RangeError(`replicates must be a non-negative integer, got ${replicates}`);
  }
  const n = counts.trials;
  const [c11, c10, c01] = pairCells(counts);
  // Conditional shares of multinomialCells with p = cells / n, tail sums from the end.
  const p11 = c11 / n;
  const p10 = c10 / n;
  const p01 = c01 / n;
  const p00 = (n - c11 - c10 - c01) / n;
  const t01 = p01 + p00;
  const t10 = p10 + t01;
  const t11 = p11 + t10;
  const s11 = t11 > 0 ? Math.min(1, p11 / t11) : 0;
  const s10 = t10 > 0 ? Math.min(1, p10 / t10) : 0;
  const s01 = t01 > 0 ? Math.min(1, p01 / t01) : 0;
  const out = new Float64Array(replicates);
  const tick = progressTicker(replicates, onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    const n11 = rng.binomial(n, s11);
    let rest = n - n11;
    const n10 = rest > 0 ? rng.binomial(rest, s10) : 0;
    rest -= n10;
    const n01 = rest > 0 ? rng.binomial(rest, s01) : 0;
    out[r] = statistic(n11, n10, n01, rest - n01);
    tick(r + 1);
  }
  return out;
}

/**
 * The trial bootstrap of one pair's kappa ({@link bootstrapStatistic} with the kappa of each
 * resampled table, {@link kappaFromCounts}).
 *
 * A replicate whose kappa is undefined (all its trials both correct, or all both wrong:
 * c_exp = 1) is NaN. {@link percentileInterval} and {@link bcaInterval} leave NaNs out, so
 * they are intervals conditional on a defined kappa; {@link countNaN} says how many there were
 * (they are rare unless nearly every trial is in one cell).
 *
 * @returns `replicates` bootstrap kappas (NaN where undefined)
 */
export function bootstrapKappas(counts: PairCounts, replicates: number, rng: SeededRandom, onProgress?: ProgressCallback): Float64Array {
  const n = counts.trials;
  return bootstrapStatistic(counts, replicates, rng, (n11, n10, n01) => kappaFromCounts(n, n11 + n10, n11 + n01, n11), onProgress);
}

export interface BcaInterval extends Interval {
  /** Bias correction z0 = Φ^-1(share of replicates below the estimate, ties counted half). */
  z0: number;
  /** Acceleration a, from the jackknife over trials. */
  acceleration: number;
}

/**
 * Leave-one-trial-out kappas of a pair. Leaving out a trial only matters through its cell, so
 * there are at most 4 distinct values, kappa_(j) = kappa of the table with one trial fewer in
 * cell j (j = 11, 10, 01, 00), each occurring n_j times. NaN for a cell with no trials or where
 * the reduced table's kappa is undefined. O(1).
 */
export function jackknifeKappas(counts: PairCounts): {
  values: [number, number, number, number];
  weights: [number, number, number, number];
} {
  checkPairCounts(counts);
  const { trials: n, correct1: k1, correct2: k2, bothCorrect: b } = counts;
  const weights = pairCells(counts);
  const at = (j: number, dk1: number, dk2: number, db: number) =>
    weights[j] > 0 && n > 1 ? kappaFromCounts(n - 1, k1 - dk1, k2 - dk2, b - db) : NaN;
  return { values: [at(0, 1, 1, 1), at(1, 1, 0, 0), at(2, 0, 1, 0), at(3, 0, 0, 0)], weights };
}

/**
 * Acceleration of the BCa interval from the jackknife (Efron 1987; Efron & Tibshirani 1993,
 * eq. 14.15): with leave-one-out values theta_(i) and their mean theta_(.),
 * a = sum (theta_(.) - theta_(i))^3 / (6 [sum (theta_(.) - theta_(i))^2]^(3/2)).
 * Over trials there are only four distinct theta_(i) ({@link jackknifeKappas}), so the sums are
 * over cells weighted by their counts. Leave-one-out values that are undefined are left out;
 * a = 0 where the values do not vary.
 */
export function kappaAcceleration(counts: PairCounts): number {
  const { values, weights } = jackknifeKappas(counts);
  return jackknifeAcceleration(values, weights);
}

/**
 * The BCa acceleration from leave-one-out values theta_(i), value i occurring `weights[i]` times
 * (all 1 when omitted): a = sum (theta_(.) - theta_(i))^3 / (6 [sum (theta_(.) - theta_(i))^2]^(3/2)),
 * theta_(.) their weighted mean (Efron & Tibshirani 1993, eq. 14.15). NaN values are left out;
 * a = 0 where the values do not vary.
 */
export function jackknifeAcceleration(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  const weight = (j: number) => (weights ? weights[j] : 1);
  for (let j = 0; j < values.length; j++) {
    if (Number.isNaN(values[j])) continue;
    total += weight(j);
    sum += weight(j) * values[j];
  }
  if (total === 0) return 0;
  const meanValue = sum / total;
  let s2 = 0;
  let s3 = 0;
  for (let j = 0; j < values.length; j++) {
    if (Number.isNaN(values[j])) continue;
    const d = meanValue - values[j];
    s2 += weight(j) * d * d;
    s3 += weight(j) * d * d * d;
  }
  return s2 > 0 ? s3 / (6 * Math.pow(s2, 1.5)) : 0;
}

/**
 * Bias-corrected and accelerated (BCa) bootstrap interval of a pair's kappa (Efron 1987):
 * the percentile interval at adjusted levels
 * alpha_1 = Φ(z0 + (z0 + z_lo) / (1 - a (z0 + z_lo))), alpha_2 likewise with z_hi, where
 * z_lo = Φ^-1((1 - level)/2), z_hi = Φ^-1((1 + level)/2), quantiles of type 7 as in
 * {@link percentileInterval}. Bias correction z0 = Φ^-1(p0), p0 = (#{kappa* < kappa} +
 * #{kappa* = kappa} / 2) / B over the B defined replicates (ties counted half, as SciPy does:
 * kappa is discrete, so replicates equal to the estimate occur); p0 is kept within
 * [1/(2B), 1 - 1/(2B)] so that z0 stays finite. Acceleration a: {@link kappaAcceleration}.
 * NaN ends where the observed kappa or every replicate is undefined, or where
 * 1 - a (z0 + z) <= 0 (|a| that large does not occur for kappa's tables in practice).
 *
 * @param counts the observed table (the estimate and the jackknife come from it)
 * @param samples its bootstrap kappas ({@link bootstrapKappas}; NaNs left out)
 */
export function bcaInterval(counts: PairCounts, samples: ArrayLike<number>, level: number): BcaInterval {
  checkLevel(level);
  checkPairCounts(counts);
  const estimate = kappaFromCounts(counts.trials, counts.correct1, counts.correct2, counts.bothCorrect);
  return bcaFromReplicates(estimate, samples, kappaAcceleration(counts), level);
}

/**
 * The BCa interval of any statistic from its estimate, its bootstrap replicates (NaNs left out)
 * and its acceleration (e.g. {@link jackknifeAcceleration}): the rule of {@link bcaInterval}.
 */
export function bcaFromReplicates(estimate: number, samples: ArrayLike<number>, acceleration: number, level: number): BcaInterval {
  checkLevel(level);
  const sorted = sortedDefined(samples);
  const b = sorted.length;
  if (Number.isNaN(estimate) || b === 0) return { lower: NaN, upper: NaN, z0: NaN, acceleration };
  let below = 0;
  let ties = 0;
  for (let i = 0; i < b; i++) {
    if (sorted[i] < estimate) below++;
    else if (sorted[i] === estimate) ties++;
    else break;
  }
  const p0 = Math.min(1 - 0.5 / b, Math.max(0.5 / b, (below + ties / 2) / b));
  const z0 = normalQuantile(p0);
  const adjusted = (z: number) => {
    const denominator = 1 - acceleration * (z0 + z);
    return denominator > 0 ? normalCdf(z0 + (z0 + z) / denominator) : NaN;
  };
  const a1 = adjusted(normalQuantile((1 - level) / 2));
  const a2 = adjusted(normalQuantile((1 + level) / 2));
  return {
    lower: Number.isNaN(a1) ? NaN : quantileType7(sorted, a1),
    upper: Number.isNaN(a2) ? NaN : quantileType7(sorted, a2),
    z0,
    acceleration,
  };
}

// ---------------------------------------------------------------------------------------------
// The large-sample interval

/**
 * Large-sample standard error of Cohen's kappa (Fleiss, Cohen & Everitt 1969), for the 2x2
 * table of correct (C) and wrong (W); p_ij cell proportions (row: observer 1, column:
 * observer 2), p_i. and p_.j the marginals (p_C. = acc1, p_.C = acc2), p_o = p_CC + p_WW,
 * p_e = c_exp:
 *
 * Var = { sum_i p_ii [1 - (p_i. + p_.i)(1 - kappa)]^2
 *         + (1 - kappa)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
 *         - [kappa - p_e (1 - kappa)]^2 } / (n (1 - p_e)^2).
 *
 * It is the delta-method variance of kappa as a function of the multinomial cell proportions,
 * evaluated at the observed ones (assumptions: n trials independent given the cell
 * probabilities, n large). NaN where kappa is undefined (c_exp = 1). It is 0 where an observer
 * is all correct or all wrong (kappa = 0 whatever the other does), and it is unreliable
 * near the kappa bounds, where the sampling distribution is skewed and cut off.
 */
export function kappaStandardError(counts: PairCounts): number {
  checkPairCounts(counts);
  const n = counts.trials;
  const [c11, c10, c01, c00] = pairCells(counts);
  const k = kappaFromCounts(n, counts.correct1, counts.correct2, counts.bothCorrect);
  if (Number.isNaN(k)) return NaN;
  const a1 = counts.correct1 / n;
  const a2 = counts.correct2 / n;
  const pe = expectedConsistency(a1, a2);
  const q = 1 - k;
  const diagonal = (c11 / n) * (1 - (a1 + a2) * q) ** 2 + (c00 / n) * (1 - (2 - a1 - a2) * q) ** 2;
  // Off-diagonal: cell (C, W) = only observer 1 correct gets (p_.C + p_W.)^2 = (acc2 + 1 - acc1)^2;
  // cell (W, C) = only observer 2 correct gets (p_.W + p_C.)^2 = (1 - acc2 + acc1)^2.
  const offDiagonal = q * q * ((c10 / n) * (a2 + 1 - a1) ** 2 + (c01 / n) * (1 - a2 + a1) ** 2);
  const variance = (diagonal + offDiagonal - (k - pe * q) ** 2) / (n * (1 - pe) ** 2);
  return Math.sqrt(Math.max(0, variance));
}

export interface AnalyticInterval extends Interval {
  /** The large-sample standard error ({@link kappaStandardError}). */
  se: number;
}

/**
 * The Wald interval kappa ± z SE, z = Φ^-1((1 + level)/2), SE from {@link kappaStandardError}
 * (Fleiss, Cohen & Everitt 1969). Assumes a large n and a kappa away from its bounds; there
 * its coverage is close to nominal, near the bounds or with few errors it is not (use the
 * bootstrap). The ends are clipped to [-1, 1], the range kappa can take for any accuracies, so
 * clipping never excludes a possible true value; they are NOT clipped to [kappa_min,
 * kappa_max] of the observed accuracies (kappaBounds in metrics.ts), because the true accuracies
 * differ from the observed ones, and may lie outside that range. NaN where kappa is
 * undefined.
 */
export function analyticInterval(counts: PairCounts, level: number): AnalyticInterval {
  checkLevel(level);
  const k = kappaFromCounts(counts.trials, counts.correct1, counts.correct2, counts.bothCorrect);
  const se = kappaStandardError(counts);
  const half = normalQuantile((1 + level) / 2) * se;
  return { lower: Math.max(-1, k - half), upper: Math.min(1, k + half), se };
}

// ---------------------------------------------------------------------------------------------
// The Jeffreys posterior interval

/**
 * Jeffreys prior of the four cells: Dirichlet(1/2, 1/2, 1/2, 1/2), the Jeffreys prior of a
 * multinomial with four cells. Its half a trial per cell keeps every cell's posterior away
 * from 0, which is what the trial bootstrap cannot do when a cell is empty.
 */
export const JEFFREYS_CELL_PRIOR = 0.5;

/**
 * Draws of a statistic of the pair's 2x2 table from its posterior under the Jeffreys prior on
 * the four cell probabilities: given the table (n11, n10, n01, n00), the cell probabilities
 * are Dirichlet(n11 + 1/2, n10 + 1/2, n01 + 1/2, n00 + 1/2); each draw is g_j / sum g with
 * g_j ~ Gamma(n_j + 1/2) ({@link gammaDraw}, cells in the order n11, n10, n01, n00), and the
 * statistic is taken of the drawn cell probabilities. Every cell is positive in every draw.
 * Uses Math.log (the Gamma sampler): the same seed gives the same draws in one engine, and
 * may differ in the last digits between engines.
 */
export function jeffreysStatistic(
  counts: PairCounts,
  draws: number,
  rng: SeededRandom,
  statistic: TableStatistic,
  onProgress?: ProgressCallback,
): Float64Array {
  checkPairCounts(counts);
  if (!(Number.isInteger(draws) && draws >= 0)) throw new RangeError(`draws must be a non-negative integer, got ${draws}`);
  const [c11, c10, c01, c00] = pairCells(counts);
  const out = new Float64Array(draws);
  const tick = progressTicker(draws, onProgress);
  tick(0);
  for (let r = 0; r < draws; r++) {
    const g11 = gammaDraw(rng, c11 + JEFFREYS_CELL_PRIOR);
    const g10 = gammaDraw(rng, c10 + JEFFREYS_CELL_PRIOR);
    const g01 = gammaDraw(rng, c01 + JEFFREYS_CELL_PRIOR);
    const g00 = gammaDraw(rng, c00 + JEFFREYS_CELL_PRIOR);
    const total = g11 + g10 + g01 + g00;
    out[r] = statistic(g11 / total, g10 / total, g01 / total, g00 / total);
    tick(r + 1);
  }
  return out;
}

/**
 * Draws of kappa from its posterior under the Jeffreys prior on the pair's four cell
 * probabilities ({@link jeffreysStatistic}): acc1 = p11 + p10, acc2 = p11 + p01,
 * c_obs = p11 + p00, kappa = (c_obs - c_exp) / (1 - c_exp). Every draw's kappa is defined.
 */
export function jeffreysKappas(counts: PairCounts, draws: number, rng: SeededRandom, onProgress?: ProgressCallback): Float64Array {
  return jeffreysStatistic(
    counts,
    draws,
    rng,
    (p11, p10, p01, p00) => kappaOrNaN(p11 + p00, expectedConsistency(p11 + p10, p11 + p01)),
    onProgress,
  );
}

// ---------------------------------------------------------------------------------------------
// Small-sample kappa

/**
 * Klein et al.'s (2025) small-sample ("unbiased") kappa: n kappa / ((n - 1) + kappa), for a
 * kappa over n trials. It is 0 at kappa = 0 and 1 at kappa = 1, and pulls other values away
 * from 0 by about a factor n / (n - 1) (their correction of kappa's small-sample bias towards
 * 0; not exactly unbiased). NaN where kappa is NaN; n must be at least 2.
 *
 * @example unbiasedKappa(0.5, 10) // => 0.5263...
 */
export function unbiasedKappa(kappa: number, n: number): number {
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`unbiasedKappa needs n >= 2 trials, got ${n}`);
  return (n * kappa) / (n - 1 + kappa);
}

/**
 * An interval of {@link unbiasedKappa} from an interval of kappa over the same n trials: the
 * small-sample kappa n k / ((n - 1) + k) increases with k (its derivative is
 * n (n - 1) / ((n - 1) + k)^2 > 0 for k > 1 - n, which holds for every kappa when n >= 3, and
 * for kappa > -1 when n = 2), so its interval's ends are the ends of kappa's, transformed.
 * Null ends stay null.
 *
 * @example unbiasedKappaInterval({ lower: 0.2, upper: 0.5 }, 10).lower // => 0.2173...
 */
export function unbiasedKappaInterval(
  interval: { lower: number | null; upper: number | null },
  n: number,
): { lower: number | null; upper: number | null } {
  const at = (k: number | null) => (k === null ? null : unbiasedKappa(k, n));
  return { lower: at(interval.lower), upper: at(interval.upper) };
}

// ---------------------------------------------------------------------------------------------
// One pair's interval

export type PairIntervalMethod = "percentile" | "bca" | "analytic" | "jeffreys";

export interface PairIntervalOptions {
  /**
   * "jeffreys" (posterior interval under the Jeffreys prior on the four cells; the default),
   * "percentile" or "bca" (trial bootstrap), or "analytic" (large-sample Wald interval).
   */
  readonly method?: PairIntervalMethod;
  /** Confidence level, in (0, 1). Default 0.95. */
  readonly level?: number;
  /** Bootstrap replicates, or posterior draws of "jeffreys". Default 10000. Ignored by "analytic". */
  readonly replicates?: number;
  /** Seed of the bootstrap's generator (an integer, modulo 2^32). Default 1. */
  readonly seed?: number;
  /** Told the bootstrap replicates drawn so far, of `replicates`. */
  readonly onProgress?: ProgressCallback;
}

export interface PairInterval {
  /** The pair's kappa; null where undefined (c_exp = 1), and then lower and upper are null too. */
  kappa: number | null;
  /** Interval ends; null where they are undefined (kappa undefined, or no defined replicate). */
  lower: number | null;
  upper: number | null;
  method: PairIntervalMethod;
  level: number;
  n_trials: number;
  /** Bootstrap replicates or posterior draws made (0 for "analytic" and where kappa is undefined). */
  replicates: number;
  /** Replicates whose kappa was undefined, left out of the quantiles. */
  undefined_replicates: number;
}

/**
 * Defaults of {@link pairInterval} (in ./defaults.ts, for the flags' help). The method is
 * "jeffreys": over the coverage grid of bench/interval-coverage.ts (docs/uncertainty.md) it holds
 * 93 to 97% wherever the true kappa is not exactly at its lower bound, where the bootstrap and
 * analytic intervals fall to 57-60% with empty cells of the 2x2 table.
 */
export { PAIR_INTERVAL_DEFAULTS };

/**
 * A confidence interval for one pair's kappa from its 2x2 table: "jeffreys" (the default: the
 * equal-tailed posterior interval of {@link jeffreysKappas}, seeded), "percentile"
 * ({@link percentileInterval}) or "bca" ({@link bcaInterval}) over the trial bootstrap
 * ({@link bootstrapKappas}, seeded: the same seed gives the same interval everywhere), or
 * "analytic" ({@link analyticInterval}). Where kappa is undefined nothing is drawn and the
 * interval is null.
 *
 * Coverage (bench/interval-coverage.ts, docs/uncertainty.md): where a cell of the 2x2 table is
 * often empty (few errors, or few trials) the bootstrap and analytic intervals cover the true
 * kappa far less often than nominal (57% at accuracies .95/.90, kappa 0, 160 trials); the
 * Jeffreys interval holds 93-97% there. It fails where the true kappa is exactly at its lower
 * bound (a combination of outcomes that never occurs, e.g. two observers who never agree).
 *
 * @example
 * const counts = { trials: 1280, correct1: 233, correct2: 887, bothCorrect: 192 };
 * pairInterval(counts, { method: "analytic" }).lower // => 0.0480...
 */
export function pairInterval(counts: PairCounts, options: PairIntervalOptions): PairInterval {
  const {
    method = PAIR_INTERVAL_DEFAULTS.method,
    level = PAIR_INTERVAL_DEFAULTS.level,
    replicates = PAIR_INTERVAL_DEFAULTS.replicates,
    seed = PAIR_INTERVAL_DEFAULTS.seed,
  } = options;
  checkLevel(level);
  checkPairCounts(counts);
  if (method !== "percentile" && method !== "bca" && method !== "analytic" && method !== "jeffreys") {
    throw new RangeError(`method must be "percentile", "bca", "analytic" or "jeffreys", got ${String(method)}`);
  }
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  const value = pairMetrics(counts).kappa;
  const base = { kappa: value, method, level, n_trials: counts.trials };
  if (value === null) return { ...base, lower: null, upper: null, replicates: 0, undefined_replicates: 0 };
  if (method === "analytic") {
    const { lower, upper } = analyticInterval(counts, level);
    return { ...base, lower: undefinedAsNull(lower), upper: undefinedAsNull(upper), replicates: 0, undefined_replicates: 0 };
  }
  if (method === "jeffreys") {
    const draws = jeffreysKappas(counts, replicates, new SeededRandom(seed), options.onProgress);
    const { lower, upper } = percentileInterval(draws, level);
    return { ...base, lower: undefinedAsNull(lower), upper: undefinedAsNull(upper), replicates, undefined_replicates: countNaN(draws) };
  }
  const samples = bootstrapKappas(counts, replicates, new SeededRandom(seed), options.onProgress);
  const { lower, upper } = method === "bca" ? bcaInterval(counts, samples, level) : percentileInterval(samples, level);
  return { ...base, lower: undefinedAsNull(lower), upper: undefinedAsNull(upper), replicates, undefined_replicates: countNaN(samples) };
}

/**
 * The seed of one pair's bootstrap, derived from the user's seed and the pair's names (FNV-1a
 * over `seed|first|second`, names in code-unit order), so a pair's interval is the same
 * whichever other pairs are computed, and in whichever order the pair is named.
 */
export function pairSeed(seed: number, observerA: string, observerB: string): number {
  const [first, second] = observerA <= observerB ? [observerA, observerB] : [observerB, observerA];
  const text = `${seed}|${first}|${second}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
