// The regularized incomplete beta function and the F distribution's upper tail
// (src/core/math/beta.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fSurvival, regularizedIncompleteBeta } from "../../../src/core/math/beta.ts";

describe("incomplete beta", () => {
  test("the incomplete beta at known values", () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
    assert.ok(Math.abs(regularizedIncompleteBeta(0.3, 1, 1) - 0.3) < 1e-14);
    assert.ok(Math.abs(regularizedIncompleteBeta(0.6, 3, 1) - 0.216) < 1e-14);
    assert.ok(Math.abs(regularizedIncompleteBeta(0.2, 1, 4) - (1 - 0.8 ** 4)) < 1e-14);
    // F(1, d) upper tail equals the two-sided t tail: F = t^2; t(1 dof) is Cauchy: P(|T| > 1) = 0.5.
    assert.ok(Math.abs(fSurvival(1, 1, 1) - 0.5) < 1e-12);
    // The F(1, 10) critical value at 5% is 4.964603.
    assert.ok(Math.abs(fSurvival(4.964603, 1, 10) - 0.05) < 1e-6);
  });
});
