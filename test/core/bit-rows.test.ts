// Bit rows (src/core/bit-rows.ts): the popcounts, comparisons and hashes the DuckDB reader, the
// kernel and the dashboard share.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { popcount32, rowAndPopcount, rowHash, rowPopcount, rowsEqual } from "../../src/core/bit-rows.ts";

const ones = (x: number) =>
  (x >>> 0)
    .toString(2)
    .split("")
    .filter((c) => c === "1").length;

describe("bit rows", () => {
  test("popcount32 counts bits", () => {
    for (const x of [0, 1, 0xffffffff, 0x80000000, 0x12345678, -1, 0x55555555]) {
      assert.equal(popcount32(x), ones(x));
    }
  });

  // Three rows of two words: rows 0 and 2 equal, row 1 differs in its second word.
  const bits = Uint32Array.of(0xf0f0f0f0, 0x1, 0xf0f0f0f0, 0x3, 0xf0f0f0f0, 0x1);

  test("rowPopcount and rowAndPopcount count a row's bits and two rows' common bits", () => {
    assert.equal(rowPopcount(bits, 0, 2), 17);
    assert.equal(rowPopcount(bits, 2, 2), 18);
    assert.equal(rowAndPopcount(bits, 0, 2, 2), 17);
    assert.equal(rowAndPopcount(bits, 2, 4, 2), 17);
  });

  test("rowsEqual compares rows; rowHash agrees on equal rows and tells these apart", () => {
    assert.equal(rowsEqual(bits, 0, 4, 2), true);
    assert.equal(rowsEqual(bits, 0, 2, 2), false);
    assert.equal(rowHash(bits, 0, 2), rowHash(bits, 4, 2));
    assert.notEqual(rowHash(bits, 0, 2), rowHash(bits, 2, 2));
    assert.ok(Number.isInteger(rowHash(bits, 0, 2)) && rowHash(bits, 0, 2) >= 0 && rowHash(bits, 0, 2) < 2 ** 32);
  });
});
