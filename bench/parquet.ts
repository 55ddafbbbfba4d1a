/**
 * Streamed scale check (a script, not a test): from a Parquet file of N models x M stimuli to
 * a written pair table, end to end.
 *
 *   node --import tsx bench/parquet.ts                       N = 1,000, M = 50,000
 *   node --import tsx bench/parquet.ts --observers 10000 --files 8 --memory-limit 1GB
 *   node --import tsx bench/parquet.ts --json --keep --dir /tmp/tw-bench
 *
 * 1. Generate (in a child process, so its memory does not count below; not timed as part of
 *    the end-to-end time): one row per model and stimulus, `observer, stimulus, correct`
 *    (BOOLEAN), correlated random correctness by DuckDB SQL with a fixed seed: stimulus
 *    difficulty d_s and model skill a_o from hash(s, seed) and hash(o, seed), correct when
 *    0.6 d_s + 0.4 u_os < a_o with u_os from hash(o, s, seed). `--files K` writes K files (K
 *    models' slices, generated concurrently) into a folder instead of one file.
 * 2. Read: `readPackedTrials` (src/io/duckdb.ts) into bit-packed rows.
 * 3. Pairs + write: `allPairCounts` (src/kernel) with `onTile` feeding `openPairWriter`
 *    (src/io/pair-writer.ts), Parquet (or CSV with --format csv): no N x N matrix, memory
 *    proportional to the packed input plus a few tiles and one writer batch.
 * 4. Also, separately: the pair counts alone (`allPairCounts`, tiles dropped) to show what the
 *    writing costs.
 * Prints the times, the end-to-end time (2 + 3), and peak memory: process.resourceUsage()
 * maxRSS (the whole process, DuckDB's native memory included) and the largest RSS sampled
 * every 50 ms per phase. Checks the written table's row count and a sample of its rows against
 * counts recomputed from the packed bits.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { pairMetrics } from "../src/core/metrics.ts";
import { readPackedTrials } from "../src/io/duckdb.ts";
import { openPairWriter } from "../src/io/pair-writer.ts";
import { allPairCounts, closeKernelThreads } from "../src/kernel/index.ts";

const { values: args } = parseArgs({
  options: {
    observers: { type: "string", default: "1000" },
    trials: { type: "string", default: "50000" },
    files: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    dir: { type: "string" },
    format: { type: "string", default: "parquet" },
    threads: { type: "string" },
    "memory-limit": { type: "string" },
    "rows-per-part": { type: "string" },
    "tile-size": { type: "string" },
    "skip-counts-only": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "generate-only": { type: "boolean", default: false },
  },
});
const N = Number(args.observers);
const M = Number(args.trials);
const FILES = Number(args.files);
const SEED = Number(args.seed);
const DIR = args.dir ?? join(tmpdir(), "trialwise-bench-parquet");
const FORMAT = args.format === "csv" ? "csv" : "parquet";
const THREADS = args.threads === undefined ? undefined : Number(args.threads);
const INPUT = join(DIR, FILES > 1 ? `trials-${N}x${M}-s${SEED}-${FILES}files` : `trials-${N}x${M}-s${SEED}.parquet`);

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** A uniform double in [0, 1) from a 64-bit hash (its top 53 bits). */
const uniform = (hash: string) => `(CAST(${hash} >> 11 AS DOUBLE) / 9007199254740992)`;

/** Writes the trial file(s) with DuckDB SQL (runs in the child process). */
async function generate(): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:", { preserve_insertion_order: "false" });
  const files = FILES > 1 ? Array.from({ length: FILES }, (_, k) => join(INPUT, `part-${String(k).padStart(3, "0")}.parquet`)) : [INPUT];
  if (FILES > 1) await mkdir(INPUT, { recursive: true });
  const setup = await instance.connect();
  await setup.run(
    `CREATE TABLE obs AS SELECT o, 'model-' || lpad(CAST(o AS VARCHAR), 6, '0') AS observer,
       0.3 + 0.6 * ${uniform(`hash(o, ${SEED})`)} AS skill FROM range(${N}) r(o)`,
  );
  await setup.run(
    `CREATE TABLE stim AS SELECT s, 'n' || lpad(CAST(s AS VARCHAR), 8, '0') || '.JPEG' AS stimulus,
       0.6 * ${uniform(`hash(s, ${SEED} + 1)`)} AS difficulty FROM range(${M}) r(s)`,
  );
  // One COPY per file, concurrently (each is single-threaded in DuckDB: a cross product).
  await Promise.all(
    files.map(async (file, k) => {
      const connection = await instance.connect();
      const from = Math.floor((k * N) / files.length);
      const to = Math.floor(((k + 1) * N) / files.length);
      await connection.run(
        `COPY (SELECT observer, stimulus, difficulty + 0.4 * ${uniform(`hash(o, s, ${SEED} + 2)`)} < skill AS correct
               FROM (SELECT * FROM obs WHERE o >= ${from} AND o < ${to}), stim)
         TO ${sql(file)} (FORMAT parquet)`,
      );
      connection.closeSync();
    }),
  );
  setup.closeSync();
  instance.closeSync();
}

if (args["generate-only"]) {
  await generate();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------

/** Largest RSS seen while `run` runs (sampled every 50 ms, and before and after). */
async function phase<T>(name: string, run: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const start = performance.now();
  try {
    const value = await run();
    const seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, process.memoryUsage.rss());
    if (!args.json)
      console.log(
        `${name.padEnd(34)} ${seconds.toFixed(2).padStart(8)} s   peak RSS (sampled) ${(peak / 2 ** 20).toFixed(0).padStart(6)} MB`,
      );
    return { value, seconds, peakRssMB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) total += (await stat(join(path, name))).size;
  return total;
}

await mkdir(DIR, { recursive: true });
const output = join(DIR, `pairs-${N}x${M}.${FORMAT}`);
if (!args.json)
  console.log(`trialwise streamed scale check: N = ${N} models x M = ${M} stimuli, ${(N * (N - 1)) / 2} pairs, output ${FORMAT}`);

let generateSeconds: number | null = null;
if (!existsSync(INPUT)) {
  const start = performance.now();
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), "--generate-only"],
    { stdio: "inherit" },
  );
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`generating the input failed (exit code ${code})`);
  generateSeconds = (performance.now() - start) / 1000;
  if (!args.json)
    console.log(
      `${"generate input (child process)".padEnd(34)} ${generateSeconds.toFixed(2).padStart(8)} s   ${((await sizeOf(INPUT)) / 2 ** 20).toFixed(0)} MB on disk`,
    );
} else if (!args.json) console.log(`input exists, reused: ${INPUT}`);

const read = await phase("read into bitsets (DuckDB)", () =>
  readPackedTrials(INPUT, { threads: THREADS, memoryLimit: args["memory-limit"] }),
);
const [unit] = read.value.units;
const { packed } = unit;
if (packed.observers.length !== N || packed.trials !== M)
  throw new Error(`read ${packed.observers.length} x ${packed.trials}, expected ${N} x ${M}`);

const tileSize = args["tile-size"] === undefined ? undefined : Number(args["tile-size"]);
let countsOnly: { seconds: number; peakRssMB: number } | null = null;
if (!args["skip-counts-only"]) {
  countsOnly = await phase("pair counts only (kernel)", async () => {
    let pairs = 0;
    await allPairCounts(packed, {
      threads: THREADS,
      tileSize,
      onTile: (tile) =>
        void (pairs +=
          tile.rowStart === tile.colStart
            ? ((tile.rowEnd - tile.rowStart) * (tile.rowEnd - tile.rowStart - 1)) / 2
            : (tile.rowEnd - tile.rowStart) * (tile.colEnd - tile.colStart)),
    });
    if (pairs !== (N * (N - 1)) / 2) throw new Error(`counted ${pairs} pairs`);
  });
}

const write = await phase(`pairs + write ${FORMAT} (streamed)`, async () => {
  const writer = await openPairWriter(output, {
    rowsPerPart: args["rows-per-part"] === undefined ? undefined : Number(args["rows-per-part"]),
    memoryLimit: args["memory-limit"],
    threads: THREADS,
  });
  const pairUnit = {
    dataset: unit.dataset,
    condition: unit.condition,
    observers: packed.observers,
    humans: unit.humans,
    trials: packed.trials,
    correct: unit.correct,
  };
  try {
    const counts = await allPairCounts(packed, { threads: THREADS, tileSize, onTile: (tile) => writer.writeTile(pairUnit, tile) });
    const summary = await writer.close();
    return { summary, kernel: counts.kernel, threads: counts.threads };
  } catch (error) {
    await writer.abort();
    throw error;
  }
});
await closeKernelThreads();
const endToEnd = read.seconds + write.seconds;
const outputBytes = await sizeOf(output);

// Check: the row count, and a sample of rows against counts recomputed from the packed bits.
const check = await (async () => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const scan = FORMAT === "parquet" ? `read_parquet(${sql(output)})` : `read_csv(${sql(output)}, header = true)`;
  const [[rows]] = (await connection.runAndReadAll(`SELECT count(*) FROM ${scan}`)).getRowsJS();
  const sample = (
    await connection.runAndReadAll(`SELECT observer1, observer2, n_both_correct, kappa FROM ${scan} USING SAMPLE 200 ROWS`)
  ).getRowsJS();
  connection.closeSync();
  instance.closeSync();
  const index = new Map(packed.observers.map((o, i) => [o, i]));
  const w = packed.wordsPerObserver;
  let mismatches = 0;
  for (const [o1, o2, both, kappa] of sample) {
    const i = index.get(o1 as string)!;
    const j = index.get(o2 as string)!;
    let n = 0;
    for (let k = 0; k < w; k++) {
      let x = packed.bits[i * w + k] & packed.bits[j * w + k];
      for (; x; x &= x - 1) n++;
    }
    const expected = pairMetrics({ trials: packed.trials, correct1: unit.correct[i], correct2: unit.correct[j], bothCorrect: n });
    if (Number(both) !== n || kappa !== expected.kappa) mismatches++;
  }
  return { rows: Number(rows), sampled: sample.length, mismatches };
})();
if (check.rows !== (N * (N - 1)) / 2 || check.mismatches > 0) {
  throw new Error(
    `check failed: ${check.rows} rows written (expected ${(N * (N - 1)) / 2}), ${check.mismatches} of ${check.sampled} sampled rows differ`,
  );
}

const usage = process.resourceUsage();
const result = {
  observers: N,
  trials: M,
  pairs: (N * (N - 1)) / 2,
  input: INPUT,
  input_mb: (await sizeOf(INPUT)) / 2 ** 20,
  generate_seconds: generateSeconds,
  read_seconds: read.seconds,
  read_peak_rss_mb: read.peakRssMB,
  counts_only_seconds: countsOnly?.seconds ?? null,
  pairs_write_seconds: write.seconds,
  pairs_write_peak_rss_mb: write.peakRssMB,
  end_to_end_seconds: endToEnd,
  kernel: write.value.kernel,
  kernel_threads: write.value.threads,
  output_format: FORMAT,
  output_mb: outputBytes / 2 ** 20,
  rows_written: write.value.summary.rows,
  undefined_kappa: write.value.summary.undefinedKappa,
  check,
  max_rss_mb: usage.maxRSS / 1024,
};
if (args.json) console.log(JSON.stringify(result));
else {
  console.log(`end to end (read + pairs + write)   ${endToEnd.toFixed(2).padStart(8)} s`);
  console.log(
    `kernel ${result.kernel} on ${result.kernel_threads} thread(s); ${result.rows_written} rows, ${result.output_mb.toFixed(0)} MB ${FORMAT}; check: ${check.rows} rows, ${check.sampled} sampled rows equal`,
  );
  console.log(`peak memory (maxRSS, whole process, DuckDB included): ${result.max_rss_mb.toFixed(0)} MB`);
}
if (!args.keep) {
  await rm(output, { force: true });
  await rm(INPUT, { recursive: true, force: true });
}
