// Fixtures of the pair-count tests (pair-intervals, independence-tests, copy-model, metrics, the
// math they use): a tolerance assertion, the 2x2 table of two 0/1 outcome vectors, its kappa.
import assert from "node:assert/strict";
import { type PairCounts, kappaFromCounts } from "../../src/core/metrics.ts";

export const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);

/** The 2x2 table of two 0/1 outcome vectors. */
export function countsOf(first: ArrayLike<number>, second: ArrayLike<number>): PairCounts {
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

export const kappaOf = (c: PairCounts) => kappaFromCounts(c.trials, c.correct1, c.correct2, c.bothCorrect);
