/** Maximum-likelihood probit regression of binomial counts on one covariate. Isomorphic. */
import { normalCdf } from "./normal.ts";

export interface ProbitFit {
  intercept: number;
  slope: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Fits P(success at x) = Φ(intercept + slope x) to `successes[i]` of `trials[i]` at `x[i]` by
 * maximum likelihood, with iteratively reweighted least squares (Fisher scoring): with
 * η = a + b x, μ = Φ(η), φ the normal density, the working response z = η + (y/m - μ) / φ(η)
 * is regressed on x with weights m φ(η)^2 / (μ (1 - μ)), until a and b change by less than
 * 1e-10 (at most 100 rounds). η is kept within ±8 so that the weights stay finite.
 * RangeError with fewer than two distinct x, or where the fit does not converge or ends with
 * |η| beyond 8 at some x (counts that separate perfectly: all failures below some x and all
 * successes above it, whose likelihood has no maximum).
 *
 * @example probitFit([0, 1, 2], [10, 50, 90], [100, 100, 100]).slope // => 1.28...
 */
export function probitFit(x: readonly number[], successes: readonly number[], trials: readonly number[]): ProbitFit {
  if (x.length !== successes.length || x.length !== trials.length)
    throw new RangeError("probitFit needs x, successes and trials of the same length");
  if (new Set(x).size < 2) throw new RangeError("probitFit needs at least two distinct x");
  let a = 0;
  let b = 0;
  for (let round = 0; round < 100; round++) {
    let sw = 0;
    let swx = 0;
    let swz = 0;
    let swxx = 0;
    let swxz = 0;
    for (let i = 0; i < x.length; i++) {
      const eta = Math.min(8, Math.max(-8, a + b * x[i]));
      const mu = normalCdf(eta);
      const density = INV_SQRT_2PI * Math.exp(-0.5 * eta * eta);
      const z = eta + (successes[i] / trials[i] - mu) / density;
      const w = (trials[i] * density * density) / (mu * (1 - mu));
      sw += w;
      swx += w * x[i];
      swz += w * z;
      swxx += w * x[i] * x[i];
      swxz += w * x[i] * z;
    }
    const sxx = swxx - (swx * swx) / sw;
    const nextB = (swxz - (swx * swz) / sw) / sxx;
    const nextA = (swz - nextB * swx) / sw;
    const change = Math.abs(nextA - a) + Math.abs(nextB - b);
    a = nextA;
    b = nextB;
    if (!(Number.isFinite(a) && Number.isFinite(b))) break;
    if (change < 1e-10) {
      // A fit that needs |η| beyond the clamp at some x is no maximum: the counts separate.
      if (x.some((v) => Math.abs(a + b * v) > 8)) break;
      return { intercept: a, slope: b };
    }
  }
  throw new RangeError("the probit fit did not converge (the counts separate perfectly, or too few of them lie between 0 and all)");
}
