import { type Stats, createReadStream, fstatSync } from "node:fs";
import { readFile, readdir, realpath, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { InputError } from "../core/errors.ts";
import {
  DEFAULT_HUMAN_PATTERN,
  type LongFormatColumns,
  type RawTable,
  SCHEMA_READ_COLUMNS,
  type TrialTable,
  compareText,
  geirhosTrials,
  longFormatTrials,
} from "../core/trials.ts";
import { parseCsv } from "./csv.ts";
import { trialFileKind } from "./trial-files.ts";
import { parseJsonLines } from "./jsonl.ts";
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
  // DuckDB (about 300 ms to load) only for Parquet: reading CSV never loads it.
  if (trialFileKind(path) === "parquet") return (await import("./table-parquet.ts")).readParquetTable(path);
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

/** The path that names standard input: `trialwise pairs -`. */
export const STANDARD_INPUT = "-";

/** Whether a file is this process's standard input (/dev/stdin: a socket there cannot be opened again). */
function isStandardInput(info: Stats): boolean {
  try {
    const stdin = fstatSync(0);
    return stdin.dev === info.dev && stdin.ino === info.ino;
  } catch {
    return false;
  }
}

/**
 * Reads one trial table from a stream to its end: standard input (`-`, "<stdin>" in messages),
 * a FIFO or a device. CSV or JSON Lines by the path's extension, else JSON Lines when the text
 * starts with "{", else CSV. Parquet needs a file (it is read from its end).
 */
async function readStreamTable(path: string, standardInput: boolean): Promise<RawTable> {
  const label = path === STANDARD_INPUT ? "<stdin>" : path;
  const noParquet = () => new InputError("Parquet cannot be read from standard input or a pipe; give it as a file", { file: label });
  if (trialFileKind(path) === "parquet") throw noParquet();
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of standardInput ? process.stdin : createReadStream(path)) chunks.push(chunk as Buffer);
  } catch (error) {
    throw new InputError(`cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: label });
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.subarray(0, 4).toString("latin1") === "PAR1") throw noParquet();
  const text = decodeText(bytes, label);
  const jsonLines = JSON_LINES.test(path) || (!CSV.test(path) && text.trimStart().startsWith("{"));
  return jsonLines ? parseJsonLines(text, label) : parseCsv(text, label);
}

function buildTable(tables: RawTable[], dataset: string, options: LoadOptions): TrialTable {
  const format = options.format ?? { kind: "geirhos" };
  const humans = options.humanPattern ?? DEFAULT_HUMAN_PATTERN;
  return format.kind === "geirhos" ? geirhosTrials(tables, dataset, humans) : longFormatTrials(tables, dataset, format.columns, humans);
}

/** One entry of a folder, symbolic links followed. */
interface FolderEntry {
  name: string;
  kind: "file" | "folder" | "other";
  /** Whether it is a symbolic link (so possibly a second name of another entry's target). */
  link: boolean;
  /** Why a symbolic link cannot be followed (ENOENT: leads nowhere, ELOOP: a loop of links). */
  unfollowable?: string;
}

/** A folder's entries in name order, each symbolic link seen as what it leads to. */
async function folderEntries(dir: string): Promise<FolderEntry[]> {
  const kindOf = (e: { isFile(): boolean; isDirectory(): boolean }) => (e.isFile() ? "file" : e.isDirectory() ? "folder" : "other");
  const entries = await Promise.all(
    (await readdir(dir, { withFileTypes: true })).map(async (entry): Promise<FolderEntry> => {
      if (!entry.isSymbolicLink()) return { name: entry.name, kind: kindOf(entry), link: false };
      try {
        return { name: entry.name, kind: kindOf(await stat(join(dir, entry.name))), link: true };
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        return { name: entry.name, kind: "other", link: true, unfollowable: reason };
      }
    }),
  );
  return entries.sort((a, b) => compareText(a.name, b.name));
}

/**
 * The first name seen for the real path of `dir/name`, or undefined (and `name` is recorded)
 * when it is the first: a symbolic link may be a second name of a file or folder already read.
 */
async function earlierName(seen: Map<string, string>, dir: string, name: string): Promise<string | undefined> {
  const target = await realpath(join(dir, name));
  const first = seen.get(target);
  if (first === undefined) seen.set(target, name);
  return first;
}

/**
 * The data files of a folder, symbolic links followed. A link named like a data file that
 * cannot be followed is an error; a second name of a file already listed is left out with a
 * note (`label` prefixes names in notes).
 */
async function dataFilesIn(dir: string, format: TrialFormat, label: string, notes: string[]): Promise<string[]> {
  const entries = (await folderEntries(dir)).filter((e) => isDataFile(e.name, format));
  const broken = entries.find((e) => e.unfollowable !== undefined);
  if (broken) {
    throw new InputError(`a symbolic link that cannot be followed (${broken.unfollowable}); expected it to lead to a trial file`, {
      file: join(dir, broken.name),
    });
  }
  const files = entries.filter((e) => e.kind === "file");
  if (!files.some((e) => e.link)) return files.map((e) => join(dir, e.name));
  const seen = new Map<string, string>();
  const kept: string[] = [];
  for (const { name } of files) {
    const first = await earlierName(seen, dir, name);
    if (first === undefined) kept.push(join(dir, name));
    else notes.push(`left out "${label}${name}": the same file as "${label}${first}" (a symbolic link)`);
  }
  return kept;
}

/**
 * Loads trial data from a path:
 * - `-` (standard input), a FIFO or a character device such as /dev/stdin: one dataset, read as
 *   a stream (see `readStreamTable`), named "stdin" for `-`, else after the path;
 * - a file: one dataset, named after the file (without extension);
 * - a folder holding data files: one dataset, named after the folder, all files joined;
 * - a folder whose subfolders hold data files: a collection, one dataset per subfolder.
 *   A subfolder none of whose files has the format's columns is left out with a note.
 * Symbolic links to files and folders are followed; a second name of a file or folder already
 * read, and a link that cannot be followed (leading nowhere, or a loop), are left out with a
 * note, except a link named like a data file, which is an error.
 */
export async function loadDatasets(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const format = options.format ?? { kind: "geirhos" };
  let info;
  try {
    info = path === STANDARD_INPUT ? undefined : await stat(path);
  } catch {
    throw new InputError("no such file or folder; expected a trial file or a folder of them", { file: path });
  }
  if (!info || info.isFIFO() || info.isCharacterDevice() || info.isSocket()) {
    const name = info ? basename(path, extname(path)) : "stdin";
    return { datasets: [buildTable([await readStreamTable(path, !info || isStandardInput(info))], name, options)], notes: [] };
  }
  if (info.isFile()) {
    const name = basename(path, extname(path));
    return { datasets: [buildTable([await readRawTable(path)], name, options)], notes: [] };
  }
  const result: LoadResult = { datasets: [], notes: [] };
  const direct = await dataFilesIn(path, format, "", result.notes);
  if (direct.length > 0) {
    const tables = await Promise.all(direct.map(readRawTable));
    result.datasets.push(buildTable(tables, basename(path), options));
    return result;
  }
  const entries = await folderEntries(path);
  // Links make loops and second names possible; the walk is two levels deep, so a loop is only
  // ever a folder read twice, which the real paths show.
  const seenFolders = entries.some((e) => e.link) ? new Map<string, string>() : undefined;
  for (const entry of entries) {
    const sub = entry.name;
    if (entry.unfollowable !== undefined) {
      result.notes.push(`left out "${sub}": a symbolic link that cannot be followed (${entry.unfollowable})`);
      continue;
    }
    if (entry.kind !== "folder") continue;
    const first = seenFolders && (await earlierName(seenFolders, path, sub));
    if (first !== undefined) {
      result.notes.push(`left out folder "${sub}": the same folder as "${first}" (a symbolic link)`);
      continue;
    }
    const files = await dataFilesIn(join(path, sub), format, `${sub}/`, result.notes);
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
