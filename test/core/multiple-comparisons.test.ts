// Multiplicity corrections (src/core/multiple-comparisons.ts): Holm and Benjamini-Hochberg
// against worked examples and R's p.adjust.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { benjaminiHochberg, holm } from "../../src/core/multiple-comparisons.ts";
import { near } from "./aggregate-fixtures.ts";

describe("multiplicity corrections", () => {
  test("Holm on a worked example", () => {
    // Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04 -> running max 0.06).
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((e, i) => near(adjusted[i], e, 1e-15, `holm[${i}]`));
    // p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") in R.
    holm([0.01, 0.02, 0.03, 0.04, 0.05]).forEach((v, i) => near(v, [0.05, 0.08, 0.09, 0.09, 0.09][i], 1e-15, `holm5[${i}]`));
    assert.deepEqual(holm([0.5, 0.9]), [1, 1]); // capped at 1
  });

  test("Benjamini-Hochberg on a worked example", () => {
    // m p_(j) / j: 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04; running min from the top.
    const adjusted = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    [0.02, 0.04, 0.04, 0.02].forEach((e, i) => near(adjusted[i], e, 1e-15, `bh[${i}]`));
    // p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") in R: all 0.05.
    benjaminiHochberg([0.01, 0.02, 0.03, 0.04, 0.05]).forEach((v, i) => near(v, 0.05, 1e-15, `bh5[${i}]`));
    // The step-up keeps monotonicity: p.adjust(c(0.04, 0.01, 0.9), "BH") = 0.06, 0.03, 0.9.
    benjaminiHochberg([0.04, 0.01, 0.9]).forEach((v, i) => near(v, [0.06, 0.03, 0.9][i], 1e-15, `bh3[${i}]`));
  });

  test("NaN p-values stay NaN and do not count", () => {
    const h = holm([0.01, NaN, 0.04]);
    assert.ok(Number.isNaN(h[1]));
    near(h[0], 0.02, 1e-15);
    near(h[2], 0.04, 1e-15);
    const b = benjaminiHochberg([NaN, 0.02, 0.04]);
    assert.ok(Number.isNaN(b[0]));
    near(b[1], 0.04, 1e-15);
    near(b[2], 0.04, 1e-15);
    assert.throws(() => holm([1.5]), RangeError);
  });
});
