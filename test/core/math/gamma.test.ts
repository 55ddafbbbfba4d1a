// The log-gamma function (src/core/math/gamma.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { logGamma } from "../../../src/core/math/gamma.ts";

describe("log gamma", () => {
  test("log gamma at known values", () => {
    assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-13);
    assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
  });
});
