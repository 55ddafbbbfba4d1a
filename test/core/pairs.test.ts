// Pairs of observers (src/core/pairs.ts): matching observers by stimulus (identical sets,
// --intersect, --strict), pairs within conditions, --observers, pair types.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { type Trial, tableOf } from "./trial-fixtures.ts";

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
