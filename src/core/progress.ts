/** Progress of long computations (isomorphic: no Node APIs). */

/** Told how far a long computation is: `done` of `total` steps. */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * A step counter for a loop of `total` steps: calling it with the steps done so far passes them
 * on to `onProgress` about 1000 times in all (every ceil(total / 1000) steps, and at the end),
 * so that reporting costs nothing next to the work. Without `onProgress`, a no-op.
 */
export function progressTicker(total: number, onProgress: ProgressCallback | undefined): (done: number) => void {
  if (!onProgress) return () => undefined;
  const every = Math.max(1, Math.ceil(total / 1000));
  return (done) => {
    if (done % every === 0 || done === total) onProgress(done, total);
  };
}
