import type { OutcomeMatrix } from "../core/outcome-matrix.ts";
/**
 * Bit-packed correctness of N observers on the same M trials: the input of the all-pairs
 * kernel (./index.ts). Isomorphic (no Node APIs).
 *
 * Layout: row i (observer i) is `wordsPerObserver` 32-bit words starting at
 * `bits[i * wordsPerObserver]`; bit t of the row (bit t % 32 of word t / 32, least significant
 * first) is 1 when observer i answered trial t correctly. `wordsPerObserver` is
 * 2 * ceil(M / 64), even, so every row starts on a 64-bit boundary and the WebAssembly kernel
 * reads it as ceil(M / 64) 64-bit words (little-endian: 32-bit word 2k is the low half of 64-bit
 * word k). Bits past M (padding) are 0, so popcount(row_a AND row_b) over the whole row is the
 * number of trials both answered correctly.
 *
 * Storage: a SharedArrayBuffer where the host has one (Node; browsers when cross-origin
 * isolated), so worker threads (./threads.ts) read the same bits without a copy; else an
 * ArrayBuffer.
 */

export interface PackedObservers {
  /** Observer names, one per row. */
  observers: string[];
  /** Trials M per observer (the same trials, in the same order, for everyone). */
  trials: number;
  /** 32-bit words per row: 2 * ceil(trials / 64), a multiple of 2 so rows are 64-bit aligned. */
  wordsPerObserver: number;
  /** N x wordsPerObserver words, row-major; bit t of row i = observer i correct on trial t; padding bits 0. */
  bits: Uint32Array;
}

/** 32-bit words per observer for M trials: 2 * ceil(M / 64). */
export function wordsPerObserverFor(trials: number): number {
  if (!(Number.isInteger(trials) && trials >= 0)) throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
  return 2 * Math.ceil(trials / 64);
}

/** `count` zeroed 32-bit words on a SharedArrayBuffer where possible, else on an ArrayBuffer. */
export function allocateWords(count: number): Uint32Array {
  if (typeof SharedArrayBuffer === "function") {
    try {
      return new Uint32Array(new SharedArrayBuffer(count * 4));
    } catch {
      // SharedArrayBuffer present but unusable (a page that is not cross-origin isolated).
    }
  }
  return new Uint32Array(count);
}

/** An empty packed matrix for N observers and M trials (all bits 0), ready to be filled. */
export function allocatePacked(observers: readonly string[], trials: number): PackedObservers {
  const wordsPerObserver = wordsPerObserverFor(trials);
  return { observers: [...observers], trials, wordsPerObserver, bits: allocateWords(observers.length * wordsPerObserver) };
}

/** Sets bit t of row `observer` (marks the trial correct). */
export function setCorrect(packed: PackedObservers, observer: number, trial: number): void {
  const w = observer * packed.wordsPerObserver + (trial >>> 5);
  packed.bits[w] = (packed.bits[w] | (1 << (trial & 31))) >>> 0;
}

/** Whether observer `observer` answered trial `trial` correctly. */
export function isCorrect(packed: PackedObservers, observer: number, trial: number): boolean {
  return ((packed.bits[observer * packed.wordsPerObserver + (trial >>> 5)] >>> (trial & 31)) & 1) === 1;
}

/**
 * Packs 0/1 rows (1 = correct), one per observer, all of the same length M.
 *
 * @throws RangeError when the rows differ in length, a value is not 0 or 1, or the names and
 *   rows differ in number
 */
export function packObservers(names: readonly string[], rows: readonly ArrayLike<number>[]): PackedObservers {
  if (names.length !== rows.length) throw new RangeError(`${names.length} observer names but ${rows.length} rows`);
  const trials = rows.length > 0 ? rows[0].length : 0;
  const packed = allocatePacked(names, trials);
  const { bits, wordsPerObserver } = packed;
  rows.forEach((row, i) => {
    if (row.length !== trials) {
      throw new RangeError(`row ${i} (${names[i]}) has ${row.length} trials, row 0 has ${trials}: every observer needs the same trials`);
    }
    const base = i * wordsPerObserver;
    for (let start = 0; start < trials; start += 32) {
      const end = Math.min(start + 32, trials);
      let word = 0;
      let any = 0;
      for (let t = start; t < end; t++) {
        const v = row[t];
        any |= v;
        word |= (v & 1) << (t - start);
      }
      if (any > 1 || any < 0) {
        const bad = Array.from({ length: end - start }, (_, k) => row[start + k]).find((v) => v !== 0 && v !== 1);
        throw new RangeError(`row ${i} (${names[i]}) has value ${bad}: expected 0 (wrong) or 1 (correct)`);
      }
      bits[base + (start >>> 5)] = word >>> 0;
    }
  });
  return packed;
}

/** Packs the rows of an outcome matrix (its observers, on its common stimuli, in its order). */
export function packOutcomeMatrix(matrix: OutcomeMatrix): PackedObservers {
  return packObservers(matrix.observers, matrix.correct);
}
