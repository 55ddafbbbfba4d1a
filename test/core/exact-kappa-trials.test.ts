// Trials with an exact kappa (src/core/exact-kappa-trials.ts): the table's kappa against the
// target, shuffled outcomes, negative kappa and the bounds, and the copy model's scatter.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { simulateCopyCounts } from "../../src/core/copy-model.ts";
import { trialsWithKappa } from "../../src/core/exact-kappa-trials.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { kappaFromCounts, pairCells } from "../../src/core/metrics.ts";
import { close } from "./pair-counts-fixtures.ts";

describe("trials with an exact kappa", () => {
  test("the table's kappa is the target where the trial count allows it, else the nearest possible", () => {
    // n 100, 70 and 60 correct: c_exp = 0.54, kappa(x) = ((100 - 130 + 2x)/100 - 0.54) / 0.46;
    // kappa 0.3 needs c_obs = 0.678, x = 48.9: the nearest is x = 49, kappa (0.68 - 0.54) / 0.46.
    const exact = trialsWithKappa(new SeededRandom(1), 100, { acc1: 0.7, acc2: 0.6, kappa: 0.3 });
    assert.deepEqual(exact.counts, { trials: 100, correct1: 70, correct2: 60, bothCorrect: 49 });
    close(exact.kappa, 0.14 / 0.46, 1e-12);
    // A target the trial count reaches exactly: kappa(x = 50) = (0.70 - 0.54) / 0.46.
    const reachable = trialsWithKappa(new SeededRandom(1), 100, { acc1: 0.7, acc2: 0.6, kappa: 0.16 / 0.46 });
    assert.equal(reachable.counts.bothCorrect, 50);
    close(reachable.kappa, 0.16 / 0.46, 1e-12);
    // The outcomes are the table, shuffled: recount them.
    let c1 = 0;
    let c2 = 0;
    let both = 0;
    for (let t = 0; t < 100; t++) {
      c1 += exact.first[t];
      c2 += exact.second[t];
      both += exact.first[t] & exact.second[t];
    }
    assert.deepEqual([c1, c2, both], [70, 60, 49]);
    assert.notDeepEqual([...exact.first.slice(0, 70)], new Array(70).fill(1), "shuffled, not sorted");
    assert.deepEqual(
      trialsWithKappa(new SeededRandom(5), 100, { acc1: 0.7, acc2: 0.6, kappa: 0.3 }).first,
      trialsWithKappa(new SeededRandom(5), 100, { acc1: 0.7, acc2: 0.6, kappa: 0.3 }).first,
    );
  });

  test("negative kappa, the bounds, and refusals", () => {
    const low = trialsWithKappa(new SeededRandom(2), 160, { acc1: 0.9, acc2: 0.85, kappa: -0.136 });
    assert.equal(pairCells(low.counts)[3], 0, "kappa_min of .9/.85: no trial both wrong");
    close(low.kappa, kappaFromCounts(160, 144, 136, 120), 1e-15);
    const top = trialsWithKappa(new SeededRandom(2), 50, { acc1: 0.6, acc2: 0.6, kappa: 1 });
    assert.equal(top.kappa, 1);
    assert.throws(() => trialsWithKappa(new SeededRandom(2), 50, { acc1: 0.9, acc2: 0.2, kappa: 0.9 }), /outside the range/);
    assert.throws(() => trialsWithKappa(new SeededRandom(2), 50, { acc1: 1, acc2: 1, kappa: 0 }), /undefined/);
    assert.throws(() => trialsWithKappa(new SeededRandom(2), 0, { acc1: 0.5, acc2: 0.5, kappa: 0 }), /trials/);
  });

  test("the copy model's tables scatter around the target; these hit it", () => {
    const rng = new SeededRandom(3);
    const params = { acc1: 0.7, acc2: 0.6, kappa: 0.3 };
    let spread = 0;
    for (let i = 0; i < 50; i++) {
      const c = simulateCopyCounts(rng, 1000, params);
      spread = Math.max(spread, Math.abs(kappaFromCounts(1000, c.correct1, c.correct2, c.bothCorrect) - 0.3));
      close(trialsWithKappa(rng, 1000, params).kappa, 0.3, 1 / (1000 * 0.46), "exact");
    }
    assert.ok(spread > 0.03, `copy-model spread ${spread}`);
  });
});
