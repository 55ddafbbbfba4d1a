// The dashboard's worker computes exactly what `trialwise pairs` and `summary` compute: every
// pair, bit for bit, on the published data (pooled, per condition, identical and intersect).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { groupKappaIntervals, modelKappaIntervals } from "../../../src/core/mean-intervals.ts";
import { outcomeMatrix } from "../../../src/core/outcome-matrix.ts";
import { computePairs } from "../../../src/core/pairs.ts";
import { summarizePairs } from "../../../src/core/summary.ts";
import type { TrialTable } from "../../../src/core/trials.ts";
import { loadDatasets } from "../../../src/io/datasets.ts";
import { datasetPayload, tableDataset } from "../../../src/serve/datasets.ts";
import { conditionCurves } from "../../../src/web/dashboard/condition-curves.ts";
import { compareConditions } from "../../../src/core/condition-order.ts";
import {
  type DashboardMismatch,
  decodeUnit,
  groupSummaries,
  heatmapOrder,
  modelRanking,
  pairDetails,
  pairMatrix,
} from "../../../src/web/dashboard/compute.ts";
import { NO_SHARED_DATA, RAW_DATA } from "../../helpers.ts";

async function table(name: string): Promise<TrialTable> {
  return (await loadDatasets(join(RAW_DATA, name))).datasets[0];
}

/** Compares every pair of the dashboard's matrix with computePairs' rows of the same unit. */
async function assertSameAsComputePairs(data: TrialTable, mismatch: DashboardMismatch) {
  const payload = datasetPayload(tableDataset("x", data, "test"));
  let compared = 0;
  for (const unitPayload of payload.units) {
    const unit = decodeUnit(payload, unitPayload);
    const matrix = await pairMatrix(
      unit,
      unit.observers.map((_, i) => i),
      { mismatch },
    );
    const byCondition = unit.condition !== "all";
    const expected = computePairs(data, { byCondition, mismatch }).pairs.filter((p) => p.condition === unit.condition);
    const shown = new Set<string>();
    for (let i = 0; i < matrix.size; i++) {
      for (let j = i + 1; j < matrix.size; j++) {
        const details = pairDetails(matrix, i, j);
        if (details) shown.add(`${details.observer1}|${details.observer2}`);
      }
    }
    assert.equal(shown.size, expected.length, `${unit.condition}: as many pairs as computePairs`);
    for (const row of expected) {
      const i = matrix.observers.indexOf(row.observer1);
      const j = matrix.observers.indexOf(row.observer2);
      const details = pairDetails(matrix, i, j)!;
      for (const key of [
        "n_trials",
        "n_both_correct",
        "n_both_wrong",
        "acc1",
        "acc2",
        "c_obs",
        "c_exp",
        "kappa",
        "kappa_min",
        "kappa_max",
        "pair_type",
      ] as const) {
        assert.ok(
          Object.is(details[key], row[key]),
          `${row.observer1} vs ${row.observer2} [${unit.condition}] ${key}: ${details[key]} vs ${row[key]}`,
        );
      }
      compared++;
    }
  }
  return compared;
}

test(
  "every pair of the cue-conflict data equals computePairs, and the ranking's means equal summary's",
  { skip: NO_SHARED_DATA },
  async () => {
    const data = await table("texture-shape_cue-conflict");
    assert.equal(await assertSameAsComputePairs(data, "identical"), (35 * 34) / 2);

    const payload = datasetPayload(tableDataset("x", data, "test"));
    assert.equal(payload.units.length, 1, "humans and models have different conditions: no per-condition units");
    assert.equal(payload.conditionCurves, false);
    const unit = decodeUnit(payload, payload.units[0]);
    const matrix = await pairMatrix(
      unit,
      unit.observers.map((_, i) => i),
      { mismatch: "identical" },
    );
    const resnet = matrix.observers.indexOf("resnet50");
    const cornet = matrix.observers.indexOf("cornet-s");
    const pair = pairDetails(matrix, cornet, resnet)!;
    // The README's example row of `trialwise pairs`.
    assert.equal(pair.n_trials, 1280);
    assert.equal(pair.n_both_correct, 175);
    assert.equal(pair.kappa!.toFixed(4), "0.7107");
    assert.ok(pair.interval.lower! < pair.kappa! && pair.kappa! < pair.interval.upper!);

    const { order, clustered } = heatmapOrder(matrix);
    assert.equal(clustered, true);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      matrix.observers.map((_, i) => i),
    );

    const summary = summarizePairs(computePairs(data).pairs, (o) => data.humans.has(o));
    const ranking = modelRanking(unit, matrix, 200);
    assert.equal(ranking.models.length, 25);
    assert.equal(ranking.replicates, 200);
    for (const model of ranking.models) {
      const row = summary.find((r) => r.kind === "model" && r.name === model.model)!;
      assert.ok(Object.is(model.mean, row.mean) && Object.is(model.ci95, row.ci95), model.model);
      assert.ok(model.boot_lower! <= model.mean! && model.mean! <= model.boot_upper!, `${model.model}: bootstrap interval around the mean`);
    }
    for (let k = 1; k < ranking.models.length; k++) assert.ok(ranking.models[k - 1].mean! >= ranking.models[k].mean!, "best first");
    // The kernel's bootstrap gives modelKappaIntervals' intervals exactly.
    const expected = modelKappaIntervals(outcomeMatrix(data), { replicates: 200, seed: 1 });
    for (const model of expected.models) {
      const shown = ranking.models.find((r) => r.model === model.model)!;
      assert.ok(
        Object.is(shown.boot_lower, model.lower) && Object.is(shown.boot_upper, model.upper),
        `${model.model}: [${shown.boot_lower}, ${shown.boot_upper}] vs [${model.lower}, ${model.upper}]`,
      );
    }

    const groups = groupSummaries(matrix, []);
    const hh = groups.find((g) => g.label === "humans – humans")!;
    const expectedHh = summary.find((r) => r.kind === "group" && r.name === "human-human")!;
    assert.ok(Object.is(hh.mean, expectedHh.mean) && hh.n_pairs === 45);
  },
);

test(
  "group means: the joint-bootstrap interval of trialwise summary (groupKappaIntervals, same seed and replicates), not a normal 1.96 interval",
  { skip: NO_SHARED_DATA },
  async () => {
    const data = await table("texture-shape_cue-conflict");
    const payload = datasetPayload(tableDataset("x", data, "test"));
    const unit = decodeUnit(payload, payload.units[0]);
    const matrix = await pairMatrix(
      unit,
      unit.observers.map((_, i) => i),
      { mismatch: "identical" },
    );
    const ranking = modelRanking(unit, matrix, 200);
    const expected = groupKappaIntervals(outcomeMatrix(data), { replicates: 200, seed: 1 }).groups;
    const labels = { "human-human": "humans – humans", "model-model": "models – models", "model-human": "humans – models" } as const;
    assert.equal(expected.length, 3);
    for (const group of expected) {
      for (const shown of [ranking.kinds, ranking.groups]) {
        const row = shown.find((g) => g.label === labels[group.group])!;
        assert.equal(row.n_pairs, group.n_pairs, group.group);
        assert.ok(Math.abs(row.mean! - group.mean) < 1e-12, `${group.group}: mean ${row.mean} vs ${group.mean}`);
        // Only the order of summation differs from the core's group means.
        assert.ok(Math.abs(row.boot_lower! - group.lower) < 1e-12, `${group.group}: lower ${row.boot_lower} vs ${group.lower}`);
        assert.ok(Math.abs(row.boot_upper! - group.upper) < 1e-12, `${group.group}: upper ${row.boot_upper} vs ${group.upper}`);
        // The normal half-width treats the 45 human-human pairs of 10 people as independent: narrower.
        if (group.group === "human-human") assert.ok(group.upper - group.lower > 2 * row.ci95!, "the bootstrap interval is the wider one");
      }
    }

    // A user group of two models: one pair, no normal interval (sd of one value), but a bootstrap interval.
    const mine = modelRanking(unit, matrix, 200, [{ name: "mine", members: ["resnet50", "cornet-s"] }]);
    const one = mine.groups.find((g) => g.label === "mine – mine")!;
    assert.equal(one.n_pairs, 1);
    assert.equal(one.ci95, null);
    assert.ok(one.boot_lower! < one.mean! && one.mean! < one.boot_upper!, `[${one.boot_lower}, ${one.boot_upper}] around ${one.mean}`);
    // The kinds are bootstrapped in the same run, whatever the user's groups.
    assert.deepEqual(mine.kinds, ranking.kinds);
  },
);

test("noise data: per-condition units, skipped and intersected pairs as computePairs has them", { skip: NO_SHARED_DATA }, async () => {
  const data = await table("noise-generalisation_contrast-png");
  assert.ok((await assertSameAsComputePairs(data, "identical")) > 0);
  assert.ok((await assertSameAsComputePairs(data, "intersect")) > 0);
  const payload = datasetPayload(tableDataset("x", data, "test"));
  assert.equal(payload.conditionCurves, true);
  assert.deepEqual(
    payload.units.map((u) => u.condition),
    ["all", ...payload.conditions],
  );
  const units = payload.units.slice(1).map((u) => decodeUnit(payload, u));
  const curves = await conditionCurves(units, ["resnet50", "cornet-s"], ["cornet-s", "resnet50"], "identical");
  const expected = computePairs(data, { byCondition: true })
    .pairs.filter((p) => p.observer1 === "cornet-s" && p.observer2 === "resnet50")
    .sort((a, b) => compareConditions(a.condition, b.condition));
  assert.deepEqual(
    curves.kappa.map((p) => p.n),
    expected.map((p) => p.n_trials),
  );
  assert.deepEqual(
    curves.kappa.map((p) => [p.condition, p.value]),
    expected.map((p) => [p.condition, p.kappa]),
  );
  assert.equal(curves.accuracy.length, 2 * payload.conditions.length);
});
