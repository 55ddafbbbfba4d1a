// Ranks of values (src/core/math/ranks.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { descendingRanks } from "../../../src/core/math/ranks.ts";

describe("descendingRanks", () => {
  test("1 = largest; ties share the average rank; NaN gets NaN and takes no rank", () => {
    assert.deepEqual([...descendingRanks([0.2, 0.5, 0.1])], [2, 1, 3]);
    // 3 and 3 share ranks 1 and 2: 1.5 each; then 2 is 3rd and 1 is 4th; NaN is left out.
    assert.deepEqual([...descendingRanks([3, 1, 3, NaN, 2])], [1.5, 4, 1.5, NaN, 3]);
    // Three-way tie for ranks 2-4: 3 each.
    assert.deepEqual([...descendingRanks([7, 9, 7, 7])], [3, 1, 3, 3]);
    assert.deepEqual([...descendingRanks([])], []);
  });
});
