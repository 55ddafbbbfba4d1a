/**
 * All-pairs both-correct counts of bit-packed observers (./packed.ts): for every pair i < j of
 * N observers on the same M trials, the number of trials both answered correctly, plus each
 * observer's correct count. With the trial count these are the whole 2x2 table of every pair
 * (both wrong = M - correct_i - correct_j + both correct), from which every pair metric follows
 * (`pairMetrics`, `kappaFromCounts`).
 *
 * The pair matrix is cut into tiles of tileSize x tileSize observers (its upper triangle,
 * diagonal tiles included), each computed by a cache-blocked kernel: WebAssembly (./kernel.wat,
 * i64.popcnt and v128 i8x16.popcnt side by side on a pair-interleaved copy of the bits, kept in
 * a memory reused between runs) or the pure TypeScript fallback (./scalar.ts, bit-trick
 * popcount), which give identical counts; on request (`kappa`) each tile also carries its
 * pairs' kappas, computed by the same thread. Tiles are computed on the calling thread or, in
 * Node, by worker threads (./threads.ts). Isomorphic except for the threads, which are loaded
 * only when used.
 */
import { type PackedObservers, wordsPerObserverFor } from "./packed.ts";
import { bothCorrectTileScalar, pairKappasScalar, rowCounts } from "./scalar.ts";
import {
  type KernelWorkspace,
  type WasmModule,
  countCorrectWasm,
  dropKeptMemory,
  instantiateKernel,
  prepareMemory,
  wasmAvailable,
} from "./wasm.ts";

export type KernelName = "wasm" | "ts";

/**
 * One tile of the pair matrix: observers rowStart..rowEnd-1 against colStart..colEnd-1
 * (colStart >= rowStart). `counts` holds the both-correct counts, row-major: pair (i, j) at
 * counts[(i - rowStart) * (colEnd - colStart) + (j - colStart)]. Only entries with j > i are
 * pairs; on a diagonal tile (rowStart === colStart) the entries with j <= i are unspecified.
 * Every pair i < j of the matrix lies in exactly one tile. With {@link AllPairOptions.kappa},
 * `kappa` holds every pair's Cohen's kappa in the same layout.
 */
export interface PairTile {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  counts: Uint32Array;
  kappa?: Float64Array;
}

export interface AllPairOptions {
  /** "wasm", "ts" (the fallback) or "auto" (default: wasm where WebAssembly is available). */
  kernel?: KernelName | "auto";
  /**
   * Threads computing tiles. Default: 1 when the work (pairs x 64-bit words) is below
   * {@link AUTO_THREADS_MIN_WORK} or outside Node, else os.availableParallelism(). More than 1
   * needs Node's worker_threads.
   */
  threads?: number;
  /** Observers per tile side, even (default {@link DEFAULT_TILE_SIZE}). */
  tileSize?: number;
  /** Trials per cache block, in 64-bit words (default {@link DEFAULT_CHUNK_WORDS}; 0: all at once). */
  chunkWords?: number;
  /**
   * Receives every tile (each pair i < j exactly once, tiles in no fixed order), its counts an
   * array of its own. When given, no N x N matrix is built: memory stays proportional to the
   * packed input plus a few tiles per thread. A returned promise is awaited before that thread
   * gets more work (backpressure for writers).
   */
  onTile?: (tile: PairTile) => void | Promise<void>;
  /**
   * With `onTile`: each tile also carries every pair's kappa (`PairTile.kappa`), exactly what
   * kappaFromCounts gives (to the last bit), computed by the thread that counted the tile (in
   * WebAssembly with the WebAssembly kernel) instead of on the consumer's thread.
   */
  kappa?: boolean;
  /**
   * With `onTile`: a tile's arrays are valid only until `onTile` returns (or its promise
   * settles): the calling thread's tiles come as views of the kernel's working memory instead
   * of copies, and a worker thread's arrays go back to it for a later tile. For consumers that
   * use a tile at once and keep nothing of it: each copy is a fresh allocation, whose page
   * faults cost about 0.2 ms per 64 KB tile on the benchmark machine (BENCHMARKS.md).
   */
  lendTiles?: boolean;
}

export interface AllPairCounts {
  observers: number;
  trials: number;
  kernel: KernelName;
  threads: number;
  tileSize: number;
  /** correct[i]: trials observer i answered correctly. */
  correct: Uint32Array;
  /**
   * Without `onTile`: the full symmetric N x N matrix, bothCorrect[i * N + j] = trials both i
   * and j answered correctly, with correct[i] on the diagonal. Absent with `onTile`.
   */
  bothCorrect?: Uint32Array;
}

/** Default tile side: 128 x 128 observer pairs (measured on BENCHMARKS.md's machine). */
export const DEFAULT_TILE_SIZE = 128;

/** The largest tile side. */
export const MAX_TILE_SIZE = 4096;
/** Default cache block: 512 64-bit words (32,768 trials) per observer. */
export const DEFAULT_CHUNK_WORDS = 512;
/**
 * Below this much work (pairs x 64-bit words per observer, about 0.1 s on one core) `threads`
 * defaults to 1: starting workers would cost more than it saves.
 */
export const AUTO_THREADS_MIN_WORK = 2 ** 28;

/** The tiles of the upper triangle of the N x N pair matrix that hold at least one pair, row-major, as [rowStart, rowEnd, colStart, colEnd] quadruples. */
export function pairTiles(n: number, tileSize: number): Int32Array {
  checkTileSize(tileSize);
  const list: number[] = [];
  for (let r0 = 0; r0 < n; r0 += tileSize) {
    const r1 = Math.min(r0 + tileSize, n);
    for (let c0 = r0; c0 < n; c0 += tileSize) {
      const c1 = Math.min(c0 + tileSize, n);
      if (c0 === r0 && r1 - r0 < 2) continue; // a diagonal tile of one observer holds no pair
      list.push(r0, r1, c0, c1);
    }
  }
  return Int32Array.from(list);
}

/** Every observer's correct count (popcount of its row): what `onTile` consumers need beside the tiles. */
export function correctCounts(packed: PackedObservers): Uint32Array {
  const correct = new Uint32Array(packed.observers.length);
  rowCounts(packed.bits, packed.wordsPerObserver, packed.observers.length, correct);
  return correct;
}

/** Calls `visit(i, j, count, at)` for every pair i < j of a tile; `at` is the pair's index in the tile's arrays (counts, kappa). */
export function forEachTilePair(tile: PairTile, visit: (i: number, j: number, bothCorrect: number, at: number) => void): void {
  const width = tile.colEnd - tile.colStart;
  for (let i = tile.rowStart; i < tile.rowEnd; i++) {
    const row = (i - tile.rowStart) * width - tile.colStart;
    for (let j = Math.max(tile.colStart, i + 1); j < tile.colEnd; j++) visit(i, j, tile.counts[row + j], row + j);
  }
}

function checkTileSize(tileSize: number): void {
  if (!(Number.isInteger(tileSize) && tileSize >= 2 && tileSize % 2 === 0 && tileSize <= MAX_TILE_SIZE)) {
    throw new RangeError(`tileSize must be an even integer from 2 to ${MAX_TILE_SIZE}, got ${tileSize}`);
  }
}

function resolveKernel(kernel: KernelName | "auto" | undefined): KernelName {
  if (kernel === undefined || kernel === "auto") return wasmAvailable() ? "wasm" : "ts";
  if (kernel !== "wasm" && kernel !== "ts") throw new RangeError(`kernel must be "wasm", "ts" or "auto", got "${kernel}"`);
  if (kernel === "wasm" && !wasmAvailable())
    throw new Error('the WebAssembly kernel is not available here (no WebAssembly); use kernel "ts"');
  return kernel;
}

function checkPacked(packed: PackedObservers): void {
  const n = packed.observers.length;
  const w = packed.wordsPerObserver;
  if (w !== wordsPerObserverFor(packed.trials)) {
    throw new RangeError(`wordsPerObserver must be 2 * ceil(trials / 64) = ${wordsPerObserverFor(packed.trials)}, got ${w}`);
  }
  if (packed.bits.length < n * w) throw new RangeError(`bits holds ${packed.bits.length} words, need ${n} x ${w}`);
}

/** Work of an all-pairs run: pairs x 64-bit words per observer. */
export function pairWork(observers: number, wordsPerObserver: number): number {
  return ((observers * (observers - 1)) / 2) * (wordsPerObserver / 2);
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === "string";
}

/** Settings of one run, after defaults. */
export interface KernelRun {
  kernel: KernelName;
  tileSize: number;
  chunk: number;
  /** Kappas beside the counts (AllPairOptions.kappa; default false). */
  kappa?: boolean;
}

/**
 * Computes the tiles on this thread, handing each (views, valid during the call) to `take`; the
 * WebAssembly kernel works in `workspace` (its rows and correct counts already written).
 */
function computeTiles(
  packed: PackedObservers,
  tiles: Int32Array,
  run: KernelRun,
  workspace: KernelWorkspace | undefined,
  correct: Uint32Array,
  take: (tile: PairTile) => void | Promise<void>,
): void | Promise<void> {
  const compute = tileComputer(packed, run, workspace, correct, 0);
  const step = (t: number): void | Promise<void> => {
    for (; t < tiles.length; t += 4) {
      const [r0, r1, c0, c1] = tiles.subarray(t, t + 4);
      const pending = take({ rowStart: r0, rowEnd: r1, colStart: c0, colEnd: c1, ...compute(r0, r1, c0, c1, false) });
      if (pending instanceof Promise) return pending.then(() => step(t + 4));
    }
  };
  return step(0);
}

/** A tile's results: its counts and, when the run wants them, its kappas. */
export interface TileOutput {
  counts: Uint32Array;
  kappa?: Float64Array;
}

/**
 * A function computing one tile (counts, and kappas with `run.kappa`) for the thread in `slot`:
 * into the thread's own output memory (returning views of it, valid until its next tile) or,
 * with `copy`, into arrays of their own: those of `reuse` (an earlier tile's output handed back)
 * where given, else fresh ones sized for the largest tile, so that they can be reused.
 * WebAssembly: in `workspace`, instantiated here (a compiled module may be given, e.g. one
 * posted to a worker); TypeScript: from the packed bits.
 */
export function tileComputer(
  packed: { bits: Uint32Array; wordsPerObserver: number; trials: number },
  run: KernelRun,
  workspace: { memory: KernelWorkspace["memory"]; layout: KernelWorkspace["layout"] } | undefined,
  correct: Uint32Array,
  slot: number,
  module?: WasmModule,
): (r0: number, r1: number, c0: number, c1: number, copy: boolean, reuse?: TileOutput) => TileOutput {
  const { chunk, kappa, tileSize } = run;
  /** An output array of `cells` entries: on `reused`'s buffer (every tile fits in one sized for the largest), else a fresh one. */
  const own = <A extends Uint32Array | Float64Array>(
    make: (buffer: ArrayBuffer, cells: number) => A,
    bytes: number,
    cells: number,
    reused: A | undefined,
  ): A => make(reused ? (reused.buffer as ArrayBuffer) : new ArrayBuffer(tileSize * tileSize * bytes), cells);
  const u32 = (buffer: ArrayBuffer, cells: number) => new Uint32Array(buffer, 0, cells);
  const f64 = (buffer: ArrayBuffer, cells: number) => new Float64Array(buffer, 0, cells);
  if (workspace) {
    const { memory, layout } = workspace;
    const kernel = instantiateKernel(memory, module);
    const out = layout.scratch + slot * layout.slotBytes;
    const kappaOut = layout.kappaScratch + slot * layout.kappaSlotBytes;
    return (r0, r1, c0, c1, copy, reuse) => {
      const cells = (r1 - r0) * (c1 - c0);
      kernel.bothCorrectTile(layout.pairs, layout.words64, r0, r1, c0, c1, out, r0 === c0 ? 1 : 0, chunk);
      const view = new Uint32Array(memory.buffer, out, cells);
      const counts = copy ? own(u32, 4, cells, reuse?.counts) : view;
      if (copy) counts.set(view);
      if (!kappa) return { counts };
      kernel.pairKappas(out, r0, r1, c0, c1, layout.correct, layout.accuracy, packed.trials, kappaOut);
      const kappas = new Float64Array(memory.buffer, kappaOut, cells);
      if (!copy) return { counts, kappa: kappas };
      const kappaCopy = own(f64, 8, cells, reuse?.kappa);
      kappaCopy.set(kappas);
      return { counts, kappa: kappaCopy };
    };
  }
  const { bits, wordsPerObserver: words, trials } = packed;
  const scratch = new Uint32Array(tileSize * tileSize);
  const kappaScratch = kappa ? new Float64Array(tileSize * tileSize) : undefined;
  return (r0, r1, c0, c1, copy, reuse) => {
    const cells = (r1 - r0) * (c1 - c0);
    const counts = copy ? own(u32, 4, cells, reuse?.counts) : scratch.subarray(0, cells);
    bothCorrectTileScalar(bits, words, r0, r1, c0, c1, counts, r0 === c0, chunk);
    if (!kappaScratch) return { counts };
    const kappas = copy ? own(f64, 8, cells, reuse?.kappa) : kappaScratch.subarray(0, cells);
    pairKappasScalar(counts, r0, r1, c0, c1, correct, trials, kappas);
    return { counts, kappa: kappas };
  };
}

/**
 * The WebAssembly kernel's working memory for a run on `threads` threads (the packed rows
 * written into its layout; shared for more than one thread), or undefined for the TypeScript
 * kernel. The caller releases it.
 */
function workspaceFor(packed: PackedObservers, run: KernelRun, threads: number): KernelWorkspace | undefined {
  if (run.kernel !== "wasm") return undefined;
  return prepareMemory(packed.bits, packed.observers.length, packed.wordsPerObserver, run.tileSize, threads, threads > 1);
}

/** Every observer's correct count: by the WebAssembly kernel from its workspace, else in TypeScript. */
function countCorrect(packed: PackedObservers, workspace: KernelWorkspace | undefined): Uint32Array {
  if (!workspace) return correctCounts(packed);
  return countCorrectWasm(instantiateKernel(workspace.memory), workspace.layout, packed.observers.length, packed.trials);
}

function setUp(packed: PackedObservers, options: AllPairOptions): { run: KernelRun; tiles: Int32Array } {
  checkPacked(packed);
  const run: KernelRun = {
    kernel: resolveKernel(options.kernel),
    tileSize: options.tileSize ?? DEFAULT_TILE_SIZE,
    chunk: options.chunkWords ?? DEFAULT_CHUNK_WORDS,
    kappa: options.kappa ?? false,
  };
  if (run.kappa && !options.onTile) throw new RangeError("kappa needs onTile: the kappas come with the tiles");
  if (!(Number.isInteger(run.chunk) && run.chunk >= 0)) throw new RangeError(`chunkWords must be a non-negative integer, got ${run.chunk}`);
  return { run, tiles: pairTiles(packed.observers.length, run.tileSize) };
}

/** The consumer of tiles: the caller's onTile (with a copy of a view, unless lent), or the N x N matrix. */
function tileSink(
  n: number,
  correct: Uint32Array,
  { onTile, lendTiles }: Pick<AllPairOptions, "onTile" | "lendTiles">,
): { take: (tile: PairTile, owned: boolean) => void | Promise<void>; matrix?: Uint32Array } {
  if (onTile)
    return {
      take: (tile, owned) => onTile(owned || lendTiles ? tile : { ...tile, counts: tile.counts.slice(), kappa: tile.kappa?.slice() }),
    };
  const matrix = new Uint32Array(n * n);
  for (let i = 0; i < n; i++) matrix[i * n + i] = correct[i];
  return {
    matrix,
    take: (tile) =>
      forEachTilePair(tile, (i, j, count) => {
        matrix[i * n + j] = count;
        matrix[j * n + i] = count;
      }),
  };
}

/**
 * All pairs' both-correct counts and every observer's correct count, on this thread
 * (synchronous; `onTile` is not awaited). See {@link allPairCounts}.
 */
export function allPairCountsSync(
  packed: PackedObservers,
  options: Omit<AllPairOptions, "threads" | "onTile"> & { onTile?: (tile: PairTile) => void } = {},
): AllPairCounts {
  const { run, tiles } = setUp(packed, options);
  const workspace = workspaceFor(packed, run, 1);
  try {
    const correct = countCorrect(packed, workspace);
    const sink = tileSink(packed.observers.length, correct, options);
    void computeTiles(packed, tiles, run, workspace, correct, (tile) => void sink.take(tile, false));
    return result(packed, run, 1, correct, sink.matrix);
  } finally {
    // No other thread wrote into it: kept for the next run even after an error.
    workspace?.release(true);
  }
}

function result(packed: PackedObservers, run: KernelRun, threads: number, correct: Uint32Array, matrix?: Uint32Array): AllPairCounts {
  return {
    observers: packed.observers.length,
    trials: packed.trials,
    kernel: run.kernel,
    threads,
    tileSize: run.tileSize,
    correct,
    ...(matrix ? { bothCorrect: matrix } : {}),
  };
}

interface ThreadsModule {
  defaultThreadCount(): number;
  closeKernelThreads(): Promise<void>;
  warmKernelThreads(threads: number): Promise<void>;
  computeTilesThreaded(
    packed: PackedObservers,
    tiles: Int32Array,
    run: KernelRun & { threads: number; workspace?: KernelWorkspace; correct?: Uint32Array; lend?: boolean },
    take: (tile: PairTile, owned: boolean) => void | Promise<void>,
  ): Promise<void>;
}

let threadsModule: Promise<ThreadsModule> | undefined;

/**
 * Loads ./threads.ts (./threads.js in dist) at run time, by a URL computed here so that browser
 * bundlers leave the Node-only module out.
 */
function loadThreads(): Promise<ThreadsModule> {
  const here = (import.meta as unknown as { url?: string }).url;
  if (typeof here !== "string" || !/\/index\.(ts|js)$/.test(here)) {
    return Promise.reject(new Error("worker threads are available in Node only (from trialwise's own modules); use threads: 1"));
  }
  threadsModule ??= import(/* @vite-ignore */ here.replace(/\/index\.(ts|js)$/, "/threads.$1")) as Promise<ThreadsModule>;
  return threadsModule;
}

/**
 * Terminates the idle worker threads kept between runs and lets go of the WebAssembly memory
 * kept for the next run. Not needed for the process to exit (idle workers are unreferenced);
 * frees them at once.
 */
export async function closeKernelThreads(): Promise<void> {
  dropKeptMemory();
  if (threadsModule) await (await threadsModule).closeKernelThreads();
}

/**
 * Starts the worker threads for runs on `threads` threads ahead of time (Node only) and resolves
 * when they are ready: a worker takes tens of milliseconds to start, several hundred under tsx,
 * which a short run would otherwise spend computing on the calling thread alone. For
 * benchmarks of warm threads; runs start their workers themselves.
 */
export async function warmKernelThreads(threads: number): Promise<void> {
  if (threads > 1) await (await loadThreads()).warmKernelThreads(threads);
}

/**
 * All pairs' both-correct counts and every observer's correct count: the full N x N matrix, or,
 * with `onTile`, tile by tile without it. Threads as {@link AllPairOptions.threads}; the
 * WebAssembly and TypeScript kernels and any thread count give identical counts.
 */
export async function allPairCounts(packed: PackedObservers, options: AllPairOptions = {}): Promise<AllPairCounts> {
  const { run, tiles } = setUp(packed, options);
  const n = packed.observers.length;
  let threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const nTiles = tiles.length / 4;
  if (threads === undefined) {
    threads = 1;
    if (isNode() && nTiles > 1 && pairWork(n, packed.wordsPerObserver) >= AUTO_THREADS_MIN_WORK) {
      // Where the threads module cannot be loaded (e.g. this file bundled), stay on one thread.
      threads = await loadThreads().then(
        (module) => module.defaultThreadCount(),
        () => 1,
      );
    }
  }
  threads = Math.max(1, Math.min(threads, nTiles));
  const threaded = threads > 1 ? await loadThreads() : undefined;
  const workspace = workspaceFor(packed, run, threads);
  // After an error of a threaded run its workers may still write into the memory: not kept then.
  let reuse = !threaded;
  try {
    const correct = countCorrect(packed, workspace);
    const sink = tileSink(n, correct, options);
    if (threaded) {
      await threaded.computeTilesThreaded(
        packed,
        tiles,
        {
          ...run,
          threads,
          workspace,
          correct,
          // The N x N matrix copies each tile at once, as lending consumers do.
          lend: !options.onTile || options.lendTiles,
        },
        (tile, owned) => sink.take(tile, owned),
      );
      reuse = true;
    } else {
      await computeTiles(packed, tiles, run, workspace, correct, (tile) => sink.take(tile, false));
    }
    return result(packed, run, threads, correct, sink.matrix);
  } finally {
    workspace?.release(reuse);
  }
}

export { type PackedObservers, allocatePacked, packObservers, packOutcomeMatrix, setCorrect, isCorrect } from "./packed.ts";
