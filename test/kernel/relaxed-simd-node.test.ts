import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NO_V8_FLAGS_ENV, enableRelaxedSimd } from "../../src/kernel/relaxed-simd-node.ts";

/** A probe answering `answers` in turn, counting its calls. */
function probe(...answers: boolean[]) {
  const calls = { count: 0 };
  return { calls, compiles: () => answers[calls.count++] ?? false };
}

describe("enableRelaxedSimd", () => {
  test("where relaxed SIMD already compiles (Node 22 and later), probes once and sets nothing", () => {
    const { calls, compiles } = probe(true);
    assert.equal(enableRelaxedSimd(compiles, {}), true);
    assert.equal(calls.count, 1);
  });

  test(`${NO_V8_FLAGS_ENV} set: no flag, no second probe, false`, () => {
    for (const value of ["1", "yes"]) {
      const { calls, compiles } = probe(false, true);
      assert.equal(enableRelaxedSimd(compiles, { [NO_V8_FLAGS_ENV]: value }), false);
      assert.equal(calls.count, 1);
    }
  });

  test(`${NO_V8_FLAGS_ENV} empty or "0" does not opt out: the flag is set and the engine probed again`, () => {
    for (const value of ["", "0"]) {
      const { calls, compiles } = probe(false, true);
      assert.equal(enableRelaxedSimd(compiles, { [NO_V8_FLAGS_ENV]: value }), true);
      assert.equal(calls.count, 2);
    }
    const { compiles } = probe(false, false);
    assert.equal(enableRelaxedSimd(compiles, {}), false, "an engine without relaxed SIMD at all");
  });
});
