import { SeededRandom } from "../core/math/random.ts";
/**
 * Seeded 1/f ("pink") noise images for backward masks (isomorphic; the browser draws them on a
 * canvas).
 *
 * Method: on an N x N grid (N the power of two at or above the side), a spectrum with amplitude
 * 1/f at spatial frequency f = sqrt(fx^2 + fy^2) (cycles per image; the mean, f = 0, set to 0)
 * and independent uniform random phases; the real part of its inverse 2D FFT, cropped to the
 * side and scaled linearly to the full 0..255 range (full contrast, mean near mid-grey). Its
 * power spectrum falls as 1/f^2, the "1/f noise" of natural-image statistics.
 */

/** In-place iterative radix-2 FFT of one complex sequence (length a power of two); `inverse` without the 1/n. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let length = 2; length <= n; length <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / length;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += length) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < length / 2; k++) {
        const a = start + k;
        const b = a + length / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        [cr, ci] = [cr * wr - ci * wi, cr * wi + ci * wr];
      }
    }
  }
}

/** The side of the FFT grid for an image side: the power of two at or above it. */
export function fftSide(side: number): number {
  let n = 1;
  while (n < side) n <<= 1;
  return n;
}

/**
 * The unscaled noise field on the full N x N grid (row-major): real part of the inverse FFT of
 * a 1/f amplitude spectrum with seeded random phases.
 */
export function pinkNoiseField(n: number, seed: number): Float64Array {
  if (fftSide(n) !== n) throw new RangeError(`the noise grid side must be a power of two, got ${n}`);
  const random = new SeededRandom(seed);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    // Frequencies of FFT bins: 0, 1, ..., n/2, then negative -n/2 + 1, ..., -1.
    const fy = y <= n / 2 ? y : y - n;
    for (let x = 0; x < n; x++) {
      const fx = x <= n / 2 ? x : x - n;
      const f = Math.sqrt(fx * fx + fy * fy);
      const phase = 2 * Math.PI * random.uniform();
      const amplitude = f === 0 ? 0 : 1 / f;
      re[y * n + x] = amplitude * Math.cos(phase);
      im[y * n + x] = amplitude * Math.sin(phase);
    }
  }
  const rowRe = new Float64Array(n);
  const rowIm = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    // Pass 0 transforms rows, pass 1 columns.
    for (let line = 0; line < n; line++) {
      for (let k = 0; k < n; k++) {
        const at = pass === 0 ? line * n + k : k * n + line;
        rowRe[k] = re[at];
        rowIm[k] = im[at];
      }
      fft(rowRe, rowIm, true);
      for (let k = 0; k < n; k++) {
        const at = pass === 0 ? line * n + k : k * n + line;
        re[at] = rowRe[k];
        im[at] = rowIm[k];
      }
    }
  }
  return re;
}

/** A `side` x `side` greyscale pink-noise mask (row-major, 0..255, full contrast) for `seed`. */
export function pinkNoise(side: number, seed: number): Uint8ClampedArray {
  const n = fftSide(side);
  const field = pinkNoiseField(n, seed);
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = field[y * n + x];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const out = new Uint8ClampedArray(side * side);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[y * side + x] = Math.round((field[y * n + x] - min) * scale);
  return out;
}

/** Seed of the mask of trial `index` (practice trials use negative indices) for a participant seed. */
export function maskSeed(participantSeed: number, index: number): number {
  return (Math.imul(participantSeed ^ 0x2545f491, 31) + index) | 0;
}
