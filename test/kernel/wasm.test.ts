import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { kappaFromCounts } from "../../src/core/metrics.ts";
import { allPairCounts, closeKernelThreads, packObservers } from "../../src/kernel/index.ts";
import { pairKappasScalar } from "../../src/kernel/scalar.ts";
import {
  countCorrectWasm,
  createMemory,
  dropKeptMemory,
  instantiateKernel,
  prepareMemory,
  writeInterleaved,
} from "../../src/kernel/wasm.ts";
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
      const counts = countCorrectWasm(instantiateKernel(workspace.memory), workspace.layout, n, 1);
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

  test("pairKappas equals kappaFromCounts to the last bit: random and extreme counts, undefined kappas, trials up to 2^32 - 1", () => {
    const rng = seededRandom(11);
    const memory = createMemory(1 << 20, false);
    const kernel = instantiateKernel(memory);
    // One tile of 8 x 8 observers: rows 0..7 against columns 0..7 (pairs j > i), a third of them
    // with extreme counts (0, n, both = min or max).
    const n = 8;
    const at = { counts: 0, correct: 4096, accuracy: 8192, out: 16384 };
    for (const trials of [1, 2, 3, 7, 1000, 50_000, 2 ** 31 + 5, 2 ** 32 - 1]) {
      for (let round = 0; round < 20; round++) {
        const pick = (max: number) => (rng() < 0.3 ? (rng() < 0.5 ? 0 : max) : Math.floor(rng() * (max + 1)));
        const correct = Uint32Array.from({ length: n }, () => pick(trials));
        const counts = new Uint32Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) {
            const low = Math.max(0, correct[i] + correct[j] - trials);
            const high = Math.min(correct[i], correct[j]);
            counts[i * n + j] = rng() < 0.3 ? (rng() < 0.5 ? low : high) : low + Math.floor(rng() * (high - low + 1));
          }
        new Uint32Array(memory.buffer, at.counts, n * n).set(counts);
        new Uint32Array(memory.buffer, at.correct, n).set(correct);
        new Float64Array(memory.buffer, at.accuracy, n).set(Array.from(correct, (k) => k / trials));
        kernel.pairKappas(at.counts, 0, n, 0, n, at.correct, at.accuracy, trials, at.out);
        const wasm = new Float64Array(memory.buffer, at.out, n * n);
        const reference = new Float64Array(n * n);
        pairKappasScalar(counts, 0, n, 0, n, correct, trials, reference);
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) {
            const expected = kappaFromCounts(trials, correct[i], correct[j], counts[i * n + j]);
            assert.ok(
              Object.is(wasm[i * n + j], expected),
              `n ${trials}: ${correct[i]} ${correct[j]} ${counts[i * n + j]}: ${wasm[i * n + j]} vs ${expected}`,
            );
            assert.ok(Object.is(reference[i * n + j], expected));
          }
      }
    }
  });

  test("allPairCounts with kappa: every tile's kappas are kappaFromCounts of its counts, both kernels, 1 and 2 threads, lent tiles (reused worker arrays)", async () => {
    const rng = seededRandom(21);
    const trials = 333;
    const rows = Array.from({ length: 27 }, (_, i) =>
      Array.from({ length: trials }, () => (i === 3 ? 0 : i === 4 || i === 5 ? 1 : rng() < 0.2 + i / 40 ? 1 : 0)),
    );
    const packed = packObservers(
      rows.map((_, i) => `o${i}`),
      rows,
    );
    const reference = await allPairCounts(packed, { kernel: "ts", threads: 1 });
    for (const [kernel, threads, lendTiles] of [
      ["wasm", 1, false],
      ["wasm", 2, false],
      ["wasm", 2, true],
      ["ts", 1, false],
      ["ts", 2, true],
    ] as const) {
      let pairs = 0;
      let undefinedKappas = 0;
      await allPairCounts(packed, {
        kernel,
        threads,
        tileSize: 2,
        kappa: true,
        lendTiles,
        onTile: (tile) => {
          const width = tile.colEnd - tile.colStart;
          for (let i = tile.rowStart; i < tile.rowEnd; i++)
            for (let j = Math.max(tile.colStart, i + 1); j < tile.colEnd; j++) {
              const k = (i - tile.rowStart) * width + (j - tile.colStart);
              const expected = kappaFromCounts(trials, reference.correct[i], reference.correct[j], reference.bothCorrect![i * 27 + j]);
              assert.ok(Object.is(tile.kappa![k], expected), `${kernel} ${threads}: ${i} ${j}`);
              pairs++;
              if (Number.isNaN(expected)) undefinedKappas++;
            }
        },
      });
      assert.equal(pairs, (27 * 26) / 2);
      assert.equal(undefinedKappas, 1, "the two all-correct observers");
    }
    await assert.rejects(allPairCounts(packed, { kappa: true }), /kappa needs onTile/);
  });
});
