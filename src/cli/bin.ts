import { runCli } from "./main.ts";
import { removeOutputsOnSignals } from "./signals.ts";

/**
 * Ends the process when standard output cannot take what is written: quietly for a closed pipe
 * (`trialwise pairs ... | head`), else with one line saying why (a full disk: ENOSPC), exit 1.
 */
function standardOutputFailed(error: NodeJS.ErrnoException): never {
  if (error.code === "EPIPE") process.exit(0);
  // "ENOSPC: no space left on device, write" -> "no space left on device (ENOSPC)"
  const reason = error.message.replace(/^[A-Z]+: /, "").replace(/, \w+$/, "");
  process.stderr.write(`trialwise: error: cannot write to standard output: ${reason}${error.code ? ` (${error.code})` : ""}\n`);
  process.exit(1);
}

// A pipe reports errors as events; a file or device (e.g. /dev/full) throws them from write().
process.stdout.on("error", standardOutputFailed);
removeOutputsOnSignals();

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => {
    try {
      process.stdout.write(text);
    } catch (error) {
      standardOutputFailed(error as NodeJS.ErrnoException);
    }
  },
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  // A pipe takes writes without limit, queueing them in memory: long outputs wait for it.
  stdoutDrained: () =>
    process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once("drain", resolve)) : Promise.resolve(),
});

// Before a process ends by itself Node waits for V8's background compilations (of code that got
// hot while the command ran): 20 to 40 ms after a short command (BENCHMARKS.md, start-up). Once
// runCli has returned and its writes have gone out, nothing is left to do, so the process ends
// then. Anything still active (output queued for a pipe read slowly, a file write, a timer) lets
// the process end by itself after it, as usual; errors of the last write come first.
const STANDARD_STREAMS = new Set(["PipeWrap", "TTYWrap"]);
setImmediate(() => {
  if (process.getActiveResourcesInfo().every((resource) => STANDARD_STREAMS.has(resource))) process.exit();
});
