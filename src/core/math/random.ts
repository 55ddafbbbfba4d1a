/**
 * A small seeded pseudo-random number generator for simulations (isomorphic: no Node APIs).
 *
 * Reproducibility: every step below uses only 32-bit integer operations and the IEEE 754
 * double operations JavaScript defines exactly (+, -, *, /, Math.sqrt, Math.floor). No
 * Math.log, Math.exp or `**`, whose last bit may differ between JavaScript engines. So the
 * same seed gives the same numbers, bit for bit, in every engine and on every platform.
 */

/**
 * One step of splitmix32 (an avalanching 32-bit mixer), used only to spread a seed over the
 * generator's 128 bits of state: z = s + 0x9e3779b9; z = (z ^ z>>>16) * 0x21f0aaad;
 * z = (z ^ z>>>15) * 0x735a2d97; z ^ z>>>15.
 */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

const TWO_POW_32 = 4294967296;

/**
 * Seeded generator: sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit
 * state of four 32-bit words a, b, c and a counter d; passes PractRand and BigCrush; period at
 * least 2^32, 2^127 on average). One step:
 * t = a + b + d; d = d + 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl(c, 21) + t; output t.
 *
 * Seeding: a, b, c are splitmix32 of s, s + 1, s + 2 (s = normalizeSeed(seed)), d = 1,
 * and the first 12 outputs are discarded.
 *
 * @example new SeededRandom(1).uniform() // => 0.9284...
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed an integer; see normalizeSeed (-1 and 4294967295 are the same seed). */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`a seed must be an integer, got ${seed}`);
    const s = normalizeSeed(seed);
    this.a = splitmix32(s);
    this.b = splitmix32(s + 1);
    this.c = splitmix32(s + 2);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1): the next 32-bit output divided by 2^32 (resolution 2^-32). */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * A draw from the binomial distribution Bin(n, p): the number of successes in n independent
   * trials of success probability p, P(K = k) = C(n, k) p^k (1 - p)^(n - k). Exact (up to
   * double rounding in the probabilities), not an approximation.
   *
   * Method, with p' = min(p, 1 - p) (for p > 1/2 the draw is n - Bin(n, 1 - p)):
   * - n p' < 10: inversion, searching up from k = 0 with P(0) = (1 - p')^n (by repeated
   *   squaring) and P(k + 1) = P(k) (n - k) / (k + 1) p' / (1 - p'); on average n p' + 1 steps.
   * - n p' >= 10: Hörmann's transformed rejection with squeeze, BTRS (W. Hörmann, "The
   *   generation of binomial random variates", J. Statist. Comput. Simul. 46, 1993). Two
   *   uniforms per try, 1.14 to 1.36 tries per draw (more for n p' near 10); most tries are
   *   decided by the squeeze alone. The full acceptance test compares the hat with
   *   P(k) / P(m) (m the mode), computed here as the product of the ratios P(j + 1) / P(j)
   *   from m towards k instead of with log-factorials, which keeps the draw free of Math.log;
   *   it stops early once the product falls below the hat (the ratios beyond the mode are all
   *   <= 1), so it takes about sqrt(n p') steps, and is needed rarely.
   * About 50 ns per draw for n p' >= 10, 10 to 50 ns below.
   *
   * @param n the number of trials, a non-negative integer
   * @param p the success probability, in [0, 1]
   */
  binomial(n: number, p: number): number {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
    if (p > 0.5) return n - this.binomialHalf(n, 1 - p);
    return this.binomialHalf(n, p);
  }

  /** Bin(n, p) for p <= 1/2. */
  private binomialHalf(n: number, p: number): number {
    if (n === 0 || p === 0) return 0;
    return n * p < 10 ? this.binomialInversion(n, p) : this.binomialBtrs(n, p);
  }

  private binomialInversion(n: number, p: number): number {
    const q = 1 - p;
    const ratio = p / q;
    const p0 = powInt(q, n);
    for (;;) {
      let u = this.uniform();
      let f = p0;
      for (let k = 0; k <= n; k++) {
        if (u < f) return k;
        u -= f;
        f *= ((n - k) / (k + 1)) * ratio;
      }
      // u fell into the probability lost to rounding (about 1e-15): draw again.
    }
  }

  private binomialBtrs(n: number, p: number): number {
    const q = 1 - p;
    const spq = Math.sqrt(n * p * q);
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * p;
    const c = n * p + 0.5;
    const vr = 0.92 - 4.2 / b;
    const alpha = (2.83 + 5.1 / b) * spq;
    const ratio = p / q;
    const mode = Math.floor((n + 1) * p);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (!(k >= 0 && k <= n)) continue; // also rejects us = 0 (k = ±Infinity or NaN)
      if (us >= 0.07 && v <= vr) return k;
      // Accept when v alpha / (a / us^2 + b) <= P(k) / P(mode).
      const hat = (v * alpha) / (a / (us * us) + b);
      let f = 1;
      if (k > mode) {
        for (let j = mode; j < k && f >= hat; j++) f *= ((n - j) / (j + 1)) * ratio;
      } else {
        for (let j = mode - 1; j >= k && f >= hat; j--) f *= (j + 1) / ((n - j) * ratio);
      }
      if (hat <= f) return k;
    }
  }
}

/** x^n for a non-negative integer n by repeated squaring (only multiplications). */
function powInt(x: number, n: number): number {
  let result = 1;
  let base = x;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result *= base;
    base *= base;
  }
  return result;
}

/**
 * A seed as the generator uses it, in [0, 2^32): seeds in [0, 2^32) as they are, negative ones
 * modulo 2^32, and larger ones (up to 2^53 - 1, which the CLI accepts) with their high word
 * mixed into the low one, low XOR splitmix32(high), so that 2^32 + 1 is not the seed 1.
 */
export function normalizeSeed(seed: number): number {
  const low = ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const high = seed >= TWO_POW_32 ? Math.floor(seed / TWO_POW_32) : 0;
  return high === 0 ? low : (low ^ splitmix32(high)) >>> 0;
}

/** A generator for `seed` (see {@link SeededRandom}). */
export function seededRandom(seed: number): SeededRandom {
  return new SeededRandom(seed);
}

/**
 * The seed of an independent second stream for the same user seed: a 32-bit mix
 * (murmur3's finalizer) of seed + stream * 0x9e3779b9.
 */
export function streamSeed(seed: number, stream: number): number {
  let z = (normalizeSeed(seed) + Math.imul(stream, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
