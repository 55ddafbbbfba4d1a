// Issue 14, part 1: where conditions are pooled, a trial is never matched with a trial of another
// condition when conditions are real (some observer has trials under several), on the noise data
// and on small tables; the texture-shape quirk (humans "0", models "NaN", one condition each)
// stays pooled by stimulus; the same case through all four pair paths.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { type PairOptions, type PairRow, computePairs, pairTrialMatch } from "../../src/core/pairs.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { readPackedTrials } from "../../src/io/duckdb.ts";
import { closeKernelThreads } from "../../src/kernel/index.ts";
import { kernelPairs } from "../../src/kernel/pairs.ts";
import { datasetPayload, tableDataset } from "../../src/serve/datasets.ts";
import { type DashboardMismatch, decodeUnit, pairDetails, pairMatrix } from "../../src/web/dashboard/compute.ts";
import { pairMetrics } from "../../src/core/metrics.ts";
import { NO_SHARED_DATA, RAW_DATA } from "../helpers.ts";

after(() => closeKernelThreads());

const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");

async function contrast(): Promise<TrialTable> {
  return (await loadDatasets(CONTRAST)).datasets[0];
}

/** A table from [observer, condition, stimulus, correct] rows. */
function tableOf(name: string, rows: readonly (readonly [string, string, string, 0 | 1])[]): TrialTable {
  const builder = new TrialTableBuilder(name);
  rows.forEach(([observer, condition, stimulus, correct], k) =>
    builder.add({
      observer,
      condition,
      stimulus,
      truth: null,
      response: null,
      correct: correct === 1,
      missing: false,
      file: `${name}.csv`,
      line: k + 2,
    }),
  );
  return builder.build();
}

test(
  "noise data, conditions pooled: resnet50 vs subject-01 is matched within conditions (48 trials), not across them (326)",
  { skip: NO_SHARED_DATA },
  async () => {
    const table = await contrast();
    assert.equal(pairTrialMatch(table, false), "condition and stimulus");
    const result = computePairs(table, { observers: ["resnet50", "subject-01"], mismatch: "intersect" });
    assert.equal(result.pairs.length, 1);
    const [pair] = result.pairs;
    // Per condition (--by condition --intersect): c01 6, c03 7, c05 9, c10 4, c100 7, c15 4, c30 7, c50 4 trials;
    // both correct 1+1+4+4+7+4+7+1 = 29, resnet50 correct 2+1+5+4+7+4+7+3 = 33, subject-01 1+1+6+4+7+4+7+1 = 31.
    assert.deepEqual(
      [pair.condition, pair.n_trials, pair.n_both_correct, Math.round(pair.acc1 * 48), Math.round(pair.acc2 * 48)],
      ["all", 48, 29, 33, 31],
    );
    const perCondition = computePairs(table, { observers: ["resnet50", "subject-01"], mismatch: "intersect", byCondition: true }).pairs;
    assert.equal(
      perCondition.reduce((sum, p) => sum + p.n_trials, 0),
      48,
    );
    assert.deepEqual(pair, { ...pair, ...pairMetrics({ trials: 48, correct1: 33, correct2: 31, bothCorrect: 29 }) });
    assert.notEqual(pair.kappa?.toFixed(3), "0.164", "not the kappa of the 326 stimulus matches");
    // The report says how many matched within conditions and how many would have crossed them.
    assert.deepEqual(
      result.intersected.map((r) => [r.n_common, r.n_crossing_conditions, r.n_only_observer1, r.n_only_observer2]),
      [[48, 278, 8960 - 48, 1280 - 48]],
    );
    const identical = computePairs(table, { observers: ["resnet50", "subject-01"] });
    assert.deepEqual(identical.pairs, []);
    assert.deepEqual(
      identical.skipped.map((r) => [r.outcome, r.n_common, r.n_crossing_conditions]),
      [["skipped: stimulus sets differ", 48, 278]],
    );
  },
);

test(
  "noise data, conditions pooled: the model pair keeps all 8,960 trials (same images at the same conditions)",
  { skip: NO_SHARED_DATA },
  async () => {
    const table = await contrast();
    const [pair] = computePairs(table, { observers: ["cornet-s", "resnet50"] }).pairs;
    assert.equal(pair.n_trials, 8960);
    const perCondition = computePairs(table, { observers: ["cornet-s", "resnet50"], byCondition: true }).pairs;
    assert.equal(
      pair.n_both_correct,
      perCondition.reduce((sum, p) => sum + p.n_both_correct, 0),
    );
  },
);

test("a stimulus seen under two conditions by one observer: matched within each condition, no longer an error", () => {
  // The model saw s1 and s2 under both conditions, the person each once.
  const table = tableOf("two", [
    ["model", "x", "s1", 1],
    ["model", "y", "s1", 0],
    ["model", "x", "s2", 1],
    ["model", "y", "s2", 1],
    ["subject-01", "y", "s1", 0],
    ["subject-01", "x", "s2", 1],
  ]);
  assert.equal(pairTrialMatch(table, false), "condition and stimulus");
  const result = computePairs(table, { mismatch: "intersect" });
  // (y, s1): both wrong; (x, s2): both correct. Crossing would have paired (x, s1) or (y, s2) too.
  assert.deepEqual(
    result.pairs.map((p) => [p.n_trials, p.n_both_correct, p.n_both_wrong]),
    [[2, 1, 1]],
  );
  assert.deepEqual(
    result.intersected.map((r) => [r.n_common, r.n_crossing_conditions, r.n_only_observer1, r.n_only_observer2]),
    [[2, 0, 2, 0]],
  );
  const matrix = outcomeMatrix(table);
  assert.equal(matrix.stimuli.length, 4, "the model's four (condition, stimulus) trials");
  assert.deepEqual(matrix.observers, ["model"]);
  assert.deepEqual(
    matrix.excluded.map((e) => [e.observer, e.n_stimuli, e.n_common, e.n_missing]),
    [["subject-01", 2, 2, 2]],
  );
});

test("one condition per observer (the texture-shape quirk: humans 0, models NaN): pooled by stimulus, as published", () => {
  const table = tableOf("quirk", [
    ["subject-01", "0", "s1", 1],
    ["subject-01", "0", "s2", 0],
    ["subject-02", "0", "s1", 1],
    ["subject-02", "0", "s2", 1],
    ["alexnet", "NaN", "s1", 1],
    ["alexnet", "NaN", "s2", 0],
  ]);
  assert.equal(pairTrialMatch(table, false), "stimulus");
  assert.equal(pairTrialMatch(table, true), "stimulus");
  const result = computePairs(table);
  assert.deepEqual(
    result.pairs.map((p) => [p.observer1, p.observer2, p.n_trials]),
    [
      ["alexnet", "subject-01", 2],
      ["alexnet", "subject-02", 2],
      ["subject-01", "subject-02", 2],
    ],
  );
  assert.deepEqual(result.skipped, []);
});

test("the rule is the table's, not the chosen observers': a pair gives the same numbers whoever else is chosen", () => {
  const table = tableOf("choice", [
    ["a", "x", "s1", 1],
    ["a", "x", "s2", 0],
    ["b", "y", "s1", 1],
    ["b", "y", "s2", 0],
    ["c", "x", "s1", 1],
    ["c", "y", "s1", 0],
  ]);
  // c saw s1 under x and y: conditions are real, so a (x) and b (y) share no trial.
  assert.equal(pairTrialMatch(table, false), "condition and stimulus");
  const alone = computePairs(table, { observers: ["a", "b"], mismatch: "intersect" });
  assert.deepEqual(alone.pairs, []);
  assert.deepEqual(
    alone.skipped.map((r) => [r.outcome, r.n_common, r.n_crossing_conditions]),
    [["skipped: no common stimuli", 0, 2]],
  );
  assert.deepEqual(
    computePairs(table, { mismatch: "intersect" }).skipped.filter((r) => r.observer2 === "b" && r.observer1 === "a"),
    alone.skipped,
  );
});

/**
 * The pairs every path computes for one pooled table, as PairRows: the core, the kernel (all
 * groups counted by the kernel), the dashboard's worker and the DuckDB reader (long-format CSV;
 * it packs only the observers with the unit's stimulus set).
 */
async function fourPaths(table: TrialTable, options: PairOptions & { mismatch: DashboardMismatch }) {
  const core = computePairs(table, options);
  const kernel = await kernelPairs(table, { ...options, minPairTrials: 0, kernel: "ts" });
  const payload = datasetPayload(tableDataset("x", table, "test"));
  const unitPayload = payload.units.find((u) => u.condition === "all");
  assert.ok(unitPayload, "the dashboard has a pooled unit");
  const unit = decodeUnit(payload, unitPayload);
  const matrix = await pairMatrix(
    unit,
    unit.observers.map((_, i) => i),
    { mismatch: options.mismatch },
  );
  const dashboard: PairRow[] = [];
  for (let i = 0; i < matrix.size; i++) {
    for (let j = i + 1; j < matrix.size; j++) {
      const details = pairDetails(matrix, i, j);
      if (!details) continue;
      const { interval: _, ...metrics } = details;
      dashboard.push({ dataset: table.dataset, condition: "all", ...metrics });
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "trialwise-four-paths-"));
  try {
    const csv = join(dir, `${table.dataset}.csv`);
    const lines = ["observer,stimulus,condition,correct"];
    for (let t = 0; t < table.length; t++)
      lines.push(`${table.observer[t]},${table.stimulus[t]},${table.condition[t]},${table.correct[t]}`);
    await writeFile(csv, `${lines.join("\n")}\n`);
    const read = await readPackedTrials(csv, {
      dataset: table.dataset,
      columns: { observer: "observer", stimulus: "stimulus", condition: "condition", correct: "correct" },
    });
    assert.equal(read.units.length, 1);
    const [packedUnit] = read.units;
    const { packed } = packedUnit;
    const w = packed.wordsPerObserver;
    const duckdb: PairRow[] = [];
    for (let i = 0; i < packed.observers.length; i++) {
      for (let j = i + 1; j < packed.observers.length; j++) {
        let both = 0;
        for (let k = 0; k < w; k++) {
          let x = packed.bits[i * w + k] & packed.bits[j * w + k];
          for (; x; x &= x - 1) both++;
        }
        const [h1, h2] = [packed.observers[i], packed.observers[j]].map((o) => packedUnit.humans.has(o));
        duckdb.push({
          dataset: table.dataset,
          condition: packedUnit.condition,
          observer1: packed.observers[i],
          observer2: packed.observers[j],
          pair_type: h1 && h2 ? "human-human" : h1 || h2 ? "model-human" : "model-model",
          ...pairMetrics({ trials: packed.trials, correct1: packedUnit.correct[i], correct2: packedUnit.correct[j], bothCorrect: both }),
        });
      }
    }
    return { core, kernel, dashboard, duckdb, excluded: packedUnit.excluded };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("four pair paths, one small case: a trial is never matched across conditions, and all agree", async () => {
  // a and b saw s1..s4 under x and s1..s4 under y; c saw s1..s4 under x only, d saw them under y
  // for s1, s2 and x for s3, s4; matching by stimulus alone would pair every one of them.
  const rows: [string, string, string, 0 | 1][] = [];
  const outcome = (o: string, k: number) => ((o.charCodeAt(0) * 7 + k * 3) % 5 < 3 ? 1 : 0);
  for (const o of ["a", "b"])
    for (const c of ["x", "y"]) for (let s = 1; s <= 4; s++) rows.push([o, c, `s${s}`, outcome(o, s + (c === "y" ? 4 : 0))]);
  for (let s = 1; s <= 4; s++) rows.push(["c", "x", `s${s}`, outcome("c", s)]);
  for (let s = 1; s <= 4; s++) rows.push(["d", s <= 2 ? "y" : "x", `s${s}`, outcome("d", s)]);
  const table = tableOf("four", rows);
  for (const mismatch of ["identical", "intersect"] as const) {
    const { core, kernel, dashboard, duckdb, excluded } = await fourPaths(table, { mismatch });
    assert.deepEqual(kernel, core, `kernel, ${mismatch}`);
    assert.deepEqual(dashboard, core.pairs, `dashboard, ${mismatch}`);
    // DuckDB packs the unit's stimulus set (a's and b's 8 trials) and lists c and d.
    assert.deepEqual(
      duckdb,
      core.pairs.filter((p) => p.observer1 === "a" && p.observer2 === "b"),
      `duckdb, ${mismatch}`,
    );
    assert.deepEqual(
      excluded.map((e) => [e.observer, e.n_stimuli, e.n_common, e.n_missing]),
      [
        ["c", 4, 4, 4],
        ["d", 4, 4, 4],
      ],
    );
  }
  const { core } = await fourPaths(table, { mismatch: "intersect" });
  assert.deepEqual(
    core.pairs.map((p) => [p.observer1, p.observer2, p.n_trials]),
    [
      ["a", "b", 8],
      ["a", "c", 4],
      ["a", "d", 4],
      ["b", "c", 4],
      ["b", "d", 4],
      ["c", "d", 2],
    ],
  );
  assert.deepEqual(
    core.intersected.filter((r) => r.observer1 === "c").map((r) => [r.observer2, r.n_common, r.n_crossing_conditions]),
    [["d", 2, 2]],
  );
});

test("four pair paths on the noise data: resnet50 vs subject-01 on 48 trials everywhere", { skip: NO_SHARED_DATA }, async () => {
  const table = await contrast();
  const { core, kernel, dashboard, duckdb, excluded } = await fourPaths(table, { mismatch: "intersect" });
  assert.deepEqual(kernel, core);
  assert.deepEqual(dashboard, core.pairs);
  const pick = (rows: PairRow[], a: string, b: string) => rows.find((p) => p.observer1 === a && p.observer2 === b);
  assert.equal(pick(core.pairs, "resnet50", "subject-01")?.n_trials, 48);
  assert.equal(pick(dashboard, "resnet50", "subject-01")?.n_trials, 48);
  assert.deepEqual(duckdb, [pick(core.pairs, "cornet-s", "resnet50")]);
  assert.deepEqual(
    excluded.map((e) => [e.observer, e.n_stimuli]),
    [
      ["subject-01", 1280],
      ["subject-05", 1280],
      ["subject-06", 1280],
    ],
  );
  for (const e of excluded)
    assert.ok(e.n_common < 1280 / 4, `${e.observer}: ${e.n_common} trials in the models' (condition, stimulus) set`);
});
