/**
 * What Klein et al. (2025) offer beyond the pair intervals: the copy probability of a table and
 * its interval, intervals of the small-sample kappa, the accuracies a kappa allows, and trials
 * with an exact kappa.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allowedAccuracies } from "../../src/core/allowed-accuracies.ts";
import { copyProbabilityInterval, copyProbabilityOfCells, fitCopyModel, simulateCopyCounts } from "../../src/core/copy-model.ts";
import { trialsWithKappa } from "../../src/core/exact-kappa-trials.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { kappaBounds, kappaFromCounts, pairCells } from "../../src/core/metrics.ts";
import { pairInterval, unbiasedKappa, unbiasedKappaInterval } from "../../src/core/pair-intervals.ts";

const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);

describe("copy probability of a table", () => {
  test("hand-checked: (n11 n00 - n10 n01) / (K (n - K)), K the leader's correct count", () => {
    // 100 trials, cells 50, 10, 5, 35: K = 60 (observer 1), c = (50*35 - 10*5) / (60*40) = 1700/2400.
    close(copyProbabilityOfCells(50, 10, 5, 35), 1700 / 2400, 1e-15);
    // The same table with the observers swapped: the leader is observer 2, same c.
    close(copyProbabilityOfCells(50, 5, 10, 35), 1700 / 2400, 1e-15);
    // Proportions give the same value as counts.
    close(copyProbabilityOfCells(0.5, 0.1, 0.05, 0.35), 1700 / 2400, 1e-15);
    // Negative: never both correct. Leader 1 (K = 60), c = (0 - 60*30) / (60*40) = -0.75.
    close(copyProbabilityOfCells(0, 60, 30, 10), -0.75, 1e-15);
    assert.equal(copyProbabilityOfCells(10, 0, 5, 0), 0); // leader always correct: kappa 0, c 0
    assert.ok(Number.isNaN(copyProbabilityOfCells(10, 0, 0, 0))); // both always correct: undefined
  });

  test("agrees with fitCopyModel on random tables", () => {
    const rng = new SeededRandom(4);
    for (let i = 0; i < 500; i++) {
      const n = 5 + Math.floor(rng.uniform() * 200);
      const cells = [0, 0, 0, 0];
      for (let t = 0; t < n; t++) cells[Math.floor(rng.uniform() * rng.uniform() * 4)]++;
      const [n11, n10, n01] = cells;
      const counts = { trials: n, correct1: n11 + n10, correct2: n11 + n01, bothCorrect: n11 };
      if (Number.isNaN(kappaFromCounts(n, counts.correct1, counts.correct2, n11))) continue;
      close(copyProbabilityOfCells(cells[0], cells[1], cells[2], cells[3]), fitCopyModel(counts).c, 1e-12, JSON.stringify(cells));
    }
  });

  test("its interval: seeded, around the fitted c, narrower with more trials, null where kappa is undefined", () => {
    const counts = { trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 };
    const fit = fitCopyModel(counts).c;
    for (const method of ["percentile", "jeffreys"] as const) {
      const interval = copyProbabilityInterval(counts, { method, seed: 3 });
      assert.deepEqual(interval, copyProbabilityInterval(counts, { method, seed: 3 }));
      close(interval.c!, fit, 1e-15);
      assert.ok(interval.lower! < fit && fit < interval.upper!, `${method} [${interval.lower}, ${interval.upper}] around ${fit}`);
      const big = copyProbabilityInterval({ trials: 1600, correct1: 1120, correct2: 960, bothCorrect: 750 }, { method, seed: 3 });
      assert.ok(big.upper! - big.lower! < 0.45 * (interval.upper! - interval.lower!), method);
    }
    // The c interval is the kappa interval scaled by (1 - c_exp) / (2 a (1 - a)) at the observed
    // accuracies only roughly (the factor varies between replicates): check it is near.
    const k = pairInterval(counts, { method: "percentile", seed: 3 });
    const scale = fit / k.kappa!;
    const c = copyProbabilityInterval(counts, { method: "percentile", seed: 3 });
    close(c.lower!, k.lower! * scale, 0.03, "lower");
    close(c.upper!, k.upper! * scale, 0.03, "upper");
    const none = copyProbabilityInterval({ trials: 10, correct1: 10, correct2: 10, bothCorrect: 10 }, {});
    assert.deepEqual([none.c, none.lower, none.upper, none.replicates], [null, null, null, 0]);
    assert.throws(() => copyProbabilityInterval(counts, { method: "bca" as never }), /method/);
  });
});

describe("interval of the small-sample kappa", () => {
  test("the ends of kappa's interval, transformed", () => {
    const counts = { trials: 40, correct1: 30, correct2: 26, bothCorrect: 22 };
    const k = pairInterval(counts, { method: "jeffreys" });
    const u = unbiasedKappaInterval(k, 40);
    close(u.lower!, (40 * k.lower!) / (39 + k.lower!), 1e-15);
    close(u.upper!, unbiasedKappa(k.upper!, 40), 1e-15);
    assert.ok(u.lower! < k.lower! && u.upper! > k.upper!, "pulled away from 0 (both ends positive here)");
    assert.deepEqual(unbiasedKappaInterval({ lower: null, upper: null }, 40), { lower: null, upper: null });
    close(unbiasedKappaInterval({ lower: -0.5, upper: 0 }, 10).lower!, -5 / 8.5, 1e-15);
  });
});

describe("accuracies a kappa allows", () => {
  test("hand-checked ends", () => {
    // a1 = 0.5, kappa 0.5: kappa_max = 2 a2 (1 - a1) / (a1 + a2 - 2 a1 a2) = a2 / 0.5 ... for a2 <= 0.5:
    // 2 a2 0.5 / 0.5 = 2 a2 = 0.5 at a2 = 0.25; symmetric above: 2 (0.5)(1 - a2) / 0.5 = 0.5 at a2 = 0.75.
    const half = allowedAccuracies(0.5, 0.5)!;
    close(half.min, 0.25, 1e-15);
    close(half.max, 0.75, 1e-15);
    // a1 = 0.5, kappa -0.5: kappa_min = -2 a1 a2 / 0.5 = -2 a2 (a2 <= 0.5) reaches -0.5 at 0.25; symmetric: 0.75.
    const negative = allowedAccuracies(0.5, -0.5)!;
    close(negative.min, 0.25, 1e-15);
    close(negative.max, 0.75, 1e-15);
    assert.deepEqual(allowedAccuracies(0.7, 1), { min: 0.7, max: 0.7 });
    assert.deepEqual(allowedAccuracies(0.7, 0), { min: 0, max: 1 });
    assert.equal(allowedAccuracies(0.7, -1), null); // only two .5 observers can never agree
    assert.deepEqual(allowedAccuracies(0.5, -1), { min: 0.5, max: 0.5 });
    assert.equal(allowedAccuracies(1, 0.2), null);
    assert.deepEqual(allowedAccuracies(1, 0), { min: 0, max: 1 });
    assert.throws(() => allowedAccuracies(0.5, 1.5), /kappa/);
    assert.throws(() => allowedAccuracies(-0.1, 0.5), /accuracy/);
  });

  test("at the ends kappa is on a bound; inside it is allowed, outside not (random a1, kappa of both signs)", () => {
    const rng = new SeededRandom(8);
    const allows = (a1: number, a2: number, k: number) => {
      const { min, max } = kappaBounds(a1, a2);
      return min !== null && max !== null && k >= min - 1e-9 && k <= max + 1e-9;
    };
    for (let i = 0; i < 2000; i++) {
      const a1 = 0.01 + 0.98 * rng.uniform();
      const k = 2 * rng.uniform() - 1;
      const range = allowedAccuracies(a1, k);
      if (range === null) {
        for (let a2 = 0.005; a2 < 1; a2 += 0.01) assert.ok(!allows(a1, a2, k), `a1 ${a1}, kappa ${k}: none, but ${a2} allows it`);
        continue;
      }
      for (const end of [range.min, range.max]) {
        if (end <= 0 || end >= 1) continue;
        const { min, max } = kappaBounds(a1, end) as { min: number; max: number };
        assert.ok(Math.min(Math.abs(min - k), Math.abs(max - k)) < 1e-9, `a1 ${a1}, kappa ${k}: end ${end} has bounds [${min}, ${max}]`);
      }
      const step = 1e-6;
      assert.ok(allows(a1, (range.min + range.max) / 2, k), `a1 ${a1}, kappa ${k}: middle of [${range.min}, ${range.max}]`);
      if (range.min - step > 0) assert.ok(!allows(a1, range.min - step, k), `a1 ${a1}, kappa ${k}: below ${range.min}`);
      if (range.max + step < 1) assert.ok(!allows(a1, range.max + step, k), `a1 ${a1}, kappa ${k}: above ${range.max}`);
    }
  });
});

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
