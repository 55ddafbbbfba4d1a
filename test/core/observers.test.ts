// Per-observer statistics (src/core/observers.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { observerStats } from "../../src/core/observers.ts";
import { tableOf } from "./trial-fixtures.ts";

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
