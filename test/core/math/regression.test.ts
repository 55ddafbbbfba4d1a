// Simple linear regression (src/core/math/regression.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { linearRegression } from "../../../src/core/math/regression.ts";

describe("linear regression", () => {
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
