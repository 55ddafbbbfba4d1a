/**
 * The standard normal distribution: its quantile function and CDF, and the 97.5% quantile the
 * 2020 analysis writes out. Uses Math.log, Math.exp and Math.sqrt, so a value may differ in its
 * last bit between engines: these turn replicates into interval ends, they never decide a
 * random draw. Isomorphic.
 */

/** The 97.5% quantile of the standard normal distribution, as the 2020 analysis uses it. */
export const Z_975 = 1.959964;

// Wichura's AS 241 (PPND16), Applied Statistics 37 (1988) 477-484: rational approximations
// of degree 7, relative accuracy about 1e-16.
const AS241_A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
  33430.575583588128105, 2509.0809287301226727,
];
const AS241_B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674,
  5226.495278852854561,
];
const AS241_C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258,
  0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4,
];
const AS241_D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966,
  5.475938084995344946e-4, 1.05075007164441684324e-9,
];
const AS241_E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093,
  0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
];
const AS241_F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5,
  1.4215117583164458887e-7, 2.04426310338993978564e-15,
];

/** Polynomial c_0 + c_1 x + ... by Horner's rule. */
function horner(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * x + coefficients[i];
  return value;
}

/**
 * The standard normal quantile Φ^-1(p), by Wichura's algorithm AS 241 (1988): with q = p - 1/2,
 * for |q| <= 0.425 a rational function of r = 0.180625 - q^2 (times q); else, with
 * r = sqrt(-log(min(p, 1 - p))), a rational function of r - 1.6 (r <= 5) or of r - 5, with the
 * sign of q. Relative accuracy about 1e-16. -Infinity at 0, Infinity at 1, NaN outside [0, 1].
 *
 * @example normalQuantile(0.975) // => 1.9599...
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241_A, r)) / horner(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = horner(AS241_C, r) / horner(AS241_D, r);
  } else {
    r -= 5;
    value = horner(AS241_E, r) / horner(AS241_F, r);
  }
  return q < 0 ? -value : value;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)

/**
 * erfc(z) for z >= 0. For z < 1: 1 - erf(z) with erf(z) = (2/sqrt(pi)) e^(-z^2)
 * sum_k 2^k z^(2k+1) / (1·3···(2k+1)) (all terms positive; erfc(1) = 0.157, so at most one
 * digit is lost to the subtraction). For z >= 1: the continued fraction
 * erfc(z) = (e^(-z^2)/sqrt(pi)) / (z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))),
 * evaluated with the modified Lentz method; it keeps full relative accuracy far into the tail.
 * 0 from z = 28 on, where e^(-z^2) underflows.
 */
function erfcNonNegative(z: number): number {
  if (!(z < 28)) return 0; // e^(-z^2) underflows (also z = Infinity)
  if (z < 1) {
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let k = 1; k < 100; k++) {
      term *= (2 * z2) / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
  }
  // Continued fraction z + a_1/(z + a_2/(z + ...)), a_k = k/2; Lentz's method.
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = z + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = z + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-z * z)) / f;
}

/**
 * The standard normal CDF Φ(x) = erfc(-x / sqrt(2)) / 2, computed on the smaller tail so that
 * both tails keep their relative accuracy (see erfcNonNegative in the source): about 1e-15 for
 * |x| <= 10, 1e-13 at x = -30 (the rounding of x^2 inside e^(-x^2/2)); 0 below about -38.5,
 * where Φ underflows. 0 at -Infinity, 1 at Infinity, NaN for NaN.
 *
 * @example normalCdf(0) // => 0.5
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const tail = 0.5 * erfcNonNegative(Math.abs(x) / Math.SQRT2);
  return x < 0 ? tail : 1 - tail;
}
