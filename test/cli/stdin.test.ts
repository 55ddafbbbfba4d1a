// Trials from standard input (`-`), /dev/stdin, or a FIFO: read as a stream, dataset "stdin"
// (a FIFO: its name), the same numbers as from a file. Parquet needs a file.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { FIXTURES, REPO, cli } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const LONG_JSONL = join(FIXTURES, "mini-long.jsonl");
const JSONL_COLUMNS = ["--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];

/** Runs the CLI in a child process with `input` piped into its standard input. */
function piped(input: Buffer | string, ...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "src/cli/bin.ts"), ...argv], {
      cwd: REPO,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.on("error", () => undefined); // a child that exits before reading all of it
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A pair table with the dataset column set to `name` (the only column the source changes). */
function withDataset(csv: string, name: string): string {
  const [header, ...rows] = csv.trimEnd().split("\n");
  return [header, ...rows.map((r) => r.replace(/^[^,]*,/, `${name},`))].join("\n");
}

describe("trial data from standard input and FIFOs", () => {
  let dir: string;
  let joined: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-stdin-"));
    // The model-vs-human files of the mini dataset as one CSV (one header).
    const files = (await readdir(MINI)).sort();
    const texts = await Promise.all(files.map((f) => readFile(join(MINI, f), "utf8")));
    joined = texts.map((t, i) => (i === 0 ? t : t.slice(t.indexOf("\n") + 1)).replace(/\n?$/, "\n")).join("");
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("pairs - and pairs /dev/stdin (model-vs-human CSV from a pipe): dataset stdin, the numbers of the file", async () => {
    const reference = await cli("pairs", MINI);
    assert.equal(reference.code, 0, reference.stderr);
    // Node hands a child a socket as its standard input.
    for (const path of ["-", "/dev/stdin"]) {
      const run = await piped(joined, "pairs", path);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trimEnd(), withDataset(reference.stdout, "stdin"), path);
    }
    // A shell's `cat x.csv | trialwise pairs /dev/stdin` hands it a FIFO.
    const source = join(dir, "joined.csv");
    await writeFile(source, joined);
    const shell = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        "sh",
        ["-c", 'cat "$1" | "$2" --import tsx "$3" pairs /dev/stdin', "sh", source, process.execPath, join(REPO, "src/cli/bin.ts")],
        { cwd: REPO },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    assert.equal(shell.code, 0, shell.stderr);
    assert.equal(shell.stdout.trimEnd(), withDataset(reference.stdout, "stdin"));
  });

  test("the long format as JSON Lines from standard input, with the column flags", async () => {
    const reference = await cli("pairs", LONG_JSONL, ...JSONL_COLUMNS);
    assert.equal(reference.code, 0, reference.stderr);
    const run = await piped(await readFile(LONG_JSONL), "pairs", "-", ...JSONL_COLUMNS);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trimEnd(), withDataset(reference.stdout, "stdin"));
  });

  test("observers and an uncertainty command (ci) read - too", async () => {
    const observers = await piped(joined, "observers", "-");
    assert.equal(observers.code, 0, observers.stderr);
    assert.equal(observers.stdout.trimEnd(), withDataset((await cli("observers", MINI)).stdout, "stdin"));
    const ci = await piped(joined, "ci", "-", "--pair", "alexnet,subject-01", "--method", "analytic", "--format", "json");
    assert.equal(ci.code, 0, ci.stderr);
    const reference = await cli("ci", MINI, "--pair", "alexnet,subject-01", "--method", "analytic", "--format", "json");
    assert.equal(JSON.parse(ci.stdout).kappa, JSON.parse(reference.stdout).kappa);
  });

  test("a named FIFO is read as a stream, named after the FIFO", async () => {
    const fifo = join(dir, "piped-trials.csv");
    execFileSync("mkfifo", [fifo]);
    const source = join(dir, "source.csv");
    await writeFile(source, joined);
    // `cat source > fifo` in a child: it blocks until trialwise opens the FIFO.
    const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", source, fifo], { stdio: "ignore" });
    const timer = setTimeout(() => writer.kill("SIGKILL"), 60_000);
    const run = await cli("pairs", fifo);
    clearTimeout(timer);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trimEnd(), withDataset((await cli("pairs", MINI)).stdout, "piped-trials"));
  });

  test("Parquet on standard input is an error saying to give a file", async () => {
    const parquet = join(dir, "t.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${join(FIXTURES, "mini-long.csv")}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    db.closeSync();
    const run = await piped(
      await readFile(parquet),
      "pairs",
      "-",
      "--observer-col",
      "model",
      "--stimulus-col",
      "image",
      "--truth-col",
      "label",
      "--response-col",
      "answer",
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^trialwise: error: <stdin>: .*Parquet.*give it as a file/);
  });

  test("a CSV error from standard input names <stdin> and the line", async () => {
    const run = await piped("who,stim,hit\nm1,a,1\nm1,b,maybe\n", "pairs", "-", ...JSONL_COLUMNS);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^trialwise: error: <stdin>:3: /);
  });
});
