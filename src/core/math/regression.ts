/** Ordinary least squares of y on x, with the F test of the slope. Isomorphic. */
import { fSurvival } from "./beta.ts";
import { mean } from "./descriptive.ts";

export interface LinearFit {
  n: number;
  slope: number;
  intercept: number;
  /** Coefficient of determination R^2 = 1 - SS_res / SS_tot. */
  r2: number;
  /** F statistic of the slope: F = SS_reg / (SS_res / (n - 2)), with (1, n - 2) degrees of freedom. */
  f: number;
  df1: number;
  df2: number;
  /** P(F(1, n-2) >= f): the p-value of the slope (same as its two-sided t test). */
  p: number;
}

/**
 * Ordinary least squares of y on x with an intercept:
 * slope = S_xy / S_xx, intercept = mean(y) - slope * mean(x).
 *
 * @example linearRegression([1, 2, 3, 4], [2, 4, 6, 8]).slope // => 2
 */
export function linearRegression(x: readonly number[], y: readonly number[]): LinearFit {
  const n = x.length;
  if (n !== y.length) throw new RangeError("x and y must have the same length");
  if (n < 3) throw new RangeError("a regression with a p-value needs at least 3 points");
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const ssReg = slope * sxy;
  const ssRes = syy - ssReg;
  const df2 = n - 2;
  const f = ssReg / (ssRes / df2);
  return {
    n,
    slope,
    intercept: my - slope * mx,
    r2: ssReg / syy,
    f,
    df1: 1,
    df2,
    p: fSurvival(f, 1, df2),
  };
}
