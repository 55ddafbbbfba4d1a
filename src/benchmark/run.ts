/**
 * `trialwise benchmark model-vs-human run` and `merge`: one model on every dataset of the
 * benchmark through `trialwise evaluate`'s machinery, one trials file per dataset in the
 * model-vs-human schema, laid out as `score` reads it (Node only).
 *
 * Layout of `outDir`:
 * - `<dataset>/<dataset>_<name>_session-1.csv` (or .parquet): the trials of a whole run;
 * - `.shards/<dataset>/<dataset>_<name>_session-1.shard-<k>-of-<n>.csv`: shard k of n of a run
 *   with `shard`, joined into the former by {@link mergeRunShards}. The folder is hidden so that
 *   `score`, which skips hidden entries, never reads a part beside the whole;
 * - `.<file>.done` beside each trials file: what produced it (model file, stimuli, options), so
 *   that a repeated run skips the datasets it finished and redoes any whose inputs changed.
 * Checkpoints of interrupted datasets (`<file>.partial`) are resumed as `evaluate` resumes them.
 */
import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import { compareText } from "../core/trials.ts";
import { mergeShards } from "../evaluate/merge.ts";
import { type EvaluateOptions, evaluateModel, shardOf } from "../evaluate/run.ts";
import { writeFileAtomic } from "../io/output.ts";
import { BENCHMARK_DATASET_NAMES, type BenchmarkDataset, benchmarkDataset } from "./datasets.ts";
import { type DatasetStimuli, readDatasetStimuli } from "./stimuli.ts";

export type TrialFormat = "csv" | "parquet";

export interface Shard {
  readonly k: number;
  readonly n: number;
}

/** The folder of shard parts inside a run's output folder. */
export const SHARDS_FOLDER = ".shards";

/** `<dataset>_<name>_session-1.<ext>`: model-vs-human's file name of a model's trials. */
export function trialFileName(dataset: string, name: string, format: TrialFormat): string {
  return `${dataset}_${name}_session-1.${format}`;
}

/** Where a run writes a dataset's trials: the whole file, or with `shard` its part under .shards/. */
export function runOutputPath(outDir: string, dataset: string, name: string, format: TrialFormat, shard?: Shard): string {
  if (!shard) return join(outDir, dataset, trialFileName(dataset, name, format));
  return join(outDir, SHARDS_FOLDER, dataset, `${dataset}_${name}_session-1.shard-${shard.k}-of-${shard.n}.${format}`);
}

/** The model and how it is run: as `trialwise evaluate` takes them (./run.ts of evaluate). */
type ModelOptions = Pick<
  EvaluateOptions,
  "model" | "map" | "outputsAre" | "aggregation" | "spec" | "input" | "providers" | "batch" | "decoders" | "onNote"
>;

export interface BenchmarkRunOptions extends ModelOptions {
  /** The observer's name (`subj`) and the file names' `<name>`. */
  name: string;
  /** The stimuli: one folder per dataset (./stimuli.ts). */
  stimuliDir: string;
  datasets: readonly BenchmarkDataset[];
  outDir: string;
  format?: TrialFormat;
  shard?: Shard;
  /** Images classified (or found done) so far over the whole run, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface DatasetRun {
  readonly dataset: string;
  readonly output: string;
  readonly trials: number;
  /** Correct trials; null where the dataset was already done and not read again. */
  readonly correct: number | null;
  /** Images classified in this run (0: done before). */
  readonly evaluated: number;
}

/**
 * Reads and checks the stimuli of every dataset first (so that a missing folder or a file name
 * that cannot be read stops the run before anything is written), then evaluates the model on
 * each dataset in turn, writing its trials file atomically. A dataset whose trials file and
 * `.done` record match this run (same model file, stimuli, name and options) is skipped.
 */
export async function runBenchmarkModel(options: BenchmarkRunOptions): Promise<DatasetRun[]> {
  const format = options.format ?? "csv";
  const categories = "identity" in options.map ? options.map.identity : Object.keys(options.map.categories);
  const all = await readBenchmarkStimuli(options.stimuliDir, options.datasets, categories);
  const model = await stat(options.model).catch(() => undefined);
  if (!model?.isFile()) throw new InputError("no such file; expected an ONNX model", { file: options.model });
  const planned = all.map((d) => {
    const output = runOutputPath(options.outDir, d.dataset.name, options.name, format, options.shard);
    const count = options.shard ? shardOf(d.stimuli, options.shard).length : d.stimuli.length;
    const record = doneRecord(options, d, { size: model.size, modifiedMs: model.mtimeMs });
    return { ...d, output, count, record };
  });
  const total = planned.reduce((sum, d) => sum + d.count, 0);
  let finished = 0;
  const runs: DatasetRun[] = [];
  for (const d of planned) {
    const marker = doneMarker(d.output);
    if ((await readFile(marker, "utf8").catch(() => undefined)) === d.record && (await stat(d.output).catch(() => undefined))?.isFile()) {
      finished += d.count;
      options.onProgress?.(finished, total);
      runs.push({ dataset: d.dataset.name, output: d.output, trials: d.count, correct: null, evaluated: 0 });
      continue;
    }
    // The old record no longer describes the file about to be replaced.
    await rm(marker, { force: true });
    const { stimuliDir, datasets, outDir, format, onProgress, ...model } = options;
    const result = await evaluateModel({
      ...model,
      stimuli: d.folder,
      stimulusList: d.stimuli,
      output: d.output,
      onProgress: (done) => onProgress?.(finished + done, total),
    });
    await writeFileAtomic(marker, d.record);
    finished += d.count;
    runs.push({ dataset: d.dataset.name, output: d.output, trials: result.trials, correct: result.correct, evaluated: result.evaluated });
  }
  return runs;
}

/** The stimuli of `datasets` under `stimuliDir`; every missing dataset folder is named in one error. */
export async function readBenchmarkStimuli(
  stimuliDir: string,
  datasets: readonly BenchmarkDataset[],
  categories: readonly string[],
): Promise<DatasetStimuli[]> {
  if (!(await stat(stimuliDir).catch(() => undefined))?.isDirectory()) {
    throw new InputError(
      "no such folder; expected model-vs-human's stimuli, one folder per dataset (get them with `trialwise data fetch model-vs-human --stimuli`, or give --stimuli DIR)",
      { file: stimuliDir },
    );
  }
  const missing: string[] = [];
  for (const d of datasets) if (!(await stat(join(stimuliDir, d.name)).catch(() => undefined))?.isDirectory()) missing.push(d.name);
  if (missing.length > 0) {
    throw new InputError(
      `the stimuli of ${missing.length} dataset${missing.length === 1 ? "" : "s"} are missing: ${missing.join(", ")}; expected a folder per dataset (fetch them with \`trialwise data fetch model-vs-human --stimuli ${missing.join(" ")}\`, or choose datasets with --datasets)`,
      { file: stimuliDir },
    );
  }
  const read: DatasetStimuli[] = [];
  for (const d of datasets) read.push(await readDatasetStimuli(stimuliDir, d, categories));
  return read;
}

/** The `.done` record beside a trials file. */
function doneMarker(output: string): string {
  return join(dirname(output), `.${basename(output)}.done`);
}

/** What must match for a finished dataset to count as done: the model file, the stimuli and every option that changes a decision. */
function doneRecord(options: BenchmarkRunOptions, stimuli: DatasetStimuli, model: { size: number; modifiedMs: number }): string {
  const map = "identity" in options.map ? { identity: options.map.identity } : options.map;
  return `${JSON.stringify({
    trialwise_benchmark_run: 1,
    model: resolve(options.model),
    model_size: model.size,
    model_modified_ms: model.modifiedMs,
    stimuli: resolve(stimuli.folder),
    images: stimuli.stimuli.map((s) => `${s.category}/${s.condition}/${s.name}`),
    name: options.name,
    map,
    outputs: options.outputsAre ?? "logits",
    aggregation: options.aggregation ?? "mean",
    spec: options.spec ?? null,
    input: options.input ?? null,
    shard: options.shard ?? null,
  })}\n`;
}

/** One model's parts of one dataset, found under .shards/. */
interface ShardSet {
  dataset: string;
  name: string;
  format: TrialFormat;
  n: number;
  parts: Map<number, string>;
}

const PART = /^(.+)_session-1\.shard-(\d+)-of-(\d+)\.(csv|parquet)$/;

/** What {@link mergeRunShards} wrote: per model and dataset the trials file and its trial count. */
export interface MergedFile {
  readonly dataset: string;
  readonly name: string;
  readonly output: string;
  readonly trials: number;
}

/**
 * Joins every shard set in `outDir/.shards/` (from `run --shard k/n`) into
 * `outDir/<dataset>/<dataset>_<name>_session-1.<ext>`. All sets are checked before anything is
 * written: each must have all n parts, one n and one format per model and dataset; then each
 * set is joined by `trialwise merge`'s rules (one observer, trials 1..N each once). The parts
 * are kept.
 */
export async function mergeRunShards(outDir: string): Promise<MergedFile[]> {
  const root = join(outDir, SHARDS_FOLDER);
  const folders = await readdir(root, { withFileTypes: true }).catch(() => undefined);
  if (!folders) {
    throw new InputError(`no shard parts: expected the folder ${SHARDS_FOLDER}/ that \`run --shard k/n --out ${outDir}\` writes`, {
      file: root,
    });
  }
  const sets = new Map<string, ShardSet>();
  for (const folder of folders.filter((f) => !f.name.startsWith(".")).sort((a, b) => compareText(a.name, b.name))) {
    const where = join(root, folder.name);
    if (!folder.isDirectory() || !benchmarkDataset(folder.name)) {
      throw new InputError(
        `not a dataset's folder of shard parts; expected folders named after datasets (${BENCHMARK_DATASET_NAMES.join(", ")})`,
        {
          file: where,
        },
      );
    }
    for (const file of (await readdir(where)).filter((f) => !f.startsWith(".") && !f.endsWith(".partial")).sort(compareText)) {
      const match = PART.exec(file);
      const prefix = `${folder.name}_`;
      if (!match || !match[1].startsWith(prefix) || match[1].length === prefix.length) {
        throw new InputError(`not a shard part; expected ${prefix}<name>_session-1.shard-<k>-of-<n>.csv (or .parquet)`, {
          file: join(where, file),
        });
      }
      const name = match[1].slice(prefix.length);
      const [k, n, format] = [Number(match[2]), Number(match[3]), match[4] as TrialFormat];
      const key = `${folder.name}\u0000${name}`;
      const set = sets.get(key) ?? { dataset: folder.name, name, format, n, parts: new Map() };
      sets.set(key, set);
      if (set.n !== n || set.format !== format) {
        throw new InputError(
          `model "${name}" on ${folder.name} has parts of two runs: ${basename(set.parts.values().next().value ?? "")} and ${file}; expected the parts of one run (one n, one format; delete the other run's parts)`,
          { file: join(where, file) },
        );
      }
      if (!(k >= 1 && k <= n)) throw new InputError(`shard ${k} of ${n} cannot exist; expected 1 <= k <= n`, { file: join(where, file) });
      set.parts.set(k, join(where, file));
    }
  }
  if (sets.size === 0) throw new InputError(`no shard parts found; expected the parts that \`run --shard k/n\` writes`, { file: root });
  const incomplete = [...sets.values()]
    .sort((a, b) => BENCHMARK_DATASET_NAMES.indexOf(a.dataset) - BENCHMARK_DATASET_NAMES.indexOf(b.dataset) || compareText(a.name, b.name))
    .flatMap((set) =>
      Array.from({ length: set.n }, (_, i) => i + 1)
        .filter((k) => !set.parts.has(k))
        .map((k) => `${set.name} on ${set.dataset}: shard ${k} of ${set.n}`),
    );
  if (incomplete.length > 0) {
    throw new InputError(
      `shard parts are missing (${incomplete.slice(0, 5).join("; ")}${incomplete.length > 5 ? `; and ${incomplete.length - 5} more` : ""}); run those shards (or wait for them to finish), then merge again`,
      { file: root },
    );
  }
  const merged: MergedFile[] = [];
  const order = (set: ShardSet) => BENCHMARK_DATASET_NAMES.indexOf(set.dataset);
  for (const set of [...sets.values()].sort((a, b) => order(a) - order(b) || compareText(a.name, b.name))) {
    const output = runOutputPath(outDir, set.dataset, set.name, set.format);
    const parts = [...set.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, path]) => path);
    await mkdir(dirname(output), { recursive: true });
    // A whole run's record would claim the merged file as its own.
    await rm(doneMarker(output), { force: true });
    const trials = await mergeShards(parts, output);
    merged.push({ dataset: set.dataset, name: set.name, output, trials });
  }
  return merged;
}
