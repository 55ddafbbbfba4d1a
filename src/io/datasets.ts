import { readFile, readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { InputError } from "../core/errors.ts";
import {
  DEFAULT_HUMAN_PATTERN,
  type LongFormatColumns,
  type RawTable,
  SCHEMA_READ_COLUMNS,
  type TrialTable,
  geirhosTrials,
  longFormatTrials,
} from "../core/trials.ts";
import { parseCsv } from "./csv.ts";
import { trialFileKind } from "./duckdb.ts";
import { parseJsonLines } from "./jsonl.ts";
import { readParquetTable } from "./table-parquet.ts";
import { decodeText } from "./text.ts";

/** How trial files are laid out: the model-vs-human schema, or a long format with named columns. */
export type TrialFormat = { kind: "geirhos" } | { kind: "long"; columns: LongFormatColumns };

export interface LoadOptions {
  format?: TrialFormat;
  /** Decides which observers are human; default: the name contains "subject". */
  humanPattern?: RegExp;
}

export interface LoadResult {
  datasets: TrialTable[];
  /** What was found and left out (e.g. a folder of non-trial CSV files in a collection). */
  notes: string[];
}

const CSV = /\.csv$/i;
const JSON_LINES = /\.(jsonl|ndjson)$/i;

function isDataFile(name: string, format: TrialFormat): boolean {
  return CSV.test(name) || trialFileKind(name) === "parquet" || (format.kind === "long" && JSON_LINES.test(name));
}

/** The columns a file must have for the format (compared case-insensitively). */
function requiredColumns(format: TrialFormat): string[] {
  if (format.kind === "geirhos") return [...SCHEMA_READ_COLUMNS];
  return Object.values(format.columns).filter((c): c is string => c !== undefined);
}

function hasColumns(table: RawTable, format: TrialFormat): boolean {
  const header = table.columns.map((c) => c.trim().toLowerCase());
  return requiredColumns(format).every((c) => header.includes(c.toLowerCase()));
}

/** Reads and parses one data file (CSV, Parquet, or JSON Lines for the long format). */
export async function readRawTable(path: string): Promise<RawTable> {
  if (trialFileKind(path) === "parquet") return readParquetTable(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  return parseRawTable(bytes, path);
}

/** Parses a CSV or JSON Lines file's bytes (by its name), e.g. an upload; errors name `name`. */
export function parseRawTable(bytes: Uint8Array, name: string): RawTable {
  const text = decodeText(bytes, name);
  return JSON_LINES.test(name) ? parseJsonLines(text, name) : parseCsv(text, name);
}

function buildTable(tables: RawTable[], dataset: string, options: LoadOptions): TrialTable {
  const format = options.format ?? { kind: "geirhos" };
  const humans = options.humanPattern ?? DEFAULT_HUMAN_PATTERN;
  return format.kind === "geirhos"
    ? geirhosTrials(tables, dataset, humans)
    : longFormatTrials(tables, dataset, format.columns, humans);
}

async function dataFilesIn(dir: string, format: TrialFormat): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isDataFile(e.name, format))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Loads trial data from a path:
 * - a file: one dataset, named after the file (without extension);
 * - a folder holding data files: one dataset, named after the folder, all files joined;
 * - a folder whose subfolders hold data files: a collection, one dataset per subfolder.
 *   A subfolder none of whose files has the format's columns is left out with a note.
 */
export async function loadDatasets(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const format = options.format ?? { kind: "geirhos" };
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputError("no such file or folder; expected a trial file or a folder of them", { file: path });
  }
  if (info.isFile()) {
    const name = basename(path, extname(path));
    return { datasets: [buildTable([await readRawTable(path)], name, options)], notes: [] };
  }
  const direct = await dataFilesIn(path, format);
  if (direct.length > 0) {
    const tables = await Promise.all(direct.map(readRawTable));
    return { datasets: [buildTable(tables, basename(path), options)], notes: [] };
  }
  const result: LoadResult = { datasets: [], notes: [] };
  const subfolders = (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const sub of subfolders) {
    const files = await dataFilesIn(join(path, sub), format);
    if (files.length === 0) continue;
    const tables = await Promise.all(files.map(readRawTable));
    if (!tables.some((t) => hasColumns(t, format))) {
      result.notes.push(
        `left out folder "${sub}": none of its ${files.length} file(s) has the columns ${requiredColumns(format).join(", ")}`,
      );
      continue;
    }
    result.datasets.push(buildTable(tables, sub, options));
  }
  if (result.datasets.length === 0) {
    throw new InputError(
      `no trial data found; expected ${format.kind === "long" ? "CSV or JSON Lines" : "CSV"} files in this folder or in its subfolders`,
      { file: path },
    );
  }
  return result;
}
