/**
 * The item bootstrap of the response-level metrics (CAPA, its discrete variant, decision-margin
 * consistency, response kappa; ./metric-pairs.ts): one pair's interval (`trialwise ci --metric`)
 * and the intervals of means over pairs (`trialwise summary --metric`). Isomorphic and seeded.
 *
 * A replicate resamples the items (stimuli, questions) of an analysis unit with replacement,
 * once for all observers (Klein et al. 2025's joint bootstrap), with the joint bootstrap's own
 * draws ({@link drawJointReplicate}): the same seed resamples the same stimuli as error kappa's
 * intervals do, and with `hierarchical` the same humans. Each pair's metric is then the metric
 * of the resampled items, the list of resampled item indices (item s listed w_s times, w_s how
 * often it was drawn). The value bootstrapped is the metric's value column (./metric-pairs.ts's
 * METRIC_VALUE: kappa_p, dmc, response_kappa); a replicate where it is undefined is NaN
 * and left out of the quantiles (counted in `undefined_replicates`), as for kappa.
 *
 * The intervals of means over pairs get each pair's value on a replicate from
 * {@link ReplicateMetricPairs} (./metric-replicates.ts): per-pair agreements per item computed
 * once, then O(S) per pair and replicate, the same number as the metric's own function on the
 * resampled items (to rounding where the agreements are not integers); about as fast as error
 * kappa's bootstrap. One pair's interval calls the metric's own function, O(S K) per replicate.
 */
import { InputError } from "./errors.ts";
import {
  type BootstrapMethod,
  type ReplicateKappas,
  checkBootstrapOptions,
  drawJointReplicate,
  groupMeanKappa,
  meanKappaWithHumans,
} from "./joint-bootstrap.ts";
import { percentileInterval, countNaN } from "./math/quantile.ts";
import { SeededRandom } from "./math/random.ts";
import type { GroupKappaInterval, IntervalSettings, ModelKappaInterval } from "./mean-intervals.ts";
import { type MetricObserver, type ResponseMetric, metricObserver, metricValue, tableLayout } from "./metric-pairs.ts";
import { ReplicateMetricPairs } from "./metric-replicates.ts";
import { bcaFromReplicates, jackknifeAcceleration } from "./pair-intervals.ts";
import type { PairType } from "./pairs.ts";
import type { ProbabilityTable } from "./probability-table.ts";
import { type ProgressCallback, progressTicker } from "./progress.ts";
import type { CategoryLayout } from "./response-agreement.ts";
import { type ExcludedObserver, excludedObserver, groupByStimulusSet, listSets, unitStimulusSet } from "./stimulus-sets.ts";
import { compareText } from "./trials.ts";

/**
 * The resampled items of a replicate as an index list: `items[s]` listed `weights[s]` times, in
 * the order of `items`. Returns how many were written to `out` (the sum of the weights).
 */
export function resampledItems(items: ArrayLike<number>, weights: ArrayLike<number>, out: Int32Array): number {
  let n = 0;
  for (let s = 0; s < items.length; s++) for (let c = 0; c < weights[s]; c++) out[n++] = items[s];
  return n;
}

// ---------------------------------------------------------------------------------------------
// One pair

export type MetricIntervalMethod = "percentile" | "bca";

export interface PairMetricIntervalOptions {
  method: MetricIntervalMethod;
  level: number;
  replicates: number;
  /** Seed of this pair's draws (the CLI derives it from the user's seed and the pair's names, `pairSeed`). */
  seed: number;
  onProgress?: ProgressCallback;
}

export interface PairMetricInterval {
  /** The metric's value on the pair's items; NaN where undefined (then the ends are NaN too). */
  value: number;
  lower: number;
  upper: number;
  method: MetricIntervalMethod;
  level: number;
  /** Items of the pair. */
  n_trials: number;
  replicates: number;
  /** Replicates whose value was undefined, left out of the quantiles. */
  undefined_replicates: number;
}

/**
 * The item bootstrap interval of one pair's metric on `items` (indices into the table, the
 * pair's common items): `replicates` resamples of the items with replacement
 * ({@link drawJointReplicate} with SeededRandom(seed)), the metric of each, and the percentile
 * interval (type-7 quantiles, {@link percentileInterval}) or the BCa interval
 * ({@link bcaFromReplicates}, the rule of error kappa's BCa) with the acceleration from the
 * jackknife over items (leave one item out, {@link jackknifeAcceleration}; S more evaluations of
 * the metric). Where the value is undefined nothing is drawn.
 */
export function pairMetricInterval(
  table: ProbabilityTable,
  metric: ResponseMetric,
  observer1: string,
  observer2: string,
  items: readonly number[],
  options: PairMetricIntervalOptions,
): PairMetricInterval {
  const { method, level, replicates, seed } = options;
  checkBootstrapOptions(replicates, level, seed);
  if (items.length === 0) throw new RangeError("a pair's interval needs at least one item");
  const layout = tableLayout(table);
  const observerOf = (name: string) => {
    const observer = table.observers.find((o) => o.name === name);
    if (!observer) throw new RangeError(`no observer "${name}" in the table`);
    return metricObserver(layout, observer, metric);
  };
  const first = observerOf(observer1);
  const second = observerOf(observer2);
  const value = metricValue(metric, layout, first, second, items);
  const base = { value, method, level, n_trials: items.length };
  if (Number.isNaN(value)) return { ...base, lower: NaN, upper: NaN, replicates: 0, undefined_replicates: 0 };
  const S = items.length;
  const weights = new Float64Array(S);
  const observerWeight = new Float64Array(0);
  const resampled = new Int32Array(S);
  const samples = new Float64Array(replicates);
  const rng = new SeededRandom(seed);
  const tick = progressTicker(replicates, options.onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    drawJointReplicate(rng, weights, undefined, observerWeight);
    resampledItems(items, weights, resampled);
    samples[r] = metricValue(metric, layout, first, second, resampled);
    tick(r + 1);
  }
  let ends;
  if (method === "bca") {
    const leftOut = new Int32Array(S - 1);
    const jackknife = new Float64Array(S);
    for (let k = 0; k < S; k++) {
      for (let s = 0, j = 0; s < S; s++) if (s !== k) leftOut[j++] = items[s];
      jackknife[k] = S > 1 ? metricValue(metric, layout, first, second, leftOut) : NaN;
    }
    ends = bcaFromReplicates(value, samples, jackknifeAcceleration(jackknife), level);
  } else ends = percentileInterval(samples, level);
  return { ...base, lower: ends.lower, upper: ends.upper, replicates, undefined_replicates: countNaN(samples) };
}

// ---------------------------------------------------------------------------------------------
// All observers of a unit

/**
 * The observers of one analysis unit of a probability table who answered the unit's item set
 * (the rule of ./stimulus-sets.ts: the set the most observers answered), what the joint
 * bootstrap needs: every observer on every resampled item. The analogue of the outcome matrix
 * (./outcome-matrix.ts) for response-level metrics.
 */
export interface MetricMatrix {
  dataset: string;
  /** The unit: a condition, or "all". */
  condition: string;
  metric: ResponseMetric;
  layout: CategoryLayout;
  /** Observers with exactly the unit's item set, in code-unit order. */
  observers: string[];
  /** What the metric reads of each observer, in `observers` order. */
  prepared: MetricObserver[];
  /** The unit's items (indices into the table), in code-unit order of their keys. */
  items: number[];
  humans: Set<string>;
  /** Observers of the unit left out because they answered other items (never silently). */
  excluded: ExcludedObserver[];
}

/**
 * The matrix of `unit` (a condition, or "all"; the table's units, ./probability-table.ts).
 *
 * @throws InputError when the unit has no items or no observer
 */
export function metricMatrix(table: ProbabilityTable, metric: ResponseMetric, unit: string): MetricMatrix {
  const unitItems = table.items.flatMap((item, i) => (item.unit === unit ? [i] : []));
  unitItems.sort((a, b) => compareText(table.items[a].key, table.items[b].key));
  const present = table.observers.filter((o) => unitItems.some((i) => o.trials[i] > 0));
  if (present.length === 0) throw new InputError(`dataset "${table.dataset}" has no answers in condition "${unit}"`);
  const seen = present.map((o) => unitItems.filter((i) => o.trials[i] > 0));
  const chosen = unitStimulusSet(groupByStimulusSet(listSets(seen.map((list) => list.map((i) => table.items[i].key)))))!;
  const items = seen[chosen.members[0]];
  const inSet = new Set(items);
  const kept = new Set(chosen.members);
  const layout = tableLayout(table);
  const members = chosen.members.map((k) => present[k]);
  return {
    dataset: table.dataset,
    condition: unit,
    metric,
    layout,
    observers: members.map((o) => o.name),
    prepared: members.map((o) => metricObserver(layout, o, metric)),
    items,
    humans: new Set(members.filter((o) => table.humans.has(o.name)).map((o) => o.name)),
    excluded: present.flatMap((o, k) =>
      kept.has(k)
        ? []
        : [
            excludedObserver(
              o.name,
              table.humans.has(o.name) ? "human" : "model",
              seen[k].length,
              seen[k].filter((i) => inSet.has(i)).length,
              items.length,
            ),
          ],
    ),
  };
}

/** Indices of the humans and of the models in `matrix.observers` (the models restricted to `models` where given). */
export function metricRoles(matrix: MetricMatrix, models?: readonly string[]): { humans: number[]; models: number[] } {
  const wanted = models && new Set(models);
  const humans: number[] = [];
  const kept: number[] = [];
  matrix.observers.forEach((o, i) => {
    if (matrix.humans.has(o)) humans.push(i);
    else if (!wanted || wanted.has(o)) kept.push(i);
  });
  return { humans, models: kept };
}

export interface MetricMeanOptions {
  replicates: number;
  seed: number;
  level: number;
  /** Also resample the humans (the joint bootstrap's hierarchical variant). */
  hierarchical?: boolean;
  /** Restrict to these models (the humans always take part); default all models of the matrix. */
  models?: readonly string[];
  onProgress?: ProgressCallback;
}

/**
 * The human-human, model-model and model-human means of the metric (pairs with an undefined
 * value skipped) and each model's mean with the humans, with percentile intervals over the
 * joint item bootstrap: one pass of replicates serves all, each pair's metric recomputed on the
 * replicate's resampled items ({@link ReplicateMetricPairs}); the means are those of error kappa's intervals
 * ({@link groupMeanKappa}, {@link meanKappaWithHumans}, with the hierarchical weights).
 * Groups without pairs are left out; models only where the unit has humans.
 */
export function metricMeanIntervals(
  matrix: MetricMatrix,
  options: MetricMeanOptions,
): IntervalSettings & { groups: GroupKappaInterval[]; models: ModelKappaInterval[] } {
  const { replicates, seed, level } = options;
  const hierarchical = options.hierarchical ?? false;
  checkBootstrapOptions(replicates, level, seed);
  const roles = metricRoles(matrix, options.models);
  if (hierarchical && roles.humans.length === 0) throw new InputError(`no humans in dataset "${matrix.dataset}" to resample`);
  const types: PairType[] = [];
  if (roles.humans.length >= 2) types.push("human-human");
  if (roles.models.length >= 2) types.push("model-model");
  if (roles.humans.length >= 1 && roles.models.length >= 1) types.push("model-human");
  const involved = [...roles.humans, ...roles.models].sort((a, b) => a - b);
  const n = matrix.observers.length;
  const S = matrix.items.length;
  const view = {
    replicate: -1,
    size: n,
    kappa: new Float64Array(n * n).fill(NaN),
    observerWeight: new Float64Array(n).fill(1),
    stimulusWeights: new Float64Array(S).fill(1),
  } satisfies ReplicateKappas;
  const modelsWithHumans = roles.humans.length > 0 ? roles.models : [];
  const pairs: [number, number][] = [];
  for (let a = 0; a < involved.length; a++) for (let b = a + 1; b < involved.length; b++) pairs.push([involved[a], involved[b]]);
  const means = () => [
    ...types.map((t) => groupMeanKappa(view, t, roles)),
    ...modelsWithHumans.map((m) => meanKappaWithHumans(view, m, roles.humans)),
  ];
  const evaluate = (items: ArrayLike<number>): number[] => {
    for (const [i, j] of pairs) {
      view.kappa[i * n + j] = view.kappa[j * n + i] = metricValue(
        matrix.metric,
        matrix.layout,
        matrix.prepared[i],
        matrix.prepared[j],
        items,
      );
    }
    return means();
  };
  const observed = evaluate(matrix.items);
  const defined = (i: number, j: number) => !Number.isNaN(view.kappa[i * n + j]);
  const pairsOf = (type: PairType) => {
    let count = 0;
    for (let a = 0; a < involved.length; a++) {
      for (let b = a + 1; b < involved.length; b++) {
        const hi = matrix.humans.has(matrix.observers[involved[a]]);
        const hj = matrix.humans.has(matrix.observers[involved[b]]);
        const t: PairType = hi && hj ? "human-human" : hi || hj ? "model-human" : "model-model";
        if (t === type && defined(involved[a], involved[b])) count++;
      }
    }
    return count;
  };
  const groupPairs = types.map(pairsOf);
  const humansOf = modelsWithHumans.map((m) => roles.humans.filter((h) => defined(m, h)).length);
  const samples = observed.map(() => new Float64Array(replicates));
  const replicatePairs = new ReplicateMetricPairs(matrix.metric, matrix.layout, matrix.prepared, matrix.items, pairs);
  const allPositions = Int32Array.from({ length: S }, (_, s) => s);
  const positions = new Int32Array(S);
  const rng = new SeededRandom(seed);
  const tick = progressTicker(replicates, options.onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    (view as { replicate: number }).replicate = r;
    drawJointReplicate(rng, view.stimulusWeights, hierarchical ? roles.humans : undefined, view.observerWeight);
    replicatePairs.resample(positions.subarray(0, resampledItems(allPositions, view.stimulusWeights, positions)));
    pairs.forEach(([i, j], p) => (view.kappa[i * n + j] = view.kappa[j * n + i] = replicatePairs.value(p)));
    means().forEach((v, k) => (samples[k][r] = v));
    tick(r + 1);
  }
  const method: BootstrapMethod = hierarchical ? "hierarchical: stimuli and humans" : "joint stimulus bootstrap";
  return {
    dataset: matrix.dataset,
    condition: matrix.condition,
    method,
    replicates,
    level,
    seed,
    interval: "percentile",
    groups: types.map((group, k) => ({ group, n_pairs: groupPairs[k], mean: observed[k], ...percentileInterval(samples[k], level) })),
    models: modelsWithHumans.map((m, k) => ({
      model: matrix.observers[m],
      n_humans: humansOf[k],
      mean: observed[types.length + k],
      ...percentileInterval(samples[types.length + k], level),
    })),
  };
}
