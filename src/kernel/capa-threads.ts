/**
 * Worker threads over the tiles of one block pair of the CAPA kernel (./capa-kernel.ts). Node
 * only. The same scheme as the binary kernel's ./threads.ts, on the same pool
 * (./worker-pool.ts: tiles taken from a shared counter, a worker's tile transferred to the
 * calling thread, which computes tiles too, two credits per worker, idle workers pooled
 * unreferenced, the first error terminates the run's workers): the working memory (the models'
 * values in the kernel's layout, one tile-output slot per thread) is shared, and each worker
 * instantiates the compiled module on it.
 */
import { availableParallelism } from "node:os";
import { type CapaBlockPair, type CapaTileRunner, type CapaWorkspace, capaTileComputer } from "./capa-kernel.ts";
import { type TileComputer, TileWorkerPool, serveTiles } from "./worker-pool.ts";

/** The default number of threads: os.availableParallelism(). */
export function defaultThreadCount(): number {
  return availableParallelism();
}

const WORKER_TAG = "trialwise-capa-worker";

/** What a worker needs for a block pair's tiles. */
interface Job {
  space: CapaWorkspace;
  pair: CapaBlockPair;
}

const pool = new TileWorkerPool<Job, Float64Array>(import.meta.url, WORKER_TAG, "a CAPA kernel worker thread");

/** Terminates the pooled idle workers. */
export function closeCapaThreads(): Promise<void> {
  return pool.close();
}

/** The block pair's tile computer for the thread in `slot`. */
function tileComputer({ space, pair }: Job, slot: number): TileComputer<Float64Array> {
  const compute = capaTileComputer(space, slot);
  return (r0, r1, c0, c1, copy) => compute(pair, r0, r1, c0, c1, copy);
}

/** Computes a block pair's tiles on `threads` threads: the calling thread (slot 0) and threads - 1 workers. */
export const runCapaTilesThreaded: CapaTileRunner = (space, pair, tiles, threads, take) => {
  if (tiles.length === 0) return Promise.resolve();
  const job: Job = { space, pair };
  return pool.run({
    tiles,
    workers: Math.min(threads, tiles.length / 4) - 1,
    setup: () => job,
    compute: tileComputer(job, 0),
    take,
  });
};

serveTiles(WORKER_TAG, tileComputer);
