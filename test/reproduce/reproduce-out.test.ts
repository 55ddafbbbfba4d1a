// Output folders (`trialwise reproduce --out DIR`): replaced only when missing, empty, or a folder
// trialwise wrote (its marker file); never a folder of someone's files, a file, or the input.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { OUTPUT_FOLDER_MARKER, writeDirectoryAtomic } from "../../src/io/output.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, cli } from "../helpers.ts";

const FILES = new Map([
  ["index.html", "<p>report</p>"],
  ["figures/a.svg", "<svg/>"],
]);

function refused(folder: string, reason: RegExp) {
  return (error: unknown) => error instanceof InputError && error.message.includes(folder) && reason.test(error.message);
}

describe("writeDirectoryAtomic: which folders it may replace", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-outdir-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("a missing folder is created, with the marker; a marked folder is replaced as a whole", async () => {
    const out = join(dir, "report");
    await writeDirectoryAtomic(out, FILES);
    assert.deepEqual((await readdir(out)).sort(), [OUTPUT_FOLDER_MARKER, "figures", "index.html"].sort());
    await writeFile(join(out, "stale.txt"), "from the last run");
    await writeDirectoryAtomic(out, new Map([["index.html", "<p>again</p>"]]));
    assert.deepEqual((await readdir(out)).sort(), [OUTPUT_FOLDER_MARKER, "index.html"].sort());
    assert.equal(await readFile(join(out, "index.html"), "utf8"), "<p>again</p>");
  });

  test("an empty folder is replaced", async () => {
    const out = join(dir, "empty");
    await mkdir(out);
    await writeDirectoryAtomic(out, FILES);
    assert.equal(await readFile(join(out, "index.html"), "utf8"), "<p>report</p>");
  });

  test("a folder holding files trialwise did not write is refused, and left as it was", async () => {
    const victim = join(dir, "victim");
    await mkdir(victim);
    await writeFile(join(victim, "thesis.tex"), "\\documentclass{article}");
    await assert.rejects(writeDirectoryAtomic(victim, FILES), refused(victim, /did not write/));
    assert.deepEqual(await readdir(victim), ["thesis.tex"]);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith("victim.")),
      [],
      "no staging folder left",
    );
  });

  test("a file is refused, not replaced by a folder", async () => {
    const file = join(dir, "keep.csv");
    await writeFile(file, "a,b\n1,2\n");
    await assert.rejects(writeDirectoryAtomic(file, FILES), refused(file, /is a file/));
    assert.equal(await readFile(file, "utf8"), "a,b\n1,2\n");
  });

  test("an output that equals, contains or lies inside an input is refused", async () => {
    const data = join(dir, "data");
    await mkdir(join(data, "set"), { recursive: true });
    await writeFile(join(data, "set/trials.csv"), "x\n");
    // Even a marked folder (as if a report had once been written there) is never the input.
    await writeFile(join(data, OUTPUT_FOLDER_MARKER), "");
    for (const out of [data, dir, join(data, "report")]) {
      await assert.rejects(writeDirectoryAtomic(out, FILES, { inputs: [data] }), refused(out, /input/), out);
    }
    // Through a link to the input, too.
    await symlink(data, join(dir, "data-link"));
    await assert.rejects(writeDirectoryAtomic(join(dir, "data-link"), FILES, { inputs: [data] }), refused(join(dir, "data-link"), /input/));
    assert.equal(await readFile(join(data, "set/trials.csv"), "utf8"), "x\n");
  });

  test("a link to a report folder stays a link; the folder it points to is replaced", async () => {
    const real = join(dir, "real-report");
    await writeDirectoryAtomic(real, FILES);
    await symlink(real, join(dir, "report-link"));
    await writeDirectoryAtomic(join(dir, "report-link"), new Map([["index.html", "<p>via link</p>"]]));
    assert.ok((await lstat(join(dir, "report-link"))).isSymbolicLink());
    assert.equal(await readFile(join(real, "index.html"), "utf8"), "<p>via link</p>");
  });
});

/** Runs the CLI in a child process with the given working folder (for `--out .`; tsx found from the repository, not from there). */
function cliIn(cwd: string, ...argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "src/cli/bin.ts"), ...argv], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("trialwise reproduce --out: refuses folders it must not replace, before any work", { skip: NO_SHARED_DATA }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-reproduce-out-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("--out victim (holding thesis.tex) exits 1 naming the folder; thesis.tex stays", async () => {
    const victim = join(dir, "victim");
    await mkdir(victim);
    await writeFile(join(victim, "thesis.tex"), "my thesis");
    const run = await cli(
      "reproduce",
      "geirhos2020",
      "--data",
      RAW_DATA,
      "--out",
      victim,
      "--format",
      "svg",
      "--cache",
      join(dir, "cache"),
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`trialwise: error: ${victim}: .*did not write`));
    assert.equal(await readFile(join(victim, "thesis.tex"), "utf8"), "my thesis");
  });

  test("--out keep.csv (a file) exits 1; the file stays", async () => {
    const file = join(dir, "keep.csv");
    await writeFile(file, "a\n1\n");
    const run = await cli("reproduce", "geirhos2020", "--data", RAW_DATA, "--out", file, "--format", "svg", "--cache", join(dir, "cache"));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /keep\.csv: .*is a file/);
    assert.equal(await readFile(file, "utf8"), "a\n1\n");
  });

  test("--data rawcopy --out rawcopy exits 1; the data stays", async () => {
    const copy = join(dir, "rawcopy");
    await cp(RAW_DATA, copy, { recursive: true });
    const before = (await readdir(copy)).sort();
    const run = await cli("reproduce", "geirhos2020", "--data", copy, "--out", copy, "--format", "svg", "--cache", join(dir, "cache"));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /rawcopy: .*input/);
    assert.deepEqual((await readdir(copy)).sort(), before);
  });

  test("--out . in a folder of files exits 1; the files stay", async () => {
    const work = join(dir, "work");
    await mkdir(work);
    await writeFile(join(work, "notes.txt"), "keep me");
    const run = await cliIn(
      work,
      "reproduce",
      "geirhos2020",
      "--data",
      RAW_DATA,
      "--out",
      ".",
      "--format",
      "svg",
      "--cache",
      join(dir, "cache"),
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /did not write/);
    assert.deepEqual(await readdir(work), ["notes.txt"]);
  });
});
