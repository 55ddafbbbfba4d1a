/**
 * Every pair of observers of a probability table under one response-level metric (CAPA, its
 * discrete variant, decision-margin consistency, response kappa), unit by unit (a condition, or
 * all items), on the items both observers have. Observers whose item sets differ follow the
 * same policy as the error-consistency pairs ({@link MismatchPolicy}). Isomorphic.
 */
import { type VectorLayout, capaOf, mostProbableAnswers } from "./capa.ts";
import { decisionMarginConsistency, decisionMargins } from "./decision-margins.ts";
import { InputError } from "./errors.ts";
import type { MismatchPolicy, PairType, StimulusMismatch } from "./pairs.ts";
import type { ObserverVectors, ProbabilityTable } from "./probability-table.ts";
import type { SummaryPair } from "./summary.ts";
import { type CategoryLayout, responseAgreement } from "./response-agreement.ts";
import { compareText } from "./trials.ts";

/** The response-level metrics `trialwise pairs --metric` computes here (error-kappa is the trial path's). */
export const RESPONSE_METRICS = ["capa", "capa-discrete", "dmc", "response-kappa"] as const;
export type ResponseMetric = (typeof RESPONSE_METRICS)[number];

const PAIR_KEYS = ["dataset", "condition", "observer1", "observer2", "pair_type", "n_trials", "acc1", "acc2"] as const;

/** Each metric's columns, in order. */
export const METRIC_COLUMNS: Readonly<Record<ResponseMetric, readonly string[]>> = {
  capa: [...PAIR_KEYS, "p_hat1", "p_hat2", "c_obs_p", "c_exp_p", "kappa_p"],
  "capa-discrete": [...PAIR_KEYS, "p_hat1", "p_hat2", "c_obs_p", "c_exp_p", "kappa_p"],
  dmc: [...PAIR_KEYS, "mean_margin1", "mean_margin2", "dmc"],
  "response-kappa": [
    ...PAIR_KEYS,
    "p_obs",
    "p_exp",
    "response_kappa",
    "n_both_wrong",
    "same_wrong",
    "same_wrong_marginal",
    "same_wrong_uniform",
    "same_wrong_kappa",
  ],
};

/** The column each metric's summary averages. */
export const METRIC_VALUE: Readonly<Record<ResponseMetric, string>> = {
  capa: "kappa_p",
  "capa-discrete": "kappa_p",
  dmc: "dmc",
  "response-kappa": "response_kappa",
};

/** One pair's row: the shared columns, then the metric's (undefined values are NaN here, null when written). */
export type MetricPairRow = Record<string, string | number>;

export interface MetricPairOptions {
  metric: ResponseMetric;
  /** Only pairs among these observers. */
  observers?: readonly string[];
  mismatch?: MismatchPolicy;
}

export interface MetricPairResult {
  rows: MetricPairRow[];
  skipped: StimulusMismatch[];
  intersected: StimulusMismatch[];
}

/** Observer answers per metric: vectors as given, the most probable answers, or margins. */
export interface MetricObserver {
  observer: ObserverVectors;
  /** Vectors the metric reads (probabilities, or answers for the discrete metrics). */
  vectors: ArrayLike<number>;
  /** Answers as vectors: shares per option (people), most probable options (models). */
  answers: Float64Array | ArrayLike<number>;
  margins?: Float64Array;
}

/** The layout of a table: item offsets, correct options, and option names numbered across the table. */
export function tableLayout(table: ProbabilityTable): CategoryLayout {
  const names = new Map<string, number>();
  const category = new Int32Array(table.offsets[table.items.length]);
  table.items.forEach((item, i) =>
    item.options.forEach((name, k) => {
      let c = names.get(name);
      if (c === undefined) names.set(name, (c = names.size));
      category[table.offsets[i] + k] = c;
    }),
  );
  return { offsets: table.offsets, truth: Int32Array.from(table.items, (item) => item.truth), category, categories: names.size };
}

export function accuracyOf(layout: VectorLayout, answers: ArrayLike<number>, items: readonly number[]): number {
  let sum = 0;
  for (const i of items) sum += answers[layout.offsets[i] + layout.truth[i]];
  return sum / items.length;
}

/**
 * Every pair's row under `options.metric`, unit by unit (units in code-unit order), pairs in
 * observer order (code-unit). Pairs whose item sets differ in a unit are skipped (policy
 * "identical"), computed on the common items ("intersect", listed in `intersected`), or an
 * InputError ("strict"); pairs without common items are skipped.
 *
 * @example
 * const builder = new ProbabilityTableBuilder("d");
 * const item = builder.item({ unit: "all", key: "q1", options: ["a", "b"], truth: "a" }, {});
 * builder.probabilities("m1", item, [0.8, 0.2], {});
 * builder.probabilities("m2", item, [0.6, 0.4], {});
 * metricPairs(builder.build(), { metric: "capa" }).rows[0].c_obs_p // => 0.56...
 */
export function metricPairs(table: ProbabilityTable, options: MetricPairOptions): MetricPairResult {
  const layout = tableLayout(table);
  const wanted = options.observers && new Set(options.observers);
  const observers = table.observers.filter((o) => !wanted || wanted.has(o.name));
  const prepared = observers.map((observer) => metricObserver(layout, observer, options.metric));
  const units = new Map<string, number[]>();
  table.items.forEach((item, i) => {
    const list = units.get(item.unit);
    if (list) list.push(i);
    else units.set(item.unit, [i]);
  });
  const result: MetricPairResult = { rows: [], skipped: [], intersected: [] };
  const mismatch = options.mismatch ?? "identical";
  for (const unit of [...units.keys()].sort(compareText)) {
    const unitItems = units.get(unit)!;
    const present = prepared.filter((p) => unitItems.some((i) => p.observer.trials[i] > 0));
    const seen = present.map((p) => unitItems.filter((i) => p.observer.trials[i] > 0));
    for (let a = 0; a < present.length; a++) {
      for (let b = a + 1; b < present.length; b++) {
        const first = present[a];
        const second = present[b];
        const common = seen[a].filter((i) => second.observer.trials[i] > 0);
        const type = pairTypeOf(table, first.observer.name, second.observer.name);
        const differs = common.length !== seen[a].length || common.length !== seen[b].length;
        if (differs || common.length === 0) {
          const report: StimulusMismatch = {
            dataset: table.dataset,
            condition: unit,
            observer1: first.observer.name,
            observer2: second.observer.name,
            pair_type: type,
            n_common: common.length,
            n_only_observer1: seen[a].length - common.length,
            n_only_observer2: seen[b].length - common.length,
            n_crossing_conditions: 0,
            outcome:
              common.length === 0
                ? "skipped: no common stimuli"
                : mismatch === "intersect"
                  ? "computed on common stimuli"
                  : "skipped: stimulus sets differ",
          };
          if (mismatch === "strict" && common.length > 0) {
            throw new InputError(
              `observers "${report.observer1}" and "${report.observer2}" (condition "${unit}") have different items: ${report.n_common} common, ${report.n_only_observer1} only "${report.observer1}", ${report.n_only_observer2} only "${report.observer2}"; expected identical item sets (--strict)`,
              { file: table.dataset },
            );
          }
          if (report.outcome !== "computed on common stimuli") {
            result.skipped.push(report);
            continue;
          }
          result.intersected.push(report);
        }
        const shared = {
          dataset: table.dataset,
          condition: unit,
          observer1: first.observer.name,
          observer2: second.observer.name,
          pair_type: type,
          n_trials: common.length,
          acc1: accuracyOf(layout, first.answers, common),
          acc2: accuracyOf(layout, second.answers, common),
        };
        result.rows.push({ ...shared, ...metricValues(options.metric, layout, first, second, common) });
      }
    }
  }
  return result;
}

/** What `metric` reads of an observer: its vectors, its most probable answers, its margins. */
export function metricObserver(layout: CategoryLayout, observer: ObserverVectors, metric: ResponseMetric): MetricObserver {
  const answers = observer.graded ? mostProbableAnswers(layout, observer.values, observer.trials) : observer.values;
  const vectors = metric === "capa" ? observer.values : answers;
  const margins = metric === "dmc" ? decisionMargins(layout, observer.values, observer.trials, observer.graded) : undefined;
  return { observer, vectors, answers, margins };
}

/** A pair's metric columns on the given items (indices into the layout; an index may repeat, as in a bootstrap resample). */
export function metricValues(
  metric: ResponseMetric,
  layout: CategoryLayout,
  first: MetricObserver,
  second: MetricObserver,
  items: ArrayLike<number>,
): Record<string, number> {
  if (metric === "capa" || metric === "capa-discrete") {
    const r = capaOf(layout, first.vectors, second.vectors, items);
    return { p_hat1: r.p_hat1, p_hat2: r.p_hat2, c_obs_p: r.c_obs_p, c_exp_p: r.c_exp_p, kappa_p: r.kappa_p };
  }
  if (metric === "dmc") {
    const r = decisionMarginConsistency(first.margins!, second.margins!, items);
    return { mean_margin1: r.mean_margin1, mean_margin2: r.mean_margin2, dmc: r.dmc };
  }
  const r = responseAgreement(layout, first.answers, second.answers, items);
  return {
    p_obs: r.p_obs,
    p_exp: r.p_exp,
    response_kappa: r.response_kappa,
    n_both_wrong: r.n_both_wrong,
    same_wrong: r.same_wrong,
    same_wrong_marginal: r.same_wrong_marginal,
    same_wrong_uniform: r.same_wrong_uniform,
    same_wrong_kappa: r.same_wrong_kappa,
  };
}

/**
 * A pair's value of `metric` (its value column, {@link METRIC_VALUE}) on the given items, an
 * index list into the layout in which an item may repeat.
 */
export function metricValue(
  metric: ResponseMetric,
  layout: CategoryLayout,
  first: MetricObserver,
  second: MetricObserver,
  items: ArrayLike<number>,
): number {
  return metricValues(metric, layout, first, second, items)[METRIC_VALUE[metric]];
}

/**
 * A metric pair as the summary (`PairSummarizer`) reads a pair: the metric's value (its
 * {@link METRIC_VALUE} column) as `kappa`, null where undefined; CAPA's chance agreement
 * c_exp_p as `c_exp` (its value is undefined where that is 1), 0 for the other metrics.
 *
 * @example
 * const row = { dataset: "d", condition: "all", observer1: "a", observer2: "b", pair_type: "model-model", kappa_p: 0.25, c_exp_p: 0.4 };
 * metricSummaryPair(row, "capa").kappa // => 0.25
 * metricSummaryPair(row, "capa").c_exp // => 0.4
 * metricSummaryPair({ ...row, kappa_p: NaN }, "capa").kappa // => null
 */
export function metricSummaryPair(row: MetricPairRow, metric: ResponseMetric): SummaryPair {
  const value = row[METRIC_VALUE[metric]] as number;
  return {
    dataset: row.dataset as string,
    condition: row.condition as string,
    observer1: row.observer1 as string,
    observer2: row.observer2 as string,
    pair_type: row.pair_type as PairType,
    kappa: Number.isNaN(value) ? null : value,
    c_exp: typeof row.c_exp_p === "number" ? row.c_exp_p : 0,
  };
}

export function pairTypeOf(table: ProbabilityTable, a: string, b: string): PairType {
  const humanA = table.humans.has(a);
  const humanB = table.humans.has(b);
  return humanA && humanB ? "human-human" : humanA || humanB ? "model-human" : "model-model";
}
