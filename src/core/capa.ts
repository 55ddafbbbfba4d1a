/**
 * CAPA, chance-adjusted probabilistic agreement (Goel et al. 2025, "Great Models Think Alike and
 * this Undermines AI Oversight"; their package lm-sim), over items with any number of options:
 *
 *   c_obs_p = mean over items of sum_o p1(o) p2(o)        (the chance both give the same answer)
 *   p_hat   = mean over items of p(correct option)
 *   f       = mean over items of 1 / (options - 1)
 *   c_exp_p = p_hat1 p_hat2 + f (1 - p_hat1)(1 - p_hat2)  (independent observers; wrong answers
 *                                                          spread evenly over the wrong options)
 *   kappa_p = (c_obs_p - c_exp_p) / (1 - c_exp_p)         (NaN where c_exp_p = 1)
 *
 * The discrete variant ("capa-discrete") puts each model's probability vector at its most
 * probable option (a one-hot vector: the answer it would give) and uses the same formulas;
 * then c_obs_p is the share of items with the same answer and p_hat the accuracy. Answers of
 * people are one-hot already (several trials on one item: the share of trials per option).
 * Isomorphic.
 */
import { kappaOrNaN } from "./metrics.ts";

/** Where each item's options lie in a flat vector, and which of them is correct. */
export interface VectorLayout {
  /** Item i's options are at offsets[i] .. offsets[i + 1]. */
  readonly offsets: ArrayLike<number>;
  /** Index (within the item) of item i's correct option. */
  readonly truth: ArrayLike<number>;
}

export interface CapaResult {
  n_items: number;
  p_hat1: number;
  p_hat2: number;
  /** Mean of 1 / (options - 1): the chance two wrong answers coincide if spread evenly. */
  f: number;
  c_obs_p: number;
  c_exp_p: number;
  kappa_p: number;
}

/**
 * CAPA of two observers' flat vectors on the given items (indices into the layout).
 *
 * @example
 * const layout = { offsets: [0, 2, 4], truth: [0, 1] };
 * capaOf(layout, [0.5, 0.5, 0, 1], [1, 0, 0.5, 0.5], [0, 1]).c_obs_p // => 0.5
 */
export function capaOf(layout: VectorLayout, values1: ArrayLike<number>, values2: ArrayLike<number>, items: ArrayLike<number>): CapaResult {
  let agree = 0;
  let correct1 = 0;
  let correct2 = 0;
  let chance = 0;
  for (let k = 0; k < items.length; k++) {
    const i = items[k];
    const start = layout.offsets[i];
    const end = layout.offsets[i + 1];
    for (let o = start; o < end; o++) agree += values1[o] * values2[o];
    correct1 += values1[start + layout.truth[i]];
    correct2 += values2[start + layout.truth[i]];
    chance += 1 / (end - start - 1);
  }
  return capaFromSums(items.length, agree, correct1, correct2, chance);
}

/**
 * CAPA from its sums over n items: `agree` = sum of sum_o p1(o) p2(o), `correct1` and
 * `correct2` = sums of p(correct option), `chance` = sum of 1 / (options - 1). The one place of
 * CAPA's arithmetic ({@link capaOf}, and the all-pairs kernel's pairs, src/kernel/capa-pairs.ts).
 *
 * @example capaFromSums(2, 1, 1.5, 1, 2).c_obs_p // => 0.5
 */
export function capaFromSums(n: number, agree: number, correct1: number, correct2: number, chance: number): CapaResult {
  const p1 = correct1 / n;
  const p2 = correct2 / n;
  const f = chance / n;
  const cObs = agree / n;
  const cExp = p1 * p2 + f * (1 - p1) * (1 - p2);
  return { n_items: n, p_hat1: p1, p_hat2: p2, f, c_obs_p: cObs, c_exp_p: cExp, kappa_p: kappaOrNaN(cObs, cExp) };
}

/**
 * CAPA of two observers given as one probability vector per item and the correct option's index.
 *
 * @example
 * capa([[0.5, 0.5], [0, 1]], [[1, 0], [0.5, 0.5]], [0, 1]).kappa_p // => -0.3333...
 */
export function capa(
  probabilities1: readonly (readonly number[])[],
  probabilities2: readonly (readonly number[])[],
  truth: readonly number[],
): CapaResult {
  const offsets = [0];
  for (const p of probabilities1) offsets.push(offsets[offsets.length - 1] + p.length);
  probabilities2.forEach((p, i) => {
    if (p.length !== probabilities1[i].length) throw new RangeError(`item ${i}: ${probabilities1[i].length} and ${p.length} options`);
  });
  const items = Array.from({ length: truth.length }, (_, i) => i);
  return capaOf({ offsets, truth }, probabilities1.flat(), probabilities2.flat(), items);
}

/**
 * Each seen item's vector replaced by the one-hot vector of its largest value (the first of
 * equal largest values: the option listed first); unseen items (trials 0) stay zero. The
 * answers a model with these probabilities gives, for the discrete variant.
 *
 * @example Array.from(mostProbableAnswers({ offsets: [0, 3], truth: [0] }, [0.2, 0.5, 0.3], [1])) // => [0, 1, 0]
 */
export function mostProbableAnswers(layout: VectorLayout, values: ArrayLike<number>, trials: ArrayLike<number>): Float64Array {
  const answers = new Float64Array(values.length);
  for (let i = 0; i < trials.length; i++) {
    if (trials[i] === 0) continue;
    const start = layout.offsets[i];
    let best = start;
    for (let o = start + 1; o < layout.offsets[i + 1]; o++) if (values[o] > values[best]) best = o;
    answers[best] = 1;
  }
  return answers;
}
