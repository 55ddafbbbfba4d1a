/**
 * The paired test of model A against model B with the same humans (Klein et al. 2025): the
 * difference of their mean kappas with the humans, its joint-bootstrap interval, and the
 * swap-test p-value; one comparison of ./model-comparison.ts. Isomorphic and seeded.
 */
import { type CompareOptions, type ModelComparison, type ModelComparisons, compareModels } from "./model-comparison.ts";
import type { OutcomeMatrix } from "./outcome-matrix.ts";

/** The options of {@link compareModels} but the models: replicates, seed, level, progress. */
export type PairedTestOptions = Omit<CompareOptions, "models">;

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
 * B's answers with probability 1/2 before d is recomputed (see compareReplicates in
 * ./model-comparison.ts);
 * p = (1 + #{|d_null| >= |d_obs|}) / (1 + R).
 *
 * Why not a t-test over the bootstrap differences: the R replicates are not R independent
 * experiments but R resamples of one experiment. Their sd already estimates the standard error
 * of d; dividing it again by sqrt(R) gives a "standard error" that shrinks to 0 as R grows, so
 * any difference, however small, becomes "significant" with enough replicates. (Nor can one
 * t-test the per-human kappas as independent pairs: they share the stimuli and the models'
 * answers.)
 */
export function pairedModelTest(matrix: OutcomeMatrix, modelA: string, modelB: string, options: PairedTestOptions = {}): PairedModelTest {
  if (modelA === modelB) throw new RangeError("compare two different models");
  return pairedTestOf(compareModels(matrix, { ...options, models: [modelA, modelB] }), modelA, modelB, matrix.humans.size);
}

/**
 * The paired test of A against B read off a comparison of exactly these two models (of error
 * kappa, {@link compareModels}, or of a response-level metric): the one comparison, oriented
 * as A minus B.
 */
export function pairedTestOf(comparison: ModelComparisons, modelA: string, modelB: string, nHumans: number): PairedModelTest {
  const row = comparison.comparisons[0];
  const flip = row.model_a !== modelA;
  return {
    dataset: comparison.dataset,
    condition: comparison.condition,
    method: "joint stimulus bootstrap; null: per-trial swaps of A and B",
    replicates: comparison.replicates,
    level: comparison.level,
    seed: comparison.seed,
    model_a: modelA,
    model_b: modelB,
    n_humans: nHumans,
    mean_a: flip ? row.mean_b : row.mean_a,
    mean_b: flip ? row.mean_a : row.mean_b,
    difference: flip ? -row.difference : row.difference,
    lower: flip ? -row.upper : row.lower,
    upper: flip ? -row.lower : row.upper,
    p: row.p,
  };
}
