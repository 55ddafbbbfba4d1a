/**
 * Start-up of the command line and the library (issue 13): cold processes, each repeated, with
 * hyperfine (`apt-get install hyperfine`), against bare `node -e 0` and `python3 -c "import
 * numpy"` (where the peers' tools start) measured in the same run.
 *
 *   npm run build && node --import tsx bench/startup.ts [--runs 20] [--json]
 *
 * What runs is the built package (dist/, bin/trialwise.js), as a user runs it: tsx is not
 * involved. Rows: `trialwise --help`, `--version`, `observers` on one small CSV file, `pairs` on
 * three CSV files, `import("trialwise/core")` and `import("trialwise")`. Each row gives hyperfine's
 * mean and standard deviation, and the time above bare Node (what trialwise itself costs).
 * Targets (issue 13): --help and observers under 200 ms, the core's import under 50 ms above Node.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "20" }, json: { type: "boolean", default: false } } });
const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BIN = join(REPO, "bin/trialwise.js");
const DATASET = join(REPO, "test/fixtures/mini-cue-conflict");
const CSV = join(DATASET, "mini_alexnetsession-1.csv");

if (!existsSync(join(REPO, "dist/cli/bin.js"))) {
  console.error("bench/startup.ts: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
if (spawnSync("hyperfine", ["--version"]).status !== 0) {
  console.error("bench/startup.ts: needs hyperfine (apt-get install hyperfine)");
  process.exit(1);
}

const importOf = (file: string) => `node --input-type=module -e 'await import("${join(REPO, file)}")'`;
const rows: { name: string; command: string }[] = [
  { name: "node -e 0 (baseline)", command: "node -e 0" },
  { name: 'python3 -c "import numpy" (baseline)', command: 'python3 -c "import numpy"' },
  { name: "trialwise --help", command: `node ${BIN} --help` },
  { name: "trialwise --version", command: `node ${BIN} --version` },
  { name: "trialwise observers (one CSV file)", command: `node ${BIN} observers ${CSV}` },
  { name: "trialwise pairs (three CSV files)", command: `node ${BIN} pairs ${DATASET}` },
  { name: 'import("trialwise/core")', command: importOf("dist/core/index.js") },
  { name: 'import("trialwise")', command: importOf("dist/index.js") },
];

const dir = await mkdtemp(join(tmpdir(), "trialwise-startup-"));
try {
  const exported = join(dir, "hyperfine.json");
  const hyperfine = spawnSync(
    "hyperfine",
    [
      "--warmup",
      "3",
      "--runs",
      args.runs,
      "--shell=none",
      "--style",
      "none",
      "--export-json",
      exported,
      ...rows.flatMap((r) => ["--command-name", r.name, r.command]),
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (hyperfine.status !== 0) throw new Error(`hyperfine failed (exit ${hyperfine.status})`);
  const { results } = JSON.parse(await readFile(exported, "utf8")) as { results: { command: string; mean: number; stddev: number }[] };
  const node = results[0].mean;
  const table = results.map((r) => ({
    command: r.command,
    mean_ms: r.mean * 1000,
    sd_ms: r.stddev * 1000,
    above_node_ms: (r.mean - node) * 1000,
  }));
  if (args.json) console.log(JSON.stringify(table, null, 2));
  else {
    console.log(`Start-up, ${args.runs} cold runs each (hyperfine), ${new Date().toISOString().slice(0, 10)}\n`);
    console.log("| command | mean (ms) | sd (ms) | above node -e 0 (ms) |\n|---|---:|---:|---:|");
    for (const r of table)
      console.log(`| ${r.command} | ${r.mean_ms.toFixed(1)} | ${r.sd_ms.toFixed(1)} | ${r.above_node_ms.toFixed(1)} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
