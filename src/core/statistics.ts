/** Small descriptive and inferential statistics used by the summaries. */

/** The 97.5% quantile of the standard normal distribution, as the 2020 analysis uses it. */
export const Z_975 = 1.959964;

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation with n - 1 in the denominator; NaN for fewer than two values. */
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
 */
export function normalHalfWidth95(values: readonly number[]): number {
  return (Z_975 * sampleSd(values)) / Math.sqrt(values.length);
}

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

/** P(F >= f) for an F(d1, d2) variable: I_{d2/(d2 + d1 f)}(d2/2, d1/2). */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 1;
  if (f === Infinity) return 0;
  return regularizedIncompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/**
 * The regularized incomplete beta function I_x(a, b), by its continued fraction (evaluated
 * with the modified Lentz method), using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the
 * fraction converges slowly (x > (a+1)/(a+b+2)).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedIncompleteBeta(1 - x, b, a);
  const logFront = a * Math.log(x) + b * Math.log(1 - x) - logBeta(a, b);
  return (Math.exp(logFront) / a) * betaContinuedFraction(x, a, b);
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let value = d;
  for (let m = 1; m <= 10_000; m++) {
    // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    c = 1 + even / c;
    if (Math.abs(d) < tiny) d = tiny;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    value *= d * c;
    // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    c = 1 + odd / c;
    if (Math.abs(d) < tiny) d = tiny;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    value *= step;
    if (Math.abs(step - 1) < 1e-15) return value;
  }
  throw new Error(`incomplete beta did not converge for x=${x}, a=${a}, b=${b}`);
}

/** log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

// Lanczos approximation (g = 7, 9 terms), accurate to about 1e-15 for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(z) for z > 0 (Lanczos approximation; reflection for z < 0.5). */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const x = z - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
