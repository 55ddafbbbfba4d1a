import type { Command } from "commander";
import { UsageError } from "../core/errors.ts";
import type { Env } from "../io/fetch.ts";
import { configureCommand } from "./command.ts";
import { listItems, probability, replicates, seed } from "./flags.ts";
import type { CliIO } from "./io.ts";

interface ScoreFlags {
  humans?: string;
  cache?: string;
  out: string;
  datasets?: string;
  kappaUndefined?: boolean;
  bootstrap: string;
  seed: string;
  level: string;
}

const DATASETS_HELP = "comma-separated datasets to score (default: all 17)";

/** The --datasets flag: known names, each once, in the benchmark's order. */
async function chosenDatasets(value: string | undefined) {
  const { BENCHMARK_DATASETS, BENCHMARK_DATASET_NAMES } = await import("../benchmark/datasets.ts");
  if (value === undefined) return BENCHMARK_DATASETS;
  const names = listItems("--datasets", value);
  const unknown = names.filter((n) => !BENCHMARK_DATASET_NAMES.includes(n));
  if (unknown.length > 0)
    throw new UsageError(
      `--datasets: unknown dataset${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${BENCHMARK_DATASET_NAMES.join(", ")}`,
    );
  return BENCHMARK_DATASETS.filter((d) => names.includes(d.name));
}

/**
 * Registers `trialwise benchmark model-vs-human score` (and `run`): the model-vs-human benchmark
 * and Brain-Score's Geirhos2021 error-consistency scores, with intervals. `env` defaults to
 * process.env.
 */
export function addBenchmarkCommand(program: Command, io: CliIO, env: Env = process.env): void {
  const benchmark = configureCommand(
    program.command("benchmark").description("Score models on a published benchmark of human decisions: model-vs-human (17 datasets)."),
    io,
    ["trialwise benchmark model-vs-human score my-runs/ --out benchmark/"],
  );
  const mvh = configureCommand(
    benchmark
      .command("model-vs-human")
      .description("The model-vs-human benchmark (Geirhos et al. 2021): score models against its human data (17 datasets)."),
    io,
    ["trialwise benchmark model-vs-human score runs/ --out benchmark/"],
  );

  configureCommand(
    mvh
      .command("score")
      .description(
        "Score models against model-vs-human's human data: its four metrics (OOD accuracy, accuracy difference, observed and error consistency) with its conventions and ranks, Brain-Score's human ceiling and raw and ceiled scores per dataset, " +
          "95% intervals (joint bootstrap over stimuli and people), chance values, kappa bounds, and paired comparisons. Writes benchmark.json, leaderboard.csv, comparisons.csv and index.html into --out.",
      )
      .argument(
        "<models...>",
        "models' trial files or folders of them (CSV or Parquet, model-vs-human schema; the dataset from the folder name or <dataset>_<model>_session-1.csv)",
      )
      .option(
        "--humans <dir>",
        "the human data: model-vs-human's raw-data/ folder (default: $TRIALWISE_MODEL_VS_HUMAN_DATA, else what `trialwise data fetch model-vs-human` put in the cache)",
      )
      .option(
        "--cache <dir>",
        "cache folder of `trialwise data fetch` (default: $TRIALWISE_CACHE, else $XDG_CACHE_HOME/trialwise, else ~/.cache/trialwise)",
      )
      .option("--out <dir>", "output folder (new, empty, or one trialwise wrote)", "model-vs-human-benchmark")
      .option("--datasets <names>", DATASETS_HELP)
      .option(
        "--kappa-undefined",
        "count a kappa with c_obs = 1 and c_exp = 1 as undefined (left out of means) instead of model-vs-human's kappa = 1",
      )
      .option("--bootstrap <n>", "bootstrap replicates for the intervals (0: none)", "1000")
      .option("--seed <n>", "seed of the bootstrap", "1")
      .option("--level <p>", "level of the intervals", "0.95"),
    io,
    [
      "trialwise benchmark model-vs-human score runs/ --out benchmark/",
      "trialwise benchmark model-vs-human score runs/resnet50 runs/vit --humans model-vs-human/raw-data --datasets edge,silhouette,cue-conflict",
    ],
  ).action(async (models: string[], flags: ScoreFlags) => {
    const datasets = await chosenDatasets(flags.datasets);
    const bootstrap = replicates("--bootstrap", flags.bootstrap, 0);
    const seedValue = seed("--seed", flags.seed);
    const level = probability("--level", flags.level);
    const [{ runScore }, { locateModelVsHumanData }, { stepReporter, LONG_WORK_MS }, { VERSION }] = await Promise.all([
      import("../benchmark/run-score.ts"),
      import("../io/fetch.ts"),
      import("./progress.ts"),
      import("../version.ts"),
    ]);
    const humansDir = await locateModelVsHumanData({ data: flags.humans, env, cache: flags.cache });
    const progress = stepReporter(io, "trialwise benchmark", undefined, { delayMs: LONG_WORK_MS });
    try {
      const result = await runScore({
        humansDir,
        modelPaths: models,
        outDir: flags.out,
        datasets,
        kappaRule: flags.kappaUndefined ? "undefined" : "one",
        replicates: bootstrap,
        seed: seedValue,
        level,
        version: VERSION,
        onProgress: progress.onProgress,
        onNote: (message) => io.stderr(`trialwise benchmark: note: ${message}\n`),
      });
      progress.stop();
      const rule = flags.kappaUndefined
        ? "kappa undefined where c_obs = c_exp = 1 (--kappa-undefined)"
        : "kappa = 1 where c_obs = 1, as model-vs-human (--kappa-undefined: undefined instead)";
      io.stderr(
        `trialwise benchmark: ${result.models} model${result.models === 1 ? "" : "s"} on ${datasets.length} dataset${datasets.length === 1 ? "" : "s"} (${rule}); ` +
          `read in ${result.seconds.reading.toFixed(1)} s, scored in ${result.seconds.scoring.toFixed(1)} s (${bootstrap} replicates), report in ${result.seconds.report.toFixed(1)} s; written to ${flags.out}\n`,
      );
      io.stdout(`${flags.out}\n`);
    } finally {
      progress.stop();
    }
  });
}
