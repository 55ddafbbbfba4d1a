/**
 * Scoring models on the model-vs-human benchmark: model-vs-human's four metrics with its
 * conventions, Brain-Score's error-consistency scores with its human ceiling, and percentile
 * intervals of every aggregate from one joint bootstrap. Isomorphic and seeded.
 *
 * model-vs-human (its `plotting/analyses.py` and `plotting/plot.py`), per dataset:
 * - OOD accuracy: the share of correct trials over all trials of the included conditions
 *   (pooled, not averaged over conditions); for the humans, over all people's trials pooled.
 * - For a model and each person, in each included condition (a unit; the whole dataset where
 *   there are no conditions) on the stimuli both saw, with accuracies a_m, a_h:
 *   accuracy difference (a_m - a_h)^2, observed consistency c_obs (share of trials both got
 *   right or both wrong), error consistency kappa = (c_obs - c_exp) / (1 - c_exp) with
 *   c_exp = a_m a_h + (1 - a_m)(1 - a_h), and kappa = 1 whenever c_obs = 1 (model-vs-human's
 *   rule; with `kappaRule: "undefined"` such a kappa is undefined instead and left out of
 *   means). Averaged over conditions, then over people. The human row: the same metrics for
 *   every pair of people, averaged over conditions, then over pairs.
 * - The benchmark value: the mean over datasets (undefined values left out, as pandas does).
 *   Ranks among models (ties share the mean rank): accuracy difference ascending, observed and
 *   error consistency descending; mean rank = mean of these three ranks.
 *
 * Brain-Score (`brain-score/vision`, Geirhos2021 error-consistency benchmarks and the
 * error_consistency metric), per dataset, on the same included conditions: kappa without
 * model-vs-human's rule (undefined where c_exp = 1, left out of means); the human ceiling =
 * |mean over pairs of people of the mean over conditions of kappa|; the raw score =
 * |mean over people of the mean over conditions of kappa(model, person)|; the ceiled score =
 * raw / ceiling, clipped to [0, 1]. The absolute value makes a model that errs against the
 * humans (negative mean kappa) score as if it erred with them, and the clipping hides a model
 * more consistent with people than people are with each other; the alternative beside it keeps
 * the sign and does not clip: signed = the mean before |.|, ceiled_signed = signed / (signed
 * human mean).
 *
 * Intervals: a joint bootstrap. Each replicate draws, per dataset, its people with replacement
 * (person h drawn m_h times) and, per condition, the stimuli with replacement once for all
 * observers (stimulus s drawn w_s times). Every count becomes a weighted count (n = Σ w_s,
 * k = Σ w_s x_s, both = Σ w_s x_s y_s) and every statistic is recomputed from them: means over
 * people weight person h by m_h, means over pairs of people weight (h, h') by m_h m_h' (a person
 * drawn twice is not paired with itself). The 95% interval is the 2.5% and 97.5% quantile
 * (type 7) of the replicates' values, undefined ones left out. With all weights 1 the
 * replicate is the data: the point values come from the same code. Each dataset has its own
 * random stream (streamSeed(seed, the dataset's place among the 17)): per replicate, first the
 * people (H uniforms), then each condition's stimuli in order (S uniforms each).
 *
 * Beyond both: the chance expectation (c_obs of independent observers with the same
 * accuracies, c_exp, averaged as c_obs is; kappa's is 0), the kappa bounds the accuracies allow
 * (Klein et al. 2025), averaged as kappa is, and paired comparisons of models: the difference
 * of each metric with its interval from the same replicates, and the share of replicates in
 * which A is ahead.
 */
import { percentileInterval } from "../core/math/quantile.ts";
import { SeededRandom, streamSeed } from "../core/math/random.ts";
import { descendingRanks } from "../core/math/ranks.ts";
import { resampleWeights } from "../core/math/samplers.ts";
import { expectedConsistency, kappaOrNaN, observedConsistency } from "../core/metrics.ts";
import { BENCHMARK_DATASET_NAMES } from "./datasets.ts";
import type { PreparedDataset } from "./trials.ts";

/** How a kappa with c_obs = 1 is counted: 1 (model-vs-human) or undefined (left out of means). */
export type KappaRule = "one" | "undefined";

export interface ScoreOptions {
  kappaRule?: KappaRule;
  /** Bootstrap replicates (default 1000; 0: no intervals). */
  replicates?: number;
  seed?: number;
  level?: number;
  /** Told the replicates done, of replicates x datasets. */
  onProgress?: (done: number, total: number) => void;
}

export const SCORE_DEFAULTS = { kappaRule: "one", replicates: 1000, seed: 1, level: 0.95 } as const;

/** A percentile interval [lower, upper]; NaN ends where no replicate is defined or there are no replicates. */
export type IntervalPair = [number, number];

/** The four model-vs-human metrics. */
export const MVH_METRICS = ["ood_accuracy", "accuracy_difference", "observed_consistency", "error_consistency"] as const;
export type MvhMetric = (typeof MVH_METRICS)[number];

export interface ConditionScore {
  condition: string | null;
  included: boolean;
  trials: number;
  /** Accuracy in this condition (for the humans: pooled over people). */
  accuracy: number;
  /** Mean kappa over people (for the humans: over pairs of people), model-vs-human's rule. */
  error_consistency: number;
  intervals: { accuracy: IntervalPair; error_consistency: IntervalPair };
}

export interface DatasetModelScore {
  ood_accuracy: number;
  accuracy_difference: number;
  observed_consistency: number;
  error_consistency: number;
  brain_score_raw: number;
  brain_score_ceiled: number;
  /** Our alternative to Brain-Score's scores: the mean kappa with its sign, and it divided by the signed human mean, not clipped. */
  brain_score_signed: number;
  brain_score_ceiled_signed: number;
  /** The observed consistency independent observers with these accuracies would have (mean c_exp); kappa's chance value is 0. */
  chance_observed_consistency: number;
  /** Mean kappa_min and kappa_max: the range of kappa the accuracies allow. */
  kappa_min: number;
  kappa_max: number;
  conditions: ConditionScore[];
  intervals: Record<
    | "ood_accuracy"
    | "accuracy_difference"
    | "observed_consistency"
    | "error_consistency"
    | "brain_score_raw"
    | "brain_score_ceiled"
    | "brain_score_signed"
    | "brain_score_ceiled_signed",
    IntervalPair
  >;
}

export interface DatasetHumanScore {
  ood_accuracy: number;
  accuracy_difference: number;
  observed_consistency: number;
  error_consistency: number;
  /** Brain-Score's ceiling (|mean|, no kappa = 1 rule) and the signed mean. */
  human_ceiling: number;
  human_ceiling_signed: number;
  chance_observed_consistency: number;
  conditions: ConditionScore[];
  intervals: Record<
    "ood_accuracy" | "accuracy_difference" | "observed_consistency" | "error_consistency" | "human_ceiling" | "human_ceiling_signed",
    IntervalPair
  >;
}

export interface DatasetScore {
  dataset: string;
  humans: readonly string[];
  pairs: number;
  human_ceiling: number;
  humans_row: DatasetHumanScore;
  models: Record<string, DatasetModelScore>;
}

export interface ModelScore {
  ood_accuracy: number;
  accuracy_difference: number;
  observed_consistency: number;
  error_consistency: number;
  /** Mean of the accuracy-difference, observed-consistency and error-consistency ranks among the models (1 = best). */
  mean_rank: number;
  ranks: { accuracy_difference: number; observed_consistency: number; error_consistency: number; ood_accuracy: number };
  brain_score_raw_mean: number;
  brain_score_ceiled_mean: number;
  chance_observed_consistency: number;
  kappa_min: number;
  kappa_max: number;
  intervals: Record<MvhMetric | "mean_rank" | "brain_score_raw_mean" | "brain_score_ceiled_mean", IntervalPair>;
}

export interface HumanScore {
  ood_accuracy: number;
  accuracy_difference: number;
  observed_consistency: number;
  error_consistency: number;
  human_ceiling_mean: number;
  intervals: Record<MvhMetric | "human_ceiling_mean", IntervalPair>;
}

export interface ModelComparison {
  metric: MvhMetric | "mean_rank";
  model_a: string;
  model_b: string;
  /** A's value minus B's. */
  difference: number;
  lower: number;
  upper: number;
  /** Share of replicates (with both defined) in which A is better: higher, or lower for accuracy difference and mean rank. */
  p_a_better: number;
  /** The interval lies on one side of 0. */
  distinguishable: boolean;
}

export interface BenchmarkScores {
  kappaRule: KappaRule;
  replicates: number;
  seed: number;
  level: number;
  datasets: DatasetScore[];
  models: Record<string, ModelScore>;
  humans: HumanScore;
  /** Models by mean rank (best first; ties by name). */
  leaderboard: string[];
  comparisons: ModelComparison[];
}

// Per-pair statistics summed over a dataset's included conditions.
const P_ACC_DIFF = 0;
const P_C_OBS = 1;
const P_KAPPA = 2;
const P_KAPPA_NAN = 3;
const P_C_EXP = 4;
const P_KMIN = 5;
const P_KMAX = 6;
const PAIR_STATS = 7;

/** Per-dataset statistics of a model (and the humans' row, which uses the first six). */
const D_OOD = 0;
const D_ACC_DIFF = 1;
const D_C_OBS = 2;
const D_KAPPA = 3;
const D_KAPPA_NAN = 4;
const D_C_EXP = 5;
const D_KMIN = 6;
const D_KMAX = 7;
const DATASET_STATS = 8;

/** Adds `value` to a running sum and its count unless it is NaN. */
function accumulate(sums: Float64Array, counts: Float64Array, at: number, value: number, weight = 1): void {
  if (Number.isNaN(value) || weight === 0) return;
  sums[at] += weight * value;
  counts[at] += weight;
}

/**
 * One dataset's statistics under given weights (the data: all 1). Buffers are reused between
 * replicates; after `evaluate`, `model[m * DATASET_STATS + stat]`, `human[stat]` and the
 * per-unit arrays hold the values.
 */
class DatasetEvaluator {
  readonly H: number;
  readonly M: number;
  readonly units: PreparedDataset["units"];
  readonly model: Float64Array;
  readonly human: Float64Array;
  /** [unit * M + m]: the model's accuracy and mean kappa (model-vs-human's rule) over people in the unit. */
  readonly unitModelAccuracy: Float64Array;
  readonly unitModelKappa: Float64Array;
  readonly unitHumanAccuracy: Float64Array;
  readonly unitHumanKappa: Float64Array;
  /** Per unit: the people's answer pattern of each stimulus, as an index into the unit's distinct patterns. */
  private readonly patternOf: Int32Array[];
  /** Per unit and person: the patterns in which that person is correct. */
  private readonly patternsCorrect: Int32Array[][];
  /** Per unit and model: the stimuli it answered correctly (null: no trials in an excluded condition). */
  private readonly modelCorrect: (Int32Array | null)[][];
  /** Scratch: weighted stimulus counts per pattern (all stimuli, and a model's correct ones). */
  private readonly patternWeight: Float64Array;
  private readonly patternWeightCorrect: Float64Array;
  private readonly humanCorrect: Float64Array;
  private readonly pairSums: Float64Array;
  private readonly pairCounts: Float64Array;
  private readonly humanPairSums: Float64Array;
  private readonly humanPairCounts: Float64Array;

  constructor(
    prepared: PreparedDataset,
    private readonly rule: KappaRule,
  ) {
    this.H = prepared.humans.length;
    this.M = prepared.models.length;
    this.units = prepared.units;
    const U = this.units.length;
    // Stimuli with the same pattern of people's answers count alike in every pair with a person,
    // so a pair's weighted counts are sums over the unit's distinct patterns (at most 2^H, at
    // most S): per model, one pass over its correct stimuli, then a sum per person.
    this.patternOf = [];
    this.patternsCorrect = [];
    let maxPatterns = 1;
    for (const unit of this.units) {
      const index = new Map<string, number>();
      const patterns: string[] = [];
      const of = new Int32Array(unit.stimuli.length);
      for (let s = 0; s < unit.stimuli.length; s++) {
        const key = unit.humanRows.map((row) => row[s]).join("");
        let k = index.get(key);
        if (k === undefined) {
          index.set(key, (k = patterns.length));
          patterns.push(key);
        }
        of[s] = k;
      }
      this.patternOf.push(of);
      this.patternsCorrect.push(
        Array.from({ length: this.H }, (_, h) => Int32Array.from(patterns.flatMap((key, k) => (key[h] === "1" ? [k] : [])))),
      );
      maxPatterns = Math.max(maxPatterns, patterns.length);
    }
    this.modelCorrect = this.units.map((u) =>
      u.modelRows.map((row) => (row ? Int32Array.from(Array.from(row).flatMap((bit, s) => (bit ? [s] : []))) : null)),
    );
    this.patternWeight = new Float64Array(maxPatterns);
    this.patternWeightCorrect = new Float64Array(maxPatterns);
    this.humanCorrect = new Float64Array(this.H);
    this.model = new Float64Array(this.M * DATASET_STATS);
    this.human = new Float64Array(DATASET_STATS);
    this.unitModelAccuracy = new Float64Array(U * this.M);
    this.unitModelKappa = new Float64Array(U * this.M);
    this.unitHumanAccuracy = new Float64Array(U);
    this.unitHumanKappa = new Float64Array(U);
    this.pairSums = new Float64Array(this.M * this.H * PAIR_STATS);
    this.pairCounts = new Float64Array(this.M * this.H * PAIR_STATS);
    const P = (this.H * (this.H - 1)) / 2;
    this.humanPairSums = new Float64Array(P * PAIR_STATS);
    this.humanPairCounts = new Float64Array(P * PAIR_STATS);
  }

  /**
   * The statistics of one pair in one unit, from its weighted counts (n trials, k1 and k2
   * correct, both correct both), added to the sums at `at`: the arithmetic of
   * model-vs-human's analyses (accuracies k / n; c_obs = (both correct + both wrong) / n).
   */
  private pairInUnit(sums: Float64Array, counts: Float64Array, at: number, n: number, k1: number, k2: number, both: number): number {
    const a1 = k1 / n;
    const a2 = k2 / n;
    const cExp = expectedConsistency(a1, a2);
    const cObs = observedConsistency(both, n - k1 - k2 + both, n);
    const kappaNaN = kappaOrNaN(cObs, cExp);
    const kappa = this.rule === "one" && cObs === 1 ? 1 : kappaNaN;
    const difference = a1 - a2;
    accumulate(sums, counts, at + P_ACC_DIFF, difference * difference);
    accumulate(sums, counts, at + P_C_OBS, cObs);
    accumulate(sums, counts, at + P_KAPPA, kappa);
    accumulate(sums, counts, at + P_KAPPA_NAN, kappaNaN);
    accumulate(sums, counts, at + P_C_EXP, cExp);
    // The c_obs bounds from counts, as pairMetrics computes them.
    accumulate(sums, counts, at + P_KMIN, kappaOrNaN((n - Math.min(k1, n - k2) - Math.min(n - k1, k2)) / n, cExp));
    accumulate(sums, counts, at + P_KMAX, kappaOrNaN((Math.min(k1, k2) + Math.min(n - k1, n - k2)) / n, cExp));
    return kappa;
  }

  /** Evaluates every statistic under stimulus weights per unit and person weights. */
  evaluate(unitWeights: readonly Float64Array[], humanWeights: Float64Array): void {
    const { H, M } = this;
    this.pairSums.fill(0);
    this.pairCounts.fill(0);
    this.humanPairSums.fill(0);
    this.humanPairCounts.fill(0);
    const modelCorrect = new Float64Array(M);
    const modelTrials = new Float64Array(M);
    let humanCorrectTotal = 0;
    let humanTrialsTotal = 0;
    for (let u = 0; u < this.units.length; u++) {
      const unit = this.units[u];
      const S = unit.stimuli.length;
      const w = unitWeights[u];
      const patternOf = this.patternOf[u];
      const patternsCorrect = this.patternsCorrect[u];
      const all = this.patternWeight;
      all.fill(0);
      let n = 0;
      for (let s = 0; s < S; s++) {
        n += w[s];
        all[patternOf[s]] += w[s];
      }
      const sumOver = (values: Float64Array, patterns: Int32Array) => {
        let sum = 0;
        for (let i = 0; i < patterns.length; i++) sum += values[patterns[i]];
        return sum;
      };
      let weightedCorrect = 0;
      let weightedPeople = 0;
      for (let h = 0; h < H; h++) {
        const k = sumOver(all, patternsCorrect[h]);
        this.humanCorrect[h] = k;
        weightedCorrect += humanWeights[h] * k;
        weightedPeople += humanWeights[h];
      }
      this.unitHumanAccuracy[u] = weightedCorrect / (weightedPeople * n);
      if (unit.included) {
        humanCorrectTotal += weightedCorrect;
        humanTrialsTotal += weightedPeople * n;
      }
      // Pairs of people.
      let kappaSum = 0;
      let kappaWeight = 0;
      const scratchSums = new Float64Array(PAIR_STATS);
      const scratchCounts = new Float64Array(PAIR_STATS);
      for (let a = 0, p = 0; a < H; a++) {
        for (let b = a + 1; b < H; b++, p++) {
          // Both correct: the patterns where a is correct, counted where b is too.
          let both = 0;
          const aCorrect = patternsCorrect[a];
          const bRow = patternsCorrect[b];
          for (let i = 0, j = 0; i < aCorrect.length && j < bRow.length;) {
            if (aCorrect[i] === bRow[j]) {
              both += all[aCorrect[i]];
              i++;
              j++;
            } else if (aCorrect[i] < bRow[j]) i++;
            else j++;
          }
          const sums = unit.included ? this.humanPairSums : scratchSums;
          const counts = unit.included ? this.humanPairCounts : scratchCounts;
          const kappa = this.pairInUnit(
            sums,
            counts,
            unit.included ? p * PAIR_STATS : 0,
            n,
            this.humanCorrect[a],
            this.humanCorrect[b],
            both,
          );
          const weight = humanWeights[a] * humanWeights[b];
          if (weight > 0 && !Number.isNaN(kappa)) {
            kappaSum += weight * kappa;
            kappaWeight += weight;
          }
        }
      }
      this.unitHumanKappa[u] = kappaSum / kappaWeight;
      // Models against each person.
      for (let m = 0; m < M; m++) {
        const correct = this.modelCorrect[u][m];
        if (!correct) {
          this.unitModelAccuracy[u * M + m] = NaN;
          this.unitModelKappa[u * M + m] = NaN;
          continue;
        }
        const mine = this.patternWeightCorrect;
        mine.fill(0);
        let k = 0;
        for (let i = 0; i < correct.length; i++) {
          const s = correct[i];
          k += w[s];
          mine[patternOf[s]] += w[s];
        }
        this.unitModelAccuracy[u * M + m] = k / n;
        if (unit.included) {
          modelCorrect[m] += k;
          modelTrials[m] += n;
        }
        let sum = 0;
        let weight = 0;
        for (let h = 0; h < H; h++) {
          const both = sumOver(mine, patternsCorrect[h]);
          scratchSums.fill(0);
          scratchCounts.fill(0);
          const sums = unit.included ? this.pairSums : scratchSums;
          const counts = unit.included ? this.pairCounts : scratchCounts;
          const kappa = this.pairInUnit(sums, counts, unit.included ? (m * H + h) * PAIR_STATS : 0, n, k, this.humanCorrect[h], both);
          if (humanWeights[h] > 0 && !Number.isNaN(kappa)) {
            sum += humanWeights[h] * kappa;
            weight += humanWeights[h];
          }
        }
        this.unitModelKappa[u * M + m] = sum / weight;
      }
    }
    // Means over conditions (per pair), then over people (weighted m_h) or pairs (m_h m_h').
    for (let m = 0; m < M; m++) {
      const out = m * DATASET_STATS;
      this.model[out + D_OOD] = modelCorrect[m] / modelTrials[m];
      const targets: [number, number][] = [
        [P_ACC_DIFF, D_ACC_DIFF],
        [P_C_OBS, D_C_OBS],
        [P_KAPPA, D_KAPPA],
        [P_KAPPA_NAN, D_KAPPA_NAN],
        [P_C_EXP, D_C_EXP],
        [P_KMIN, D_KMIN],
        [P_KMAX, D_KMAX],
      ];
      for (const [pairStat, datasetStat] of targets) {
        let sum = 0;
        let weight = 0;
        for (let h = 0; h < H; h++) {
          const at = (m * H + h) * PAIR_STATS + pairStat;
          const count = this.pairCounts[at];
          if (count === 0 || humanWeights[h] === 0) continue;
          sum += humanWeights[h] * (this.pairSums[at] / count);
          weight += humanWeights[h];
        }
        this.model[out + datasetStat] = sum / weight;
      }
    }
    this.human[D_OOD] = humanCorrectTotal / humanTrialsTotal;
    const humanTargets: [number, number][] = [
      [P_ACC_DIFF, D_ACC_DIFF],
      [P_C_OBS, D_C_OBS],
      [P_KAPPA, D_KAPPA],
      [P_KAPPA_NAN, D_KAPPA_NAN],
      [P_C_EXP, D_C_EXP],
    ];
    for (const [pairStat, datasetStat] of humanTargets) {
      let sum = 0;
      let weight = 0;
      for (let a = 0, p = 0; a < H; a++) {
        for (let b = a + 1; b < H; b++, p++) {
          const at = p * PAIR_STATS + pairStat;
          const pairWeight = humanWeights[a] * humanWeights[b];
          const count = this.humanPairCounts[at];
          if (count === 0 || pairWeight === 0) continue;
          sum += pairWeight * (this.humanPairSums[at] / count);
          weight += pairWeight;
        }
      }
      this.human[datasetStat] = sum / weight;
    }
  }
}

/** Brain-Score's bound_score: values below 0 become 0, above 1 become 1 (NaN stays). */
function clipToUnit(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/** Replicate values of one statistic, and the interval read off them. */
class Samples {
  readonly values: Float64Array;
  constructor(replicates: number) {
    this.values = new Float64Array(replicates);
  }
  interval(level: number): IntervalPair {
    if (this.values.length === 0) return [NaN, NaN];
    const { lower, upper } = percentileInterval(this.values, level);
    return [lower, upper];
  }
}

/** Running means over datasets per replicate (NaN left out). */
class MeanOverDatasets {
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  constructor(size: number) {
    this.sums = new Float64Array(size);
    this.counts = new Float64Array(size);
  }
  add(at: number, value: number): void {
    accumulate(this.sums, this.counts, at, value);
  }
  mean(at: number): number {
    return this.sums[at] / this.counts[at];
  }
}

const OVERALL_STATS = [
  "ood_accuracy",
  "accuracy_difference",
  "observed_consistency",
  "error_consistency",
  "brain_score_raw_mean",
  "brain_score_ceiled_mean",
  "chance_observed_consistency",
  "kappa_min",
  "kappa_max",
] as const;
const HUMAN_OVERALL_STATS = [
  "ood_accuracy",
  "accuracy_difference",
  "observed_consistency",
  "error_consistency",
  "human_ceiling_mean",
] as const;

/**
 * Scores every model of `prepared` (each dataset must hold the same models, in the same order)
 * against the humans, with intervals from `replicates` joint-bootstrap replicates.
 */
export function scoreBenchmark(prepared: readonly PreparedDataset[], options: ScoreOptions = {}): BenchmarkScores {
  const kappaRule = options.kappaRule ?? SCORE_DEFAULTS.kappaRule;
  const replicates = options.replicates ?? SCORE_DEFAULTS.replicates;
  const seed = options.seed ?? SCORE_DEFAULTS.seed;
  const level = options.level ?? SCORE_DEFAULTS.level;
  if (!(Number.isInteger(replicates) && replicates >= 0)) throw new RangeError(`replicates must be a whole number, got ${replicates}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (prepared.length === 0) throw new RangeError("no datasets to score");
  const models = prepared[0].models;
  for (const p of prepared) {
    if (p.models.join("\u0000") !== models.join("\u0000"))
      throw new RangeError(`dataset ${p.dataset.name} holds other models than ${prepared[0].dataset.name}`);
  }
  const M = models.length;
  const D = prepared.length;
  const R = replicates;

  // Point values and replicate values of the means over datasets.
  const overallPoint = new MeanOverDatasets(M * OVERALL_STATS.length);
  const overallReplicates = Array.from({ length: R }, () => new MeanOverDatasets(M * OVERALL_STATS.length));
  const humanOverallPoint = new MeanOverDatasets(HUMAN_OVERALL_STATS.length);
  const humanOverallReplicates = Array.from({ length: R }, () => new MeanOverDatasets(HUMAN_OVERALL_STATS.length));
  const datasets: DatasetScore[] = [];
  let done = 0;

  for (let d = 0; d < D; d++) {
    const p = prepared[d];
    const evaluator = new DatasetEvaluator(p, kappaRule);
    const H = evaluator.H;
    const U = p.units.length;
    const ones = p.units.map((u) => new Float64Array(u.stimuli.length).fill(1));
    const humanOnes = new Float64Array(H).fill(1);

    // Which statistics of a model are kept per replicate: the dataset metrics and Brain-Score's, then per unit accuracy and kappa.
    const MODEL_KEPT = 8;
    const modelSamples = Array.from({ length: M * MODEL_KEPT }, () => new Samples(R));
    const unitSamples = Array.from({ length: M * U * 2 }, () => new Samples(R));
    const HUMAN_KEPT = 6;
    const humanSamples = Array.from({ length: HUMAN_KEPT }, () => new Samples(R));
    const humanUnitSamples = Array.from({ length: U * 2 }, () => new Samples(R));

    /** Stores one evaluation (replicate r, or the data when r = -1) and returns the model values. */
    const record = (r: number) => {
      const ceilingSigned = evaluator.human[D_KAPPA_NAN];
      const ceiling = Math.abs(ceilingSigned);
      const modelValues = new Float64Array(M * MODEL_KEPT);
      for (let m = 0; m < M; m++) {
        const s = evaluator.model.subarray(m * DATASET_STATS, (m + 1) * DATASET_STATS);
        const raw = Math.abs(s[D_KAPPA_NAN]);
        const values = [
          s[D_OOD],
          s[D_ACC_DIFF],
          s[D_C_OBS],
          s[D_KAPPA],
          raw,
          clipToUnit(raw / ceiling),
          s[D_KAPPA_NAN],
          s[D_KAPPA_NAN] / ceilingSigned,
        ];
        modelValues.set(values, m * MODEL_KEPT);
        const overall = r < 0 ? overallPoint : overallReplicates[r];
        const base = m * OVERALL_STATS.length;
        [s[D_OOD], s[D_ACC_DIFF], s[D_C_OBS], s[D_KAPPA], raw, clipToUnit(raw / ceiling), s[D_C_EXP], s[D_KMIN], s[D_KMAX]].forEach(
          (v, k) => overall.add(base + k, v),
        );
        if (r >= 0) {
          values.forEach((v, k) => (modelSamples[m * MODEL_KEPT + k].values[r] = v));
          for (let u = 0; u < U; u++) {
            unitSamples[(m * U + u) * 2].values[r] = evaluator.unitModelAccuracy[u * M + m];
            unitSamples[(m * U + u) * 2 + 1].values[r] = evaluator.unitModelKappa[u * M + m];
          }
        }
      }
      const h = evaluator.human;
      const humanValues = [h[D_OOD], h[D_ACC_DIFF], h[D_C_OBS], h[D_KAPPA], ceiling, ceilingSigned];
      const humanOverall = r < 0 ? humanOverallPoint : humanOverallReplicates[r];
      [h[D_OOD], h[D_ACC_DIFF], h[D_C_OBS], h[D_KAPPA], ceiling].forEach((v, k) => humanOverall.add(k, v));
      if (r >= 0) {
        humanValues.forEach((v, k) => (humanSamples[k].values[r] = v));
        for (let u = 0; u < U; u++) {
          humanUnitSamples[u * 2].values[r] = evaluator.unitHumanAccuracy[u];
          humanUnitSamples[u * 2 + 1].values[r] = evaluator.unitHumanKappa[u];
        }
      }
      return { modelValues, humanValues };
    };

    evaluator.evaluate(ones, humanOnes);
    const point = record(-1);
    const pointModelUnits = {
      accuracy: Float64Array.from(evaluator.unitModelAccuracy),
      kappa: Float64Array.from(evaluator.unitModelKappa),
    };
    const pointHumanUnits = {
      accuracy: Float64Array.from(evaluator.unitHumanAccuracy),
      kappa: Float64Array.from(evaluator.unitHumanKappa),
    };
    const pointModelStats = Float64Array.from(evaluator.model);
    const pointHumanStats = Float64Array.from(evaluator.human);

    const datasetIndex = BENCHMARK_DATASET_NAMES.indexOf(p.dataset.name);
    const rng = new SeededRandom(streamSeed(seed, datasetIndex < 0 ? d : datasetIndex));
    const unitWeights = p.units.map((u) => new Float64Array(u.stimuli.length));
    const humanWeights = new Float64Array(H);
    for (let r = 0; r < R; r++) {
      humanWeights.fill(0);
      for (let k = 0; k < H; k++) humanWeights[Math.floor(rng.uniform() * H)]++;
      p.units.forEach((u, i) => resampleWeights(rng, u.stimuli.length, unitWeights[i]));
      evaluator.evaluate(unitWeights, humanWeights);
      record(r);
      options.onProgress?.(++done, R * D);
    }

    const conditionScores = (
      accuracy: Float64Array,
      kappa: Float64Array,
      samples: Samples[],
      index: (u: number) => number,
      sampleBase: (u: number) => number,
    ): ConditionScore[] =>
      p.units.map((unit, u) => ({
        condition: unit.condition,
        included: unit.included,
        trials: unit.stimuli.length,
        accuracy: accuracy[index(u)],
        error_consistency: kappa[index(u)],
        intervals: { accuracy: samples[sampleBase(u)].interval(level), error_consistency: samples[sampleBase(u) + 1].interval(level) },
      }));

    const modelScores: Record<string, DatasetModelScore> = {};
    models.forEach((name, m) => {
      const v = point.modelValues.subarray(m * MODEL_KEPT, (m + 1) * MODEL_KEPT);
      const iv = (k: number) => modelSamples[m * MODEL_KEPT + k].interval(level);
      const s = pointModelStats.subarray(m * DATASET_STATS, (m + 1) * DATASET_STATS);
      modelScores[name] = {
        ood_accuracy: v[0],
        accuracy_difference: v[1],
        observed_consistency: v[2],
        error_consistency: v[3],
        brain_score_raw: v[4],
        brain_score_ceiled: v[5],
        brain_score_signed: v[6],
        brain_score_ceiled_signed: v[7],
        chance_observed_consistency: s[D_C_EXP],
        kappa_min: s[D_KMIN],
        kappa_max: s[D_KMAX],
        conditions: conditionScores(
          pointModelUnits.accuracy,
          pointModelUnits.kappa,
          unitSamples,
          (u) => u * M + m,
          (u) => (m * U + u) * 2,
        ),
        intervals: {
          ood_accuracy: iv(0),
          accuracy_difference: iv(1),
          observed_consistency: iv(2),
          error_consistency: iv(3),
          brain_score_raw: iv(4),
          brain_score_ceiled: iv(5),
          brain_score_signed: iv(6),
          brain_score_ceiled_signed: iv(7),
        },
      };
    });
    const hv = point.humanValues;
    const hiv = (k: number) => humanSamples[k].interval(level);
    datasets.push({
      dataset: p.dataset.name,
      humans: p.humans,
      pairs: (H * (H - 1)) / 2,
      human_ceiling: hv[4],
      humans_row: {
        ood_accuracy: hv[0],
        accuracy_difference: hv[1],
        observed_consistency: hv[2],
        error_consistency: hv[3],
        human_ceiling: hv[4],
        human_ceiling_signed: hv[5],
        chance_observed_consistency: pointHumanStats[D_C_EXP],
        conditions: conditionScores(
          pointHumanUnits.accuracy,
          pointHumanUnits.kappa,
          humanUnitSamples,
          (u) => u,
          (u) => u * 2,
        ),
        intervals: {
          ood_accuracy: hiv(0),
          accuracy_difference: hiv(1),
          observed_consistency: hiv(2),
          error_consistency: hiv(3),
          human_ceiling: hiv(4),
          human_ceiling_signed: hiv(5),
        },
      },
      models: modelScores,
    });
  }

  // Over datasets: values, ranks among models, intervals.
  const S = OVERALL_STATS.length;
  const overallSamples = (m: number, k: number) => {
    const values = new Float64Array(R);
    for (let r = 0; r < R; r++) values[r] = overallReplicates[r].mean(m * S + k);
    return values;
  };
  const interval = (values: Float64Array): IntervalPair => {
    if (values.length === 0) return [NaN, NaN];
    const { lower, upper } = percentileInterval(values, level);
    return [lower, upper];
  };
  const rankColumns = (value: (m: number) => [number, number, number, number]) => {
    const ood = new Float64Array(M);
    const accDiff = new Float64Array(M);
    const cObs = new Float64Array(M);
    const kappa = new Float64Array(M);
    for (let m = 0; m < M; m++) [ood[m], accDiff[m], cObs[m], kappa[m]] = value(m);
    const accRank = descendingRanks(accDiff.map((x) => -x));
    const obsRank = descendingRanks(cObs);
    const errRank = descendingRanks(kappa);
    const oodRank = descendingRanks(ood);
    const mean = accRank.map((a, m) => (a + obsRank[m] + errRank[m]) / 3);
    return { accRank, obsRank, errRank, oodRank, mean };
  };
  const pointRanks = rankColumns((m) => [0, 1, 2, 3].map((k) => overallPoint.mean(m * S + k)) as [number, number, number, number]);
  const rankSamples = Array.from({ length: M }, () => new Float64Array(R));
  const metricSamples = Array.from({ length: M }, (_, m) => OVERALL_STATS.map((_, k) => overallSamples(m, k)));
  for (let r = 0; r < R; r++) {
    const ranks = rankColumns((m) => [0, 1, 2, 3].map((k) => metricSamples[m][k][r]) as [number, number, number, number]);
    for (let m = 0; m < M; m++) rankSamples[m][r] = ranks.mean[m];
  }
  const modelScores: Record<string, ModelScore> = {};
  models.forEach((name, m) => {
    const value = (k: number) => overallPoint.mean(m * S + k);
    modelScores[name] = {
      ood_accuracy: value(0),
      accuracy_difference: value(1),
      observed_consistency: value(2),
      error_consistency: value(3),
      mean_rank: pointRanks.mean[m],
      ranks: {
        accuracy_difference: pointRanks.accRank[m],
        observed_consistency: pointRanks.obsRank[m],
        error_consistency: pointRanks.errRank[m],
        ood_accuracy: pointRanks.oodRank[m],
      },
      brain_score_raw_mean: value(4),
      brain_score_ceiled_mean: value(5),
      chance_observed_consistency: value(6),
      kappa_min: value(7),
      kappa_max: value(8),
      intervals: {
        ood_accuracy: interval(metricSamples[m][0]),
        accuracy_difference: interval(metricSamples[m][1]),
        observed_consistency: interval(metricSamples[m][2]),
        error_consistency: interval(metricSamples[m][3]),
        mean_rank: interval(rankSamples[m]),
        brain_score_raw_mean: interval(metricSamples[m][4]),
        brain_score_ceiled_mean: interval(metricSamples[m][5]),
      },
    };
  });
  const humanSamples = HUMAN_OVERALL_STATS.map((_, k) => Float64Array.from({ length: R }, (_, r) => humanOverallReplicates[r].mean(k)));
  const humans: HumanScore = {
    ood_accuracy: humanOverallPoint.mean(0),
    accuracy_difference: humanOverallPoint.mean(1),
    observed_consistency: humanOverallPoint.mean(2),
    error_consistency: humanOverallPoint.mean(3),
    human_ceiling_mean: humanOverallPoint.mean(4),
    intervals: {
      ood_accuracy: interval(humanSamples[0]),
      accuracy_difference: interval(humanSamples[1]),
      observed_consistency: interval(humanSamples[2]),
      error_consistency: interval(humanSamples[3]),
      human_ceiling_mean: interval(humanSamples[4]),
    },
  };
  const leaderboard = [...models].sort(
    (a, b) => compareRank(modelScores[a].mean_rank, modelScores[b].mean_rank) || (a < b ? -1 : a > b ? 1 : 0),
  );

  // Paired comparisons, in leaderboard order (A ranked above B).
  const comparisons: ModelComparison[] = [];
  const order = leaderboard.map((name) => models.indexOf(name));
  const metrics: {
    metric: ModelComparison["metric"];
    samples: (m: number) => Float64Array;
    point: (m: number) => number;
    lowerIsBetter: boolean;
  }[] = [
    ...MVH_METRICS.map((metric, k) => ({
      metric,
      samples: (m: number) => metricSamples[m][k],
      point: (m: number) => overallPoint.mean(m * S + k),
      lowerIsBetter: metric === "accuracy_difference",
    })),
    { metric: "mean_rank", samples: (m) => rankSamples[m], point: (m) => pointRanks.mean[m], lowerIsBetter: true },
  ];
  for (const { metric, samples, point, lowerIsBetter } of metrics) {
    for (let i = 0; i < order.length; i++) {
      for (let j = i + 1; j < order.length; j++) {
        const a = order[i];
        const b = order[j];
        const sa = samples(a);
        const sb = samples(b);
        const differences = new Float64Array(R);
        let better = 0;
        let defined = 0;
        for (let r = 0; r < R; r++) {
          differences[r] = sa[r] - sb[r];
          if (Number.isNaN(differences[r])) continue;
          defined++;
          if (lowerIsBetter ? sa[r] < sb[r] : sa[r] > sb[r]) better++;
        }
        const [lower, upper] = interval(differences);
        comparisons.push({
          metric,
          model_a: models[a],
          model_b: models[b],
          difference: point(a) - point(b),
          lower,
          upper,
          p_a_better: better / defined,
          distinguishable: lower > 0 || upper < 0,
        });
      }
    }
  }
  return { kappaRule, replicates: R, seed, level, datasets, models: modelScores, humans, leaderboard, comparisons };
}

/** Orders mean ranks ascending, undefined ones last. */
function compareRank(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}
