import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { betaIndependenceTest } from "../../../src/core/independence-tests.ts";
import { monteCarloPValue } from "../../../src/core/math/monte-carlo.ts";

describe("Monte-Carlo p-values: one convention, (1 + extreme) / (1 + draws)", () => {
  test("hand-checked values; never 0; the data count as one null draw", () => {
    assert.equal(monteCarloPValue(0, 999), 0.001);
    assert.equal(monteCarloPValue(49, 999), 0.05);
    assert.equal(monteCarloPValue(999, 999), 1);
    assert.equal(monteCarloPValue(0, 0), 1);
    assert.throws(() => monteCarloPValue(5, 4), /extreme/);
    assert.throws(() => monteCarloPValue(-1, 4), /extreme/);
    assert.throws(() => monteCarloPValue(1, 2.5), /draws/);
  });

  test("the Beta test of a strong pair is 1 / (draws + 1), not 0", () => {
    // kappa 0.75 at n = 160: no null draw reaches it.
    const strong = betaIndependenceTest({ trials: 160, correct1: 112, correct2: 96, bothCorrect: 90 }, { draws: 999, seed: 1 });
    assert.equal(strong.p, 0.001);
    // kappa 1 at n = 10: one of 999 null draws reaches it.
    assert.equal(betaIndependenceTest({ trials: 10, correct1: 5, correct2: 5, bothCorrect: 5 }, { draws: 999 }).p, 0.002);
  });
});
