/**
 * The response-level metrics of many pairs on many bootstrap replicates of one unit's items, in
 * O(S) per pair and replicate instead of O(S K) (S items, K options each). Isomorphic.
 *
 * CAPA (./capa.ts) and response kappa (./response-agreement.ts) are functions of sums over the
 * resampled items. Every sum that belongs to one observer (p(correct option), the answers per
 * category) or to no observer (1 / (options - 1)) costs O(S) per observer and replicate; the one
 * sum that belongs to a pair, the agreement sum_o v1(o) v2(o), is computed once per pair and
 * item ({@link pairAgreements}), so a replicate adds S precomputed numbers per pair. A replicate
 * is a list of positions into the unit's items, a position listed once per draw (as
 * ./metric-bootstrap.ts's resampledItems lists them), and its sums are added in that list's
 * order, as the metric's own function adds them on the resampled items. The model comparison's
 * swapped model (A's answers at some positions, B's at the others) is summed the same way from
 * A's and B's numbers ({@link ReplicateMetricPairs.swap}).
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

/** One observer's sums on the current replicate (those its metric reads). */
interface ObserverSums {
  /** Sum of the vector's value on the correct option (CAPA). */
  correct: number;
  /** Answers per category (response kappa). */
  readonly marginal: Float64Array;
  /** Margins centred (decision-margin consistency). */
  centred: Centred | undefined;
  /** Room for the centred margins' deviations. */
  readonly deviations: Float64Array;
}

/**
 * The value column (./metric-pairs.ts's METRIC_VALUE) of given pairs of observers on bootstrap
 * replicates of a unit's items. Call {@link ReplicateMetricPairs.resample} with a replicate's
 * positions, then {@link ReplicateMetricPairs.value} for each pair; for the model comparison's
 * swapped models, {@link ReplicateMetricPairs.swap} and {@link ReplicateMetricPairs.swappedValue}.
 *
 * For instance, `new ReplicateMetricPairs("capa-discrete", layout, prepared, items, [[0, 1]])`,
 * then `resample(Int32Array.of(0, 0, 2))` (items[0] twice, items[2] once), then `value(0)`: the
 * kappa_p of observers 0 and 1 on those three items.
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
  /** 0, 1, ..., S - 1: the indices of values gathered in a replicate's order. */
  readonly #inOrder: Int32Array;
  /** Room for an observer's margins in a replicate's order. */
  readonly #gathered: Float64Array;
  // The current replicate.
  #positions: ArrayLike<number> = [];
  #swaps: ArrayLike<number> = [];
  readonly #resampled: Int32Array;
  #chance = 0;
  readonly #sums: ObserverSums[];
  /** The swapped observer's sums ({@link ReplicateMetricPairs.swap}). */
  readonly #swapped: ObserverSums;

  /**
   * @param observers what the metric reads of each observer ({@link metricObserver})
   * @param items the unit's items (indices into `layout`); positions index this list
   * @param pairs the pairs, as indices into `observers`; a pair's value reads its first observer as the metric's first
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
    const margins = metric === "dmc";
    const capa = metric === "capa" || metric === "capa-discrete";
    this.#agreements =
      !margins && pairs.length * S <= maxAgreements
        ? pairAgreements(
            layout,
            observers.map((o) => (capa ? o.vectors : o.answers)),
            items,
            pairs,
          )
        : undefined;
    const fast = this.#agreements !== undefined;
    this.#resampled = new Int32Array(S);
    this.#chanceOf = Float64Array.from(items, (i) => 1 / (layout.offsets[i + 1] - layout.offsets[i] - 1));
    if (fast && capa) {
      for (const o of observers) this.#correct.push(Float64Array.from(items, (i) => o.vectors[layout.offsets[i] + layout.truth[i]]));
    }
    if (fast && metric === "response-kappa") for (const o of observers) this.#answers.push(categoryAnswers(layout, o.answers, items));
    this.#inOrder = Int32Array.from({ length: margins ? S : 0 }, (_, s) => s);
    this.#gathered = new Float64Array(margins ? S : 0);
    const sums = (): ObserverSums => ({
      correct: 0,
      marginal: new Float64Array(this.#answers.length > 0 ? layout.categories : 0),
      centred: undefined,
      deviations: new Float64Array(margins ? S : 0),
    });
    this.#sums = observers.map(sums);
    this.#swapped = sums();
  }

  /** Starts a replicate: `positions` (indices into the items, each listed once per draw) are its items. */
  resample(positions: ArrayLike<number>): void {
    this.#positions = positions;
    for (let n = 0; n < positions.length; n++) this.#resampled[n] = this.#items[positions[n]];
    let chance = 0;
    for (let n = 0; n < positions.length; n++) chance += this.#chanceOf[positions[n]];
    this.#chance = chance;
    if (this.#agreements || this.#metric === "dmc") this.#sums.forEach((sums, a) => this.#sumsOf(sums, a, a));
  }

  /** Pair p's value column on the current replicate; NaN where undefined. */
  value(p: number): number {
    const [a, b] = this.#pairs[p];
    if (this.#metric !== "dmc" && !this.#agreements) {
      const items = this.#resampled.subarray(0, this.#positions.length);
      return metricValue(this.#metric, this.#layout, this.#observers[a], this.#observers[b], items);
    }
    return this.#valueOf(this.#agreement(p, p), this.#sums[a], this.#sums[b]);
  }

  /**
   * Sets the swapped observer of the current replicate: at position n, observer `first` where
   * swaps[n] is 0 and `second` where it is 1 (the model comparison's A' under its null; B' is
   * `second`, `first` with the same swaps). Needs precomputed agreements, or dmc.
   */
  swap(first: number, second: number, swaps: ArrayLike<number>): void {
    if (this.#metric !== "dmc" && !this.#agreements)
      throw new RangeError("swapped observers need the precomputed agreements (maxAgreements)");
    this.#swaps = swaps;
    this.#sumsOf(this.#swapped, first, second);
  }

  /**
   * The value of the swapped observer ({@link ReplicateMetricPairs.swap}) as the first observer
   * with another: `firstPair` and `secondPair` are the pairs (first, other) and (second, other).
   */
  swappedValue(firstPair: number, secondPair: number): number {
    const other = this.#pairs[firstPair][1];
    if (this.#pairs[secondPair][1] !== other)
      throw new RangeError("the two pairs of a swapped observer must have the same second observer");
    return this.#valueOf(this.#agreement(firstPair, secondPair), this.#swapped, this.#sums[other]);
  }

  /** The metric from the current replicate's sums: the agreement, and the first and second observer's. */
  #valueOf(agree: number, first: ObserverSums, second: ObserverSums): number {
    const count = this.#positions.length;
    if (this.#metric === "dmc") return pearsonOfCentred(first.centred!, second.centred!);
    if (this.#metric === "response-kappa") {
      let pExp = 0;
      for (let c = 0; c < first.marginal.length; c++) pExp += (first.marginal[c] / count) * (second.marginal[c] / count);
      return kappaOrNaN(agree / count, pExp);
    }
    return capaFromSums(count, agree, first.correct, second.correct, this.#chance).kappa_p;
  }

  /** The agreement sum on the current replicate: pair `first`'s at positions not swapped, `second`'s at swapped ones. */
  #agreement(first: number, second: number): number {
    if (!this.#agreements) return NaN;
    const positions = this.#positions;
    const S = this.#items.length;
    const one = this.#agreements.subarray(first * S, (first + 1) * S);
    let agree = 0;
    if (first === second) for (let n = 0; n < positions.length; n++) agree += one[positions[n]];
    else {
      const other = this.#agreements.subarray(second * S, (second + 1) * S);
      for (let n = 0; n < positions.length; n++) agree += (this.#swaps[n] ? other : one)[positions[n]];
    }
    return agree;
  }

  /** The current replicate's sums of observer `first` at positions not swapped and `second` at swapped ones into `into`. */
  #sumsOf(into: ObserverSums, first: number, second: number): void {
    const positions = this.#positions;
    const swapped = first === second ? undefined : this.#swaps;
    const who = (n: number) => (swapped && swapped[n] ? second : first);
    if (this.#metric === "dmc") {
      const gathered = this.#gathered.subarray(0, positions.length);
      for (let n = 0; n < positions.length; n++) gathered[n] = this.#observers[who(n)].margins![this.#resampled[n]];
      into.centred = centred(gathered, this.#inOrder.subarray(0, positions.length), into.deviations);
      return;
    }
    if (this.#correct.length > 0) {
      let sum = 0;
      for (let n = 0; n < positions.length; n++) sum += this.#correct[who(n)][positions[n]];
      into.correct = sum;
    }
    if (this.#answers.length > 0) {
      const marginal = into.marginal;
      marginal.fill(0);
      for (let n = 0; n < positions.length; n++) {
        const { start, category, share } = this.#answers[who(n)];
        const s = positions[n];
        for (let e = start[s]; e < start[s + 1]; e++) marginal[category[e]] += share[e];
      }
    }
  }
}
