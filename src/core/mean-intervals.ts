/**
 * Intervals for means of kappas (Klein et al. 2025): each model's mean kappa with the humans,
 * and the human-human, model-model and model-human group means, with percentile intervals over
 * the joint stimulus bootstrap (./joint-bootstrap.ts). Means skip undefined kappas (NaN-aware,
 * as Klein et al. and ./summary.ts do). Isomorphic.
 */
import { InputError } from "./errors.ts";
import {
  AGGREGATE_DEFAULTS,
  type BootstrapMethod,
  type JointBootstrapResult,
  checkBootstrapOptions,
  groupMeanKappa,
  jointBootstrap,
  meanKappaWithHumans,
  weightedKappa,
} from "./joint-bootstrap.ts";
import { percentileInterval } from "./math/quantile.ts";
import { type OutcomeMatrix, observerRoles, selectModels } from "./outcome-matrix.ts";
import type { PairType } from "./pairs.ts";

export interface AggregateOptions {
  /** Bootstrap replicates; default 1000. */
  replicates?: number;
  /** Seed of the generator; default 1. */
  seed?: number;
  /** Interval level; default 0.95. */
  level?: number;
  /** Also resample the humans (see {@link jointBootstrap}); default false. */
  hierarchical?: boolean;
  /** Restrict to these models (the humans always take part); default all models of the matrix. */
  models?: readonly string[];
}

/** Header of every interval result: what was computed and how. */
export interface IntervalSettings {
  dataset: string;
  condition: string;
  method: BootstrapMethod;
  replicates: number;
  level: number;
  seed: number;
  /** How the interval is read off the replicates. */
  interval: "percentile";
}

export interface ModelKappaInterval {
  model: string;
  /** Humans whose kappa with the model is defined on the data. */
  n_humans: number;
  /** Mean kappa with the humans, on the data. */
  mean: number;
  lower: number;
  upper: number;
}

export interface GroupKappaInterval {
  group: PairType;
  /** Pairs of the group with a defined kappa on the data. */
  n_pairs: number;
  mean: number;
  lower: number;
  upper: number;
}

function settingsOf(matrix: OutcomeMatrix, result: JointBootstrapResult, level: number): IntervalSettings {
  return {
    dataset: matrix.dataset,
    condition: matrix.condition,
    method: result.method,
    replicates: result.replicates,
    level,
    seed: result.seed,
    interval: "percentile",
  };
}

function resolved(options: AggregateOptions) {
  const replicates = options.replicates ?? AGGREGATE_DEFAULTS.replicates;
  const seed = options.seed ?? AGGREGATE_DEFAULTS.seed;
  const level = options.level ?? AGGREGATE_DEFAULTS.level;
  checkBootstrapOptions(replicates, level, seed);
  return { replicates, seed, level, hierarchical: options.hierarchical ?? false };
}

function definedCount(values: Iterable<number>): number {
  let count = 0;
  for (const v of values) if (!Number.isNaN(v)) count++;
  return count;
}

/**
 * For each model: its mean kappa with all humans (undefined kappas skipped) and the percentile
 * interval of that mean over the joint bootstrap (stimuli resampled once for all observers;
 * with `hierarchical`, humans resampled too).
 *
 * @example
 * const outcomes = { "subject-01": "110100", "subject-02": "111100", alexnet: "110000", vgg: "101101" };
 * const rows = Object.entries(outcomes).flatMap(([o, bits]) => [...bits].map((bit, s) => [o, `s${s}`, bit]));
 * const file = { file: "demo.csv", columns: ["observer", "stimulus", "correct"], rows, lines: rows.map((_, i) => i + 2) };
 * const table = longFormatTrials([file], "demo", { observer: "observer", stimulus: "stimulus", correct: "correct" });
 * modelKappaIntervals(outcomeMatrix(table), { replicates: 200 }).models[0].mean // => 0.5333...
 */
export function modelKappaIntervals(
  matrix: OutcomeMatrix,
  options: AggregateOptions = {},
): IntervalSettings & { models: ModelKappaInterval[] } {
  const o = resolved(options);
  const m = options.models ? selectModels(matrix, options.models) : matrix;
  const roles = observerRoles(m);
  if (roles.humans.length === 0) throw new InputError(`no humans in dataset "${m.dataset}" (condition "${m.condition}")`);
  const isHuman = (i: number) => m.humans.has(m.observers[i]);
  const result = jointBootstrap(m, {
    ...o,
    pairs: (i, j) => isHuman(i) !== isHuman(j),
    statistic: (view) => roles.models.map((model) => meanKappaWithHumans(view, model, roles.humans)),
  });
  const observedKappa = (model: number) => roles.humans.map((h) => weightedKappa(m.correct[model], m.correct[h]));
  return {
    ...settingsOf(m, result, o.level),
    models: roles.models.map((model, k) => ({
      model: m.observers[model],
      n_humans: definedCount(observedKappa(model)),
      mean: result.observed[k],
      ...percentileInterval(result.samples[k], o.level),
    })),
  };
}

/**
 * The human-human, model-model and model-human mean kappas (all pairs of each type, undefined
 * kappas skipped) with percentile intervals over the joint bootstrap. Groups without pairs are
 * left out.
 */
export function groupKappaIntervals(
  matrix: OutcomeMatrix,
  options: AggregateOptions = {},
): IntervalSettings & { groups: GroupKappaInterval[] } {
  const o = resolved(options);
  const m = options.models ? selectModels(matrix, options.models) : matrix;
  const roles = observerRoles(m);
  const H = roles.humans.length;
  const M = roles.models.length;
  const types: PairType[] = [];
  if (H >= 2) types.push("human-human");
  if (M >= 2) types.push("model-model");
  if (H >= 1 && M >= 1) types.push("model-human");
  const result = jointBootstrap(m, { ...o, statistic: (view) => types.map((t) => groupMeanKappa(view, t, roles)) });
  const pairCount = (type: PairType) => {
    let count = 0;
    const n = m.observers.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const hi = m.humans.has(m.observers[i]);
        const hj = m.humans.has(m.observers[j]);
        const t: PairType = hi && hj ? "human-human" : hi || hj ? "model-human" : "model-model";
        if (t === type && !Number.isNaN(weightedKappa(m.correct[i], m.correct[j]))) count++;
      }
    }
    return count;
  };
  return {
    ...settingsOf(m, result, o.level),
    groups: types.map((group, k) => ({
      group,
      n_pairs: pairCount(group),
      mean: result.observed[k],
      ...percentileInterval(result.samples[k], o.level),
    })),
  };
}
