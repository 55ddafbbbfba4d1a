/**
 * Worker threads over the tiles of the pair matrix (Node only: node:worker_threads). Used by
 * `allPairCounts` (./index.ts) when it runs on more than one thread; the pool, the dynamic
 * hand-out of tiles, flow control and the fail path are ./worker-pool.ts's.
 *
 * Sharing, not copying: the WebAssembly kernel's working memory (the pair-interleaved bits,
 * then one tile-output slot per thread) is one shared WebAssembly.Memory, and the TypeScript
 * kernel reads the packed bits' SharedArrayBuffer; every worker instantiates the compiled
 * module (compiled once, posted to it) on that memory.
 */
import { availableParallelism } from "node:os";
import { type KernelRun, type PairTile, type TileOutput, correctCounts, tileComputer } from "./index.ts";
import type { PackedObservers } from "./packed.ts";
import {
  type KernelWorkspace,
  type WasmLayout,
  type WasmMemory,
  type WasmModule,
  countCorrectWasm,
  instantiateKernel,
  kernelModule,
  prepareMemory,
} from "./wasm.ts";
import { TileWorkerPool, serveTiles } from "./worker-pool.ts";

/** The default number of worker threads: os.availableParallelism(). */
export function defaultThreadCount(): number {
  return availableParallelism();
}

const WORKER_TAG = "trialwise-kernel-worker";

/** What a thread needs to compute tiles (see index.ts's tileComputer). */
interface WorkerSetup {
  run: KernelRun;
  /** The packed bits (on a SharedArrayBuffer: read by the TypeScript kernel), their words per observer and trials. */
  packed: { bits: Uint32Array; wordsPerObserver: number; trials: number };
  correct: Uint32Array;
  /** WebAssembly: the shared memory and its layout, and the compiled module. */
  workspace?: { memory: WasmMemory; layout: WasmLayout };
  module?: WasmModule;
}

const pool = new TileWorkerPool<WorkerSetup, TileOutput>(import.meta.url, WORKER_TAG, "a kernel worker thread");

/** Terminates the pooled idle worker threads (they never keep the process alive; this frees them now). */
export function closeKernelThreads(): Promise<void> {
  return pool.close();
}

/** Starts idle workers for runs on `threads` threads (the calling thread and threads - 1 workers) and resolves when they serve. */
export function warmKernelThreads(threads: number): Promise<void> {
  return pool.warm(threads - 1);
}

/** Shares the packed bits: their own buffer when it is a SharedArrayBuffer, else one copy onto one. */
function sharedBits(packed: PackedObservers): Uint32Array {
  const { bits } = packed;
  if (bits.buffer instanceof SharedArrayBuffer) return bits;
  const copy = new Uint32Array(new SharedArrayBuffer(bits.byteLength));
  copy.set(bits);
  return copy;
}

/**
 * Computes the tiles on `run.threads` threads: the calling thread and run.threads - 1 workers,
 * all taking tiles from one shared counter (the calling thread starts at once, while the
 * workers start up, and lets their messages in between its tiles). Each finished tile goes to
 * `take` on the calling thread, one at a time; `owned` says whether its counts are an array of
 * its own (from a worker) or a view of the calling thread's scratch memory, valid during the
 * call. With `callerComputes: false` (tests) only the run.threads - 1 workers compute (at least
 * one). The WebAssembly kernel works in `run.workspace` (a shared memory with a tile-output slot
 * per thread, which the caller releases) or, without one, in a workspace of its own. With
 * `run.lend` `take` keeps nothing of a tile once it has returned (or its promise settled), and
 * the workers reuse their tiles' arrays.
 */
export async function computeTilesThreaded(
  packed: PackedObservers,
  tiles: Int32Array,
  run: KernelRun & { threads: number; callerComputes?: boolean; workspace?: KernelWorkspace; correct?: Uint32Array; lend?: boolean },
  take: (tile: PairTile, owned: boolean) => void | Promise<void>,
): Promise<void> {
  const nTiles = tiles.length / 4;
  if (nTiles === 0) return;
  const callerComputes = run.callerComputes ?? true;
  const threads = Math.max(callerComputes ? 1 : 2, Math.min(run.threads, nTiles));
  const { kernel, tileSize, chunk, kappa } = run;
  const n = packed.observers.length;
  let own: KernelWorkspace | undefined;
  let workspace = run.workspace;
  let correct = run.correct;
  if (kernel === "wasm" && !workspace) {
    workspace = own = prepareMemory(packed.bits, n, packed.wordsPerObserver, tileSize, threads, true);
    correct = countCorrectWasm(instantiateKernel(own.memory), own.layout, n, packed.trials);
  }
  const setup: WorkerSetup = {
    run: { kernel, tileSize, chunk, kappa },
    // The WebAssembly kernel reads its workspace, not the packed bits: those are shared for the TypeScript kernel only.
    packed: { bits: workspace ? new Uint32Array(0) : sharedBits(packed), wordsPerObserver: packed.wordsPerObserver, trials: packed.trials },
    correct: correct ?? correctCounts(packed),
    ...(workspace ? { workspace: { memory: workspace.memory, layout: workspace.layout }, module: kernelModule(true) } : {}),
  };
  let completed = false;
  try {
    await pool.run({
      tiles,
      workers: threads - 1,
      setup: () => setup,
      compute: callerComputes ? threadTileComputer(setup, 0) : undefined,
      take: (rowStart, rowEnd, colStart, colEnd, output, owned) => take({ rowStart, rowEnd, colStart, colEnd, ...output }, owned),
      recycle: run.lend,
    });
    completed = true;
  } finally {
    own?.release(completed);
  }
}

/** The tile computer of the thread in `slot`. */
function threadTileComputer(setup: WorkerSetup, slot: number) {
  return tileComputer(setup.packed, setup.run, setup.workspace, setup.correct, slot, setup.module);
}

serveTiles(WORKER_TAG, threadTileComputer);
