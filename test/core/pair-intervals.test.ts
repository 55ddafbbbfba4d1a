/**
 * Intervals of a pair's kappa (src/core/pair-intervals.ts): hand-checked analytic values, the
 * small-sample kappa, the multinomial bootstrap shortcut against explicit trial resampling, the
 * jackknife and BCa, coverage of the bootstrap intervals under the copy model, determinism.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { simulateCopyCounts, simulateCopyObservers } from "../../src/core/copy-model.ts";
import { normalCdf, normalQuantile } from "../../src/core/math/normal.ts";
import { countNaN, percentileInterval } from "../../src/core/math/quantile.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { multinomialCells } from "../../src/core/math/samplers.ts";
import { kappaFromCounts, pairMetrics } from "../../src/core/metrics.ts";
import {
  analyticInterval,
  bcaInterval,
  bootstrapKappas,
  jackknifeKappas,
  kappaAcceleration,
  kappaStandardError,
  pairInterval,
  unbiasedKappa,
  unbiasedKappaInterval,
} from "../../src/core/pair-intervals.ts";
import { close, countsOf, kappaOf } from "./pair-counts-fixtures.ts";

/**
 * Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_a(x) - F_b(x)| over the empirical
 * CDFs, evaluated after each distinct value (so ties, frequent for kappa, are handled).
 */
function ksStatistic(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * Asymptotic critical value of the two-sample KS test at level alpha:
 * c(alpha) sqrt((n + m) / (n m)), c(alpha) = sqrt(-log(alpha / 2) / 2) (Smirnov's limit;
 * c(0.001) = 1.9495). For discrete distributions (kappa is) the test is conservative.
 */
function ksCritical(alpha: number, n: number, m: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

describe("the analytic interval and the small-sample kappa", () => {
  test("analytic standard error on a hand-computed table (Fleiss, Cohen & Everitt 1969)", () => {
    // n = 100: both correct 40, only observer 1 correct 10, only observer 2 correct 20, both wrong 30.
    // Proportions p_CC = .4, p_CW = .1, p_WC = .2, p_WW = .3; marginals p_C. = acc1 = .5,
    // p_.C = acc2 = .6. p_o = .7, p_e = .5 * .6 + .5 * .4 = .5, kappa = (.7 - .5) / .5 = .4, 1 - kappa = .6.
    // Diagonal: .4 [1 - (.5 + .6) .6]^2 + .3 [1 - (.5 + .4) .6]^2 = .4 * .1156 + .3 * .2116 = .10972.
    // Off-diagonal: .6^2 [.1 (.6 + .5)^2 + .2 (.4 + .5)^2] = .36 (.121 + .162) = .10188.
    // Last term: [.4 - .5 * .6]^2 = .01. Var = (.10972 + .10188 - .01) / (100 * .5^2) = .2016 / 25 = .008064.
    const counts = { trials: 100, correct1: 50, correct2: 60, bothCorrect: 40 };
    close(kappaOf(counts), 0.4, 1e-15);
    close(kappaStandardError(counts), Math.sqrt(0.008064), 1e-15, "SE");
    const { lower, upper, se } = analyticInterval(counts, 0.95);
    close(se, 0.0897997772825746, 1e-15);
    close(lower, 0.4 - 1.959963984540054 * se, 1e-15);
    close(upper, 0.4 + 1.959963984540054 * se, 1e-15);
  });

  test("the analytic variance is the delta-method variance of kappa over the multinomial cells", () => {
    // Var = (1/n) [sum_j p_j g_j^2 - (sum_j p_j g_j)^2], g = gradient of kappa(p11, p10, p01, p00)
    // by central differences.
    const kappaOfCells = (p: number[]) => {
      const a1 = p[0] + p[1];
      const a2 = p[0] + p[2];
      const pe = a1 * a2 + (1 - a1) * (1 - a2);
      return (p[0] + p[3] - pe) / (1 - pe);
    };
    for (const counts of [
      { trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 },
      { trials: 1280, correct1: 226, correct2: 887, bothCorrect: 183 },
      { trials: 50, correct1: 20, correct2: 35, bothCorrect: 9 },
    ]) {
      const n = counts.trials;
      const cells = [counts.bothCorrect, counts.correct1 - counts.bothCorrect, counts.correct2 - counts.bothCorrect, 0];
      cells[3] = n - cells[0] - cells[1] - cells[2];
      const p = cells.map((c) => c / n);
      const h = 1e-6;
      const g = p.map((_, j) => {
        const up = p.slice();
        const down = p.slice();
        up[j] += h;
        down[j] -= h;
        return (kappaOfCells(up) - kappaOfCells(down)) / (2 * h);
      });
      const m1 = p.reduce((s, pj, j) => s + pj * g[j], 0);
      const m2 = p.reduce((s, pj, j) => s + pj * g[j] * g[j], 0);
      close(kappaStandardError(counts), Math.sqrt((m2 - m1 * m1) / n), 1e-7, `SE of ${JSON.stringify(counts)}`);
    }
  });

  test("unbiasedKappa = n kappa / ((n - 1) + kappa)", () => {
    close(unbiasedKappa(0.5, 10), 5 / 9.5, 1e-15); // 0.526315...
    close(unbiasedKappa(0.3, 160), 48 / 159.3, 1e-15);
    assert.equal(unbiasedKappa(0, 50), 0);
    assert.equal(unbiasedKappa(1, 50), 1);
    close(unbiasedKappa(-0.2, 100), -20 / 98.8, 1e-15);
    assert.throws(() => unbiasedKappa(0.5, 1), RangeError);
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

describe("bootstrap", () => {
  test("bootstrapKappas is multinomialCells with the observed proportions, draw for draw", () => {
    const counts = { trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 };
    const fast = bootstrapKappas(counts, 500, new SeededRandom(4));
    const rng = new SeededRandom(4);
    const p = [75, 37, 21, 27].map((c) => c / 160);
    for (let r = 0; r < 500; r++) {
      const [n11, n10, n01] = multinomialCells(rng, 160, p);
      assert.equal(fast[r], kappaFromCounts(160, n11 + n10, n11 + n01, n11));
    }
  });

  test("the multinomial shortcut and explicit trial resampling agree in distribution (KS); wrong shortcuts are rejected", (t) => {
    const n = 160;
    const replicates = 5000;
    const { first, second } = simulateCopyObservers(new SeededRandom(21), n, { acc1: 0.7, acc2: 0.6, kappa: 0.3 });
    const counts = countsOf(first, second);
    const shortcut = bootstrapKappas(counts, replicates, new SeededRandom(22));
    // Explicit: resample n trial indices with replacement, both observers together.
    const rng = new SeededRandom(23);
    const explicit = new Float64Array(replicates);
    for (let r = 0; r < replicates; r++) {
      let k1 = 0;
      let k2 = 0;
      let both = 0;
      for (let j = 0; j < n; j++) {
        const i = Math.floor(rng.uniform() * n);
        k1 += first[i];
        k2 += second[i];
        both += first[i] & second[i];
      }
      explicit[r] = kappaFromCounts(n, k1, k2, both);
    }
    const critical = ksCritical(0.001, replicates, replicates); // 0.039
    const d = ksStatistic(shortcut, explicit);
    assert.ok(d < critical, `KS D = ${d} >= ${critical}: the shortcut differs from trial resampling`);

    // Wrong 1: conditional binomials without renormalizing (n10 ~ Bin(n - n11, p10) instead of
    // Bin(n - n11, p10 / (1 - p11))), a plausible bug.
    const [c11, c10, c01] = [counts.bothCorrect, counts.correct1 - counts.bothCorrect, counts.correct2 - counts.bothCorrect];
    const wrongRng = new SeededRandom(24);
    const unnormalized = new Float64Array(replicates);
    for (let r = 0; r < replicates; r++) {
      const n11 = wrongRng.binomial(n, c11 / n);
      const n10 = wrongRng.binomial(n - n11, c10 / n);
      const n01 = wrongRng.binomial(n - n11 - n10, c01 / n);
      unnormalized[r] = kappaFromCounts(n, n11 + n10, n11 + n01, n11);
    }
    const dWrong = ksStatistic(unnormalized, explicit);
    assert.ok(dWrong > critical, `KS D = ${dWrong} did not reject the unnormalized shortcut`);
    // Wrong 2: each observer's trials resampled on their own (independent indices for the two
    // observers): the pairing of their answers is lost.
    const independent = new Float64Array(replicates);
    for (let r = 0; r < replicates; r++) {
      const a = new Uint8Array(n);
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        a[j] = first[Math.floor(wrongRng.uniform() * n)];
        b[j] = second[Math.floor(wrongRng.uniform() * n)];
      }
      independent[r] = kappaOf(countsOf(a, b));
    }
    const dIndependent = ksStatistic(independent, explicit);
    t.diagnostic(`KS D: shortcut ${d}, unnormalized ${dWrong}, independent ${dIndependent}; critical ${critical}`);
    assert.ok(dIndependent > critical, `KS D = ${dIndependent} did not reject independent resampling`);
  });

  test("jackknife over trials: the four leave-one-out values are the brute-force ones", () => {
    const { first, second } = simulateCopyObservers(new SeededRandom(31), 60, { acc1: 0.7, acc2: 0.6, kappa: 0.3 });
    const counts = countsOf(first, second);
    const { values, weights } = jackknifeKappas(counts);
    const brute: number[] = [];
    for (let i = 0; i < 60; i++) {
      const a = [...first.slice(0, i), ...first.slice(i + 1)];
      const b = [...second.slice(0, i), ...second.slice(i + 1)];
      brute.push(kappaOf(countsOf(a, b)));
    }
    const mean = brute.reduce((s, v) => s + v, 0) / 60;
    let s2 = 0;
    let s3 = 0;
    for (const v of brute) {
      s2 += (mean - v) ** 2;
      s3 += (mean - v) ** 3;
    }
    close(kappaAcceleration(counts), s3 / (6 * s2 ** 1.5), 1e-12, "acceleration");
    const cellOf = (i: number) => (first[i] ? (second[i] ? 0 : 1) : second[i] ? 2 : 3);
    brute.forEach((v, i) => assert.equal(values[cellOf(i)], v));
    assert.equal(
      weights.reduce((a, b) => a + b, 0),
      60,
    );
  });

  test("BCa: bias correction and acceleration enter as in Efron's formula", () => {
    // Samples symmetric about the estimate k (kappa = 0.4 up to rounding): 1000 below, 1 tie,
    // 1000 above, so p0 = (1000 + 1/2) / 2001 = 1/2 and z0 = 0; alpha_1 = Φ(z_lo / (1 - a z_lo)),
    // and the type-7 quantile of these evenly spaced samples at alpha_1 is
    // k + (2000 alpha_1 - 1000) / 5000.
    const counts = { trials: 100, correct1: 50, correct2: 60, bothCorrect: 40 };
    const k = kappaOf(counts);
    const samples = Float64Array.from({ length: 2001 }, (_, i) => (i === 1000 ? k : k + (i - 1000) / 5000));
    const bca = bcaInterval(counts, samples, 0.9);
    close(bca.z0, 0, 1e-15);
    assert.equal(bca.acceleration, kappaAcceleration(counts));
    assert.ok(bca.acceleration !== 0);
    const zLo = normalQuantile(0.05);
    const alpha1 = normalCdf(zLo / (1 - bca.acceleration * zLo));
    close(bca.lower, k + (alpha1 * 2000 - 1000) / 5000, 1e-12);
    const zHi = normalQuantile(0.95);
    const alpha2 = normalCdf(zHi / (1 - bca.acceleration * zHi));
    close(bca.upper, k + (alpha2 * 2000 - 1000) / 5000, 1e-12);
    // All samples above the estimate: p0 is held at 1/(2B), z0 finite.
    const shifted = bcaInterval(
      counts,
      samples.map((x) => x + 1),
      0.9,
    );
    close(shifted.z0, normalQuantile(0.5 / 2001), 1e-15);
  });
});

describe("coverage of the bootstrap intervals under the copy model", () => {
  // 2000 simulated experiments per setting and n, 2000 bootstrap replicates each (the same
  // replicates give both intervals). Monte-Carlo SE of a coverage near 0.95: 0.0049, so
  // [0.93, 0.97] is about ±4 SE. With 10000 experiments (same design, other seeds) the
  // coverages were 0.945 to 0.951 for these settings (percentile and BCa, both n).
  const experiments = 2000;
  const replicates = 2000;
  const settings = [
    { acc1: 0.7, acc2: 0.6, kappa: 0.3 },
    { acc1: 0.5, acc2: 0.75, kappa: -0.2 }, // observer 2 leads, c < 0
  ];
  for (const params of settings) {
    for (const n of [160, 1280]) {
      test(`acc ${params.acc1}/${params.acc2}, kappa ${params.kappa}, n = ${n}: 95% percentile and BCa cover in 93-97%`, (t) => {
        const rng = new SeededRandom(1000 + n);
        let percentile = 0;
        let bca = 0;
        let undefinedReplicates = 0;
        for (let e = 0; e < experiments; e++) {
          const counts = simulateCopyCounts(rng, n, params);
          const samples = bootstrapKappas(counts, replicates, rng);
          undefinedReplicates += countNaN(samples);
          const p = percentileInterval(samples, 0.95);
          if (p.lower <= params.kappa && params.kappa <= p.upper) percentile++;
          const b = bcaInterval(counts, samples, 0.95);
          if (b.lower <= params.kappa && params.kappa <= b.upper) bca++;
        }
        t.diagnostic(
          `coverage: percentile ${percentile / experiments}, BCa ${bca / experiments} (${undefinedReplicates} undefined replicates)`,
        );
        for (const [name, hits] of [
          ["percentile", percentile],
          ["BCa", bca],
        ] as const) {
          const rate = hits / experiments;
          assert.ok(rate >= 0.93 && rate <= 0.97, `${name} coverage ${rate} outside [0.93, 0.97]`);
        }
      });
    }
  }
});

describe("pairInterval", () => {
  const counts = { trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 };

  test("same seed, same interval; different seed, different replicates", () => {
    for (const method of ["percentile", "bca"] as const) {
      const a = pairInterval(counts, { method, seed: 7, replicates: 2000 });
      const b = pairInterval(counts, { method, seed: 7, replicates: 2000 });
      assert.deepEqual(a, b);
      const c = pairInterval(counts, { method, seed: 8, replicates: 2000 });
      assert.notDeepEqual([c.lower, c.upper], [a.lower, a.upper]);
    }
    const r1 = bootstrapKappas(counts, 100, new SeededRandom(7));
    const r2 = bootstrapKappas(counts, 100, new SeededRandom(8));
    assert.deepEqual(r1, bootstrapKappas(counts, 100, new SeededRandom(7)));
    assert.notDeepEqual(r1, r2);
  });

  test("pinned values: the bootstrap is log-free, so these hold bit for bit on every engine", () => {
    assert.deepEqual(Array.from(bootstrapKappas(counts, 4, new SeededRandom(1))), PINNED_REPLICATES);
    const r = pairInterval(counts, { method: "percentile" });
    assert.deepEqual([r.lower, r.upper], PINNED_PERCENTILE);
  });

  test("result fields; analytic; undefined kappa; options checked", () => {
    const r = pairInterval(counts, { method: "bca", replicates: 3000, seed: 3, level: 0.9 });
    assert.equal(r.kappa, pairMetrics(counts).kappa);
    assert.equal(r.method, "bca");
    assert.equal(r.level, 0.9);
    assert.equal(r.n_trials, 160);
    assert.equal(r.replicates, 3000);
    assert.equal(r.undefined_replicates, 0);
    assert.ok((r.lower as number) < (r.kappa as number) && (r.kappa as number) < (r.upper as number));
    const analytic = pairInterval(counts, { method: "analytic" });
    const direct = analyticInterval(counts, 0.95);
    assert.deepEqual([analytic.lower, analytic.upper, analytic.replicates], [direct.lower, direct.upper, 0]);
    assert.deepEqual(pairInterval({ trials: 5, correct1: 5, correct2: 5, bothCorrect: 5 }, { method: "percentile" }), {
      kappa: null,
      lower: null,
      upper: null,
      method: "percentile",
      level: 0.95,
      n_trials: 5,
      replicates: 0,
      undefined_replicates: 0,
    });
    // Nearly every trial both correct: some replicates have all trials both correct (undefined).
    const edge = pairInterval({ trials: 20, correct1: 19, correct2: 19, bothCorrect: 18 }, { method: "percentile", replicates: 2000 });
    assert.ok(edge.undefined_replicates > 0, "expected undefined replicates");
    assert.throws(() => pairInterval(counts, { method: "percentile", level: 95 }), RangeError);
    assert.throws(() => pairInterval(counts, { method: "wald" as "analytic" }), RangeError);
    assert.throws(() => pairInterval(counts, { method: "bca", replicates: 0 }), RangeError);
  });
});

/** bootstrapKappas({160, 112, 96, 75}, 4, seed 1) and pairInterval percentile with the defaults (seed 1, 10000). */
const PINNED_REPLICATES = [0.22258892555922258, 0.25744308231173363, 0.19727891156462576, 0.2226148409893992];
const PINNED_PERCENTILE = [0.059318700422994836, 0.3633700678939023];
