/**
 * Reading many observers' trials fast: Parquet and CSV files through DuckDB
 * (`@duckdb/node-api`), straight into bit-packed correctness (the layout of
 * ../kernel/packed.ts) without one JS object per trial. Node only.
 *
 * Input: one row per observer and stimulus (and condition), in the generic long format of the
 * CLI: an observer column, a stimulus column, and either a 0/1 (or boolean, or true/false text)
 * correct column or a truth and a response column (correct when equal as text); optionally a
 * condition column. Column names are compared trimmed and case-insensitively.
 *
 * How (two scans of the files, both done by DuckDB in parallel; no per-trial JS):
 * 1. `GROUP BY GROUPING SETS ((unit, observer), (unit, stimulus))`: the distinct observers and
 *    stimuli of every analysis unit (a condition, or all trials), with a flag for rows whose
 *    correctness is missing or invalid (empty observers, stimuli and conditions are found among
 *    the distinct values). JS sorts them (code-unit order, as the rest of trialwise) and hands
 *    the stimulus order back to DuckDB as a small table (unit, stimulus, index).
 * 2. A join with that table gives every trial its dense stimulus index s; grouped by unit and
 *    observer, `bitstring_agg(2 s + correct)` sets one of two bits per trial, so one aggregate
 *    gives the stimuli seen and those answered correctly, and `count(*)` the trial rows. JS
 *    reads one row per observer and unpacks the bitstring (bit order reversed, the two bits
 *    separated) into the packed 32-bit words. Memory: DuckDB's aggregation state (2 bits per
 *    observer and stimulus, per thread) and, in JS, 3 bits per observer and stimulus (seen,
 *    correct, and the packed result). Measured: 1,000 observers x 50,000 stimuli (50 million
 *    rows of Parquet) in about 2 s on 2 cores, 10,000 x 50,000 in about 16 s (bench/parquet.ts).
 * Validation then works on the bitsets: an observer with more trials than stimuli seen saw a
 * stimulus twice (the offending rows are then looked up and reported with file and row); the
 * unit's stimulus set is chosen by the rule of ../core/stimulus-sets.ts (the set most observers
 * saw, as `outcomeMatrix` chooses it), observers with any other set are left out and listed in `excluded` with their
 * counts (or, with `strict`, are an error).
 *
 * Files: CSV must be UTF-8 (a byte-order mark is allowed), comma-separated with a header, `"`
 * quotes; all CSV fields are read as text, so stimulus ids such as `007` stay as they are.
 * Parquet columns may have any type; observer, stimulus, condition, truth and response are
 * compared as text.
 * (The four pair paths and how they agree: ../core/pairs.ts.)
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { type DuckDBBitValue, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { rowPopcount } from "../core/bit-rows.ts";
import { InputError } from "../core/errors.ts";
import { type ExcludedObserver, bitRowSets, excludedFromBitRows, groupByStimulusSet, unitStimulusSet } from "../core/stimulus-sets.ts";
import { type TrialMatch, pooledTrialMatch } from "../core/pairs.ts";
import { DEFAULT_HUMAN_PATTERN, type LongFormatColumns, NO_CONDITION, compareText } from "../core/trials.ts";
import { type PackedObservers, allocatePacked, wordsPerObserverFor } from "../kernel/packed.ts";
import { duckdbMessage, sqlIdentifier, sqlString } from "./sql.ts";
import { type TrialFileKind, trialFileKind } from "./trial-files.ts";

export interface PackedReadOptions {
  /**
   * Which columns hold what (compared trimmed and case-insensitively); default
   * `{ observer: "observer", stimulus: "stimulus", correct: "correct" }`.
   */
  columns?: LongFormatColumns;
  /** One unit per condition (needs `columns.condition`); else all trials form one unit "all". */
  byCondition?: boolean;
  /** Observers whose stimulus set differs from their unit's are an error (default: left out, listed in `excluded`). */
  strict?: boolean;
  /** Decides which observers are human; default: the name contains "subject". */
  humanPattern?: RegExp;
  /** Dataset name; default: the file's name without extension, or the folder's name. */
  dataset?: string;
  /** DuckDB worker threads (default: DuckDB's, all cores). */
  threads?: number;
  /** DuckDB memory limit, e.g. "2GB" (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
}

/** The packed correctness of one analysis unit (a condition, or all trials). */
export interface PackedUnit {
  dataset: string;
  /** The condition, or "all" when the trials were not split by condition. */
  condition: string;
  /**
   * Observers with exactly the unit's stimulus set, sorted (code-unit order); bit t of row i:
   * observer i answered `stimuli[t]` correctly.
   */
  packed: PackedObservers;
  /**
   * The unit's stimulus set, sorted (code-unit order): trial t of `packed` is `stimuli[t]`;
   * where pooled trials are matched within conditions, trial t is `stimuli[t]` under
   * `conditions[t]`, sorted by condition, then stimulus.
   */
  stimuli: string[];
  /** How trials were matched (../core/pairs.ts TrialMatch): by stimulus, or by condition and stimulus (conditions pooled, some observer under several). */
  match: TrialMatch;
  /** With match "condition and stimulus": the condition of each trial of `stimuli`. */
  conditions?: string[];
  /** Trials each packed observer answered correctly. */
  correct: Uint32Array;
  /** The humans among the packed observers. */
  humans: Set<string>;
  /** Observers of the unit left out because they saw a different stimulus set (never silently). */
  excluded: ExcludedObserver[];
}

export interface PackedTrials {
  dataset: string;
  /** The files read, in order. */
  files: string[];
  /** Trial rows read (all units, excluded observers included). */
  rows: number;
  /** One per condition (sorted), or one unit "all". */
  units: PackedUnit[];
}

const DEFAULT_COLUMNS: LongFormatColumns = { observer: "observer", stimulus: "stimulus", correct: "correct" };

/** The DuckDB table function reading `files` (all of one kind). */
function scanSql(kind: TrialFileKind, files: readonly string[]): string {
  const list = `[${files.map(sqlString).join(", ")}]`;
  return kind === "parquet"
    ? `read_parquet(${list})`
    : `read_csv(${list}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`;
}

/** Runs a query, turning DuckDB's complaints about the input into an InputError about `file`. */
async function query<T>(run: () => Promise<T>, file: string | undefined, what: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${what}: ${duckdbMessage(error)}`, file === undefined ? {} : { file });
  }
}

// ---------------------------------------------------------------------------------------------
// Files and their columns

async function listFiles(path: string | readonly string[]): Promise<{ files: string[]; name: string }> {
  if (typeof path !== "string") {
    if (path.length === 0) throw new InputError("no trial files given; expected Parquet or CSV files");
    for (const file of path) await checkFile(file);
    return { files: [...path], name: basename(dirname(resolve(path[0]))) };
  }
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputError("no such file or folder; expected a Parquet or CSV trial file or a folder of them", { file: path });
  }
  if (info.isFile()) {
    await checkFile(path);
    return { files: [path], name: basename(path).replace(/\.(parquet|pq|csv|csv\.gz)$/i, "") || basename(path, extname(path)) };
  }
  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && trialFileKind(e.name) !== undefined)
    .map((e) => e.name)
    .sort(compareText)
    .map((name) => join(path, name));
  if (files.length === 0) throw new InputError("no trial files found; expected .parquet or .csv files in this folder", { file: path });
  for (const file of files) await checkFile(file);
  return { files, name: basename(resolve(path)) };
}

async function checkFile(file: string): Promise<void> {
  if (trialFileKind(file) === undefined) {
    throw new InputError("unknown file type; expected a .parquet or .csv file", { file });
  }
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new InputError("no such file", { file });
  }
  if (info.size === 0) throw new InputError("empty file; expected a header line and one line per trial", { file });
}

interface FileColumns {
  file: string;
  kind: TrialFileKind;
  /** Every column of the file: name and DuckDB type. */
  columns: { name: string; type: string }[];
}

async function describeFile(connection: DuckDBConnection, file: string): Promise<FileColumns> {
  const kind = trialFileKind(file)!;
  const reader = await query(
    () => connection.runAndReadAll(`DESCRIBE SELECT * FROM ${scanSql(kind, [file])}`),
    file,
    kind === "parquet"
      ? "cannot read as Parquet"
      : "cannot read as CSV (expected UTF-8, comma-separated, a header line and the same number of fields in every row)",
  );
  const columns = reader.getRowsJS().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  return { file, kind, columns };
}

type ColumnKey = "observer" | "stimulus" | "condition" | "correct" | "truth" | "response";

/** The wanted columns (configured name per key), checked as `longFormatTrials` checks them. */
function wantedColumns(columns: LongFormatColumns, byCondition: boolean): Partial<Record<ColumnKey, string>> {
  const byCorrectness = columns.correct !== undefined;
  if (byCorrectness === (columns.truth !== undefined || columns.response !== undefined)) {
    throw new InputError("the long format needs either a correct column, or both a truth and a response column");
  }
  if (!byCorrectness && (columns.truth === undefined || columns.response === undefined)) {
    throw new InputError("the long format needs both a truth and a response column");
  }
  if (byCondition && columns.condition === undefined) {
    throw new InputError("reading by condition needs a condition column");
  }
  const wanted: Partial<Record<ColumnKey, string>> = { observer: columns.observer, stimulus: columns.stimulus };
  if (columns.condition !== undefined) wanted.condition = columns.condition;
  if (byCorrectness) wanted.correct = columns.correct;
  else {
    wanted.truth = columns.truth;
    wanted.response = columns.response;
  }
  return wanted;
}

/** The file's spelling and type of each wanted column; an InputError naming the missing ones. */
function resolveColumns(
  info: FileColumns,
  wanted: Partial<Record<ColumnKey, string>>,
): Partial<Record<ColumnKey, { name: string; type: string }>> {
  const normalized = info.columns.map((c) => c.name.trim().toLowerCase());
  const found: Partial<Record<ColumnKey, { name: string; type: string }>> = {};
  const absent: string[] = [];
  for (const [key, name] of Object.entries(wanted) as [ColumnKey, string][]) {
    const index = normalized.indexOf(name.trim().toLowerCase());
    if (index < 0) absent.push(name);
    else found[key] = info.columns[index];
  }
  if (absent.length > 0) {
    throw new InputError(
      `missing column${absent.length > 1 ? "s" : ""} ${absent.map((c) => `"${c}"`).join(", ")}; ` +
        `the long format as configured needs ${Object.values(wanted)
          .map((c) => `"${c}"`)
          .join(", ")} (found ${info.columns.map((c) => `"${c.name}"`).join(", ") || "no columns"})`,
      { file: info.file },
    );
  }
  return found;
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(.*\))?)$/;

/** SQL for 1 (correct), 0 (wrong) or NULL (not a correctness value) from the correct column. */
function correctSql(column: { name: string; type: string }, file: string): string {
  const c = sqlIdentifier(column.name);
  if (column.type === "BOOLEAN") return `CAST(${c} AS UTINYINT)`;
  if (NUMERIC_TYPE.test(column.type)) return `CAST(CASE WHEN ${c} = 1 THEN 1 WHEN ${c} = 0 THEN 0 END AS UTINYINT)`;
  if (column.type === "VARCHAR") {
    return `CAST(CASE lower(trim(${c})) WHEN '1' THEN 1 WHEN 'true' THEN 1 WHEN '0' THEN 0 WHEN 'false' THEN 0 END AS UTINYINT)`;
  }
  throw new InputError(`column type ${column.type}; expected 0 or 1, a boolean, or the text true/false`, {
    file,
    column: column.name,
  });
}

/** Files read with one scan: same kind, same columns (spelling, order and type). */
interface ScanGroup {
  kind: TrialFileKind;
  files: string[];
  columns: Partial<Record<ColumnKey, { name: string; type: string }>>;
}

/**
 * One row per trial: observer, stimulus, cond (text), correct (1, 0 or NULL when the value is
 * not a correctness value), the raw correct value (text), and truth and response where the
 * format has them; with `rowNumber`, also `tw_row`, the 1-based row in the file (one file only).
 */
function selectSql(group: ScanGroup, files: readonly string[], rowNumber: boolean): string {
  const col = group.columns;
  const text = (key: ColumnKey) => `CAST(${sqlIdentifier(col[key]!.name)} AS VARCHAR)`;
  const correct = col.correct ? correctSql(col.correct, files[0]) : `CAST(${text("truth")} = ${text("response")} AS UTINYINT)`;
  const raw = col.correct ? text("correct") : `${text("truth")} || ' / ' || ${text("response")}`;
  const columns = [
    `${text("observer")} AS observer`,
    `${text("stimulus")} AS stimulus`,
    `${col.condition ? text("condition") : sqlString(NO_CONDITION)} AS cond`,
    `${correct} AS correct`,
    ...(rowNumber ? [`${raw} AS correct_raw`] : []),
    ...(col.correct ? [] : [`${text("truth")} AS truth`, `${text("response")} AS response`]),
  ];
  const select = `SELECT ${columns.join(", ")} FROM ${scanSql(group.kind, files)}`;
  return rowNumber ? `SELECT row_number() OVER () AS tw_row, * FROM (${select})` : select;
}

/** SQL: the text x is missing or only white space (ASCII white space, as DuckDB's trim sees it). */
const emptySql = (x: string) => `(${x} IS NULL OR trim(${x}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = '')`;

/**
 * The per-row part of the check for empty or invalid values: an invalid or missing correctness
 * (or truth or response), and an empty condition where conditions are pooled. Observer,
 * stimulus and (by condition) the condition are checked on their distinct values instead.
 */
function rowCheckSql(columns: LongFormatColumns, byCondition: boolean): string {
  const parts = ["correct IS NULL"];
  if (columns.condition !== undefined && !byCondition) parts.push(emptySql("cond"));
  if (columns.correct === undefined) parts.push(emptySql("truth"), emptySql("response"));
  return parts.join(" OR ");
}

/** What the CLI's readers require of a text field: not missing, not only white space. */
function isEmptyText(value: unknown): boolean {
  return value === null || value === undefined || String(value).trim() === "";
}

// ---------------------------------------------------------------------------------------------
// Bits

/** REVERSE[b]: byte b with its bit order reversed (DuckDB's BIT is most significant bit first). */
const REVERSE = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let r = 0;
    for (let k = 0; k < 8; k++) if (b & (1 << k)) r |= 1 << (7 - k);
    table[b] = r;
  }
  return table;
})();

/** The even bits of a 32-bit word, compressed into its low 16 bits. */
function evenBits(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/**
 * Unpacks one observer's DuckDB bitstring of `bitstring_agg(2 * stimulus + correct)` (bit
 * 2s + 1: stimulus s answered correctly, bit 2s: answered wrongly; most significant bit first
 * after one byte giving the padding, which is 0 here as the length is a multiple of 128) into
 * `words` 32-bit words of stimuli seen and of stimuli answered correctly, at target[offset..]
 * (bit s at bit s % 32 of word s / 32).
 */
function unpackBitstring(value: DuckDBBitValue, words: number, seen: Uint32Array, hits: Uint32Array, offset: number): void {
  const data = value.data;
  if (data[0] !== 0 || data.length < 1 + words * 8) throw new Error("unexpected bitstring layout from DuckDB");
  for (let w = 0, b = 1; w < words; w++, b += 8) {
    // Two 32-bit words of 16 stimuli each (bit 2k: stimulus k wrong, bit 2k + 1: correct).
    const low = REVERSE[data[b]] | (REVERSE[data[b + 1]] << 8) | (REVERSE[data[b + 2]] << 16) | (REVERSE[data[b + 3]] << 24);
    const high = REVERSE[data[b + 4]] | (REVERSE[data[b + 5]] << 8) | (REVERSE[data[b + 6]] << 16) | (REVERSE[data[b + 7]] << 24);
    seen[offset + w] = evenBits(low | (low >>> 1)) | (evenBits(high | (high >>> 1)) << 16);
    hits[offset + w] = evenBits(low >>> 1) | (evenBits(high >>> 1) << 16);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

interface UnitScan {
  name: string;
  observers: string[];
  stimuli: string[];
  /** Where pooled trials are matched within conditions: the condition of each of `stimuli` (the key is the pair). */
  conditions?: string[];
  observerIndex: Map<string, number>;
  words: number;
  /** Per observer row: stimuli seen, stimuli answered correctly (N x words), trial rows. */
  seen?: Uint32Array;
  hits?: Uint32Array;
  trials?: Float64Array;
}

/**
 * Reads Parquet or CSV trial files (a file, a folder of them, or a list) into bit-packed
 * correctness per analysis unit, with DuckDB. See the module comment for the format and the
 * checks: missing columns, empty or invalid values, a stimulus seen twice by one observer (in
 * one condition, or in several when conditions are pooled) are InputErrors naming the file
 * (and row and column where there is one); observers with a different stimulus set are left out
 * and listed in each unit's `excluded`.
 */
export async function readPackedTrials(path: string | readonly string[], options: PackedReadOptions = {}): Promise<PackedTrials> {
  const columns = options.columns ?? DEFAULT_COLUMNS;
  const byCondition = options.byCondition ?? false;
  const wanted = wantedColumns(columns, byCondition);
  const { files, name } = await listFiles(path);
  const dataset = options.dataset ?? name;
  const humanPattern = options.humanPattern ?? DEFAULT_HUMAN_PATTERN;
  const isHuman = (observer: string) => {
    humanPattern.lastIndex = 0;
    return humanPattern.test(observer);
  };

  // DuckDB spills large aggregations to temp_directory (by default ./.tmp): a folder of our own.
  const spill = await mkdtemp(join(tmpdir(), "trialwise-duckdb-spill-"));
  const config: Record<string, string> = { preserve_insertion_order: "true", temp_directory: spill };
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(":memory:", config);
  } catch (error) {
    await rm(spill, { recursive: true, force: true });
    throw error;
  }
  const connection = await instance.connect();
  try {
    // Columns of every file; files with identical columns are read by one scan.
    const groups = new Map<string, ScanGroup>();
    for (const file of files) {
      const info = await describeFile(connection, file);
      const resolved = resolveColumns(info, wanted);
      const key = JSON.stringify([info.kind, info.columns, resolved]);
      const group = groups.get(key);
      if (group) group.files.push(file);
      else groups.set(key, { kind: info.kind, files: [file], columns: resolved });
    }
    const scanGroups = [...groups.values()];
    const source = scanGroups.map((g) => selectSql(g, g.files, false)).join("\nUNION ALL\n");
    const fileLabel = files.length === 1 ? files[0] : undefined;
    await connection.run(`CREATE TEMP VIEW tw_trials AS ${source}`);

    // Pass 1: the observers and stimuli of every unit, and whether any value is bad.
    const units = new Map<string, UnitScan>();
    const unitOf = (unit: string) => {
      let scan = units.get(unit);
      if (!scan) units.set(unit, (scan = { name: unit, observers: [], stimuli: [], observerIndex: new Map(), words: 0 }));
      return scan;
    };
    /** The first empty or invalid value found: in a column's distinct values, or in some row. */
    let bad: BadValue | undefined;
    let rows = 0;
    const check = rowCheckSql(columns, byCondition);
    // Pooled with a condition column: stimuli are listed with their conditions and observers with
    // how many conditions they have, to apply the matching rule (../core/pairs.ts TrialMatch).
    const pooledConditions = !byCondition && columns.condition !== undefined;
    const pass1 = await query(
      () =>
        connection.stream(
          byCondition
            ? `SELECT GROUPING(observer) AS by_stimulus, cond AS unit, observer, stimulus, NULL AS cond, bool_or(${check}) AS bad, count(*) AS n, 1 AS n_conditions
               FROM tw_trials GROUP BY GROUPING SETS ((cond, observer), (cond, stimulus))`
            : pooledConditions
              ? `SELECT GROUPING(observer) AS by_stimulus, ${sqlString(NO_CONDITION)} AS unit, observer, stimulus, cond, bool_or(${check}) AS bad, count(*) AS n,
                   count(DISTINCT cond) AS n_conditions
                 FROM tw_trials GROUP BY GROUPING SETS ((observer), (cond, stimulus))`
              : // Without conditions the unit is a constant, left out of the grouping (it costs time).
                `SELECT GROUPING(observer) AS by_stimulus, ${sqlString(NO_CONDITION)} AS unit, observer, stimulus, NULL AS cond, bool_or(${check}) AS bad, count(*) AS n, 1 AS n_conditions
                 FROM tw_trials GROUP BY GROUPING SETS ((observer), (stimulus))`,
        ),
      fileLabel,
      "cannot read the trials",
    );
    /** Pooled: the (condition, stimulus) keys in pass 1's order, and the most conditions of one observer. */
    const keys: { condition: string; stimulus: string }[] = [];
    let mostConditions = 1;
    for (;;) {
      const chunk = await query(() => pass1.fetchChunk(), fileLabel, "cannot read the trials");
      if (!chunk || chunk.rowCount === 0) break;
      const [byStimulus, unit, observer, stimulus, cond, rowCheck, n, conditionCount] = [0, 1, 2, 3, 4, 5, 6, 7].map((c) =>
        chunk.getColumnVector(c),
      );
      for (let r = 0; r < chunk.rowCount; r++) {
        const name = unit.getItem(r) as string | null;
        const isStimulus = Number(byStimulus.getItem(r)) === 1;
        const value = (isStimulus ? stimulus : observer).getItem(r) as string | null;
        if (isEmptyText(name)) bad ??= { column: "cond", value: name };
        else if (isEmptyText(value)) bad ??= { column: isStimulus ? "stimulus" : "observer", value };
        else if (rowCheck.getItem(r)) bad ??= { column: "row", value: null };
        else {
          const scan = unitOf(name!);
          if (isStimulus) {
            if (pooledConditions) keys.push({ condition: cond.getItem(r) as string, stimulus: value! });
            else scan.stimuli.push(value!);
          } else {
            scan.observers.push(value!);
            rows += Number(n.getItem(r));
            mostConditions = Math.max(mostConditions, Number(conditionCount.getItem(r)));
          }
        }
      }
    }
    if (bad) await throwBadValue(connection, scanGroups, columns, byCondition, bad);
    if (units.size === 0) {
      throw new InputError("no trials; expected one row per observer and stimulus", fileLabel === undefined ? {} : { file: fileLabel });
    }
    const match: TrialMatch = byCondition ? "stimulus" : pooledTrialMatch(mostConditions);
    const withinConditions = match === "condition and stimulus";
    if (pooledConditions) {
      const scan = units.get(NO_CONDITION)!;
      if (withinConditions) {
        keys.sort((a, b) => compareText(a.condition, b.condition) || compareText(a.stimulus, b.stimulus));
        scan.conditions = keys.map((k) => k.condition);
        scan.stimuli = keys.map((k) => k.stimulus);
      } else scan.stimuli = [...new Set(keys.map((k) => k.stimulus))];
    }

    // The stimulus order of each unit goes back to DuckDB as (unit, stimulus, index).
    await connection.run("CREATE TEMP TABLE tw_stimuli (unit VARCHAR, cond VARCHAR, stimulus VARCHAR, i INTEGER)");
    const appender = await connection.createAppender("tw_stimuli");
    let maxWords = 0;
    for (const scan of units.values()) {
      scan.observers.sort(compareText);
      if (!scan.conditions) scan.stimuli.sort(compareText);
      scan.observers.forEach((o, i) => scan.observerIndex.set(o, i));
      scan.words = wordsPerObserverFor(scan.stimuli.length);
      maxWords = Math.max(maxWords, scan.words);
      scan.stimuli.forEach((s, i) => {
        appender.appendVarchar(scan.name);
        if (scan.conditions) appender.appendVarchar(scan.conditions[i]);
        else appender.appendNull();
        appender.appendVarchar(s);
        appender.appendInteger(i);
        appender.endRow();
      });
      scan.seen = new Uint32Array(scan.observers.length * scan.words);
      scan.hits = new Uint32Array(scan.observers.length * scan.words);
      scan.trials = new Float64Array(scan.observers.length);
    }
    appender.closeSync();

    // Pass 2: per unit and observer, one bitstring with bit 2s + correct set for every trial
    // (stimulus index s): the stimuli seen and those answered correctly in one aggregate.
    const bitLength = maxWords * 64;
    const pass2 = await query(
      () =>
        connection.stream(
          `SELECT ${byCondition ? "t.cond" : sqlString(NO_CONDITION)} AS unit, observer, count(*) AS n,
             bitstring_agg(2 * x.i + t.correct, 0, ${bitLength - 1}) AS trials
           FROM tw_trials t JOIN tw_stimuli x ON ${byCondition ? "x.unit = t.cond AND " : withinConditions ? "x.cond = t.cond AND " : ""}x.stimulus = t.stimulus
           GROUP BY ${byCondition ? "t.cond, " : ""}observer`,
        ),
      fileLabel,
      "cannot read the trials",
    );
    for (;;) {
      const chunk = await query(() => pass2.fetchChunk(), fileLabel, "cannot read the trials");
      if (!chunk || chunk.rowCount === 0) break;
      const [unit, observer, n, trials] = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c));
      for (let r = 0; r < chunk.rowCount; r++) {
        const scan = units.get(unit.getItem(r) as string)!;
        const i = scan.observerIndex.get(observer.getItem(r) as string)!;
        scan.trials![i] = Number(n.getItem(r));
        unpackBitstring(trials.getItem(r) as DuckDBBitValue, scan.words, scan.seen!, scan.hits!, i * scan.words);
      }
    }

    const result: PackedUnit[] = [];
    for (const scan of [...units.values()].sort((a, b) => compareText(a.name, b.name))) {
      // A stimulus seen twice: more trial rows than distinct stimuli.
      for (let i = 0; i < scan.observers.length; i++) {
        if (scan.trials![i] !== rowPopcount(scan.seen!, i * scan.words, scan.words)) {
          await throwDuplicate(connection, scanGroups, scan.observers[i]);
        }
      }
      result.push(packUnit(dataset, scan, isHuman, options.strict ?? false, match));
    }
    return { dataset, files, rows, units: result };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
}

/** The unit's stimulus set (the one most observers saw), its observers packed, the others listed. */
function packUnit(dataset: string, scan: UnitScan, isHuman: (o: string) => boolean, strict: boolean, match: TrialMatch): PackedUnit {
  const { words, observers } = scan;
  const seen = scan.seen!;
  const hits = scan.hits!;
  // Observers are in code-unit order, as the rule's tie-break needs.
  const chosen = unitStimulusSet(
    groupByStimulusSet(
      bitRowSets(
        seen,
        words,
        observers.map((_, i) => i),
      ),
    ),
  )!;
  const setRow = chosen.members[0] * words;
  const inSet = new Uint8Array(observers.length);
  for (const i of chosen.members) inSet[i] = 1;
  const excluded = excludedFromBitRows(
    seen,
    words,
    chosen.members[0],
    observers.flatMap((observer, row) => (inSet[row] ? [] : [{ observer, kind: isHuman(observer) ? "human" : "model", row }])),
  );
  if (strict && excluded.length > 0) {
    const e = excluded[0];
    throw new InputError(
      `dataset "${dataset}": observer "${e.observer}" saw a different stimulus set than the ${chosen.members.length} ` +
        `observer(s) with the unit's set in condition "${scan.name}" (${e.n_common} common, ${e.n_only_observer} only ` +
        `"${e.observer}", ${e.n_missing} missing); ${excluded.length} observer(s) differ in all; strict reading expects identical stimulus sets`,
    );
  }

  const kept = chosen.members.map((i) => observers[i]);
  let stimuli = scan.stimuli;
  let conditions = scan.conditions;
  let keepTrials: number[] | undefined;
  if (chosen.size !== scan.stimuli.length) {
    // Some stimuli were seen only by excluded observers: the packed trials are the set's.
    const kept: number[] = [];
    for (let t = 0; t < scan.stimuli.length; t++) if ((seen[setRow + (t >>> 5)] >>> (t & 31)) & 1) kept.push(t);
    keepTrials = kept;
    stimuli = kept.map((t) => scan.stimuli[t]);
    conditions = scan.conditions && kept.map((t) => scan.conditions![t]);
  }
  const packed = allocatePacked(kept, stimuli.length);
  const out = packed.bits;
  const outWords = packed.wordsPerObserver;
  chosen.members.forEach((i, row) => {
    if (!keepTrials) out.set(hits.subarray(i * words, i * words + outWords), row * outWords);
    else {
      const from = i * words;
      keepTrials.forEach((t, k) => {
        if ((hits[from + (t >>> 5)] >>> (t & 31)) & 1) out[row * outWords + (k >>> 5)] |= 1 << (k & 31);
      });
    }
  });
  const correct = new Uint32Array(kept.length);
  for (let row = 0; row < kept.length; row++) correct[row] = rowPopcount(out, row * outWords, outWords);
  return {
    dataset,
    condition: scan.name,
    packed,
    stimuli,
    match,
    ...(conditions ? { conditions } : {}),
    correct,
    humans: new Set(kept.filter(isHuman)),
    excluded,
  };
}

// ---------------------------------------------------------------------------------------------
// Error reports: only reached on bad input, so they may scan the files one by one.

/** The first row (file order) of the files matching `where`, with the file and its row number. */
async function firstRows(
  connection: DuckDBConnection,
  groups: readonly ScanGroup[],
  where: string,
  params: string[],
  limit: number,
): Promise<{ file: string; row: Record<string, unknown> }[]> {
  const found: { file: string; row: Record<string, unknown> }[] = [];
  const order = groups.flatMap((g) => g.files.map((file) => ({ g, file })));
  for (const { g, file } of order) {
    const reader = await connection.runAndReadAll(
      `SELECT * FROM (${selectSql(g, [file], true)}) WHERE ${where} ORDER BY tw_row LIMIT ${limit - found.length}`,
      params,
    );
    for (const row of reader.getRowObjectsJS()) found.push({ file, row });
    if (found.length >= limit) break;
  }
  return found;
}

/** An empty value among a column's distinct values, or (column "row") a row failing rowCheckSql. */
interface BadValue {
  column: "observer" | "stimulus" | "cond" | "row";
  value: string | null;
}

async function throwBadValue(
  connection: DuckDBConnection,
  groups: readonly ScanGroup[],
  columns: LongFormatColumns,
  byCondition: boolean,
  bad: BadValue,
): Promise<never> {
  const where =
    bad.column === "row" ? rowCheckSql(columns, byCondition) : bad.value === null ? `${bad.column} IS NULL` : `${bad.column} = $1`;
  const [hit] = await firstRows(connection, groups, where, bad.column === "row" || bad.value === null ? [] : [bad.value], 1);
  if (!hit) throw new Error("an empty or invalid value was found but not found again");
  const { file, row } = hit;
  const at = `row ${row.tw_row}`;
  const empty = (column: string) => new InputError(`${at}: empty value; expected a non-empty text`, { file, column });
  if (bad.column === "observer") throw empty(columns.observer);
  if (bad.column === "stimulus") throw empty(columns.stimulus);
  if (bad.column === "cond" || (columns.condition !== undefined && isEmptyText(row.cond))) throw empty(columns.condition ?? "condition");
  if (columns.correct === undefined) throw empty(isEmptyText(row.truth) ? columns.truth! : columns.response!);
  if (row.correct_raw === null) throw empty(columns.correct);
  throw new InputError(`${at}: "${row.correct_raw}" is not a correctness value; expected 0 or 1`, { file, column: columns.correct });
}

async function throwDuplicate(connection: DuckDBConnection, groups: readonly ScanGroup[], observer: string): Promise<never> {
  // Within one analysis unit an observer's keys repeat only within one condition: by condition,
  // the unit is the condition; pooled, an observer has one condition or trials are matched
  // within conditions (../core/pairs.ts TrialMatch).
  const repeated = await connection.runAndReadAll(
    `SELECT cond, stimulus FROM tw_trials WHERE observer = $1 GROUP BY cond, stimulus HAVING count(*) > 1 ORDER BY cond, stimulus LIMIT 1`,
    [observer],
  );
  const [condition, stimulus] = (repeated.getRowsJS()[0] ?? []) as (string | undefined)[];
  if (stimulus === undefined || condition === undefined)
    throw new Error(`observer "${observer}" has repeated trials that were not found again`);
  const [first, second] = await firstRows(
    connection,
    groups,
    "observer = $1 AND stimulus = $2 AND cond = $3",
    [observer, stimulus, condition],
    2,
  );
  throw new InputError(
    `row ${second.row.tw_row}: observer "${observer}" saw stimulus "${stimulus}" twice in condition "${condition}" ` +
      `(first at ${first.file} row ${first.row.tw_row}); expected each stimulus once per observer and condition`,
    { file: second.file },
  );
}
