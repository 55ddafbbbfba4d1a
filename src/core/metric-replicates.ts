/**
 * The response-level metrics of many pairs on many bootstrap replicates of one unit's items, in
 * O(S) per pair and replicate instead of O(S K) (S items, K options each). Isomorphic.
 *
 * CAPA (./capa.ts) and response kappa (./response-agreement.ts) are functions of sums over the
 * resampled items. Every sum that belongs to one observer (p(correct option), the answers per
 * category) or to no observer (1 / (options - 1)) costs O(S) per observer and replicate; the one
 * sum that belongs to a pair, the agreement sum_o v1(o) v2(o), is computed once per pair and
 * item ({@link pairAgreements}), so a replicate adds S precomputed numbers per pair. A replicate
 * is a list of positions into the unit's items, a position listed once per draw
 * ({@link resampledItems}), and its sums are added in that list's order, as the metric's own
 * function adds them on the resampled items.
 *
 * Equality with the metric's own function on the resampled items ({@link metricValue}): every
 * per-observer sum and the chance sum are the same additions in the same order, so the same
 * bits; the agreement sums each item's products before adding them up, where the metric's own
 * function adds product by product, which is the same number wherever the products are integers
 * (answers of one trial, the discrete variant) and otherwise agrees to rounding (about 1e-16
 * relative). Decision-margin consistency, a correlation, centres each observer's margins on
 * the replicate once ({@link centred}), so a pair is one sum of S products
 * ({@link pearsonOfCentred}): the same additions as the metric's own function, the same bits.
 */
import { capaFromSums } from "./capa.ts";
import { type Centred, centred, pearsonOfCentred } from "./decision-margins.ts";
import { kappaOrNaN } from "./metrics.ts";
import { type MetricObserver, type ResponseMetric, metricValue } from "./metric-pairs.ts";
import type { CategoryLayout } from "./response-agreement.ts";

/**
 * Above this many precomputed agreements (pairs x items, 8 bytes each: 512 MiB) a replicate
 * recomputes each pair with the metric's own function instead, in O(S K) per pair.
 */
export const MAX_PAIR_AGREEMENTS = 2 ** 26;

/**
 * Each pair's agreement on each item: out[p * S + s] = sum over item s's options o of
 * v_a(o) v_b(o) for pair p = (a, b), with v the vectors the metric reads (`vectors`: CAPA's
 * probabilities, or the answers for capa-discrete and response kappa, which are the same there).
 */
export function pairAgreements(
  layout: CategoryLayout,
  vectors: readonly ArrayLike<number>[],
  items: readonly number[],
  pairs: readonly (readonly [number, number])[],
): Float64Array {
  const S = items.length;
  const out = new Float64Array(pairs.length * S);
  pairs.forEach(([a, b], p) => {
    const first = vectors[a];
    const second = vectors[b];
    for (let s = 0; s < S; s++) {
      let sum = 0;
      for (let o = layout.offsets[items[s]]; o < layout.offsets[items[s] + 1]; o++) sum += first[o] * second[o];
      out[p * S + s] = sum;
    }
  });
  return out;
}

/** An observer's nonzero answers per item, by category: entries start[s] .. start[s + 1] - 1 are item s's. */
interface CategoryAnswers {
  start: Int32Array;
  category: Int32Array;
  share: Float64Array;
}

function categoryAnswers(layout: CategoryLayout, answers: ArrayLike<number>, items: readonly number[]): CategoryAnswers {
  const start = new Int32Array(items.length + 1);
  const category: number[] = [];
  const share: number[] = [];
  items.forEach((i, s) => {
    for (let o = layout.offsets[i]; o < layout.offsets[i + 1]; o++) {
      if (answers[o] === 0) continue;
      category.push(layout.category[o]);
      share.push(answers[o]);
    }
    start[s + 1] = category.length;
  });
  return { start, category: Int32Array.from(category), share: Float64Array.from(share) };
}

/**
 * The value column (./metric-pairs.ts's METRIC_VALUE) of given pairs of observers on bootstrap replicates of
 * a unit's items. Call {@link ReplicateMetricPairs.resample} with a replicate's positions, then
 * {@link ReplicateMetricPairs.value} for each pair.
 *
 * @example
 * const pairs = new ReplicateMetricPairs("capa-discrete", layout, prepared, items, [[0, 1]]);
 * pairs.resample(Int32Array.of(0, 0, 2)); // items[0] twice, items[2] once
 * pairs.value(0) // kappa_p of observers 0 and 1 on those three items
 */
export class ReplicateMetricPairs {
  readonly #metric: ResponseMetric;
  readonly #layout: CategoryLayout;
  readonly #observers: readonly MetricObserver[];
  readonly #items: readonly number[];
  readonly #pairs: readonly (readonly [number, number])[];
  /** Precomputed agreements ({@link pairAgreements}); undefined for dmc and beyond `maxAgreements` (then the metric's own function). */
  readonly #agreements: Float64Array | undefined;
  /** Per observer and item: the vector's value on the correct option (CAPA). */
  readonly #correct: Float64Array[] = [];
  /** Per observer: its answers by category (response kappa). */
  readonly #answers: CategoryAnswers[] = [];
  /** Per item: 1 / (options - 1) (CAPA). */
  readonly #chanceOf: Float64Array;
  /** Decision-margin consistency: whether each observer's margins are centred per replicate. */
  readonly #margins: boolean;
  /** Per observer on the current replicate: its margins centred (decision-margin consistency). */
  readonly #centred: Centred[] = [];
  readonly #deviations: Float64Array;
  // The current replicate.
  #positions: ArrayLike<number> = [];
  #resampled: Int32Array;
  #chance = 0;
  readonly #correctSum: Float64Array;
  /** marginals[a * categories + c]: observer a's answers of category c. */
  readonly #marginals: Float64Array;

  /**
   * @param observers what the metric reads of each observer ({@link metricObserver})
   * @param items the unit's items (indices into `layout`); positions index this list
   * @param pairs the pairs, as indices into `observers`
   * @param maxAgreements precompute agreements up to this many (default {@link MAX_PAIR_AGREEMENTS})
   */
  constructor(
    metric: ResponseMetric,
    layout: CategoryLayout,
    observers: readonly MetricObserver[],
    items: readonly number[],
    pairs: readonly (readonly [number, number])[],
    maxAgreements = MAX_PAIR_AGREEMENTS,
  ) {
    this.#metric = metric;
    this.#layout = layout;
    this.#observers = observers;
    this.#items = items;
    this.#pairs = pairs;
    const S = items.length;
    this.#margins = metric === "dmc";
    const fast = !this.#margins && pairs.length * S <= maxAgreements;
    const capa = metric === "capa" || metric === "capa-discrete";
    this.#agreements = fast
      ? pairAgreements(
          layout,
          observers.map((o) => (capa ? o.vectors : o.answers)),
          items,
          pairs,
        )
      : undefined;
    this.#resampled = new Int32Array(fast ? 0 : S);
    this.#deviations = new Float64Array(this.#margins ? observers.length * S : 0);
    this.#chanceOf = Float64Array.from(items, (i) => 1 / (layout.offsets[i + 1] - layout.offsets[i] - 1));
    if (fast && capa) {
      for (const o of observers) this.#correct.push(Float64Array.from(items, (i) => o.vectors[layout.offsets[i] + layout.truth[i]]));
    }
    if (fast && metric === "response-kappa") for (const o of observers) this.#answers.push(categoryAnswers(layout, o.answers, items));
    this.#correctSum = new Float64Array(this.#correct.length);
    this.#marginals = new Float64Array(this.#answers.length * layout.categories);
  }

  /** Starts a replicate: `positions` (indices into the items, each listed once per draw) are its items. */
  resample(positions: ArrayLike<number>): void {
    this.#positions = positions;
    if (this.#margins) {
      const resampled = this.#resampled.subarray(0, positions.length);
      for (let n = 0; n < positions.length; n++) resampled[n] = this.#items[positions[n]];
      const S = this.#items.length;
      this.#observers.forEach((o, a) => (this.#centred[a] = centred(o.margins!, resampled, this.#deviations.subarray(a * S, (a + 1) * S))));
      return;
    }
    if (!this.#agreements) {
      for (let n = 0; n < positions.length; n++) this.#resampled[n] = this.#items[positions[n]];
      return;
    }
    if (this.#correct.length > 0) {
      let chance = 0;
      for (let n = 0; n < positions.length; n++) chance += this.#chanceOf[positions[n]];
      this.#chance = chance;
      this.#correct.forEach((correct, a) => {
        let sum = 0;
        for (let n = 0; n < positions.length; n++) sum += correct[positions[n]];
        this.#correctSum[a] = sum;
      });
    }
    const k = this.#layout.categories;
    this.#marginals.fill(0);
    this.#answers.forEach(({ start, category, share }, a) => {
      const marginal = this.#marginals.subarray(a * k, (a + 1) * k);
      for (let n = 0; n < positions.length; n++) {
        const s = positions[n];
        for (let e = start[s]; e < start[s + 1]; e++) marginal[category[e]] += share[e];
      }
    });
  }

  /** Pair p's value column on the current replicate; NaN where undefined. */
  value(p: number): number {
    const positions = this.#positions;
    const count = positions.length;
    const [a, b] = this.#pairs[p];
    if (this.#margins) return pearsonOfCentred(this.#centred[a], this.#centred[b]);
    if (!this.#agreements) {
      const items = this.#resampled.subarray(0, count);
      return metricValue(this.#metric, this.#layout, this.#observers[a], this.#observers[b], items);
    }
    const S = this.#items.length;
    const agreements = this.#agreements.subarray(p * S, (p + 1) * S);
    let agree = 0;
    for (let n = 0; n < count; n++) agree += agreements[positions[n]];
    if (this.#metric !== "response-kappa") {
      return capaFromSums(count, agree, this.#correctSum[a], this.#correctSum[b], this.#chance).kappa_p;
    }
    const k = this.#layout.categories;
    let pExp = 0;
    for (let c = 0; c < k; c++) pExp += (this.#marginals[a * k + c] / count) * (this.#marginals[b * k + c] / count);
    return kappaOrNaN(agree / count, pExp);
  }
}
