/**
 * Foundation benchmark: how long trialwise takes to load the published model-vs-human trial
 * data (Geirhos et al. 2020) and to compute every pair of observers in it, next to a
 * straightforward per-pair baseline (one Map<stimulus, correct> per pair) on the same tables.
 *
 *   npm run bench                    readable table
 *   npm run bench -- --json          JSON lines (one "meta", one "check", one line per timing)
 *   npm run bench -- --runs 9 --load-runs 5
 *
 * Data: ../shared/data/geirhos2020/raw-data relative to the repository root, or the path in
 * TRIALWISE_DATA. Exit code 1 when the data is missing or the baseline disagrees with
 * computePairs. No assertion on times: this only measures.
 */
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type PairOptions, computePairs } from "../src/core/pairs.ts";
import { NO_CONDITION, type TrialTable, compareText } from "../src/core/trials.ts";
import { loadDatasets } from "../src/io/datasets.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_DATA = resolve(REPO_ROOT, "../shared/data/geirhos2020/raw-data");

// ---------------------------------------------------------------------------------------------
// Arguments

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${flag} expects a positive whole number, got "${value}"`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      runs: { type: "string" },
      "load-runs": { type: "string" },
    },
    strict: true,
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\nusage: npm run bench -- [--json] [--runs N] [--load-runs N]`);
  process.exit(2);
}
const JSON_OUTPUT = args.json ?? false;
/** Timed repetitions of each pair computation (after one warm-up). */
const RUNS = positiveInt(args.runs, 5, "--runs");
/** Timed repetitions of loading (after one warm-up); each takes a second or two. */
const LOAD_RUNS = positiveInt(args["load-runs"], 3, "--load-runs");

const dataPath = process.env.TRIALWISE_DATA ? resolve(process.env.TRIALWISE_DATA) : DEFAULT_DATA;
if (!existsSync(dataPath)) {
  console.error(
    `trial data not found: ${dataPath}\n` +
      `expected the model-vs-human raw-data collection (one subfolder per dataset) there; ` +
      `set TRIALWISE_DATA to its path`,
  );
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Baseline: the straightforward way, one Map per pair

interface BaselinePair {
  dataset: string;
  condition: string;
  observer1: string;
  observer2: string;
  kappa: number | null;
}

interface BaselineResult {
  pairs: BaselinePair[];
  /** Pairs whose stimulus sets differ (not computed, as computePairs' default "identical"). */
  skipped: number;
}

/**
 * For each analysis unit (condition, or all trials) and each pair of observers: a
 * Map<stimulus, correct> of the second observer, looked up for every trial of the first.
 * Like computePairs' default, only pairs with identical stimulus sets get a kappa. Kappa is
 * written out here with the same arithmetic as the definition (Cohen's kappa on correct/wrong).
 */
function baselinePairs(table: TrialTable, byCondition: boolean): BaselineResult {
  const units = new Map<string, Map<string, number[]>>();
  for (let t = 0; t < table.length; t++) {
    const unit = byCondition ? table.condition[t] : NO_CONDITION;
    let observers = units.get(unit);
    if (!observers) units.set(unit, (observers = new Map()));
    const list = observers.get(table.observer[t]);
    if (list) list.push(t);
    else observers.set(table.observer[t], [t]);
  }
  const result: BaselineResult = { pairs: [], skipped: 0 };
  for (const [condition, byObserver] of units) {
    const names = [...byObserver.keys()].sort(compareText);
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const first = byObserver.get(names[i])!;
        const second = byObserver.get(names[j])!;
        const lookup = new Map<string, number>();
        for (const t of second) lookup.set(table.stimulus[t], table.correct[t]);
        let n = 0;
        let k1 = 0;
        let k2 = 0;
        let bothCorrect = 0;
        for (const t of first) {
          const b = lookup.get(table.stimulus[t]);
          if (b === undefined) continue;
          const a = table.correct[t];
          n++;
          k1 += a;
          k2 += b;
          bothCorrect += a & b;
        }
        if (n === 0 || n !== first.length || n !== second.length) {
          result.skipped++;
          continue;
        }
        const p1 = k1 / n;
        const p2 = k2 / n;
        const bothWrong = n - k1 - k2 + bothCorrect;
        const cObs = (bothCorrect + bothWrong) / n;
        const cExp = p1 * p2 + (1 - p1) * (1 - p2);
        result.pairs.push({
          dataset: table.dataset,
          condition,
          observer1: names[i],
          observer2: names[j],
          kappa: cExp === 1 ? null : (cObs - cExp) / (1 - cExp),
        });
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Timing {
  name: string;
  /** Median and fastest of the timed runs, in milliseconds. */
  median_ms: number;
  min_ms: number;
  runs: number;
  datasets: number;
  trials: number;
  /** Pairs computed (kappa reported) and pairs skipped because their stimulus sets differ. */
  pairs: number | null;
  skipped: number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs fn once as a warm-up, then `runs` times timed; returns the warm-up's value and the times. */
async function measure<T>(runs: number, fn: () => T | Promise<T>): Promise<{ value: T; times: number[] }> {
  const value = await fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return { value, times };
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function pairKey(dataset: string, condition: string, a: string, b: string): string {
  return `${dataset}\u0000${condition}\u0000${a}\u0000${b}`;
}

// ---------------------------------------------------------------------------------------------
// Run

const load = await measure(LOAD_RUNS, () => loadDatasets(dataPath));
const { datasets, notes } = load.value;
const trials = datasets.reduce((sum, d) => sum + d.length, 0);

const timings: Timing[] = [
  {
    name: "load (loadDatasets)",
    median_ms: median(load.times),
    min_ms: Math.min(...load.times),
    runs: LOAD_RUNS,
    datasets: datasets.length,
    trials,
    pairs: null,
    skipped: null,
  },
];

let compared = 0;
const mismatches: string[] = [];

for (const [label, byCondition] of [
  ["conditions pooled", false],
  ["by condition", true],
] as const) {
  const options: PairOptions = byCondition ? { byCondition: true } : {};
  const fast = await measure(RUNS, () => datasets.map((d) => computePairs(d, options)));
  const base = await measure(RUNS, () => datasets.map((d) => baselinePairs(d, byCondition)));
  const fastPairs = fast.value.flatMap((r) => r.pairs);
  const basePairs = base.value.flatMap((r) => r.pairs);
  for (const [name, run, pairs, skipped] of [
    ["computePairs", fast, fastPairs.length, fast.value.reduce((s, r) => s + r.skipped.length, 0)],
    ["baseline, Map per pair", base, basePairs.length, base.value.reduce((s, r) => s + r.skipped, 0)],
  ] as const) {
    timings.push({
      name: `pairs, ${label} (${name})`,
      median_ms: median(run.times),
      min_ms: Math.min(...run.times),
      runs: RUNS,
      datasets: datasets.length,
      trials,
      pairs,
      skipped,
    });
  }

  // Same kappas (exactly) for the pairs both compute; and both should compute the same pairs.
  const baseline = new Map(basePairs.map((p) => [pairKey(p.dataset, p.condition, p.observer1, p.observer2), p]));
  const seen = new Set<string>();
  for (const p of fastPairs) {
    const key = pairKey(p.dataset, p.condition, p.observer1, p.observer2);
    seen.add(key);
    const other = baseline.get(key);
    const where = `${label}: ${p.dataset} / ${p.condition} / ${p.observer1} vs ${p.observer2}`;
    if (!other) {
      mismatches.push(`${where}: computed by computePairs only (kappa ${p.kappa})`);
      continue;
    }
    compared++;
    if (!Object.is(p.kappa, other.kappa)) {
      mismatches.push(`${where}: kappa ${p.kappa} (computePairs) vs ${other.kappa} (baseline)`);
    }
  }
  for (const [key, p] of baseline) {
    if (!seen.has(key)) {
      mismatches.push(
        `${label}: ${p.dataset} / ${p.condition} / ${p.observer1} vs ${p.observer2}: ` + `computed by the baseline only (kappa ${p.kappa})`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const meta = {
  kind: "meta",
  data: dataPath,
  datasets: datasets.length,
  trials,
  notes,
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? "unknown",
  runs: RUNS,
  load_runs: LOAD_RUNS,
  warmup: 1,
  date: new Date().toISOString(),
};
const check = { kind: "check", compared, mismatches: mismatches.length };

if (JSON_OUTPUT) {
  console.log(JSON.stringify(meta));
  console.log(JSON.stringify(check));
  for (const t of timings) {
    console.log(JSON.stringify({ kind: "timing", ...t, median_ms: round3(t.median_ms), min_ms: round3(t.min_ms) }));
  }
} else {
  const header = ["measurement", "median ms", "min ms", "runs", "datasets", "trials", "pairs", "skipped"];
  const rows = timings.map((t) => [
    t.name,
    t.median_ms.toFixed(1),
    t.min_ms.toFixed(1),
    String(t.runs),
    String(t.datasets),
    String(t.trials),
    t.pairs === null ? "-" : String(t.pairs),
    t.skipped === null ? "-" : String(t.skipped),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  console.log(`trialwise foundation benchmark`);
  console.log(`data:  ${dataPath}`);
  for (const note of notes) console.log(`note:  ${note}`);
  console.log(`node ${process.version}, ${meta.cpus} CPU(s), ${meta.cpu_model}`);
  console.log(`each timing: 1 warm-up, then ${RUNS} timed runs (loading: ${LOAD_RUNS})\n`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(
    `\ncheck: ${compared} kappas compared between computePairs and the baseline, ` +
      `${mismatches.length === 0 ? "all identical" : `${mismatches.length} mismatch(es)`}`,
  );
}

if (mismatches.length > 0) {
  for (const m of mismatches.slice(0, 20)) console.error(`mismatch: ${m}`);
  if (mismatches.length > 20) console.error(`... and ${mismatches.length - 20} more`);
  process.exit(1);
}
