import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BENCHMARK_DATASETS } from "../../src/benchmark/datasets.ts";
import { loadBenchmark } from "../../src/benchmark/load.ts";
import { type BenchmarkScores, scoreBenchmark } from "../../src/benchmark/score.ts";
import { prepareDataset } from "../../src/benchmark/trials.ts";
import { SHARED } from "../helpers.ts";
import { airplaneModel, copyModel, humanRows, oracleDataset, randomModel, readRows, writeModel } from "./built-models.ts";

const HUMANS = join(SHARED, "data/model-vs-human/raw-data");
const NO_HUMANS = existsSync(HUMANS) ? false : `model-vs-human human data not found at ${HUMANS}`;

/** Brain-Score's human ceilings of the Geirhos2021 error-consistency benchmarks, as its tests state them (5 decimals). */
const BRAIN_SCORE_CEILINGS: Record<string, number> = {
  colour: 0.41543,
  contrast: 0.43703,
  "cue-conflict": 0.33105,
  edge: 0.31844,
  eidolonI: 0.38634,
  eidolonII: 0.45402,
  eidolonIII: 0.45953,
  "false-colour": 0.44405,
  "high-pass": 0.44014,
  "low-pass": 0.46888,
  "phase-scrambling": 0.44667,
  "power-equalisation": 0.51063,
  rotation: 0.43851,
  silhouette: 0.47571,
  sketch: 0.36962,
  stylized: 0.50058,
  "uniform-noise": 0.43406,
};

async function score(
  modelPaths: string[],
  options: { replicates?: number; kappaRule?: "one" | "undefined" } = {},
): Promise<BenchmarkScores> {
  const loaded = await loadBenchmark(HUMANS, modelPaths, BENCHMARK_DATASETS);
  const models = [...new Set([...loaded.answers.values()].flatMap((a) => [...a.models.keys()]))].sort();
  const prepared = BENCHMARK_DATASETS.map((d) => prepareDataset(loaded.answers.get(d.name)!, models));
  return scoreBenchmark(prepared, { replicates: options.replicates ?? 0, kappaRule: options.kappaRule });
}

describe("model-vs-human benchmark on the published human data", { skip: NO_HUMANS }, () => {
  let dir: string;
  let scores: BenchmarkScores;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-benchmark-"));
    await writeModel(dir, HUMANS, "copy-half", copyModel(0.5), { seed: 11 });
    await writeModel(dir, HUMANS, "random", randomModel, { seed: 12 });
    await writeModel(dir, HUMANS, "always-airplane", airplaneModel, { seed: 13 });
    await writeModel(dir, HUMANS, "copy-all", copyModel(1), { seed: 14 });
    scores = await score([dir]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("Brain-Score's published human ceiling of each of the 17 datasets, and their mean 0.43122", () => {
    for (const d of scores.datasets) {
      assert.ok(
        Math.abs(d.human_ceiling - BRAIN_SCORE_CEILINGS[d.dataset]) <= 5e-6,
        `${d.dataset}: ${d.human_ceiling} vs ${BRAIN_SCORE_CEILINGS[d.dataset]}`,
      );
    }
    assert.equal(scores.datasets.length, 17);
    assert.ok(Math.abs(scores.humans.human_ceiling_mean - 0.43122) <= 5e-6);
  });

  test("every metric of the copying, random and always-airplane models and of the humans equals model-vs-human's computation, dataset by dataset", async () => {
    for (const dataset of BENCHMARK_DATASETS) {
      const humans = (await humanRows(HUMANS, dataset.name)).filter((r) => r.subj.startsWith("subject-"));
      const h = oracleDataset(dataset, humans, null, "one");
      const row = scores.datasets.find((d) => d.dataset === dataset.name)!.humans_row;
      close(row.ood_accuracy, h.ood, `${dataset.name} humans ood`);
      close(row.accuracy_difference, h.accDiff, `${dataset.name} humans acc diff`);
      close(row.observed_consistency, h.cObs, `${dataset.name} humans c_obs`);
      close(row.error_consistency, h.kappa, `${dataset.name} humans kappa`);
      for (const model of ["copy-half", "random", "always-airplane", "copy-all"]) {
        const rows = await readRows(join(dir, `${dataset.name}_${model}_session-1.csv`));
        const o = oracleDataset(dataset, humans, rows, "one");
        const m = scores.datasets.find((d) => d.dataset === dataset.name)!.models[model];
        close(m.ood_accuracy, o.ood, `${dataset.name} ${model} ood`);
        close(m.accuracy_difference, o.accDiff, `${dataset.name} ${model} acc diff`);
        close(m.observed_consistency, o.cObs, `${dataset.name} ${model} c_obs`);
        close(m.error_consistency, o.kappa, `${dataset.name} ${model} kappa`);
        close(m.brain_score_raw, Math.abs(o.kappaNoRule), `${dataset.name} ${model} brain-score raw`);
        close(m.brain_score_signed, o.kappaNoRule, `${dataset.name} ${model} signed`);
        const ceiled = Math.abs(o.kappaNoRule) / h.kappaNoRule;
        close(m.brain_score_ceiled, Math.min(1, ceiled), `${dataset.name} ${model} ceiled`);
      }
    }
  });

  test("hand facts: always-airplane is right on airplanes only (1/16 of balanced data); copying one person beats the people's own consistency, and Brain-Score clips it to 1", () => {
    const airplane = scores.models["always-airplane"];
    // Every dataset holds each category equally often, so 1/16 correct everywhere.
    for (const d of scores.datasets) close(d.models["always-airplane"].ood_accuracy, 1 / 16, d.dataset);
    close(airplane.ood_accuracy, 1 / 16, "overall");
    // copy-all copies the first person's answers: kappa 1 with that person, so above the people's mean.
    for (const d of scores.datasets) {
      const m = d.models["copy-all"];
      assert.ok(m.error_consistency > d.humans_row.error_consistency, d.dataset);
      assert.ok(
        m.brain_score_ceiled === 1 && m.brain_score_ceiled_signed > 1,
        `${d.dataset}: Brain-Score clips ${m.brain_score_ceiled_signed} to 1`,
      );
    }
  });

  test("ranks: model-vs-human's mean of three ranks (accuracy difference ascending, consistencies descending), humans not ranked", () => {
    const names = Object.keys(scores.models);
    for (const name of names) {
      const m = scores.models[name];
      const rankBy = (value: (n: string) => number, ascending: boolean) =>
        1 + names.filter((o) => (ascending ? value(o) < value(name) : value(o) > value(name))).length;
      close(
        m.ranks.accuracy_difference,
        rankBy((n) => scores.models[n].accuracy_difference, true),
        `${name} acc rank`,
      );
      close(
        m.ranks.error_consistency,
        rankBy((n) => scores.models[n].error_consistency, false),
        `${name} err rank`,
      );
      close(
        m.ranks.observed_consistency,
        rankBy((n) => scores.models[n].observed_consistency, false),
        `${name} obs rank`,
      );
      close(m.mean_rank, (m.ranks.accuracy_difference + m.ranks.error_consistency + m.ranks.observed_consistency) / 3, `${name} mean rank`);
    }
    assert.equal(scores.leaderboard[0], "copy-all");
    assert.deepEqual(new Set(scores.leaderboard), new Set(names));
  });

  test("benchmark values are the means over the 17 datasets", () => {
    for (const name of Object.keys(scores.models)) {
      for (const metric of ["ood_accuracy", "accuracy_difference", "observed_consistency", "error_consistency"] as const) {
        close(scores.models[name][metric], scores.datasets.reduce((s, d) => s + d.models[name][metric], 0) / 17, `${name} ${metric}`);
      }
    }
  });
});

function close(actual: number, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}
