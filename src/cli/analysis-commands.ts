/**
 * Flags and help of the four analysis commands: observers, pairs, summary and shape-bias. Their
 * work (./analysis.ts: the readers, the kernel, DuckDB where needed) is loaded only when one of
 * them runs.
 */
import { type Command, Option } from "commander";
import type { ObserversFlags, PairsFlags, ShapeBiasFlags, SummaryFlags } from "./analysis.ts";
import { configureCommand } from "./command.ts";
import { EXAMPLE_DATA } from "./examples.ts";
import type { CliIO } from "./io.ts";
import { addMetricOptions } from "./metric-pairs.ts";
import { PAIR_CI_HELP, SUMMARY_BOOTSTRAP_HELP, addAnalysisOptions, addByOption, addInputOptions, addOutputOptions } from "./options.ts";

/** Registers `trialwise observers`, `pairs`, `summary` and `shape-bias`. */
export function addAnalysisCommands(program: Command, io: CliIO): void {
  const command = (name: string, description: string, examples: string[]) =>
    configureCommand(program.command(name).description(description), io, examples);

  addOutputOptions(
    addByOption(
      addInputOptions(
        command("observers", "One row per dataset and observer: trials, correct, na answers, accuracy.", [
          `trialwise observers ${EXAMPLE_DATA}/texture-shape_cue-conflict`,
          `trialwise observers ${EXAMPLE_DATA} --by condition --format table`,
        ]).argument("<path>", "trial file, folder of trial files (a dataset) or folder of datasets"),
      ),
    ),
  ).action(async (path: string, flags: ObserversFlags) => (await import("./analysis.ts")).observers(path, flags, io));

  addMetricOptions(
    addOutputOptions(
      addAnalysisOptions(
        addInputOptions(
          command("pairs", "Error consistency of every pair of observers, on trials matched by stimulus.", [
            `trialwise pairs ${EXAMPLE_DATA}/texture-shape_cue-conflict --observers resnet50,cornet-s --format table`,
            `trialwise pairs ${EXAMPLE_DATA} --by condition --intersect > pairs.csv`,
            "trialwise pairs runs.jsonl --observer-col model --stimulus-col image --correct-col hit",
            "trialwise pairs lm-eval-output/ --metric capa",
          ]).argument(
            "<path>",
            "trial file, folder of trial files (a dataset) or folder of datasets; with --metric also lm-evaluation-harness samples or a probability table",
          ),
        ),
      ),
    ),
  )
    .option("--observers <names>", "only pairs among these observers (comma-separated)")
    .option("--skipped <file>", "also write every skipped pair, with its counts, to this CSV file")
    .addOption(
      new Option(
        "--ci <method>",
        "append each pair's confidence interval (ci_lower, ci_upper): trial bootstrap percentile or BCa, analytic, or jeffreys (posterior draws; holds where a cell is empty)",
      ).choices(["percentile", "bca", "analytic", "jeffreys"]),
    )
    .option("--bootstrap <n>", PAIR_CI_HELP.bootstrap)
    .option("--seed <n>", PAIR_CI_HELP.seed)
    .option("--level <p>", PAIR_CI_HELP.level)
    .option(
      "--normalized",
      "append kappa_normalized = kappa / kappa_max, a descriptive scale (1: as consistent as the accuracies allow), not a test",
    )
    .action(async (path: string, flags: PairsFlags) => (await import("./analysis.ts")).pairs(path, flags, io));

  addMetricOptions(
    addOutputOptions(
      addAnalysisOptions(
        addInputOptions(
          command(
            "summary",
            "Mean kappa per pair type (human-human, model-model, model-human) and each model's mean kappa with the humans, with normal 95% half-widths (1.959964 sd / sqrt(n)).",
            [
              `trialwise summary ${EXAMPLE_DATA} --format table`,
              `trialwise summary ${EXAMPLE_DATA}/texture-shape_edges --models alexnet,resnet50,vgg16-bn`,
            ],
          ).argument("<path>", "trial file, folder of trial files (a dataset) or folder of datasets"),
        ),
      ),
    ),
  )
    .option("--models <names>", "only these models take part (comma-separated); humans always do")
    .option("--bootstrap <n>", SUMMARY_BOOTSTRAP_HELP.bootstrap)
    .option("--hierarchical", "the bootstrap also resamples the humans")
    .option("--seed <n>", SUMMARY_BOOTSTRAP_HELP.seed)
    .option("--level <p>", SUMMARY_BOOTSTRAP_HELP.level)
    .action(async (path: string, flags: SummaryFlags) => (await import("./analysis.ts")).summary(path, flags, io));

  addOutputOptions(
    addInputOptions(
      command(
        "shape-bias",
        "Shape bias on cue-conflict data: shape / (shape + texture) responses, leaving out stimuli whose texture and shape categories coincide; humans also pooled.",
        [`trialwise shape-bias ${EXAMPLE_DATA}/texture-shape_cue-conflict --format table`, `trialwise shape-bias ${EXAMPLE_DATA}`],
      ).argument("<path>", "cue-conflict trial data (a collection: its cue-conflict datasets are used)"),
    ),
  ).action(async (path: string, flags: ShapeBiasFlags) => (await import("./analysis.ts")).shapeBias(path, flags, io));
}
