/**
 * Per-sample results of language-model benchmarks as lm-evaluation-harness writes them with
 * `--log_samples` (and as the Open LLM Leaderboard publishes them as "details"): one file per
 * task and run, `samples_<task>_<timestamp>.jsonl` (or `.parquet`), one JSON object per
 * document with `doc_id`, `target` (the correct choice's index, or its text) and
 * `filtered_resps` (per choice `[log-likelihood, is_greedy]`, numbers or their text). Items are
 * matched across models by task and `doc_id`; a model's probabilities are the softmax over the
 * choices' log-likelihoods. Node only.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError, type InputLocation } from "../core/errors.ts";
import { ProbabilityTableBuilder, type ProbabilityTable, softmaxOf } from "../core/probability-table.ts";
import { compareText } from "../core/trials.ts";
import { decodeText } from "./text.ts";

/** `samples_<task>_<timestamp>.<ext>`: the task, and the run's time stamp when there is one. */
const SAMPLES_FILE = /^samples_(.+?)(?:_(\d{4}-\d{2}-\d{2}T[\d.:-]+))?\.(jsonl|parquet)$/i;

/** Whether a file name is an lm-evaluation-harness samples file. */
export function isSamplesFile(name: string): boolean {
  return SAMPLES_FILE.test(name);
}

/** The task a samples file holds, from its name. */
export function samplesTask(name: string): string {
  const match = SAMPLES_FILE.exec(name);
  if (!match) throw new RangeError(`not a samples file: ${name}`);
  return match[1];
}

/** One model's samples files. */
export interface ModelSamples {
  model: string;
  files: string[];
}

async function samplesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => compareText(a.name, b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await samplesIn(path)));
    else if (isSamplesFile(entry.name)) found.push(path);
  }
  return found;
}

/**
 * The models at `path`: a samples file (its model: the folder it is in); a folder holding samples
 * files itself (one model, the folder's name); or a folder of model folders (each model's
 * samples files found anywhere below its folder). Undefined where `path` holds no samples file.
 */
export async function findModelSamples(path: string): Promise<ModelSamples[] | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return undefined;
  }
  if (info.isFile()) return isSamplesFile(basename(path)) ? [{ model: basename(dirname(path)), files: [path] }] : undefined;
  if (!info.isDirectory()) return undefined;
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => compareText(a.name, b.name));
  const direct = entries.filter((e) => e.isFile() && isSamplesFile(e.name)).map((e) => join(path, e.name));
  if (direct.length > 0) return [{ model: basename(path), files: direct }];
  const models: ModelSamples[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await samplesIn(join(path, entry.name));
    if (files.length > 0) models.push({ model: entry.name, files });
  }
  return models.length > 0 ? models : undefined;
}

/** A number given as a number or as its text (the Leaderboard's details write "-1.25"). */
function numberOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  return NaN;
}

/** The continuation text of each choice's request, where `arguments` holds them. */
function choiceTexts(args: unknown): string[] | undefined {
  if (Array.isArray(args)) {
    const texts = args.map((a) => (Array.isArray(a) && typeof a[1] === "string" ? a[1] : undefined));
    return texts.every((t) => t !== undefined) ? (texts as string[]) : undefined;
  }
  if (args !== null && typeof args === "object") {
    const texts = Object.keys(args)
      .sort((a, b) => Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")))
      .map((k) => (args as Record<string, { arg_1?: unknown }>)[k]?.arg_1);
    return texts.every((t) => typeof t === "string") ? (texts as string[]) : undefined;
  }
  return undefined;
}

/** The correct choice's index: `target` as an index (number or digits), or as the text of one choice. */
function targetIndex(sample: Record<string, unknown>, choices: number, at: InputLocation): number {
  const target = sample.target;
  let index: number | undefined;
  if (typeof target === "number") index = target;
  else if (typeof target === "string" && /^\s*\d+\s*$/.test(target)) index = Number(target);
  else if (typeof target === "string") {
    const texts = choiceTexts(sample.arguments);
    const found = texts?.findIndex((t) => t.trim() === target.trim()) ?? -1;
    if (found < 0)
      throw new InputError(`target ${JSON.stringify(target)} is neither a choice's index nor the text of one of the ${choices} choices`, {
        ...at,
        column: "target",
      });
    index = found;
  }
  if (index === undefined || !Number.isInteger(index))
    throw new InputError(`target ${JSON.stringify(target)}: expected the correct choice's index (0 to ${choices - 1})`, {
      ...at,
      column: "target",
    });
  if (index < 0 || index >= choices)
    throw new InputError(`target ${index} is outside the ${choices} choices (0 to ${choices - 1})`, { ...at, column: "target" });
  return index;
}

/** The choices' log-likelihoods of one sample (`filtered_resps`: per choice [log-likelihood, is_greedy] or the log-likelihood). */
function logLikelihoods(sample: Record<string, unknown>, at: InputLocation): number[] {
  const resps = sample.filtered_resps;
  const where = { ...at, column: "filtered_resps" };
  if (!Array.isArray(resps)) throw new InputError("expected a list with one [log-likelihood, is_greedy] per choice", where);
  if (resps.length < 2) throw new InputError(`${resps.length} choice(s); expected at least 2 (a multiple-choice task)`, where);
  return resps.map((r, k) => {
    const value = numberOf(Array.isArray(r) ? r[0] : r);
    if (!Number.isFinite(value)) {
      const text = JSON.stringify(r);
      const generated = typeof r === "string" && Number.isNaN(value);
      throw new InputError(
        generated
          ? `choice ${k + 1} is text (${text}): a generated answer, not a log-likelihood; only multiple-choice (log-likelihood) tasks give probabilities`
          : `choice ${k + 1}: ${text} is not a finite log-likelihood`,
        where,
      );
    }
    return value;
  });
}

/** The samples of one file as objects with their line (JSON Lines) or row (Parquet, row r at "line" r + 1). */
async function readSamples(file: string): Promise<{ sample: Record<string, unknown>; line: number }[]> {
  if (/\.parquet$/i.test(file)) return readParquetSamples(file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InputError(`cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  }
  const samples: { sample: Record<string, unknown>; line: number }[] = [];
  decodeText(bytes, file)
    .split(/\r\n|\n|\r/)
    .forEach((text, i) => {
      if (text.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new InputError(`invalid JSON (${(error as Error).message}); expected one JSON object per line`, { file, line: i + 1 });
      }
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new InputError("expected a JSON object per line", { file, line: i + 1 });
      samples.push({ sample: value as Record<string, unknown>, line: i + 1 });
    });
  if (samples.length === 0) throw new InputError("no samples; expected one JSON object per document", { file });
  return samples;
}

/** The Leaderboard's details as Parquet: the same fields as columns, read through DuckDB as JSON. */
async function readParquetSamples(file: string): Promise<{ sample: Record<string, unknown>; line: number }[]> {
  const [{ DuckDBInstance }, { duckdbMessage, sqlString }] = await Promise.all([import("@duckdb/node-api"), import("./sql.ts")]);
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT to_json(columns(*)) FROM read_parquet(${sqlString(file)})`);
    const names = reader.columnNames();
    return reader.getRowsJS().map((row, r) => ({
      sample: Object.fromEntries(names.map((name, c) => [name, row[c] === null ? undefined : JSON.parse(String(row[c]))])),
      line: r + 1,
    }));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read as Parquet (${duckdbMessage(error)})`, { file });
  } finally {
    instance.closeSync();
  }
}

/**
 * The probability tables (one per task) of the models at `path` ({@link findModelSamples}):
 * each model's softmax over the choices' log-likelihoods per document. A model with two files
 * of one task, a document twice in a file, a document whose number of choices or correct choice
 * differs between models, and samples without log-likelihoods are errors naming file and line.
 */
export async function readLmEvalSamples(path: string): Promise<ProbabilityTable[]> {
  const models = await findModelSamples(path);
  if (!models) throw new InputError("no lm-evaluation-harness samples files (samples_<task>_<time>.jsonl) found", { file: path });
  const builders = new Map<string, ProbabilityTableBuilder>();
  for (const { model, files } of models) {
    const taskFile = new Map<string, string>();
    for (const file of files) {
      const task = samplesTask(basename(file));
      const earlier = taskFile.get(task);
      if (earlier)
        throw new InputError(
          `a second samples file of task "${task}" for model "${model}" (the first: ${earlier}); keep one run per task and model`,
          { file },
        );
      taskFile.set(task, file);
      let builder = builders.get(task);
      if (!builder) builders.set(task, (builder = new ProbabilityTableBuilder(task)));
      const seen = new Map<string, number>();
      for (const { sample, line } of await readSamples(file)) {
        const at = { file, line };
        const id = sample.doc_id;
        if (typeof id !== "number" && typeof id !== "string")
          throw new InputError(`doc_id ${JSON.stringify(id)}: expected the document's number`, { ...at, column: "doc_id" });
        const key = String(id);
        const first = seen.get(key);
        if (first !== undefined)
          throw new InputError(`doc_id ${key} a second time (first at line ${first}); expected one sample per document (one filter)`, {
            ...at,
            column: "doc_id",
          });
        seen.set(key, line);
        const lls = logLikelihoods(sample, at);
        const options = lls.map((_, k) => String(k));
        const truth = targetIndex(sample, lls.length, at);
        const item = builder.item({ unit: "all", key, options, truth: String(truth) }, at);
        builder.probabilities(model, item, softmaxOf(lls), at);
      }
    }
  }
  return [...builders.keys()].sort(compareText).map((task) => builders.get(task)!.build());
}
