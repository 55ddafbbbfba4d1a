// Type-7 quantiles and percentile intervals (src/core/math/quantile.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { percentileInterval } from "../../../src/core/math/quantile.ts";
import { close } from "../pair-counts-fixtures.ts";

describe("percentile interval", () => {
  test("percentile interval: type-7 quantiles, NaNs left out", () => {
    const { lower, upper } = percentileInterval([5, NaN, 1, 4, 2, 3], 0.5); // quantiles 0.25, 0.75 of 1..5
    assert.equal(lower, 2);
    assert.equal(upper, 4);
    const wide = percentileInterval(
      Float64Array.from({ length: 101 }, (_, i) => i / 100),
      0.95,
    );
    close(wide.lower, 0.025, 1e-15);
    close(wide.upper, 0.975, 1e-15);
    assert.ok(Number.isNaN(percentileInterval([NaN], 0.95).lower));
    assert.throws(() => percentileInterval([1, 2], 1), RangeError);
  });
});
