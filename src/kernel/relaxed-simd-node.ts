/**
 * Node only: turns on WebAssembly relaxed SIMD for the CAPA kernel (./capa-kernel.ts) on engines
 * that have it behind a flag, so that its fused multiply-add (f32x4.relaxed_madd, about twice
 * the all-pairs speed of f32x4.mul + f32x4.add, BENCHMARKS.md) is the default there too.
 *
 * Relaxed SIMD shipped enabled in V8 11.4 (Node 22 and later); Node 20's V8 11.3 accepts it only
 * with --experimental-wasm-relaxed-simd. V8 reads that flag when it compiles a module, so setting
 * it at run time (v8.setFlagsFromString) before the kernel's first compile is enough, and a
 * module compiled afterwards also instantiates in worker threads (V8's flags are per process).
 * Node's documentation warns that changing V8 flags after start-up may behave unpredictably, so
 * this is done only where it is needed (relaxed SIMD does not compile as the engine stands), only
 * this one flag, once, and never when the environment variable {@link NO_V8_FLAGS_ENV} is set:
 * the kernel then uses mul + add (the same sums within the kernel's tolerance, slower).
 */
import { setFlagsFromString } from "node:v8";

/** Environment variable: set (to anything but "" or "0"), trialwise sets no V8 flags. */
export const NO_V8_FLAGS_ENV = "TRIALWISE_NO_V8_FLAGS";

/** The V8 flag that enables relaxed SIMD where it is not on by default (Node 20). */
const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/** Whether `env` opts out of V8 flags ({@link NO_V8_FLAGS_ENV} set to anything but "" or "0"). */
function v8FlagsOptedOut(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[NO_V8_FLAGS_ENV];
  return value !== undefined && value !== "" && value !== "0";
}

/**
 * Makes relaxed SIMD compile if it can: `compiles` probes the engine (compiling a module that uses
 * it); where it fails and the environment does not opt out, sets {@link RELAXED_SIMD_FLAG} and
 * probes again. Returns whether relaxed SIMD compiles afterwards.
 */
export function enableRelaxedSimd(compiles: () => boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (compiles()) return true;
  if (v8FlagsOptedOut(env)) return false;
  setFlagsFromString(RELAXED_SIMD_FLAG);
  return compiles();
}
