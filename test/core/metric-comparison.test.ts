import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { metricMatrix } from "../../src/core/metric-bootstrap.ts";
import { compareMetricModels } from "../../src/core/metric-comparison.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { compareModels } from "../../src/core/model-comparison.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 || (Number.isNaN(actual) && Number.isNaN(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );

/** Answers of humans and models on stimuli of `categories`; `copies` maps a model to the observer it copies. */
function trials(categories: string[], copies: Record<string, string> = {}) {
  const builder = new TrialTableBuilder("t");
  const rng = new SeededRandom(31);
  const observers = ["subject-01", "subject-02", "subject-03", "alexnet", "resnet", "vgg", ...Object.keys(copies)];
  const accuracy = [0.8, 0.7, 0.75, 0.55, 0.85, 0.65];
  const answers = new Map<string, string>();
  for (let s = 0; s < 36; s++) {
    const truth = categories[s % categories.length];
    const hard = rng.uniform() < 0.3;
    observers.forEach((observer, o) => {
      const stimulus = `s${String(s).padStart(2, "0")}`;
      let response: string;
      if (copies[observer]) response = answers.get(`${copies[observer]}/${stimulus}`)!;
      else if (rng.uniform() < (hard ? accuracy[o] - 0.4 : accuracy[o])) response = truth;
      else {
        const wrong = categories.filter((c) => c !== truth);
        response = wrong[Math.floor(rng.uniform() * wrong.length)];
      }
      answers.set(`${observer}/${stimulus}`, response);
      builder.add({
        observer,
        condition: "c",
        stimulus,
        truth,
        response,
        correct: response === truth,
        missing: false,
        file: "t.csv",
        line: s + 2,
      });
    });
  }
  return builder.build();
}

describe("compareMetricModels", () => {
  test("with two options, capa-discrete's comparison equals error kappa's (same seed): differences, intervals, p-values, ranks", () => {
    const table = trials(["cat", "dog"]);
    const options = { replicates: 250, seed: 9, level: 0.9 };
    const metric = compareMetricModels(metricMatrix(probabilityTableFromTrials(table, false), "capa-discrete", "all"), options);
    const kappa = compareModels(outcomeMatrix(table), options);
    assert.equal(metric.comparisons.length, 3);
    metric.comparisons.forEach((c, k) => {
      const e = kappa.comparisons[k];
      assert.deepEqual([c.model_a, c.model_b], [e.model_a, e.model_b]);
      for (const key of ["mean_a", "mean_b", "difference", "lower", "upper", "p", "p_holm", "p_bh", "p_a_greater"] as const)
        close(c[key], e[key], `${c.model_a}-${c.model_b} ${key}`);
    });
    assert.deepEqual(
      metric.ranking.map((r) => [r.model, r.rank, r.rank_lower, r.rank_upper, r.n_humans]),
      kappa.ranking.map((r) => [r.model, r.rank, r.rank_lower, r.rank_upper, r.n_humans]),
    );
  });

  test("a model and its exact copy: difference 0, every null difference 0, p = 1; seeded", () => {
    const table = probabilityTableFromTrials(trials(["a", "b", "c", "d"], { "resnet-copy": "resnet" }), false);
    const matrix = metricMatrix(table, "response-kappa", "all");
    const options = { replicates: 100, seed: 2, models: ["resnet", "resnet-copy"] };
    const result = compareMetricModels(matrix, options);
    const [row] = result.comparisons;
    assert.equal(row.difference, 0);
    assert.equal(row.lower, 0);
    assert.equal(row.upper, 0);
    assert.equal(row.p, 1);
    assert.deepEqual(compareMetricModels(matrix, options), result);
  });

  test("fewer than two models, or no humans, is an error", () => {
    const matrix = metricMatrix(probabilityTableFromTrials(trials(["a", "b", "c"]), false), "capa", "all");
    assert.throws(() => compareMetricModels(matrix, { models: ["resnet"] }), /at least two models/);
    assert.throws(() => compareMetricModels(matrix, { models: ["resnet", "subject-01"] }), /is a human/);
  });
});
