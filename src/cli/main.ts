import { Command, CommanderError, Option } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import { OBSERVER_COLUMNS, observerStats } from "../core/observers.ts";
import type { StimulusMismatch } from "../core/pairs.ts";
import { SHAPE_BIAS_COLUMNS, isCueConflict, shapeBias } from "../core/shape-bias.ts";
import { PairSummarizer, SUMMARY_COLUMNS, type SummaryRow } from "../core/summary.ts";
import { loadDatasets } from "../io/datasets.ts";
import { trialFileKind } from "../io/duckdb.ts";
import { type StreamUnit, pairCount, streamPairs } from "../kernel/pairs.ts";
import { type OutputFormat, type Row, toCsv, toJson, toTable } from "../io/format.ts";
import { outputFormat, writeFileAtomic } from "../io/output.ts";
import { VERSION } from "../version.ts";
import { addBenchCommand } from "./bench.ts";
import { configureCommand } from "./command.ts";
import { addDataCommand } from "./data.ts";
import { addEvaluateCommand, addMergeCommand } from "./evaluate.ts";
import { addExperimentCommand } from "./experiment.ts";
import { addReproduceCommand } from "./reproduce.ts";
import { addServeCommand } from "./serve.ts";
import { PAIR_CI_HELP, type PairExtras, pairExtrasOptions } from "./pair-extras.ts";
import { PairNotes } from "./pair-notes.ts";
import { PairingTally, noPairsReasons } from "../core/no-pairs.ts";
import { checkPairTable, openPairTable, pairTableFormatOf } from "./pairs-output.ts";
import { streamedPairs } from "./pairs-stream.ts";
import { stepReporter } from "./progress.ts";
import { SUMMARY_BOOTSTRAP_HELP, bootstrapSettings } from "./options.ts";
import { nameList } from "./flags.ts";
import { withBootstrapIntervals } from "./summary-intervals.ts";
import { addUncertaintyCommands } from "./uncertainty.ts";
import {
  type AnalysisFlags,
  type InputFlags,
  type OutputFlags,
  addAnalysisOptions,
  addByOption,
  addInputOptions,
  addOutputOptions,
  checkNames,
  loadOptions,
  pairOptions,
} from "./options.ts";

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether standard output is a terminal (decides the default format). */
  isTTY: boolean;
  /** Resolves when standard output has taken what was written (backpressure for long outputs); absent: at once. */
  stdoutDrained?: () => Promise<void>;
}

/** Pair tables of at least this many pairs show their progress. */
const PAIR_PROGRESS_MIN = 1_000_000;

const EXAMPLE_DATA = "../shared/data/geirhos2020/raw-data";

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
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help"
        ? 0
        : 2;
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

  const emit = async (flags: OutputFlags, rows: readonly Row[], columns: readonly string[], json: unknown) => {
    const format: OutputFormat = outputFormat(flags, { formats: ["csv", "json", "table"], isTTY: io.isTTY });
    const text = format === "json" ? toJson(json) : format === "table" ? toTable(rows, columns) : toCsv(rows, columns);
    if (flags.output) await writeFileAtomic(flags.output, text);
    else io.stdout(text);
  };
  const note = (text: string) => io.stderr(`trialwise: note: ${text}\n`);

  const load = async (path: string, flags: InputFlags) => {
    const { datasets, notes } = await loadDatasets(path, loadOptions(flags));
    notes.forEach(note);
    return datasets;
  };

  addOutputOptions(
    addByOption(
      addInputOptions(
        command("observers", "One row per dataset and observer: trials, correct, na answers, accuracy.", [
          `trialwise observers ${EXAMPLE_DATA}/texture-shape_cue-conflict`,
          `trialwise observers ${EXAMPLE_DATA} --by condition --format table`,
        ]).argument("<path>", "trial file, folder of trial files (a dataset) or folder of datasets"),
      ),
    ),
  ).action(async (path: string, flags: InputFlags & OutputFlags & Pick<AnalysisFlags, "by">) => {
    const datasets = await load(path, flags);
    const rows = datasets.flatMap((table) => observerStats(table, flags.by === "condition"));
    await emit(flags, rows, OBSERVER_COLUMNS, { observers: rows });
  });

  addOutputOptions(
    addAnalysisOptions(
      addInputOptions(
        command("pairs", "Error consistency of every pair of observers, on trials matched by stimulus.", [
          `trialwise pairs ${EXAMPLE_DATA}/texture-shape_cue-conflict --observers resnet50,cornet-s --format table`,
          `trialwise pairs ${EXAMPLE_DATA} --by condition --intersect > pairs.csv`,
          "trialwise pairs runs.jsonl --observer-col model --stimulus-col image --correct-col hit",
        ]).argument("<path>", "trial file, folder of trial files (a dataset) or folder of datasets"),
      ),
    ),
  )
    .option("--observers <names>", "only pairs among these observers (comma-separated)")
    .option("--skipped <file>", "also write every skipped pair, with its counts, to this CSV file")
    .addOption(
      new Option("--ci <method>", "append each pair's confidence interval (ci_lower, ci_upper): trial bootstrap percentile or BCa, or analytic").choices([
        "percentile",
        "bca",
        "analytic",
      ]),
    )
    .option("--bootstrap <n>", PAIR_CI_HELP.bootstrap)
    .option("--seed <n>", PAIR_CI_HELP.seed)
    .option("--level <p>", PAIR_CI_HELP.level)
    .option("--normalized", "append kappa_normalized = kappa / kappa_max, a descriptive scale (1: as consistent as the accuracies allow), not a test")
    .action(async (path: string, flags: InputFlags & OutputFlags & AnalysisFlags & PairExtras & { observers?: string; skipped?: string }) => {
      const options = pairOptions(flags);
      const observers = nameList("--observers", flags.observers);
      const extras = pairExtrasOptions(flags);
      // Parquet in the long format streams (any size); Parquet in the model-vs-human schema
      // (e.g. from `trialwise evaluate -o trials.parquet`) is read like CSV.
      if (trialFileKind(path) === "parquet" && loadOptions(flags).format?.kind === "long") {
        if (options.mismatch === "intersect" || observers || extras.columns.length > 0 || flags.skipped) {
          throw new UsageError("Parquet input is streamed: --intersect, --observers, --skipped, --ci and --normalized are not available for it");
        }
        const progress = stepReporter(io, "trialwise pairs");
        const written = await streamedPairs(path, {
          load: loadOptions(flags),
          byCondition: options.byCondition ?? false,
          strict: options.mismatch === "strict",
          undefinedKappa: options.undefinedKappa ?? "undefined",
          output: flags.output,
          format: flags.format,
          note,
          progress: progress.onProgress,
        });
        progress.stop();
        if (written.undefinedKappa > 0) note(`${written.undefinedKappa} pair(s) have undefined kappa (c_exp = 1: both observers all correct or all wrong)`);
        io.stderr(`trialwise pairs: ${written.rows} pairs written to ${flags.output}\n`);
        return;
      }
      const datasets = await load(path, flags);
      checkNames("--observers", observers, datasets);
      // Pairs stream from the kernel to the output, row by row: no pair is kept (but the aligned table's rows).
      const format = pairTableFormatOf(flags, io);
      const total = datasets.reduce((sum, table) => sum + pairCount(table, { ...options, observers }), 0);
      checkPairTable(format, total, extras);
      const notes = new PairNotes();
      const pairings = new PairingTally();
      const keepSkipped = format === "json" || flags.skipped !== undefined;
      const skipped: StimulusMismatch[] = [];
      const intersected: StimulusMismatch[] = [];
      const progress = stepReporter(io, "trialwise pairs");
      const step = extras.ci ? "bootstrapping pair intervals" : "computing pairs";
      const every = extras.ci ? 50 : total >= PAIR_PROGRESS_MIN ? 65536 : 0;
      let done = 0;
      const counted = () => {
        if (every > 0 && done++ % every === 0) progress.onProgress(step, done, total);
      };
      const output = await openPairTable(format, flags.output, io, extras);
      try {
        for (const table of datasets) {
          await streamPairs(
            table,
            { ...options, observers },
            {
              unit(unit) {
                pairings.unit(unit);
                output.unit(unit);
              },
              pair(i, j, type, metrics) {
                counted();
                notes.pair(metrics);
                output.pair(i, j, type, metrics);
              },
              mismatch(report) {
                notes.mismatch(report);
                pairings.mismatch(report);
                if (report.outcome === "computed on common stimuli") {
                  if (format === "json") intersected.push(report);
                } else {
                  counted();
                  if (keepSkipped) skipped.push(report);
                }
              },
              drain: () => output.drain(),
            },
          );
        }
        progress.stop();
        await output.finish({
          ...(extras.ci ? { ci: { method: extras.ci.method, level: extras.ci.level, replicates: extras.ci.method === "analytic" ? 0 : extras.ci.replicates, seed: extras.ci.seed } } : {}),
          skipped_pairs: skipped,
          intersected_pairs: intersected,
          undefined_kappa: notes.undefinedKappa,
        });
      } catch (error) {
        progress.stop();
        await output.abort();
        throw error;
      }
      notes.report(options.undefinedKappa, note);
      noPairsReasons(pairings.units, observers !== undefined).forEach(note);
      if (flags.skipped) await writeFileAtomic(flags.skipped, toCsv(skipped, MISMATCH_COLUMNS));
    });

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
  )
    .option("--models <names>", "only these models take part (comma-separated); humans always do")
    .option("--bootstrap <n>", SUMMARY_BOOTSTRAP_HELP.bootstrap)
    .option("--hierarchical", "the bootstrap also resamples the humans")
    .option("--seed <n>", SUMMARY_BOOTSTRAP_HELP.seed)
    .option("--level <p>", SUMMARY_BOOTSTRAP_HELP.level)
    .action(
      async (
        path: string,
        flags: InputFlags & OutputFlags & AnalysisFlags & { models?: string; bootstrap?: string; hierarchical?: boolean; seed?: string; level?: string },
      ) => {
        const options = pairOptions(flags);
        const models = nameList("--models", flags.models);
        const bootstrap = bootstrapSettings(flags);
        const datasets = await load(path, flags);
        checkNames("--models", models, datasets, "model");
        const rows: SummaryRow[] = [];
        const notes = new PairNotes();
        const noPairs: string[] = [];
        const progress = stepReporter(io, "trialwise summary");
        for (const [i, table] of datasets.entries()) {
          // Pairs stream into the summary, which keeps their kappas only.
          const summarizer = new PairSummarizer((o) => table.humans.has(o), models && new Set(models));
          let unit: StreamUnit | undefined;
          const pairings = new PairingTally((o) => table.humans.has(o) || !models || models.includes(o));
          await streamPairs(table, options, {
            unit(u) {
              unit = u;
              pairings.unit(u);
            },
            pair(a, b, type, metrics) {
              notes.pair(metrics);
              const { dataset, condition, observers } = unit!;
              summarizer.add({ dataset, condition, observer1: observers[a], observer2: observers[b], pair_type: type, kappa: metrics.kappa, c_exp: metrics.c_exp });
            },
            mismatch(report) {
              notes.mismatch(report);
              pairings.mismatch(report);
            },
          });
          noPairs.push(...noPairsReasons(pairings.units, models !== undefined));
          const summary = summarizer.rows();
          if (bootstrap.replicates === 0) rows.push(...summary);
          else {
            progress.onProgress("bootstrapping intervals", i, datasets.length);
            rows.push(...withBootstrapIntervals(summary, (row) => summarizer.undefinedKappa(row), table, options.byCondition ?? false, models, bootstrap, note));
          }
        }
        progress.stop();
        notes.report(options.undefinedKappa, note);
        noPairs.forEach(note);
        const columns = bootstrap.replicates === 0 ? SUMMARY_COLUMNS : [...SUMMARY_COLUMNS, "boot_lower", "boot_upper"];
        const about = bootstrap.replicates === 0 ? {} : { bootstrap: { method: bootstrap.hierarchical ? "hierarchical: stimuli and humans" : "joint stimulus bootstrap", interval: "percentile", ...bootstrap } };
        await emit(flags, rows, columns, { ...about, summary: rows });
      },
    );

  addOutputOptions(
    addInputOptions(
      command(
        "shape-bias",
        "Shape bias on cue-conflict data: shape / (shape + texture) responses, leaving out stimuli whose texture and shape categories coincide; humans also pooled.",
        [`trialwise shape-bias ${EXAMPLE_DATA}/texture-shape_cue-conflict --format table`, `trialwise shape-bias ${EXAMPLE_DATA}`],
      ).argument("<path>", "cue-conflict trial data (a collection: its cue-conflict datasets are used)"),
    ),
  ).action(async (path: string, flags: InputFlags & OutputFlags) => {
    const datasets = await load(path, flags);
    const cueConflict = datasets.length === 1 ? datasets : datasets.filter(isCueConflict);
    for (const table of datasets) if (!cueConflict.includes(table)) note(`left out dataset "${table.dataset}": not cue-conflict stimuli`);
    if (cueConflict.length === 0) throw new InputError("no cue-conflict dataset found (stimulus ids like airplane1-bicycle2.png)", { file: path });
    const rows = cueConflict.flatMap(shapeBias);
    await emit(flags, rows, SHAPE_BIAS_COLUMNS, { shape_bias: rows });
  });

  addUncertaintyCommands(program, io, configure);
  addReproduceCommand(program, io);
  addServeCommand(program, io);
  addEvaluateCommand(program, io);
  addMergeCommand(program, io);
  addBenchCommand(program, io);
  addDataCommand(program, io);
  addExperimentCommand(program, io);
  return program;
}

const MISMATCH_COLUMNS = [
  "dataset",
  "condition",
  "observer1",
  "observer2",
  "pair_type",
  "n_common",
  "n_only_observer1",
  "n_only_observer2",
  "outcome",
];
