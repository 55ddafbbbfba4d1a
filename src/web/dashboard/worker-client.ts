/** The page's side of the dashboard worker: requests by id, answers as promises. */
import type { WorkerAnswer, WorkerRequest } from "./messages.ts";

export type Ask = <T extends WorkerAnswer["type"]>(request: WorkerRequest) => Promise<Extract<WorkerAnswer, { type: T }>>;

/** Starts the worker (its bundle beside the page's) and returns how to ask it. */
export function startWorker(onFailure: (message: string) => void): Ask {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  let nextRequest = 1;
  const pending = new Map<number, { resolve: (answer: WorkerAnswer) => void; reject: (error: Error) => void }>();
  worker.onmessage = (event: MessageEvent<WorkerAnswer & { id: number }>) => {
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    if (event.data.type === "error") waiting.reject(new Error(event.data.error));
    else waiting.resolve(event.data);
  };
  worker.onerror = (event) => onFailure(`the computation worker failed: ${event.message}`);
  return <T extends WorkerAnswer["type"]>(request: WorkerRequest) => {
    const id = nextRequest++;
    return new Promise<Extract<WorkerAnswer, { type: T }>>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (answer: WorkerAnswer) => void, reject });
      worker.postMessage({ id, ...request });
    });
  };
}
