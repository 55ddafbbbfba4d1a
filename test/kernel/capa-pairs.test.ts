import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { metricPairs } from "../../src/core/metric-pairs.ts";
import { ProbabilityTableBuilder, type ProbabilityTable } from "../../src/core/probability-table.ts";
import { closeCapaThreads, capaWasmAvailable } from "../../src/kernel/capa-kernel.ts";
import { CAPA_KERNEL_MIN_PAIR_VALUES, CAPA_SUM_RELATIVE_TOLERANCE, capaKernelPairs, capaKernelPlan } from "../../src/kernel/capa-pairs.ts";
import { readProbabilityTable } from "../../src/io/scores.ts";
import { cli, csvObjects, seededRandom } from "../helpers.ts";

after(() => closeCapaThreads());

/**
 * A random table: `models` models with probability vectors and `people` people with one answer
 * (subject-*: human) on `items` items per unit (2 to 10 options each), in units c1 and c2.
 * `dropItem`: model m0 does not see the first item of c2.
 */
function randomTable(seed: number, models: number, people: number, items: number, dropItem = false): ProbabilityTable {
  const next = seededRandom(seed);
  const builder = new ProbabilityTableBuilder("random", (o) => o.startsWith("subject"));
  for (const unit of ["c2", "c1"]) {
    for (let q = 0; q < items; q++) {
      const options = Array.from({ length: 2 + Math.floor(next() * 9) }, (_, k) => `o${k}`);
      const item = builder.item({ unit, key: `q${q}`, options, truth: options[Math.floor(next() * options.length)] }, {});
      for (let m = 0; m < models; m++) {
        if (dropItem && m === 0 && unit === "c2" && q === 0) continue;
        const raw = options.map(() => next() ** 4);
        const sum = raw.reduce((s, v) => s + v, 0);
        builder.probabilities(
          `m${m}`,
          item,
          raw.map((v) => v / sum),
          {},
        );
      }
      for (let p = 0; p < people; p++) builder.answer(`subject-${p}`, item, options[Math.floor(next() * options.length)], {});
    }
  }
  return builder.build();
}

const kernels = capaWasmAvailable() ? (["wasm", "ts"] as const) : (["ts"] as const);

describe("CAPA pairs on the kernel", () => {
  for (const metric of ["capa", "capa-discrete"] as const) {
    for (const kernel of kernels) {
      for (const threads of [1, 2]) {
        test(`${metric}, ${kernel}, ${threads} thread(s): the reference's rows in its order; c_obs_p and kappa_p to float32 rounding, the rest identical`, async () => {
          const table = randomTable(threads * 31 + metric.length, 23, 4, 37);
          const reference = metricPairs(table, { metric });
          const fast = await capaKernelPairs(table, { metric, kernel, threads, minPairValues: 0 });
          assert.ok(fast);
          assert.deepEqual(fast.skipped, []);
          assert.deepEqual(fast.intersected, []);
          assert.equal(fast.rows.length, reference.rows.length);
          assert.equal(reference.rows.length, 2 * ((27 * 26) / 2));
          fast.rows.forEach((row, r) => {
            const expected = reference.rows[r];
            assert.deepEqual(Object.keys(row), Object.keys(expected));
            for (const key of [
              "dataset",
              "condition",
              "observer1",
              "observer2",
              "pair_type",
              "n_trials",
              "acc1",
              "acc2",
              "p_hat1",
              "p_hat2",
              "c_exp_p",
            ])
              assert.equal(row[key], expected[key], `row ${r} ${key}`);
            const cObs = expected.c_obs_p as number;
            const cExp = expected.c_exp_p as number;
            const error = Math.abs((row.c_obs_p as number) - cObs);
            assert.ok(error <= CAPA_SUM_RELATIVE_TOLERANCE * cObs, `row ${r}: c_obs_p ${row.c_obs_p} against ${cObs}`);
            // kappa_p = (c_obs - c_exp) / (1 - c_exp): the c_obs error divided by 1 - c_exp (plus float64 rounding).
            assert.ok(
              Math.abs((row.kappa_p as number) - (expected.kappa_p as number)) <= error / (1 - cExp) + 1e-12,
              `row ${r}: kappa_p ${row.kappa_p} against ${expected.kappa_p}`,
            );
          });
        });
      }
    }
  }

  test("--observers: only pairs among them, as the reference", async () => {
    const table = randomTable(5, 8, 2, 11);
    const observers = ["m1", "m3", "subject-1", "m7"];
    const reference = metricPairs(table, { metric: "capa", observers });
    const fast = await capaKernelPairs(table, { metric: "capa", observers, minPairValues: 0 });
    assert.deepEqual(
      fast!.rows.map((r) => [r.condition, r.observer1, r.observer2]),
      reference.rows.map((r) => [r.condition, r.observer1, r.observer2]),
    );
  });

  test("item sets that differ in a unit: the kernel declines (the reference's mismatch policies apply)", async () => {
    const table = randomTable(9, 6, 0, 10, true);
    assert.equal(capaKernelPlan(table, { minPairValues: 0 }), undefined);
    assert.equal(await capaKernelPairs(table, { metric: "capa", minPairValues: 0 }), undefined);
    // Without m0, every unit is uniform again.
    const others = table.observers.map((o) => o.name).filter((o) => o !== "m0");
    assert.equal(capaKernelPlan(table, { minPairValues: 0, observers: others })?.length, 2);
  });

  test(`the threshold: below ${CAPA_KERNEL_MIN_PAIR_VALUES} pair-values the reference path, from it the kernel`, () => {
    const table = randomTable(2, 10, 0, 20);
    const plan = capaKernelPlan(table, { minPairValues: 0 })!;
    const work = plan.reduce((sum, unit) => sum + ((unit.observers.length * (unit.observers.length - 1)) / 2) * unit.width, 0);
    assert.ok(work > 0 && work < CAPA_KERNEL_MIN_PAIR_VALUES);
    assert.equal(capaKernelPlan(table, {}), undefined);
    assert.equal(capaKernelPlan(table, { minPairValues: work })?.length, 2);
    assert.equal(capaKernelPlan(table, { minPairValues: work + 1 }), undefined);
  });

  test("trialwise pairs --metric capa above the threshold: the kernel's rows, equal to the reference to float32 rounding", async () => {
    // 60 models x 1,000 items x 10 options: C(60, 2) x 10,000 = 17.7 million pair-values, above 2^24.
    const root = await mkdtemp(join(tmpdir(), "trialwise-capa-kernel-"));
    try {
      const next = seededRandom(17);
      const options = Array.from({ length: 10 }, (_, k) => `o${k}`);
      const lines = [["model", "item", "answer", ...options.map((o) => `p_${o}`)].join(",")];
      const truths = Array.from({ length: 1000 }, () => options[Math.floor(next() * 10)]);
      for (let m = 0; m < 60; m++) {
        for (let q = 0; q < 1000; q++) {
          const raw = options.map(() => next() ** 3);
          const sum = raw.reduce((s, v) => s + v, 0);
          lines.push([`m${String(m).padStart(2, "0")}`, `q${q}`, truths[q], ...raw.map((v) => (v / sum).toFixed(6))].join(","));
        }
      }
      const file = join(root, "probs.csv");
      await writeFile(file, lines.join("\n") + "\n");
      const flags = ["--prob-prefix", "p_", "--observer-col", "model", "--stimulus-col", "item", "--truth-col", "answer"];
      const run = await cli("pairs", file, "--metric", "capa", ...flags);
      assert.equal(run.code, 0, run.stderr);
      const rows = csvObjects(run.stdout);
      const table = await readProbabilityTable(file, {
        columns: { observer: "model", stimulus: "item", truth: "answer", prefix: "p_" },
        byCondition: false,
      });
      assert.ok(capaKernelPlan(table, {}), "the table is above the kernel's threshold");
      const reference = metricPairs(table, { metric: "capa" }).rows;
      assert.equal(rows.length, (60 * 59) / 2);
      let differing = 0;
      rows.forEach((row, r) => {
        const expected = reference[r];
        for (const key of ["observer1", "observer2", "n_trials", "acc1", "acc2", "p_hat1", "p_hat2", "c_exp_p"])
          assert.equal(row[key], String(expected[key]), `row ${r} ${key}`);
        const cObs = expected.c_obs_p as number;
        assert.ok(Math.abs(Number(row.c_obs_p) - cObs) <= CAPA_SUM_RELATIVE_TOLERANCE * cObs, `row ${r} c_obs_p`);
        if (Number(row.c_obs_p) !== cObs) differing++;
      });
      // The float32 kernel computed them (the float64 reference path would match to the last digit).
      assert.ok(differing > 0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
