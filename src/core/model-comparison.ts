/**
 * Comparing models with the same humans (Klein et al. 2025): for every pair of models the
 * difference of their mean kappas with the humans, its percentile interval over the joint
 * stimulus bootstrap, the p-value of the swap test (the null of exchangeable models),
 * multiplicity-adjusted p-values; and the ranking by mean kappa with rank intervals. The test of
 * one pair of models, with the reasoning behind it, is ./paired-test.ts. Isomorphic and seeded.
 */
import { InputError } from "./errors.ts";
import { AGGREGATE_DEFAULTS, checkBootstrapOptions } from "./joint-bootstrap.ts";
import { dot } from "./math/dot.ts";
import { monteCarloPValue } from "./math/monte-carlo.ts";
import { integerInterval, percentileInterval } from "./math/quantile.ts";
import { SeededRandom, streamSeed } from "./math/random.ts";
import { descendingRanks } from "./math/ranks.ts";
import { resampleIndices } from "./math/samplers.ts";
import { kappaFromCounts } from "./metrics.ts";
import { benjaminiHochberg, holm } from "./multiple-comparisons.ts";
import { type OutcomeMatrix, observerRoles, selectModels } from "./outcome-matrix.ts";
import { type ProgressCallback, progressTicker } from "./progress.ts";
import { compareText } from "./trials.ts";

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
 * `jointBootstrap` (so the models' bootstrap means equal `modelKappaIntervals`' with the same
 * seed); the swaps from a second generator (a derived seed), one bit per
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
  const generators = comparisonGenerators(seed);
  const draws = new Int32Array(S);
  const swaps = new Uint8Array(S);
  const tick = progressTicker(replicates, onProgress);
  tick(0);
  for (let r = 0; r < replicates; r++) {
    drawComparisonReplicate(generators, draws, swaps);
    w0.fill(0);
    w1.fill(0);
    for (let j = 0; j < S; j++) (swaps[j] ? w1 : w0)[draws[j]]++;
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

/** The generators of a comparison: the stimulus draws from SeededRandom(seed), the swaps from a second stream. */
export function comparisonGenerators(seed: number): { draws: SeededRandom; swaps: SeededRandom } {
  return { draws: new SeededRandom(seed), swaps: new SeededRandom(streamSeed(seed, 1)) };
}

/**
 * One replicate of the model comparison: S = draws.length stimulus indices drawn with
 * replacement ({@link resampleIndices}, the same uniforms as the joint bootstrap's weights) and,
 * for each resampled trial j, whether it swaps the two models' answers: bit j mod 32 of the swap
 * generator's (floor(j / 32) + 1)-th output of this replicate (probability 1/2 each).
 */
export function drawComparisonReplicate(
  generators: { draws: SeededRandom; swaps: SeededRandom },
  draws: Int32Array,
  swaps: Uint8Array,
): void {
  resampleIndices(generators.draws, draws.length, draws);
  let bits = 0;
  for (let j = 0; j < swaps.length; j++) {
    if (j % 32 === 0) bits = generators.swaps.nextUint32();
    swaps[j] = bits & 1;
    bits >>>= 1;
  }
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
 * gives p = 0; the smallest possible p is 1 / (R + 1). The core's one convention for
 * Monte-Carlo p-values ({@link monteCarloPValue}), shared with the Beta-null test.
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
  return monteCarloPValue(extreme, defined);
}

export interface CompareOptions {
  replicates?: number;
  seed?: number;
  level?: number;
  /** Told the replicates done so far, of `replicates`. */
  onProgress?: ProgressCallback;
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
  /** Swap-test p-value (see ./paired-test.ts). */
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
  /** Percentile interval of the mean kappa (the same as `modelKappaIntervals`' of ./mean-intervals.ts). */
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
 *
 * @example
 * const outcomes = { "subject-01": "110100", "subject-02": "111100", alexnet: "110000", vgg: "101101" };
 * const rows = Object.entries(outcomes).flatMap(([o, bits]) => [...bits].map((bit, s) => [o, `s${s}`, bit]));
 * const file = { file: "demo.csv", columns: ["observer", "stimulus", "correct"], rows, lines: rows.map((_, i) => i + 2) };
 * const table = longFormatTrials([file], "demo", { observer: "observer", stimulus: "stimulus", correct: "correct" });
 * compareModels(outcomeMatrix(table), { replicates: 200 }).comparisons[0].difference // => 0.4083...
 */
export function compareModels(matrix: OutcomeMatrix, options: CompareOptions = {}): ModelComparisons {
  const replicates = options.replicates ?? AGGREGATE_DEFAULTS.replicates;
  const seed = options.seed ?? AGGREGATE_DEFAULTS.seed;
  const level = options.level ?? AGGREGATE_DEFAULTS.level;
  checkBootstrapOptions(replicates, level, seed);
  const m = options.models ? selectModels(matrix, options.models) : matrix;
  const roles = observerRoles(m);
  if (roles.models.length < 2) throw new InputError("comparing models needs at least two models");
  if (roles.humans.length === 0) throw new InputError(`no humans in dataset "${m.dataset}" (condition "${m.condition}")`);
  const { observed, nHumans, boot, nullDiff } = compareReplicates(m, roles.models, roles.humans, replicates, seed, options.onProgress);
  const names = roles.models.map((i) => m.observers[i]);
  return comparisonsFromReplicates(
    { dataset: m.dataset, condition: m.condition, names, nHumans, observed, boot, nullDiff },
    { replicates, level, seed },
  );
}

/** What a comparison's replicates give, per model (in `names` order) and per pair of models (a < b, row by row). */
export interface ComparisonReplicates {
  dataset: string;
  condition: string;
  names: readonly string[];
  /** Humans with a defined value with each model on the data. */
  nHumans: ArrayLike<number>;
  /** Each model's mean with the humans on the data. */
  observed: ArrayLike<number>;
  /** boot[m][r]: model m's mean with the humans in replicate r. */
  boot: readonly Float64Array[];
  /** nullDiff[p][r]: pair p's difference of means under the swap null in replicate r. */
  nullDiff: readonly Float64Array[];
}

/**
 * The comparisons and the ranking of {@link compareModels} from the replicates of any statistic
 * that is a mean with the humans (error kappa here; the response-level metrics of
 * ./metric-bootstrap.ts): differences and their percentile intervals, swap-test p-values with
 * Holm and Benjamini-Hochberg adjustments, P(A > B), ranks and rank intervals.
 */
export function comparisonsFromReplicates(
  input: ComparisonReplicates,
  settings: { replicates: number; level: number; seed: number },
): ModelComparisons {
  const { names, nHumans, observed, boot, nullDiff } = input;
  const { replicates, level, seed } = settings;
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
    dataset: input.dataset,
    condition: input.condition,
    method: "joint stimulus bootstrap; null: per-trial swaps of A and B",
    replicates,
    level,
    seed,
    comparisons,
    ranking,
  };
}
