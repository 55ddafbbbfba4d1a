// What a command loads before it runs (issue 13's start-up): --help, observers and pairs on a CSV
// file, and the library's two entry points load none of the heavy packages that only some
// commands need. Timings are in BENCHMARKS.md (hyperfine), not here; these assert the cause.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { FIXTURES, REPO } from "../helpers.ts";

const run = promisify(execFile);
const RECORDER = join(FIXTURES, "startup/record-packages.mjs");
const CSV = join(FIXTURES, "mini-cue-conflict/mini_alexnetsession-1.csv");
/** Packages that only some commands need (DuckDB: Parquet; fastify: servers; sharp, ONNX Runtime: evaluate; Vega: figures). */
const HEAVY = [
  "@duckdb/node-api",
  "fastify",
  "@fastify/static",
  "sharp",
  "onnxruntime-node",
  "vega",
  "vega-lite",
  "vega-embed",
  "cli-progress",
];

/** The packages that modules under src/ import while `args` runs in a fresh Node process. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  return (await loaded(args)).packages;
}

/** The packages imported by modules under src/, and the modules of src/ loaded, while `args` runs in a fresh Node process. */
async function loaded(args: string[]): Promise<{ packages: Set<string>; modules: Set<string> }> {
  const { stderr } = await run(process.execPath, ["--import", "tsx", "--import", RECORDER, ...args], { cwd: REPO, maxBuffer: 16 << 20 });
  return {
    packages: new Set([...stderr.matchAll(/^package (\S+)$/gm)].map((m) => m[1])),
    modules: new Set([...stderr.matchAll(/^module (\S+)$/gm)].map((m) => m[1])),
  };
}

function assertNoHeavy(loaded: Set<string>, what: string): void {
  const heavy = HEAVY.filter((name) => loaded.has(name));
  assert.deepEqual(heavy, [], `${what} loads ${heavy.join(", ")}`);
}

describe("start-up: a command loads only what it needs", () => {
  test("the recorder sees what a command loads: evaluate loads sharp before it finds the model missing", async () => {
    // A model file that does not exist: evaluate loads its modules, then fails on the file.
    const loaded = await packagesLoaded([join(REPO, "src/cli/bin.ts"), "evaluate", "missing.onnx", FIXTURES, "--name", "m"]).catch(
      (error: { stderr: string }) => new Set([...error.stderr.matchAll(/^package (\S+)$/gm)].map((m) => m[1])),
    );
    assert.ok(loaded.has("commander"), [...loaded].join(", "));
    assert.ok(loaded.has("sharp"), [...loaded].join(", "));
  });

  test("trialwise --help: commander and nothing heavy", async () => {
    const loaded = await packagesLoaded([join(REPO, "src/cli/bin.ts"), "--help"]);
    assert.ok(loaded.has("commander"));
    assertNoHeavy(loaded, "--help");
    assert.ok(!loaded.has("papaparse"), "--help loads the CSV parser");
  });

  test("trialwise --help loads the command list, not the commands: no module of the core beyond its errors", async () => {
    const { modules } = await loaded([join(REPO, "src/cli/bin.ts"), "--help"]);
    assert.deepEqual([...modules].sort(), [
      "src/cli/bin.ts",
      "src/cli/commands.ts",
      "src/cli/main.ts",
      "src/cli/signals.ts",
      "src/core/errors.ts",
      "src/io/output.ts",
      "src/version.ts",
    ]);
  });

  test("observers on a CSV file loads no interval, bootstrap, kernel or plan code", async () => {
    const { modules } = await loaded([join(REPO, "src/cli/bin.ts"), "observers", CSV]);
    const needless = [...modules].filter((m) =>
      /^src\/(kernel\/|core\/(joint-bootstrap|pair-intervals|outcome-matrix|plan|math\/))|uncertainty/.test(m),
    );
    assert.deepEqual(needless, []);
    assert.ok(modules.has("src/core/observers.ts"));
  });

  test("observers and pairs on a CSV file: no DuckDB, no server, no figures", async () => {
    assertNoHeavy(await packagesLoaded([join(REPO, "src/cli/bin.ts"), "observers", CSV]), "observers on a CSV file");
    assertNoHeavy(await packagesLoaded([join(REPO, "src/cli/bin.ts"), "pairs", join(FIXTURES, "mini-cue-conflict")]), "pairs on CSV files");
  });

  test('import "trialwise" loads the CSV parser only; "trialwise/core" loads no package', async () => {
    const library = await packagesLoaded(["--input-type=module", "-e", `await import(${JSON.stringify(join(REPO, "src/index.ts"))})`]);
    assert.deepEqual([...library], ["papaparse"]);
    const core = await packagesLoaded(["--input-type=module", "-e", `await import(${JSON.stringify(join(REPO, "src/core/index.ts"))})`]);
    assert.deepEqual([...core], []);
  });
});

test("evaluate without onnxruntime-node (an optional peer dependency): exit 1 and how to install it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trialwise-startup-"));
  try {
    await mkdir(join(dir, "stimuli/airplane"), { recursive: true });
    await writeFile(join(dir, "stimuli/airplane/airplane1.png"), "");
    const hide = join(FIXTURES, "startup/hide-onnxruntime.mjs");
    const args = [
      "--import",
      import.meta.resolve("tsx"),
      "--import",
      hide,
      join(REPO, "src/cli/bin.ts"),
      "evaluate",
      join(dir, "m.onnx"),
      join(dir, "stimuli"),
      "--name",
      "m",
    ];
    const failed = await run(process.execPath, args, { cwd: dir }).then(
      () => assert.fail("evaluate ran without onnxruntime-node"),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(
      failed.stderr,
      "trialwise: error: trialwise evaluate needs onnxruntime-node, an optional dependency that is not installed: npm install onnxruntime-node\n",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
