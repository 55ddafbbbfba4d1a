import { InputError } from "../core/errors.ts";
import { groupKappaIntervals, modelKappaIntervals } from "../core/mean-intervals.ts";
import { outcomeMatrix } from "../core/outcome-matrix.ts";
import type { SummaryRow } from "../core/summary.ts";
import type { TrialTable } from "../core/trials.ts";
import { checkReplicateMemory } from "./flags.ts";

export interface BootstrapSettings {
  replicates: number;
  seed: number;
  level: number;
  hierarchical: boolean;
}

export type SummaryRowWithInterval = SummaryRow & { boot_lower: number | null; boot_upper: number | null };

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
  const intervals = new Map<string, { mean: number; lower: number; upper: number }>();
  const key = (condition: string, kind: string, name: string) => `${condition}\u0000${kind}\u0000${name}`;
  const conditionsWithExcluded = new Set<string>();
  for (const condition of new Set(rows.map((r) => r.condition))) {
    try {
      const matrix = outcomeMatrix(table, byCondition ? condition : undefined);
      if (matrix.excluded.length > 0) conditionsWithExcluded.add(condition);
      const known = models?.filter((m) => matrix.observers.includes(m));
      const modelCount = known?.length ?? matrix.observers.filter((o) => !matrix.humans.has(o)).length;
      // The bootstrap keeps a series of replicates per statistic: the 3 pair types' means, then the models' means.
      checkReplicateMemory(
        "--bootstrap",
        settings.replicates,
        (modelCount + 3) * 8,
        `${modelCount + 3} series (the means of ${modelCount} models and of 3 pair types)`,
      );
      const options = { ...settings, models: known };
      for (const g of groupKappaIntervals(matrix, options).groups) intervals.set(key(condition, "group", g.group), g);
      if (matrix.humans.size > 0) {
        for (const m of modelKappaIntervals(matrix, options).models) intervals.set(key(condition, "model", m.model), m);
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      note(`${table.dataset} [${condition}]: no bootstrap intervals (${error.message})`);
    }
  }
  let mismatched = 0;
  const withoutMean = { rows: 0, pairs: 0 };
  const countedAsOne = { rows: 0, pairs: 0 };
  const result = rows.map((row) => {
    const rowKey = key(row.condition, row.kind, row.name);
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
      `${table.dataset}: ${withoutMean.rows} summary row(s) have no mean and no bootstrap interval: all ${withoutMean.pairs} of their pair(s) ` +
        "have undefined kappa (c_exp = 1: both observers all correct or all wrong); --undefined-kappa one sets such kappas to 1",
    );
  }
  if (countedAsOne.rows > 0) {
    note(
      `${table.dataset}: ${countedAsOne.rows} summary row(s) without a bootstrap interval: their means count ${countedAsOne.pairs} pair(s) ` +
        "with undefined kappa (c_exp = 1) as 1, as --undefined-kappa one asks; the bootstrap leaves such pairs out",
    );
  }
  if (mismatched > 0) {
    note(
      `${table.dataset}: ${mismatched} summary row(s) without a bootstrap interval: their pairs include observers whose stimulus sets differ from the rest`,
    );
  }
  return result;
}
