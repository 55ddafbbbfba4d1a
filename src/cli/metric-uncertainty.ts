/**
 * `trialwise ci --metric` and `trialwise compare --metric` for the response-level metrics
 * (capa, capa-discrete, dmc, response-kappa): the item bootstrap of ../core/metric-bootstrap.ts
 * and the model comparison of ../core/metric-comparison.ts, on the inputs `pairs --metric`
 * reads (./metric-pairs.ts). Loaded only when one of them runs with such a metric.
 */
import { InputError, UsageError } from "../core/errors.ts";
import { AGGREGATE_DEFAULTS } from "../core/joint-bootstrap.ts";
import { type MetricIntervalMethod, type MetricMatrix, metricMatrix, pairMetricInterval } from "../core/metric-bootstrap.ts";
import { compareMetricModels } from "../core/metric-comparison.ts";
import { METRIC_VALUE, type ResponseMetric, metricPairs } from "../core/metric-pairs.ts";
import { PAIR_INTERVAL_DEFAULTS, pairSeed } from "../core/pair-intervals.ts";
import { pairedTestOf } from "../core/paired-test.ts";
import type { ProbabilityTable } from "../core/probability-table.ts";
import { NO_CONDITION, compareText } from "../core/trials.ts";
import type { OutputFormat } from "../io/format.ts";
import { nameList, probability, replicates, seed } from "./flags.ts";
import type { CliIO } from "./io.ts";
import { type MetricCommandFlags, checkProbabilities, probabilityTables } from "./metric-pairs.ts";
import { pairOptions } from "./options.ts";
import { LONG_WORK_MS, stepReporter } from "./progress.ts";
import { comparedModels } from "./compared-models.ts";
import { emitObject } from "./emit-object.ts";

interface CommonFlags extends MetricCommandFlags {
  dataset?: string;
  condition?: string;
  format?: OutputFormat;
  output?: string;
  bootstrap?: string;
  seed?: string;
  level?: string;
}

const orDefault = <T>(value: string | undefined, parse: (value: string) => T, fallback: T): T =>
  value === undefined ? fallback : parse(value);

const note = (io: CliIO) => (text: string) => io.stderr(`trialwise: note: ${text}\n`);

/**
 * The one table the command works on, read as `pairs --metric` reads it, with conditions as
 * units where --condition names one: the only table, or the one --dataset names.
 */
async function oneTable(path: string, flags: CommonFlags, io: CliIO): Promise<{ table: ProbabilityTable; unit: string }> {
  const byCondition = flags.condition !== undefined;
  const tables = await probabilityTables(path, { ...flags, by: byCondition ? "condition" : undefined }, io);
  checkProbabilities(flags.metric as ResponseMetric, tables, path);
  let table: ProbabilityTable;
  if (flags.dataset !== undefined) {
    const found = tables.find((t) => t.dataset === flags.dataset);
    if (!found)
      throw new UsageError(`--dataset: no dataset "${flags.dataset}" in ${path}; found ${tables.map((t) => t.dataset).join(", ")}`);
    table = found;
  } else if (tables.length > 1) {
    throw new UsageError(`${path} holds ${tables.length} datasets; choose one with --dataset (${tables.map((t) => t.dataset).join(", ")})`);
  } else table = tables[0];
  const unit = flags.condition ?? NO_CONDITION;
  if (!table.items.some((item) => item.unit === unit)) {
    const units = [...new Set(table.items.map((item) => item.unit))].sort(compareText);
    const hint = byCondition && units.length === 1 && units[0] === NO_CONDITION ? " (the input has no condition column)" : "";
    throw new UsageError(`--condition: dataset "${table.dataset}" has no condition "${flags.condition}"${hint}; found ${units.join(", ")}`);
  }
  return { table, unit };
}

/** `trialwise ci --pair A,B --metric <response-level metric>`: the item bootstrap interval of the pair's metric. */
export async function metricCiCommand(
  path: string,
  flags: CommonFlags & { pair: string; method: string; unbiased?: boolean; intersect?: boolean; strict?: boolean },
  io: CliIO,
): Promise<void> {
  const metric = flags.metric as ResponseMetric;
  if (flags.method !== "percentile" && flags.method !== "bca")
    throw new UsageError(`--method ${flags.method} is not available with --metric ${metric}; use percentile or bca (item bootstrap)`);
  if (flags.unbiased) throw new UsageError(`--unbiased is not available with --metric ${metric} (it corrects error kappa only)`);
  const method: MetricIntervalMethod = flags.method;
  const level = orDefault(flags.level, (v) => probability("--level", v), PAIR_INTERVAL_DEFAULTS.level);
  const replicateCount = orDefault(flags.bootstrap, (v) => replicates("--bootstrap", v), PAIR_INTERVAL_DEFAULTS.replicates);
  const userSeed = orDefault(flags.seed, (v) => seed("--seed", v), PAIR_INTERVAL_DEFAULTS.seed);
  const names = nameList("--pair", flags.pair);
  if (names.length !== 2) throw new UsageError(`--pair: expected two different observers "A,B", not "${flags.pair}"`);
  const { mismatch } = pairOptions(flags);
  const { table, unit } = await oneTable(path, flags, io);
  const observers = names.map((name) => {
    const found = table.observers.find((o) => o.name === name);
    if (!found) throw new UsageError(`--pair: no observer "${name}" in dataset "${table.dataset}"`);
    return found;
  });
  const unitItems = table.items.flatMap((item, i) => (item.unit === unit ? [i] : []));
  const common = unitItems.filter((i) => observers[0].trials[i] > 0 && observers[1].trials[i] > 0);
  const where = unit === NO_CONDITION ? "(conditions pooled)" : `in condition "${unit}"`;
  const result = metricPairs(table, { metric, observers: names, mismatch });
  const report = [...result.skipped, ...result.intersected].find((r) => r.condition === unit);
  if (report) {
    const [a, b] = [report.observer1, report.observer2];
    const counts = `${report.n_common} common, ${report.n_only_observer1} only "${a}", ${report.n_only_observer2} only "${b}"`;
    if (report.outcome === "skipped: no common stimuli")
      throw new InputError(`dataset "${table.dataset}": observers "${a}" and "${b}" share no item ${where} (${counts})`);
    if (report.outcome === "skipped: stimulus sets differ")
      throw new InputError(
        `dataset "${table.dataset}": observers "${a}" and "${b}" answered different items ${where} (${counts}); --intersect computes the pair on its ${report.n_common} common items`,
      );
    note(io)(`computed on the ${report.n_common} items both observers answered ${where} (${counts})`);
  }
  if (common.length === 0)
    throw new InputError(`dataset "${table.dataset}": observers "${names[0]}" and "${names[1]}" share no item ${where}`);
  const progress = stepReporter(io, "trialwise ci", "replicates", { delayMs: LONG_WORK_MS });
  let interval: ReturnType<typeof pairMetricInterval>;
  try {
    interval = pairMetricInterval(table, metric, names[0], names[1], common, {
      method,
      level,
      replicates: replicateCount,
      seed: pairSeed(userSeed, names[0], names[1]),
      onProgress: (done, total) => progress.onProgress("drawing bootstrap replicates", done, total),
    });
  } finally {
    progress.stop();
  }
  const defined = (v: number) => (Number.isNaN(v) ? null : v);
  await emitObject(io, flags, {
    dataset: table.dataset,
    condition: unit,
    observer1: names[0],
    observer2: names[1],
    metric,
    n_trials: interval.n_trials,
    [METRIC_VALUE[metric]]: defined(interval.value),
    lower: defined(interval.lower),
    upper: defined(interval.upper),
    method: interval.method,
    level: interval.level,
    replicates: interval.replicates,
    undefined_replicates: interval.undefined_replicates,
    seed: userSeed,
  });
}

/** The matrix with the humans restricted as --humans says. */
function withHumans(matrix: MetricMatrix, humans: string | undefined, dataset: string): MetricMatrix {
  if (humans === undefined || humans === "all") return matrix;
  const wanted = nameList("--humans", humans);
  for (const h of wanted) if (!matrix.humans.has(h)) throw new UsageError(`--humans: "${h}" is not a human of dataset "${dataset}"`);
  const keep = matrix.observers.flatMap((o, i) => (!matrix.humans.has(o) || wanted.includes(o) ? [i] : []));
  return {
    ...matrix,
    observers: keep.map((i) => matrix.observers[i]),
    prepared: keep.map((i) => matrix.prepared[i]),
    humans: new Set(wanted),
  };
}

/** `trialwise compare --metric <response-level metric>`: models compared by their mean metric with the same humans. */
export async function metricCompareCommand(
  path: string,
  flags: CommonFlags & { models: string; humans: string },
  io: CliIO,
): Promise<void> {
  const metric = flags.metric as ResponseMetric;
  const options = {
    replicates: orDefault(flags.bootstrap, (v) => replicates("--bootstrap", v), AGGREGATE_DEFAULTS.replicates),
    seed: orDefault(flags.seed, (v) => seed("--seed", v), AGGREGATE_DEFAULTS.seed),
    level: orDefault(flags.level, (v) => probability("--level", v), AGGREGATE_DEFAULTS.level),
  };
  const named = flags.models === "all" ? undefined : nameList("--models", flags.models);
  const { table, unit } = await oneTable(path, flags, io);
  const full = metricMatrix(table, metric, unit);
  for (const e of full.excluded) {
    note(io)(
      `left out ${e.kind} "${e.observer}": its item set differs from the unit's (${e.n_common} common, ${e.n_only_observer} only it answered, ${e.n_missing} it did not answer)`,
    );
  }
  const matrix = withHumans(full, flags.humans, table.dataset);
  const models = comparedModels(matrix, named, table.dataset, "items", options.replicates);
  const progress = stepReporter(io, "trialwise compare", "replicates", { delayMs: LONG_WORK_MS });
  let result: ReturnType<typeof compareMetricModels>;
  try {
    result = compareMetricModels(matrix, {
      ...options,
      models,
      onProgress: (done, total) => progress.onProgress("bootstrapping", done, total),
    });
  } finally {
    progress.stop();
  }
  if (models.length === 2) {
    await emitObject(io, flags, { metric, ...pairedTestOf(result, models[0], models[1], matrix.humans.size) });
    return;
  }
  const { outputFormat } = await import("../io/output.ts");
  const format = outputFormat(flags, { formats: ["json", "csv", "table"], isTTY: io.isTTY });
  if (format === "json") await emitObject(io, flags, { metric, ...result });
  else
    await emitObject(
      io,
      flags,
      { metric, ...result },
      { rows: result.ranking, columns: ["model", "n_humans", "mean", "lower", "upper", "rank", "rank_lower", "rank_upper"] },
    );
}
