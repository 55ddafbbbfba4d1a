import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { responseAgreement } from "../../src/core/response-agreement.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe("response kappa and same wrong answers", () => {
  // Categories a b c (0 1 2); four items with all three options each.
  //   item 1 correct a: answers a, a   (both right)
  //   item 2 correct a: answers b, b   (both wrong, the same wrong answer)
  //   item 3 correct b: answers c, a   (both wrong, different)
  //   item 4 correct c: answers a, b   (both wrong, different)
  const layout = { offsets: [0, 3, 6, 9, 12], truth: [0, 0, 1, 2], category: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], categories: 3 };
  const oneHot = (answers: number[]) => answers.flatMap((a) => [0, 1, 2].map((k) => (k === a ? 1 : 0)));
  const first = oneHot([0, 1, 2, 0]);
  const second = oneHot([0, 1, 0, 1]);

  test("equals the hand computation", () => {
    const r = responseAgreement(layout, first, second, [0, 1, 2, 3]);
    // Same answer on items 1 and 2: p_obs = 1/2. Answer shares (a b c): .5 .25 .25 and .5 .5 0;
    // p_exp = .25 + .125 + 0 = .375; kappa = (.5 - .375) / .625 = .2.
    close(r.p_obs, 0.5);
    close(r.p_exp, 0.375);
    close(r.response_kappa, 0.2);
    close(r.acc1, 0.25);
    close(r.acc2, 0.25);
    // Both wrong on items 2-4, the same wrong answer on item 2: 1/3. Uniform chance: 1/(3-1) = 1/2.
    close(r.n_both_wrong, 3);
    close(r.same_wrong, 1 / 3);
    close(r.same_wrong_uniform, 0.5);
    // Marginal chance: given correct a, each observer's only wrong answer is b (chance 1 on item 2);
    // given b the first says c and the second a, given c the first a and the second b (chance 0):
    // (1 + 0 + 0) / 3 = 1/3, exactly the observed rate: same_wrong_kappa = 0.
    close(r.same_wrong_marginal, 1 / 3);
    close(r.same_wrong_kappa, 0);
  });

  test("symmetric in the two observers", () => {
    const a = responseAgreement(layout, first, second, [0, 1, 2, 3]);
    const b = responseAgreement(layout, second, first, [0, 1, 2, 3]);
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      if (key === "acc1" || key === "acc2") continue;
      close(b[key], a[key]);
    }
  });

  test("a missed answer (zero vector) is wrong and matches nothing; no both-wrong items give NaN rates", () => {
    const missed = [...first.slice(0, 3), 0, 0, 0, ...first.slice(6)];
    const r = responseAgreement(layout, missed, second, [0, 1, 2, 3]);
    close(r.same_wrong, 0);
    close(r.n_both_wrong, 3);
    const right = responseAgreement(layout, first, first, [0]);
    assert.equal(right.n_both_wrong, 0);
    assert.ok(Number.isNaN(right.same_wrong));
    assert.ok(Number.isNaN(right.same_wrong_kappa));
  });
});
