import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import type { Env } from "../io/fetch.ts";
import { configureCommand } from "./command.ts";
import { listItems, nameList, probability, replicates, seed, wholeNumber } from "./flags.ts";
import type { CliIO } from "./io.ts";
import type { Aggregation } from "../evaluate/decisions.ts";

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

interface RunFlags {
  name?: string;
  stimuli?: string;
  cache?: string;
  datasets?: string;
  out: string;
  shard?: string;
  format: "csv" | "parquet";
  card?: string;
  mapping: string;
  identity?: string;
  aggregation: Aggregation;
  outputs: "logits" | "probabilities";
  batch: string;
  decoders?: string;
  providers: string;
}

const DATASETS_HELP = "comma-separated datasets to score (default: all 17)";
const CACHE_HELP =
  "cache folder of `trialwise data fetch` (default: $TRIALWISE_CACHE, else $XDG_CACHE_HOME/trialwise, else ~/.cache/trialwise)";

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
 * Registers `trialwise benchmark model-vs-human run`, `merge` and `score`: a model's decisions on
 * the benchmark's stimuli, and the model-vs-human benchmark and Brain-Score's Geirhos2021
 * error-consistency scores, with intervals. `env` defaults to process.env.
 */
export function addBenchmarkCommand(program: Command, io: CliIO, env: Env = process.env): void {
  const benchmark = configureCommand(
    program.command("benchmark").description("Score models on a published benchmark of human decisions: model-vs-human (17 datasets)."),
    io,
    ["trialwise benchmark model-vs-human run resnet50.onnx --out runs/", "trialwise benchmark model-vs-human score runs/ --out benchmark/"],
  );
  const mvh = configureCommand(
    benchmark
      .command("model-vs-human")
      .description(
        "The model-vs-human benchmark (Geirhos et al. 2021): run a model on its stimuli and score models against its human data (17 datasets).",
      ),
    io,
    [
      "trialwise benchmark model-vs-human run resnet50.onnx --out runs/",
      "trialwise benchmark model-vs-human merge runs/",
      "trialwise benchmark model-vs-human score runs/ --out benchmark/",
    ],
  );
  addRunCommand(mvh, io, env);
  addShardMergeCommand(mvh, io);

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
      .option("--cache <dir>", CACHE_HELP)
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

/** `trialwise benchmark model-vs-human run`: one model on every dataset's stimuli, through evaluate. */
function addRunCommand(mvh: Command, io: CliIO, env: Env): void {
  configureCommand(
    mvh
      .command("run")
      .description(
        "Run an ONNX image classifier on the stimuli of every model-vs-human dataset (as `trialwise evaluate` does: preprocessing, model cards, the 1000 -> 16 mapping, decoding workers, resuming) " +
          "and write one trials file per dataset, <out>/<dataset>/<dataset>_<name>_session-1.csv, ready for `score`. A repeated run skips the datasets it finished.",
      )
      .argument("<model>", "the ONNX model (input N x 3 x 224 x 224 float32, or as its --card says)")
      .option("--name <name>", "the model's name: subj in the trials and <name> in the file names (default: the model file's name)")
      .option(
        "--stimuli <dir>",
        "model-vs-human's stimuli, one folder per dataset (<dataset>/dnn/session-1/<images> or <dataset>/<category>/<images>) (default: where `trialwise data fetch model-vs-human --stimuli` puts them, <cache>/model-vs-human/stimuli)",
      )
      .option("--cache <dir>", CACHE_HELP)
      .option("--datasets <names>", "comma-separated datasets to run (default: all 17)")
      .option("--out <dir>", "output folder; each dataset's file goes to <out>/<dataset>/", "model-vs-human-runs")
      .option(
        "--shard <k/n>",
        "run only shard k of n of every dataset, into <out>/.shards/ (deterministic; join the shards with `trialwise benchmark model-vs-human merge <out>`)",
      )
      .addOption(new Option("--format <format>", "trials file format").choices(["csv", "parquet"]).default("csv"))
      .addOption(
        new Option(
          "--card <file>",
          "a model card (JSON; see `trialwise evaluate --help`); instead of --mapping, --identity, --aggregation and --outputs",
        ).conflicts(["mapping", "identity", "aggregation", "outputs"]),
      )
      .option("--mapping <map>", "imagenet16, or a JSON label map {classes, categories: {name: [indices]}}", "imagenet16")
      .addOption(
        new Option("--identity <categories>", "the model outputs the 16 categories directly, in this order (comma-separated)").conflicts([
          "mapping",
          "aggregation",
        ]),
      )
      .addOption(
        new Option("--aggregation <how>", "how a category's class probabilities combine").choices(["mean", "sum", "max"]).default("mean"),
      )
      .addOption(new Option("--outputs <kind>", "what the model outputs").choices(["logits", "probabilities"]).default("logits"))
      .option("--batch <n>", "images per inference batch", "16")
      .option("--decoders <n>", "worker threads decoding and preprocessing images ahead of the model (default: the cores but one, up to 4)")
      .option("--providers <list>", "onnxruntime execution providers in order of preference (e.g. cuda,cpu)", "cpu"),
    io,
    [
      "trialwise benchmark model-vs-human run resnet50.onnx --name resnet50 --out runs/",
      "trialwise benchmark model-vs-human run vit.onnx --card vit.json --stimuli model-vs-human/datasets --datasets edge,silhouette --providers cuda,cpu",
      "trialwise benchmark model-vs-human run resnet50.onnx --name resnet50 --out runs/ --shard 2/8",
    ],
  ).action(async (model: string, flags: RunFlags) => {
    const [
      { runBenchmarkModel },
      { modelVsHumanStimuliDir },
      { isHumanObserver },
      evaluateCli,
      { modelName },
      { checkName },
      { stepReporter },
    ] = await Promise.all([
      import("../benchmark/run.ts"),
      import("../io/archive.ts"),
      import("../benchmark/datasets.ts"),
      import("./evaluate.ts"),
      import("../evaluate/run.ts"),
      import("../core/file-names.ts"),
      import("./progress.ts"),
    ]);
    const datasets = await chosenDatasets(flags.datasets);
    const name = flags.name ?? modelName(model);
    checkName(
      name,
      flags.name === undefined ? { file: model, what: "the model's name from the model file's name", flag: "--name" } : { flag: "--name" },
    );
    if (isHumanObserver(name))
      throw new UsageError(`--name: "${name}" starts with "subject-", model-vs-human's mark of a person; give the model another name`);
    const batch = wholeNumber("--batch", flags.batch, {
      min: 1,
      max: evaluateCli.MAX_BATCH,
      why: "a batch is one float32 tensor in memory",
    });
    const decoders =
      flags.decoders === undefined ? undefined : wholeNumber("--decoders", flags.decoders, { min: 1, max: evaluateCli.MAX_DECODERS });
    const shard = evaluateCli.shardFlag(flags.shard);
    const providers = nameList("--providers", flags.providers);
    const card = flags.card ? await evaluateCli.readCard(flags.card) : undefined;
    const map = card ? card.map : await evaluateCli.labelMap(flags);
    const stimuliDir = flags.stimuli ?? modelVsHumanStimuliDir(flags.cache, env);
    const progress = stepReporter(io, "trialwise benchmark", "images");
    const start = performance.now();
    try {
      const runs = await runBenchmarkModel({
        model,
        name,
        stimuliDir,
        datasets,
        outDir: flags.out,
        format: flags.format,
        shard,
        map,
        outputsAre: card ? card.outputs : flags.outputs,
        aggregation: card ? card.aggregation : flags.aggregation,
        spec: card?.spec,
        input: card?.input,
        providers,
        batch,
        decoders,
        onProgress: (done, total) =>
          progress.onProgress(`classifying the images of ${datasets.length} dataset${datasets.length === 1 ? "" : "s"}`, done, total),
        onNote: (message) => io.stderr(`trialwise benchmark: note: ${message}\n`),
      });
      progress.stop();
      for (const run of runs) {
        const accuracy = run.correct === null ? "done before, skipped" : `accuracy ${(run.correct / run.trials).toFixed(4)}`;
        io.stderr(`trialwise benchmark: ${run.dataset}: ${run.trials} trials, ${accuracy}, ${run.output}\n`);
      }
      const evaluated = runs.reduce((sum, r) => sum + r.evaluated, 0);
      const seconds = (performance.now() - start) / 1000;
      io.stderr(
        `trialwise benchmark: ${name} on ${runs.length} dataset${runs.length === 1 ? "" : "s"}${shard ? ` (shard ${shard.k} of ${shard.n})` : ""}: ${evaluated} images classified in ${seconds.toFixed(1)} s; ` +
          (shard
            ? `join the shards with: trialwise benchmark model-vs-human merge ${flags.out}\n`
            : `score with: trialwise benchmark model-vs-human score ${flags.out}\n`),
      );
      io.stdout(`${flags.out}\n`);
    } finally {
      progress.stop();
    }
  });
}

/** `trialwise benchmark model-vs-human merge`: joins the shard parts of `run --shard k/n`. */
function addShardMergeCommand(mvh: Command, io: CliIO): void {
  configureCommand(
    mvh
      .command("merge")
      .description(
        "Join the shard parts that `run --shard k/n --out <out>` wrote (in <out>/.shards/) into <out>/<dataset>/<dataset>_<name>_session-1.csv, for every model and dataset found. " +
          "Every part of every set must be there (nothing is written otherwise); trials are checked as `trialwise merge` checks them; the parts are kept.",
      )
      .argument("<out>", "the --out folder of the shard runs"),
    io,
    ["trialwise benchmark model-vs-human merge runs/ && trialwise benchmark model-vs-human score runs/ --out benchmark/"],
  ).action(async (out: string) => {
    const { mergeRunShards } = await import("../benchmark/run.ts");
    const merged = await mergeRunShards(out);
    const models = new Set(merged.map((m) => m.name)).size;
    for (const file of merged) io.stderr(`trialwise benchmark: ${file.name} on ${file.dataset}: ${file.trials} trials, ${file.output}\n`);
    io.stderr(
      `trialwise benchmark: merged ${merged.length} file${merged.length === 1 ? "" : "s"} of ${models} model${models === 1 ? "" : "s"}\n`,
    );
    io.stdout(`${out}\n`);
  });
}
