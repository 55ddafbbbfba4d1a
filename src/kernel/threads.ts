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
import type { KernelName, PairTile } from "./index.ts";
import type { PackedObservers } from "./packed.ts";
import { bothCorrectTileScalar } from "./scalar.ts";
import {
  type KernelWorkspace,
  type WasmLayout,
  type WasmMemory,
  type WasmModule,
  instantiateKernel,
  kernelModule,
  prepareMemory,
} from "./wasm.ts";
import { type TileComputer, TileWorkerPool, serveTiles } from "./worker-pool.ts";

/** The default number of worker threads: os.availableParallelism(). */
export function defaultThreadCount(): number {
  return availableParallelism();
}

const WORKER_TAG = "trialwise-kernel-worker";

/** What a thread needs to compute tiles. */
interface WorkerSetup {
  kernel: KernelName;
  chunk: number;
  tileSize: number;
  /** wasm: the module, the shared memory and its layout. */
  module?: WasmModule;
  memory?: WasmMemory;
  layout?: WasmLayout;
  /** ts: the packed bits on a SharedArrayBuffer and the words per observer. */
  bits?: Uint32Array;
  words32?: number;
}

const pool = new TileWorkerPool<WorkerSetup, Uint32Array>(import.meta.url, WORKER_TAG, "a kernel worker thread");

/** Terminates the pooled idle worker threads (they never keep the process alive; this frees them now). */
export function closeKernelThreads(): Promise<void> {
  return pool.close();
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
 * per thread, which the caller releases) or, without one, in a workspace of its own.
 */
export async function computeTilesThreaded(
  packed: PackedObservers,
  tiles: Int32Array,
  run: { kernel: KernelName; threads: number; tileSize: number; chunk: number; callerComputes?: boolean; workspace?: KernelWorkspace },
  take: (tile: PairTile, owned: boolean) => void | Promise<void>,
): Promise<void> {
  const nTiles = tiles.length / 4;
  if (nTiles === 0) return;
  const callerComputes = run.callerComputes ?? true;
  const threads = Math.max(callerComputes ? 1 : 2, Math.min(run.threads, nTiles));
  const setup: WorkerSetup = { kernel: run.kernel, chunk: run.chunk, tileSize: run.tileSize };
  let own: KernelWorkspace | undefined;
  if (run.kernel === "wasm") {
    const workspace =
      run.workspace ?? (own = prepareMemory(packed.bits, packed.observers.length, packed.wordsPerObserver, run.tileSize, threads, true));
    Object.assign(setup, { module: kernelModule(true), memory: workspace.memory, layout: workspace.layout });
  } else {
    Object.assign(setup, { bits: sharedBits(packed), words32: packed.wordsPerObserver });
  }
  let completed = false;
  try {
    await pool.run({
      tiles,
      workers: threads - 1,
      setup: () => setup,
      compute: callerComputes ? tileComputer(setup, 0) : undefined,
      take: (rowStart, rowEnd, colStart, colEnd, counts, owned) => take({ rowStart, rowEnd, colStart, colEnd, counts }, owned),
    });
    completed = true;
  } finally {
    own?.release(completed);
  }
}

/**
 * A function computing one tile for the thread in `slot` with this setup: into the thread's
 * output slot (returning a view of it) or, with `copy`, into an array of its own.
 */
function tileComputer(setup: WorkerSetup, slot: number): TileComputer<Uint32Array> {
  const chunk = setup.chunk;
  if (setup.kernel === "wasm") {
    const memory = setup.memory!;
    const layout = setup.layout!;
    const kernel = instantiateKernel(memory, setup.module);
    const out = layout.scratch + slot * layout.slotBytes;
    return (r0, r1, c0, c1, copy) => {
      kernel.bothCorrectTile(layout.pairs, layout.words64, r0, r1, c0, c1, out, r0 === c0 ? 1 : 0, chunk);
      const view = new Uint32Array(memory.buffer, out, (r1 - r0) * (c1 - c0));
      return copy ? view.slice() : view;
    };
  }
  const bits = setup.bits!;
  const words = setup.words32!;
  const scratch = new Uint32Array(setup.tileSize * setup.tileSize);
  return (r0, r1, c0, c1, copy) => {
    const counts = copy ? new Uint32Array((r1 - r0) * (c1 - c0)) : scratch.subarray(0, (r1 - r0) * (c1 - c0));
    bothCorrectTileScalar(bits, words, r0, r1, c0, c1, counts, r0 === c0, chunk);
    return counts;
  };
}

serveTiles(WORKER_TAG, tileComputer);
