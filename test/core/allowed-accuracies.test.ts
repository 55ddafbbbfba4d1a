// The accuracies a kappa allows with an observer of given accuracy (src/core/allowed-accuracies.ts):
// hand-checked ends, and the ends on kappa's bounds for random accuracies and kappas.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allowedAccuracies } from "../../src/core/allowed-accuracies.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { kappaBounds } from "../../src/core/metrics.ts";
import { close } from "./pair-counts-fixtures.ts";

describe("accuracies a kappa allows", () => {
  test("hand-checked ends", () => {
    // a1 = 0.5, kappa 0.5: kappa_max = 2 a2 (1 - a1) / (a1 + a2 - 2 a1 a2) = a2 / 0.5 ... for a2 <= 0.5:
    // 2 a2 0.5 / 0.5 = 2 a2 = 0.5 at a2 = 0.25; symmetric above: 2 (0.5)(1 - a2) / 0.5 = 0.5 at a2 = 0.75.
    const half = allowedAccuracies(0.5, 0.5)!;
    close(half.min, 0.25, 1e-15);
    close(half.max, 0.75, 1e-15);
    // a1 = 0.5, kappa -0.5: kappa_min = -2 a1 a2 / 0.5 = -2 a2 (a2 <= 0.5) reaches -0.5 at 0.25; symmetric: 0.75.
    const negative = allowedAccuracies(0.5, -0.5)!;
    close(negative.min, 0.25, 1e-15);
    close(negative.max, 0.75, 1e-15);
    assert.deepEqual(allowedAccuracies(0.7, 1), { min: 0.7, max: 0.7 });
    assert.deepEqual(allowedAccuracies(0.7, 0), { min: 0, max: 1 });
    assert.equal(allowedAccuracies(0.7, -1), null); // only two .5 observers can never agree
    assert.deepEqual(allowedAccuracies(0.5, -1), { min: 0.5, max: 0.5 });
    assert.equal(allowedAccuracies(1, 0.2), null);
    assert.deepEqual(allowedAccuracies(1, 0), { min: 0, max: 1 });
    assert.throws(() => allowedAccuracies(0.5, 1.5), /kappa/);
    assert.throws(() => allowedAccuracies(-0.1, 0.5), /accuracy/);
  });

  test("at the ends kappa is on a bound; inside it is allowed, outside not (random a1, kappa of both signs)", () => {
    const rng = new SeededRandom(8);
    const allows = (a1: number, a2: number, k: number) => {
      const { min, max } = kappaBounds(a1, a2);
      return min !== null && max !== null && k >= min - 1e-9 && k <= max + 1e-9;
    };
    for (let i = 0; i < 2000; i++) {
      const a1 = 0.01 + 0.98 * rng.uniform();
      const k = 2 * rng.uniform() - 1;
      const range = allowedAccuracies(a1, k);
      if (range === null) {
        for (let a2 = 0.005; a2 < 1; a2 += 0.01) assert.ok(!allows(a1, a2, k), `a1 ${a1}, kappa ${k}: none, but ${a2} allows it`);
        continue;
      }
      for (const end of [range.min, range.max]) {
        if (end <= 0 || end >= 1) continue;
        const { min, max } = kappaBounds(a1, end) as { min: number; max: number };
        assert.ok(Math.min(Math.abs(min - k), Math.abs(max - k)) < 1e-9, `a1 ${a1}, kappa ${k}: end ${end} has bounds [${min}, ${max}]`);
      }
      const step = 1e-6;
      assert.ok(allows(a1, (range.min + range.max) / 2, k), `a1 ${a1}, kappa ${k}: middle of [${range.min}, ${range.max}]`);
      if (range.min - step > 0) assert.ok(!allows(a1, range.min - step, k), `a1 ${a1}, kappa ${k}: below ${range.min}`);
      if (range.max + step < 1) assert.ok(!allows(a1, range.max + step, k), `a1 ${a1}, kappa ${k}: above ${range.max}`);
    }
  });
});
