/**
 * Quantiles of samples and the intervals read off them (bootstrap replicates, simulated
 * values). NaN marks an undefined value (an undefined kappa, see ../metrics.ts): it is counted
 * and left out, never sorted in. Isomorphic.
 */

/**
 * Quantile of sorted values, R's default (type 7, Hyndman & Fan 1996): with h = (n - 1) prob
 * and x_(0) <= ... <= x_(n-1) the order statistics, Q = x_(floor h) + (h - floor h)
 * (x_(floor h + 1) - x_(floor h)), i.e. linear interpolation between the order statistics
 * around position h, evaluated as (1 - f) x_lo + f x_hi as R does. NaN for no values.
 *
 * @example quantileType7([1, 2, 3, 4], 0.5) // => 2.5
 */
export function quantileType7(sorted: ArrayLike<number>, prob: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return quantileFromOrder(n, prob, (i) => sorted[i]);
}

/**
 * The type-7 quantile of n order statistics given by `at(i)` (the i-th smallest, 0-based):
 * {@link quantileType7} without the sorted array.
 */
export function quantileFromOrder(n: number, prob: number, at: (i: number) => number): number {
  const h = (n - 1) * prob;
  const lo = Math.floor(h);
  const xLo = at(lo);
  const f = h - lo;
  if (f === 0) return xLo;
  const xHi = at(lo + 1);
  return xHi === xLo ? xLo : (1 - f) * xLo + f * xHi;
}

/** How many values are NaN (e.g. bootstrap replicates whose kappa is undefined). */
export function countNaN(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) count++;
  return count;
}

/** The values that are not NaN, sorted ascending (a new array). */
export function sortedDefined(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length - countNaN(values));
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[j++] = values[i];
  return out.sort();
}

/** Throws a RangeError unless 0 < level < 1. */
export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`a confidence level must be in (0, 1), got ${level}`);
}

/** The ends of an interval; NaN where undefined. */
export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Percentile bootstrap interval: the (1 - level)/2 and (1 + level)/2 quantiles of the
 * samples, NaNs left out. Quantiles are R's type 7 (the default of R and NumPy; see
 * {@link quantileType7}): with m sorted values x_0..x_{m-1} and h = (m - 1) q,
 * Q(q) = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)). NaN ends where no sample is
 * defined.
 *
 * @example
 * percentileInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8) // => { lower: 1.9, upper: 9.1 }
 */
export function percentileInterval(samples: ArrayLike<number>, level: number): Interval {
  checkLevel(level);
  const sorted = sortedDefined(samples);
  return { lower: quantileType7(sorted, (1 - level) / 2), upper: quantileType7(sorted, (1 + level) / 2) };
}

/**
 * Interval of an integer-valued statistic (a rank): the inverse empirical distribution
 * function, lower = the ceil(m a)-th smallest and upper = the ceil(m a)-th largest of the m
 * defined (non-NaN) samples, a = (1 - level)/2; both are values that occurred.
 */
export function integerInterval(samples: ArrayLike<number>, level: number): Interval {
  const sorted = sortedDefined(samples);
  const m = sorted.length;
  if (m === 0) return { lower: NaN, upper: NaN };
  const k = Math.max(1, Math.ceil(m * ((1 - level) / 2) - 1e-9));
  return { lower: sorted[k - 1], upper: sorted[m - k] };
}
