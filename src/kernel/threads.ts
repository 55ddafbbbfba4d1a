/**
 * Worker threads over the tiles of the pair matrix (Node only: node:worker_threads). Used by
 * `allPairCounts` (./index.ts) when it runs on more than one thread.
 *
 * Sharing, not copying: the WebAssembly kernel's working memory (the pair-interleaved bits,
 * then one tile-output slot per worker) is one shared WebAssembly.Memory, and the TypeScript
 * kernel reads the packed bits' SharedArrayBuffer; every worker instantiates the compiled
 * module (compiled once, posted to it) on that memory. Work is handed out dynamically: the tile
 * list and a tile counter live in shared memory and each worker takes the next tile with
 * Atomics.add, so a worker slowed by other load on the machine simply takes fewer tiles. A
 * finished tile's counts are copied out of the shared memory into an ArrayBuffer of their own
 * and transferred (not copied) to the calling thread.
 *
 * Flow control: each worker computes only when it holds a credit; it starts with two (one
 * tile in flight while it computes the next) and gets one back each time the calling thread
 * has handled one of its tiles (after the caller's onTile promise, if any, settles). So at most
 * two tiles per worker are in memory, however slow the consumer.
 *
 * Workers are kept between runs in a small pool (starting one costs tens of milliseconds, and
 * several hundred under tsx): after a run they go back to the pool unreferenced, so an idle pool
 * never keeps the process alive; `closeKernelThreads` terminates them. At the first error of a
 * run (a worker's exception, an unexpected exit, or an error of the consumer) the run's workers
 * are terminated, not pooled, and the returned promise rejects.
 */
import { availableParallelism } from "node:os";
import { type Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { startModuleWorker } from "../io/module-worker.ts";
import type { KernelName, PairTile } from "./index.ts";
import type { PackedObservers } from "./packed.ts";
import { bothCorrectTileScalar } from "./scalar.ts";
import { type WasmLayout, type WasmMemory, type WasmModule, instantiateKernel, kernelModule, prepareMemory } from "./wasm.ts";

/** The default number of worker threads: os.availableParallelism(). */
export function defaultThreadCount(): number {
  return availableParallelism();
}

const WORKER_TAG = "trialwise-kernel-worker";

interface WorkerSetup {
  kernel: KernelName;
  /** Tiles as [r0, r1, c0, c1] quadruples, on a SharedArrayBuffer. */
  tiles: Int32Array;
  /** counter[0]: index of the next tile to take (Atomics.add). */
  counter: Int32Array;
  chunk: number;
  /** wasm: the module, the shared memory, its layout and this worker's output slot. */
  module?: WasmModule;
  memory?: WasmMemory;
  layout?: WasmLayout;
  /** This thread's tile-output slot in the shared memory (0: the calling thread). */
  slot: number;
  /** ts: the packed bits on a SharedArrayBuffer and the words per observer. */
  bits?: Uint32Array;
  words32?: number;
  tileSize: number;
}

interface TileMessage {
  job: number;
  index: number;
  counts: Uint32Array;
}

/** Messages to a worker: a run's setup, a credit for one tile, the run's end. */
type ToWorker = { type: "job"; job: number; setup: WorkerSetup } | { type: "go"; job: number } | { type: "end"; job: number };

/** Starts one worker running this module. */
function spawn(): Worker {
  return startModuleWorker(import.meta.url, { tag: WORKER_TAG });
}

/** Idle workers, unreferenced. */
const idle: Worker[] = [];
let jobs = 0;

function takeWorker(): Worker {
  const worker = idle.pop() ?? spawn();
  worker.ref();
  return worker;
}

function returnWorker(worker: Worker): void {
  worker.removeAllListeners("message");
  worker.removeAllListeners("error");
  worker.removeAllListeners("exit");
  worker.unref();
  // An idle worker that dies (it should not) simply leaves the pool.
  worker.once("exit", () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  worker.on("error", () => {});
  idle.push(worker);
}

/** Terminates the pooled idle worker threads (they never keep the process alive; this frees them now). */
export async function closeKernelThreads(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((worker) => worker.terminate()));
}

/** Shares the packed bits: their own buffer when it is a SharedArrayBuffer, else one copy onto one. */
function sharedBits(packed: PackedObservers): Uint32Array {
  const { bits } = packed;
  if (bits.buffer instanceof SharedArrayBuffer) return bits;
  const copy = new Uint32Array(new SharedArrayBuffer(bits.byteLength));
  copy.set(bits);
  return copy;
}

/** Lets the event loop run (worker messages) between two tiles computed on the calling thread. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Computes the tiles on `run.threads` threads: the calling thread and run.threads - 1 workers,
 * all taking tiles from one shared counter (the calling thread starts at once, while the
 * workers start up, and lets their messages in between its tiles). Each finished tile goes to
 * `take` on the calling thread, one at a time; `owned` says whether its counts are an array of
 * its own (from a worker) or a view of the calling thread's scratch memory, valid during the
 * call. With `callerComputes: false` (tests) only the run.threads - 1 workers compute (at least
 * one).
 */
export async function computeTilesThreaded(
  packed: PackedObservers,
  tiles: Int32Array,
  run: { kernel: KernelName; threads: number; tileSize: number; chunk: number; callerComputes?: boolean },
  take: (tile: PairTile, owned: boolean) => void | Promise<void>,
): Promise<void> {
  const nTiles = tiles.length / 4;
  if (nTiles === 0) return;
  const callerComputes = run.callerComputes ?? true;
  const threads = Math.max(callerComputes ? 1 : 2, Math.min(run.threads, nTiles));
  const sharedTiles = new Int32Array(new SharedArrayBuffer(tiles.byteLength));
  sharedTiles.set(tiles);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const setup: WorkerSetup = { kernel: run.kernel, tiles: sharedTiles, counter, chunk: run.chunk, tileSize: run.tileSize, slot: 0 };
  const job = ++jobs;
  if (run.kernel === "wasm") {
    const { memory, layout } = prepareMemory(packed.bits, packed.observers.length, packed.wordsPerObserver, run.tileSize, threads, true);
    Object.assign(setup, { module: kernelModule(true), memory, layout });
  } else {
    Object.assign(setup, { bits: sharedBits(packed), words32: packed.wordsPerObserver });
  }

  const workers: Worker[] = [];
  let handled = 0;
  let settled = false;
  let finish: () => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = () => {
      if (settled) return;
      settled = true;
      for (const worker of workers) {
        worker.postMessage({ type: "end", job } satisfies ToWorker);
        returnWorker(worker);
      }
      resolve();
    };
    fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      for (const worker of workers) {
        worker.removeAllListeners();
        worker.on("error", () => {});
        void worker.terminate();
      }
      reject(error instanceof Error ? error : new Error(String(error)));
    };
  });
  const handle = async (index: number, counts: Uint32Array, owned: boolean) => {
    const t = index * 4;
    await take({ rowStart: tiles[t], rowEnd: tiles[t + 1], colStart: tiles[t + 2], colEnd: tiles[t + 3], counts }, owned);
    handled++;
    if (handled === nTiles) finish();
  };

  for (let slot = 1; slot < threads; slot++) {
    const worker = takeWorker();
    workers.push(worker);
    // A worker's tiles are handed on in order; its next credit goes back once one is handled.
    let queue: Promise<void> = Promise.resolve();
    worker.on("message", (message: TileMessage) => {
      if (message.job !== job) return;
      queue = queue
        .then(async () => {
          if (settled) return;
          await handle(message.index, message.counts, true);
          if (!settled) worker.postMessage({ type: "go", job } satisfies ToWorker);
        })
        .catch(fail);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a kernel worker thread exited (code ${code}) before all tiles were computed`)));
    worker.postMessage({ type: "job", job, setup: { ...setup, slot } } satisfies ToWorker);
    worker.postMessage({ type: "go", job } satisfies ToWorker);
    worker.postMessage({ type: "go", job } satisfies ToWorker);
  }

  // The calling thread's share.
  if (!callerComputes) return done;
  const compute = tileComputer(setup);
  const own = async () => {
    while (!settled) {
      const index = Atomics.add(counter, 0, 1);
      if (index >= nTiles) return;
      const t = index * 4;
      await handle(index, compute(tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], false), false);
      await yieldToEventLoop();
    }
  };
  own().catch(fail);
  return done;
}

/**
 * A function computing one tile for a thread with this setup: into the thread's output slot
 * (returning a view of it) or, with `copy`, into an array of its own.
 */
function tileComputer(setup: WorkerSetup): (r0: number, r1: number, c0: number, c1: number, copy: boolean) => Uint32Array {
  const chunk = setup.chunk;
  if (setup.kernel === "wasm") {
    const memory = setup.memory!;
    const layout = setup.layout!;
    const kernel = instantiateKernel(memory, setup.module);
    const out = layout.scratch + setup.slot * layout.slotBytes;
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

/** The worker's side: per run, compute a tile per credit received until the tiles run out. */
function runWorker(): void {
  const port = parentPort!;
  const runs = new Map<number, { setup: WorkerSetup; compute: ReturnType<typeof tileComputer> }>();
  port.on("message", (message: ToWorker) => {
    if (message.type === "job") {
      runs.set(message.job, { setup: message.setup, compute: tileComputer(message.setup) });
    } else if (message.type === "end") {
      runs.delete(message.job);
    } else {
      const run = runs.get(message.job);
      if (!run) return;
      const { tiles, counter } = run.setup;
      const index = Atomics.add(counter, 0, 1);
      if (index >= tiles.length / 4) return;
      const t = index * 4;
      const counts = run.compute(tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], true);
      port.postMessage({ job: message.job, index, counts } satisfies TileMessage, [counts.buffer as ArrayBuffer]);
    }
  });
}

if (!isMainThread && (workerData as { tag?: string } | undefined)?.tag === WORKER_TAG) runWorker();
