/**
 * Which reader a trial file needs, decided by its name alone (no module of a reader loaded):
 * Parquet (`.parquet`, `.pq`) is read by DuckDB, CSV (`.csv`, `.csv.gz`) by Papa Parse or, for
 * the streamed long format, by DuckDB.
 */

export type TrialFileKind = "parquet" | "csv";

const PARQUET = /\.(parquet|pq)$/i;
const CSV = /\.csv(\.gz)?$/i;

/** Which reader a file needs, by its name; undefined for other files. */
export function trialFileKind(path: string): TrialFileKind | undefined {
  return PARQUET.test(path) ? "parquet" : CSV.test(path) ? "csv" : undefined;
}
