/**
 * Uncertainty of aggregate error consistency (Klein, Meyen, Brendel, Wichmann & Meding 2025,
 * "Quantifying Uncertainty in Error Consistency"): intervals for a model's mean kappa with the
 * humans and for group means, the paired test of model A against model B with the same humans,
 * all-pairs model comparisons with multiplicity corrections, and rankings with rank intervals.
 * Isomorphic (no Node APIs) and reproducible: every draw comes from {@link SeededRandom}.
 *
 * The joint stimulus bootstrap. Within one analysis unit (all trials, or one condition) every
 * observer answered the same S stimuli. A bootstrap replicate resamples the stimuli with
 * replacement ONCE for all observers, so every pair keeps its trial-by-trial matching and the
 * dependence between pairs that share an observer or a stimulus is kept. Drawing S stimuli with
 * replacement is the same as giving stimulus s the integer weight w_s, the number of times it
 * was drawn: w ~ Multinomial(S; 1/S, ..., 1/S), Σ w_s = S. For a pair (a, b) of 0/1 outcome
 * vectors the resampled 2x2 table is
 *
 *   n = Σ w_s = S,  k_a = Σ w_s a_s,  k_b = Σ w_s b_s,  both correct = Σ w_s a_s b_s,
 *
 * and kappa follows from these counts exactly as for unweighted trials (`kappaFromCounts` of
 * ./intervals.ts, the arithmetic of `pairMetrics`): with
 * p = k / n, c_exp = p_a p_b + (1 - p_a)(1 - p_b), c_obs = (both correct + both wrong) / n,
 * both wrong = n - k_a - k_b + both correct, kappa = (c_obs - c_exp) / (1 - c_exp) (undefined,
 * NaN here, when c_exp = 1). All weights 1 give the data's own kappa, bit for bit.
 *
 * Cost: per replicate each observer's weighted row w ⊙ a and its count k are computed once;
 * each pair then needs one dot product of length S over typed arrays.
 *
 * Means over pairs skip undefined kappas (NaN-aware means, as Klein et al. and
 * ./summary.ts do).
 */
import { InputError } from "./errors.ts";
import { kappaFromCounts, percentileInterval, sortedDefined } from "./intervals.ts";
import type { PairType } from "./pairs.ts";
import { type ProgressCallback, progressTicker } from "./progress.ts";
import { SeededRandom, normalizeSeed } from "./random.ts";
import { type ExcludedObserver, excludedObserver, groupByStimulusSet, listSets, unitStimulusSet } from "./stimulus-sets.ts";
import { NO_CONDITION, type TrialTable, compareText } from "./trials.ts";

// ---------------------------------------------------------------------------------------------
// The outcome matrix of one analysis unit

/**
 * Correctness of the observers of one analysis unit on the unit's common stimulus set: one
 * row per observer, one column per stimulus, the same stimuli in the same order for everyone.
 */
export interface OutcomeMatrix {
  dataset: string;
  /** The condition, or "all" when all trials were pooled. */
  condition: string;
  /** Observers with exactly the unit's stimulus set, sorted (code-unit order). */
  observers: string[];
  /** The unit's stimulus set, sorted (code-unit order). */
  stimuli: string[];
  /** correct[i][s] = 1 when observers[i] answered stimuli[s] correctly. */
  correct: Uint8Array[];
  /** The humans among `observers`. */
  humans: Set<string>;
  /** Observers of the unit left out because they saw a different stimulus set (never silently). */
  excluded: ExcludedObserver[];
}

/**
 * The outcome matrix of one analysis unit: all trials when `condition` is undefined (stimuli
 * matched across conditions, as `computePairs` does without `byCondition`), else the trials of
 * that condition.
 *
 * The unit's stimulus set follows the rule of ./stimulus-sets.ts (the set the most observers
 * saw; ties: the larger set, then the set of the first such observer by name). Observers whose
 * set differs in any stimulus are left out of the matrix and listed in `excluded` with their
 * counts: the bootstrap needs every observer on every resampled stimulus.
 *
 * @throws InputError when an observer saw one stimulus in several conditions of a pooled unit,
 *   or when the condition has no trials
 */
export function outcomeMatrix(table: TrialTable, condition?: string): OutcomeMatrix {
  const byObserver = new Map<string, Map<string, number>>();
  for (let t = 0; t < table.length; t++) {
    if (condition !== undefined && table.condition[t] !== condition) continue;
    const name = table.observer[t];
    let seen = byObserver.get(name);
    if (!seen) byObserver.set(name, (seen = new Map()));
    const stimulus = table.stimulus[t];
    const earlier = seen.get(stimulus);
    if (earlier !== undefined) {
      // Only reachable when conditions are pooled: within a condition the table rejects repeats.
      throw new InputError(
        `observer "${name}" saw stimulus "${stimulus}" in several conditions ("${table.condition[earlier]}" ` +
          `and "${table.condition[t]}"), so trials cannot be matched by stimulus over all conditions; ` +
          `analyse one condition at a time`,
        { file: table.file[t], line: table.line[t] },
      );
    }
    seen.set(stimulus, t);
  }
  if (byObserver.size === 0) {
    throw new InputError(
      `dataset "${table.dataset}" has no trials${condition === undefined ? "" : ` in condition "${condition}"`}`,
    );
  }
  const names = [...byObserver.keys()].sort(compareText);
  const lists = names.map((name) => [...byObserver.get(name)!.keys()].sort(compareText));
  const chosen = unitStimulusSet(groupByStimulusSet(listSets(lists)))!;
  const stimuli = lists[chosen.members[0]];
  const observers = chosen.members.map((i) => names[i]);
  const common = new Set(stimuli);
  const correct = observers.map((name) => {
    const seen = byObserver.get(name)!;
    return Uint8Array.from(stimuli, (s) => table.correct[seen.get(s)!]);
  });
  const kept = new Set(chosen.members);
  const excluded = names.flatMap((name, i) => {
    if (kept.has(i)) return [];
    const seen = byObserver.get(name)!;
    let inCommon = 0;
    for (const s of seen.keys()) if (common.has(s)) inCommon++;
    return [excludedObserver(name, table.humans.has(name) ? "human" : "model", seen.size, inCommon, stimuli.length)];
  });
  return {
    dataset: table.dataset,
    condition: condition ?? NO_CONDITION,
    observers: [...observers],
    stimuli: [...stimuli],
    correct,
    humans: new Set(observers.filter((o) => table.humans.has(o))),
    excluded,
  };
}

/** A matrix restricted to the humans and the given models (in the matrix's order). */
export function selectModels(matrix: OutcomeMatrix, models: readonly string[]): OutcomeMatrix {
  for (const m of models) {
    if (!matrix.observers.includes(m)) throw new InputError(`model "${m}" is not in the outcome matrix`);
    if (matrix.humans.has(m)) throw new InputError(`"${m}" is a human, not a model`);
  }
  const keep = new Set(models);
  const rows = matrix.observers.flatMap((o, i) => (matrix.humans.has(o) || keep.has(o) ? [i] : []));
  return {
    ...matrix,
    observers: rows.map((i) => matrix.observers[i]),
    correct: rows.map((i) => matrix.correct[i]),
  };
}

/** Indices of the humans and of the models in `matrix.observers`. */
export function observerRoles(matrix: OutcomeMatrix): { humans: number[]; models: number[] } {
  const humans: number[] = [];
  const models: number[] = [];
  matrix.observers.forEach((o, i) => (matrix.humans.has(o) ? humans : models).push(i));
  return { humans, models };
}

// ---------------------------------------------------------------------------------------------
// Weighted kappa and resampling

/**
 * Kappa of two outcome vectors under stimulus weights w (all 1 when omitted):
 * n = Σ w_s, k_a = Σ w_s a_s, k_b = Σ w_s b_s, both = Σ w_s a_s b_s. Integer weights are the
 * bootstrap counts: the result equals the kappa of the explicitly resampled trials.
 */
export function weightedKappa(a: ArrayLike<number>, b: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (a.length !== b.length || (weights && weights.length !== a.length)) {
    throw new RangeError("outcome vectors and weights must have the same length");
  }
  let n = 0;
  let ka = 0;
  let kb = 0;
  let both = 0;
  for (let s = 0; s < a.length; s++) {
    const w = weights ? weights[s] : 1;
    n += w;
    ka += w * a[s];
    kb += w * b[s];
    both += w * a[s] * b[s];
  }
  return kappaFromCounts(n, ka, kb, both);
}

/**
 * One resample of `size` items with replacement: index j = floor(u_j * size) for `size`
 * uniforms u_j of `rng`, in order.
 */
export function resampleIndices(rng: SeededRandom, size: number, out: Int32Array = new Int32Array(size)): Int32Array {
  for (let j = 0; j < size; j++) out[j] = Math.floor(rng.uniform() * size);
  return out;
}

/**
 * Bootstrap weights of `size` items: w_s = how often s occurs in {@link resampleIndices}, so
 * w ~ Multinomial(size; 1/size each) and Σ w_s = size.
 */
export function resampleWeights(rng: SeededRandom, size: number, out: Float64Array = new Float64Array(size)): Float64Array {
  out.fill(0);
  for (let j = 0; j < size; j++) out[Math.floor(rng.uniform() * size)]++;
  return out;
}

/**
 * Σ_s a_s b_s over the first `size` entries, with four partial sums (the sums here are of
 * integers below 2^53, so the order of additions does not change the result; four
 * independent chains run about twice as fast as one).
 */
function dot(a: Float64Array, b: Float64Array, size: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s = 0;
  for (; s + 3 < size; s += 4) {
    s0 += a[s] * b[s];
    s1 += a[s + 1] * b[s + 1];
    s2 += a[s + 2] * b[s + 2];
    s3 += a[s + 3] * b[s + 3];
  }
  for (; s < size; s++) s0 += a[s] * b[s];
  return s0 + s1 + s2 + s3;
}

/**
 * The seed of an independent second stream for the same user seed: a 32-bit mix
 * (murmur3's finalizer) of seed + stream * 0x9e3779b9.
 */
function streamSeed(seed: number, stream: number): number {
  let z = (normalizeSeed(seed) + Math.imul(stream, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Intervals from replicates (percentile intervals: ./intervals.ts, R's type 7, NaNs left out)

/**
 * Interval of an integer-valued statistic (a rank): the inverse empirical distribution
 * function, lower = the ceil(m a)-th smallest and upper = the ceil(m a)-th largest of the m
 * defined (non-NaN) samples, a = (1 - level)/2; both are values that occurred.
 */
function integerInterval(samples: ArrayLike<number>, level: number): { lower: number; upper: number } {
  const sorted = sortedDefined(samples);
  const m = sorted.length;
  if (m === 0) return { lower: NaN, upper: NaN };
  const k = Math.max(1, Math.ceil(m * ((1 - level) / 2) - 1e-9));
  return { lower: sorted[k - 1], upper: sorted[m - k] };
}

function checkOptions(replicates: number, level: number, seed: number): void {
  if (!(Number.isInteger(replicates) && replicates >= 1)) {
    throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(seed)) throw new RangeError(`a seed must be an integer, got ${seed}`);
}

// ---------------------------------------------------------------------------------------------
// The joint bootstrap

export type BootstrapMethod = "joint stimulus bootstrap" | "hierarchical: stimuli and humans";

/** Defaults of the interval functions: 1000 replicates, seed 1, level 0.95. */
export const AGGREGATE_DEFAULTS = { replicates: 1000, seed: 1, level: 0.95 } as const;

/**
 * What a statistic sees in one replicate (and once for the data). The arrays are reused from
 * replicate to replicate: read them during the call, copy what must be kept.
 */
export interface ReplicateKappas {
  /** 0-based replicate number; -1 for the data themselves (all weights 1). */
  readonly replicate: number;
  /** Number of observers (the matrix's). */
  readonly size: number;
  /**
   * kappa[i * size + j]: the kappa of observers i and j under this replicate's stimulus weights
   * (symmetric); NaN where undefined, on the diagonal, and for pairs not computed.
   */
  readonly kappa: Float64Array;
  /**
   * Weight of each observer in means over humans: with the hierarchical bootstrap, how often
   * each human was drawn (0 when not drawn); else 1. Models always have 1.
   */
  readonly observerWeight: Float64Array;
  /** The stimulus weights w_s (all 1 for the data). */
  readonly stimulusWeights: Float64Array;
}

export interface JointBootstrapOptions {
  replicates: number;
  seed: number;
  /** Also resample the humans with replacement in each replicate (see {@link jointBootstrap}). */
  hierarchical?: boolean;
  /** The statistic: one number or a fixed-length vector per replicate. */
  statistic: (replicate: ReplicateKappas) => number | ArrayLike<number>;
  /** Which pairs (i < j) the statistic needs; default all. Skipping pairs saves time. */
  pairs?: (first: number, second: number) => boolean;
}

export interface JointBootstrapResult {
  method: BootstrapMethod;
  hierarchical: boolean;
  replicates: number;
  seed: number;
  /** The statistic on the data. */
  observed: Float64Array;
  /** samples[k][r]: component k of the statistic in replicate r. */
  samples: Float64Array[];
}

/**
 * The joint bootstrap of Klein et al. (2025): in each replicate one set of stimulus weights
 * (resampling the unit's S stimuli with replacement, {@link resampleWeights}) shared by ALL
 * observers; every requested pair's kappa is recomputed under these weights and handed to
 * `statistic`.
 *
 * With `hierarchical: true` each replicate also draws H humans with replacement from the H
 * humans (after the stimulus draw, from the same generator); `observerWeight` then holds how
 * often each human was drawn, for means over humans: a model's mean kappa with the humans
 * becomes Σ_h m_h kappa_h / Σ_h m_h, and human-human means weight the pair (h, h') by m_h m_h'
 * (pairs of a human with itself are left out). This adds the variability of choosing other
 * people to that of choosing other stimuli (method "hierarchical: stimuli and humans").
 *
 * Random stream per replicate: S uniforms for the stimuli, then (hierarchical) H uniforms for
 * the humans; the same seed gives the same results on every platform.
 */
export function jointBootstrap(matrix: OutcomeMatrix, options: JointBootstrapOptions): JointBootstrapResult {
  const { replicates, seed, statistic } = options;
  const hierarchical = options.hierarchical ?? false;
  checkOptions(replicates, 0.5, seed);
  const n = matrix.observers.length;
  const S = matrix.stimuli.length;
  if (S === 0) throw new RangeError("the outcome matrix has no stimuli");
  const { humans } = observerRoles(matrix);
  if (hierarchical && humans.length === 0) throw new RangeError("the hierarchical bootstrap needs humans");

  // The pairs to compute and the observers they involve.
  const pairFirst: number[] = [];
  const pairSecond: number[] = [];
  const involved = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (options.pairs && !options.pairs(i, j)) continue;
      pairFirst.push(i);
      pairSecond.push(j);
      involved[i] = involved[j] = 1;
    }
  }
  const rows = matrix.correct.map((row) => Float64Array.from(row));
  const weighted = rows.map(() => new Float64Array(S));
  const counts = new Float64Array(n);
  const kappas = new Float64Array(n * n).fill(NaN);
  const observerWeight = new Float64Array(n).fill(1);
  const weights = new Float64Array(S).fill(1);
  const view: ReplicateKappas = { replicate: -1, size: n, kappa: kappas, observerWeight, stimulusWeights: weights };

  const evaluate = (): Float64Array => {
    for (let i = 0; i < n; i++) {
      if (!involved[i]) continue;
      const row = rows[i];
      const out = weighted[i];
      let k = 0;
      for (let s = 0; s < S; s++) k += out[s] = weights[s] * row[s];
      counts[i] = k;
    }
    for (let p = 0; p < pairFirst.length; p++) {
      const i = pairFirst[p];
      const j = pairSecond[p];
      const both = dot(weighted[i], rows[j], S);
      kappas[i * n + j] = kappas[j * n + i] = kappaFromCounts(S, counts[i], counts[j], both);
    }
    const value = statistic(view);
    return typeof value === "number" ? Float64Array.of(value) : Float64Array.from(value);
  };

  const observed = evaluate();
  const samples = Array.from(observed, () => new Float64Array(replicates));
  const rng = new SeededRandom(seed);
  for (let r = 0; r < replicates; r++) {
    (view as { replicate: number }).replicate = r;
    resampleWeights(rng, S, weights);
    if (hierarchical) {
      for (const h of humans) observerWeight[h] = 0;
      for (let d = 0; d < humans.length; d++) observerWeight[humans[Math.floor(rng.uniform() * humans.length)]]++;
    }
    const value = evaluate();
    if (value.length !== samples.length) {
      throw new RangeError(`the statistic returned ${value.length} values in replicate ${r}, expected ${samples.length}`);
    }
    for (let k = 0; k < samples.length; k++) samples[k][r] = value[k];
  }
  return {
    method: hierarchical ? "hierarchical: stimuli and humans" : "joint stimulus bootstrap",
    hierarchical,
    replicates,
    seed,
    observed,
    samples,
  };
}

/**
 * A model's mean kappa with the humans in one replicate: Σ_h m_h kappa(model, h) / Σ_h m_h over
 * the humans whose kappa is defined (m_h = `observerWeight`); NaN when none is.
 */
export function meanKappaWithHumans(view: ReplicateKappas, model: number, humans: readonly number[]): number {
  let sum = 0;
  let weight = 0;
  for (const h of humans) {
    const k = view.kappa[model * view.size + h];
    const m = view.observerWeight[h];
    if (m === 0 || Number.isNaN(k)) continue;
    sum += m * k;
    weight += m;
  }
  return sum / weight;
}

/**
 * Mean kappa of a group of pairs in one replicate (undefined kappas skipped): human-human pairs
 * (h, h') weighted m_h m_h', model-human pairs weighted m_h, model-model pairs weighted 1.
 */
export function groupMeanKappa(
  view: ReplicateKappas,
  type: PairType,
  roles: { humans: readonly number[]; models: readonly number[] },
): number {
  let sum = 0;
  let weight = 0;
  const add = (i: number, j: number, m: number) => {
    const k = view.kappa[i * view.size + j];
    if (m === 0 || Number.isNaN(k)) return;
    sum += m * k;
    weight += m;
  };
  const w = view.observerWeight;
  if (type === "human-human") {
    const h = roles.humans;
    for (let a = 0; a < h.length; a++) for (let b = a + 1; b < h.length; b++) add(h[a], h[b], w[h[a]] * w[h[b]]);
  } else if (type === "model-model") {
    const m = roles.models;
    for (let a = 0; a < m.length; a++) for (let b = a + 1; b < m.length; b++) add(m[a], m[b], 1);
  } else {
    for (const model of roles.models) for (const h of roles.humans) add(model, h, w[h]);
  }
  return sum / weight;
}

// ---------------------------------------------------------------------------------------------
// Intervals for model means and group means

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
  checkOptions(replicates, level, seed);
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

// ---------------------------------------------------------------------------------------------
// Multiplicity corrections

/**
 * Holm's step-down adjusted p-values (family-wise error rate): with the m defined p-values
 * sorted ascending p_(1) <= ... <= p_(m), adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
 * Returned in the input order; NaN stays NaN and does not count in m.
 */
export function holm(p: readonly number[]): number[] {
  const order = definedOrder(p);
  const m = order.length;
  const adjusted = p.map(() => NaN);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini-Hochberg adjusted p-values (false discovery rate): with the m defined p-values
 * sorted ascending, adj_(i) = min_{j >= i} min(1, m p_(j) / j). Returned in the input order;
 * NaN stays NaN and does not count in m.
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const order = definedOrder(p);
  const m = order.length;
  const adjusted = p.map(() => NaN);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank];
    // m / (rank + 1) >= 1; the max only keeps rounding from putting adj below p.
    running = Math.min(running, Math.max(p[index], (m * p[index]) / (rank + 1)));
    adjusted[index] = running;
  }
  return adjusted;
}

/** Indices of the non-NaN p-values, by ascending p (ties in input order). */
function definedOrder(p: readonly number[]): number[] {
  for (const v of p) {
    if (!Number.isNaN(v) && !(v >= 0 && v <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${v}`);
  }
  return p.flatMap((v, i) => (Number.isNaN(v) ? [] : [i])).sort((a, b) => p[a] - p[b] || a - b);
}

// ---------------------------------------------------------------------------------------------
// Comparing models with the same humans

/**
 * Per replicate: each model's mean kappa with the humans under the joint bootstrap, and for
 * each pair of models the difference of means under the null of exchangeable models.
 *
 * The null. Within a replicate, each of the S resampled trials swaps the two models' answers
 * with probability 1/2, independently (a draw of stimulus s that occurs w_s times is split into
 * w_s^0 ~ Bin(w_s, 1/2) unswapped and w_s^1 = w_s - w_s^0 swapped copies). With
 * w^0, w^1 the weights of unswapped and swapped copies, model A' (A with swaps) has
 * k_A' = Σ w^0 a + Σ w^1 b and both-correct with human h Σ w^0 a h + Σ w^1 b h, so each model
 * needs only its sums under w^0 and w^1 and every pair is assembled from them.
 * Swapping per resampled trial (as Klein et al. describe it) rather than once per stimulus
 * for all its copies matters: with one swap for all w_s copies the null difference has variance
 * Σ E[w_s^2] c_s^2 ≈ 2 Σ c_s^2 instead of Σ E[w_s] c_s^2 = Σ c_s^2 (c_s a stimulus's
 * contribution to the difference), about twice the sampling variance, and the test would be
 * conservative. All pairs of models share the replicate's swaps, so each pair's null is the
 * one it would have alone.
 *
 * Streams: the stimulus weights come from SeededRandom(seed) exactly as in
 * {@link jointBootstrap} (so the models' bootstrap means equal {@link modelKappaIntervals}'
 * with the same seed); the swaps from a second generator (a derived seed), one bit per
 * resampled trial, 32 per 32-bit output.
 */
function compareReplicates(
  matrix: OutcomeMatrix,
  models: readonly number[],
  humans: readonly number[],
  replicates: number,
  seed: number,
  onProgress?: ProgressCallback,
) {
  const S = matrix.stimuli.length;
  const M = models.length;
  const H = humans.length;
  const P = (M * (M - 1)) / 2;
  const modelRows = models.map((i) => Float64Array.from(matrix.correct[i]));
  const humanRows = humans.map((i) => Float64Array.from(matrix.correct[i]));
  const w0 = new Float64Array(S);
  const w1 = new Float64Array(S);
  const wa0 = new Float64Array(S);
  const wa1 = new Float64Array(S);
  const kHuman = new Float64Array(H);
  const k0 = new Float64Array(M);
  const k1 = new Float64Array(M);
  const both0 = new Float64Array(M * H);
  const both1 = new Float64Array(M * H);

  /** Fills the sums of every model and human under the weights w0 (unswapped) and w1 (swapped). */
  const accumulate = () => {
    for (let h = 0; h < H; h++) {
      const row = humanRows[h];
      let k = 0;
      for (let s = 0; s < S; s++) k += (w0[s] + w1[s]) * row[s];
      kHuman[h] = k;
    }
    for (let m = 0; m < M; m++) {
      const row = modelRows[m];
      let a0 = 0;
      let a1 = 0;
      for (let s = 0; s < S; s++) {
        a0 += wa0[s] = w0[s] * row[s];
        a1 += wa1[s] = w1[s] * row[s];
      }
      k0[m] = a0;
      k1[m] = a1;
      for (let h = 0; h < H; h++) {
        both0[m * H + h] = dot(wa0, humanRows[h], S);
        both1[m * H + h] = dot(wa1, humanRows[h], S);
      }
    }
  };
  /** Mean kappa with the humans of a model answering like `first` on unswapped and `second` on swapped copies. */
  const meanOf = (first: number, second: number) => {
    let sum = 0;
    let count = 0;
    const k = k0[first] + k1[second];
    for (let h = 0; h < H; h++) {
      const value = kappaFromCounts(S, k, kHuman[h], both0[first * H + h] + both1[second * H + h]);
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
    }
    return sum / count;
  };

  w0.fill(1);
  w1.fill(0);
  accumulate();
  const observed = Float64Array.from({ length: M }, (_, m) => meanOf(m, m));
  const nHumans = Int32Array.from({ length: M }, (_, m) => {
    let count = 0;
    for (let h = 0; h < H; h++) if (!Number.isNaN(kappaFromCounts(S, k0[m], kHuman[h], both0[m * H + h]))) count++;
    return count;
  });
  const boot = Array.from({ length: M }, () => new Float64Array(replicates));
  const nullDiff = Array.from({ length: P }, () => new Float64Array(replicates));
  const rng = new SeededRandom(seed);
  const swapRng = new SeededRandom(streamSeed(seed, 1));
  const draws = new Int32Array(S);
  const tick = progressTicker(replicates, onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    resampleIndices(rng, S, draws);
    w0.fill(0);
    w1.fill(0);
    let bits = 0;
    for (let j = 0; j < S; j++) {
      if (j % 32 === 0) bits = swapRng.nextUint32();
      if (bits & 1) w1[draws[j]]++;
      else w0[draws[j]]++;
      bits >>>= 1;
    }
    accumulate();
    for (let m = 0; m < M; m++) boot[m][r] = meanOf(m, m);
    let p = 0;
    for (let a = 0; a < M; a++) {
      for (let b = a + 1; b < M; b++) nullDiff[p++][r] = meanOf(a, b) - meanOf(b, a);
    }
    tick(r + 1);
  }
  return { observed, nHumans, boot, nullDiff };
}

/**
 * The bytes of replicate values {@link compareModels} holds for M models and R replicates:
 * the M models' bootstrap means, the M (M - 1) / 2 pairs' null differences, and one pair's
 * bootstrap differences at a time, R doubles (8 bytes) each.
 */
export function compareReplicateBytes(models: number, replicates: number): number {
  return (models + (models * (models - 1)) / 2 + 1) * replicates * 8;
}

/**
 * p-value of the swap test: p = (1 + #{r : |d_r^null| >= |d_obs|}) / (1 + R) over the R
 * replicates with a defined null difference. The +1 counts the data as one draw from the null
 * (the data are one arrangement of the swaps), which keeps the test valid at any R and never
 * gives p = 0; the smallest possible p is 1 / (R + 1).
 */
function swapPValue(observed: number, nulls: Float64Array): number {
  if (Number.isNaN(observed)) return NaN;
  let extreme = 0;
  let defined = 0;
  const target = Math.abs(observed);
  for (const d of nulls) {
    if (Number.isNaN(d)) continue;
    defined++;
    if (Math.abs(d) >= target) extreme++;
  }
  return (1 + extreme) / (1 + defined);
}

export interface PairedTestOptions {
  replicates?: number;
  seed?: number;
  level?: number;
  /** Told the replicates done so far, of `replicates`. */
  onProgress?: ProgressCallback;
}

/** One comparison of two models (as in {@link compareModels}, without the multiplicity columns) and its settings. */
export interface PairedModelTest extends Omit<ModelComparison, "p_holm" | "p_bh" | "p_a_greater"> {
  dataset: string;
  condition: string;
  method: "joint stimulus bootstrap; null: per-trial swaps of A and B";
  replicates: number;
  level: number;
  seed: number;
  /** Humans in the matrix (each model's mean is over those with a defined kappa). */
  n_humans: number;
}

/**
 * Model A against model B with the same humans: the difference of their mean kappas with the
 * humans, d = mean_h kappa(A, h) - mean_h kappa(B, h); its percentile interval over the joint
 * bootstrap (one stimulus resample per replicate for A, B and all humans, so the strong positive
 * correlation between A's and B's means is kept and cancels in d); and the p-value of the null
 * of no difference. Null distribution: in each replicate, every resampled trial swaps A's and
 * B's answers with probability 1/2 before d is recomputed (see compareReplicates above);
 * p = (1 + #{|d_null| >= |d_obs|}) / (1 + R).
 *
 * Why not a t-test over the bootstrap differences: the R replicates are not R independent
 * experiments but R resamples of one experiment. Their sd already estimates the standard error
 * of d; dividing it again by sqrt(R) gives a "standard error" that shrinks to 0 as R grows, so
 * any difference, however small, becomes "significant" with enough replicates. (Nor can one
 * t-test the per-human kappas as independent pairs: they share the stimuli and the models'
 * answers.)
 */
export function pairedModelTest(
  matrix: OutcomeMatrix,
  modelA: string,
  modelB: string,
  options: PairedTestOptions = {},
): PairedModelTest {
  if (modelA === modelB) throw new RangeError("compare two different models");
  const comparison = compareModels(matrix, { ...options, models: [modelA, modelB] });
  const row = comparison.comparisons[0];
  const flip = row.model_a !== modelA;
  return {
    dataset: matrix.dataset,
    condition: matrix.condition,
    method: "joint stimulus bootstrap; null: per-trial swaps of A and B",
    replicates: comparison.replicates,
    level: comparison.level,
    seed: comparison.seed,
    model_a: modelA,
    model_b: modelB,
    n_humans: matrix.humans.size,
    mean_a: flip ? row.mean_b : row.mean_a,
    mean_b: flip ? row.mean_a : row.mean_b,
    difference: flip ? -row.difference : row.difference,
    lower: flip ? -row.upper : row.lower,
    upper: flip ? -row.lower : row.upper,
    p: row.p,
  };
}

export interface CompareOptions extends PairedTestOptions {
  /** The models to compare (at least 2); default all models of the matrix. */
  models?: readonly string[];
}

export interface ModelComparison {
  model_a: string;
  model_b: string;
  mean_a: number;
  mean_b: number;
  /** mean_a - mean_b on the data. */
  difference: number;
  /** Percentile interval of the difference over the joint bootstrap. */
  lower: number;
  upper: number;
  /** Swap-test p-value (see {@link pairedModelTest}). */
  p: number;
  /** Holm-adjusted p over all comparisons of this call. */
  p_holm: number;
  /** Benjamini-Hochberg-adjusted p over all comparisons of this call. */
  p_bh: number;
  /** Share of bootstrap replicates in which A's mean kappa exceeds B's (strictly). */
  p_a_greater: number;
}

export interface ModelRank {
  model: string;
  /** Humans with a defined kappa on the data. */
  n_humans: number;
  mean: number;
  /** Percentile interval of the mean kappa (the same as {@link modelKappaIntervals}'). */
  lower: number;
  upper: number;
  /** Rank by mean kappa on the data: 1 = highest (ties share the average rank). */
  rank: number;
  /** Rank interval: the (1 - level)/2 and (1 + level)/2 quantiles of the rank over replicates. */
  rank_lower: number;
  rank_upper: number;
}

export interface ModelComparisons {
  dataset: string;
  condition: string;
  method: "joint stimulus bootstrap; null: per-trial swaps of A and B";
  replicates: number;
  level: number;
  seed: number;
  /** Every pair of models (A before B in the matrix's order). */
  comparisons: ModelComparison[];
  /** The models by mean kappa, highest first. */
  ranking: ModelRank[];
}

/**
 * Ranks of values, 1 = largest, ties sharing the average rank; NaN values get NaN and do not
 * take part.
 */
function descendingRanks(values: ArrayLike<number>): Float64Array {
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      ranks[i] = NaN;
      continue;
    }
    let greater = 0;
    let equal = 0;
    for (let j = 0; j < values.length; j++) {
      if (j === i || Number.isNaN(values[j])) continue;
      if (values[j] > v) greater++;
      else if (values[j] === v) equal++;
    }
    ranks[i] = 1 + greater + equal / 2;
  }
  return ranks;
}

/**
 * All pairs of models with the same humans: for each pair the difference of mean kappas, its
 * percentile interval, the swap-test p-value (as {@link pairedModelTest}; one set of replicates
 * serves all pairs), Holm- and Benjamini-Hochberg-adjusted p-values over the pairs, and
 * P(A > B), the share of replicates where A's bootstrap mean exceeds B's. Also the ranking by
 * mean kappa with each model's rank interval: the ranks of the models' bootstrap means in each
 * replicate (1 = highest), and their (1 - level)/2 and (1 + level)/2 quantiles (inverse
 * empirical distribution function, so the bounds are ranks that occurred).
 *
 * Resolution: a swap-test p is at least 1 / (R + 1), so with m = M (M - 1) / 2 comparisons
 * Holm's smallest adjusted p is m / (R + 1) and nothing can pass level alpha unless
 * R + 1 > m / alpha (16 models: m = 120, R >= 2400 at alpha = 0.05). Use more replicates for
 * many models.
 */
export function compareModels(matrix: OutcomeMatrix, options: CompareOptions = {}): ModelComparisons {
  const replicates = options.replicates ?? AGGREGATE_DEFAULTS.replicates;
  const seed = options.seed ?? AGGREGATE_DEFAULTS.seed;
  const level = options.level ?? AGGREGATE_DEFAULTS.level;
  checkOptions(replicates, level, seed);
  const m = options.models ? selectModels(matrix, options.models) : matrix;
  const roles = observerRoles(m);
  if (roles.models.length < 2) throw new InputError("comparing models needs at least two models");
  if (roles.humans.length === 0) throw new InputError(`no humans in dataset "${m.dataset}" (condition "${m.condition}")`);
  const { observed, nHumans, boot, nullDiff } = compareReplicates(m, roles.models, roles.humans, replicates, seed, options.onProgress);
  const names = roles.models.map((i) => m.observers[i]);
  const M = names.length;

  const comparisons: ModelComparison[] = [];
  let p = 0;
  for (let a = 0; a < M; a++) {
    for (let b = a + 1; b < M; b++) {
      const differences = new Float64Array(replicates);
      let greater = 0;
      let defined = 0;
      for (let r = 0; r < replicates; r++) {
        differences[r] = boot[a][r] - boot[b][r];
        if (Number.isNaN(differences[r])) continue;
        defined++;
        if (boot[a][r] > boot[b][r]) greater++;
      }
      const difference = observed[a] - observed[b];
      comparisons.push({
        model_a: names[a],
        model_b: names[b],
        mean_a: observed[a],
        mean_b: observed[b],
        difference,
        ...percentileInterval(differences, level),
        p: swapPValue(difference, nullDiff[p++]),
        p_holm: NaN,
        p_bh: NaN,
        p_a_greater: greater / defined,
      });
    }
  }
  const pHolm = holm(comparisons.map((c) => c.p));
  const pBh = benjaminiHochberg(comparisons.map((c) => c.p));
  comparisons.forEach((c, k) => {
    c.p_holm = pHolm[k];
    c.p_bh = pBh[k];
  });

  const rankSamples = Array.from({ length: M }, () => new Float64Array(replicates));
  const column = new Float64Array(M);
  for (let r = 0; r < replicates; r++) {
    for (let k = 0; k < M; k++) column[k] = boot[k][r];
    const ranks = descendingRanks(column);
    for (let k = 0; k < M; k++) rankSamples[k][r] = ranks[k];
  }
  const observedRanks = descendingRanks(observed);
  const ranking: ModelRank[] = names.map((model, k) => {
    const rankInterval = integerInterval(rankSamples[k], level);
    return {
      model,
      n_humans: nHumans[k],
      mean: observed[k],
      ...percentileInterval(boot[k], level),
      rank: observedRanks[k],
      rank_lower: rankInterval.lower,
      rank_upper: rankInterval.upper,
    };
  });
  ranking.sort((x, y) => x.rank - y.rank || compareText(x.model, y.model));
  return {
    dataset: m.dataset,
    condition: m.condition,
    method: "joint stimulus bootstrap; null: per-trial swaps of A and B",
    replicates,
    level,
    seed,
    comparisons,
    ranking,
  };
}
