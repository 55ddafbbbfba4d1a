// The normal distribution (src/core/math/normal.ts): quantile and CDF against reference values.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalCdf, normalQuantile } from "../../../src/core/math/normal.ts";
import { close } from "../pair-counts-fixtures.ts";

describe("normal distribution", () => {
  test("normalQuantile against known values (AS 241, relative 1e-15)", () => {
    // Reference values: SciPy's norm.ppf, agreeing with 50-digit mpmath.
    const cases: [number, number][] = [
      [0.975, 1.959963984540054],
      [0.025, -1.959963984540054],
      [0.5, 0],
      [0.95, 1.6448536269514722],
      [0.9, 1.2815515655446004],
      [0.75, 0.6744897501960817],
      [0.99, 2.3263478740408408],
      [0.001, -3.090232306167813],
      [1e-10, -6.361340902404056],
      [1e-20, -9.262340089798409],
      [1e-100, -21.273453560965322],
    ];
    for (const [p, z] of cases) close(normalQuantile(p), z, 1e-15 * Math.max(1, Math.abs(z)), `Φ^-1(${p})`);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(normalQuantile(1.5)) && Number.isNaN(normalQuantile(-0.1)) && Number.isNaN(normalQuantile(NaN)));
  });

  test("normalCdf against known values (relative 1e-14) and as the inverse of normalQuantile", () => {
    // Reference values: 50-digit mpmath ncdf.
    const cases: [number, number][] = [
      [0, 0.5],
      [1.959963984540054, 0.975],
      [-1, 0.15865525393145705],
      [1, 0.8413447460685429],
      [-2, 0.02275013194817921],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160525e-24],
      [0.3, 0.6179114221889527],
      [5, 0.9999997133484281],
    ];
    for (const [x, p] of cases) close(normalCdf(x), p, 1e-14 * p, `Φ(${x})`);
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    for (let p = 0.001; p < 1; p += 0.0137) close(normalCdf(normalQuantile(p)), p, 1e-15, `Φ(Φ^-1(${p}))`);
  });
});
