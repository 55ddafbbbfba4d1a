/**
 * The `trialwise` command line: every command's flags and help, defined here or by the add*
 * functions of its module; a command's work is loaded (dynamic import) only when it runs, so
 * `trialwise --help` and a small command start without loading what the others need (DuckDB,
 * ONNX Runtime, sharp, fastify, Vega).
 */
import { Command, CommanderError, Option } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import { VERSION } from "../version.ts";
import { addBenchCommand } from "./bench.ts";
import { addBenchmarkCommand } from "./benchmark.ts";
import { addCopyModelCommand } from "./copy-model.ts";
import { configureCommand } from "./command.ts";
import { addDataCommand } from "./data.ts";
import { addEvaluateCommand, addMergeCommand } from "./evaluate.ts";
import { addExperimentCommand } from "./experiment.ts";
import type { CliIO } from "./io.ts";
import type { ObserversFlags, PairsFlags, ShapeBiasFlags, SummaryFlags } from "./analysis.ts";
import { SUMMARY_BOOTSTRAP_HELP, addAnalysisOptions, addByOption, addInputOptions, addOutputOptions } from "./options.ts";
import { PAIR_CI_HELP } from "./pair-extras.ts";
import { addMetricOptions } from "./metric-pairs.ts";
import { addReproduceCommand } from "./reproduce.ts";
import { addServeCommand } from "./serve.ts";
import { addUncertaintyCommands } from "./uncertainty.ts";

export type { CliIO } from "./io.ts";

/** The published data in the examples: where `trialwise data fetch geirhos2020` put it. */
const EXAMPLE_DATA = '"$(trialwise data path geirhos2020)"';

/**
 * Runs the `trialwise` command line and returns its exit code: 0 success, 1 bad input
 * (message names file, line and column), 2 usage error.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr(`trialwise: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`trialwise: error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function buildProgram(io: CliIO): Command {
  const program = new Command("trialwise")
    .description("Trial-by-trial error consistency (Cohen's kappa on correct/wrong) between observers.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const configure = (sub: Command, examples: string[]) => configureCommand(sub, io, examples);
  const command = (name: string, description: string, examples: string[]) =>
    configure(program.command(name).description(description), examples);

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

  addUncertaintyCommands(program, io, configure);
  addReproduceCommand(program, io);
  addServeCommand(program, io);
  addEvaluateCommand(program, io);
  addMergeCommand(program, io);
  addBenchCommand(program, io);
  addBenchmarkCommand(program, io);
  addCopyModelCommand(program, io);
  addDataCommand(program, io);
  addExperimentCommand(program, io);
  return program;
}
