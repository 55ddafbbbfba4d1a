/**
 * The pure TypeScript fallback of the all-pairs kernel: the same tiles, cache blocks and 2 x 2
 * register blocks as ./kernel.wat, on 32-bit words of the row-major packed matrix
 * (./packed.ts) with a bit-trick (SWAR) popcount, so it gives the same counts (integers,
 * exact) wherever WebAssembly is unavailable. Isomorphic.
 */
import { rowPopcount } from "../core/bit-rows.ts";
import { kappaFromCounts } from "../core/metrics.ts";

const M1 = 0x55555555;
const M2 = 0x33333333;
const M4 = 0x0f0f0f0f;

/** out[i] = number of 1 bits of row i (rows of `words` 32-bit words), for rows 0..n-1: the correct counts. */
export function rowCounts(bits: Uint32Array, words: number, n: number, out: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    out[i] = rowPopcount(bits, i * words, words);
  }
}

/**
 * Sum of the four bytes of a 32-bit word whose bytes are counts (each at most 255).
 */
function byteSum(c: number): number {
  c = (c & 0x00ff00ff) + ((c >>> 8) & 0x00ff00ff);
  return (c & 0xffff) + (c >>> 16);
}

/** Words per batch of byte counts: 15 steps of 2 words add at most 15 * 16 = 240 per byte. */
const BATCH_WORDS = 30;

/**
 * Both-correct counts of one tile, as the WebAssembly `bothCorrectTile` (see ./wasm.ts), but on
 * the row-major packed bits: rows r0..r1-1 against columns c0..c1-1 of `bits` (`words` 32-bit
 * words per observer, even), into out[(r - r0) * (c1 - c0) + (c - c0)]. With `upper` (a tile
 * on the diagonal) only entries with c > r are exact; the others are unspecified. `chunk`:
 * trials per cache block in 64-bit words, as the WebAssembly kernel (0: all at once).
 *
 * The popcount of two words (x and the next word p) of one pair is taken together: 2-bit and
 * 4-bit partial sums of each, their 4-bit fields added (at most 8, no carry), folded to byte
 * counts and accumulated for up to 30 words before the bytes are summed.
 */
export function bothCorrectTileScalar(
  bits: Uint32Array,
  words: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  upper: boolean,
  chunk: number,
): void {
  const ncols = c1 - c0;
  if (r0 >= r1 || ncols <= 0) return;
  out.fill(0, 0, (r1 - r0) * ncols);
  const chunkWords = chunk > 0 ? chunk * 2 : words;
  for (let k = 0; k < words; k += chunkWords) {
    const kn = Math.min(chunkWords, words - k);
    for (let ra = r0; ra < r1; ra += 2) {
      const rb = ra + 1 < r1 ? ra + 1 : ra;
      const a0 = ra * words + k;
      const a1 = rb * words + k;
      const rowA = (ra - r0) * ncols;
      const rowB = (rb - r0) * ncols;
      for (let ca = upper && ra > c0 ? ra : c0; ca < c1; ca += 2) {
        const cb = ca + 1 < c1 ? ca + 1 : ca;
        const b0 = ca * words + k;
        const b1 = cb * words + k;
        let s00 = 0;
        let s01 = 0;
        let s10 = 0;
        let s11 = 0;
        for (let w0 = 0; w0 < kn; w0 += BATCH_WORDS) {
          const wEnd = Math.min(kn, w0 + BATCH_WORDS);
          let c00 = 0;
          let c01 = 0;
          let c10 = 0;
          let c11 = 0;
          for (let w = w0; w < wEnd; w += 2) {
            const x0 = bits[a0 + w];
            const x1 = bits[a1 + w];
            const y0 = bits[b0 + w];
            const y1 = bits[b1 + w];
            const p0 = bits[a0 + w + 1];
            const p1 = bits[a1 + w + 1];
            const q0 = bits[b0 + w + 1];
            const q1 = bits[b1 + w + 1];
            let u = x0 & y0;
            let v = p0 & q0;
            u = (u - ((u >>> 1) & M1)) | 0;
            v = (v - ((v >>> 1) & M1)) | 0;
            u = ((u & M2) + ((u >>> 2) & M2) + (v & M2) + ((v >>> 2) & M2)) | 0;
            c00 = (c00 + (u & M4) + ((u >>> 4) & M4)) | 0;
            u = x0 & y1;
            v = p0 & q1;
            u = (u - ((u >>> 1) & M1)) | 0;
            v = (v - ((v >>> 1) & M1)) | 0;
            u = ((u & M2) + ((u >>> 2) & M2) + (v & M2) + ((v >>> 2) & M2)) | 0;
            c01 = (c01 + (u & M4) + ((u >>> 4) & M4)) | 0;
            u = x1 & y0;
            v = p1 & q0;
            u = (u - ((u >>> 1) & M1)) | 0;
            v = (v - ((v >>> 1) & M1)) | 0;
            u = ((u & M2) + ((u >>> 2) & M2) + (v & M2) + ((v >>> 2) & M2)) | 0;
            c10 = (c10 + (u & M4) + ((u >>> 4) & M4)) | 0;
            u = x1 & y1;
            v = p1 & q1;
            u = (u - ((u >>> 1) & M1)) | 0;
            v = (v - ((v >>> 1) & M1)) | 0;
            u = ((u & M2) + ((u >>> 2) & M2) + (v & M2) + ((v >>> 2) & M2)) | 0;
            c11 = (c11 + (u & M4) + ((u >>> 4) & M4)) | 0;
          }
          s00 += byteSum(c00);
          s01 += byteSum(c01);
          s10 += byteSum(c10);
          s11 += byteSum(c11);
        }
        out[rowA + ca - c0] += s00;
        if (cb !== ca) out[rowA + cb - c0] += s01;
        if (rb !== ra) {
          out[rowB + ca - c0] += s10;
          if (cb !== ca) out[rowB + cb - c0] += s11;
        }
      }
    }
  }
}

/**
 * Every pair's kappa of a tile (pairs j > i only; other entries untouched) from its counts, in
 * the counts' layout: kappaFromCounts itself, the reference the WebAssembly `pairKappas` equals.
 */
export function pairKappasScalar(
  counts: Uint32Array,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  correct: Uint32Array,
  trials: number,
  out: Float64Array,
): void {
  const ncols = c1 - c0;
  for (let i = r0; i < r1; i++) {
    const row = (i - r0) * ncols - c0;
    for (let j = Math.max(c0, i + 1); j < c1; j++) out[row + j] = kappaFromCounts(trials, correct[i], correct[j], counts[row + j]);
  }
}
