/** `trialwise benchmark model-vs-human score`: from trial files to the benchmark folder (Node only). */
import { InputError } from "../core/errors.ts";
import { compareText } from "../core/trials.ts";
import { writeDirectoryAtomic, checkOutputFolder } from "../io/output.ts";
import { renderSvg } from "../report/render.ts";
import { BENCHMARK_DATASETS, type BenchmarkDataset } from "./datasets.ts";
import { loadBenchmark } from "./load.ts";
import { benchmarkFigures, benchmarkHtml, benchmarkJson, comparisonsCsv, leaderboardCsv } from "./report.ts";
import { type BenchmarkScores, type KappaRule, scoreBenchmark } from "./score.ts";
import { prepareDataset } from "./trials.ts";

export interface ScoreRunOptions {
  humansDir: string;
  modelPaths: readonly string[];
  outDir: string;
  datasets?: readonly BenchmarkDataset[];
  kappaRule?: KappaRule;
  replicates?: number;
  seed?: number;
  level?: number;
  version: string;
  onProgress?: (step: string, done: number, total: number) => void;
  onNote?: (message: string) => void;
}

export interface ScoreRunResult {
  scores: BenchmarkScores;
  models: number;
  seconds: { reading: number; scoring: number; report: number };
}

/**
 * Reads the human data and the models' trials, scores every model on every chosen dataset and
 * writes benchmark.json, leaderboard.csv, comparisons.csv and index.html into `outDir` (whole or
 * not at all). Every model must have trials on every chosen dataset.
 */
export async function runScore(options: ScoreRunOptions): Promise<ScoreRunResult> {
  const datasets = options.datasets ?? BENCHMARK_DATASETS;
  const progress = options.onProgress ?? (() => undefined);
  // Refuse an output folder that cannot be written before the work.
  await checkOutputFolder(options.outDir, [options.humansDir, ...options.modelPaths]);
  const started = performance.now();
  progress("reading trials", 0, 0);
  const loaded = await loadBenchmark(options.humansDir, options.modelPaths, datasets);
  for (const note of loaded.notes) options.onNote?.(note);
  const models = [...new Set([...loaded.answers.values()].flatMap((a) => [...a.models.keys()]))].sort(compareText);
  if (models.length === 0)
    throw new InputError(
      'no model trials found in the models\' path; expected trial files of models (observers whose name does not start with "subject-")',
    );
  for (const model of models) {
    const lacking = datasets.filter((d) => !loaded.answers.get(d.name)!.models.has(model)).map((d) => d.name);
    if (lacking.length > 0) {
      throw new InputError(
        `model "${model}" has no trials on ${lacking.length === datasets.length ? "any dataset" : lacking.join(", ")}; expected a file <dataset>_${model}_session-1.csv for each of the ${datasets.length} datasets (choose datasets with --datasets)`,
      );
    }
  }
  const prepared = datasets.map((d) => prepareDataset(loaded.answers.get(d.name)!, models));
  const read = performance.now();
  const scores = scoreBenchmark(prepared, {
    kappaRule: options.kappaRule,
    replicates: options.replicates,
    seed: options.seed,
    level: options.level,
    onProgress: (done, total) => progress("bootstrap replicates", done, total),
  });
  const scored = performance.now();
  const meta = { version: options.version, humansDir: options.humansDir, modelPaths: options.modelPaths };
  const figures = benchmarkFigures(scores);
  const rendered = [];
  for (const [i, figure] of figures.entries()) {
    progress("drawing figures", i, figures.length);
    rendered.push({ ...figure, svg: await renderSvg(figure.spec) });
  }
  const files = new Map<string, string>([
    ["benchmark.json", benchmarkJson(scores, meta)],
    ["leaderboard.csv", leaderboardCsv(scores)],
    ["comparisons.csv", comparisonsCsv(scores)],
    ["index.html", benchmarkHtml(scores, rendered, meta)],
  ]);
  await writeDirectoryAtomic(options.outDir, files, { inputs: [options.humansDir, ...options.modelPaths] });
  const done = performance.now();
  return {
    scores,
    models: models.length,
    seconds: { reading: (read - started) / 1000, scoring: (scored - read) / 1000, report: (done - scored) / 1000 },
  };
}
