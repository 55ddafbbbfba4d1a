// Random draws (src/core/math/samplers.ts): multinomial cells, and the normal, Gamma and Beta
// draws of the Beta null, by their moments and a KS test against the exact Beta CDF.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { regularizedIncompleteBeta } from "../../../src/core/math/beta.ts";
import { SeededRandom } from "../../../src/core/math/random.ts";
import { betaDraw, gammaDraw, multinomialCells, normalDraw } from "../../../src/core/math/samplers.ts";
import { close } from "../pair-counts-fixtures.ts";

describe("multinomial cells", () => {
  test("multinomialCells: sums to n, cell means n p_j; checks its input", () => {
    const rng = new SeededRandom(2);
    const p = [0.1, 0.45, 0, 0.3, 0.15];
    const sums = [0, 0, 0, 0, 0];
    const m = 20_000;
    for (let i = 0; i < m; i++) {
      const x = multinomialCells(rng, 50, p);
      assert.equal(
        x.reduce((a, b) => a + b, 0),
        50,
      );
      x.forEach((v, j) => (sums[j] += v));
    }
    sums.forEach((s, j) => close(s / m, 50 * p[j], 5 * Math.sqrt((50 * p[j] * (1 - p[j])) / m) + 1e-12));
    assert.equal(sums[2], 0);
    assert.deepEqual(multinomialCells(rng, 0, [0.5, 0.5]), [0, 0]);
    assert.throws(() => multinomialCells(rng, 10, [0.5, 0.6]), RangeError);
    assert.throws(() => multinomialCells(rng, 10, [-0.1, 1.1]), RangeError);
    assert.throws(() => multinomialCells(rng, 2.5, [1]), RangeError);
  });
});

describe("samplers of the Beta null", () => {
  test("normal, Gamma and Beta draws: moments and, for Beta, a KS test against the exact CDF", () => {
    const rng = new SeededRandom(60);
    const m = 50_000;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const z = normalDraw(rng);
      s1 += z;
      s2 += z * z;
    }
    close(s1 / m, 0, 5 * Math.sqrt(1 / m));
    close(s2 / m, 1, 5 * Math.sqrt(2 / m));
    for (const shape of [0.5, 1, 3.5, 112]) {
      let g1 = 0;
      let g2 = 0;
      for (let i = 0; i < m; i++) {
        const g = gammaDraw(rng, shape);
        g1 += g;
        g2 += g * g;
      }
      const mean = g1 / m;
      close(mean, shape, 5 * Math.sqrt(shape / m), `Gamma(${shape}) mean`);
      close(g2 / m - mean * mean, shape, 6 * Math.sqrt((6 * shape + 2 * shape * shape) / m), `Gamma(${shape}) variance`);
    }
    for (const [a, b] of [
      [112, 48],
      [3, 157],
      [1, 1],
    ]) {
      const draws = Float64Array.from({ length: 5000 }, () => betaDraw(rng, a, b)).sort();
      let d = 0;
      draws.forEach((x, i) => {
        const f = regularizedIncompleteBeta(x, a, b);
        d = Math.max(d, Math.abs(f - i / draws.length), Math.abs(f - (i + 1) / draws.length));
      });
      // One-sample KS at alpha 0.001: 1.9495 / sqrt(m).
      assert.ok(d < 1.9495 / Math.sqrt(draws.length), `Beta(${a}, ${b}) KS D = ${d}`);
    }
  });
});
