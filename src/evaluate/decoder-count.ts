import { availableParallelism } from "node:os";

/** Decoding worker threads by default: the cores but one (the model runs on the main thread), at least 1, at most 4. */
export function defaultDecoderCount(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}
