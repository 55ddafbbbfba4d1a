// The paired A-vs-B test of two models' mean kappas with the humans (src/core/paired-test.ts):
// its level and power under a simulation with known population kappas, its symmetry, and
// agreement with compareModels' entry.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SeededRandom } from "../../src/core/math/random.ts";
import { compareModels } from "../../src/core/model-comparison.ts";
import { pairedModelTest } from "../../src/core/paired-test.ts";
import { HUMANS, type SimObserver, meanKappaWithHumans, near, simulate } from "./aggregate-fixtures.ts";

describe("paired test of model A against model B", () => {
  test("level: exchangeable models are rejected at most about 5% of the time", (t) => {
    // 400 simulated experiments (300 stimuli, 5 humans, two models generated the same way),
    // 200 replicates each (p >= 1/201, so p <= 0.05 is possible). Bound: 5% + 3 Monte-Carlo
    // standard errors, 0.05 + 3 sqrt(0.05 * 0.95 / 400) = 0.0827. (With 1500 experiments this
    // design rejected 5.9%; a pure swap-permutation test without resampling 6.1% there and 5.4%
    // in 3000 others; swapping once per stimulus for all its copies instead of per resampled
    // trial rejected 0.5%: far too conservative.)
    const rng = new SeededRandom(42);
    const experiments = 400;
    const model = (name: string): SimObserver => ({ name, c: 0.3, u: 0.5, human: false });
    let rejected = 0;
    for (let e = 0; e < experiments; e++) {
      const matrix = simulate(rng, 300, [...HUMANS, model("A"), model("B")]);
      if (pairedModelTest(matrix, "A", "B", { replicates: 200, seed: 1000 + e }).p <= 0.05) rejected++;
    }
    const rate = rejected / experiments;
    t.diagnostic(`rejection rate under the null: ${rate}`);
    const se = Math.sqrt((0.05 * 0.95) / experiments);
    assert.ok(rate <= 0.05 + 3 * se, `rate ${rate}`);
    // Nor far too conservative (the per-stimulus swap's 0.5% would fail here).
    assert.ok(rate >= 0.05 - 3 * se, `rate ${rate}`);
  });

  test("power: a model with clearly higher kappa with the humans is detected", (t) => {
    // Population mean kappa with the humans 0.300 (A) vs 0.095 (B).
    const A: SimObserver = { name: "A", c: 0.6, u: 0.5, human: false };
    const B: SimObserver = { name: "B", c: 0.2, u: 0.5, human: false };
    near(meanKappaWithHumans(A), 0.3, 0.001);
    near(meanKappaWithHumans(B), 0.095, 0.001);
    const rng = new SeededRandom(3);
    const experiments = 100;
    let rejected = 0;
    let positive = 0;
    for (let e = 0; e < experiments; e++) {
      const matrix = simulate(rng, 300, [...HUMANS, A, B]);
      const result = pairedModelTest(matrix, "A", "B", { replicates: 200, seed: e });
      if (result.p <= 0.05) rejected++;
      if (result.lower > 0) positive++;
    }
    t.diagnostic(`power ${rejected / experiments}; interval above 0 in ${positive / experiments}`);
    assert.ok(rejected / experiments >= 0.8, `power ${rejected / experiments}`);
    assert.ok(positive / experiments >= 0.8);
  });

  test("A minus B, the same as compareModels' entry; the smallest p is 1 / (R + 1)", () => {
    const matrix = simulate(new SeededRandom(9), 400, [
      ...HUMANS,
      { name: "good", c: 0.8, u: 0.5, human: false },
      { name: "bad", c: 0.0, u: 0.5, human: false },
    ]);
    const ab = pairedModelTest(matrix, "good", "bad", { replicates: 99, seed: 2 });
    const ba = pairedModelTest(matrix, "bad", "good", { replicates: 99, seed: 2 });
    assert.equal(ab.difference, ab.mean_a - ab.mean_b);
    assert.ok(ab.difference > 0.2);
    assert.equal(ab.p, 1 / 100);
    assert.equal(ba.difference, -ab.difference);
    assert.deepEqual([ba.lower, ba.upper], [-ab.upper, -ab.lower]);
    assert.equal(ba.p, ab.p);
    assert.throws(() => pairedModelTest(matrix, "good", "nobody"), /not in the outcome matrix/);
    assert.throws(() => pairedModelTest(matrix, "good", "subject-01"), /is a human/);
    const all = compareModels(matrix, { replicates: 99, seed: 2 });
    const row = all.comparisons[0];
    assert.deepEqual([row.model_a, row.model_b], ["good", "bad"]); // the matrix's order
    assert.deepEqual([row.difference, row.lower, row.upper, row.p], [ab.difference, ab.lower, ab.upper, ab.p]);
    assert.equal(row.p_a_greater, 1);
    assert.deepEqual(
      all.ranking.map((r) => [r.model, r.rank, r.rank_lower, r.rank_upper]),
      [
        ["good", 1, 1, 1],
        ["bad", 2, 2, 2],
      ],
    );
  });
});
