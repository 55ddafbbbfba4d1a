/**
 * The dashboard's figures as Vega-Lite specs: its own clustered heatmap (every cell clickable,
 * hover values with the pair's interval) and ranking, and the report's figure specs of
 * src/figures (consistency scatters with the chance region, kappa vs accuracy, per-condition
 * curves) fed with the worker's numbers. No DOM APIs.
 */
import type { TopLevelSpec } from "vega-lite";
import { linearRegression } from "../../core/math/regression.ts";
import type { ChanceBandRow } from "../../core/chance.ts";
import { expectedConsistency } from "../../core/metrics.ts";
import type { PairRow } from "../../core/pairs.ts";
import { type ConsistencyPoint, type SeriesStyle, consistencyScatterSpec, kappaVsAccuracySpec } from "../../figures/consistency.ts";
import { kappaHeatmapSpec } from "../../figures/heatmap.ts";
import { MODEL_COLOR } from "../../figures/heatmap.ts";
import { CNN_CNN_COLOUR, FIGURE_CONFIG, GROUP_PALETTE, HUMAN_COLOUR, KAPPA_COLOUR_SCALE, observerStyle } from "../../figures/style.ts";
import {
  type GroupMean,
  type KappaSummary,
  type PairMatrix,
  type RankedModel,
  type Ranking,
  isComputed,
  observerGroups,
  pairDetails,
  pairTypeOf,
  seriesLabel,
} from "./compute.ts";
import type { ConditionValue } from "./condition-curves.ts";
import type { MetricMatrix } from "./metric-matrix.ts";
import { conditionLayout } from "../../core/condition-order.ts";
import { pairChanceBand } from "./pair-chance.ts";
import type { Group } from "./state.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * One heatmap cell (ordered pair, diagonal included): kappa for the colour, and what its tooltip
 * shows as text (3 decimals, "–" where a pair has no value).
 */
export interface HeatmapCell {
  row: string;
  col: string;
  pair: string;
  kappa: number | null;
  kappa_text: string;
  c_obs: string;
  c_exp: string;
  acc1: string;
  acc2: string;
  /** The analytic 95% interval of kappa. */
  interval: string;
  n: number;
  status: string;
}

const STATUS_TEXT = ["computed", "computed on common stimuli", "skipped: stimulus sets differ", "skipped: no common stimuli"];

/** Three decimals, or "–" for a missing value. */
export function fixed(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

/**
 * Every cell of the heatmap in the given order. Off the diagonal the pair's values
 * (`pairDetails`); on it kappa = 1, c_obs = 1 and c_exp = p² + (1 − p)² of the observer's accuracy.
 */
export function heatmapCells(matrix: PairMatrix, order: readonly number[]): HeatmapCell[] {
  const n = matrix.size;
  const cells: HeatmapCell[] = [];
  for (const i of order) {
    for (const j of order) {
      const base = { row: matrix.observers[i], col: matrix.observers[j], n: matrix.trials[i * n + j] };
      if (i === j) {
        const p = matrix.accuracy[i];
        cells.push({
          ...base,
          pair: "the observer itself",
          kappa: 1,
          kappa_text: fixed(1),
          c_obs: fixed(1),
          c_exp: fixed(expectedConsistency(p, p)),
          acc1: fixed(p),
          acc2: fixed(p),
          interval: "–",
          status: "diagonal",
        });
        continue;
      }
      const details = pairDetails(matrix, i, j);
      cells.push({
        ...base,
        pair: pairTypeOf(matrix, i, j),
        kappa: details?.kappa ?? null,
        kappa_text: fixed(details?.kappa),
        c_obs: fixed(details?.c_obs),
        c_exp: fixed(details?.c_exp),
        // A pair's accuracies are over its common trials; a skipped pair has none, so the observers' own.
        acc1: fixed(details?.acc1 ?? matrix.accuracy[i]),
        acc2: fixed(details?.acc2 ?? matrix.accuracy[j]),
        interval: details?.interval.lower != null ? `[${fixed(details.interval.lower)}, ${fixed(details.interval.upper)}]` : "–",
        status: STATUS_TEXT[matrix.status[i * n + j]],
      });
    }
  }
  return cells;
}

/** The heatmap's cell size for n observers: readable for a few, about 720 px wide for many. */
export function cellSize(n: number): number {
  return Math.max(6, Math.min(18, Math.floor(720 / Math.max(1, n))));
}

/** The colour of cells without kappa (as the canvas heatmap draws them). */
export const NO_KAPPA_GREY = "#d4d4d8";

/** The heatmap cells' tooltip: both observers, both accuracies, c_obs, c_exp, kappa with its interval, n. */
const CELL_TOOLTIP = [
  { field: "row", title: "observer 1" },
  { field: "col", title: "observer 2" },
  { field: "pair", title: "pair" },
  { field: "acc1", title: "accuracy 1" },
  { field: "acc2", title: "accuracy 2" },
  { field: "c_obs", title: "c_obs" },
  { field: "c_exp", title: "c_exp" },
  { field: "kappa_text", title: "κ" },
  { field: "interval", title: "κ 95% CI (analytic)" },
  { field: "n", title: "n trials" },
  { field: "status", title: "status" },
];

/** Signals the page sets: the selected pair (`sel_a`, `sel_b`) and the picked observers. */
const CELL_PARAMS = [
  { name: "sel_a", value: "" },
  { name: "sel_b", value: "" },
  { name: "picked", value: [] },
];

/** The selected pair outlined; cells of observers outside a non-empty `picked` list faded. */
function cellHighlights(thinLines: boolean) {
  const selected = "(datum.row === sel_a && datum.col === sel_b) || (datum.row === sel_b && datum.col === sel_a)";
  return {
    opacity: {
      condition: { test: "length(picked) === 0 || indexof(picked, datum.row) >= 0 || indexof(picked, datum.col) >= 0", value: 1 },
      value: 0.25,
    },
    stroke: { condition: { test: selected, value: "#111" }, value: "white" },
    strokeWidth: { condition: { test: selected, value: 2 }, value: thinLines ? 0.5 : 0 },
  };
}

/**
 * The kappa matrix as the report's clustered heatmap (`kappaHeatmapSpec` of src/figures: the
 * dendrogram on 1 − kappa above, the human/model strip, the heatmap), with the dashboard's cells
 * (tooltips with accuracies and the pair's interval), selection and picks. Null where a pair has
 * no kappa (the clustering needs every pair): then {@link heatmapSpec}.
 */
export function clusteredHeatmapSpec(
  matrix: PairMatrix,
  title: string,
  groups: readonly Group[] = [],
): { spec: TopLevelSpec; cells: HeatmapCell[] } | null {
  const n = matrix.size;
  const pairs: PairRow[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const details = pairDetails(matrix, i, j);
      if (!details || details.kappa === null) return null;
      const { interval: _interval, ...row } = details;
      pairs.push({ dataset: matrix.dataset, condition: matrix.condition, ...row });
    }
  }
  const humans = new Set(matrix.observers.filter((_, i) => matrix.human[i]));
  const spec = kappaHeatmapSpec({
    dataset: matrix.dataset,
    pairs,
    observers: matrix.observers,
    isHuman: (o) => humans.has(o),
    title,
    cellSize: cellSize(n),
  }) as TopLevelSpec & {
    vconcat: { name?: string; data?: unknown; mark?: object; encoding?: Record<string, unknown> }[];
  };
  const heatmap = spec.vconcat.find((panel) => panel.name === "heatmap")!;
  // The strip above the matrix shows each observer's group in its colour (humans and models as the report's).
  const strip = spec.vconcat.find((panel) => panel.name === "observer_kind")!;
  strip.data = { values: stripCells(matrix, groups) };
  strip.encoding = {
    ...strip.encoding,
    color: { field: "colour", type: "nominal", scale: null },
    tooltip: [
      { field: "observer", title: "observer" },
      { field: "kind", title: "kind" },
      { field: "group", title: "group" },
    ],
  };
  // The report's cells in its clustered order, replaced by the dashboard's richer ones.
  const order = (heatmap.encoding!.x as { scale: { domain: string[] } }).scale.domain.map((name) => matrix.observers.indexOf(name));
  const cells = heatmapCells(matrix, order);
  heatmap.data = { values: cells };
  heatmap.mark = { ...heatmap.mark, cursor: "pointer" };
  heatmap.encoding = { ...heatmap.encoding, ...cellHighlights(true), tooltip: CELL_TOOLTIP };
  // One decimal: the default format rounds -0.5 and 0.5 to "-1" and "1" on a small legend.
  const colour = heatmap.encoding.color as { legend?: Record<string, unknown> } | undefined;
  if (colour?.legend) colour.legend = { ...colour.legend, format: ".1f" };
  return { spec: { ...spec, params: CELL_PARAMS } as TopLevelSpec, cells };
}

/**
 * The kappa matrix as a plain Vega-Lite heatmap (where it cannot be clustered): cells in the
 * given order, the report's diverging colours over [−1, 1] centred at 0, pairs without kappa
 * grey, human labels in the human colour, selection and picks as in {@link clusteredHeatmapSpec}.
 */
export function heatmapSpec(
  cells: readonly (HeatmapCell | MetricCell)[],
  names: readonly string[],
  humans: ReadonlySet<string>,
  title: string,
  o: { legendTitle?: string; tooltip?: readonly object[]; strip?: readonly StripCell[] } = {},
): TopLevelSpec {
  const cell = cellSize(names.length);
  const side = cell * names.length;
  const isHuman = `indexof(${JSON.stringify([...humans])}, datum.value) >= 0`;
  const labelColor = { condition: { test: isHuman, value: HUMAN_COLOUR }, value: MODEL_COLOR };
  const band = { domain: [...names], paddingInner: 0, paddingOuter: 0 };
  const labels = names.length <= 80;
  const heatmap = {
    // Named as the report's heatmap panel, so its cells are `.heatmap_marks path` either way.
    name: "heatmap",
    width: side,
    height: side,
    data: { values: cells as unknown as Record<string, unknown>[] },
    mark: { type: "rect", cursor: "pointer" },
    encoding: {
      x: {
        field: "col",
        type: "nominal",
        scale: band,
        sort: null,
        axis: labels ? { title: null, orient: "bottom", labelAngle: -90, labelColor } : null,
      },
      y: { field: "row", type: "nominal", scale: band, sort: null, axis: labels ? { title: null, labelColor } : null },
      color: {
        field: "kappa",
        type: "quantitative",
        scale: { ...KAPPA_COLOUR_SCALE, domain: [...KAPPA_COLOUR_SCALE.domain] },
        legend: { title: o.legendTitle ?? "κ", values: [-1, -0.5, 0, 0.5, 1], format: ".1f", gradientLength: Math.min(side, 220) },
      },
      ...cellHighlights(labels),
      tooltip: o.tooltip ?? CELL_TOOLTIP,
    },
  };
  const top = {
    $schema: SCHEMA,
    title: { text: title, anchor: "start", fontSize: 14 },
    // Pairs without kappa (skipped, or c_exp = 1) drawn grey rather than left out.
    config: {
      ...FIGURE_CONFIG,
      axis: { ...FIGURE_CONFIG.axis, labelFontSize: 10, domain: false, ticks: false },
      scale: { invalid: { color: { value: NO_KAPPA_GREY } } },
      concat: { spacing: 2 },
    },
    params: CELL_PARAMS,
  };
  if (!o.strip) return { ...top, ...heatmap } as TopLevelSpec;
  // The strip above the columns, as the clustered matrix's (the report's panel name): each observer's group in its colour.
  const strip = {
    name: "observer_kind",
    width: side,
    height: Math.max(6, Math.round(cell / 2)),
    data: { values: o.strip },
    mark: { type: "rect" },
    encoding: {
      x: { field: "observer", type: "nominal", scale: band, sort: null, axis: null },
      color: { field: "colour", type: "nominal", scale: null },
      tooltip: [
        { field: "observer", title: "observer" },
        { field: "kind", title: "kind" },
        { field: "group", title: "group" },
      ],
    },
  };
  return { ...top, spacing: 2, resolve: { scale: { color: "independent" } }, vconcat: [strip, heatmap] } as TopLevelSpec;
}

/** One observer on the strip beside the matrix: its kind, group and the group's colour. */
export interface StripCell {
  observer: string;
  kind: "human" | "model";
  group: string;
  colour: string;
}

/** The strip of the observers of a matrix, in its order: each one's group ({@link observerGroups}) in the group's colour ({@link groupColour}). */
export function stripCells(matrix: Pick<PairMatrix, "observers" | "human">, groups: readonly Group[]): StripCell[] {
  const groupOf = observerGroups(matrix, groups);
  return matrix.observers.map((observer, i) => ({
    observer,
    kind: matrix.human[i] ? "human" : "model",
    group: groupOf[i],
    colour: groupColour(groupOf[i], groups),
  }));
}

/** One cell of a response-level metric's matrix: the pair's value (in `kappa`, for the colour) and its row of `trialwise pairs --metric` as text. */
export interface MetricCell {
  row: string;
  col: string;
  pair: string;
  kappa: number | null;
  value_text: string;
  acc1: string;
  acc2: string;
  n: number | null;
  /** The metric's own columns (c_obs_p, c_exp_p; mean_margin1, mean_margin2; p_obs, p_exp, same_wrong), "name value" each. */
  details: string;
  status: string;
}

/**
 * The cells of a metric's matrix in its order: off the diagonal each pair's row of `trialwise
 * pairs --metric` (a pair without a row: skipped, its item sets differ), 1 on the diagonal.
 */
export function metricCells(m: MetricMatrix): MetricCell[] {
  const rows = new Map(m.rows.map((r) => [`${r.observer1}\u0000${r.observer2}`, r]));
  const own =
    m.metric === "capa" || m.metric === "capa-discrete"
      ? ["c_obs_p", "c_exp_p"]
      : m.metric === "dmc"
        ? ["mean_margin1", "mean_margin2"]
        : ["p_obs", "p_exp", "same_wrong"];
  const cells: MetricCell[] = [];
  for (const i of m.order) {
    for (const j of m.order) {
      const [a, b] = m.observers[i] < m.observers[j] ? [i, j] : [j, i];
      const row = i === j ? undefined : rows.get(`${m.observers[a]}\u0000${m.observers[b]}`);
      const value = m.values[i * m.size + j];
      const number = (key: string) => (row ? (row[key] as number) : NaN);
      // Columns of one observer (acc1, mean_margin2, ...) as the cell's: its row's observer is "1".
      const side = (key: string) => (i === a ? key : key.replace(/[12]$/, (d) => (d === "1" ? "2" : "1")));
      cells.push({
        row: m.observers[i],
        col: m.observers[j],
        pair: i === j ? "the observer itself" : ((row?.pair_type as string | undefined) ?? "–"),
        kappa: Number.isNaN(value) ? null : value,
        value_text: fixed(value),
        acc1: fixed(number(side("acc1"))),
        acc2: fixed(number(side("acc2"))),
        n: row ? (row.n_trials as number) : null,
        details: own.map((key) => `${key} ${fixed(number(side(key)))}`).join(", "),
        status: i === j ? "diagonal" : row ? "computed" : "skipped: item sets differ",
      });
    }
  }
  return cells;
}

/** The tooltip of a metric's matrix cells. */
export function metricTooltip(symbol: string) {
  return [
    { field: "row", title: "observer 1" },
    { field: "col", title: "observer 2" },
    { field: "pair", title: "pair" },
    { field: "acc1", title: "accuracy 1" },
    { field: "acc2", title: "accuracy 2" },
    { field: "value_text", title: symbol },
    { field: "details", title: "from" },
    { field: "n", title: "n items" },
    { field: "status", title: "status" },
  ];
}

/** Colour of the kind "models" on the observer strip (the report's: its models are grey there). */
export const MODELS_STRIP_COLOUR = "#d4d4d8";

/**
 * The colour of each group, the one rule for the strip beside the matrix, the group chips and
 * the scatters: "humans" the human colour, "models" grey, the user's groups the report's
 * {@link GROUP_PALETTE} in the order they were made (none of it a colour reserved for humans,
 * ResNet-50, CORnet-S or CNN-CNN pairs).
 */
export function groupColour(name: string, groups: readonly Group[]): string {
  const k = groups.findIndex((g) => g.name === name);
  if (k >= 0) return GROUP_PALETTE[k % GROUP_PALETTE.length];
  return name === "humans" ? HUMAN_COLOUR : MODELS_STRIP_COLOUR;
}

/**
 * Colours of group-pair series: the report's colours for humans and models, a group's own
 * colour ({@link groupColour}) for pairs within it, and the rest of {@link GROUP_PALETTE} for
 * pairs across groups.
 */
export function seriesStyles(labels: readonly string[], groups: readonly Group[] = []): SeriesStyle[] {
  let next = groups.length;
  return labels.map((label) => {
    if (label === "humans – humans") return { label, colour: HUMAN_COLOUR, shape: "diamond" as const };
    if (label === "models – models") return { label, colour: CNN_CNN_COLOUR, shape: "cross-x" as const };
    const within = groups.find((g) => label === seriesLabel(g.name, g.name));
    if (within) return { label, colour: groupColour(within.name, groups), shape: "circle" as const };
    return { label, colour: GROUP_PALETTE[next++ % GROUP_PALETTE.length], shape: "square" as const };
  });
}

/** At most this many points go into a scatter (beyond, every k-th pair, said in the note). */
export const MAX_SCATTER_POINTS = 20_000;

/**
 * The c_obs-vs-c_exp and kappa-vs-c_exp scatters of every computed pair, coloured by group
 * pair (the report's `consistencyScatterSpec`), with chance for each pair's own trial count
 * (./pair-chance.ts): where every pair has the same count, the region of independent observers
 * for it; where counts differ, a grey bar at each pair's point, the band for its n at its c_exp.
 * `regions`: the regions computed so far by trial count (none yet: no chance drawn).
 */
export function consistencySpecs(
  matrix: PairMatrix,
  groups: readonly Group[],
  trialCounts: readonly { trials: number; pairs: number }[],
  regions: ReadonlyMap<number, readonly ChanceBandRow[]>,
) {
  const n = matrix.size;
  const groupOf = observerGroups(matrix, groups);
  const total = (n * (n - 1)) / 2;
  const step = Math.max(1, Math.ceil(total / MAX_SCATTER_POINTS));
  const points: (ConsistencyPoint & { n: number })[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (k++ % step !== 0 || !isComputed(matrix, i, j)) continue;
      const kappa = matrix.kappa[i * n + j];
      points.push({
        c_exp: matrix.cExp[i * n + j],
        c_obs: matrix.cObs[i * n + j],
        kappa: Number.isNaN(kappa) ? null : kappa,
        series: seriesLabel(groupOf[i], groupOf[j]),
        observer1: matrix.observers[i],
        observer2: matrix.observers[j],
        n: matrix.trials[i * n + j],
      });
    }
  }
  const series = seriesStyles([...new Set(points.map((p) => p.series))].sort(), groups);
  const single = trialCounts.length === 1 ? regions.get(trialCounts[0].trials) : undefined;
  const bars =
    trialCounts.length > 1
      ? points.flatMap((p) => {
          const band = pairChanceBand(regions, p.n, p.c_exp);
          return band
            ? [
                {
                  c_exp: p.c_exp,
                  c_obs_low: band.c_obs_low,
                  c_obs_high: band.c_obs_high,
                  kappa_low: band.kappa_low,
                  kappa_high: band.kappa_high,
                },
              ]
            : [];
        })
      : [];
  const pending = trialCounts.some((c) => !regions.has(c.trials));
  const shownCounts = trialCounts.filter((c) => regions.has(c.trials)).map((c) => c.trials);
  const region = single
    ? ` (grey: 95% region of independent observers, ${trialCounts[0].trials} trials)`
    : bars.length > 0
      ? " (grey bars: 95% band of independent observers for each pair's trial count)"
      : "";
  const options = { points, series, chance: single, width: 360, height: 300 };
  const withChance = (spec: TopLevelSpec, measure: "c_obs" | "kappa") => withChanceBars(withSelectedPair(spec, measure), bars, measure);
  const notes = [
    step > 1 ? `showing every ${step}th of ${total.toLocaleString("en")} pairs` : null,
    trialCounts.length > 1
      ? `pairs have ${trialCounts.length} different trial counts (${trialCounts
          .slice(0, 6)
          .map((c) => `${c.pairs} pair(s) on ${c.trials}`)
          .join(
            ", ",
          )}${trialCounts.length > 6 ? ", …" : ""}); each is compared with the chance band for its own count${shownCounts.length < trialCounts.length && !pending ? `, computed for the ${shownCounts.length} most common counts (${shownCounts.join(", ")})` : ""}`
      : null,
    pending && trialCounts.length > 0 ? "computing the chance region…" : null,
  ];
  return {
    cObs: withChance(
      consistencyScatterSpec({ ...options, title: `Observed vs expected error overlap${region}`, measure: "c_obs" }),
      "c_obs",
    ),
    kappa: withChance(consistencyScatterSpec({ ...options, title: "Error consistency κ vs expected overlap", measure: "kappa" }), "kappa"),
    note: notes.filter(Boolean).join("; ") || null,
  };
}

/** Name of the data set holding each pair's chance bar where trial counts differ. */
export const CHANCE_BARS_DATA = "chance_bars";

/** Puts a grey bar (the chance band for the pair's trial count) under every pair's point: a first layer over {@link CHANCE_BARS_DATA}. */
function withChanceBars(spec: TopLevelSpec, bars: readonly object[], measure: "c_obs" | "kappa"): TopLevelSpec {
  const layered = spec as TopLevelSpec & { layer: object[] };
  const bar = {
    data: { name: CHANCE_BARS_DATA, values: bars },
    mark: { type: "rule", color: "#bdbdbd", strokeWidth: 3, opacity: 0.8 },
    encoding: {
      x: { field: "c_exp", type: "quantitative" },
      y: { field: `${measure}_low`, type: "quantitative" },
      y2: { field: `${measure}_high` },
    },
  };
  return { ...layered, layer: [bar, ...layered.layer] } as TopLevelSpec;
}

/** Name of the data set holding the selected pair's point in the scatters (set with `view.data`). */
export const SELECTED_PAIR_DATA = "selected_pair";

/** Adds a ring around the selected pair's point: a layer over the named data {@link SELECTED_PAIR_DATA}. */
function withSelectedPair(spec: TopLevelSpec, measure: "c_obs" | "kappa"): TopLevelSpec {
  const layered = spec as TopLevelSpec & { layer: object[] };
  return {
    ...layered,
    layer: [
      ...layered.layer,
      {
        data: { name: SELECTED_PAIR_DATA },
        mark: { type: "point", shape: "circle", size: 260, filled: false, stroke: "#111", strokeWidth: 2.2, opacity: 1 },
        encoding: { x: { field: "c_exp", type: "quantitative" }, y: { field: measure, type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Kappa against the model's accuracy on this dataset: every model-human kappa, each model's
 * mean with its 95% half-width, the OLS line and the human-human and model-model bands (the
 * report's `kappaVsAccuracySpec`), the OLS line named in a legend below the plot rather than
 * written inside it, where it covered points ({@link withFitInLegend}). Null without humans
 * and models, or with fewer than 3 points.
 */
export function kappaVsAccuracy(
  matrix: PairMatrix,
  ranked: readonly RankedModel[],
  kinds: readonly KappaSummary[],
  bootstrapped: readonly GroupMean[] | null = null,
): { spec: TopLevelSpec; note: string | null } | null {
  const n = matrix.size;
  const all: { model: string; accuracy: number; kappa: number }[] = [];
  for (let m = 0; m < n; m++) {
    if (matrix.human[m]) continue;
    for (let h = 0; h < n; h++) {
      if (!matrix.human[h] || !isComputed(matrix, m, h) || Number.isNaN(matrix.kappa[m * n + h])) continue;
      all.push({ model: matrix.observers[m], accuracy: 100 * matrix.accuracy[m], kappa: matrix.kappa[m * n + h] });
    }
  }
  const means = ranked.flatMap((r) =>
    r.mean === null ? [] : [{ model: r.model, accuracy: 100 * r.accuracy, mean: r.mean, ci95: r.ci95 ?? 0 }],
  );
  if (all.length < 3 || means.length === 0 || new Set(all.map((p) => p.accuracy)).size < 2) return null;
  // The fit uses every point; the figure shows at most MAX_SCATTER_POINTS of them.
  const fit = linearRegression(
    all.map((p) => p.accuracy),
    all.map((p) => p.kappa),
  );
  const step = Math.max(1, Math.ceil(all.length / MAX_SCATTER_POINTS));
  const band = (label: string, name: string, colour: string) => {
    const s = kinds.find((k) => k.label === label);
    return s && s.mean !== null ? [{ label: name, mean: s.mean, ci95: s.ci95 ?? 0, colour }] : [];
  };
  const models = [...new Set(means.map((m) => m.model))];
  // Beyond a legend's worth of models, one colour for all (the ranking table names each mean).
  const legend = models.length <= MAX_LEGEND_MODELS;
  const series = (model: string) => (legend ? model : "models");
  const fitLabel = `OLS: κ = ${fit.intercept.toFixed(3)} + ${fit.slope.toFixed(4)} · accuracy (R² = ${fit.r2.toFixed(2)})`;
  const spec = kappaVsAccuracySpec({
    title: "Error consistency with humans vs accuracy on this dataset",
    xTitle: "Model accuracy on this dataset (%)",
    points: all.filter((_, k) => k % step === 0).map((p) => ({ ...p, model: series(p.model) })),
    means: means.map((m) => ({ ...m, model: series(m.model) })),
    fit,
    fitLabel,
    bands: [...band("humans – humans", "human-human", HUMAN_COLOUR), ...band("models – models", "model-model", CNN_CNN_COLOUR)],
    models: legend
      ? models.map((model) => ({ label: model, colour: observerStyle(model, false).colour, shape: "circle" as const }))
      : [{ label: "models", colour: MODEL_COLOR, shape: "circle" as const }],
  });
  const notes = [
    step > 1 ? `showing every ${step}th of ${all.length.toLocaleString("en")} model-human pairs (the fit uses all)` : null,
    legend ? null : `${models.length} models share one colour`,
  ];
  return {
    spec: withModelIntervals(withBandIntervals(withFitInLegend(spec, fitLabel), bootstrapped), ranked),
    note: notes.filter(Boolean).join("; ") || null,
  };
}

/**
 * Each model's mean in the kappa-vs-accuracy spec with its joint-bootstrap interval where the
 * ranking has it (`ranked`: models with `boot_lower`/`boot_upper`), as the ranking shows it,
 * instead of the normal half-width over the humans; the half-width stays where there is none.
 */
export function withModelIntervals(spec: TopLevelSpec, ranked: readonly RankedModel[]): TopLevelSpec {
  type Mean = { model: string; mean: number; low: number; high: number; ci95: number };
  const boot = new Map(ranked.flatMap((r) => (r.boot_lower !== null && r.boot_upper !== null ? [[r.model, r]] : [])));
  if (boot.size === 0) return spec;
  const layers = (spec as { layer: { data?: { values?: Mean[] }; layer?: object[] }[] }).layer;
  return {
    ...spec,
    layer: layers.map((l) => {
      const values = l.data?.values;
      if (!l.layer || !values?.every((v) => "model" in v && "mean" in v && "ci95" in v)) return l;
      // Beyond a legend's worth of models the means are named "models": no model to look up, the half-width stays.
      const patched = values.map((v) => {
        const r = boot.get(v.model);
        return r ? { ...v, low: r.boot_lower!, high: r.boot_upper! } : v;
      });
      return { ...l, data: { ...l.data, values: patched } };
    }),
  } as TopLevelSpec;
}

/**
 * The human-human and model-model bands of the kappa-vs-accuracy spec with the joint-bootstrap
 * interval of their mean (`bootstrapped`: the kinds' means from the ranking's bootstrap; null
 * while it runs), not the report's mean ± 1.96 sd/√n, which treats pairs sharing an observer
 * as independent: until it arrives, or where it has no interval, the band is the mean alone.
 */
export function withBandIntervals(spec: TopLevelSpec, bootstrapped: readonly GroupMean[] | null): TopLevelSpec {
  type Band = { label: string; mean: number; low: number; high: number; text: string; colour: string };
  const layers = (spec as { layer: { data?: { values?: Band[] } }[] }).layer;
  const series: Record<string, string> = { "human-human": HUMAN_PAIRS, "model-model": seriesLabel("models", "models") };
  const patch = (b: Band): Band => {
    const mean = bootstrapped?.find((k) => k.label === series[b.label]);
    const interval = mean && mean.boot_lower !== null && mean.boot_upper !== null ? [mean.boot_lower, mean.boot_upper] : null;
    const said = interval ? ` [${interval[0].toFixed(2)}, ${interval[1].toFixed(2)}]` : bootstrapped ? "" : " (interval: bootstrapping…)";
    return { ...b, low: interval?.[0] ?? b.mean, high: interval?.[1] ?? b.mean, text: `${b.label}: ${b.mean.toFixed(2)}${said}` };
  };
  const patched = new Map<Band[], Band[]>();
  return {
    ...spec,
    layer: layers.map((l) => {
      const values = l.data?.values;
      if (!values || values.length === 0 || !values.every((v) => "colour" in v && "text" in v && v.label in series)) return l;
      if (!patched.has(values)) patched.set(values, values.map(patch));
      return { ...l, data: { ...l.data, values: patched.get(values) } };
    }),
  } as TopLevelSpec;
}

/**
 * The report's kappa-vs-accuracy spec with its OLS label taken out of the plot (the text
 * layer that writes `fitLabel`) and the fit line named in a legend of its own below the plot
 * instead: a label inside the plot covers points wherever the points spread across the axis.
 */
export function withFitInLegend(spec: TopLevelSpec, fitLabel: string): TopLevelSpec {
  type Layer = { mark?: { type?: string; strokeDash?: number[] }; data?: { values?: { text?: string }[] }; encoding?: object };
  const layers = (spec as { layer: Layer[] }).layer;
  const isLabel = (l: Layer) => l.mark?.type === "text" && l.data?.values?.[0]?.text === fitLabel;
  return {
    ...spec,
    layer: layers
      .filter((l) => !isLabel(l))
      .map((l) => {
        if (l.mark?.type !== "line") return l;
        const { strokeDash, ...mark } = l.mark;
        return {
          ...l,
          mark,
          encoding: {
            ...l.encoding,
            strokeDash: {
              datum: fitLabel,
              type: "nominal",
              scale: { domain: [fitLabel], range: [strokeDash ?? [4, 3]] },
              legend: { title: null, orient: "bottom", labelLimit: 600, symbolStrokeColor: "black", symbolStrokeWidth: 1.5 },
            },
          },
        };
      }),
  } as TopLevelSpec;
}

/** Most models given a colour and a legend entry each in the kappa-vs-accuracy figure. */
export const MAX_LEGEND_MODELS = 30;

/** The series label of pairs of two humans (the kinds' grouping, {@link seriesLabel}). */
export const HUMAN_PAIRS = seriesLabel("humans", "humans");

/** Name of the data set holding the ranking's human-human reference (line and interval). */
export const HUMAN_REFERENCE_DATA = "human_reference";

/**
 * The ranking as dots with intervals (bootstrap where computed, else the normal half-width),
 * and the human-human reference: the mean κ of every pair of two humans as a dashed line in
 * the human colour, its joint-bootstrap interval as a band around it (said in the subtitle).
 */
export function rankingSpec(ranking: Ranking): TopLevelSpec {
  const rows = ranking.models
    .filter((r) => r.mean !== null)
    .map((r) => ({
      ...r,
      low: r.boot_lower ?? (r.ci95 === null ? r.mean : r.mean! - r.ci95),
      high: r.boot_upper ?? (r.ci95 === null ? r.mean : r.mean! + r.ci95),
      colour: observerStyle(r.model, false).colour,
    }));
  const humans = ranking.kinds.find((k) => k.label === HUMAN_PAIRS);
  const reference =
    humans && humans.mean !== null
      ? [{ mean: humans.mean, low: humans.boot_lower ?? humans.mean, high: humans.boot_upper ?? humans.mean, n_pairs: humans.n_pairs }]
      : [];
  const y = { field: "model", type: "nominal" as const, sort: null, title: null };
  const x = { type: "quantitative" as const, title: "Mean error consistency κ with the humans" };
  const referenceText = reference.map(
    (r) =>
      `dashed line: human-human mean κ ${fixed(r.mean)}${humans!.boot_lower !== null ? `, 95% interval [${fixed(r.low)}, ${fixed(r.high)}] (band)` : ""}, ${r.n_pairs} pairs`,
  );
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: {
      text:
        ranking.replicates > 0
          ? `Models by mean κ with humans (95% joint-bootstrap intervals, ${ranking.replicates} replicates)`
          : "Models by mean κ with humans (mean ± 1.96 sd/√n)",
      ...(referenceText.length > 0 ? { subtitle: referenceText, subtitleColor: HUMAN_COLOUR, subtitleFontSize: 12 } : {}),
    },
    width: 360,
    height: { step: 16 },
    data: { values: rows },
    layer: [
      { mark: { type: "rule", color: "#999" }, encoding: { x: { datum: 0, type: "quantitative" } } },
      {
        data: { name: HUMAN_REFERENCE_DATA, values: reference },
        layer: [
          {
            mark: { type: "rect", color: HUMAN_COLOUR, opacity: 0.12 },
            encoding: { x: { field: "low", ...x }, x2: { field: "high" } },
          },
          {
            mark: { type: "rule", color: HUMAN_COLOUR, strokeDash: [6, 4], strokeWidth: 2 },
            encoding: {
              x: { field: "mean", ...x },
              tooltip: [
                { field: "mean", title: "human-human mean κ", format: ".4f" },
                { field: "low", title: "lower", format: ".4f" },
                { field: "high", title: "upper", format: ".4f" },
                { field: "n_pairs", title: "pairs" },
              ],
            },
          },
        ],
      },
      {
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: { y, x: { field: "low", ...x }, x2: { field: "high" }, color: { field: "colour", type: "nominal", scale: null } },
      },
      {
        mark: { type: "point", filled: true, size: 70, opacity: 1, cursor: "pointer" },
        encoding: {
          y,
          x: { field: "mean", ...x },
          color: { field: "colour", type: "nominal", scale: null },
          tooltip: [
            { field: "model" },
            { field: "accuracy", format: ".3f" },
            { field: "n_humans" },
            { field: "mean", title: "mean κ", format: ".4f" },
            { field: "low", title: "lower", format: ".4f" },
            { field: "high", title: "upper", format: ".4f" },
          ],
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * A per-condition figure: conditions in natural order on a categorical axis (../../core/condition-order.ts),
 * one panel per family (eidolon's coherences), one line per series broken where a condition
 * has no value, every point with its n in the tooltip; with `intervals`, each point's 95%
 * interval as a capped bar and its n written above it.
 */
export function curvesSpec(
  values: readonly ConditionValue[],
  conditions: readonly string[],
  o: { title: string; yTitle: string; yDomain: [number, number]; intervals: boolean; colour: (series: string) => string },
): TopLevelSpec {
  const layout = conditionLayout(conditions);
  const place = new Map(layout.places.map((p) => [p.condition, p]));
  const rows = values.flatMap((v) => {
    const at = place.get(v.condition);
    return at
      ? [
          {
            ...v,
            x: at.x,
            family: at.family,
            interval: v.lower !== null && v.upper !== null ? `[${fixed(v.lower)}, ${fixed(v.upper)}]` : "–",
            n_text: `n=${v.n}`,
          },
        ]
      : [];
  });
  const xOrder = [...new Set(layout.places.map((p) => p.x))];
  const names = [...new Set(values.map((v) => v.series))];
  const x = {
    field: "x",
    type: "ordinal" as const,
    sort: xOrder,
    scale: { domain: xOrder },
    title: layout.families.length > 1 ? null : layout.xTitle,
    axis: { labelAngle: 0 },
  };
  const y = { field: "value", type: "quantitative" as const, title: o.yTitle, scale: { domain: o.yDomain } };
  const color = {
    field: "series",
    type: "nominal" as const,
    title: null,
    scale: { domain: names, range: names.map(o.colour) },
    legend: names.length > 1 ? { orient: "bottom", columns: 2 } : null,
  };
  const defined = { filter: "datum.value !== null" };
  const tooltip = [
    { field: "series" },
    { field: "condition" },
    { field: "value", title: o.yTitle, format: ".4f" },
    { field: "n", title: "n trials" },
    ...(o.intervals ? [{ field: "interval", title: "95% interval" }] : []),
  ];
  const layers: object[] = [
    { mark: { type: "line", strokeWidth: 2, invalid: "break-paths-show-path-domains" }, encoding: { x, y, color } },
    { transform: [defined], mark: { type: "point", filled: true, size: 60, opacity: 1 }, encoding: { x, y, color, tooltip } },
  ];
  if (o.intervals) {
    const ranged = { filter: "datum.lower !== null && datum.upper !== null" };
    layers.push(
      {
        transform: [ranged],
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: { x, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" }, color, tooltip },
      },
      {
        transform: [ranged],
        mark: { type: "tick", orient: "horizontal", size: 8, thickness: 1.5 },
        encoding: { x, y: { field: "lower", type: "quantitative" }, color },
      },
      {
        transform: [ranged],
        mark: { type: "tick", orient: "horizontal", size: 8, thickness: 1.5 },
        encoding: { x, y: { field: "upper", type: "quantitative" }, color },
      },
      {
        transform: [defined],
        mark: { type: "text", dy: -9, fontSize: 8, color: "#52525b" },
        encoding: { x, y: { field: "upper", type: "quantitative" }, text: { field: "n_text" } },
      },
    );
  }
  const panel = { width: layout.families.length > 1 ? 200 : Math.max(240, 36 * xOrder.length), height: 230, layer: layers };
  const base = {
    $schema: SCHEMA,
    config: { ...FIGURE_CONFIG, axis: { ...FIGURE_CONFIG.axis, titleLimit: 420 } },
    title: { text: o.title, anchor: "start" },
    data: { values: rows },
  };
  if (layout.families.length === 1) return { ...base, ...panel } as TopLevelSpec;
  return {
    ...base,
    facet: {
      column: {
        field: "family",
        type: "nominal",
        sort: layout.families,
        title: "condition (· along the axis)",
        header: { labelFontSize: 11, labelExpr: "'condition ' + datum.value" },
      },
    },
    spec: panel,
  } as TopLevelSpec;
}
