/**
 * The copy model (src/core/copy-model.ts): its cells, copy probability and latent accuracy by
 * hand, the fit of a table, the trial-level and multinomial simulations, the copy probability of
 * a table and its interval (Klein et al. 2025), and kappa from (accuracies, c).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  copyModelCells,
  copyProbability,
  copyProbabilityInterval,
  copyProbabilityOfCells,
  fitCopyModel,
  latentAccuracy,
  simulateCopyCounts,
  simulateCopyObservers,
} from "../../src/core/copy-model.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { kappaBounds, kappaFromCounts, pairMetrics } from "../../src/core/metrics.ts";
import { pairInterval } from "../../src/core/pair-intervals.ts";
import { close, countsOf } from "./pair-counts-fixtures.ts";

describe("copy model", () => {
  const settings = [
    { acc1: 0.7, acc2: 0.6, kappa: 0.3 },
    { acc1: 0.6, acc2: 0.7, kappa: 0.3 },
    { acc1: 0.5, acc2: 0.75, kappa: -0.2 },
    { acc1: 0.18, acc2: 0.69, kappa: 0.07 },
    { acc1: 0.9, acc2: 0.8, kappa: 0.4 },
    { acc1: 0.4, acc2: 0.4, kappa: 1 },
    { acc1: 0.3, acc2: 0.7, kappa: kappaBounds(0.3, 0.7).min as number }, // -0.42 / 0.58
    { acc1: 1, acc2: 0.6, kappa: 0 },
  ];

  test("the cells have the given accuracies as marginals and the given kappa", () => {
    const rng = new SeededRandom(17);
    const random = Array.from({ length: 500 }, () => {
      const acc1 = rng.uniform();
      const acc2 = rng.uniform();
      const { min, max } = kappaBounds(acc1, acc2);
      return { acc1, acc2, kappa: (min as number) + rng.uniform() * ((max as number) - (min as number)) };
    });
    // Including kappa exactly at its bounds.
    const bounds = [0.2, 0.55, 0.9].flatMap((acc1) =>
      [0.1, 0.55, 0.8].flatMap((acc2) => {
        const { min, max } = kappaBounds(acc1, acc2);
        return [
          { acc1, acc2, kappa: min as number },
          { acc1, acc2, kappa: max as number },
        ];
      }),
    );
    for (const params of [...settings, ...random, ...bounds]) {
      const [p11, p10, p01, p00] = copyModelCells(params);
      for (const p of [p11, p10, p01, p00]) assert.ok(p >= 0 && p <= 1);
      close(p11 + p10 + p01 + p00, 1, 1e-12);
      close(p11 + p10, params.acc1, 1e-12, "acc1");
      close(p11 + p01, params.acc2, 1e-12, "acc2");
      const cExp = params.acc1 * params.acc2 + (1 - params.acc1) * (1 - params.acc2);
      close((p11 + p00 - cExp) / (1 - cExp), params.kappa, 1e-9, `kappa of ${JSON.stringify(params)}`);
    }
  });

  test("c and u by hand; roles; validity checks", () => {
    // acc 0.7 / 0.6, kappa 0.3: c_exp = .42 + .12 = .54; c = .3 * .46 / (1 - .49 - .09) = .138 / .42.
    const c = copyProbability(0.7, 0.6, 0.3);
    close(c, 0.138 / 0.42, 1e-15);
    close(copyProbability(0.6, 0.7, 0.3), c, 0); // the more accurate leads, whatever the order
    close(latentAccuracy(0.7, 0.6, c), (0.6 - c * 0.7) / (1 - c), 1e-15);
    close(latentAccuracy(0.6, 0.7, c), (0.6 - c * 0.7) / (1 - c), 1e-15);
    // c < 0: |c| and 1 - a1 in place of c and a1. acc 0.75 / 0.5, kappa -0.2: c_exp = .5,
    // c = -.2 * .5 / (2 * .75 * .25) = -.1 / .375; u = (.5 - |c| .25) / (1 - |c|).
    const negative = copyProbability(0.5, 0.75, -0.2);
    close(negative, -0.1 / 0.375, 1e-15);
    close(latentAccuracy(0.5, 0.75, negative), (0.5 - (0.1 / 0.375) * 0.25) / (1 - 0.1 / 0.375), 1e-15);
    assert.equal(latentAccuracy(0.4, 0.4, 1), 0.4); // |c| = 1: u is irrelevant, reported as a2
    assert.throws(() => copyProbability(0.7, 0.6, 0.9), /outside the range/); // kappa_max is 0.857
    assert.throws(() => copyProbability(0.7, 0.6, -0.9), /outside the range/);
    assert.throws(() => copyProbability(1, 1, 0), /undefined/);
    assert.throws(() => copyProbability(1.2, 0.5, 0), RangeError);
    assert.throws(() => latentAccuracy(0.7, 0.6, 0.95), /outside \[0, 1\]/);
    assert.throws(() => latentAccuracy(0.7, 0.6, 1.5), RangeError);
  });

  test("fitCopyModel reproduces the observed table", () => {
    const rng = new SeededRandom(3);
    for (let i = 0; i < 300; i++) {
      const params = settings[i % settings.length];
      if (params.acc1 === 1) continue;
      const counts = simulateCopyCounts(rng, 20 + i, params);
      const metrics = pairMetrics(counts);
      if (metrics.kappa === null) continue;
      const fit = fitCopyModel(counts);
      assert.equal(fit.moreAccurate, metrics.acc2 > metrics.acc1 ? 2 : 1);
      const leader = fit.moreAccurate === 1 ? metrics.acc1 : metrics.acc2;
      const follower = fit.moreAccurate === 1 ? metrics.acc2 : metrics.acc1;
      // The fitted model's P(follower correct) is the follower's accuracy.
      const copied = fit.c >= 0 ? leader : 1 - leader;
      close(Math.abs(fit.c) * copied + (1 - Math.abs(fit.c)) * fit.latentAccuracy, follower, 1e-9);
      const cells = copyModelCells({ acc1: metrics.acc1, acc2: metrics.acc2, kappa: metrics.kappa });
      close(cells[0] * counts.trials, counts.bothCorrect, 1e-8);
    }
    assert.throws(() => fitCopyModel({ trials: 5, correct1: 5, correct2: 5, bothCorrect: 5 }), /undefined/);
  });

  test("trial-level simulation and the multinomial draw match the cell probabilities", () => {
    for (const params of [settings[1], settings[2]]) {
      const cells = copyModelCells(params);
      const n = 200_000;
      const { first, second } = simulateCopyObservers(new SeededRandom(8), n, params);
      const c = countsOf(first, second);
      const observed = [c.bothCorrect, c.correct1 - c.bothCorrect, c.correct2 - c.bothCorrect, n - c.correct1 - c.correct2 + c.bothCorrect];
      observed.forEach((x, j) => close(x / n, cells[j], 5 * Math.sqrt((cells[j] * (1 - cells[j])) / n), `trial-level cell ${j}`));
      // 20000 tables of 100 trials: mean cell counts within 5 standard errors of 100 p_j.
      const rng = new SeededRandom(9);
      const sums = [0, 0, 0, 0];
      const m = 20_000;
      for (let i = 0; i < m; i++) {
        const t = simulateCopyCounts(rng, 100, params);
        sums[0] += t.bothCorrect;
        sums[1] += t.correct1 - t.bothCorrect;
        sums[2] += t.correct2 - t.bothCorrect;
        sums[3] += 100 - t.correct1 - t.correct2 + t.bothCorrect;
      }
      sums.forEach((s, j) => close(s / m, 100 * cells[j], 5 * Math.sqrt((100 * cells[j] * (1 - cells[j])) / m), `table cell ${j}`));
    }
  });
});

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

describe("the copy model from (accuracies, c)", () => {
  test("kappaFromCopyProbability inverts copyProbability, and its cells have that kappa", async () => {
    const { copyProbability, kappaFromCopyProbability, copyModelCells } = await import("../../src/core/copy-model.ts");
    for (const [a1, a2, k] of [
      [0.7, 0.6, 0.3],
      [0.5, 0.75, -0.2],
      [0.9, 0.4, 0.05],
    ] as const) {
      const c = copyProbability(a1, a2, k);
      const back = kappaFromCopyProbability(a1, a2, c);
      assert.ok(Math.abs(back - k) < 1e-12, `${a1} ${a2} ${k}: ${back}`);
      const [p11, p10, p01] = copyModelCells({ acc1: a1, acc2: a2, kappa: back });
      assert.ok(Math.abs(p11 + p10 - a1) < 1e-12 && Math.abs(p11 + p01 - a2) < 1e-12);
    }
    assert.throws(() => kappaFromCopyProbability(0.7, 0.6, 1.5), /copy probability/);
  });
});
