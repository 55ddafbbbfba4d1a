/** How the command line meets the world: standard output and error, and whether output is a terminal. */

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether standard output is a terminal (decides the default format). */
  isTTY: boolean;
  /** Resolves when standard output has taken what was written (backpressure for long outputs); absent: at once. */
  stdoutDrained?: () => Promise<void>;
}
