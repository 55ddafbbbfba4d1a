import { groupKappaIntervals, modelKappaIntervals, outcomeMatrix } from "../core/aggregate.ts";
import { InputError } from "../core/errors.ts";
import type { SummaryRow } from "../core/summary.ts";
import type { TrialTable } from "../core/trials.ts";

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
 * mean, i.e. the row's pairs are exactly the bootstrap's (not so when observers saw other
 * stimuli); elsewhere it is left empty with a note.
 */
export function withBootstrapIntervals(
  rows: readonly SummaryRow[],
  table: TrialTable,
  byCondition: boolean,
  models: readonly string[] | undefined,
  settings: BootstrapSettings,
  note: (text: string) => void,
): SummaryRowWithInterval[] {
  const intervals = new Map<string, { mean: number; lower: number; upper: number }>();
  const key = (condition: string, kind: string, name: string) => `${condition}\u0000${kind}\u0000${name}`;
  for (const condition of new Set(rows.map((r) => r.condition))) {
    try {
      const matrix = outcomeMatrix(table, byCondition ? condition : undefined);
      const known = models?.filter((m) => matrix.observers.includes(m));
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
  const result = rows.map((row) => {
    const interval = intervals.get(key(row.condition, row.kind, row.name));
    const usable = interval && row.mean !== null && Math.abs(interval.mean - row.mean) <= SAME_MEAN;
    if (interval && !usable) mismatched++;
    return { ...row, boot_lower: usable ? interval.lower : null, boot_upper: usable ? interval.upper : null };
  });
  if (mismatched > 0) {
    note(`${table.dataset}: ${mismatched} summary row(s) without a bootstrap interval: their pairs include observers whose stimulus sets differ from the rest`);
  }
  return result;
}
