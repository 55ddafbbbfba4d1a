import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { allPairCounts, closeKernelThreads, packObservers } from "../../src/kernel/index.ts";
import { correctCountsWasm, dropKeptMemory, instantiateKernel, prepareMemory, writeInterleaved } from "../../src/kernel/wasm.ts";
import { seededRandom } from "../helpers.ts";

after(() => closeKernelThreads());

/** n random rows of `words` 32-bit words. */
function randomBits(n: number, words: number, seed: number): Uint32Array {
  const rng = seededRandom(seed);
  return Uint32Array.from({ length: n * words }, () => Math.floor(rng() * 2 ** 32));
}

describe("kernel memory", () => {
  test("writeInterleaved: pair-rows word by word, and an odd last row's partner zeroed over stale data", () => {
    const bits = Uint32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12); // 3 rows of 4 words
    const target = new Uint32Array(16).fill(0xdead);
    writeInterleaved(bits, 3, 4, target);
    assert.deepEqual([...target], [1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 0, 0, 11, 12, 0, 0]);
  });

  test("the last run's memory is lent to the next run that fits, never to two runs at once, and dropped after a failed threaded run", () => {
    dropKeptMemory();
    const bits = randomBits(6, 4, 1);
    const first = prepareMemory(bits, 6, 4, 4, 1, false);
    const concurrent = prepareMemory(bits, 6, 4, 4, 1, false);
    assert.notEqual(concurrent.memory, first.memory, "busy: a second run gets its own");
    concurrent.release(true);
    first.release(true);
    const again = prepareMemory(bits, 4, 4, 2, 1, false);
    assert.equal(again.memory, first.memory, "a smaller run reuses it");
    again.release(true);
    const shared = prepareMemory(bits, 6, 4, 4, 2, true);
    assert.notEqual(shared.memory, first.memory, "an unshared memory does not serve threads");
    shared.release(true);
    const single = prepareMemory(bits, 6, 4, 4, 1, false);
    assert.equal(single.memory, shared.memory, "a shared one serves a run on one thread");
    single.release(false);
    const afterFailure = prepareMemory(bits, 6, 4, 4, 1, false);
    assert.notEqual(afterFailure.memory, shared.memory, "dropped after a failed run");
    afterFailure.release(true);
    dropKeptMemory();
    const afterDrop = prepareMemory(bits, 6, 4, 4, 1, false);
    assert.notEqual(afterDrop.memory, afterFailure.memory);
    afterDrop.release(true);
  });

  test("correctCounts: the popcount of every row, odd and even observers, from the interleaved layout", () => {
    for (const [n, words] of [
      [1, 2],
      [5, 2],
      [7, 6],
      [4, 10],
    ]) {
      const bits = randomBits(n, words, n * 100 + words);
      const workspace = prepareMemory(bits, n, words, 2, 1, false);
      const counts = correctCountsWasm(instantiateKernel(workspace.memory), workspace.layout, n);
      workspace.release(true);
      const expected = Array.from({ length: n }, (_, i) =>
        bits.subarray(i * words, (i + 1) * words).reduce((sum, word) => sum + word.toString(2).replaceAll("0", "").length, 0),
      );
      assert.deepEqual([...counts], expected, `${n} x ${words}`);
    }
  });

  test("runs on a kept memory with stale data, in sequence and at the same time, give exact counts", async () => {
    const rng = seededRandom(5);
    const rowsOf = (n: number, m: number) => Array.from({ length: n }, () => Array.from({ length: m }, () => (rng() < 0.6 ? 1 : 0)));
    const brute = (rows: number[][]) => rows.flatMap((a) => rows.map((b) => a.reduce((sum, x, t) => sum + (x & b[t]), 0)));
    const sizes = [
      [40, 300, 2],
      [13, 130, 1],
      [21, 300, 2],
      [9, 64, 1],
    ];
    const cases = sizes.map(([n, m, threads]) => {
      const rows = rowsOf(n, m);
      return {
        packed: packObservers(
          rows.map((_, i) => `o${i}`),
          rows,
        ),
        expected: brute(rows),
        threads,
      };
    });
    for (const { packed, expected, threads } of cases) {
      const run = await allPairCounts(packed, { kernel: "wasm", threads, tileSize: 4 });
      assert.deepEqual([...run.bothCorrect!], expected);
    }
    const together = await Promise.all(cases.map(({ packed, threads }) => allPairCounts(packed, { kernel: "wasm", threads, tileSize: 6 })));
    together.forEach((run, k) => assert.deepEqual([...run.bothCorrect!], cases[k].expected));
  });
});
