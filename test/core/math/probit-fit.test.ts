import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalCdf, normalQuantile } from "../../../src/core/math/normal.ts";
import { probitFit } from "../../../src/core/math/probit-fit.ts";

describe("probitFit", () => {
  test("counts exactly on a probit line give that line back", () => {
    // Φ^-1(0.1) = -1.2816, Φ^-1(0.5) = 0, Φ^-1(0.9) = 1.2816: intercept -1.2816, slope 1.2816.
    const fit = probitFit([0, 1, 2], [10, 50, 90], [100, 100, 100]);
    assert.ok(
      Math.abs(fit.intercept - normalQuantile(0.1)) < 1e-9 && Math.abs(fit.slope + normalQuantile(0.1)) < 1e-9,
      JSON.stringify(fit),
    );
    const line = { intercept: -2, slope: 0.5 };
    const x = [1, 2, 4, 6, 8];
    const n = [1e6, 1e6, 1e6, 1e6, 1e6];
    const fit2 = probitFit(
      x,
      x.map((v) => normalCdf(line.intercept + line.slope * v) * 1e6),
      n,
    );
    assert.ok(Math.abs(fit2.intercept + 2) < 1e-6 && Math.abs(fit2.slope - 0.5) < 1e-6, JSON.stringify(fit2));
  });

  test("refuses one distinct x and perfectly separated counts", () => {
    assert.throws(() => probitFit([1, 1], [2, 3], [10, 10]), /two distinct x/);
    assert.throws(() => probitFit([0, 1, 2, 3], [0, 0, 10, 10], [10, 10, 10, 10]), /did not converge/);
  });
});
