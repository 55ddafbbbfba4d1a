/**
 * `trialwise pairs --metric` and `trialwise summary --metric` for the response-level metrics
 * (capa, capa-discrete, dmc, response-kappa); error-kappa, the default, stays with
 * ./analysis.ts. Inputs: trial data (answers; `--scores` adds models' score files of
 * `trialwise evaluate --scores`), probability tables (`--prob-prefix` or `--probs-col`), or
 * lm-evaluation-harness samples (found by their names). Only the flag definitions load with
 * the command line; the work is imported when it runs.
 */
import { type Command, Option } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import type { MetricPairRow, ResponseMetric } from "../core/metric-pairs.ts";
import { STIMULUS_MISMATCH_COLUMNS } from "../core/pairs.ts";
import type { ProbabilityTable } from "../core/probability-table.ts";
import type { SummaryRow } from "../core/summary.ts";
import type { ScoresAs } from "../io/scores.ts";
import { nameList } from "./flags.ts";
import type { CliIO } from "./io.ts";
import type { AnalysisFlags, InputFlags, OutputFlags } from "./options.ts";

export const METRIC_NAMES = ["error-kappa", "capa", "capa-discrete", "dmc", "response-kappa"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricFlags {
  metric?: MetricName;
  scores?: string;
  scoresAs?: ScoresAs;
  probPrefix?: string;
  probsCol?: string;
}

/** The --metric flag and the flags of its inputs, for pairs and summary. */
export function addMetricOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--metric <name>",
        "what is compared (default error-kappa: kappa on correct/wrong): capa (probabilistic agreement, kappa_p), capa-discrete (on the answers), dmc (decision-margin correlation), response-kappa (kappa on the responses, and same wrong answers)",
      ).choices(METRIC_NAMES),
    )
    .option(
      "--scores <path>",
      "with --metric: score files of trialwise evaluate --scores (a file or folder; one per model, named after it) replacing those models' answers",
    )
    .addOption(
      new Option(
        "--scores-as <how>",
        "with --metric: scores are probabilities (checked), logits (softmaxed) or normalize (divided by their sum)",
      ).choices(["probabilities", "logits", "normalize"]),
    )
    .option(
      "--prob-prefix <prefix>",
      "with --metric: input is a probability table, one column <prefix><option> per option (with --observer-col, --stimulus-col, --truth-col)",
    )
    .option(
      "--probs-col <name>",
      "with --metric: input is JSON Lines with the probabilities as one array field (options 0, 1, ...; with --observer-col, --stimulus-col, --truth-col)",
    );
}

/** Whether the flags ask for a response-level metric; their inputs' flags are usage errors without one. */
export function usesResponseMetric(flags: MetricFlags): boolean {
  if (flags.metric !== undefined && flags.metric !== "error-kappa") return true;
  for (const [flag, value] of [
    ["--scores", flags.scores],
    ["--scores-as", flags.scoresAs],
    ["--prob-prefix", flags.probPrefix],
    ["--probs-col", flags.probsCol],
  ] as const) {
    if (value !== undefined) throw new UsageError(`${flag} needs --metric capa, capa-discrete, dmc or response-kappa`);
  }
  return false;
}

export type MetricCommandFlags = InputFlags & OutputFlags & AnalysisFlags & MetricFlags;

/** The probability tables the flags and path describe, with the readers' notes. */
export async function probabilityTables(path: string, flags: MetricCommandFlags, io: CliIO): Promise<ProbabilityTable[]> {
  const byCondition = flags.by === "condition";
  if (flags.probPrefix !== undefined || flags.probsCol !== undefined) {
    if (flags.probPrefix !== undefined && flags.probsCol !== undefined)
      throw new UsageError("--prob-prefix and --probs-col exclude each other");
    if (flags.scores !== undefined) throw new UsageError("--scores goes with trial data, not with a probability table");
    if (flags.observerCol === undefined || flags.stimulusCol === undefined || flags.truthCol === undefined) {
      throw new UsageError(
        `${flags.probPrefix !== undefined ? "--prob-prefix" : "--probs-col"} needs --observer-col, --stimulus-col and --truth-col`,
      );
    }
    const { readProbabilityTable } = await import("../io/scores.ts");
    const { loadOptions } = await import("./options.ts");
    const humanPattern = loadOptions({ humanPattern: flags.humanPattern }).humanPattern;
    const table = await readProbabilityTable(path, {
      columns: {
        observer: flags.observerCol,
        stimulus: flags.stimulusCol,
        truth: flags.truthCol,
        ...(flags.conditionCol !== undefined ? { condition: flags.conditionCol } : {}),
        ...(flags.probPrefix !== undefined ? { prefix: flags.probPrefix } : { array: flags.probsCol }),
      },
      scoresAs: flags.scoresAs,
      byCondition,
      humanPattern,
    });
    return [table];
  }
  const { findModelSamples, readLmEvalSamples } = await import("../io/lm-eval.ts");
  if (path !== "-" && (await findModelSamples(path)) !== undefined) {
    if (flags.scores !== undefined) throw new UsageError("--scores goes with trial data, not with lm-evaluation-harness samples");
    return readLmEvalSamples(path);
  }
  const [{ loadDatasets }, { loadOptions }, { probabilityTableFromTrials }] = await Promise.all([
    import("../io/datasets.ts"),
    import("./options.ts"),
    import("../core/probability-table.ts"),
  ]);
  const { datasets, notes } = await loadDatasets(path, loadOptions(flags));
  notes.forEach((text) => io.stderr(`trialwise: note: ${text}\n`));
  let scores: Awaited<ReturnType<typeof import("../io/scores.ts").readScoresForTrials>> = [];
  if (flags.scores !== undefined) {
    scores = await (await import("../io/scores.ts")).readScoresForTrials(flags.scores, datasets, flags.scoresAs);
  } else if (flags.scoresAs !== undefined) throw new UsageError("--scores-as needs --scores, --prob-prefix or --probs-col");
  return datasets.map((table) => probabilityTableFromTrials(table, byCondition, scores));
}

/**
 * CAPA compares probabilities: where no observer of a table has any (trial data without
 * --scores), every observer enters with its answers and capa would silently be capa-discrete.
 */
export function checkProbabilities(metric: ResponseMetric, tables: readonly ProbabilityTable[], path: string): void {
  if (metric !== "capa") return;
  for (const table of tables) {
    if (table.observers.some((o) => o.graded)) continue;
    throw new InputError(
      `--metric capa compares probabilities, but no observer of dataset "${table.dataset}" has any (trial data without --scores: every observer has answers only); give the models' scores (--scores, --prob-prefix or --probs-col), or use --metric capa-discrete to compare the answers`,
      { file: path },
    );
  }
}

/** Rows as written: undefined values (NaN) as null. */
function written(row: MetricPairRow): Record<string, string | number | null> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" && Number.isNaN(v) ? null : v]));
}

/** `trialwise pairs --metric <response-level metric>`. */
export async function metricPairsCommand(
  path: string,
  flags: MetricCommandFlags & { observers?: string; skipped?: string },
  io: CliIO,
): Promise<void> {
  const metric = flags.metric as ResponseMetric;
  const [{ METRIC_COLUMNS, metricPairs }, { pairOptions }] = await Promise.all([import("../core/metric-pairs.ts"), import("./options.ts")]);
  const extras = flags as Record<string, unknown>;
  for (const flag of ["ci", "normalized", "bootstrap", "seed", "level"]) {
    if (extras[flag] !== undefined) throw new UsageError(`--${flag} is not available with --metric ${metric}`);
  }
  const options = pairOptions(flags);
  const observers = nameList("--observers", flags.observers);
  const tables = await probabilityTables(path, flags, io);
  checkProbabilities(metric, tables, path);
  const known = new Set(tables.flatMap((t) => t.observers.map((o) => o.name)));
  const unknown = (observers ?? []).filter((o) => !known.has(o));
  if (unknown.length > 0)
    throw new UsageError(
      `--observers: unknown observer${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${[...known].sort().join(", ")}`,
    );
  const rows: MetricPairRow[] = [];
  const skipped = [];
  for (const table of tables) {
    // CAPA on the all-pairs kernel where src/kernel/capa-pairs.ts's threshold says so (same rows; c_obs_p to float32 rounding).
    const fast =
      metric === "capa" || metric === "capa-discrete"
        ? await (await import("../kernel/capa-pairs.ts")).capaKernelPairs(table, { metric, ...(observers ? { observers } : {}) })
        : undefined;
    const result = fast ?? metricPairs(table, { metric, mismatch: options.mismatch, ...(observers ? { observers } : {}) });
    rows.push(...result.rows);
    skipped.push(...result.skipped);
    if (result.intersected.length > 0)
      io.stderr(`trialwise: note: ${result.intersected.length} pair(s) of "${table.dataset}" computed on their common items only\n`);
  }
  if (skipped.length > 0)
    io.stderr(
      `trialwise: note: ${skipped.length} pair(s) skipped: their item sets differ (--intersect computes them on the common items)\n`,
    );
  await emitRows(io, flags, rows.map(written), METRIC_COLUMNS[metric], { metric, pairs: rows.map(written), skipped_pairs: skipped });
  if (flags.skipped) {
    const [{ writeFileAtomic }, { toCsv }] = await Promise.all([import("../io/output.ts"), import("../io/format.ts")]);
    await writeFileAtomic(flags.skipped, toCsv(skipped, STIMULUS_MISMATCH_COLUMNS));
  }
}

/** `trialwise summary --metric <response-level metric>`: the metric's mean per pair type and per model with the humans. */
export async function metricSummaryCommand(
  path: string,
  flags: MetricCommandFlags & { models?: string; bootstrap?: string; hierarchical?: boolean; seed?: string; level?: string },
  io: CliIO,
): Promise<void> {
  const metric = flags.metric as ResponseMetric;
  const [
    { metricPairs, metricSummaryPair },
    { PairSummarizer },
    { bootstrapSettings, pairOptions },
    { summaryOutputOf, withMetricBootstrapIntervals },
  ] = await Promise.all([
    import("../core/metric-pairs.ts"),
    import("../core/summary.ts"),
    import("./options.ts"),
    import("./summary-intervals.ts"),
  ]);
  const { outputFormat } = await import("../io/output.ts");
  outputFormat(flags, { formats: ["csv", "json", "table"], isTTY: io.isTTY });
  const options = pairOptions(flags);
  const models = nameList("--models", flags.models);
  const bootstrap = bootstrapSettings(flags);
  const tables = await probabilityTables(path, flags, io);
  checkProbabilities(metric, tables, path);
  const knownModels = new Set(tables.flatMap((t) => t.observers.filter((o) => !t.humans.has(o.name)).map((o) => o.name)));
  const unknown = (models ?? []).filter((m) => !knownModels.has(m));
  if (unknown.length > 0)
    throw new UsageError(
      `--models: ${unknown.map((m) => `"${m}"`).join(", ")} ${unknown.length > 1 ? "are not models" : "is not a model"} of ${path}; known: ${[...knownModels].sort().join(", ")}`,
    );
  const rows: SummaryRow[] = [];
  const note = (text: string) => io.stderr(`trialwise: note: ${text}\n`);
  const { stepReporter } = await import("./progress.ts");
  const progress = stepReporter(io, "trialwise summary", "replicates", { delayMs: 1000 });
  for (const table of tables) {
    const summarizer = new PairSummarizer((o) => table.humans.has(o), models && new Set(models));
    for (const row of metricPairs(table, { metric, mismatch: options.mismatch }).rows) summarizer.add(metricSummaryPair(row, metric));
    if (bootstrap.replicates === 0) rows.push(...summarizer.rows());
    else {
      try {
        const onProgress = (done: number, total: number) => progress.onProgress(`bootstrapping ${table.dataset}`, done, total);
        rows.push(...withMetricBootstrapIntervals(summarizer.rows(), table, metric, models, bootstrap, note, onProgress));
      } finally {
        progress.stop();
      }
    }
  }
  const { columns, about } = summaryOutputOf(bootstrap);
  await emitRows(io, flags, rows, columns, { metric, ...about, summary: rows });
}

async function emitRows(io: CliIO, flags: OutputFlags, rows: readonly object[], columns: readonly string[], json: unknown): Promise<void> {
  const [{ outputFormat, writeFileAtomic }, { toCsv, toJson, toTable }] = await Promise.all([
    import("../io/output.ts"),
    import("../io/format.ts"),
  ]);
  const format = outputFormat(flags, { formats: ["csv", "json", "table"], isTTY: io.isTTY });
  const text = format === "json" ? toJson(json) : format === "table" ? toTable(rows, columns) : toCsv(rows, columns);
  if (flags.output) await writeFileAtomic(flags.output, text);
  else io.stdout(text);
}
