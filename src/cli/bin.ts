import { runCli } from "./main.ts";
import { removeOutputsOnSignals } from "./signals.ts";

// A closed pipe (`trialwise pairs ... | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
removeOutputsOnSignals();

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  // A pipe takes writes without limit, queueing them in memory: long outputs wait for it.
  stdoutDrained: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once("drain", resolve)) : Promise.resolve()),
});
