// Descriptive statistics (src/core/math/descriptive.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mean, normalHalfWidth95, sampleSd } from "../../../src/core/math/descriptive.ts";

describe("descriptive statistics", () => {
  test("mean, sd and half-width by hand", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.ok(Math.abs(sampleSd([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7)) < 1e-15);
    assert.ok(Number.isNaN(sampleSd([1])));
    assert.ok(Math.abs(normalHalfWidth95([1, 3]) - (1.959964 * Math.SQRT2) / Math.SQRT2) < 1e-15);
  });
});
