/**
 * The authors' simulated chance bands (`reference/chance-band-<N>-trials.csv` beside the
 * raw-data folder of the published repository: bin, mean c_exp, c_obs low/high, kappa
 * low/high; `NA` where undefined). Optional: the report compares its bands with them where
 * they are present. No Node APIs.
 */
import { InputError } from "../core/errors.ts";
import type { ChanceBand } from "../figures/consistency.ts";
import { parseCsv } from "../io/csv.ts";

const COLUMNS = ["cexp", "cobs_CIlow", "cobs_CIHigh", "kappa_CIlow", "kappa_CIHigh"];

/** The file name of the authors' band for N trials, relative to the reference folder. */
export function authorsBandFile(trials: number): string {
  return `chance-band-${trials}-trials.csv`;
}

/** Reads one band file; rows whose mean c_exp is missing are left out. */
export function parseAuthorsBand(text: string, file: string): ChanceBand[] {
  const { columns, rows, lines } = parseCsv(text, file);
  const index = COLUMNS.map((name) => columns.indexOf(name));
  const missing = COLUMNS.filter((_, i) => index[i] < 0);
  if (missing.length > 0) throw new InputError(`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, { file });
  return rows.flatMap((row, r) => {
    const values = index.map((i, k) => {
      const text = row[i]?.trim() ?? "";
      if (text === "NA" || text === "") return null;
      const value = Number(text);
      if (!Number.isFinite(value))
        throw new InputError(`expected a number or NA, not "${text}"`, { file, line: lines[r], column: COLUMNS[k] });
      return value;
    });
    if (values[0] === null) return [];
    return [{ c_exp_mean: values[0], c_obs_low: values[1], c_obs_high: values[2], kappa_low: values[3], kappa_high: values[4] }];
  });
}
