import { InputError } from "../core/errors.ts";
import { groupKappaIntervals, modelKappaIntervals } from "../core/mean-intervals.ts";
import { metricMatrix, metricMeanIntervals } from "../core/metric-bootstrap.ts";
import { METRIC_VALUE, type ResponseMetric } from "../core/metric-pairs.ts";
import { outcomeMatrix } from "../core/outcome-matrix.ts";
import type { ProbabilityTable } from "../core/probability-table.ts";
import type { ProgressCallback } from "../core/progress.ts";
import { SUMMARY_COLUMNS, type SummaryRow } from "../core/summary.ts";
import type { TrialTable } from "../core/trials.ts";
import { checkReplicateMemory } from "./flags.ts";

export interface BootstrapSettings {
  replicates: number;
  seed: number;
  level: number;
  hierarchical: boolean;
}

export type SummaryRowWithInterval = SummaryRow & { boot_lower: number | null; boot_upper: number | null };

/**
 * The summary's columns (boot_lower, boot_upper added unless --bootstrap 0) and the JSON's
 * description of the bootstrap that made them (nothing without one).
 */
export function summaryOutputOf(bootstrap: BootstrapSettings): { columns: readonly string[]; about: Record<string, unknown> } {
  if (bootstrap.replicates === 0) return { columns: SUMMARY_COLUMNS, about: {} };
  return {
    columns: [...SUMMARY_COLUMNS, "boot_lower", "boot_upper"],
    about: {
      bootstrap: {
        method: bootstrap.hierarchical ? "hierarchical: stimuli and humans" : "joint stimulus bootstrap",
        interval: "percentile",
        ...bootstrap,
      },
    },
  };
}

/** Tolerance for "the bootstrap's observed mean is the summary's mean". */
const SAME_MEAN = 1e-9;

/**
 * The summary rows of one dataset with the percentile interval of the joint stimulus bootstrap
 * (stimuli resampled once for all observers, within each condition; with `hierarchical`, humans
 * too). An interval is only attached where the bootstrap's observed mean equals the row's
 * mean, i.e. the row's pairs are exactly the bootstrap's; elsewhere it is left empty with a
 * note giving the cause: the row has no mean (all its kappas undefined, c_exp = 1), its mean
 * counts undefined kappas as 1 (--undefined-kappa one) where the bootstrap leaves them out, or
 * observers saw other stimuli than the rest (left out of the bootstrap). `undefinedKappaOf`
 * gives the pairs behind a row with c_exp = 1 (`PairSummarizer.undefinedKappa`).
 */
export function withBootstrapIntervals(
  rows: readonly SummaryRow[],
  undefinedKappaOf: (row: SummaryRow) => number,
  table: TrialTable,
  byCondition: boolean,
  models: readonly string[] | undefined,
  settings: BootstrapSettings,
  note: (text: string) => void,
): SummaryRowWithInterval[] {
  const intervals: Intervals = new Map();
  const conditionsWithExcluded = new Set<string>();
  for (const condition of new Set(rows.map((r) => r.condition))) {
    try {
      const matrix = outcomeMatrix(table, byCondition ? condition : undefined);
      if (settings.hierarchical && matrix.humans.size === 0) throw new InputError("no humans to resample (--hierarchical)");
      if (matrix.excluded.length > 0) conditionsWithExcluded.add(condition);
      const known = models?.filter((m) => matrix.observers.includes(m));
      checkSeriesMemory(settings.replicates, known?.length ?? matrix.observers.filter((o) => !matrix.humans.has(o)).length);
      const options = { ...settings, models: known };
      for (const g of groupKappaIntervals(matrix, options).groups) intervals.set(intervalKey(condition, "group", g.group), g);
      if (matrix.humans.size > 0) {
        for (const m of modelKappaIntervals(matrix, options).models) intervals.set(intervalKey(condition, "model", m.model), m);
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      note(`${table.dataset} [${condition}]: no bootstrap intervals (${error.message})`);
    }
  }
  return attachIntervals(rows, intervals, conditionsWithExcluded, undefinedKappaOf, table.dataset, note);
}

/**
 * The summary rows of one probability table under a response-level metric with the percentile
 * interval of the joint item bootstrap (../core/metric-bootstrap.ts: items resampled once for
 * all observers within each unit; with `hierarchical`, humans too), attached as
 * {@link withBootstrapIntervals} attaches error kappa's: only where the bootstrap's observed
 * mean is the row's mean, else empty with a note giving the cause.
 */
export function withMetricBootstrapIntervals(
  rows: readonly SummaryRow[],
  table: ProbabilityTable,
  metric: ResponseMetric,
  models: readonly string[] | undefined,
  settings: BootstrapSettings,
  note: (text: string) => void,
  onProgress?: ProgressCallback,
): SummaryRowWithInterval[] {
  const intervals: Intervals = new Map();
  const conditionsWithExcluded = new Set<string>();
  const conditions = [...new Set(rows.map((r) => r.condition))];
  conditions.forEach((condition, c) => {
    try {
      const matrix = metricMatrix(table, metric, condition);
      if (matrix.excluded.length > 0) conditionsWithExcluded.add(condition);
      const known = models?.filter((m) => matrix.observers.includes(m));
      checkSeriesMemory(settings.replicates, known?.length ?? matrix.observers.filter((o) => !matrix.humans.has(o)).length);
      const result = metricMeanIntervals(matrix, {
        ...settings,
        models: known,
        onProgress: onProgress && ((done, total) => onProgress(c * total + done, conditions.length * total)),
      });
      for (const g of result.groups) intervals.set(intervalKey(condition, "group", g.group), g);
      for (const m of result.models) intervals.set(intervalKey(condition, "model", m.model), m);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      note(`${table.dataset} [${condition}]: no bootstrap intervals (${error.message})`);
    }
  });
  const why = `have an undefined ${METRIC_VALUE[metric]} (${metric === "dmc" ? "constant margins" : "chance agreement 1"})`;
  return attachIntervals(rows, intervals, conditionsWithExcluded, () => 0, table.dataset, note, why);
}

/** Intervals of means by {@link intervalKey}. */
type Intervals = Map<string, { mean: number; lower: number; upper: number }>;

function intervalKey(condition: string, kind: string, name: string): string {
  return `${condition}\u0000${kind}\u0000${name}`;
}

/** The bootstrap keeps a series of replicates per statistic: the 3 pair types' means, then the models' means. */
function checkSeriesMemory(replicates: number, modelCount: number): void {
  checkReplicateMemory(
    "--bootstrap",
    replicates,
    (modelCount + 3) * 8,
    `${modelCount + 3} series (the means of ${modelCount} models and of 3 pair types)`,
  );
}

/** Each row with its interval where the bootstrap's observed mean is the row's; notes on the rows left without. */
function attachIntervals(
  rows: readonly SummaryRow[],
  intervals: Intervals,
  conditionsWithExcluded: ReadonlySet<string>,
  undefinedKappaOf: (row: SummaryRow) => number,
  dataset: string,
  note: (text: string) => void,
  undefinedValue = "have undefined kappa (c_exp = 1: both observers all correct or all wrong); --undefined-kappa one sets such kappas to 1",
): SummaryRowWithInterval[] {
  let mismatched = 0;
  const withoutMean = { rows: 0, pairs: 0 };
  const countedAsOne = { rows: 0, pairs: 0 };
  const result = rows.map((row) => {
    const rowKey = intervalKey(row.condition, row.kind, row.name);
    const interval = intervals.get(rowKey);
    const usable = interval && row.mean !== null && Math.abs(interval.mean - row.mean) <= SAME_MEAN;
    if (interval && !usable) {
      const undefinedKappa = undefinedKappaOf(row);
      if (row.mean === null) {
        withoutMean.rows++;
        withoutMean.pairs += row.n_undefined;
      } else if (undefinedKappa > 0 && !conditionsWithExcluded.has(row.condition)) {
        countedAsOne.rows++;
        countedAsOne.pairs += undefinedKappa;
      } else mismatched++;
    }
    return { ...row, boot_lower: usable ? interval.lower : null, boot_upper: usable ? interval.upper : null };
  });
  if (withoutMean.rows > 0) {
    note(
      `${dataset}: ${withoutMean.rows} summary row(s) have no mean and no bootstrap interval: all ${withoutMean.pairs} of their pair(s) ${undefinedValue}`,
    );
  }
  if (countedAsOne.rows > 0) {
    note(
      `${dataset}: ${countedAsOne.rows} summary row(s) without a bootstrap interval: their means count ${countedAsOne.pairs} pair(s) ` +
        "with undefined kappa (c_exp = 1) as 1, as --undefined-kappa one asks; the bootstrap leaves such pairs out",
    );
  }
  if (mismatched > 0) {
    note(
      `${dataset}: ${mismatched} summary row(s) without a bootstrap interval: their pairs include observers whose stimulus sets differ from the rest`,
    );
  }
  return result;
}
