/**
 * The all-pairs counts (./index.ts) as row bands, in row order: what a consumer needs to hand
 * pairs on in `computePairs`' order (row by row, i < j) without an N x N matrix.
 *
 * Band k holds rows k * tileSize .. (k + 1) * tileSize - 1 (fewer in the last band) against
 * every column from its first row on: the row of the kernel's tiles, assembled. The kernel runs
 * in the background (on worker threads too) and its tiles, which arrive in no fixed order, are
 * copied into their band; bands are handed out in order once complete. Flow control: while
 * `bandsAhead` complete bands wait for the consumer, every arriving tile waits too (the kernel
 * awaits its `onTile`), so memory holds those bands, the bands being assembled (about two tiles
 * per thread in flight) and the packed input. Isomorphic.
 */
import { type AllPairOptions, DEFAULT_TILE_SIZE, type PairTile, allPairCounts, correctCounts, pairTiles } from "./index.ts";
import type { PackedObservers } from "./packed.ts";

/**
 * Rows rowStart..rowEnd-1 of the pair matrix against columns rowStart..N-1: the both-correct
 * count of pair (i, j) is counts[(i - rowStart) * (N - rowStart) + (j - rowStart)]; only
 * entries with j > i are pairs (the others are unspecified).
 */
export interface PairBand {
  rowStart: number;
  rowEnd: number;
  counts: Uint32Array;
}

export interface PairBandOptions extends Omit<AllPairOptions, "onTile"> {
  /** Complete bands that may wait for the consumer before the kernel pauses (default 2). */
  bandsAhead?: number;
}

export interface PairBands {
  /** correct[i]: trials observer i answered correctly. */
  correct: Uint32Array;
  /**
   * The next band holding pairs, in row order; undefined after the last. Rows without a pair
   * (a last band of one row) come in no band. Rejects with the kernel's error.
   */
  next(): Promise<PairBand | undefined>;
  /** Resolves when the kernel's run is over (its threads back in the pool); rejects with its error. */
  finished(): Promise<void>;
  /** Stops the kernel (e.g. when the consumer failed) and resolves once it has stopped; later `next` calls reject. */
  cancel(): Promise<void>;
}

class Cancelled extends Error {
  constructor() {
    super("the pair bands were cancelled");
  }
}

/** Starts the kernel on `packed` and returns its counts band by band (see the module comment). */
export function pairBands(packed: PackedObservers, options: PairBandOptions = {}): PairBands {
  const n = packed.observers.length;
  const tileSize = options.tileSize ?? DEFAULT_TILE_SIZE;
  const bandsAhead = options.bandsAhead ?? 2;
  const tiles = pairTiles(n, tileSize);
  const bandCount = Math.ceil(n / tileSize);
  /** Tiles of each band not yet copied in (0 for a band without tiles). */
  const missing = new Int32Array(bandCount);
  for (let t = 0; t < tiles.length; t += 4) missing[tiles[t] / tileSize]++;
  const assembling = new Map<number, PairBand>();
  const ready: PairBand[] = [];
  /** The band to queue next once complete. */
  let nextBand = 0;
  let failure: unknown;
  let over = false;
  /** Whoever waits for a change: the consumer (a band, the end, a failure) and kernel tiles (room). */
  let waiters: (() => void)[] = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));

  const queueComplete = () => {
    while (nextBand < bandCount && missing[nextBand] === 0) {
      const band = assembling.get(nextBand);
      if (band) {
        assembling.delete(nextBand);
        ready.push(band);
      }
      nextBand++;
    }
  };
  queueComplete(); // bands without tiles

  const onTile = (tile: PairTile): void | Promise<void> => {
    if (failure !== undefined) throw failure;
    const k = tile.rowStart / tileSize;
    let band = assembling.get(k);
    if (!band) {
      band = { rowStart: tile.rowStart, rowEnd: tile.rowEnd, counts: new Uint32Array((tile.rowEnd - tile.rowStart) * (n - tile.rowStart)) };
      assembling.set(k, band);
    }
    const width = tile.colEnd - tile.colStart;
    const bandWidth = n - band.rowStart;
    for (let row = 0; row < tile.rowEnd - tile.rowStart; row++) {
      band.counts.set(tile.counts.subarray(row * width, (row + 1) * width), row * bandWidth + (tile.colStart - band.rowStart));
    }
    if (--missing[k] === 0) {
      queueComplete();
      wake();
    }
    if (ready.length >= bandsAhead) return waitForRoom();
  };
  const waitForRoom = async (): Promise<void> => {
    while (ready.length >= bandsAhead && failure === undefined) await changed();
    if (failure !== undefined) throw failure;
  };

  const { bandsAhead: _, ...kernelOptions } = options;
  // Each tile is copied into its band at once: views of the kernel's memory do (no copy per tile).
  const run = allPairCounts(packed, { ...kernelOptions, onTile, lendTiles: true }).then(
    () => {
      over = true;
      wake();
    },
    (error: unknown) => {
      failure ??= error;
      over = true;
      wake();
    },
  );

  return {
    correct: correctCounts(packed),
    async next() {
      for (;;) {
        if (failure !== undefined) throw failure;
        const band = ready.shift();
        if (band) {
          wake(); // room for the kernel
          return band;
        }
        if (nextBand === bandCount) return undefined;
        if (over) throw new Error("the kernel finished without computing every tile");
        await changed();
      }
    },
    async finished() {
      await run;
      if (failure !== undefined) throw failure;
    },
    async cancel() {
      failure ??= new Cancelled();
      wake();
      await run;
    },
  };
}
