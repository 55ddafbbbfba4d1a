/**
 * The analysis commands' work: observers, pairs, summary and shape-bias. Loaded only when one
 * of them runs (./main.ts defines their flags), so that `trialwise --help` and the other
 * commands do not load the readers, the kernel or DuckDB.
 */
import { InputError, UsageError } from "../core/errors.ts";
import { OBSERVER_COLUMNS, observerStats } from "../core/observers.ts";
import { STIMULUS_MISMATCH_COLUMNS, type StimulusMismatch } from "../core/pairs.ts";
import { SHAPE_BIAS_COLUMNS, isCueConflict, shapeBias as shapeBiasRows } from "../core/shape-bias.ts";
import type { SummaryRow } from "../core/summary.ts";
import type { TrialTable } from "../core/trials.ts";
import { loadDatasets } from "../io/datasets.ts";
import { type OutputFormat, type Row, toCsv, toJson, toTable } from "../io/format.ts";
import { outputFormat, writeFileAtomic } from "../io/output.ts";
import { trialFileKind } from "../io/trial-files.ts";
import type { StreamUnit } from "../kernel/pairs.ts";
import { nameList } from "./flags.ts";
import type { CliIO } from "./io.ts";
import { type MetricFlags, usesResponseMetric } from "./metric-pairs.ts";
import {
  type AnalysisFlags,
  type InputFlags,
  type OutputFlags,
  bootstrapSettings,
  checkNames,
  loadOptions,
  pairOptions,
} from "./options.ts";
import type { PairExtras } from "./pair-extras.ts";
import { stepReporter } from "./progress.ts";

export type ObserversFlags = InputFlags & OutputFlags & Pick<AnalysisFlags, "by">;
export type PairsFlags = InputFlags & OutputFlags & AnalysisFlags & PairExtras & MetricFlags & { observers?: string; skipped?: string };
export type SummaryFlags = InputFlags &
  OutputFlags &
  AnalysisFlags &
  MetricFlags & { models?: string; bootstrap?: string; hierarchical?: boolean; seed?: string; level?: string };
export type ShapeBiasFlags = InputFlags & OutputFlags;

/** Pair tables of at least this many pairs show their progress. */
const PAIR_PROGRESS_MIN = 1_000_000;

/** Writes rows as CSV, a table or JSON (by --format, -o's extension or the terminal) to -o or standard output. */
/** The output's format; a --format or -o that cannot be written is a usage error, raised before any work. */
function tableFormat(io: CliIO, flags: OutputFlags): OutputFormat {
  return outputFormat(flags, { formats: ["csv", "json", "table"], isTTY: io.isTTY });
}

async function emit(io: CliIO, flags: OutputFlags, rows: readonly Row[], columns: readonly string[], json: unknown): Promise<void> {
  const format = tableFormat(io, flags);
  const text = format === "json" ? toJson(json) : format === "table" ? toTable(rows, columns) : toCsv(rows, columns);
  if (flags.output) await writeFileAtomic(flags.output, text);
  else io.stdout(text);
}

function noteTo(io: CliIO): (text: string) => void {
  return (text) => io.stderr(`trialwise: note: ${text}\n`);
}

/** The datasets at `path`, with the readers' notes on standard error. */
async function load(path: string, flags: InputFlags, io: CliIO): Promise<TrialTable[]> {
  const { datasets, notes } = await loadDatasets(path, loadOptions(flags));
  notes.forEach(noteTo(io));
  return datasets;
}

/** What computing pairs needs (the kernel, the pair table writers), loaded by the commands that do. */
async function pairWork() {
  const [kernel, notes, noPairs, output] = await Promise.all([
    import("../kernel/pairs.ts"),
    import("./pair-notes.ts"),
    import("../core/no-pairs.ts"),
    import("./pairs-output.ts"),
  ]);
  return { ...kernel, ...notes, ...noPairs, ...output };
}

/** `trialwise observers`: one row per dataset and observer. */
export async function observers(path: string, flags: ObserversFlags, io: CliIO): Promise<void> {
  tableFormat(io, flags);
  const datasets = await load(path, flags, io);
  const rows = datasets.flatMap((table) => observerStats(table, flags.by === "condition"));
  await emit(io, flags, rows, OBSERVER_COLUMNS, { observers: rows });
}

/** `trialwise pairs`: every pair's error consistency, streamed from the kernel to the output. */
export async function pairs(path: string, flags: PairsFlags, io: CliIO): Promise<void> {
  if (usesResponseMetric(flags)) return (await import("./metric-pairs.ts")).metricPairsCommand(path, flags, io);
  const { PairNotes, PairingTally, checkPairTable, noPairsReasons, openPairTable, pairCount, pairTableFormatOf, streamPairs } =
    await pairWork();
  const note = noteTo(io);
  const { MatchingNotes } = await import("../core/no-pairs.ts");
  const options = pairOptions(flags);
  const observers = nameList("--observers", flags.observers);
  const extras = (await import("./pair-extras.ts")).pairExtrasOptions(flags);
  // Parquet in the long format streams (any size); Parquet in the model-vs-human schema
  // (e.g. from `trialwise evaluate -o trials.parquet`) is read like CSV.
  if (trialFileKind(path) === "parquet" && loadOptions(flags).format?.kind === "long") {
    if (options.mismatch === "intersect" || observers || extras.columns.length > 0 || flags.skipped) {
      throw new UsageError(
        "Parquet input is streamed: --intersect, --observers, --skipped, --ci and --normalized are not available for it",
      );
    }
    const progress = stepReporter(io, "trialwise pairs");
    const { streamedPairs } = await import("./pairs-stream.ts");
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
    if (written.undefinedKappa > 0)
      note(`${written.undefinedKappa} pair(s) have undefined kappa (c_exp = 1: both observers all correct or all wrong)`);
    io.stderr(`trialwise pairs: ${written.rows} pairs written to ${flags.output}\n`);
    return;
  }
  const datasets = await load(path, flags, io);
  checkNames("--observers", observers, datasets);
  // Pairs stream from the kernel to the output, row by row: no pair is kept (but the aligned table's rows).
  const format = pairTableFormatOf(flags, io);
  const total = datasets.reduce((sum, table) => sum + pairCount(table, { ...options, observers }), 0);
  checkPairTable(format, total, extras);
  const notes = new PairNotes();
  const pairings = new PairingTally();
  const matching = new MatchingNotes();
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
            matching.unit(unit);
            output.unit(unit);
          },
          pair(i, j, type, metrics) {
            counted();
            notes.pair(metrics);
            matching.pair(i, j, metrics.n_trials);
            output.pair(i, j, type, metrics);
          },
          mismatch(report) {
            notes.mismatch(report);
            pairings.mismatch(report);
            matching.mismatch(report);
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
      ...(extras.ci
        ? {
            ci: {
              method: extras.ci.method,
              level: extras.ci.level,
              replicates: extras.ci.method === "analytic" ? 0 : extras.ci.replicates,
              seed: extras.ci.seed,
            },
          }
        : {}),
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
  matching.notes().forEach(note);
  noPairsReasons(pairings.units, observers !== undefined).forEach(note);
  if (flags.skipped) await writeFileAtomic(flags.skipped, toCsv(skipped, STIMULUS_MISMATCH_COLUMNS));
}

/** `trialwise summary`: mean kappa per pair type and per model with the humans. */
export async function summary(path: string, flags: SummaryFlags, io: CliIO): Promise<void> {
  if (usesResponseMetric(flags)) return (await import("./metric-pairs.ts")).metricSummaryCommand(path, flags, io);
  tableFormat(io, flags);
  const [{ PairNotes, PairingTally, noPairsReasons, streamPairs }, { PairSummarizer }, { summaryOutputOf, withBootstrapIntervals }] =
    await Promise.all([pairWork(), import("../core/summary.ts"), import("./summary-intervals.ts")]);
  const note = noteTo(io);
  const { MatchingNotes } = await import("../core/no-pairs.ts");
  const matchingNotes: string[] = [];
  const options = pairOptions(flags);
  const models = nameList("--models", flags.models);
  const bootstrap = bootstrapSettings(flags);
  const datasets = await load(path, flags, io);
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
    const matching = new MatchingNotes((o) => table.humans.has(o) || !models || models.includes(o));
    await streamPairs(table, options, {
      unit(u) {
        unit = u;
        pairings.unit(u);
        matching.unit(u);
      },
      pair(a, b, type, metrics) {
        notes.pair(metrics);
        matching.pair(a, b, metrics.n_trials);
        const { dataset, condition, observers } = unit!;
        summarizer.add({
          dataset,
          condition,
          observer1: observers[a],
          observer2: observers[b],
          pair_type: type,
          kappa: metrics.kappa,
          c_exp: metrics.c_exp,
        });
      },
      mismatch(report) {
        notes.mismatch(report);
        pairings.mismatch(report);
        matching.mismatch(report);
      },
    });
    noPairs.push(...noPairsReasons(pairings.units, models !== undefined));
    matchingNotes.push(...matching.notes());
    const summary = summarizer.rows();
    if (bootstrap.replicates === 0) rows.push(...summary);
    else {
      progress.onProgress("bootstrapping intervals", i, datasets.length);
      rows.push(
        ...withBootstrapIntervals(
          summary,
          (row) => summarizer.undefinedKappa(row),
          table,
          options.byCondition ?? false,
          models,
          bootstrap,
          note,
        ),
      );
    }
  }
  progress.stop();
  notes.report(options.undefinedKappa, note);
  matchingNotes.forEach(note);
  noPairs.forEach(note);
  const { columns, about } = summaryOutputOf(bootstrap);
  await emit(io, flags, rows, columns, { ...about, summary: rows });
}

/** `trialwise shape-bias`: shape / (shape + texture) decisions on cue-conflict data. */
export async function shapeBias(path: string, flags: ShapeBiasFlags, io: CliIO): Promise<void> {
  tableFormat(io, flags);
  const note = noteTo(io);
  const datasets = await load(path, flags, io);
  const cueConflict = datasets.length === 1 ? datasets : datasets.filter(isCueConflict);
  for (const table of datasets) if (!cueConflict.includes(table)) note(`left out dataset "${table.dataset}": not cue-conflict stimuli`);
  if (cueConflict.length === 0)
    throw new InputError("no cue-conflict dataset found (stimulus ids like airplane1-bicycle2.png)", { file: path });
  const rows = cueConflict.flatMap(shapeBiasRows);
  await emit(io, flags, rows, SHAPE_BIAS_COLUMNS, { shape_bias: rows });
}
