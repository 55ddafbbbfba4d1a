import cliProgress from "cli-progress";
import type { CliIO } from "./main.ts";

/**
 * Progress of a multi-step job on standard error: on a terminal, a bar with ETA for countable
 * steps; otherwise one quiet line when a step starts.
 */
export function stepReporter(io: CliIO, prefix: string): { onProgress: (step: string, done: number, total: number) => void; stop: () => void } {
  let current = "";
  let bar: cliProgress.SingleBar | undefined;
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
          { format: `${prefix}: ${step} [{bar}] {value}/{total} ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      } else {
        io.stderr(`${prefix}: ${step}${total > 0 ? ` (${total})` : ""}\n`);
      }
      return;
    }
    bar?.update(done);
  };
  return { onProgress, stop };
}
