// Progress of long computations (src/core/progress.ts): how often progressTicker reports.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { progressTicker } from "../../src/core/progress.ts";

/** The (done, total) calls a ticker passes on over a loop of `total` steps. */
function reported(total: number): [number, number][] {
  const calls: [number, number][] = [];
  const tick = progressTicker(total, (done, of) => calls.push([done, of]));
  for (let done = 1; done <= total; done++) tick(done);
  return calls;
}

describe("progressTicker", () => {
  test("every step up to 1000 steps", () => {
    const calls = reported(10);
    assert.deepEqual(
      calls,
      Array.from({ length: 10 }, (_, i) => [i + 1, 10]),
    );
    assert.equal(reported(1000).length, 1000);
  });

  test("every ceil(total / 1000) steps and at the end", () => {
    // 2500 steps: every 3rd (3, 6, ..., 2499: 833 calls) and the last step.
    const calls = reported(2500);
    assert.equal(calls.length, 834);
    assert.deepEqual(calls.slice(0, 2), [
      [3, 2500],
      [6, 2500],
    ]);
    assert.deepEqual(calls.slice(-2), [
      [2499, 2500],
      [2500, 2500],
    ]);
    // 1001 steps: every 2nd (500 calls) and the last.
    assert.equal(reported(1001).length, 501);
  });

  test("without a callback, a no-op", () => {
    const tick = progressTicker(10, undefined);
    assert.equal(tick(10), undefined);
  });
});
