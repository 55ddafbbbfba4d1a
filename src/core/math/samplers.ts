/**
 * Draws from distributions, each from a {@link SeededRandom}: normal, gamma and beta variates,
 * multinomial cells, and bootstrap resamples. Isomorphic. Each sampler says whether its draws
 * are the same bits in every engine (the multinomial and the resamples are: they use only the
 * generator's uniforms and binomials) or may differ in a last bit (those using Math.log).
 */
import type { SeededRandom } from "./random.ts";

/**
 * A standard normal draw by Marsaglia's polar method: v1, v2 = 2U - 1 (U uniform in [0, 1))
 * until s = v1^2 + v2^2 is in (0, 1), then z = v1 sqrt(-2 log(s) / s). The second normal of
 * the pair (v2 sqrt(...)) is discarded, so the function keeps no state besides `rng`.
 * Uses Math.log and Math.sqrt: the value may differ in its last bit between engines.
 */
export function normalDraw(rng: SeededRandom): number {
  for (;;) {
    const v1 = 2 * rng.uniform() - 1;
    const v2 = 2 * rng.uniform() - 1;
    const s = v1 * v1 + v2 * v2;
    if (s > 0 && s < 1) return v1 * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * A Gamma(shape, 1) draw by Marsaglia & Tsang (2000, "A simple method for generating gamma
 * variables"): for shape >= 1, d = shape - 1/3, c = 1 / sqrt(9 d); repeat x = normal
 * ({@link normalDraw}), v = (1 + c x)^3 (retry while 1 + c x <= 0), U uniform; accept d v when
 * U < 1 - 0.0331 x^4 (the squeeze, about 98% of tries) or log U < x^2/2 + d (1 - v + log v).
 * For shape < 1: Gamma(shape + 1) U^(1/shape) with U in (0, 1].
 * Uses Math.log, Math.sqrt and Math.pow: a draw may differ between engines in its last bits,
 * and, with tiny probability, an acceptance decision too.
 */
export function gammaDraw(rng: SeededRandom, shape: number): number {
  if (!(shape > 0 && shape < Infinity)) throw new RangeError(`a Gamma shape must be positive and finite, got ${shape}`);
  if (shape < 1) return gammaDraw(rng, shape + 1) * Math.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw: X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) ({@link gammaDraw}), X first. */
export function betaDraw(rng: SeededRandom, a: number, b: number): number {
  const x = gammaDraw(rng, a);
  const y = gammaDraw(rng, b);
  return x / (x + y);
}

/**
 * One draw (x_1, ..., x_k) from the multinomial distribution of n trials over k cells with
 * probabilities p_1..p_k, as sequential conditional binomials:
 * x_1 ~ Bin(n, p_1), x_i ~ Bin(n - x_1 - ... - x_{i-1}, p_i / (p_i + ... + p_k)), and the last
 * cell takes the rest. Exact (the multinomial factorizes this way); k - 1 binomial draws, each
 * O(1) in n (see {@link SeededRandom.binomial}); log-free, so reproducible across engines. The
 * tail sums p_i + ... + p_k are summed from the end, not subtracted, and each ratio is capped
 * at 1 against rounding.
 *
 * @param probabilities non-negative, summing to 1 (within 1e-9)
 */
export function multinomialCells(rng: SeededRandom, n: number, probabilities: readonly number[]): number[] {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`multinomial n must be a non-negative integer, got ${n}`);
  const k = probabilities.length;
  if (k === 0) throw new RangeError("a multinomial needs at least one cell");
  const tail = new Array<number>(k + 1).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`multinomial probabilities must be in [0, 1], got ${p}`);
    tail[i] = tail[i + 1] + p;
  }
  if (!(Math.abs(tail[0] - 1) <= 1e-9)) throw new RangeError(`multinomial probabilities must sum to 1, got ${tail[0]}`);
  const cells = new Array<number>(k).fill(0);
  let remaining = n;
  for (let i = 0; i < k - 1 && remaining > 0; i++) {
    const share = tail[i] > 0 ? Math.min(1, probabilities[i] / tail[i]) : 0;
    const x = rng.binomial(remaining, share);
    cells[i] = x;
    remaining -= x;
  }
  cells[k - 1] += remaining;
  return cells;
}

/**
 * One resample of `size` items with replacement: index j = floor(u_j * size) for `size`
 * uniforms u_j of `rng`, in order.
 */
export function resampleIndices(rng: SeededRandom, size: number, out: Int32Array = new Int32Array(size)): Int32Array {
  for (let j = 0; j < size; j++) out[j] = Math.floor(rng.uniform() * size);
  return out;
}

/**
 * Bootstrap weights of `size` items: w_s = how often s occurs in {@link resampleIndices}, so
 * w ~ Multinomial(size; 1/size each) and Σ w_s = size.
 */
export function resampleWeights(rng: SeededRandom, size: number, out: Float64Array = new Float64Array(size)): Float64Array {
  out.fill(0);
  for (let j = 0; j < size; j++) out[Math.floor(rng.uniform() * size)]++;
  return out;
}
