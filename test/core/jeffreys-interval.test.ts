/**
 * The Jeffreys posterior interval of a pair's kappa (pairInterval method "jeffreys"): its
 * draws against an independent Dirichlet sampler, agreement with the large-sample interval at
 * large n, a table with an empty cell, and a small seeded coverage check under the copy model
 * (the full grid is bench/interval-coverage.ts, its table in docs/uncertainty.md).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { simulateCopyCounts } from "../../src/core/copy-model.ts";
import { percentileInterval } from "../../src/core/math/quantile.ts";
import { SeededRandom, streamSeed } from "../../src/core/math/random.ts";
import { betaDraw } from "../../src/core/math/samplers.ts";
import { type PairCounts, expectedConsistency, pairCells } from "../../src/core/metrics.ts";
import { PAIR_INTERVAL_DEFAULTS, type PairIntervalMethod, jeffreysKappas, pairInterval } from "../../src/core/pair-intervals.ts";

const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);

/**
 * Kappa draws from Dirichlet(n_j + 1/2) by stick-breaking with Beta draws (another
 * construction than jeffreysKappas' normalized Gammas): p11 ~ Beta(a11, a10 + a01 + a00), then
 * p10 / (1 - p11) ~ Beta(a10, a01 + a00), then p01 / (1 - p11 - p10) ~ Beta(a01, a00).
 */
function stickBreakingKappas(counts: PairCounts, draws: number, rng: SeededRandom): Float64Array {
  const [a11, a10, a01, a00] = pairCells(counts).map((c) => c + 0.5);
  const out = new Float64Array(draws);
  for (let r = 0; r < draws; r++) {
    const p11 = betaDraw(rng, a11, a10 + a01 + a00);
    const p10 = (1 - p11) * betaDraw(rng, a10, a01 + a00);
    const p01 = (1 - p11 - p10) * betaDraw(rng, a01, a00);
    const p00 = 1 - p11 - p10 - p01;
    const cExp = expectedConsistency(p11 + p10, p11 + p01);
    out[r] = (p11 + p00 - cExp) / (1 - cExp);
  }
  return out;
}

describe("Jeffreys posterior interval of a pair's kappa", () => {
  test("its draws follow the Dirichlet(n + 1/2) posterior (quantiles against a stick-breaking sampler)", () => {
    for (const counts of [
      { trials: 20, correct1: 15, correct2: 12, bothCorrect: 10 },
      { trials: 160, correct1: 144, correct2: 136, bothCorrect: 120 }, // both-wrong cell empty
    ]) {
      const ours = percentileInterval(jeffreysKappas(counts, 40_000, new SeededRandom(3)), 0.9);
      const other = percentileInterval(stickBreakingKappas(counts, 40_000, new SeededRandom(4)), 0.9);
      close(ours.lower, other.lower, 0.01, "5% quantile");
      close(ours.upper, other.upper, 0.01, "95% quantile");
    }
  });

  test("at 1280 trials it agrees with the large-sample interval to a few thousandths", () => {
    const counts = { trials: 1280, correct1: 233, correct2: 887, bothCorrect: 192 };
    const jeffreys = pairInterval(counts, { method: "jeffreys" });
    const analytic = pairInterval(counts, { method: "analytic" });
    close(jeffreys.lower!, analytic.lower!, 0.003, "lower");
    close(jeffreys.upper!, analytic.upper!, 0.003, "upper");
    assert.equal(jeffreys.replicates, 10_000);
    assert.equal(jeffreys.undefined_replicates, 0);
  });

  test("an empty both-wrong cell: the bootstrap cannot reach above kappa <= 0, the Jeffreys posterior can", () => {
    // .90/.85 accuracies, 160 trials, no trial both got wrong: kappa = (0.75 - 0.78) / 0.22.
    // Every resampled table keeps n00 = 0, so cov = -p10 p01 <= 0 and every replicate's kappa <= 0.
    const counts = { trials: 160, correct1: 144, correct2: 136, bothCorrect: 120 };
    const percentile = pairInterval(counts, { method: "percentile" });
    close(percentile.kappa!, -0.03 / 0.22, 1e-12, "kappa");
    assert.ok(percentile.upper! < -0.08, `percentile upper ${percentile.upper}`);
    const jeffreys = pairInterval(counts, { method: "jeffreys" });
    assert.ok(
      jeffreys.upper! > percentile.upper! + 0.05 && jeffreys.lower! < percentile.kappa!,
      `jeffreys [${jeffreys.lower}, ${jeffreys.upper}]`,
    );
    // .95/.90 accuracies, 40 trials, n00 = 0 (kappa -1/14): the analytic interval excludes
    // independence, the Jeffreys interval does not.
    const few = { trials: 40, correct1: 38, correct2: 36, bothCorrect: 34 };
    assert.ok(pairInterval(few, { method: "analytic" }).upper! < 0);
    const fewJeffreys = pairInterval(few, { method: "jeffreys" });
    assert.ok(fewJeffreys.lower! < -1 / 14 && fewJeffreys.upper! > 0.2, `jeffreys [${fewJeffreys.lower}, ${fewJeffreys.upper}]`);
  });

  test("it is pairInterval's default method", () => {
    const counts = { trials: 160, correct1: 144, correct2: 136, bothCorrect: 120 };
    assert.equal(PAIR_INTERVAL_DEFAULTS.method, "jeffreys");
    assert.deepEqual(pairInterval(counts, {}), pairInterval(counts, { method: "jeffreys" }));
  });

  test("seeded: the same seed gives the same interval; an undefined kappa gives none", () => {
    const counts = { trials: 50, correct1: 30, correct2: 20, bothCorrect: 15 };
    assert.deepEqual(pairInterval(counts, { method: "jeffreys", seed: 9 }), pairInterval(counts, { method: "jeffreys", seed: 9 }));
    assert.notDeepEqual(pairInterval(counts, { method: "jeffreys", seed: 9 }), pairInterval(counts, { method: "jeffreys", seed: 10 }));
    const none = pairInterval({ trials: 10, correct1: 10, correct2: 10, bothCorrect: 10 }, { method: "jeffreys" });
    assert.deepEqual([none.kappa, none.lower, none.upper, none.replicates], [null, null, null, 0]);
  });

  test("coverage under the copy model where cells are often empty: Jeffreys 93-97%, the percentile bootstrap below", (t) => {
    // The two settings of issue 14 (bench/interval-coverage.ts runs the whole grid).
    const experiments = 600;
    const tolerance = 2 * Math.sqrt((0.95 * 0.05) / experiments); // two Monte-Carlo SEs
    const coverage = (
      method: PairIntervalMethod,
      trials: number,
      params: { acc1: number; acc2: number; kappa: number },
      stream: number,
    ) => {
      const rng = new SeededRandom(streamSeed(1, stream));
      let covered = 0;
      for (let e = 0; e < experiments; e++) {
        const counts = simulateCopyCounts(rng, trials, params);
        const { lower, upper } = pairInterval(counts, { method, replicates: 1000, seed: e });
        if (lower !== null && upper !== null && lower <= params.kappa && params.kappa <= upper) covered++;
      }
      return covered / experiments;
    };
    const flat = { acc1: 0.9, acc2: 0.85, kappa: 0 };
    const edges = { acc1: 0.9, acc2: 0.14, kappa: 0.02 };
    const jeffreysFlat = coverage("jeffreys", 160, flat, 1);
    const jeffreysEdges = coverage("jeffreys", 160, edges, 2);
    const percentileFlat = coverage("percentile", 160, flat, 1);
    t.diagnostic(
      `coverage at .90/.85, kappa 0: jeffreys ${jeffreysFlat}, percentile ${percentileFlat}; at .90/.14, kappa .02: jeffreys ${jeffreysEdges}`,
    );
    for (const c of [jeffreysFlat, jeffreysEdges]) assert.ok(c >= 0.93 - tolerance && c <= 0.97 + tolerance, `coverage ${c}`);
    assert.ok(percentileFlat < 0.92, `percentile coverage ${percentileFlat}`);
  });
});
