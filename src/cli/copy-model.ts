/** `trialwise copy-model`: Klein et al.'s copy model fitted to one pair, with an interval on its copy probability. */
import { type Command, Option } from "commander";
import type { CopyProbabilityMethod } from "../core/copy-model.ts";
import { UsageError } from "../core/errors.ts";
import type { PairCounts } from "../core/metrics.ts";
import type { TrialTable } from "../core/trials.ts";
import type { OutputFormat } from "../io/format.ts";
import { configureCommand } from "./command.ts";
import { REPLICATES_LIMIT_HELP, nameList, probability, replicates, seed } from "./flags.ts";
import { emitObject } from "./emit-object.ts";
import type { CliIO } from "./io.ts";
import { type InputFlags, addInputOptions, loadOptions } from "./options.ts";
import { LONG_WORK_MS, stepReporter } from "./progress.ts";

interface CopyModelFlags extends InputFlags {
  pair: string;
  dataset?: string;
  condition?: string;
  intersect?: boolean;
  method: CopyProbabilityMethod;
  bootstrap?: string;
  seed?: string;
  level?: string;
  format?: OutputFormat;
  output?: string;
}

/** The defaults shown in --help; the core's COPY_PROBABILITY_DEFAULTS (checked in the tests). */
const DEFAULTS = { method: "jeffreys", replicates: 10_000, seed: 1, level: 0.95 } as const;

/** Registers `trialwise copy-model`. */
export function addCopyModelCommand(program: Command, io: CliIO): void {
  const data = '"$(trialwise data path geirhos2020)"/texture-shape_edges';
  const command = configureCommand(
    program
      .command("copy-model")
      .description(
        "Fit Klein et al.'s copy model to one pair: the more accurate observer leads; with probability |c| the other copies its correctness (its opposite when c < 0), otherwise it answers with its own latent accuracy. Reports c with an interval (Jeffreys posterior on the 2x2 table, or the trial bootstrap), the latent accuracy, and the small-sample kappa.",
      )
      .argument("<path>", "trial data"),
    io,
    [
      `trialwise copy-model ${data} --pair resnet50,subject-01 --format table`,
      `trialwise copy-model ${data} --pair resnet50,vgg19 --method percentile --bootstrap 20000`,
    ],
  );
  addInputOptions(command)
    .requiredOption("--pair <A,B>", "the two observers")
    .option("--dataset <name>", "the dataset, where the path holds several")
    .option("--condition <name>", "one condition only (default: all trials)")
    .option("--intersect", "pair observers with different stimulus sets on their common stimuli")
    .addOption(
      new Option(
        "--method <method>",
        "interval of c: jeffreys (posterior under the Jeffreys prior on the four cells) or percentile (trial bootstrap)",
      )
        .choices(["jeffreys", "percentile"])
        .default(DEFAULTS.method),
    )
    .option("--bootstrap <n>", `bootstrap replicates or posterior draws (default ${DEFAULTS.replicates}; ${REPLICATES_LIMIT_HELP})`)
    .option("--seed <n>", `seed of the draws (default ${DEFAULTS.seed}; 0 to 2^53 - 1; the same seed gives the same numbers)`)
    .option("--level <p>", `confidence level, above 0 and below 1 (default ${DEFAULTS.level})`)
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)").choices(["json", "csv", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output")
    .action((path: string, flags: CopyModelFlags) => copyModel(path, flags, io));
}

async function copyModel(path: string, flags: CopyModelFlags, io: CliIO): Promise<void> {
  const names = nameList("--pair", flags.pair);
  if (names.length !== 2) throw new UsageError(`--pair: expected two different observers "A,B", not "${flags.pair}"`);
  const options = {
    method: flags.method,
    replicates: flags.bootstrap === undefined ? DEFAULTS.replicates : replicates("--bootstrap", flags.bootstrap),
    seed: flags.seed === undefined ? DEFAULTS.seed : seed("--seed", flags.seed),
    level: flags.level === undefined ? DEFAULTS.level : probability("--level", flags.level),
  };
  const [
    { loadDatasets },
    { copyProbabilityInterval, fitCopyModel },
    { pairSeed, unbiasedKappa },
    { computePairs, pairCounts },
    { pairMetrics },
  ] = await Promise.all([
    import("../io/datasets.ts"),
    import("../core/copy-model.ts"),
    import("../core/pair-intervals.ts"),
    import("../core/pairs.ts"),
    import("../core/metrics.ts"),
  ]);
  const { datasets } = await loadDatasets(path, loadOptions(flags));
  const table = pickDataset(datasets, path, flags.dataset);
  for (const name of names)
    if (!table.observer.includes(name)) throw new UsageError(`--pair: no observer "${name}" in dataset "${table.dataset}"`);
  const result = computePairs(table, {
    observers: names,
    byCondition: flags.condition !== undefined,
    mismatch: flags.intersect ? "intersect" : "identical",
  });
  const condition = flags.condition ?? "all";
  const row = result.pairs.find((p) => p.condition === condition);
  if (!row)
    throw new UsageError(
      noPairReason(
        table,
        names,
        flags.condition,
        result.skipped.find((s) => s.condition === condition),
      ),
    );
  const counts: PairCounts = pairCounts(row);
  const metrics = pairMetrics(counts);
  const progress = stepReporter(io, "trialwise copy-model", "draws", { delayMs: LONG_WORK_MS });
  let interval: ReturnType<typeof copyProbabilityInterval>;
  try {
    interval = copyProbabilityInterval(counts, {
      ...options,
      seed: pairSeed(options.seed, names[0], names[1]),
      onProgress: (done, total) => progress.onProgress("drawing tables", done, total),
    });
  } finally {
    progress.stop();
  }
  const fit = metrics.kappa === null ? null : fitCopyModel(counts);
  const object = {
    dataset: table.dataset,
    condition,
    observer1: row.observer1,
    observer2: row.observer2,
    n_trials: counts.trials,
    acc1: metrics.acc1,
    acc2: metrics.acc2,
    kappa: metrics.kappa,
    kappa_unbiased: metrics.kappa === null || counts.trials < 2 ? null : unbiasedKappa(metrics.kappa, counts.trials),
    leader: fit === null ? null : fit.moreAccurate === 1 ? row.observer1 : row.observer2,
    c: interval.c,
    c_lower: interval.lower,
    c_upper: interval.upper,
    latent_accuracy: fit === null ? null : fit.latentAccuracy,
    method: interval.method,
    level: interval.level,
    replicates: interval.replicates,
    undefined_replicates: interval.undefined_replicates,
    seed: options.seed,
  };
  await emitObject(io, flags, object);
}

function pickDataset(datasets: readonly TrialTable[], path: string, wanted: string | undefined): TrialTable {
  const names = datasets.map((d) => d.dataset).join(", ");
  if (wanted !== undefined) {
    const found = datasets.find((d) => d.dataset === wanted);
    if (!found) throw new UsageError(`--dataset: no dataset "${wanted}" in ${path}; found ${names}`);
    return found;
  }
  if (datasets.length > 1) throw new UsageError(`${path} holds ${datasets.length} datasets; choose one with --dataset (${names})`);
  return datasets[0];
}

/** Why the pair has no 2x2 table: no trials in the condition, or stimulus sets that differ. */
function noPairReason(
  table: TrialTable,
  names: readonly string[],
  condition: string | undefined,
  skipped: { n_common: number; n_only_observer1: number; n_only_observer2: number; outcome: string } | undefined,
): string {
  if (skipped) {
    const sets = `${skipped.n_common} common stimuli, ${skipped.n_only_observer1} only ${names[0]} saw, ${skipped.n_only_observer2} only ${names[1]} saw`;
    return skipped.outcome === "skipped: no common stimuli"
      ? `--pair: ${names[0]} and ${names[1]} have no stimulus in common${condition === undefined ? "" : ` in condition "${condition}"`} (${sets})`
      : `--pair: the stimulus sets of ${names[0]} and ${names[1]} differ (${sets}); add --intersect to use the common stimuli`;
  }
  const conditionsOf = (name: string) => {
    const found = new Set<string>();
    for (let t = 0; t < table.length; t++) if (table.observer[t] === name) found.add(table.condition[t]);
    return [...found].map((c) => JSON.stringify(c)).join(", ");
  };
  return `--condition: the pair ${names[0]},${names[1]} has no trials in condition "${condition}" of dataset "${table.dataset}"; ${names[0]} has ${conditionsOf(names[0])}, ${names[1]} has ${conditionsOf(names[1])}`;
}
