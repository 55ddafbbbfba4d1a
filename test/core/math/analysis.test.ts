import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../../src/core/errors.ts";
import { fSurvival, regularizedIncompleteBeta } from "../../../src/core/math/beta.ts";
import { mean, normalHalfWidth95, sampleSd } from "../../../src/core/math/descriptive.ts";
import { logGamma } from "../../../src/core/math/gamma.ts";
import { linearRegression } from "../../../src/core/math/regression.ts";
import { observerStats } from "../../../src/core/observers.ts";
import { type PairRow, computePairs } from "../../../src/core/pairs.ts";
import { summarizePairs } from "../../../src/core/summary.ts";
import { TrialTableBuilder } from "../../../src/core/trials.ts";

interface Trial {
  observer: string;
  stimulus: string;
  correct: boolean;
  condition?: string;
  missing?: boolean;
}

function tableOf(trials: Trial[]) {
  const builder = new TrialTableBuilder("test");
  trials.forEach((t, i) =>
    builder.add({
      observer: t.observer,
      condition: t.condition ?? "c",
      stimulus: t.stimulus,
      truth: "x",
      response: t.missing ? "na" : t.correct ? "x" : "y",
      correct: t.correct,
      missing: t.missing ?? false,
      file: "test.csv",
      line: i + 2,
    }),
  );
  return builder.build();
}

/** Trials of one observer from a 0/1 string over the given stimuli. */
const observer = (name: string, outcomes: string, stimuli: string[], condition?: string): Trial[] =>
  [...outcomes].map((c, i) => ({ observer: name, stimulus: stimuli[i], correct: c === "1", condition }));

const S = ["a", "b", "c", "d"];

describe("matching observers by stimulus", () => {
  const mismatched = () =>
    tableOf([...observer("subject-1", "1100", S), ...observer("m1", "1010", S), ...observer("m2", "101", ["a", "b", "e"])]);

  test("identical sets only by default: the others are reported as skipped with counts", () => {
    const result = computePairs(mismatched());
    assert.deepEqual(
      result.pairs.map((p) => [p.observer1, p.observer2]),
      [["m1", "subject-1"]],
    );
    assert.equal(result.skipped.length, 2);
    const skipped = result.skipped.find((s) => s.observer2 === "subject-1")!;
    assert.equal(skipped.observer1, "m2");
    assert.deepEqual([skipped.n_common, skipped.n_only_observer1, skipped.n_only_observer2], [2, 1, 2]);
    assert.equal(skipped.outcome, "skipped: stimulus sets differ");
  });

  test("--intersect computes on the common stimuli and reports what it dropped", () => {
    const result = computePairs(mismatched(), { mismatch: "intersect" });
    assert.equal(result.pairs.length, 3);
    assert.equal(result.intersected.length, 2);
    const pair = result.pairs.find((p) => p.observer1 === "m1" && p.observer2 === "m2")!;
    // Common stimuli a, b: m1 = 1,0 and m2 = 1,0 -> perfect agreement.
    assert.equal(pair.n_trials, 2);
    assert.equal(pair.kappa, 1);
  });

  test("--strict makes any mismatch an error", () => {
    assert.throws(
      () => computePairs(mismatched(), { mismatch: "strict" }),
      (e: InputError) => /observers "m1" and "m2" saw different stimuli.*2 common, 2 only "m1", 1 only "m2"/.test(e.message),
    );
  });

  test("no common stimuli: skipped even with --intersect", () => {
    const result = computePairs(tableOf([...observer("m1", "10", ["a", "b"]), ...observer("m2", "10", ["c", "d"])]), {
      mismatch: "intersect",
    });
    assert.equal(result.pairs.length, 0);
    assert.equal(result.skipped[0].outcome, "skipped: no common stimuli");
  });

  test("--by condition pairs within each condition; pooled conditions match by stimulus", () => {
    const trials = [
      ...observer("m1", "1100", S, "low"),
      ...observer("m2", "1100", S, "low"),
      ...observer("m1", "10", ["e", "f"], "high"),
      ...observer("m2", "01", ["e", "f"], "high"),
    ];
    const byCondition = computePairs(tableOf(trials), { byCondition: true });
    assert.deepEqual(
      byCondition.pairs.map((p) => [p.condition, p.kappa]),
      [
        ["high", -1],
        ["low", 1],
      ],
    );
    const pooled = computePairs(tableOf(trials));
    assert.equal(pooled.pairs[0].condition, "all");
    assert.equal(pooled.pairs[0].n_trials, 6);
  });

  test("a stimulus in two conditions of one observer, pooled: each trial matched within its condition (issue 14)", () => {
    const table = tableOf([
      ...observer("m1", "10", ["a", "b"], "low"),
      ...observer("m1", "1", ["a"], "high"),
      ...observer("m2", "11", ["a", "b"], "low"),
    ]);
    assert.deepEqual(
      computePairs(table, { mismatch: "intersect" }).pairs.map((p) => [p.n_trials, p.n_both_correct]),
      [[2, 1]],
    );
    assert.equal(computePairs(table, { byCondition: true }).pairs.length, 1);
  });

  test("--observers restricts the pairs", () => {
    const result = computePairs(mismatched(), { observers: ["m1", "subject-1"] });
    assert.equal(result.pairs.length, 1);
    assert.equal(result.skipped.length, 0);
  });

  test("pair types from the observers' kinds", () => {
    const types = computePairs(
      tableOf([...observer("subject-1", "10", ["a", "b"]), ...observer("subject-2", "10", ["a", "b"]), ...observer("m", "10", ["a", "b"])]),
    ).pairs.map((p) => p.pair_type);
    assert.deepEqual(types, ["model-human", "model-human", "human-human"]);
  });
});

describe("per-observer statistics", () => {
  test("trials, correct, na and accuracy, overall and per condition", () => {
    const table = tableOf([
      { observer: "subject-1", stimulus: "a", correct: true, condition: "x" },
      { observer: "subject-1", stimulus: "b", correct: false, condition: "x", missing: true },
      { observer: "subject-1", stimulus: "c", correct: true, condition: "y" },
      { observer: "subject-1", stimulus: "d", correct: false, condition: "y" },
    ]);
    const [all] = observerStats(table);
    assert.deepEqual(
      { ...all },
      { dataset: "test", condition: "all", observer: "subject-1", kind: "human", n_trials: 4, n_correct: 2, n_na: 1, accuracy: 0.5 },
    );
    assert.deepEqual(
      observerStats(table, true).map((r) => [r.condition, r.n_trials, r.n_na, r.accuracy]),
      [
        ["x", 2, 1, 0.5],
        ["y", 2, 0, 0.5],
      ],
    );
  });
});

describe("summaries", () => {
  const pair = (observer1: string, observer2: string, pair_type: PairRow["pair_type"], kappa: number | null): PairRow => ({
    dataset: "d",
    condition: "all",
    observer1,
    observer2,
    pair_type,
    kappa,
    n_trials: 10,
    n_both_correct: 0,
    n_both_wrong: 0,
    acc1: 0,
    acc2: 0,
    c_obs: 0,
    c_exp: 0,
    kappa_min: null,
    kappa_max: null,
  });
  const isHuman = (o: string) => o.startsWith("h");
  const pairs = [
    pair("h1", "h2", "human-human", 0.3),
    pair("h1", "h3", "human-human", 0.5),
    pair("h2", "h3", "human-human", 0.4),
    pair("a", "h1", "model-human", 0.1),
    pair("a", "h2", "model-human", 0.2),
    pair("a", "h3", "model-human", null),
    pair("b", "h1", "model-human", 0.0),
    pair("a", "b", "model-model", 0.6),
  ];

  test("group means, sd (n - 1) and the 1.959964 sd / sqrt(n) half-width; undefined kappas counted apart", () => {
    const rows = summarizePairs(pairs, isHuman);
    const hh = rows.find((r) => r.name === "human-human")!;
    assert.equal(hh.n_pairs, 3);
    assert.ok(Math.abs(hh.mean! - 0.4) < 1e-15);
    assert.ok(Math.abs(hh.sd! - 0.1) < 1e-15);
    assert.ok(Math.abs(hh.ci95! - (1.959964 * 0.1) / Math.sqrt(3)) < 1e-15);
    const mh = rows.find((r) => r.name === "model-human")!;
    assert.deepEqual([mh.n_pairs, mh.n_undefined], [3, 1]);
    const a = rows.find((r) => r.kind === "model" && r.name === "a")!;
    assert.deepEqual([a.n_pairs, a.n_undefined], [2, 1]);
    assert.ok(Math.abs(a.mean! - 0.15) < 1e-15);
    const b = rows.find((r) => r.kind === "model" && r.name === "b")!;
    assert.deepEqual([b.n_pairs, b.mean, b.sd, b.ci95], [1, 0, null, null], "one pair: no spread");
  });

  test("restricting the models drops their pairs from every group", () => {
    const rows = summarizePairs(pairs, isHuman, new Set(["b"]));
    assert.equal(
      rows.find((r) => r.name === "model-model"),
      undefined,
    );
    assert.equal(rows.find((r) => r.name === "model-human")!.n_pairs, 1);
    assert.equal(rows.find((r) => r.name === "human-human")!.n_pairs, 3);
    assert.deepEqual(
      rows.filter((r) => r.kind === "model").map((r) => r.name),
      ["b"],
    );
  });
});

describe("statistics", () => {
  test("mean, sd and half-width by hand", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.ok(Math.abs(sampleSd([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7)) < 1e-15);
    assert.ok(Number.isNaN(sampleSd([1])));
    assert.ok(Math.abs(normalHalfWidth95([1, 3]) - (1.959964 * Math.SQRT2) / Math.SQRT2) < 1e-15);
  });

  test("log gamma and the incomplete beta at known values", () => {
    assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-13);
    assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
    assert.ok(Math.abs(regularizedIncompleteBeta(0.3, 1, 1) - 0.3) < 1e-14);
    assert.ok(Math.abs(regularizedIncompleteBeta(0.6, 3, 1) - 0.216) < 1e-14);
    assert.ok(Math.abs(regularizedIncompleteBeta(0.2, 1, 4) - (1 - 0.8 ** 4)) < 1e-14);
    // F(1, d) upper tail equals the two-sided t tail: F = t^2; t(1 dof) is Cauchy: P(|T| > 1) = 0.5.
    assert.ok(Math.abs(fSurvival(1, 1, 1) - 0.5) < 1e-12);
    // The F(1, 10) critical value at 5% is 4.964603.
    assert.ok(Math.abs(fSurvival(4.964603, 1, 10) - 0.05) < 1e-6);
  });

  test("linear regression recovers an exact line and reports its fit", () => {
    const x = [1, 2, 3, 4, 5];
    const exact = linearRegression(
      x,
      x.map((v) => 2 * v + 1),
    );
    assert.ok(Math.abs(exact.slope - 2) < 1e-14 && Math.abs(exact.intercept - 1) < 1e-13);
    assert.ok(Math.abs(exact.r2 - 1) < 1e-14);
    const noisy = linearRegression(x, [1, 3, 2, 5, 4]);
    // S_xy = 8, S_xx = 10, S_yy = 10: slope 0.8, R^2 = 0.64, F = 0.64 / (0.36 / 3) = 5.333...
    assert.ok(Math.abs(noisy.slope - 0.8) < 1e-14);
    assert.ok(Math.abs(noisy.r2 - 0.64) < 1e-14);
    assert.ok(Math.abs(noisy.f - 16 / 3) < 1e-12);
    assert.equal(noisy.df2, 3);
    assert.ok(Math.abs(noisy.p - 0.10408803866182788) < 1e-9, `p = ${noisy.p}`);
  });
});
