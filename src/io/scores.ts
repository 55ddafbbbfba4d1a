/**
 * Per-item score vectors for the response-level metrics. Node only.
 * - Probability tables in the long format: one row per observer and item, the item's options in
 *   columns `<prefix><option>` (`--prob-prefix p_`: columns p_cat, p_dog, ... give options cat,
 *   dog, ...), with the observer, item and correct option in named columns (CSV, Parquet or
 *   JSON Lines); or JSON Lines whose probabilities are one array field (`--probs-col`), options
 *   named 0, 1, ... and the correct option as its index or name.
 * - Score files of `trialwise evaluate --scores` (imagename, category, score_<category>, ...),
 *   one per model, named after it (resnet50.csv): matched to that observer's trials by stimulus.
 * Scores are probabilities (checked: each vector sums to 1), or logits (softmaxed), or
 * non-negative scores to be normalized (`evaluate`'s category scores, means of ImageNet
 * probabilities, sum to less than 1).
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { InputError, type InputLocation, UsageError } from "../core/errors.ts";
import { ProbabilityTableBuilder, type ProbabilityTable, softmaxOf } from "../core/probability-table.ts";
import { DEFAULT_HUMAN_PATTERN, NO_CONDITION, type RawTable, type TrialTable, compareText, stimulusId } from "../core/trials.ts";
import { readRawTable } from "./datasets.ts";
import { decodeText } from "./text.ts";

/** How the numbers of a score vector become probabilities. */
export type ScoresAs = "probabilities" | "logits" | "normalize";

/** A score vector as probabilities: as given (checked later), softmaxed, or divided by its sum (non-negative scores). */
export function scoresToProbabilities(values: readonly number[], as: ScoresAs, at: InputLocation): number[] {
  values.forEach((v, o) => {
    if (!Number.isFinite(v))
      throw new InputError(`score ${o + 1} is ${Number.isNaN(v) ? "not a number" : v}; expected a finite number`, at);
  });
  if (as === "logits") return softmaxOf(values);
  if (as === "probabilities") return [...values];
  const negative = values.findIndex((v) => v < 0);
  if (negative >= 0)
    throw new InputError(`score ${negative + 1} is negative (${values[negative]}); --scores-as normalize needs non-negative scores`, at);
  const sum = values.reduce((s, v) => s + v, 0);
  if (sum === 0) throw new InputError("all scores are 0; --scores-as normalize needs a positive sum", at);
  return values.map((v) => v / sum);
}

/** Columns of a probability table in the long format. */
export interface ProbabilityColumns {
  observer: string;
  stimulus: string;
  truth: string;
  condition?: string;
  /** Options in columns `<prefix><option>`. */
  prefix?: string;
  /** Or: the probabilities as one JSON array field (JSON Lines). */
  array?: string;
}

export interface ProbabilityFileOptions {
  columns: ProbabilityColumns;
  scoresAs?: ScoresAs;
  byCondition?: boolean;
  humanPattern?: RegExp;
}

const DATA_FILE = /\.(csv|parquet|pq|jsonl|ndjson)$/i;

/** The data files at `path`: the file itself, or a folder's data files (one dataset). */
async function dataFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new InputError(`cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  if (!info.isDirectory()) return [path];
  const files = (await readdir(path))
    .filter((n) => DATA_FILE.test(n))
    .sort(compareText)
    .map((n) => join(path, n));
  if (files.length === 0) throw new InputError("no CSV, Parquet or JSON Lines files in the folder", { file: path });
  return files;
}

function columnIndex(table: RawTable, name: string, flag: string): number {
  const index = table.columns.findIndex((c) => c.trim().toLowerCase() === name.toLowerCase());
  if (index < 0)
    throw new InputError(
      `no column ${JSON.stringify(name)} (${flag}); columns: ${table.columns.map((c) => JSON.stringify(c)).join(", ")}`,
      { file: table.file, line: 1 },
    );
  return index;
}

/** One row of JSON Lines with an array field: the fields as objects. */
async function jsonLinesObjects(file: string): Promise<{ object: Record<string, unknown>; line: number }[]> {
  const text = decodeText(await readFile(file), file);
  const rows: { object: Record<string, unknown>; line: number }[] = [];
  text.split(/\r\n|\n|\r/).forEach((source, i) => {
    if (source.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new InputError(`invalid JSON (${(error as Error).message}); expected one JSON object per line`, { file, line: i + 1 });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new InputError("expected a JSON object per line", { file, line: i + 1 });
    rows.push({ object: value as Record<string, unknown>, line: i + 1 });
  });
  if (rows.length === 0) throw new InputError("empty file; expected one JSON object per observer and item", { file, line: 1 });
  return rows;
}

/**
 * A probability table in the long format (see the module comment): one dataset, named after the
 * file (without extension) or folder. Observers are human by `humanPattern` (default: the name
 * contains "subject"); every vector is checked to be a probability vector after `scoresAs`.
 */
export async function readProbabilityTable(path: string, options: ProbabilityFileOptions): Promise<ProbabilityTable> {
  const { columns } = options;
  const scoresAs = options.scoresAs ?? "probabilities";
  const human = options.humanPattern ?? DEFAULT_HUMAN_PATTERN;
  const dataset = basename(path, extname(path));
  const builder = new ProbabilityTableBuilder(dataset, (o) => human.test(o));
  const unitOf = (condition: string) => (options.byCondition ? condition : NO_CONDITION);
  const keyOf = (condition: string, stimulus: string) => (columns.condition === undefined ? stimulus : `${condition}/${stimulus}`);
  for (const file of await dataFiles(path)) {
    if (columns.array !== undefined) {
      for (const { object, line } of await jsonLinesObjects(file)) {
        const at = { file, line };
        const text = (name: string) => {
          const v = object[name];
          if (typeof v !== "string" && typeof v !== "number")
            throw new InputError(`expected text or a number in field ${JSON.stringify(name)}`, { ...at, column: name });
          return String(v);
        };
        const vector = object[columns.array];
        if (!Array.isArray(vector) || !vector.every((v) => typeof v === "number"))
          throw new InputError("expected an array of numbers", { ...at, column: columns.array });
        const optionNames = vector.map((_, k) => String(k));
        const condition = columns.condition === undefined ? NO_CONDITION : text(columns.condition);
        const item = builder.item(
          { unit: unitOf(condition), key: keyOf(condition, text(columns.stimulus)), options: optionNames, truth: text(columns.truth) },
          { ...at, column: columns.truth },
        );
        builder.probabilities(text(columns.observer), item, scoresToProbabilities(vector, scoresAs, at), at);
      }
      continue;
    }
    const table = await readRawTable(file);
    const prefix = columns.prefix!;
    const optionColumns = table.columns
      .map((c, k) => ({ c: c.trim(), k }))
      .filter(({ c }) => c.startsWith(prefix) && c.length > prefix.length);
    if (optionColumns.length < 2)
      throw new InputError(
        `${optionColumns.length} column(s) start with --prob-prefix ${JSON.stringify(prefix)}; expected one per option, at least 2`,
        { file, line: 1 },
      );
    const optionNames = optionColumns.map(({ c }) => c.slice(prefix.length));
    const observer = columnIndex(table, columns.observer, "--observer-col");
    const stimulus = columnIndex(table, columns.stimulus, "--stimulus-col");
    const truth = columnIndex(table, columns.truth, "--truth-col");
    const condition = columns.condition === undefined ? -1 : columnIndex(table, columns.condition, "--condition-col");
    table.rows.forEach((row, r) => {
      const at = { file, line: table.lines[r] };
      const values = optionColumns.map(({ c, k }) => {
        const cell = row[k].trim();
        const value = cell === "" ? NaN : Number(cell);
        if (Number.isNaN(value)) throw new InputError(`${JSON.stringify(row[k])} is not a number`, { ...at, column: c });
        return value;
      });
      const conditionName = condition < 0 ? NO_CONDITION : row[condition];
      const item = builder.item(
        { unit: unitOf(conditionName), key: keyOf(conditionName, row[stimulus]), options: optionNames, truth: row[truth] },
        { ...at, column: columns.truth },
      );
      builder.probabilities(row[observer], item, scoresToProbabilities(values, scoresAs, at), at);
    });
  }
  return builder.build();
}

/** One row of a score file of `trialwise evaluate --scores`: an observer's category scores on an image. */
export interface ScoreRow {
  observer: string;
  /** The stimulus id of the image's name (as the trials' imagename gives it). */
  stimulus: string;
  /** The image's true category. */
  category: string;
  /** Probabilities over `categories`. */
  probabilities: number[];
  categories: readonly string[];
  at: InputLocation;
}

const SCORE_PREFIX = "score_";

/**
 * The rows of score files (`trialwise evaluate --scores`: imagename, category, score_<category>,
 * ...), a file or a folder of them; each file's observer is its name without extension (or its
 * `subj` column where it has one).
 */
export async function readScoreFiles(path: string, scoresAs: ScoresAs = "probabilities"): Promise<ScoreRow[]> {
  const rows: ScoreRow[] = [];
  for (const file of await dataFiles(path)) {
    const table = await readRawTable(file);
    const image = columnIndex(table, "imagename", "a score file of trialwise evaluate --scores");
    const category = columnIndex(table, "category", "a score file of trialwise evaluate --scores");
    const subject = table.columns.findIndex((c) => c.trim().toLowerCase() === "subj");
    const scoreColumns = table.columns
      .map((c, k) => ({ c: c.trim(), k }))
      .filter(({ c }) => c.startsWith(SCORE_PREFIX) && c.length > SCORE_PREFIX.length);
    if (scoreColumns.length < 2)
      throw new InputError(`expected score_<category> columns (at least 2), found ${scoreColumns.length}`, { file, line: 1 });
    const categories = scoreColumns.map(({ c }) => c.slice(SCORE_PREFIX.length));
    const named = basename(file, extname(file));
    table.rows.forEach((row, r) => {
      const at = { file, line: table.lines[r] };
      const values = scoreColumns.map(({ c, k }) => {
        const value = row[k].trim() === "" ? NaN : Number(row[k]);
        if (Number.isNaN(value)) throw new InputError(`${JSON.stringify(row[k])} is not a number`, { ...at, column: c });
        return value;
      });
      rows.push({
        observer: subject >= 0 && row[subject] !== "" ? row[subject] : named,
        stimulus: stimulusId(row[image]),
        category: row[category],
        probabilities: scoresToProbabilities(values, scoresAs, at),
        categories,
        at,
      });
    });
  }
  return rows;
}

/**
 * The score files at `path` (`--scores` of `trialwise pairs`, `summary` and `serve`) for one
 * dataset's trials: read by {@link readScoreFiles}, each file's observer checked to be one of
 * the trials'. Matching rows to trials, and the errors of that, are `probabilityTableFromTrials`'s.
 */
export async function readScoresForTrials(path: string, datasets: readonly TrialTable[], scoresAs?: ScoresAs): Promise<ScoreRow[]> {
  if (datasets.length !== 1)
    throw new UsageError(
      `--scores needs one dataset (a trial file or a dataset folder), not ${datasets.length}: score rows are matched to trials by stimulus`,
    );
  const scores = await readScoreFiles(path, scoresAs);
  const observers = new Set(datasets[0].observer);
  const unknown = [...new Set(scores.map((s) => s.observer))].filter((o) => !observers.has(o));
  if (unknown.length > 0) {
    throw new InputError(
      `scores of ${unknown.map((o) => `"${o}"`).join(", ")}, not an observer of the trials (a score file is named after its observer, e.g. resnet50.csv)`,
      { file: path },
    );
  }
  return scores;
}
