/**
 * Coverage of the pair intervals (`trialwise ci --method ...`): experiments simulated from the
 * copy model (independent trials, seeded), a 95% interval from each, and the share of
 * intervals that contain the true kappa, per method, over a grid of trial counts, accuracies
 * and kappas; also the share of experiments with an empty cell of the 2x2 table and the
 * coverage inside them. Prints a Markdown table (the one in docs/uncertainty.md).
 *
 *   node --import tsx bench/interval-coverage.ts                     (the full grid, a few minutes)
 *   node --import tsx bench/interval-coverage.ts --experiments 500 --replicates 1000 --rows issue
 *
 * Flags: --experiments E (per row, default 2000), --replicates R (bootstrap replicates and
 * posterior draws per interval, default 2000), --seed S (default 1), --rows all|issue
 * (issue: only the two settings of issue 14). An experiment whose kappa is undefined (both
 * observers all correct or all wrong) has no interval and counts as not covering.
 */
import { parseArgs } from "node:util";
import { copyModelCells, simulateCopyCounts } from "../src/core/copy-model.ts";
import { SeededRandom, streamSeed } from "../src/core/math/random.ts";
import { type PairCounts, kappaBounds, pairCells } from "../src/core/metrics.ts";
import { type PairIntervalMethod, pairInterval } from "../src/core/pair-intervals.ts";

const { values } = parseArgs({
  options: {
    experiments: { type: "string", default: "2000" },
    replicates: { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    rows: { type: "string", default: "all" },
  },
});
const EXPERIMENTS = Number(values.experiments);
const REPLICATES = Number(values.replicates);
const SEED = Number(values.seed);
const METHODS: PairIntervalMethod[] = ["percentile", "bca", "analytic", "jeffreys"];
const LEVEL = 0.95;

interface Row {
  trials: number;
  acc1: number;
  acc2: number;
  kappa: number;
  label: string;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** The grid: n x accuracy pairs x kappas from the lower bound to 0.8 (those the accuracies allow; their upper bound where it is below 0.8). */
function grid(): Row[] {
  const rows: Row[] = [];
  const accuracyPairs: [number, number][] = [
    [0.5, 0.5],
    [0.7, 0.6],
    [0.9, 0.5],
    [0.9, 0.85],
    [0.95, 0.9],
  ];
  for (const trials of [40, 160, 1280]) {
    for (const [acc1, acc2] of accuracyPairs) {
      const { min, max } = kappaBounds(acc1, acc2) as { min: number; max: number };
      const kappas = [
        { kappa: min, label: "lower bound" },
        { kappa: min / 2, label: "half the lower bound" },
        { kappa: 0, label: "" },
        { kappa: 0.3, label: "" },
        { kappa: 0.8, label: "" },
        { kappa: max, label: "upper bound" },
      ].filter((k) => k.kappa <= max + 1e-12 && !(k.label === "upper bound" && max >= 0.8));
      for (const { kappa, label } of kappas) rows.push({ trials, acc1, acc2, kappa, label });
    }
  }
  return [...issueRows(), ...rows];
}

/** The two settings issue 14 reported. */
function issueRows(): Row[] {
  return [
    { trials: 160, acc1: 0.9, acc2: 0.85, kappa: 0, label: "issue 14" },
    { trials: 160, acc1: 0.9, acc2: 0.14, kappa: 0.02, label: "issue 14, edges-like" },
  ];
}

function hasEmptyCell(counts: PairCounts): boolean {
  return pairCells(counts).some((c) => c === 0);
}

interface Tally {
  covered: number;
  emptyCovered: number;
}

function simulateRow(row: Row, rowIndex: number): { tallies: Map<PairIntervalMethod, Tally>; empty: number } {
  const rng = new SeededRandom(streamSeed(SEED, rowIndex));
  const tallies = new Map(METHODS.map((m) => [m, { covered: 0, emptyCovered: 0 }]));
  let empty = 0;
  copyModelCells(row); // refuses impossible settings up front
  for (let e = 0; e < EXPERIMENTS; e++) {
    const counts = simulateCopyCounts(rng, row.trials, row);
    const isEmpty = hasEmptyCell(counts);
    if (isEmpty) empty++;
    for (const method of METHODS) {
      const interval = pairInterval(counts, {
        method,
        level: LEVEL,
        replicates: REPLICATES,
        seed: streamSeed(SEED + 1, rowIndex * EXPERIMENTS + e),
      });
      const covers =
        interval.lower !== null && interval.upper !== null && interval.lower <= row.kappa + 1e-12 && row.kappa - 1e-12 <= interval.upper;
      if (covers) {
        const tally = tallies.get(method)!;
        tally.covered++;
        if (isEmpty) tally.emptyCovered++;
      }
    }
  }
  return { tallies, empty };
}

const rows = values.rows === "issue" ? issueRows() : grid();
const percent = (x: number) => (100 * x).toFixed(1);
console.log(
  `Coverage of nominal ${LEVEL * 100}% pair intervals; ${EXPERIMENTS} copy-model experiments per row, ${REPLICATES} replicates/draws per interval, seed ${SEED}.`,
);
console.log(`Cells: coverage % over all experiments (in brackets: inside the experiments with an empty cell).\n`);
console.log(`| n | acc1 | acc2 | kappa | empty cell % | ${METHODS.join(" | ")} |`);
console.log(`|---|---|---|---|---|${METHODS.map(() => "---").join("|")}|`);
const start = performance.now();
const worst = new Map(METHODS.map((m) => [m, { low: 1, high: 0 }]));
rows.forEach((row, i) => {
  const { tallies, empty } = simulateRow(row, i);
  const cells = METHODS.map((m) => {
    const t = tallies.get(m)!;
    const share = t.covered / EXPERIMENTS;
    const w = worst.get(m)!;
    w.low = Math.min(w.low, share);
    w.high = Math.max(w.high, share);
    return empty > 0 ? `${percent(share)} (${percent(t.emptyCovered / empty)})` : percent(share);
  });
  const kappa = `${round(row.kappa)}${row.label ? ` (${row.label})` : ""}`;
  console.log(`| ${row.trials} | ${row.acc1} | ${row.acc2} | ${kappa} | ${percent(empty / EXPERIMENTS)} | ${cells.join(" | ")} |`);
});
console.log(
  `\nRange over the rows: ${METHODS.map((m) => `${m} ${percent(worst.get(m)!.low)} to ${percent(worst.get(m)!.high)}`).join("; ")}.`,
);
console.error(`${rows.length} rows in ${((performance.now() - start) / 1000).toFixed(0)} s`);
