import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TileWorkerPool } from "../../src/kernel/worker-pool.ts";
import { POOL_TEST_TAG, testComputer } from "../fixtures/kernel/pool-worker.ts";

const WORKER_URL = new URL("../fixtures/kernel/pool-worker.ts", import.meta.url).href;
const pool = new TileWorkerPool<{ offset: number }, Float64Array>(WORKER_URL, POOL_TEST_TAG, "a test worker thread");
after(() => pool.close());

/** n tiles [k, k + 1, 2k, 2k + 1]. */
function tileList(n: number): Int32Array {
  return Int32Array.from({ length: 4 * n }, (_, i) => [0, 1, 0, 1][i % 4] + (i % 4 < 2 ? 1 : 2) * Math.floor(i / 4));
}

/** Runs the pool and returns each tile's result (by its r0) and whether it came from a worker. */
async function runAll(tiles: Int32Array, workers: number, callerComputes: boolean, offset = 0) {
  const results = new Map<number, { result: number[]; owned: boolean }>();
  await pool.run({
    tiles,
    workers,
    setup: () => ({ offset }),
    compute: callerComputes ? testComputer({ offset }, 0) : undefined,
    take: async (r0, r1, c0, c1, result, owned) => {
      assert.ok(!results.has(r0), `tile ${r0} taken twice`);
      assert.deepEqual([result[1], result[2], result[3]], [r1, c0, c1]);
      await new Promise((resolve) => setImmediate(resolve)); // a slow consumer: credits matter
      results.set(r0, { result: [...result], owned });
    },
  });
  return results;
}

describe("TileWorkerPool", () => {
  test("every tile is handed on exactly once, with the computing thread's slot; workers' tiles are their own arrays", async () => {
    const tiles = tileList(40);
    for (const [workers, callerComputes] of [
      [1, false],
      [2, false],
      [2, true],
      [0, true],
    ] as const) {
      const results = await runAll(tiles, workers, callerComputes, 1000);
      assert.equal(results.size, 40);
      for (const [r0, { result, owned }] of results) {
        assert.equal(result[0], r0 + 1000, "the run's setup reached the thread");
        const slot = result[4];
        assert.ok(slot >= (callerComputes ? 0 : 1) && slot <= workers, `slot ${slot}`);
        assert.equal(owned, slot !== 0, "only the calling thread's tiles are views");
      }
    }
  });

  test("pooled workers serve run after run; a worker's exception rejects the run and the next run still works", async () => {
    for (let k = 0; k < 3; k++) assert.equal((await runAll(tileList(10), 2, false, k)).size, 10);
    const bad = Int32Array.of(-1, 0, 0, 1, -1, 0, 0, 1);
    await assert.rejects(pool.run({ tiles: bad, workers: 1, setup: () => ({ offset: 0 }), take: () => {} }), /tile failed in slot 1/);
    await assert.rejects(runAll(bad, 0, true), /tile failed in slot 0/);
    await assert.rejects(
      pool.run({
        tiles: tileList(6),
        workers: 2,
        setup: () => ({ offset: 0 }),
        take: () => {
          throw new Error("consumer failed");
        },
      }),
      /consumer failed/,
    );
    assert.equal((await runAll(tileList(12), 2, false)).size, 12);
  });

  test("warm starts workers and resolves once they serve; runs use them, warm again starts none", async () => {
    await pool.warm(3);
    await pool.warm(3);
    const results = await runAll(tileList(30), 3, false);
    assert.equal(results.size, 30);
    assert.ok([...results.values()].every(({ owned }) => owned));
    await pool.warm(1);
  });

  test("recycle: a worker's later tiles are written into the results handed back, which the consumer no longer holds", async () => {
    for (const recycle of [true, false]) {
      let reused = 0;
      const held: Float64Array[] = [];
      await pool.run({
        tiles: tileList(10),
        workers: 1,
        setup: () => ({ offset: 0 }),
        recycle,
        take: (r0, _r1, _c0, _c1, result) => {
          assert.equal(result[0], r0);
          reused += result[5];
          held.push(result);
        },
      });
      // Two tiles are computed on the first two credits, each later one on a handed-back result;
      // every tile but the last goes back with a credit (the last credit finds no tile left).
      assert.equal(reused, recycle ? 8 : 0);
      assert.equal(held.filter((result) => result.length === 0).length, recycle ? 9 : 0, "handed-back results are transferred away");
    }
  });

  test("no tiles: resolves at once without starting a worker", async () => {
    await pool.run({ tiles: new Int32Array(0), workers: 4, setup: () => assert.fail("no setup wanted"), take: () => assert.fail() });
  });
});
