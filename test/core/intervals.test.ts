/**
 * Intervals, tests and the copy model: hand-checked values, coverage of the bootstrap
 * intervals under the copy model, the multinomial shortcut against explicit trial resampling,
 * false-positive rates of the independence tests, determinism.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  copyModelCells,
  copyProbability,
  fitCopyModel,
  latentAccuracy,
  simulateCopyCounts,
  simulateCopyObservers,
} from "../../src/core/copy-model.ts";
import { betaIndependenceTest, exactIndependenceTest } from "../../src/core/independence-tests.ts";
import { regularizedIncompleteBeta } from "../../src/core/math/beta.ts";
import { normalCdf, normalQuantile } from "../../src/core/math/normal.ts";
import { countNaN, percentileInterval } from "../../src/core/math/quantile.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { betaDraw, gammaDraw, multinomialCells, normalDraw } from "../../src/core/math/samplers.ts";
import { type PairCounts, checkPairCounts, kappaBounds, kappaFromCounts, pairMetrics } from "../../src/core/metrics.ts";
import {
  analyticInterval,
  bcaInterval,
  bootstrapKappas,
  jackknifeKappas,
  kappaAcceleration,
  kappaStandardError,
  pairInterval,
  unbiasedKappa,
} from "../../src/core/pair-intervals.ts";

const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);

/** The 2x2 table of two 0/1 outcome vectors. */
function countsOf(first: ArrayLike<number>, second: ArrayLike<number>): PairCounts {
  let correct1 = 0;
  let correct2 = 0;
  let bothCorrect = 0;
  for (let i = 0; i < first.length; i++) {
    correct1 += first[i];
    correct2 += second[i];
    bothCorrect += first[i] & second[i];
  }
  return { trials: first.length, correct1, correct2, bothCorrect };
}

const kappaOf = (c: PairCounts) => kappaFromCounts(c.trials, c.correct1, c.correct2, c.bothCorrect);

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

describe("normal distribution", () => {
  test("normalQuantile against known values (AS 241, relative 1e-15)", () => {
    // Reference values: SciPy's norm.ppf, agreeing with 50-digit mpmath.
    const cases: [number, number][] = [
      [0.975, 1.959963984540054],
      [0.025, -1.959963984540054],
      [0.5, 0],
      [0.95, 1.6448536269514722],
      [0.9, 1.2815515655446004],
      [0.75, 0.6744897501960817],
      [0.99, 2.3263478740408408],
      [0.001, -3.090232306167813],
      [1e-10, -6.361340902404056],
      [1e-20, -9.262340089798409],
      [1e-100, -21.273453560965322],
    ];
    for (const [p, z] of cases) close(normalQuantile(p), z, 1e-15 * Math.max(1, Math.abs(z)), `Φ^-1(${p})`);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(normalQuantile(1.5)) && Number.isNaN(normalQuantile(-0.1)) && Number.isNaN(normalQuantile(NaN)));
  });

  test("normalCdf against known values (relative 1e-14) and as the inverse of normalQuantile", () => {
    // Reference values: 50-digit mpmath ncdf.
    const cases: [number, number][] = [
      [0, 0.5],
      [1.959963984540054, 0.975],
      [-1, 0.15865525393145705],
      [1, 0.8413447460685429],
      [-2, 0.02275013194817921],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160525e-24],
      [0.3, 0.6179114221889527],
      [5, 0.9999997133484281],
    ];
    for (const [x, p] of cases) close(normalCdf(x), p, 1e-14 * p, `Φ(${x})`);
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    for (let p = 0.001; p < 1; p += 0.0137) close(normalCdf(normalQuantile(p)), p, 1e-15, `Φ(Φ^-1(${p}))`);
  });
});

describe("kappa from counts and the analytic interval", () => {
  test("kappaFromCounts is pairMetrics' kappa, bit for bit; NaN where undefined", () => {
    const rng = new SeededRandom(5);
    for (let i = 0; i < 2000; i++) {
      const trials = 1 + Math.floor(rng.uniform() * 300);
      const correct1 = rng.binomial(trials, rng.uniform());
      const correct2 = rng.binomial(trials, rng.uniform());
      const lo = Math.max(0, correct1 + correct2 - trials);
      const bothCorrect = lo + Math.floor(rng.uniform() * (Math.min(correct1, correct2) - lo + 1));
      const counts = { trials, correct1, correct2, bothCorrect };
      const expected = pairMetrics(counts).kappa;
      const actual = kappaOf(counts);
      if (expected === null) assert.ok(Number.isNaN(actual));
      else assert.equal(actual, expected);
    }
    assert.ok(Number.isNaN(kappaFromCounts(10, 10, 10, 10)));
    assert.throws(() => checkPairCounts({ trials: 10, correct1: 6, correct2: 6, bothCorrect: 1 }), RangeError);
  });

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

describe("exact test of independence (Fisher)", () => {
  test("tea tasting [[3,1],[1,3]]: one-sided p = 17/70, two-sided 34/70", () => {
    // n = 8, k1 = k2 = 4: P(X = x) = C(4,x) C(4,4-x) / C(8,4) = C(4,x)^2 / 70 = 1, 16, 36, 16, 1 (/70).
    // Observed x = 3: P(X >= 3) = 17/70, P(X <= 3) = 69/70, two-sided {x: P <= 16/70} = 34/70.
    const r = exactIndependenceTest({ trials: 8, correct1: 4, correct2: 4, bothCorrect: 3 });
    close(r.p_greater, 17 / 70, 1e-13);
    close(r.p_less, 69 / 70, 1e-13);
    close(r.p_two_sided, 34 / 70, 1e-13);
  });

  test("a 6-trial table enumerated by hand", () => {
    // n = 6, k1 = 3, k2 = 2, both correct 2: P(X = x) = C(3,x) C(3,2-x) / C(6,2) = 3, 9, 3 (/15)
    // for x = 0, 1, 2. P(X >= 2) = 3/15, P(X <= 2) = 1, two-sided {x: P <= 3/15} = 6/15.
    const r = exactIndependenceTest({ trials: 6, correct1: 3, correct2: 2, bothCorrect: 2 });
    close(r.p_greater, 0.2, 1e-13);
    close(r.p_less, 1, 1e-13);
    close(r.p_two_sided, 0.4, 1e-13);
    // The other end: x = 0 has P(X <= 0) = 3/15 and P(X >= 0) = 1.
    const low = exactIndependenceTest({ trials: 6, correct1: 3, correct2: 2, bothCorrect: 0 });
    close(low.p_less, 0.2, 1e-13);
    close(low.p_greater, 1, 1e-13);
    // A degenerate margin: one point of support, every p is 1.
    assert.deepEqual(exactIndependenceTest({ trials: 6, correct1: 6, correct2: 2, bothCorrect: 2 }), {
      p_greater: 1,
      p_less: 1,
      p_two_sided: 1,
    });
  });

  test("larger tables agree with SciPy's fisher_exact", () => {
    // scipy.stats.fisher_exact([[b, k1 - b], [k2 - b, n - k1 - k2 + b]], alternative) (SciPy 1.17).
    const cases: [PairCounts, number, number, number][] = [
      [{ trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 }, 0.005258278546182444, 0.998185406632264, 0.008121937482435063],
      [{ trials: 1280, correct1: 226, correct2: 887, bothCorrect: 183 }, 1.053740065720911e-5, 0.9999951889102153, 1.6706411944595642e-5],
      [{ trials: 100, correct1: 50, correct2: 60, bothCorrect: 40 }, 4.154329353119574e-5, 0.999993675397855, 8.30865870623915e-5],
    ];
    for (const [counts, greater, less, two] of cases) {
      const r = exactIndependenceTest(counts);
      close(r.p_greater, greater, 1e-9 * greater);
      close(r.p_less, less, 1e-9 * less);
      close(r.p_two_sided, two, 1e-9 * two);
    }
  });
});

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

describe("bootstrap", () => {
  test("multinomialCells: sums to n, cell means n p_j; checks its input", () => {
    const rng = new SeededRandom(2);
    const p = [0.1, 0.45, 0, 0.3, 0.15];
    const sums = [0, 0, 0, 0, 0];
    const m = 20_000;
    for (let i = 0; i < m; i++) {
      const x = multinomialCells(rng, 50, p);
      assert.equal(
        x.reduce((a, b) => a + b, 0),
        50,
      );
      x.forEach((v, j) => (sums[j] += v));
    }
    sums.forEach((s, j) => close(s / m, 50 * p[j], 5 * Math.sqrt((50 * p[j] * (1 - p[j])) / m) + 1e-12));
    assert.equal(sums[2], 0);
    assert.deepEqual(multinomialCells(rng, 0, [0.5, 0.5]), [0, 0]);
    assert.throws(() => multinomialCells(rng, 10, [0.5, 0.6]), RangeError);
    assert.throws(() => multinomialCells(rng, 10, [-0.1, 1.1]), RangeError);
    assert.throws(() => multinomialCells(rng, 2.5, [1]), RangeError);
  });

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

  test("percentile interval: type-7 quantiles, NaNs left out", () => {
    const { lower, upper } = percentileInterval([5, NaN, 1, 4, 2, 3], 0.5); // quantiles 0.25, 0.75 of 1..5
    assert.equal(lower, 2);
    assert.equal(upper, 4);
    const wide = percentileInterval(
      Float64Array.from({ length: 101 }, (_, i) => i / 100),
      0.95,
    );
    close(wide.lower, 0.025, 1e-15);
    close(wide.upper, 0.975, 1e-15);
    assert.ok(Number.isNaN(percentileInterval([NaN], 0.95).lower));
    assert.throws(() => percentileInterval([1, 2], 1), RangeError);
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

describe("false-positive rates of the independence tests", () => {
  // Independent observers: the copy model with kappa = 0.
  const se = (p: number, m: number) => Math.sqrt((p * (1 - p)) / m);

  test("exact test: at most 5% + 3 SE at level 0.05, one- and two-sided, over 4000 independent pairs", (t) => {
    for (const [acc1, acc2, n] of [
      [0.7, 0.6, 160],
      [0.9, 0.8, 160],
      [0.7, 0.6, 1280],
    ]) {
      const m = 4000;
      const rng = new SeededRandom(40 + n);
      let greater = 0;
      let less = 0;
      let two = 0;
      for (let i = 0; i < m; i++) {
        const r = exactIndependenceTest(simulateCopyCounts(rng, n, { acc1, acc2, kappa: 0 }));
        if (r.p_greater <= 0.05) greater++;
        if (r.p_less <= 0.05) less++;
        if (r.p_two_sided <= 0.05) two++;
      }
      t.diagnostic(`acc ${acc1}/${acc2}, n ${n}: greater ${greater / m}, less ${less / m}, two-sided ${two / m}`);
      for (const hits of [greater, less, two]) assert.ok(hits / m <= 0.05 + 3 * se(0.05, m), `rate ${hits / m}`);
    }
  });

  test("Beta test: near-nominal (within 1 point of 5%, + 3 SE) over 2000 independent pairs", (t) => {
    // Measured with 20000 pairs x 1000 draws (and confirmed by an independent NumPy
    // simulation): 5.6% at acc 0.7/0.6, n = 160 and 5.2% at n = 1280 — slightly liberal, not
    // conservative: the null lets the accuracies vary (Beta posterior, then binomial) around the
    // observed ones.
    for (const [acc1, acc2, n] of [
      [0.7, 0.6, 160],
      [0.7, 0.6, 1280],
    ]) {
      const m = 2000;
      const rng = new SeededRandom(50 + n);
      let rejected = 0;
      for (let i = 0; i < m; i++) {
        const counts = simulateCopyCounts(rng, n, { acc1, acc2, kappa: 0 });
        if (betaIndependenceTest(counts, { draws: 1000, seed: i }).p <= 0.05) rejected++;
      }
      const rate = rejected / m;
      t.diagnostic(`acc ${acc1}/${acc2}, n ${n}: Beta test rejects ${rate}`);
      assert.ok(Math.abs(rate - 0.05) <= 0.01 + 3 * se(0.05, m), `rate ${rate}`);
    }
  });

  test("Beta test: the rule for observers all correct or all wrong, and power on a strong pair", () => {
    assert.deepEqual(betaIndependenceTest({ trials: 50, correct1: 50, correct2: 30, bothCorrect: 30 }), {
      p: 1,
      draws: 0,
      undefined_draws: 0,
    });
    assert.deepEqual(betaIndependenceTest({ trials: 50, correct1: 20, correct2: 0, bothCorrect: 0 }).p, 1);
    const strong = betaIndependenceTest({ trials: 160, correct1: 112, correct2: 96, bothCorrect: 75 }, { draws: 4000, seed: 2 });
    assert.equal(strong.draws, 4000);
    assert.ok(strong.p < 0.02, `p = ${strong.p}`); // Fisher two-sided: 0.008
  });
});

describe("samplers of the Beta null", () => {
  test("normal, Gamma and Beta draws: moments and, for Beta, a KS test against the exact CDF", () => {
    const rng = new SeededRandom(60);
    const m = 50_000;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const z = normalDraw(rng);
      s1 += z;
      s2 += z * z;
    }
    close(s1 / m, 0, 5 * Math.sqrt(1 / m));
    close(s2 / m, 1, 5 * Math.sqrt(2 / m));
    for (const shape of [0.5, 1, 3.5, 112]) {
      let g1 = 0;
      let g2 = 0;
      for (let i = 0; i < m; i++) {
        const g = gammaDraw(rng, shape);
        g1 += g;
        g2 += g * g;
      }
      const mean = g1 / m;
      close(mean, shape, 5 * Math.sqrt(shape / m), `Gamma(${shape}) mean`);
      close(g2 / m - mean * mean, shape, 6 * Math.sqrt((6 * shape + 2 * shape * shape) / m), `Gamma(${shape}) variance`);
    }
    for (const [a, b] of [
      [112, 48],
      [3, 157],
      [1, 1],
    ]) {
      const draws = Float64Array.from({ length: 5000 }, () => betaDraw(rng, a, b)).sort();
      let d = 0;
      draws.forEach((x, i) => {
        const f = regularizedIncompleteBeta(x, a, b);
        d = Math.max(d, Math.abs(f - i / draws.length), Math.abs(f - (i + 1) / draws.length));
      });
      // One-sample KS at alpha 0.001: 1.9495 / sqrt(m).
      assert.ok(d < 1.9495 / Math.sqrt(draws.length), `Beta(${a}, ${b}) KS D = ${d}`);
    }
  });
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
