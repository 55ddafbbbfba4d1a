/**
 * The joint stimulus bootstrap of every pair on the bit-packed kernel. A replicate gives each
 * stimulus an integer weight w_s (how often it was drawn); every pair's counts are then
 * weighted sums, computed exactly from bit-planes of the weights:
 *   w_s = Σ_b 2^b [bit b of w_s],  plane_b = {s : bit b of w_s is 1},
 *   Σ_s w_s a_s c_s = Σ_b 2^b popcount(a AND c AND plane_b),
 * and (a AND plane_b) AND (c AND plane_b) = a AND c AND plane_b, so each plane is one run of
 * the unchanged all-pairs kernel on the observers' bits masked by the plane. A replicate costs
 * about log2(max w) + 1 kernel passes (4 to 5 for thousands of stimuli). Isomorphic.
 */
import { SeededRandom } from "../core/math/random.ts";
import { resampleWeights } from "../core/math/samplers.ts";
import { kappaFromCounts } from "../core/metrics.ts";
import { type KernelName, allPairCountsSync } from "./index.ts";
import type { PackedObservers } from "./packed.ts";

export interface WeightedPairCounts {
  /** Σ_s w_s: the weighted number of trials. */
  total: number;
  /** correct[i] = Σ_s w_s a_is. */
  correct: Float64Array;
  /** bothCorrect[i * N + j] = Σ_s w_s a_is a_js (symmetric; the diagonal is `correct`). */
  bothCorrect: Float64Array;
}

/**
 * Every observer's and every pair's weighted correct counts for integer trial weights (one per
 * trial, >= 0), exactly, by bit-planes (see the module comment).
 */
export function weightedPairCounts(
  packed: PackedObservers,
  weights: ArrayLike<number>,
  options: { kernel?: KernelName | "auto" } = {},
): WeightedPairCounts {
  const n = packed.observers.length;
  const words = packed.wordsPerObserver;
  if (weights.length !== packed.trials) throw new RangeError(`need one weight per trial (${packed.trials}), got ${weights.length}`);
  let max = 0;
  let total = 0;
  for (let t = 0; t < weights.length; t++) {
    const w = weights[t];
    if (!(Number.isInteger(w) && w >= 0)) throw new RangeError(`weights must be non-negative integers, got ${w} at trial ${t}`);
    if (w > max) max = w;
    total += w;
  }
  const correct = new Float64Array(n);
  const bothCorrect = new Float64Array(n * n);
  const plane = new Uint32Array(words);
  const masked = new Uint32Array(packed.bits.length);
  for (let b = 0; 2 ** b <= max; b++) {
    plane.fill(0);
    for (let t = 0; t < weights.length; t++) if (Math.floor(weights[t] / 2 ** b) % 2 === 1) plane[t >>> 5] |= 1 << (t & 31);
    for (let i = 0; i < n; i++) {
      const row = i * words;
      for (let w = 0; w < words; w++) masked[row + w] = packed.bits[row + w] & plane[w];
    }
    const counts = allPairCountsSync({ ...packed, bits: masked }, { kernel: options.kernel });
    const scale = 2 ** b;
    for (let i = 0; i < n; i++) correct[i] += scale * counts.correct[i];
    const matrix = counts.bothCorrect!;
    for (let k = 0; k < n * n; k++) bothCorrect[k] += scale * matrix[k];
  }
  return { total, correct, bothCorrect };
}

export interface KernelBootstrapOptions {
  replicates: number;
  seed?: number;
  kernel?: KernelName | "auto";
  /**
   * Receives each replicate's kappa matrix (N x N, symmetric, NaN where undefined; the array is
   * reused between calls: copy what you keep).
   */
  onReplicate: (replicate: number, kappa: Float64Array) => void;
}

/**
 * The joint stimulus bootstrap of all pairs: per replicate, stimuli resampled with replacement
 * once for all observers (the same draws as `jointBootstrap` of src/core/joint-bootstrap.ts for the
 * same seed, so the replicates are identical), and every pair's kappa from the weighted counts.
 */
export function kernelJointBootstrap(packed: PackedObservers, options: KernelBootstrapOptions): void {
  const { replicates, seed = 1 } = options;
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  const n = packed.observers.length;
  const rng = new SeededRandom(seed);
  const weights = new Float64Array(packed.trials);
  const kappa = new Float64Array(n * n);
  for (let r = 0; r < replicates; r++) {
    resampleWeights(rng, packed.trials, weights);
    const counts = weightedPairCounts(packed, weights, options);
    for (let i = 0; i < n; i++) {
      kappa[i * n + i] = 1;
      for (let j = i + 1; j < n; j++) {
        kappa[i * n + j] = kappa[j * n + i] = kappaFromCounts(
          counts.total,
          counts.correct[i],
          counts.correct[j],
          counts.bothCorrect[i * n + j],
        );
      }
    }
    options.onReplicate(r, kappa);
  }
}
