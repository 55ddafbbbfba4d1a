/**
 * What the two halves of the pair-table writer share (./pair-writer.ts: the writer and its CSV
 * half; ./pair-writer-parquet.ts: the Parquet half): the unit, the options, and a sink's duties.
 */
import type { PairMetrics, UndefinedKappaPolicy } from "../core/metrics.ts";
import type { PairType } from "../core/pairs.ts";

/** The observers of one analysis unit, as the tiles' row and column indices refer to them. */
export interface PairUnit {
  dataset: string;
  condition: string;
  /** Observer names (unique), indexed as the tiles' rows and columns. */
  observers: readonly string[];
  /** The humans among `observers` (pair types). */
  humans: ReadonlySet<string>;
  /** Trials every observer answered (the same matched trials for all). */
  trials: number;
  /** correct[i]: trials observer i answered correctly. */
  correct: ArrayLike<number>;
}

/** What naming the pairs of a unit takes: its dataset, condition, observers and humans. */
export type PairNames = Omit<PairUnit, "trials" | "correct">;

export type PairTableFormat = "csv" | "parquet";

export interface PairWriterOptions {
  /** Default: Parquet for `.parquet`/`.pq` files, else CSV. */
  format?: PairTableFormat;
  /** How to report a kappa that is undefined (c_exp = 1); as `computePairs`. */
  undefinedKappa?: UndefinedKappaPolicy;
  /** Parquet: pairs per temporary part (bounds DuckDB's memory); default 500,000. */
  rowsPerPart?: number;
  /** Parquet: DuckDB threads and memory limit (e.g. "1GB"; default 1GB). */
  threads?: number;
  memoryLimit?: string;
}

export const PAIR_TYPES: readonly PairType[] = ["model-model", "model-human", "human-human"];

/** Per unit: whether each observer is human (pair type = PAIR_TYPES[h_i + h_j]). */
export function humanFlags(unit: PairNames): Uint8Array {
  return Uint8Array.from(unit.observers, (o) => (unit.humans.has(o) ? 1 : 0));
}

/** Where rows go: the format-specific half of a writer. */
export interface Sink {
  /** The unit of the rows that follow (called before every tile; cheap when unchanged). */
  unit(unit: PairNames): Promise<void>;
  row(i: number, j: number, m: PairMetrics): void;
  /** Lets buffered rows go out; resolves when more may come. */
  drain(): Promise<void>;
  /** Completes the target file (renamed into place). */
  finish(): Promise<void>;
  /** Removes every temporary file; never throws. */
  discard(): Promise<void>;
}
