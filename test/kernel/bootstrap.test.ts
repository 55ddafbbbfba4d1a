import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { jointBootstrap } from "../../src/core/joint-bootstrap.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { kernelJointBootstrap, weightedPairCounts } from "../../src/kernel/bootstrap.ts";
import { packObservers, packOutcomeMatrix } from "../../src/kernel/packed.ts";
import { seededRandom } from "../helpers.ts";

function randomRows(n: number, trials: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  const difficulty = Array.from({ length: trials }, () => random());
  return Array.from({ length: n }, (_, i) =>
    Uint8Array.from(difficulty, (d) => (i === 0 ? 0 : i === 1 ? 1 : random() * 0.6 + 0.4 * d > 0.5 ? 1 : 0)),
  );
}

describe("bit-plane weighted counts", () => {
  for (const kernel of ["wasm", "ts"] as const) {
    test(`${kernel}: exactly Σ w a c for integer weights, sizes not divisible by 64`, () => {
      for (const [n, trials] of [
        [7, 131],
        [3, 64],
        [5, 1],
      ] as const) {
        const rows = randomRows(n, trials, n * 1000 + trials);
        const random = seededRandom(trials);
        const weights = Array.from({ length: trials }, () => Math.floor(random() * 21));
        const result = weightedPairCounts(
          packObservers(
            rows.map((_, i) => `o${i}`),
            rows,
          ),
          weights,
          { kernel },
        );
        assert.equal(
          result.total,
          weights.reduce((a, b) => a + b, 0),
        );
        for (let i = 0; i < n; i++) {
          assert.equal(
            result.correct[i],
            rows[i].reduce((s, a, t) => s + a * weights[t], 0),
          );
          for (let j = 0; j < n; j++) {
            const expected = rows[i].reduce((s, a, t) => s + a * rows[j][t] * weights[t], 0);
            assert.equal(result.bothCorrect[i * n + j], expected, `${kernel} n=${n} trials=${trials} pair ${i},${j}`);
          }
        }
      }
    });
  }
});

describe("the joint bootstrap on the kernel", () => {
  test("its replicates are exactly those of the typed-array joint bootstrap, for the same seed", () => {
    const rows = randomRows(9, 203, 5);
    const builder = new TrialTableBuilder("random");
    rows.forEach((row, i) =>
      row.forEach((c, t) =>
        builder.add({
          observer: i < 3 ? `subject-${i}` : `model-${i}`,
          condition: "c",
          stimulus: `s${t}`,
          truth: "x",
          response: c ? "x" : "y",
          correct: c === 1,
          missing: false,
          file: "r",
          line: t,
        }),
      ),
    );
    const matrix = outcomeMatrix(builder.build());
    const n = matrix.observers.length;
    const reference = new Map<number, Float64Array>();
    jointBootstrap(matrix, {
      replicates: 25,
      seed: 11,
      statistic: (view) => {
        reference.set(view.replicate, Float64Array.from(view.kappa));
        return 0;
      },
    });
    // jointBootstrap also evaluates the data itself (replicate -1) before the replicates 0..R-1.
    const replicates = Array.from({ length: 25 }, (_, r) => reference.get(r)!);
    const packed = packOutcomeMatrix(matrix);
    let seen = 0;
    kernelJointBootstrap(packed, {
      replicates: 25,
      seed: 11,
      onReplicate: (r, kappa) => {
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) assert.ok(Object.is(kappa[i * n + j], replicates[r][i * n + j]), `replicate ${r} pair ${i},${j}`);
        seen++;
      },
    });
    assert.equal(seen, 25);
  });
});
