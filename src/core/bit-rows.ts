/**
 * Rows of bits in a Uint32Array: one row per observer, `words` 32-bit words each, bit s of a
 * row at bit s % 32 of its word s / 32 (the layout of ../kernel/packed.ts, the DuckDB reader's
 * seen and correct rows, and the dashboard's). A row is named by `start`, the index of its first
 * word (row i of a matrix: i * words). Isomorphic.
 */

/**
 * Number of 1 bits of a 32-bit integer (SWAR: 2-bit, 4-bit, 8-bit partial sums, then the four
 * byte sums added by one multiplication).
 *
 * @example popcount32(0b1011) // => 3
 */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of 1 bits of the row at `start`: the stimuli an observer saw, or got right. */
export function rowPopcount(bits: Uint32Array, start: number, words: number): number {
  let count = 0;
  for (let w = start; w < start + words; w++) count += popcount32(bits[w]);
  return count;
}

/** Number of bits set in both rows (at `a` and at `b`): e.g. the stimuli two observers both saw. */
export function rowAndPopcount(bits: Uint32Array, a: number, b: number, words: number): number {
  let count = 0;
  for (let w = 0; w < words; w++) count += popcount32(bits[a + w] & bits[b + w]);
  return count;
}

/** Whether the rows at `a` and `b` hold the same bits. */
export function rowsEqual(bits: Uint32Array, a: number, b: number, words: number): boolean {
  for (let w = 0; w < words; w++) if (bits[a + w] !== bits[b + w]) return false;
  return true;
}

/**
 * A 32-bit hash of the row at `start` (FNV-1a's offset basis and prime over its words, with a
 * shift folded in): equal rows hash equal; rows that hash equal must still be compared
 * ({@link rowsEqual}).
 */
export function rowHash(bits: Uint32Array, start: number, words: number): number {
  let h = 0x811c9dc5;
  for (let w = start; w < start + words; w++) h = Math.imul(h ^ bits[w], 0x01000193) ^ (h >>> 15);
  return h >>> 0;
}
