// The process entry (src/cli/bin.ts): a standard output that cannot be written ends the process
// with one line (a full disk) or quietly (a closed pipe), never with a stack trace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FIXTURES, REPO } from "../helpers.ts";

const BIN = ["--import", "tsx", join(REPO, "src/cli/bin.ts")];
const MINI = join(FIXTURES, "mini-cue-conflict");

function run(
  stdout: number | "pipe",
  closeStdout: boolean,
  ...argv: string[]
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...BIN, ...argv], { cwd: REPO, stdio: ["ignore", stdout, "pipe"] });
    // Closing the reading end at once: the child's first write meets a closed pipe.
    if (closeStdout) child.stdout!.destroy();
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** Standard error without the notes about the data (the fixture's pairs are on 6 trials, which a note says). */
const withoutNotes = (stderr: string) => stderr.replace(/^trialwise: note: .*\n/gm, "");

describe("standard output that cannot be written", () => {
  test("a full disk (/dev/full): one line naming the reason, exit 1", async () => {
    // /dev/full is opened for writing only, as a shell's `> /dev/full` does: it is never replaced.
    const full = openSync("/dev/full", "w");
    try {
      for (const format of ["csv", "json"]) {
        const result = await run(full, false, "pairs", MINI, "--format", format);
        assert.equal(result.code, 1, result.stderr);
        assert.equal(withoutNotes(result.stderr), "trialwise: error: cannot write to standard output: no space left on device (ENOSPC)\n");
      }
    } finally {
      closeSync(full);
    }
  });

  test("a closed pipe (`| head -1`): quiet, exit 0", async () => {
    const result = await run("pipe", true, "pairs", MINI);
    assert.deepEqual({ ...result, stderr: withoutNotes(result.stderr) }, { code: 0, signal: null, stderr: "" });
  });
});
