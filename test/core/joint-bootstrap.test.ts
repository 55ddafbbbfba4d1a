// Weighted kappa and the joint stimulus bootstrap (src/core/joint-bootstrap.ts) against
// computePairs on the observed and on explicitly resampled trials.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { jointBootstrap, weightedKappa } from "../../src/core/joint-bootstrap.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { resampleIndices, resampleWeights } from "../../src/core/math/samplers.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { tableOf } from "./aggregate-fixtures.ts";

describe("weighted kappa", () => {
  const rng = new SeededRandom(11);
  const S = 97;
  const outcomes: Record<string, Uint8Array> = {};
  ["subject-01", "subject-02", "subject-03", "alexnet", "vgg11-bn", "allright", "allright2"].forEach((name, k) => {
    outcomes[name] = Uint8Array.from({ length: S }, () => (name.startsWith("allright") ? 1 : rng.uniform() < 0.3 + 0.1 * k ? 1 : 0));
  });
  const table = tableOf(outcomes);
  const matrix = outcomeMatrix(table);
  const pairs = computePairs(table).pairs;

  test("all weights 1 give computePairs' kappa exactly (also inside the joint bootstrap)", () => {
    const ones = new Float64Array(S).fill(1);
    const boot = jointBootstrap(matrix, { replicates: 1, seed: 1, statistic: (v) => v.kappa });
    const n = matrix.observers.length;
    for (const pair of pairs) {
      const i = matrix.observers.indexOf(pair.observer1);
      const j = matrix.observers.indexOf(pair.observer2);
      const expected = pair.kappa ?? NaN;
      assert.equal(weightedKappa(matrix.correct[i], matrix.correct[j]), expected, `${pair.observer1}-${pair.observer2}`);
      assert.equal(weightedKappa(matrix.correct[i], matrix.correct[j], ones), expected);
      assert.equal(boot.observed[i * n + j], expected);
    }
  });

  test("bootstrap weights give the kappa of the explicitly resampled trials exactly", () => {
    for (const seed of [1, 2, 3]) {
      const draws = resampleIndices(new SeededRandom(seed), S);
      const weights = resampleWeights(new SeededRandom(seed), S);
      assert.equal(
        weights.reduce((a, b) => a + b),
        S,
      );
      // The resampled trials as a table of their own (draws index the matrix's stimulus
      // columns): copy j of stimulus s is the stimulus "s#j".
      const resampled: Record<string, number[]> = {};
      matrix.observers.forEach((name, i) => (resampled[name] = Array.from(draws, (s) => matrix.correct[i][s])));
      const resampledPairs = computePairs(tableOf(resampled, (j) => `${matrix.stimuli[draws[j]]}#${j}`)).pairs;
      const boot = jointBootstrap(matrix, { replicates: 1, seed, statistic: (v) => v.kappa });
      const n = matrix.observers.length;
      for (const pair of resampledPairs) {
        const i = matrix.observers.indexOf(pair.observer1);
        const j = matrix.observers.indexOf(pair.observer2);
        const expected = pair.kappa ?? NaN;
        assert.equal(weightedKappa(matrix.correct[i], matrix.correct[j], weights), expected);
        assert.equal(boot.samples[i * n + j][0], expected, "joint bootstrap replicate 0 uses the same resample");
      }
    }
  });
});
