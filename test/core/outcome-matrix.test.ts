// The outcome matrix of a unit (src/core/outcome-matrix.ts): which observers it keeps, which it
// lists as excluded, and trials matched within conditions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { tableOf } from "./aggregate-fixtures.ts";

describe("outcome matrix", () => {
  test("keeps the observers with the unit's stimulus set and lists the others", () => {
    const full = [1, 0, 1, 1];
    const table = tableOf({ "subject-01": full, "subject-02": [0, 0, 1, 1], alexnet: full, short: [1, 0, 1], odd: full }, (i, observer) =>
      observer === "odd" && i === 3 ? "x9" : `s${i}`,
    );
    const m = outcomeMatrix(table);
    assert.deepEqual(m.observers, ["alexnet", "subject-01", "subject-02"]);
    assert.deepEqual(m.stimuli, ["s0", "s1", "s2", "s3"]);
    assert.deepEqual([...m.correct[2]], [0, 0, 1, 1]);
    assert.deepEqual([...m.humans], ["subject-01", "subject-02"]);
    assert.equal(m.condition, "all");
    assert.deepEqual(m.excluded, [
      { observer: "odd", kind: "model", n_stimuli: 4, n_common: 3, n_only_observer: 1, n_missing: 1 },
      { observer: "short", kind: "model", n_stimuli: 3, n_common: 3, n_only_observer: 0, n_missing: 1 },
    ]);
  });

  test("one condition, and a stimulus seen in two pooled conditions: matched within conditions", () => {
    const builder = new TrialTableBuilder("two");
    const add = (observer: string, condition: string, stimulus: string, correct: boolean) =>
      builder.add({
        observer,
        condition,
        stimulus,
        truth: "a",
        response: correct ? "a" : "b",
        correct,
        missing: false,
        file: "f",
        line: 1,
      });
    add("subject-01", "x", "s1", true);
    add("subject-01", "y", "s1", false);
    add("m", "x", "s1", false);
    add("m", "y", "s1", true);
    const table = builder.build();
    const m = outcomeMatrix(table, "y");
    assert.equal(m.condition, "y");
    assert.deepEqual(
      m.correct.map((r) => [...r]),
      [[1], [0]],
    );
    // Pooled, each trial is matched within its condition (issue 14): two trials per observer.
    assert.deepEqual(
      outcomeMatrix(table).correct.map((r) => [...r]),
      [
        [0, 1],
        [1, 0],
      ],
    );
    assert.throws(() => outcomeMatrix(table, "z"), /no trials/);
  });
});
