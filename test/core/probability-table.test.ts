// Probability vectors (src/core/probability-table.ts): the check of a vector and its errors, and
// the softmax of scores. The table builders are exercised by the metric tests
// (metric-pairs.test.ts, metric-bootstrap.test.ts, metric-comparison.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { PROBABILITY_SUM_TOLERANCE, checkProbabilities, softmaxOf } from "../../src/core/probability-table.ts";

/** Asserts that checkProbabilities(values) at s.csv line 3 throws an InputError with this message. */
function refused(values: number[], message: string, options?: string[]) {
  assert.throws(
    () => checkProbabilities(values, { file: "s.csv", line: 3 }, options),
    (e: Error) => e instanceof InputError && e.message === `s.csv:3: ${message}`,
    message,
  );
}

describe("checkProbabilities", () => {
  test("finite, non-negative, summing to 1 within 1e-4", () => {
    assert.equal(PROBABILITY_SUM_TOLERANCE, 1e-4);
    for (const values of [
      [0.25, 0.75],
      [1, 0, 0],
      [0.1, 0.2, 0.7],
      [0.5, 0.50009],
      [0.5, 0.49991],
    ]) {
      assert.doesNotThrow(() => checkProbabilities(values, {}), JSON.stringify(values));
    }
  });

  test("the first value that is not a probability, or how far off the sum is", () => {
    refused([NaN, 1], "probability 1 is NaN; expected a finite number from 0 to 1");
    refused([0.5, Infinity], "probability 2 is Infinity; expected a finite number from 0 to 1");
    refused([1.5, -0.5], "probability 2 is negative (-0.5); expected probabilities from 0 to 1");
    // With the item's options, the option is named (a column p_B, a choice "B").
    refused([1.5, -0.5], 'probability 2 (option "B") is negative (-0.5); expected probabilities from 0 to 1', ["A", "B"]);
    refused([NaN, 1], 'probability 1 (option "A") is NaN; expected a finite number from 0 to 1', ["A", "B"]);
    const hint = "expected a sum of 1 within 0.0001 (logits? log-likelihoods? unnormalized scores?)";
    refused([0.5, 0.6], `probabilities sum to 1.1 (0.1 above 1); ${hint}`);
    refused([0.2, 0.3], `probabilities sum to 0.5 (0.5 below 1); ${hint}`);
    refused([0.5, 0.5002], `probabilities sum to 1.0002 (0.0002 above 1); ${hint}`);
  });
});

describe("softmaxOf", () => {
  test("exp(s) / sum exp(s), without overflow for large scores", () => {
    const [a, b] = softmaxOf([0, Math.log(3)]);
    assert.ok(Math.abs(a - 0.25) < 1e-15 && Math.abs(b - 0.75) < 1e-15, `${a}, ${b}`);
    assert.deepEqual(softmaxOf([1000, 1000]), [0.5, 0.5]);
    assert.deepEqual(softmaxOf([-3, -3, -3, -3]), [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(softmaxOf([-1000, 0]), [0, 1]);
  });
});
