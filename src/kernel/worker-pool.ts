/**
 * Worker threads over the tiles of a pair matrix, shared by the kernels' threaded runners (the
 * binary kernel's ./threads.ts and CAPA's ./capa-threads.ts). Node only (node:worker_threads).
 *
 * A run hands out tiles ([r0, r1, c0, c1] quadruples) dynamically: the tile list and a tile
 * counter live in shared memory and each thread takes the next tile with Atomics.add, so a
 * worker slowed by other load on the machine simply takes fewer tiles. The calling thread
 * computes tiles too (slot 0) and lets the workers' messages in between two of its tiles. A
 * worker's finished tile is an array of its own, transferred (not copied) to the calling thread.
 * What a tile is computed from (a kernel's shared memory, its compiled module) is the kernel's
 * business: its setup is posted to each worker with the run, and the worker's module builds its
 * tile computer from it ({@link serveTiles}).
 *
 * Flow control: a worker computes only while it holds a credit; it starts with two (one tile in
 * flight while it computes the next) and gets one back each time the calling thread has handled
 * one of its tiles (after the consumer's promise, if any, settles). So at most two tiles per
 * worker wait in memory, however slow the consumer.
 *
 * Workers are kept between runs (starting one costs tens of milliseconds, and several hundred
 * under tsx): after a run they go back to their pool unreferenced, so an idle pool never keeps
 * the process alive; `close` terminates them. At the first error of a run (a worker's exception,
 * an unexpected exit, or an error of the consumer or of the calling thread's tiles) the run's
 * workers are terminated, not pooled, and the run's promise rejects.
 */
import { type Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { startModuleWorker } from "../io/module-worker.ts";

/**
 * A tile's results: a typed array, or an object whose typed arrays are the results; their
 * buffers are transferred (not copied) to the calling thread.
 */
export type TileResult = object;

/** The buffers of a tile's results. */
function buffersOf(result: TileResult): ArrayBuffer[] {
  const arrays: unknown[] = ArrayBuffer.isView(result) ? [result] : Object.values(result);
  return arrays.filter((array) => ArrayBuffer.isView(array)).map((array) => array.buffer as ArrayBuffer);
}

/**
 * Computes tile [r0, r1) x [c0, c1): a view of the thread's own output memory (valid until its
 * next tile) or, with `copy`, an array of its own, written into `reuse` (an earlier tile's
 * result, handed back by the calling thread: see {@link TileRun.recycle}) where given and large
 * enough, instead of a fresh allocation.
 */
export type TileComputer<Result extends TileResult> = (
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  copy: boolean,
  reuse?: Result,
) => Result;

/** What a worker receives for a run: the kernel's setup, the shared tile list and counter, its slot. */
interface WorkerJob<Setup> {
  setup: Setup;
  /** [r0, r1, c0, c1] quadruples on a SharedArrayBuffer. */
  tiles: Int32Array;
  /** counter[0]: index of the next tile to take (Atomics.add). */
  counter: Int32Array;
  /** This worker's thread slot (1, 2, ...; 0 is the calling thread). */
  slot: number;
}

/** Messages to a worker: a run's setup, a credit for one tile (with a handled tile's result to reuse), the run's end. */
type ToWorker<Setup, Result = unknown> =
  { type: "job"; job: number; run: WorkerJob<Setup> } | { type: "go"; job: number; reuse?: Result } | { type: "end"; job: number };

interface TileMessage<Result> {
  job: number;
  index: number;
  result: Result;
}

/** One threaded run of a pool. */
export interface TileRun<Setup, Result extends TileResult> {
  /** [r0, r1, c0, c1] quadruples. */
  tiles: Int32Array | Uint32Array;
  /** Worker threads to use beside the calling thread (at least 1 when `compute` is absent). */
  workers: number;
  /** The kernel's setup posted to the worker in `slot` (1..workers). */
  setup: (slot: number) => Setup;
  /** The calling thread's tile computer (slot 0); absent: only the workers compute (tests). */
  compute?: TileComputer<Result>;
  /**
   * Receives every tile once, one at a time on the calling thread: `owned` says whether the
   * result is an array of its own (from a worker) or the calling thread's view, valid during the
   * call. A returned promise is awaited before that tile's thread gets more work.
   */
  take: (r0: number, r1: number, c0: number, c1: number, result: Result, owned: boolean) => void | Promise<void>;
  /**
   * The consumer keeps nothing of a worker's tile once `take` has returned (or its promise
   * settled): the result's buffers then go back to that worker with its next credit, and it
   * writes a later tile into them (no fresh allocation per tile: each costs page faults).
   */
  recycle?: boolean;
}

type WorkerEvent = "message" | "error" | "exit";

/** Yields to the event loop (the workers' messages) between two tiles of the calling thread. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A pool of worker threads running one module (which calls {@link serveTiles} with the same tag). */
export class TileWorkerPool<Setup, Result extends TileResult> {
  private readonly idle: Worker[] = [];
  /** Resolves once the worker's module is loaded and serving (its first message), or it failed to start. */
  private readonly ready = new WeakMap<Worker, Promise<void>>();
  /** The listeners the pool has added to each worker for its current run or idle time. */
  private readonly listeners = new WeakMap<Worker, [WorkerEvent, (...args: never[]) => void][]>();
  private jobs = 0;

  /**
   * @param moduleUrl the workers' module (its `import.meta.url`)
   * @param tag the tag that module's {@link serveTiles} answers to
   * @param name what the workers are, for the message when one exits early ("a kernel worker thread")
   */
  constructor(
    private readonly moduleUrl: string,
    private readonly tag: string,
    private readonly name: string,
  ) {}

  /** Terminates the idle workers (they never keep the process alive; this frees them now). */
  async close(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(all.map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const worker = startModuleWorker(this.moduleUrl, { tag: this.tag });
    this.ready.set(
      worker,
      new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        // A worker that fails to start is not waited for (its run or its pool reports the failure).
        worker.once("error", () => resolve());
        worker.once("exit", () => resolve());
      }),
    );
    return worker;
  }

  /** Adds a listener that {@link detach} removes again. */
  private listen<Event extends WorkerEvent>(
    worker: Worker,
    event: Event,
    listener: Event extends "message" ? (message: never) => void : Event extends "error" ? (error: Error) => void : (code: number) => void,
  ): void {
    worker.on(event, listener as (...args: unknown[]) => void);
    let list = this.listeners.get(worker);
    if (!list) this.listeners.set(worker, (list = []));
    list.push([event, listener as (...args: never[]) => void]);
  }

  /**
   * Removes the listeners the pool added, and only those: not removeAllListeners(), which also
   * drops Node's own hooks (its newListener hook restarts the worker's message port when a
   * message listener is added again; without it a pooled worker's next run never received its
   * tiles: tested in test/kernel/capa-kernel.test.ts), nor every listener of an event.
   */
  private detach(worker: Worker): void {
    for (const [event, listener] of this.listeners.get(worker) ?? []) worker.off(event, listener as (...args: unknown[]) => void);
    this.listeners.delete(worker);
  }

  private take(): Worker {
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    return worker;
  }

  /**
   * Starts workers until `count` are idle and resolves when they all serve (their module
   * loaded): runs after this one find them ready. Starting a worker takes tens of milliseconds,
   * several hundred under tsx, so a run of a fraction of a second that starts its own workers
   * is computed mostly by the calling thread (benchmarks of warm threads call this first).
   */
  async warm(count: number): Promise<void> {
    const started: Worker[] = [];
    while (this.idle.length + started.length < count) started.push(this.spawn());
    await Promise.all(started.map((worker) => this.ready.get(worker)));
    for (const worker of started) this.giveBack(worker);
    await Promise.all(this.idle.slice(0, count).map((worker) => this.ready.get(worker)));
  }

  private giveBack(worker: Worker): void {
    this.detach(worker);
    worker.unref();
    // An idle worker that dies (it should not) simply leaves the pool.
    this.listen(worker, "exit", () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.listen(worker, "error", () => {});
    this.idle.push(worker);
  }

  /** Computes every tile of `run` on the calling thread and `run.workers` workers; resolves when all are taken. */
  run(run: TileRun<Setup, Result>): Promise<void> {
    const { tiles, compute } = run;
    const nTiles = tiles.length / 4;
    if (nTiles === 0) return Promise.resolve();
    const sharedTiles = new Int32Array(new SharedArrayBuffer(tiles.length * 4));
    sharedTiles.set(tiles);
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const job = ++this.jobs;
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
          worker.postMessage({ type: "end", job } satisfies ToWorker<Setup>);
          this.giveBack(worker);
        }
        resolve();
      };
      fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        for (const worker of workers) {
          this.detach(worker);
          this.listen(worker, "error", () => {});
          void worker.terminate();
        }
        reject(error instanceof Error ? error : new Error(String(error)));
      };
    });
    const handle = async (index: number, result: Result, owned: boolean) => {
      const t = index * 4;
      await run.take(tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], result, owned);
      if (++handled === nTiles) finish();
    };

    for (let slot = 1; slot <= run.workers; slot++) {
      const worker = this.take();
      workers.push(worker);
      // A worker's tiles are handed on in order; its next credit goes back once one is handled.
      let queue: Promise<void> = Promise.resolve();
      this.listen(worker, "message", (message: TileMessage<Result>) => {
        if (message.job !== job) return;
        queue = queue
          .then(async () => {
            if (settled) return;
            await handle(message.index, message.result, true);
            if (settled) return;
            if (run.recycle)
              worker.postMessage({ type: "go", job, reuse: message.result } satisfies ToWorker<Setup, Result>, buffersOf(message.result));
            else worker.postMessage({ type: "go", job } satisfies ToWorker<Setup>);
          })
          .catch(fail);
      });
      this.listen(worker, "error", fail);
      this.listen(worker, "exit", (code) => fail(new Error(`${this.name} exited (code ${code}) before all tiles were computed`)));
      const workerJob: WorkerJob<Setup> = { setup: run.setup(slot), tiles: sharedTiles, counter, slot };
      worker.postMessage({ type: "job", job, run: workerJob } satisfies ToWorker<Setup>);
      worker.postMessage({ type: "go", job } satisfies ToWorker<Setup>);
      worker.postMessage({ type: "go", job } satisfies ToWorker<Setup>);
    }

    if (compute) {
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
    }
    return done;
  }
}

/**
 * The worker's side, called at the top level of the workers' module: when this thread is a
 * worker started with `tag`, it computes, per run, one tile per credit received (with the tile
 * computer `computer` builds from the run's setup and slot) until the tiles run out.
 */
export function serveTiles<Setup, Result extends TileResult>(
  tag: string,
  computer: (setup: Setup, slot: number) => TileComputer<Result>,
): void {
  if (isMainThread || (workerData as { tag?: string } | undefined)?.tag !== tag) return;
  const port = parentPort!;
  port.postMessage({ ready: true }); // a message without a job: the pool's run handlers ignore it
  const runs = new Map<number, { run: WorkerJob<Setup>; compute: TileComputer<Result> }>();
  port.on("message", (message: ToWorker<Setup, Result>) => {
    if (message.type === "job") {
      runs.set(message.job, { run: message.run, compute: computer(message.run.setup, message.run.slot) });
    } else if (message.type === "end") {
      runs.delete(message.job);
    } else {
      const current = runs.get(message.job);
      if (!current) return;
      const { tiles, counter } = current.run;
      const index = Atomics.add(counter, 0, 1);
      if (index >= tiles.length / 4) return;
      const t = index * 4;
      const result = current.compute(tiles[t], tiles[t + 1], tiles[t + 2], tiles[t + 3], true, message.reuse);
      port.postMessage({ job: message.job, index, result } satisfies TileMessage<Result>, buffersOf(result));
    }
  });
}
