import cliProgress from "cli-progress";
import type { CliIO } from "./main.ts";

/**
 * Progress of a multi-step job on standard error: on a terminal, a bar with ETA for countable
 * steps (and the speed in `rateUnit`s per second when given, counted from the step's start);
 * otherwise one quiet line when a step starts.
 */
export function stepReporter(
  io: CliIO,
  prefix: string,
  rateUnit?: string,
): { onProgress: (step: string, done: number, total: number) => void; stop: () => void } {
  let current = "";
  let bar: cliProgress.SingleBar | undefined;
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
    if (step !== current) {
      stop();
      current = step;
      if (io.isTTY && total > 0) {
        bar = new cliProgress.SingleBar(
          { format: `${prefix}: ${step} [{bar}] {value}/{total}${rateUnit ? ` {speed} ${rateUnit}/s` : ""} ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
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
