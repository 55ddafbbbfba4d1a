import { createRequire } from "node:module";
import type CliProgress from "cli-progress";
import type { CliIO } from "./io.ts";

/** cli-progress, loaded when a bar is first drawn (only on a terminal), not with every command. */
export function progressBars(): typeof CliProgress {
  return createRequire(import.meta.url)("cli-progress") as typeof CliProgress;
}

export interface StepReporterOptions {
  /**
   * Show nothing until the job has run this long (ms), so that work that ends quickly stays
   * silent; then the step under way is shown. Default 0: from the first step.
   */
  delayMs?: number;
}

/** How long a computation may run before `trialwise` shows its progress (ms). */
export const LONG_WORK_MS = 1000;

/**
 * Progress of a multi-step job on standard error: on a terminal, a bar with ETA for countable
 * steps (`total` > 0; with the speed in `rateUnit`s per second when given, counted from the
 * step's start), and a running count for steps of unknown length (`total` 0); otherwise one
 * quiet line when a step starts.
 */
export function stepReporter(
  io: CliIO,
  prefix: string,
  rateUnit?: string,
  options: StepReporterOptions = {},
): { onProgress: (step: string, done: number, total: number) => void; stop: () => void } {
  const created = performance.now();
  let shown = !(options.delayMs && options.delayMs > 0);
  let current = "";
  let bar: CliProgress.SingleBar | undefined;
  let stepStart = { time: 0, done: 0 };
  const speed = (done: number) => {
    const seconds = (performance.now() - stepStart.time) / 1000;
    return { speed: seconds > 0 ? ((done - stepStart.done) / seconds).toFixed(1) : "-" };
  };
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onProgress = (step: string, done: number, total: number) => {
    if (!shown) {
      if (performance.now() - created < options.delayMs!) return;
      shown = true;
    }
    if (step !== current) {
      stop();
      current = step;
      if (io.isTTY) {
        const rate = rateUnit ? ` {speed} ${rateUnit}/s` : "";
        const format =
          total > 0
            ? `${prefix}: ${step} [{bar}] {value}/{total}${rate} ETA {eta_formatted}`
            : `${prefix}: ${step}: {value}${rateUnit ? ` ${rateUnit}` : ""}${rate}`;
        const { SingleBar, Presets } = progressBars();
        bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
        stepStart = { time: performance.now(), done };
        bar.start(total, done, speed(done));
      } else {
        io.stderr(`${prefix}: ${step}${total > 0 ? ` (${total})` : ""}\n`);
      }
      return;
    }
    bar?.update(done, speed(done));
  };
  return { onProgress, stop };
}
