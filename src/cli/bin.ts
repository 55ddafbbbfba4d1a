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
