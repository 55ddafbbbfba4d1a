// The process entry (src/cli/bin.ts): a standard output that cannot be written ends the process
// with one line (a full disk) or quietly (a closed pipe), never with a stack trace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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

test("a pipe read slowly gets the whole output: the process ends only once it is written", async () => {
  // 60 observers: 1,770 pair rows, about 200 KB, more than a pipe holds (64 KB).
  const dir = await mkdtemp(join(tmpdir(), "trialwise-bin-"));
  try {
    const rows = ["observer,stimulus,correct"];
    for (let o = 0; o < 60; o++) for (let s = 0; s < 20; s++) rows.push(`model-${o},s${s},${(o * 7 + s * 3) % 5 === 0 ? 0 : 1}`);
    await writeFile(join(dir, "trials.csv"), rows.join("\n") + "\n");
    const argv = ["pairs", join(dir, "trials.csv"), "--observer-col", "observer", "--stimulus-col", "stimulus", "--correct-col", "correct"];
    // The reader starts only after the command has long finished computing.
    const command = `${[process.execPath, ...BIN, ...argv].map((a) => JSON.stringify(a)).join(" ")} | (sleep 3; cat)`;
    const child = spawn("bash", ["-o", "pipefail", "-c", command], { cwd: REPO, stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    assert.equal(await new Promise<number | null>((resolve) => child.on("close", resolve)), 0);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1 + (60 * 59) / 2);
    assert.match(lines.at(-1)!, /^trials,all,model-8,model-9,model-model,20,/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
