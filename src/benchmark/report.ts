/**
 * The outputs of `trialwise benchmark model-vs-human score` as text: benchmark.json,
 * leaderboard.csv, comparisons.csv, the Vega-Lite figures and the self-contained index.html.
 * No Node APIs; the caller renders the figures and writes the files.
 */
import type { TopLevelSpec } from "vega-lite";
import { SCHEMA } from "../figures/consistency.ts";
import { FIGURE_CONFIG, HUMAN_COLOUR } from "../figures/style.ts";
import { formatCsv } from "../io/csv.ts";
import { type Column, REPORT_CSS, escapeHtml, formatNumber, htmlTable } from "../report/html.ts";
import { benchmarkDataset } from "./datasets.ts";
import { type BenchmarkScores, type IntervalPair, MVH_METRICS, type MvhMetric } from "./score.ts";

export interface ReportMeta {
  version: string;
  humansDir: string;
  modelPaths: readonly string[];
}

const METRIC_TITLES: Record<MvhMetric, string> = {
  ood_accuracy: "OOD accuracy",
  accuracy_difference: "accuracy difference",
  observed_consistency: "observed consistency",
  error_consistency: "error consistency",
};

/** The conventions in words, for benchmark.json and the report. */
export function conventions(scores: BenchmarkScores): Record<string, string> {
  return {
    kappa_rule:
      scores.kappaRule === "one"
        ? "kappa = 1 wherever c_obs = 1 (model-vs-human's rule; without it such a kappa is undefined when c_exp = 1), in every model-vs-human metric; Brain-Score's scores never use it (--kappa-undefined turns it off)"
        : "kappa undefined where c_exp = 1 and left out of means (--kappa-undefined); model-vs-human sets such a kappa to 1",
    averaging:
      "per dataset: mean over included conditions of each model-person pair, then mean over people (human row: over pairs of people); benchmark: mean over datasets; OOD accuracy pooled over the included trials of a dataset",
    exclusions:
      "control conditions and conditions where people are below 0.2 accuracy are left out of every average (model-vs-human's list; Brain-Score leaves out the same)",
    ranks:
      "among models only; accuracy difference ascending, observed and error consistency descending, ties share the mean rank; mean_rank = mean of the three",
    brain_score:
      "human_ceiling = |mean over pairs of people of the mean over conditions of kappa|, raw = |mean over people of the mean over conditions of kappa(model, person)|, ceiled = raw / ceiling clipped to [0, 1] (kappa undefined where c_exp = 1, no kappa = 1 rule); brain_score_signed and brain_score_ceiled_signed (ours) keep the sign and do not clip",
    chance: "chance_observed_consistency: c_exp = a_m a_h + (1 - a_m)(1 - a_h) averaged as c_obs is; the chance value of kappa is 0",
    kappa_bounds:
      "kappa_min and kappa_max: the kappa of the smallest and largest c_obs the two accuracies allow (Klein et al. 2025), averaged as kappa is",
  };
}

/** JSON with NaN (an undefined value) as null. */
function json(value: unknown): string {
  return `${JSON.stringify(value, (_, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** benchmark.json: every score, interval and convention (docs/benchmark.md describes it). */
export function benchmarkJson(scores: BenchmarkScores, meta: ReportMeta): string {
  return json({
    about: {
      benchmark: "model-vs-human (Geirhos et al. 2021), with Brain-Score's Geirhos2021 error-consistency scores",
      trialwise_version: meta.version,
      human_data: meta.humansDir,
      models_paths: meta.modelPaths,
      conventions: conventions(scores),
      excluded_conditions: Object.fromEntries(scores.datasets.map((d) => [d.dataset, benchmarkDataset(d.dataset)?.excluded ?? []])),
      intervals: {
        method:
          "percentile intervals over a joint bootstrap: per replicate, each dataset's people drawn with replacement and each condition's stimuli drawn with replacement once for all observers",
        replicates: scores.replicates,
        seed: scores.seed,
        level: scores.level,
      },
    },
    datasets: Object.fromEntries(scores.datasets.map((d) => [d.dataset, d])),
    models: scores.models,
    humans: scores.humans,
    leaderboard: scores.leaderboard,
    comparisons: scores.comparisons,
  });
}

const withInterval = (name: string) => [name, `${name}_lower`, `${name}_upper`];

export const LEADERBOARD_COLUMNS = [
  "rank",
  "model",
  ...withInterval("mean_rank"),
  ...withInterval("ood_accuracy"),
  ...withInterval("accuracy_difference"),
  ...withInterval("observed_consistency"),
  ...withInterval("error_consistency"),
  "ood_accuracy_rank",
  ...withInterval("brain_score_ceiled_mean"),
] as const;

/** leaderboard.csv: the models by mean rank, then the human row (no ranks; its Brain-Score column is the mean human ceiling). */
export function leaderboardCsv(scores: BenchmarkScores): string {
  const row = (values: [number, IntervalPair][]) =>
    values.flatMap(([v, [lo, hi]]) => [v, lo, hi]).map((x) => (Number.isFinite(x) ? x : null));
  const rows = scores.leaderboard.map((name, i) => {
    const m = scores.models[name];
    return [
      i + 1,
      name,
      ...row([
        [m.mean_rank, m.intervals.mean_rank],
        [m.ood_accuracy, m.intervals.ood_accuracy],
        [m.accuracy_difference, m.intervals.accuracy_difference],
        [m.observed_consistency, m.intervals.observed_consistency],
        [m.error_consistency, m.intervals.error_consistency],
      ]),
      m.ranks.ood_accuracy,
      ...row([[m.brain_score_ceiled_mean, m.intervals.brain_score_ceiled_mean]]),
    ];
  });
  const h = scores.humans;
  rows.push([
    null,
    "humans",
    null,
    null,
    null,
    ...row([
      [h.ood_accuracy, h.intervals.ood_accuracy],
      [h.accuracy_difference, h.intervals.accuracy_difference],
      [h.observed_consistency, h.intervals.observed_consistency],
      [h.error_consistency, h.intervals.error_consistency],
    ]),
    null,
    ...row([[h.human_ceiling_mean, h.intervals.human_ceiling_mean]]),
  ]);
  return formatCsv(rows, LEADERBOARD_COLUMNS);
}

export const COMPARISON_COLUMNS = [
  "metric",
  "model_a",
  "model_b",
  "difference",
  "lower",
  "upper",
  "p_a_better",
  "distinguishable",
] as const;

/** comparisons.csv: every pair of models per metric (A above B on the leaderboard). */
export function comparisonsCsv(scores: BenchmarkScores): string {
  return formatCsv(
    scores.comparisons.map((c) => COMPARISON_COLUMNS.map((k) => (typeof c[k] === "number" && !Number.isFinite(c[k]) ? null : c[k]))),
    COMPARISON_COLUMNS,
  );
}

export interface BenchmarkFigure {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** Past this many models the figures draw models in one grey (no legend entry each). */
const MAX_COLOURED_MODELS = 12;
const MODEL_GREY = "#7a7a7a";

function colourScale(names: readonly string[]) {
  const models = names.filter((n) => n !== "humans");
  if (models.length > MAX_COLOURED_MODELS)
    return {
      domain: ["humans", "models"],
      range: [HUMAN_COLOUR, MODEL_GREY],
      group: (n: string) => (n === "humans" ? "humans" : "models"),
    };
  return {
    domain: ["humans", ...models],
    range: [HUMAN_COLOUR, ...models.map((_, i) => `hsl(${(i * 137.5) % 360}, 55%, 42%)`)],
    group: (n: string) => n,
  };
}

function barSpec(scores: BenchmarkScores, metric: MvhMetric): TopLevelSpec {
  const rows = [
    ...scores.leaderboard.map((name) => ({
      name,
      value: scores.models[name][metric],
      lower: scores.models[name].intervals[metric][0],
      upper: scores.models[name].intervals[metric][1],
    })),
    { name: "humans", value: scores.humans[metric], lower: scores.humans.intervals[metric][0], upper: scores.humans.intervals[metric][1] },
  ].filter((r) => Number.isFinite(r.value));
  // model-vs-human orders the bars so that the best is on the right.
  rows.sort((a, b) => (metric === "accuracy_difference" ? b.value - a.value : a.value - b.value));
  const x = { field: "name", type: "nominal" as const, sort: rows.map((r) => r.name), title: null, axis: { labelAngle: -60 } };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    width: Math.max(240, rows.length * 16),
    height: 220,
    data: { values: rows },
    layer: [
      {
        mark: "bar",
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: METRIC_TITLES[metric] },
          color: { condition: { test: "datum.name === 'humans'", value: HUMAN_COLOUR }, value: "#8a9fb8" },
        },
      },
      { mark: { type: "rule", color: "#222" }, encoding: { x, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" } } },
    ],
  };
}

function datasetSpec(scores: BenchmarkScores): TopLevelSpec {
  const rows = scores.datasets.flatMap((d) => [
    ...Object.entries(d.models).map(([name, m]) => ({
      dataset: d.dataset,
      name,
      value: m.error_consistency,
      lower: m.intervals.error_consistency[0],
      upper: m.intervals.error_consistency[1],
    })),
    {
      dataset: d.dataset,
      name: "humans",
      value: d.humans_row.error_consistency,
      lower: d.humans_row.intervals.error_consistency[0],
      upper: d.humans_row.intervals.error_consistency[1],
    },
  ]);
  const colours = colourScale(["humans", ...scores.leaderboard]);
  const values = rows.map((r) => ({ ...r, group: colours.group(r.name) }));
  const x = {
    field: "dataset",
    type: "nominal" as const,
    sort: scores.datasets.map((d) => d.dataset),
    title: null,
    axis: { labelAngle: -45 },
  };
  const color = { field: "group", type: "nominal" as const, scale: { domain: colours.domain, range: colours.range }, title: null };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    width: 620,
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "rule", opacity: 0.5 },
        encoding: { x, xOffset: { field: "name" }, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" }, color },
      },
      {
        mark: { type: "point", filled: true, size: 40 },
        encoding: {
          x,
          xOffset: { field: "name" },
          y: { field: "value", type: "quantitative", title: "error consistency (kappa)" },
          color,
          shape: { condition: { test: "datum.name === 'humans'", value: "diamond" }, value: "circle" },
          tooltip: [{ field: "name" }, { field: "value", format: ".3f" }],
        },
      },
      {
        data: { values: [{ y: 0 }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#999" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  };
}

function scatterSpec(scores: BenchmarkScores, metric: "error_consistency" | "observed_consistency"): TopLevelSpec {
  const names = ["humans", ...scores.leaderboard];
  const colours = colourScale(names);
  const point = (name: string) => {
    const s = name === "humans" ? scores.humans : scores.models[name];
    return {
      name,
      group: colours.group(name),
      x: s.ood_accuracy,
      y: s[metric],
      xl: s.intervals.ood_accuracy[0],
      xu: s.intervals.ood_accuracy[1],
      yl: s.intervals[metric][0],
      yu: s.intervals[metric][1],
    };
  };
  const values = names.map(point).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const h = scores.humans.ood_accuracy;
  // Independent observers: kappa 0; c_obs = a h + (1 - a)(1 - h) with the humans' accuracy h.
  const expected = Array.from({ length: 51 }, (_, i) => i / 50).map((a) => ({
    a,
    e: metric === "error_consistency" ? 0 : a * h + (1 - a) * (1 - h),
  }));
  const color = { field: "group", type: "nominal" as const, scale: { domain: colours.domain, range: colours.range }, title: null };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    width: 320,
    height: 320,
    layer: [
      {
        data: { values: expected },
        mark: { type: "line", strokeDash: [5, 4], color: "#999" },
        encoding: {
          x: { field: "a", type: "quantitative", title: "OOD accuracy", scale: { domain: [0, 1] } },
          y: { field: "e", type: "quantitative" },
        },
      },
      {
        data: { values },
        mark: { type: "rule", opacity: 0.5 },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "yl", type: "quantitative" }, y2: { field: "yu" }, color },
      },
      {
        data: { values },
        mark: { type: "rule", opacity: 0.5 },
        encoding: { y: { field: "y", type: "quantitative" }, x: { field: "xl", type: "quantitative" }, x2: { field: "xu" }, color },
      },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 50 },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative", title: METRIC_TITLES[metric] },
          color,
          shape: { condition: { test: "datum.name === 'humans'", value: "diamond" }, value: "circle" },
          tooltip: [{ field: "name" }],
        },
      },
    ],
  };
}

function conditionSpec(scores: BenchmarkScores, datasetName: string, what: "accuracy" | "error_consistency"): TopLevelSpec | undefined {
  const facts = benchmarkDataset(datasetName);
  const d = scores.datasets.find((s) => s.dataset === datasetName);
  if (!facts || !d || facts.conditions.length === 0) return undefined;
  const labelOf = (condition: string | null) => facts.conditionLabels[facts.conditions.indexOf(condition ?? "")] ?? String(condition);
  const colours = colourScale(["humans", ...scores.leaderboard]);
  const rows = [
    ...d.humans_row.conditions.map((c) => ({ name: "humans", c })),
    ...scores.leaderboard.flatMap((name) => d.models[name].conditions.map((c) => ({ name, c }))),
  ]
    .filter(({ c }) => Number.isFinite(c[what]))
    .map(({ name, c }) => ({
      name,
      group: colours.group(name),
      label: labelOf(c.condition),
      included: c.included ? "included" : "excluded",
      value: c[what],
      lower: c.intervals[what][0],
      upper: c.intervals[what][1],
    }));
  const x = { field: "label", type: "ordinal" as const, sort: facts.conditionLabels as string[], title: facts.xTitle };
  const color = { field: "group", type: "nominal" as const, scale: { domain: colours.domain, range: colours.range }, title: null };
  const chance = what === "accuracy" ? 1 / 16 : 0;
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: `${datasetName}: ${what === "accuracy" ? "accuracy" : "error consistency"}`,
    width: 260,
    height: 200,
    data: { values: rows },
    layer: [
      {
        mark: { type: "rule", opacity: 0.45 },
        encoding: { x, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" }, color },
      },
      {
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: what === "accuracy" ? "accuracy" : "error consistency (kappa)" },
          color,
          detail: { field: "name" },
          opacity: {
            field: "included",
            type: "nominal",
            scale: { domain: ["included", "excluded"], range: [1, 0.45] },
            title: "condition",
          },
        },
      },
      {
        data: { values: [{ y: chance }] },
        mark: { type: "rule", strokeDash: [2, 3], color: "#999" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  };
}

/** The report's figures: model-vs-human's benchmark figures, with intervals. */
export function benchmarkFigures(scores: BenchmarkScores): BenchmarkFigure[] {
  const figures: BenchmarkFigure[] = MVH_METRICS.map((metric) => ({
    id: `bar-${metric.replace(/_/g, "-")}`,
    title: `Benchmark: ${METRIC_TITLES[metric]}`,
    caption: `Mean over datasets per model and for the humans (crimson; for the humans, pairs of people), best on the right; lines: ${Math.round(scores.level * 100)}% intervals.`,
    spec: barSpec(scores, metric),
  }));
  figures.push({
    id: "datasets-error-consistency",
    title: "Error consistency per dataset",
    caption:
      "Each model's mean kappa with the people of each dataset, and the people's mean kappa with each other (diamonds), with intervals.",
    spec: datasetSpec(scores),
  });
  figures.push({
    id: "scatter-error-consistency",
    title: "Error consistency against OOD accuracy",
    caption: "Dashed: kappa of independent observers (0).",
    spec: scatterSpec(scores, "error_consistency"),
  });
  figures.push({
    id: "scatter-observed-consistency",
    title: "Observed consistency against OOD accuracy",
    caption: "Dashed: the c_obs of an observer independent of people at the humans' accuracy.",
    spec: scatterSpec(scores, "observed_consistency"),
  });
  for (const d of scores.datasets) {
    for (const what of ["accuracy", "error_consistency"] as const) {
      const spec = conditionSpec(scores, d.dataset, what);
      if (spec)
        figures.push({
          id: `${d.dataset}-${what.replace(/_/g, "-")}`,
          title: `${d.dataset}: ${what === "accuracy" ? "accuracy" : "error consistency"} per condition`,
          caption: "Faint: conditions the benchmark leaves out. Dotted: chance.",
          spec,
        });
    }
  }
  return figures;
}

interface LeaderRow {
  rank: number | null;
  name: string;
  values: Record<string, number>;
  intervals: Record<string, IntervalPair>;
  oodRank: number | null;
}

/** The self-contained report: the leaderboard, per-dataset table, figures (inline SVG) and conventions. */
export function benchmarkHtml(scores: BenchmarkScores, figures: readonly (BenchmarkFigure & { svg: string })[], meta: ReportMeta): string {
  const cell = (v: number, iv: IntervalPair) => `${formatNumber(v, 3)} [${formatNumber(iv[0], 3)}, ${formatNumber(iv[1], 3)}]`;
  const leaders: LeaderRow[] = [
    ...scores.leaderboard.map((name, i) => ({
      rank: i + 1,
      name,
      values: scores.models[name] as unknown as Record<string, number>,
      intervals: scores.models[name].intervals,
      oodRank: scores.models[name].ranks.ood_accuracy,
    })),
    {
      rank: null,
      name: "humans",
      values: scores.humans as unknown as Record<string, number>,
      intervals: scores.humans.intervals,
      oodRank: null,
    },
  ];
  const columns: Column<LeaderRow>[] = [
    { title: "rank", value: (r) => r.rank },
    { title: "model", value: (r) => r.name },
    { title: "mean rank ↓", value: (r) => (r.rank === null ? null : cell(r.values.mean_rank, r.intervals.mean_rank)) },
    ...MVH_METRICS.map((metric) => ({
      title: `${METRIC_TITLES[metric]} ${metric === "accuracy_difference" ? "↓" : "↑"}`,
      value: (r: LeaderRow) => cell(r.values[metric], r.intervals[metric]),
    })),
    { title: "OOD rank", value: (r) => r.oodRank },
  ];
  const datasetRows = scores.datasets;
  const datasetColumns: Column<(typeof datasetRows)[number]>[] = [
    { title: "dataset", value: (d) => d.dataset },
    { title: "people", value: (d) => d.humans.length },
    { title: "human ceiling (Brain-Score)", value: (d) => cell(d.human_ceiling, d.humans_row.intervals.human_ceiling) },
    ...scores.leaderboard.slice(0, 6).map((name) => ({
      title: `${name}: kappa · ceiled`,
      value: (d: (typeof datasetRows)[number]) =>
        `${formatNumber(d.models[name].error_consistency, 3)} · ${formatNumber(d.models[name].brain_score_ceiled, 3)}`,
    })),
  ];
  const conv = conventions(scores);
  const figureHtml = (f: BenchmarkFigure & { svg: string }) =>
    `<figure id="${escapeHtml(f.id)}">${f.svg.replace(/^<\?xml[^>]*>/, "")}<figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}</figcaption></figure>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>model-vs-human benchmark</title><style>${REPORT_CSS}</style></head><body>
<h1>model-vs-human benchmark</h1>
<p>${scores.leaderboard.length} model${scores.leaderboard.length === 1 ? "" : "s"} scored by trialwise ${escapeHtml(meta.version)} against the human data in <code>${escapeHtml(meta.humansDir)}</code> on ${scores.datasets.length} dataset${scores.datasets.length === 1 ? "" : "s"}. Every number is also in <a href="benchmark.json">benchmark.json</a>; the table in <a href="leaderboard.csv">leaderboard.csv</a>, the paired comparisons in <a href="comparisons.csv">comparisons.csv</a>. Brackets: ${Math.round(scores.level * 100)}% intervals (${scores.replicates} joint bootstrap replicates, seed ${scores.seed}).</p>
<h2>Leaderboard</h2>
${htmlTable(leaders, columns)}
<h2>Per dataset</h2>
${htmlTable(datasetRows, datasetColumns)}
<h2>Figures</h2>
${figures.map(figureHtml).join("\n")}
<h2>Conventions</h2>
<ul>${Object.entries(conv)
    .map(([k, v]) => `<li><strong>${escapeHtml(k.replace(/_/g, " "))}:</strong> ${escapeHtml(v)}</li>`)
    .join("\n")}</ul>
</body></html>
`;
}
