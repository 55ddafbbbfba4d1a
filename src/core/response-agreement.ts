/**
 * Agreement on the responses themselves rather than on correct/wrong. Isomorphic.
 *
 * Response kappa: Cohen's kappa on the chosen option (one of the 16 categories, or a question's
 * options): p_obs = share of items with the same answer, p_exp = sum over categories k of
 * m1(k) m2(k) with m(k) an observer's share of answers k; kappa = (p_obs - p_exp) / (1 - p_exp).
 *
 * Same wrong answer: among the items both observers got wrong, the share where they gave the
 * same wrong answer (same_wrong), against two chance levels: "uniform", every wrong option
 * equally likely (1 / (options - 1), lm-sim's f), and "marginal", each observer's own spread of
 * wrong answers given the correct category (q(o | t): its share of wrong answers o on the items
 * whose correct category is t, a missed answer counting as wrong and matching nothing), with
 * same_wrong_kappa = (same_wrong - marginal) / (1 - marginal).
 *
 * Answers are vectors: one-hot for one trial, shares of trials per option for several trials
 * on an item (then every count is the expected count of two trials drawn one from each
 * observer); a missed answer is a zero vector.
 */
import type { VectorLayout } from "./capa.ts";
import { kappaOrNaN } from "./metrics.ts";

/** A layout whose options are named: each flat option position's category, as a number. */
export interface CategoryLayout extends VectorLayout {
  /** Category number (0 .. categories - 1) of each flat option position. */
  readonly category: ArrayLike<number>;
  readonly categories: number;
}

export interface ResponseAgreement {
  n_items: number;
  acc1: number;
  acc2: number;
  p_obs: number;
  p_exp: number;
  response_kappa: number;
  /** Items both got wrong (an expected count when answers are shares). */
  n_both_wrong: number;
  same_wrong: number;
  same_wrong_marginal: number;
  same_wrong_uniform: number;
  same_wrong_kappa: number;
}

/**
 * Response kappa and same-wrong-answer agreement of two observers' answer vectors on the given items.
 *
 * @example
 * const layout = { offsets: [0, 3, 6], truth: [0, 0], category: [0, 1, 2, 0, 1, 2], categories: 3 };
 * responseAgreement(layout, [0, 1, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0], [0, 1]).same_wrong // => 0.5
 */
export function responseAgreement(
  layout: CategoryLayout,
  answers1: ArrayLike<number>,
  answers2: ArrayLike<number>,
  items: ArrayLike<number>,
): ResponseAgreement {
  const k = layout.categories;
  const marginal1 = new Float64Array(k);
  const marginal2 = new Float64Array(k);
  // Wrong answers per (correct category, answered category), and the wrong mass per correct category.
  const wrong1 = new Float64Array(k * k);
  const wrong2 = new Float64Array(k * k);
  const wrongMass1 = new Float64Array(k);
  const wrongMass2 = new Float64Array(k);
  let agree = 0;
  let correct1 = 0;
  let correct2 = 0;
  let bothWrong = 0;
  let sameWrong = 0;
  let uniform = 0;
  for (let n = 0; n < items.length; n++) {
    const i = items[n];
    const start = layout.offsets[i];
    const end = layout.offsets[i + 1];
    const right = start + layout.truth[i];
    const t = layout.category[right];
    for (let o = start; o < end; o++) {
      const both = answers1[o] * answers2[o];
      agree += both;
      marginal1[layout.category[o]] += answers1[o];
      marginal2[layout.category[o]] += answers2[o];
      if (o === right) continue;
      sameWrong += both;
      wrong1[t * k + layout.category[o]] += answers1[o];
      wrong2[t * k + layout.category[o]] += answers2[o];
    }
    correct1 += answers1[right];
    correct2 += answers2[right];
    wrongMass1[t] += 1 - answers1[right];
    wrongMass2[t] += 1 - answers2[right];
    const w = (1 - answers1[right]) * (1 - answers2[right]);
    bothWrong += w;
    uniform += w / (end - start - 1);
  }
  // Chance of the same wrong answer on each both-wrong item, from each observer's wrong answers given the correct category.
  // The product of the two conditional shares per (correct, answered) category, each computed once: the same terms as per item.
  const sameChance = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    if (wrongMass1[t] === 0 || wrongMass2[t] === 0) continue;
    for (let c = 0; c < k; c++) sameChance[t * k + c] = (wrong1[t * k + c] / wrongMass1[t]) * (wrong2[t * k + c] / wrongMass2[t]);
  }
  let marginalSame = 0;
  for (let n = 0; n < items.length; n++) {
    const i = items[n];
    const start = layout.offsets[i];
    const right = start + layout.truth[i];
    const t = layout.category[right];
    const w = (1 - answers1[right]) * (1 - answers2[right]);
    if (w === 0) continue;
    let chance = 0;
    for (let o = start; o < layout.offsets[i + 1]; o++) {
      if (o === right) continue;
      chance += sameChance[t * k + layout.category[o]];
    }
    marginalSame += w * chance;
  }
  const count = items.length;
  let pExp = 0;
  for (let c = 0; c < k; c++) pExp += (marginal1[c] / count) * (marginal2[c] / count);
  const pObs = agree / count;
  const rate = sameWrong / bothWrong;
  const chance = marginalSame / bothWrong;
  return {
    n_items: count,
    acc1: correct1 / count,
    acc2: correct2 / count,
    p_obs: pObs,
    p_exp: pExp,
    response_kappa: kappaOrNaN(pObs, pExp),
    n_both_wrong: bothWrong,
    same_wrong: rate,
    same_wrong_marginal: chance,
    same_wrong_uniform: uniform / bothWrong,
    same_wrong_kappa: bothWrong === 0 ? NaN : kappaOrNaN(rate, chance),
  };
}
