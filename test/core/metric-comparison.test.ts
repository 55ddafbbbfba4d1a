import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type MetricMatrix, metricMatrix, metricRoles } from "../../src/core/metric-bootstrap.ts";
import { type MetricObserver, metricValue } from "../../src/core/metric-pairs.ts";
import type { CategoryLayout } from "../../src/core/response-agreement.ts";
import { compareMetricModels } from "../../src/core/metric-comparison.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import {
  compareModels,
  comparisonGenerators,
  comparisonsFromReplicates,
  drawComparisonReplicate,
} from "../../src/core/model-comparison.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { randomTable } from "./probability-table-fixtures.ts";

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

/**
 * The comparison recomputed straightforwardly: each replicate's resampled items copied into a
 * replicate table (copy j: item draws[j]; A' holds B's vectors where j is swapped) and every mean
 * from the metric's own function on it. Returns the replicate series compareMetricModels reads.
 */
function referenceSeries(matrix: MetricMatrix, replicates: number, seed: number) {
  const { humans, models } = metricRoles(matrix);
  const { layout, prepared, metric } = matrix;
  const S = matrix.items.length;
  const generators = comparisonGenerators(seed);
  const draws = new Int32Array(S);
  const swaps = new Uint8Array(S);
  const boot = models.map(() => new Float64Array(replicates));
  const nullDiff: Float64Array[] = [];
  for (let a = 0; a < models.length; a++) for (let b = a + 1; b < models.length; b++) nullDiff.push(new Float64Array(replicates));
  for (let r = 0; r < replicates; r++) {
    drawComparisonReplicate(generators, draws, swaps);
    const source = Array.from(draws, (d) => matrix.items[d]);
    const offsets = [0];
    for (const i of source) offsets.push(offsets.at(-1)! + layout.offsets[i + 1] - layout.offsets[i]);
    const copies: CategoryLayout = {
      offsets,
      truth: source.map((i) => layout.truth[i]),
      category: source.flatMap((i) => Array.from(layout.category).slice(layout.offsets[i], layout.offsets[i + 1])),
      categories: layout.categories,
    };
    const copy = (pick: (j: number) => MetricObserver): MetricObserver => {
      const slice = (j: number, v: ArrayLike<number>) => Array.from(v).slice(layout.offsets[source[j]], layout.offsets[source[j] + 1]);
      const vectors = source.flatMap((_, j) => slice(j, pick(j).vectors));
      const answers = source.flatMap((_, j) => slice(j, pick(j).answers));
      const margins = pick(0).margins && Float64Array.from(source, (i, j) => pick(j).margins![i]);
      return { observer: pick(0).observer, vectors, answers, margins };
    };
    const copiedHumans = humans.map((h) => copy(() => prepared[h]));
    const mean = (model: MetricObserver) => {
      const values = copiedHumans
        .map((h) =>
          metricValue(
            metric,
            copies,
            model,
            h,
            source.map((_, j) => j),
          ),
        )
        .filter((v) => !Number.isNaN(v));
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    models.forEach((m, k) => (boot[k][r] = mean(copy(() => prepared[m]))));
    let p = 0;
    for (let a = 0; a < models.length; a++) {
      for (let b = a + 1; b < models.length; b++) {
        const aPrime = copy((j) => prepared[swaps[j] ? models[b] : models[a]]);
        const bPrime = copy((j) => prepared[swaps[j] ? models[a] : models[b]]);
        nullDiff[p++][r] = mean(aPrime) - mean(bPrime);
      }
    }
  }
  const onData = models.map((m) => {
    const values = humans.map((h) => metricValue(metric, layout, prepared[m], prepared[h], matrix.items)).filter((v) => !Number.isNaN(v));
    return { mean: values.reduce((s, v) => s + v, 0) / values.length, count: values.length };
  });
  return { observed: onData.map((d) => d.mean), nHumans: onData.map((d) => d.count), boot, nullDiff };
}

describe("compareMetricModels: the replicates equal the straightforward recomputation on copied tables", () => {
  for (const metric of ["capa", "capa-discrete", "response-kappa", "dmc"] as const) {
    test(`${metric}, models' probabilities and people's shares of 3 trials`, () => {
      const matrix = metricMatrix(randomTable(7, 30, 3, 3, 3), metric, "all");
      const options = { replicates: 40, seed: 13, level: 0.9 };
      const reference = referenceSeries(matrix, options.replicates, options.seed);
      const result = compareMetricModels(matrix, options);
      const expected = comparisonsFromReplicates(
        {
          dataset: matrix.dataset,
          condition: matrix.condition,
          names: metricRoles(matrix).models.map((m) => matrix.observers[m]),
          ...reference,
        },
        options,
      );
      assert.equal(result.comparisons.length, 3);
      result.comparisons.forEach((c, k) => {
        const e = expected.comparisons[k];
        assert.deepEqual([c.model_a, c.model_b], [e.model_a, e.model_b]);
        for (const key of ["mean_a", "mean_b", "difference", "lower", "upper", "p", "p_holm", "p_bh", "p_a_greater"] as const)
          close(c[key], e[key], `${c.model_a}-${c.model_b} ${key}`);
      });
      result.ranking.forEach((row, k) => {
        const e = expected.ranking[k];
        assert.deepEqual(
          [row.model, row.rank, row.rank_lower, row.rank_upper, row.n_humans],
          [e.model, e.rank, e.rank_lower, e.rank_upper, e.n_humans],
        );
        for (const key of ["mean", "lower", "upper"] as const) close(row[key], e[key], `${row.model} ${key}`);
      });
    });
  }
});
