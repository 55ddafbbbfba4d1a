/**
 * Comparing models with the same humans on a response-level metric (`trialwise compare
 * --metric`): the model comparison of ./model-comparison.ts (Klein et al. 2025) with each
 * model's mean metric with the humans in place of its mean kappa. Isomorphic and seeded.
 *
 * Each replicate draws the comparison's replicate ({@link drawComparisonReplicate}: S items with
 * replacement, and per resampled item whether models A and B swap their answers), so the same
 * seed resamples the same items as error kappa's comparison. A model under the null, A', gives
 * A's answer on a resampled item that is not swapped and B's on one that is. Each model's (and
 * A''s) metric with each human on the replicate comes from {@link ReplicateMetricPairs}
 * (./metric-replicates.ts: the metric of the resampled items, with agreements per model, human
 * and item computed once); the differences, p-values, adjustments and ranks are
 * {@link comparisonsFromReplicates}'.
 *
 * Cost per replicate: for M models, P = M (M - 1) / 2 pairs of models and H humans,
 * (M + 2 P) H sums over the S resampled items; memory M H S numbers for the agreements.
 */
import { InputError } from "./errors.ts";
import { AGGREGATE_DEFAULTS, checkBootstrapOptions } from "./joint-bootstrap.ts";
import { type MetricMatrix, metricRoles } from "./metric-bootstrap.ts";
import { metricValue } from "./metric-pairs.ts";
import { MAX_PAIR_AGREEMENTS, ReplicateMetricPairs } from "./metric-replicates.ts";
import {
  type CompareOptions,
  type ModelComparisons,
  comparisonGenerators,
  comparisonsFromReplicates,
  drawComparisonReplicate,
} from "./model-comparison.ts";
import { progressTicker } from "./progress.ts";

/**
 * Every pair of models (or the named ones, at least two) with the same humans, on the matrix's
 * metric: each pair's difference of mean metric with the humans, its percentile interval, the
 * swap test's p-value with Holm and Benjamini-Hochberg adjustments, P(A > B), and the ranking
 * with rank intervals, as {@link comparisonsFromReplicates} reads them off the replicates.
 * Means skip humans whose value with the model is undefined (NaN-aware, as for kappa).
 */
export function compareMetricModels(matrix: MetricMatrix, options: CompareOptions = {}): ModelComparisons {
  const replicates = options.replicates ?? AGGREGATE_DEFAULTS.replicates;
  const seed = options.seed ?? AGGREGATE_DEFAULTS.seed;
  const level = options.level ?? AGGREGATE_DEFAULTS.level;
  checkBootstrapOptions(replicates, level, seed);
  for (const m of options.models ?? []) {
    if (!matrix.observers.includes(m)) throw new InputError(`model "${m}" is not in the matrix of dataset "${matrix.dataset}"`);
    if (matrix.humans.has(m)) throw new InputError(`"${m}" is a human, not a model`);
  }
  const roles = metricRoles(matrix, options.models);
  if (roles.models.length < 2) throw new InputError("comparing models needs at least two models");
  if (roles.humans.length === 0) throw new InputError(`no humans in dataset "${matrix.dataset}" (condition "${matrix.condition}")`);
  const { metric } = matrix;
  const M = roles.models.length;
  const S = matrix.items.length;

  const H = roles.humans.length;
  if (M * H * S > MAX_PAIR_AGREEMENTS) {
    throw new InputError(
      `comparing ${M} models with ${H} humans on ${S} items keeps ${M * H * S} agreements (more than ${MAX_PAIR_AGREEMENTS}); compare fewer models or humans`,
    );
  }
  /** Mean over the humans (undefined values skipped) of `valueWith(h)`, and how many were defined. */
  const meanWithHumans = (valueWith: (h: number) => number) => {
    let sum = 0;
    let count = 0;
    for (let h = 0; h < H; h++) {
      const value = valueWith(h);
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
    }
    return { mean: sum / count, count };
  };
  const onData = roles.models.map((model) =>
    meanWithHumans((h) => metricValue(metric, matrix.layout, matrix.prepared[model], matrix.prepared[roles.humans[h]], matrix.items)),
  );
  // Pair m * H + h: model m (of roles.models) with human h (of roles.humans), the model first.
  const pairs = roles.models.flatMap((model) => roles.humans.map((human) => [model, human] as const));
  const replicate = new ReplicateMetricPairs(metric, matrix.layout, matrix.prepared, matrix.items, pairs);
  const boot = roles.models.map(() => new Float64Array(replicates));
  const nullDiff = Array.from({ length: (M * (M - 1)) / 2 }, () => new Float64Array(replicates));
  const generators = comparisonGenerators(seed);
  const draws = new Int32Array(S);
  const swaps = new Uint8Array(S);
  const tick = progressTicker(replicates, options.onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    drawComparisonReplicate(generators, draws, swaps);
    replicate.resample(draws);
    for (let m = 0; m < M; m++) boot[m][r] = meanWithHumans((h) => replicate.value(m * H + h)).mean;
    let p = 0;
    for (let a = 0; a < M; a++) {
      for (let b = a + 1; b < M; b++) {
        replicate.swap(roles.models[a], roles.models[b], swaps);
        const aPrime = meanWithHumans((h) => replicate.swappedValue(a * H + h, b * H + h)).mean;
        replicate.swap(roles.models[b], roles.models[a], swaps);
        const bPrime = meanWithHumans((h) => replicate.swappedValue(b * H + h, a * H + h)).mean;
        nullDiff[p++][r] = aPrime - bPrime;
      }
    }
    tick(r + 1);
  }
  return comparisonsFromReplicates(
    {
      dataset: matrix.dataset,
      condition: matrix.condition,
      names: roles.models.map((m) => matrix.observers[m]),
      nHumans: onData.map((d) => d.count),
      observed: onData.map((d) => d.mean),
      boot,
      nullDiff,
    },
    { replicates, level, seed },
  );
}
