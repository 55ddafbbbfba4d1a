import { removeTemporaryOutputs, watchTemporaryOutputs } from "../io/output.ts";

/** Resolves at the first SIGINT (Ctrl-C) or SIGTERM, for servers that run until stopped. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** The conventional exit codes of a process ended by these signals: 128 + the signal's number. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * For the command-line process: while output files are being written, SIGINT and SIGTERM
 * remove their temporary files (see ../io/output.ts) and end the process with 130 or 143.
 * Where something else also listens for the signal (a server waiting to stop, a download being
 * cancelled), that one decides how to end. With nothing being written the signals keep their
 * default effect, so Ctrl-C stops a long computation at once.
 */
export function removeOutputsOnSignals(): void {
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(([signal, code]) => {
    const handler = () => {
      removeTemporaryOutputs();
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    return [signal, handler] as const;
  });
  watchTemporaryOutputs((pending) => {
    for (const [signal, handler] of handlers) {
      if (pending) process.on(signal, handler);
      else process.off(signal, handler);
    }
  });
}
