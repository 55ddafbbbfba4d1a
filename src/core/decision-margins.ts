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
 * Values x at the given indices, centred: `deviations[k]` = x[indices[k]] - mean, the sum of
 * their squares, and whether all values are equal. A correlation's per-variable half
 * ({@link pearsonOfCentred}), so that many pairs can share one variable's.
 */
export interface Centred {
  readonly deviations: Float64Array;
  readonly sumSquares: number;
  /** All values equal (told exactly: their mean need not equal them in floating point). */
  readonly constant: boolean;
}

/** {@link Centred} of x over the given indices; `out` (at least indices.length long) receives the deviations. */
export function centred(x: ArrayLike<number>, indices: ArrayLike<number>, out: Float64Array = new Float64Array(indices.length)): Centred {
  const n = indices.length;
  let sum = 0;
  let constant = true;
  for (let k = 0; k < n; k++) {
    sum += x[indices[k]];
    constant &&= x[indices[k]] === x[indices[0]];
  }
  const mean = sum / n;
  let sumSquares = 0;
  for (let k = 0; k < n; k++) {
    const d = x[indices[k]] - mean;
    out[k] = d;
    sumSquares += d * d;
  }
  return { deviations: out.subarray(0, n), sumSquares, constant };
}

/**
 * Pearson correlation of two centred variables over the same indices, r = sum d_x d_y /
 * sqrt(sum d_x^2 sum d_y^2): NaN where either is constant or holds a value that is not finite,
 * or fewer than two indices are given.
 */
export function pearsonOfCentred(x: Centred, y: Centred): number {
  const n = x.deviations.length;
  if (n < 2 || x.constant || y.constant) return NaN;
  let sxy = 0;
  for (let k = 0; k < n; k++) sxy += x.deviations[k] * y.deviations[k];
  if (!Number.isFinite(sxy) || x.sumSquares === 0 || y.sumSquares === 0) return NaN;
  return sxy / Math.sqrt(x.sumSquares * y.sumSquares);
}

/**
 * Pearson correlation of x and y over the given indices ({@link centred}, {@link pearsonOfCentred}):
 * NaN where either is constant there or holds a value that is not finite, or fewer than two
 * indices are given. Constant values are told exactly: their mean need not equal them in
 * floating point, and the deviations' rounding would give a correlation near 0 instead of none.
 *
 * @example pearsonOver([1, 2, 3], [2, 4, 7], [0, 1, 2]) // => 0.9933...
 */
export function pearsonOver(x: ArrayLike<number>, y: ArrayLike<number>, indices: ArrayLike<number>): number {
  if (indices.length < 2) return NaN;
  return pearsonOfCentred(centred(x, indices), centred(y, indices));
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
