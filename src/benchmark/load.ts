/**
 * Reading the benchmark's inputs from disk (Node only): the human data (a model-vs-human
 * raw-data folder, `<dir>/<dataset>/*.csv`) and the models' trial files (files or folders, CSV
 * or Parquet, in the model-vs-human schema), each file assigned to its dataset.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../core/errors.ts";
import { compareText } from "../core/trials.ts";
import { readRawTable } from "../io/datasets.ts";
import { BENCHMARK_DATASETS, BENCHMARK_DATASET_NAMES, type BenchmarkDataset, benchmarkDataset } from "./datasets.ts";
import { type DatasetAnswers, addTrialFile, emptyDatasetAnswers } from "./trials.ts";

const TRIAL_FILE = /\.(csv|parquet)$/i;

/** Hidden entries and the files trialwise keeps beside its outputs (checkpoints, manifests). */
function skipped(name: string): boolean {
  return name.startsWith(".") || /\.partial$/.test(name);
}

/** The trial files under `path` (a file, or a folder searched to any depth), sorted. */
async function trialFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError("no such file or folder; expected trial files (CSV or Parquet) or a folder of them", { file: path });
  if (info.isFile()) return [path];
  const found: string[] = [];
  const walk = async (folder: string) => {
    const entries = (await readdir(folder, { withFileTypes: true }))
      .filter((e) => !skipped(e.name))
      .sort((a, b) => compareText(a.name, b.name));
    for (const entry of entries) {
      const full = join(folder, entry.name);
      const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isDirectory());
      if (isFolder) await walk(full);
      else if (TRIAL_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(path);
  return found;
}

/**
 * The dataset a model's trial file belongs to: its folder's name when that is a dataset
 * (model-vs-human's raw-data/<dataset>/), else the dataset its name starts with followed by
 * "_" (`<dataset>_<model>_session-1.csv`, the longest such name).
 */
export function datasetOfFile(file: string): BenchmarkDataset {
  const folder = benchmarkDataset(basename(dirname(file)));
  if (folder) return folder;
  const name = basename(file);
  const byName = BENCHMARK_DATASETS.filter((d) => name.startsWith(`${d.name}_`)).sort((a, b) => b.name.length - a.name.length)[0];
  if (byName) return byName;
  throw new InputError(
    `cannot tell which dataset this file holds: expected it in a folder named after the dataset or named <dataset>_<model>_session-1.csv, with <dataset> one of ${BENCHMARK_DATASET_NAMES.join(", ")}`,
    { file },
  );
}

/** What was read: per dataset the answers, and notes for the user. */
export interface LoadedBenchmark {
  readonly answers: Map<string, DatasetAnswers>;
  readonly notes: string[];
}

/**
 * Reads the human data of `datasets` from `humansDir/<dataset>/` (every CSV or Parquet file
 * there; rows of observers that are not people are ignored) and every trial file under
 * `modelPaths` (rows of people there are ignored, with a note). A model file of a dataset that
 * is not scored is an error, so that no input is silently left out.
 */
export async function loadBenchmark(
  humansDir: string,
  modelPaths: readonly string[],
  datasets: readonly BenchmarkDataset[],
): Promise<LoadedBenchmark> {
  const answers = new Map(datasets.map((d) => [d.name, emptyDatasetAnswers(d)]));
  const notes: string[] = [];
  const humansInfo = await stat(humansDir).catch(() => undefined);
  if (!humansInfo?.isDirectory())
    throw new InputError("no such folder; expected the human data, a folder with one subfolder per dataset (model-vs-human's raw-data/)", {
      file: humansDir,
    });
  for (const dataset of datasets) {
    const folder = join(humansDir, dataset.name);
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory())
      throw new InputError(
        `the human data lack dataset ${dataset.name}: no folder ${dataset.name}/ here; expected model-vs-human's raw-data/ folder`,
        { file: humansDir },
      );
    const files = (await trialFiles(folder)).filter((f) => dirname(f) === folder);
    if (files.length === 0)
      throw new InputError(`no trial files for dataset ${dataset.name}; expected its human trials as CSV files`, { file: folder });
    for (const file of files) addTrialFile(answers.get(dataset.name)!, await readRawTable(file), "humans");
  }
  let peopleRows = 0;
  const peopleFiles = new Set<string>();
  const modelFiles = new Set<string>();
  for (const path of modelPaths) {
    const files = await trialFiles(path);
    if (files.length === 0) throw new InputError("no trial files (CSV or Parquet) here; expected the models' trials", { file: path });
    for (const file of files) {
      if (modelFiles.has(file)) continue;
      modelFiles.add(file);
      const dataset = datasetOfFile(file);
      const target = answers.get(dataset.name);
      if (!target) {
        throw new InputError(
          `this file holds trials of dataset ${dataset.name}, which is not scored (--datasets); leave it out or add the dataset`,
          { file },
        );
      }
      const skippedRows = addTrialFile(target, await readRawTable(file), "models");
      if (skippedRows > 0) {
        peopleRows += skippedRows;
        peopleFiles.add(file);
      }
    }
  }
  if (peopleRows > 0)
    notes.push(
      `left out ${peopleRows} trials of people ("subject-..." observers) in ${peopleFiles.size} file(s) of the models' path; the humans come from the human data`,
    );
  return { answers, notes };
}
