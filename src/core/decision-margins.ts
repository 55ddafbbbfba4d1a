/**
 * Decision-margin consistency (Alvarez & Konkle 2024, "Decision-margin consistency: a principled
 * metric for human and machine performance alignment"): the Pearson correlation, across items,
 * of two observers' decision margins. Isomorphic.
 *
 * A model's margin on an item is how far its decision is from the boundary: the score of the
 * correct category minus the best other score, divided by sqrt(2) (their scale; a correlation
 * does not depend on it). Scores are taken as log-probabilities, so for a softmax model the
 * margin is its logit difference: (ln p(correct) - max over wrong options of ln p(o)) / sqrt(2).
 * An observer known by its answers (a person) has as margin its share of correct trials on the
 * item (one trial: 0 or 1; more repetitions or subjects pooled: a graded share), the index of
 * the margin the paper uses for people.
 */
import type { VectorLayout } from "./capa.ts";

/**
 * Each item's margin: graded vectors (probabilities) give the log-probability margin over
 * sqrt(2), answers (shares) the share on the correct option; NaN where the observer did not
 * see the item (trials 0). A probability of 0 on the correct option gives -Infinity.
 *
 * @example Array.from(decisionMargins({ offsets: [0, 2], truth: [0] }, [0.5, 0.5], [1], true)) // => [0]
 */
export function decisionMargins(layout: VectorLayout, values: ArrayLike<number>, trials: ArrayLike<number>, graded: boolean): Float64Array {
  const margins = new Float64Array(trials.length);
  for (let i = 0; i < trials.length; i++) {
    const start = layout.offsets[i];
    const correct = start + layout.truth[i];
    if (trials[i] === 0) margins[i] = NaN;
    else if (!graded) margins[i] = values[correct];
    else {
      let bestOther = -Infinity;
      for (let o = start; o < layout.offsets[i + 1]; o++) if (o !== correct && values[o] > bestOther) bestOther = values[o];
      margins[i] = (Math.log(values[correct]) - Math.log(bestOther)) / Math.SQRT2;
    }
  }
  return margins;
}

/**
 * Pearson correlation of x and y over the given indices: NaN where either is constant there or
 * holds a value that is not finite, or fewer than two indices are given.
 *
 * @example pearsonOver([1, 2, 3], [2, 4, 7], [0, 1, 2]) // => 0.9933...
 */
export function pearsonOver(x: ArrayLike<number>, y: ArrayLike<number>, indices: ArrayLike<number>): number {
  const n = indices.length;
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  // Constant values are told exactly: their mean need not equal them in floating point, and the
  // deviations' rounding would give a correlation near 0 instead of none.
  let xConstant = true;
  let yConstant = true;
  for (let k = 0; k < n; k++) {
    sx += x[indices[k]];
    sy += y[indices[k]];
    xConstant &&= x[indices[k]] === x[indices[0]];
    yConstant &&= y[indices[k]] === y[indices[0]];
  }
  if (xConstant || yConstant) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = x[indices[k]] - mx;
    const dy = y[indices[k]] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!Number.isFinite(sxy) || sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

export interface DecisionMarginResult {
  n_items: number;
  mean_margin1: number;
  mean_margin2: number;
  dmc: number;
}

/**
 * Decision-margin consistency of two observers' margins ({@link decisionMargins}) on the given items.
 *
 * @example decisionMarginConsistency([0.1, 0.5, 0.9], [1, 2, 3], [0, 1, 2]).dmc // => 1
 */
export function decisionMarginConsistency(
  margins1: ArrayLike<number>,
  margins2: ArrayLike<number>,
  items: ArrayLike<number>,
): DecisionMarginResult {
  let s1 = 0;
  let s2 = 0;
  for (let k = 0; k < items.length; k++) {
    s1 += margins1[items[k]];
    s2 += margins2[items[k]];
  }
  return {
    n_items: items.length,
    mean_margin1: s1 / items.length,
    mean_margin2: s2 / items.length,
    dmc: pearsonOver(margins1, margins2, items),
  };
}
