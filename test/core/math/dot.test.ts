// The dot product of typed arrays (src/core/math/dot.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dot } from "../../../src/core/math/dot.ts";

describe("dot", () => {
  test("by hand, over the first `size` entries only", () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 100]);
    const b = Float64Array.from([6, 7, 8, 9, 10, 100]);
    // 6 + 14 + 24 + 36 + 50 = 130; the sixth pair is beyond size 5.
    assert.equal(dot(a, b, 5), 130);
    assert.equal(dot(a, b, 4), 80);
    assert.equal(dot(a, b, 0), 0);
  });

  test("every size from 0 to 13 (the four-way loop and its remainder) equals the plain sum", () => {
    const a = Float64Array.from({ length: 13 }, (_, i) => i + 1);
    const b = Float64Array.from({ length: 13 }, (_, i) => (i % 3) - 1);
    for (let size = 0; size <= 13; size++) {
      let expected = 0;
      for (let s = 0; s < size; s++) expected += a[s] * b[s];
      assert.equal(dot(a, b, size), expected, `size ${size}`);
    }
  });
});
