/** Worker threads that run one of trialwise's own modules. Node only. */
import { Worker } from "node:worker_threads";

/**
 * Starts a worker thread running the module at `moduleUrl` (pass `import.meta.url`), under tsx
 * when the module is TypeScript (tests, benches, `tsx` runs): Node 20 does not apply `--import`
 * loaders to workers, so the worker registers tsx itself before loading the module.
 */
export function startModuleWorker(moduleUrl: string, workerData: unknown): Worker {
  if (moduleUrl.endsWith(".ts")) {
    const tsx = import.meta.resolve("tsx/esm/api");
    const source = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl)}); });`;
    return new Worker(source, { eval: true, workerData });
  }
  return new Worker(new URL(moduleUrl), { workerData });
}
