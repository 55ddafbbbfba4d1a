/**
 * Comparing models with the same humans on a response-level metric (`trialwise compare
 * --metric`): the model comparison of ./model-comparison.ts (Klein et al. 2025) with each
 * model's mean metric with the humans in place of its mean kappa. Isomorphic and seeded.
 *
 * Each replicate draws the comparison's replicate ({@link drawComparisonReplicate}: S items with
 * replacement, and per resampled item whether models A and B swap their answers), so the same
 * seed resamples the same items as error kappa's comparison. The resampled items are copied
 * into a replicate table (copy j holds item draws[j]'s options and every observer's vectors,
 * answers and margins there); a model under the null, A', holds A's copy where the item is not
 * swapped and B's where it is. Each mean is the metric's own function ({@link metricValue}) on
 * the replicate table, so the comparison has no formula of its own; the differences, p-values,
 * adjustments and ranks are {@link comparisonsFromReplicates}'.
 *
 * Cost per replicate: for M models, P = M (M - 1) / 2 pairs of models and H humans,
 * (M + 2 P) H metric evaluations of S items and K options each.
 */
import { InputError } from "./errors.ts";
import { AGGREGATE_DEFAULTS, checkBootstrapOptions } from "./joint-bootstrap.ts";
import { type MetricMatrix, metricRoles } from "./metric-bootstrap.ts";
import { type MetricObserver, metricValue } from "./metric-pairs.ts";
import {
  type CompareOptions,
  type ModelComparisons,
  comparisonGenerators,
  comparisonsFromReplicates,
  drawComparisonReplicate,
} from "./model-comparison.ts";
import { progressTicker } from "./progress.ts";
import type { CategoryLayout } from "./response-agreement.ts";

/** The layout of the replicate table: copy j is item `source[j]` of `layout`. */
function copyLayout(layout: CategoryLayout, source: ArrayLike<number>): CategoryLayout {
  const offsets = new Int32Array(source.length + 1);
  for (let j = 0; j < source.length; j++) offsets[j + 1] = offsets[j] + layout.offsets[source[j] + 1] - layout.offsets[source[j]];
  const truth = new Int32Array(source.length);
  const category = new Int32Array(offsets[source.length]);
  for (let j = 0; j < source.length; j++) {
    truth[j] = layout.truth[source[j]];
    const from = layout.offsets[source[j]];
    for (let o = offsets[j]; o < offsets[j + 1]; o++) category[o] = layout.category[from + o - offsets[j]];
  }
  return { offsets, truth, category, categories: layout.categories };
}

/** An observer on the replicate table: copy j takes `pick(j)`'s vectors, answers and margins at item source[j]. */
function copyObserver(
  layout: CategoryLayout,
  copies: CategoryLayout,
  source: ArrayLike<number>,
  pick: (j: number) => MetricObserver,
): MetricObserver {
  const first = pick(0);
  const sameAnswers = first.vectors === first.answers;
  const vectors = new Float64Array(copies.offsets[source.length]);
  const answers = sameAnswers ? vectors : new Float64Array(vectors.length);
  const margins = first.margins && new Float64Array(source.length);
  for (let j = 0; j < source.length; j++) {
    const from = pick(j);
    const start = layout.offsets[source[j]];
    for (let o = copies.offsets[j]; o < copies.offsets[j + 1]; o++) {
      vectors[o] = from.vectors[start + o - copies.offsets[j]];
      if (!sameAnswers) answers[o] = from.answers[start + o - copies.offsets[j]];
    }
    if (margins) margins[j] = from.margins![source[j]];
  }
  return { observer: first.observer, vectors, answers, margins };
}

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

  const meanWithHumans = (layout: CategoryLayout, model: MetricObserver, humans: readonly MetricObserver[], items: ArrayLike<number>) => {
    let sum = 0;
    let count = 0;
    for (const human of humans) {
      const value = metricValue(metric, layout, model, human, items);
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
    }
    return { mean: sum / count, count };
  };
  const humans = roles.humans.map((h) => matrix.prepared[h]);
  const models = roles.models.map((m) => matrix.prepared[m]);
  const onData = models.map((model) => meanWithHumans(matrix.layout, model, humans, matrix.items));

  const boot = models.map(() => new Float64Array(replicates));
  const nullDiff = Array.from({ length: (M * (M - 1)) / 2 }, () => new Float64Array(replicates));
  const generators = comparisonGenerators(seed);
  const draws = new Int32Array(S);
  const swaps = new Uint8Array(S);
  const source = new Int32Array(S);
  const copies = Int32Array.from({ length: S }, (_, j) => j);
  const tick = progressTicker(replicates, options.onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    drawComparisonReplicate(generators, draws, swaps);
    for (let j = 0; j < S; j++) source[j] = matrix.items[draws[j]];
    const layout = copyLayout(matrix.layout, source);
    const copy = (pick: (j: number) => MetricObserver) => copyObserver(matrix.layout, layout, source, pick);
    const copiedHumans = humans.map((h) => copy(() => h));
    models.forEach(
      (model, m) =>
        (boot[m][r] = meanWithHumans(
          layout,
          copy(() => model),
          copiedHumans,
          copies,
        ).mean),
    );
    let p = 0;
    for (let a = 0; a < M; a++) {
      for (let b = a + 1; b < M; b++) {
        const aPrime = copy((j) => (swaps[j] ? models[b] : models[a]));
        const bPrime = copy((j) => (swaps[j] ? models[a] : models[b]));
        nullDiff[p++][r] =
          meanWithHumans(layout, aPrime, copiedHumans, copies).mean - meanWithHumans(layout, bPrime, copiedHumans, copies).mean;
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
