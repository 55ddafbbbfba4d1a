/** Means, standard deviations and the normal half-width of a mean. Isomorphic. */
import { Z_975 } from "./normal.ts";

/**
 * Arithmetic mean; NaN for no values.
 *
 * @example mean([1, 2, 3, 6]) // => 3
 */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Sample standard deviation with n - 1 in the denominator; NaN for fewer than two values.
 *
 * @example sampleSd([1, 2, 3, 6]) // => 2.1602...
 */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * Half-width of the normal 95% confidence interval of a mean: H = 1.959964 * sd / sqrt(n),
 * sd with n - 1 (the "M ± H" of the 2020 figures). NaN for fewer than two values.
 *
 * @example normalHalfWidth95([1, 2, 3, 6]) // => 2.1170...
 */
export function normalHalfWidth95(values: readonly number[]): number {
  return (Z_975 * sampleSd(values)) / Math.sqrt(values.length);
}
