/**
 * Worker threads over the tiles of one block pair of the CAPA kernel (./capa-kernel.ts). Node
 * only. The same scheme as the binary kernel's ./threads.ts: the working memory (the models'
 * values in the kernel's layout, one tile-output slot per thread) is shared; the compiled module
 * is posted to each worker, which instantiates it on that memory; tiles are taken from a shared
 * counter with Atomics.add (a worker slowed by other load takes fewer); a finished tile's sums
 * are copied out of the shared memory and transferred to the calling thread, which computes
 * tiles too. Flow control: a worker computes only while it holds a credit (two to start, one
 * back per tile the caller has handled), so at most two tiles per worker wait in memory.
 * Idle workers are pooled, unreferenced; the first error terminates the run's workers.
 */
import { availableParallelism } from "node:os";
import { type Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { startModuleWorker } from "../io/module-worker.ts";
import { type CapaBlockPair, type CapaTileRunner, type CapaWorkspace, capaTileComputer } from "./capa-kernel.ts";

/** The default number of threads: os.availableParallelism(). */
export function defaultThreadCount(): number {
  return availableParallelism();
}

const WORKER_TAG = "trialwise-capa-worker";

interface Job {
  space: CapaWorkspace;
  pair: CapaBlockPair;
  /** [r0, r1, c0, c1] quadruples on a SharedArrayBuffer. */
  tiles: Uint32Array;
  /** counter[0]: the next tile to take. */
  counter: Int32Array;
  slot: number;
}

type ToWorker = { type: "job"; job: number; setup: Job } | { type: "go"; job: number } | { type: "end"; job: number };

interface TileMessage {
  job: number;
  index: number;
  sums: Float64Array;
}

const idle: Worker[] = [];
let jobs = 0;

function takeWorker(): Worker {
  const worker = idle.pop() ?? startModuleWorker(import.meta.url, { tag: WORKER_TAG });
  worker.ref();
  return worker;
}

function returnWorker(worker: Worker): void {
  // Only these events' listeners: removeAllListeners() with no name also drops Node's own newListener hook, which restarts
  // the worker's message port when a message listener is added again (the next run's tiles never arrived: tested).
  for (const event of ["message", "error", "exit"]) worker.removeAllListeners(event);
  worker.unref();
  worker.once("exit", () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  worker.on("error", () => {});
  idle.push(worker);
}

/** Terminates the pooled idle workers. */
export async function closeCapaThreads(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((worker) => worker.terminate()));
}

/** Computes a block pair's tiles on `threads` threads: the calling thread (slot 0) and threads - 1 workers. */
export const runCapaTilesThreaded: CapaTileRunner = (space, pair, tiles, threads, take) => {
  const nTiles = tiles.length / 4;
  if (nTiles === 0) return Promise.resolve();
  const workersWanted = Math.min(threads, nTiles) - 1;
  const sharedTiles = new Uint32Array(new SharedArrayBuffer(tiles.byteLength));
  sharedTiles.set(tiles);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const job = ++jobs;
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
        for (const event of ["message", "error", "exit"]) worker.removeAllListeners(event);
        worker.on("error", () => {});
        void worker.terminate();
      }
      reject(error instanceof Error ? error : new Error(String(error)));
    };
  });
  const handle = async (index: number, sums: Float64Array, owned: boolean) => {
    const t = index * 4;
    await take(tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], sums, owned);
    if (++handled === nTiles) finish();
  };
  for (let slot = 1; slot <= workersWanted; slot++) {
    const worker = takeWorker();
    workers.push(worker);
    let queue: Promise<void> = Promise.resolve();
    worker.on("message", (message: TileMessage) => {
      if (message.job !== job) return;
      queue = queue
        .then(async () => {
          if (settled) return;
          await handle(message.index, message.sums, true);
          if (!settled) worker.postMessage({ type: "go", job } satisfies ToWorker);
        })
        .catch(fail);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a CAPA kernel worker thread exited (code ${code}) before all tiles were computed`)));
    const setup: Job = { space, pair, tiles: sharedTiles, counter, slot };
    worker.postMessage({ type: "job", job, setup } satisfies ToWorker);
    worker.postMessage({ type: "go", job } satisfies ToWorker);
    worker.postMessage({ type: "go", job } satisfies ToWorker);
  }
  const compute = capaTileComputer(space, 0);
  const own = async () => {
    while (!settled) {
      const index = Atomics.add(counter, 0, 1);
      if (index >= nTiles) return;
      const t = index * 4;
      await handle(index, compute(pair, tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], false), false);
      // Let the workers' messages in between two tiles of this thread.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  own().catch(fail);
  return done;
};

/** The worker's side: per job, a tile per credit until the tiles run out. */
function runWorker(): void {
  const port = parentPort!;
  const running = new Map<number, { setup: Job; compute: ReturnType<typeof capaTileComputer> }>();
  port.on("message", (message: ToWorker) => {
    if (message.type === "job")
      running.set(message.job, { setup: message.setup, compute: capaTileComputer(message.setup.space, message.setup.slot) });
    else if (message.type === "end") running.delete(message.job);
    else {
      const run = running.get(message.job);
      if (!run) return;
      const { tiles, counter, pair } = run.setup;
      const index = Atomics.add(counter, 0, 1);
      if (index >= tiles.length / 4) return;
      const t = index * 4;
      const sums = run.compute(pair, tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], true);
      port.postMessage({ job: message.job, index, sums } satisfies TileMessage, [sums.buffer as ArrayBuffer]);
    }
  });
}

if (!isMainThread && (workerData as { tag?: string } | undefined)?.tag === WORKER_TAG) runWorker();
