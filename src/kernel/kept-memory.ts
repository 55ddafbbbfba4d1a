/**
 * One kernel's working memory kept between its runs. The first touch of fresh memory costs page
 * faults (about 5 ms per MB on the benchmark machine: 20 to 35 ms of a 0.2 s binary-kernel run
 * at N = 1,000, M = 50,000, more than the CAPA kernel's own time on a few hundred models;
 * BENCHMARKS.md), so the last run's memory is lent to the next run that fits in it while no
 * other run uses it. A shared memory (for worker threads) also serves a run on one thread; a
 * memory made for another `kind` (the CAPA kernel's WebAssembly or array-buffer memory) never.
 * Isomorphic.
 */

/** A memory lent to one run; `release` hands it back at the run's end. */
export interface MemoryLease<Memory> {
  readonly memory: Memory;
  readonly shared: boolean;
  /** Kept for the next run when `reuse`; dropped otherwise (e.g. a failed run's threads may still write into it). */
  release(reuse: boolean): void;
}

interface Kept<Memory> {
  memory: Memory;
  kind: string;
  shared: boolean;
  bytes: number;
  busy: boolean;
}

/**
 * The keeper of one kernel's memory.
 *
 * @example
 * const keeper = new MemoryKeeper<ArrayBuffer>();
 * const first = keeper.acquire("plain", false, 64, (bytes) => new ArrayBuffer(bytes));
 * first.release(true);
 * keeper.acquire("plain", false, 32, (bytes) => new ArrayBuffer(bytes)).memory === first.memory // => true
 */
export class MemoryKeeper<Memory> {
  #kept: Kept<Memory> | undefined;

  /** The kept memory where it fits `bytes` (and `kind`, `shared`) and is free; else a new one from `create`, kept if nothing is in use. */
  acquire(kind: string, shared: boolean, bytes: number, create: (bytes: number) => Memory): MemoryLease<Memory> {
    const kept = this.#kept;
    const lent =
      kept && !kept.busy && kept.kind === kind && (kept.shared || !shared) && kept.bytes >= bytes
        ? kept
        : { memory: create(bytes), kind, shared, bytes, busy: false };
    lent.busy = true;
    if (!this.#kept || !this.#kept.busy) this.#kept = lent;
    return {
      memory: lent.memory,
      shared: lent.shared,
      release: (reuse) => {
        lent.busy = false;
        if (!reuse && this.#kept === lent) this.#kept = undefined;
      },
    };
  }

  /** Lets the kept memory go unless a run uses it (the next run allocates afresh). */
  drop(): void {
    if (this.#kept && !this.#kept.busy) this.#kept = undefined;
  }
}
