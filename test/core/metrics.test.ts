import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SeededRandom } from "../../src/core/math/random.ts";
import {
  accuracy,
  checkPairCounts,
  expectedConsistency,
  kappa,
  kappaBounds,
  kappaFromCounts,
  kappaOrNaN,
  observedConsistency,
  observedConsistencyBounds,
  pairMetrics,
  undefinedAsNull,
} from "../../src/core/metrics.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { seededRandom } from "../helpers.ts";
import { kappaOf } from "./pair-counts-fixtures.ts";

const close = (actual: number | null, expected: number, tolerance = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

/** A table of two or more observers from 0/1 correctness strings over stimuli s0, s1, ... */
function tableOf(observers: Record<string, string>) {
  const builder = new TrialTableBuilder("hand");
  for (const [name, outcomes] of Object.entries(observers)) {
    [...outcomes].forEach((c, i) =>
      builder.add({
        observer: name,
        condition: "0",
        stimulus: `s${i}`,
        truth: "cat",
        response: c === "1" ? "cat" : "dog",
        correct: c === "1",
        missing: false,
        file: "hand.csv",
        line: i + 2,
      }),
    );
  }
  return builder.build();
}

/** Reference: kappa straight from the definition, trial by trial. */
function kappaByDefinition(a: boolean[], b: boolean[]): number {
  const n = a.length;
  const p1 = a.filter(Boolean).length / n;
  const p2 = b.filter(Boolean).length / n;
  const cObs = a.filter((x, i) => x === b[i]).length / n;
  const cExp = p1 * p2 + (1 - p1) * (1 - p2);
  return (cObs - cExp) / (1 - cExp);
}

describe("formulas, by hand", () => {
  test("accuracy, c_exp, c_obs and kappa for 10 trials (7 and 6 correct, 5 both)", () => {
    assert.equal(accuracy(7, 10), 0.7);
    close(expectedConsistency(0.7, 0.6), 0.54);
    assert.equal(observedConsistency(5, 2, 10), 0.7);
    close(kappa(0.7, 0.54), 0.16 / 0.46);
    const m = pairMetrics({ trials: 10, correct1: 7, correct2: 6, bothCorrect: 5 });
    assert.equal(m.n_both_wrong, 2);
    close(m.c_exp, 0.54);
    close(m.kappa, 0.3478260869565217);
    // c_obs max = min(.7,.6) + min(.3,.4) = .9; min = 1 - [min(.7,.4) + min(.3,.6)] = .3
    close(m.kappa_max, (0.9 - 0.54) / 0.46);
    close(m.kappa_min, (0.3 - 0.54) / 0.46);
  });

  test("perfect agreement gives kappa 1; perfect disagreement at 50% gives -1", () => {
    const same = computePairs(tableOf({ a: "1100110010", b: "1100110010" })).pairs[0];
    assert.equal(same.kappa, 1);
    assert.equal(same.c_obs, 1);
    const opposite = computePairs(tableOf({ a: "1111100000", b: "0000011111" })).pairs[0];
    assert.equal(opposite.c_obs, 0);
    assert.equal(opposite.c_exp, 0.5);
    assert.equal(opposite.kappa, -1);
    assert.equal(opposite.kappa_min, -1);
  });

  test("negative kappa: fewer joint errors than chance", () => {
    // a: 1110011100 (6), b: 0011101111 (7); both correct 3, both wrong 0.
    const p = computePairs(tableOf({ a: "1110011100", b: "0011101111" })).pairs[0];
    assert.equal(p.n_both_correct, 3);
    assert.equal(p.n_both_wrong, 0);
    close(p.c_obs, 0.3);
    close(p.c_exp, 0.6 * 0.7 + 0.4 * 0.3);
    close(p.kappa, (0.3 - 0.54) / 0.46);
    assert.ok(p.kappa! < 0);
  });

  test("undefined kappa when c_exp = 1 (both all correct or both all wrong); policy one gives 1", () => {
    for (const outcome of ["1111", "0000"]) {
      const result = computePairs(tableOf({ a: outcome, b: outcome }));
      assert.equal(result.pairs[0].c_exp, 1);
      assert.equal(result.pairs[0].kappa, null);
      assert.equal(result.pairs[0].kappa_min, null);
      assert.equal(result.undefinedKappa, 1);
      const one = computePairs(tableOf({ a: outcome, b: outcome }), { undefinedKappa: "one" });
      assert.equal(one.pairs[0].kappa, 1);
      assert.equal(one.undefinedKappa, 1);
    }
    assert.equal(kappa(1, 1), null);
  });

  test("undefined kappa is NaN in computations and null in rows, converted by undefinedAsNull", () => {
    assert.ok(Number.isNaN(kappaOrNaN(1, 1)));
    assert.ok(Number.isNaN(kappaFromCounts(10, 10, 10, 10)));
    assert.equal(undefinedAsNull(NaN), null);
    assert.equal(undefinedAsNull(0), 0);
    assert.equal(undefinedAsNull(-0.25), -0.25);
    const random = seededRandom(3);
    for (let k = 0; k < 200; k++) {
      const n = 1 + Math.floor(random() * 20);
      const k1 = Math.floor(random() * (n + 1));
      const k2 = Math.floor(random() * (n + 1));
      const both = Math.max(0, k1 + k2 - n) + Math.floor(random() * (Math.min(k1, k2) - Math.max(0, k1 + k2 - n) + 1));
      const row = pairMetrics({ trials: n, correct1: k1, correct2: k2, bothCorrect: both });
      assert.ok(Object.is(row.kappa, undefinedAsNull(kappaFromCounts(n, k1, k2, both))), `${n} ${k1} ${k2} ${both}`);
      assert.ok(Object.is(row.kappa, kappa(row.c_obs, row.c_exp)));
      assert.ok(Object.is(row.kappa, undefinedAsNull(kappaOrNaN(row.c_obs, row.c_exp))));
    }
  });

  test("an all-correct observer against any other: c_obs = c_exp, kappa 0 and bounds [0, 0]", () => {
    const p = computePairs(tableOf({ a: "1111111111", b: "1110111001" })).pairs[0];
    assert.equal(p.kappa, 0);
    assert.equal(p.kappa_min, 0);
    assert.equal(p.kappa_max, 0);
    // All correct vs all wrong: c_exp = 0, c_obs = 0, kappa 0.
    assert.equal(computePairs(tableOf({ a: "111", b: "000" })).pairs[0].kappa, 0);
  });

  test("bounds from accuracies match the counts form and equal accuracies reach kappa_max = 1", () => {
    const bounds = observedConsistencyBounds(0.7, 0.6);
    close(bounds.max, 0.9);
    close(bounds.min, 0.3);
    const k = kappaBounds(0.5, 0.5);
    assert.equal(k.max, 1);
    assert.equal(k.min, -1);
    assert.deepEqual(kappaBounds(1, 1), { min: null, max: null });
  });
});

describe("properties on random observers", () => {
  const random = seededRandom(20201);
  const cases = Array.from({ length: 300 }, () => {
    const n = 1 + Math.floor(random() * 60);
    const pa = random();
    const pb = random();
    const shared = random();
    const a: boolean[] = [];
    const b: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const x = random() < pa;
      a.push(x);
      b.push(random() < shared ? x : random() < pb);
    }
    return { a, b };
  });
  const asString = (v: boolean[]) => v.map((x) => (x ? "1" : "0")).join("");

  test("kappa equals the trial-by-trial definition and lies within [kappa_min, kappa_max]", () => {
    for (const { a, b } of cases) {
      const p = computePairs(tableOf({ a: asString(a), b: asString(b) })).pairs[0];
      if (p.kappa === null) {
        assert.equal(p.c_exp, 1);
        continue;
      }
      close(p.kappa, kappaByDefinition(a, b), 1e-12);
      assert.ok(p.kappa_min! <= p.kappa && p.kappa <= p.kappa_max!, `${p.kappa_min} <= ${p.kappa} <= ${p.kappa_max}`);
      const fromAccuracies = kappaBounds(p.acc1, p.acc2);
      close(fromAccuracies.min, p.kappa_min!, 1e-9);
      close(fromAccuracies.max, p.kappa_max!, 1e-9);
    }
  });

  test("kappa is symmetric in the pair and invariant to trial order", () => {
    for (const { a, b } of cases.slice(0, 100)) {
      const forward = pairMetrics({
        trials: a.length,
        correct1: a.filter(Boolean).length,
        correct2: b.filter(Boolean).length,
        bothCorrect: a.filter((x, i) => x && b[i]).length,
      });
      const swapped = pairMetrics({
        trials: a.length,
        correct1: b.filter(Boolean).length,
        correct2: a.filter(Boolean).length,
        bothCorrect: a.filter((x, i) => x && b[i]).length,
      });
      assert.equal(forward.kappa, swapped.kappa);
      assert.equal(forward.kappa_min, swapped.kappa_min);
      assert.equal(forward.kappa_max, swapped.kappa_max);
      // Reverse the trial order of both observers together: the same stimuli still match.
      const reversed = computePairs(tableOf({ a: asString([...a].reverse()), b: asString([...b].reverse()) })).pairs[0];
      assert.equal(reversed.kappa, forward.kappa);
    }
  });

  test("the bounds are reached: sorting both observers' outcomes alike attains kappa_max", () => {
    for (const { a, b } of cases.slice(0, 100)) {
      const n = a.length;
      const k1 = a.filter(Boolean).length;
      const k2 = b.filter(Boolean).length;
      const aligned = computePairs(tableOf({ a: "1".repeat(k1) + "0".repeat(n - k1), b: "1".repeat(k2) + "0".repeat(n - k2) })).pairs[0];
      const opposed = computePairs(tableOf({ a: "1".repeat(k1) + "0".repeat(n - k1), b: "0".repeat(n - k2) + "1".repeat(k2) })).pairs[0];
      assert.equal(aligned.kappa, aligned.kappa_max);
      assert.equal(opposed.kappa, opposed.kappa_min);
    }
  });
});

describe("kappa from counts", () => {
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
});
