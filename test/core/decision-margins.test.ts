import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decisionMarginConsistency, decisionMargins, pearsonOver } from "../../src/core/decision-margins.ts";
import { seededRandom } from "../helpers.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe("decision margins", () => {
  const layout = { offsets: [0, 3, 6, 8], truth: [0, 2, 1] };

  test("a model's margin is (ln p(correct) - ln of the best other) / sqrt(2); a person's is the share correct", () => {
    const probabilities = [0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.4, 0.6];
    const m = decisionMargins(layout, probabilities, [1, 1, 1], true);
    close(m[0], Math.log(0.7 / 0.2) / Math.SQRT2);
    close(m[1], Math.log(0.2 / 0.5) / Math.SQRT2); // wrong: negative margin
    close(m[2], Math.log(0.6 / 0.4) / Math.SQRT2);
    // A person with 4 trials on item 1 (3 correct), 1 on item 2 (wrong), none on item 3.
    const shares = [0.75, 0.25, 0, 0, 1, 0, 0, 0];
    const h = decisionMargins(layout, shares, [4, 1, 0], false);
    assert.equal(h[0], 0.75);
    assert.equal(h[1], 0);
    assert.ok(Number.isNaN(h[2]));
  });

  test("the margin of a softmax model is its logit difference over sqrt(2)", () => {
    const logits = [2.5, -1, 0.5];
    const exps = logits.map(Math.exp);
    const sum = exps.reduce((s, x) => s + x, 0);
    const m = decisionMargins(
      { offsets: [0, 3], truth: [0] },
      exps.map((e) => e / sum),
      [1],
      true,
    );
    close(m[0], (2.5 - 0.5) / Math.SQRT2);
  });
});

describe("decision-margin consistency", () => {
  test("hand-checked: margins 1 2 3 4 and 2 1 4 3 correlate at 0.6", () => {
    // Means 2.5 and 2.5; deviations -1.5 -0.5 .5 1.5 and -.5 -1.5 1.5 .5;
    // sum of products .75 + .75 + .75 + .75 = 3; sums of squares 5 and 5; r = 3 / 5.
    const r = decisionMarginConsistency([1, 2, 3, 4], [2, 1, 4, 3], [0, 1, 2, 3]);
    close(r.dmc, 0.6);
    close(r.mean_margin1, 2.5);
    assert.equal(r.n_items, 4);
  });

  test("symmetric, invariant to item order, 1 for identical margins, only the given items", () => {
    const random = seededRandom(3);
    const x = Array.from({ length: 40 }, () => random() * 4 - 2);
    const y = x.map((v) => v + random() - 0.5);
    const all = x.map((_, i) => i);
    const r = pearsonOver(x, y, all);
    close(pearsonOver(y, x, all), r);
    const order = [...all].sort(() => random() - 0.5);
    close(
      pearsonOver(
        x.map((_, k) => x[order[k]]),
        y.map((_, k) => y[order[k]]),
        all,
      ),
      r,
    );
    close(pearsonOver(x, x, all), 1);
    close(
      pearsonOver(
        x,
        x.map((v) => 3 * v - 1),
        all,
      ),
      1,
    );
    // Items outside the list do not count, even where they hold NaN (not seen).
    const withUnseen = [...x, NaN];
    close(pearsonOver(withUnseen, [...y, 5], all), r);
  });

  test("undefined (NaN) for constant margins or fewer than two items", () => {
    assert.ok(Number.isNaN(pearsonOver([1, 1, 1], [1, 2, 3], [0, 1, 2])));
    assert.ok(Number.isNaN(pearsonOver([1, 2], [1, 2], [0])));
  });
});
