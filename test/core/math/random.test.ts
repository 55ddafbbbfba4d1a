import assert from "node:assert/strict";
import { test } from "node:test";
import { SeededRandom, normalizeSeed } from "../../../src/core/math/random.ts";

const firstOutputs = (seed: number) => {
  const random = new SeededRandom(seed);
  return Array.from({ length: 4 }, () => random.nextUint32());
};

test("seeds below 2^32 are used as they are", () => {
  assert.equal(normalizeSeed(0), 0);
  assert.equal(normalizeSeed(4294967295), 4294967295);
  assert.equal(normalizeSeed(-1), 4294967295);
});

test("seeds from 2^32 to 2^53 - 1 give other streams than their low 32 bits", () => {
  for (const low of [0, 1, 12345]) {
    for (const high of [1, 2, 2 ** 21 - 1]) {
      const seed = high * 2 ** 32 + low;
      assert.notEqual(normalizeSeed(seed), low, `seed ${seed}`);
      assert.notDeepEqual(firstOutputs(seed), firstOutputs(low), `seed ${seed}`);
    }
  }
  assert.notEqual(normalizeSeed(2 ** 32 + 1), normalizeSeed(2 ** 33 + 1));
  assert.deepEqual(firstOutputs(Number.MAX_SAFE_INTEGER), firstOutputs(Number.MAX_SAFE_INTEGER));
});
