/**
 * The joint stimulus bootstrap of aggregate error consistency (Klein, Meyen, Brendel, Wichmann
 * & Meding 2025, "Quantifying Uncertainty in Error Consistency"), on which the intervals of
 * means (./mean-intervals.ts), the paired test (./paired-test.ts) and the model comparison
 * (./model-comparison.ts) rest. Isomorphic and reproducible: every draw comes from
 * {@link SeededRandom}.
 *
 * Within one analysis unit (all trials, or one condition) every observer of the outcome
 * matrix (./outcome-matrix.ts) answered the same S stimuli. A bootstrap replicate resamples the
 * stimuli with replacement ONCE for all observers, so every pair keeps its trial-by-trial
 * matching and the dependence between pairs that share an observer or a stimulus is kept.
 * Drawing S stimuli with replacement is the same as giving stimulus s the integer weight w_s,
 * the number of times it was drawn: w ~ Multinomial(S; 1/S, ..., 1/S), Σ w_s = S. For a pair
 * (a, b) of 0/1 outcome vectors the resampled 2x2 table is
 *
 *   n = Σ w_s = S,  k_a = Σ w_s a_s,  k_b = Σ w_s b_s,  both correct = Σ w_s a_s b_s,
 *
 * and kappa follows from these counts exactly as for unweighted trials (`kappaFromCounts` of
 * ./metrics.ts, the arithmetic of `pairMetrics`): with
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
import { dot } from "./math/dot.ts";
import { SeededRandom } from "./math/random.ts";
import { resampleWeights } from "./math/samplers.ts";
import { kappaFromCounts } from "./metrics.ts";
import { type OutcomeMatrix, observerRoles } from "./outcome-matrix.ts";
import type { PairType } from "./pairs.ts";

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

/** Throws a RangeError unless replicates is a positive integer, 0 < level < 1 and seed an integer. */
export function checkBootstrapOptions(replicates: number, level: number, seed: number): void {
  if (!(Number.isInteger(replicates) && replicates >= 1)) {
    throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(seed)) throw new RangeError(`a seed must be an integer, got ${seed}`);
}

export type BootstrapMethod = "joint stimulus bootstrap" | "hierarchical: stimuli and humans";

/** Defaults of the interval functions: 1000 replicates, seed 1, level 0.95 (in ./defaults.ts, for the flags' help). */
export { AGGREGATE_DEFAULTS } from "./defaults.ts";

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
  checkBootstrapOptions(replicates, 0.5, seed);
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
    drawJointReplicate(rng, weights, hierarchical ? humans : undefined, observerWeight);
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
 * One replicate's draws of the joint bootstrap, from `rng`, in this order: the stimulus weights
 * (`weights.length` uniforms, {@link resampleWeights}); then, where `humans` is given (the
 * hierarchical bootstrap), H = humans.length draws of a human with replacement (H uniforms,
 * human floor(u H)), `observerWeight[h]` set to how often human h was drawn. Every statistic
 * on the joint bootstrap (error kappa here, the response-level metrics of ./metric-bootstrap.ts)
 * draws its replicates with it, so the same seed resamples the same stimuli and humans.
 */
export function drawJointReplicate(
  rng: SeededRandom,
  weights: Float64Array,
  humans: readonly number[] | undefined,
  observerWeight: Float64Array,
): void {
  resampleWeights(rng, weights.length, weights);
  if (!humans) return;
  for (const h of humans) observerWeight[h] = 0;
  for (let d = 0; d < humans.length; d++) observerWeight[humans[Math.floor(rng.uniform() * humans.length)]]++;
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
