/**
 * Declarative figure specs (Vega-Lite) for error-consistency results. Each builder takes
 * plain rows and returns a complete spec with its data inline, so it renders offline, in Node
 * (SVG/PNG) and in browsers alike. No Node APIs.
 */
import type { TopLevelSpec } from "vega-lite";
import { placeLabels, textWidth } from "./labels.ts";
import { CHANCE_COLOUR, FIGURE_CONFIG, HUMAN_COLOUR, type MarkerShape } from "./style.ts";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** One bin of a chance region: the band that independent observers fall into. */
export interface ChanceBand {
  c_exp_mean: number;
  c_obs_low: number | null;
  c_obs_high: number | null;
  kappa_low: number | null;
  kappa_high: number | null;
}

/** A series of the legend: its label, colour and point shape. */
export interface SeriesStyle {
  label: string;
  colour: string;
  /** A Vega shape name; "cross-x" draws ×. */
  shape: MarkerShape;
  /**
   * Series with the same group share one legend entry, named by the group (a model family:
   * its members differ only in shade); the entry shows the group's middle member.
   */
  legendGroup?: string;
}

/** Where a legend goes: inside the plot at a corner, or right of it. */
export type LegendPlace = "top-left" | "top-right" | "bottom-right" | "bottom-left" | "right";

// A filled ×, so that it draws like the other (filled) shapes.
const X_SHAPE = "M-1,-0.6L-0.6,-1L0,-0.4L0.6,-1L1,-0.6L0.4,0L1,0.6L0.6,1L0,0.4L-0.6,1L-1,0.6L-0.4,0Z";

export function vegaShape(shape: MarkerShape): string {
  return shape === "cross-x" ? X_SHAPE : shape;
}

/**
 * The legend of a series scale: every series without a group, and one entry per group (its
 * middle member, labelled with the group's name), in series order.
 */
export function groupedLegend(series: readonly SeriesStyle[], place: LegendPlace = "right", title: string | null = null) {
  const values: string[] = [];
  const renames: [string, string][] = [];
  const groups = new Set<string>();
  for (const s of series) {
    if (s.legendGroup === undefined) {
      values.push(s.label);
      continue;
    }
    if (groups.has(s.legendGroup)) continue;
    groups.add(s.legendGroup);
    const members = series.filter((m) => m.legendGroup === s.legendGroup);
    const shown = members[Math.floor((members.length - 1) / 2)];
    values.push(shown.label);
    renames.push([shown.label, s.legendGroup]);
  }
  const labelExpr = renames.reduceRight(
    (rest, [from, to]) => `datum.label === ${JSON.stringify(from)} ? ${JSON.stringify(to)} : ${rest}`,
    "datum.label",
  );
  // Inside the plot a legend is kept small: it must leave the data visible.
  const inside = { offset: 4, labelFontSize: 11, symbolSize: 45, rowPadding: 0, padding: 4 };
  return { values, labelExpr, orient: place, title, symbolOpacity: 1, ...(place === "right" ? {} : inside) };
}

function legendScales(series: readonly SeriesStyle[]) {
  return {
    color: { domain: series.map((s) => s.label), range: series.map((s) => s.colour) },
    shape: { domain: series.map((s) => s.label), range: series.map((s) => vegaShape(s.shape)) },
  };
}

export interface KappaVsAccuracyOptions {
  title: string;
  xTitle: string;
  /** Each model-human kappa. */
  points: readonly { model: string; accuracy: number; kappa: number }[];
  /** Each model's mean kappa with the humans and its 95% half-width. */
  means: readonly { model: string; accuracy: number; mean: number; ci95: number }[];
  /** The OLS fit of kappa on accuracy over the points. */
  fit: { slope: number; intercept: number };
  fitLabel: string;
  /** Horizontal bands: mean ± half-width, labelled. */
  bands: readonly { label: string; mean: number; ci95: number; colour: string }[];
  models: readonly SeriesStyle[];
  /** The x-axis range; default: the accuracies (in %) widened by 2 on each side, to whole numbers. */
  xDomain?: [number, number];
  legend?: LegendPlace;
  width?: number;
  height?: number;
}

/** Short horizontal caps at both ends of vertical error bars (`low`, `high` fields). */
function errorBarLayers(x: object, y: object, colour = "#333") {
  return [
    {
      mark: { type: "rule", strokeWidth: 1.2 },
      encoding: { x, y: { field: "low", ...y }, y2: { field: "high" }, color: { value: colour } },
    },
    {
      mark: { type: "tick", orient: "horizontal", size: 9, thickness: 1.2 },
      encoding: { x, y: { field: "low", ...y }, color: { value: colour } },
    },
    {
      mark: { type: "tick", orient: "horizontal", size: 9, thickness: 1.2 },
      encoding: { x, y: { field: "high", ...y }, color: { value: colour } },
    },
  ];
}

/**
 * Where the fit's label goes: centred in the widest stretch of the x-axis without data (so it
 * covers no point), and far enough above (falling line) or below (rising line) the line that
 * the line clears the whole text.
 */
export function fitLabelPlace(
  xs: readonly number[],
  domain: [number, number],
  fit: { slope: number; intercept: number },
  yDomain: [number, number],
  size: { width: number; height: number },
  text: string,
  fontSize: number,
) {
  const stops = [domain[0], ...[...xs].sort((a, b) => a - b), domain[1]];
  let at = (domain[0] + domain[1]) / 2;
  let widest = -1;
  for (let i = 1; i < stops.length; i++) {
    if (stops[i] - stops[i - 1] > widest) {
      widest = stops[i] - stops[i - 1];
      at = (stops[i] + stops[i - 1]) / 2;
    }
  }
  const pixelSlope = (fit.slope * size.height) / (yDomain[1] - yDomain[0]) / (size.width / (domain[1] - domain[0]));
  const clearance = Math.abs(pixelSlope) * (textWidth(text, fontSize) / 2) + 5;
  return {
    accuracy: at,
    kappa: fit.intercept + fit.slope * at,
    dy: fit.slope >= 0 ? clearance : -clearance,
    baseline: fit.slope >= 0 ? "top" : "bottom",
  };
}

/**
 * Kappa against a model property (ImageNet accuracy): every model-human kappa as a small
 * point, each model's mean with its interval (capped), the OLS line and labelled reference bands.
 */
export function kappaVsAccuracySpec(o: KappaVsAccuracyOptions): TopLevelSpec {
  const xs = o.points.map((p) => p.accuracy);
  const [xMin, xMax] = o.xDomain ?? [Math.floor(Math.min(...xs) - 2), Math.ceil(Math.max(...xs) + 2)];
  const yMax = Math.max(
    0.7,
    Math.ceil((Math.max(...o.bands.map((b) => b.mean + b.ci95), ...o.points.map((p) => p.kappa)) + 0.08) * 10) / 10,
  );
  const yMin = Math.min(0, Math.floor(Math.min(...o.points.map((p) => p.kappa)) * 10) / 10);
  const width = o.width ?? 460;
  const height = o.height ?? 340;
  const x = { field: "accuracy", type: "quantitative" as const, title: o.xTitle, scale: { domain: [xMin, xMax], nice: false } };
  const y = { type: "quantitative" as const, title: "Error consistency κ", scale: { domain: [yMin, yMax] } };
  const scales = legendScales(o.models);
  const legend = groupedLegend(o.models, o.legend ?? "right", "model (mean ± 95% CI)");
  const bands = o.bands.map((b) => ({
    ...b,
    low: b.mean - b.ci95,
    high: b.mean + b.ci95,
    text: `${b.label}: ${b.mean.toFixed(2)} ± ${b.ci95.toFixed(2)}`,
  }));
  const fitLine = [xMin, xMax].map((a) => ({ accuracy: a, kappa: o.fit.intercept + o.fit.slope * a }));
  const label = fitLabelPlace(xs, [xMin, xMax], o.fit, [yMin, yMax], { width, height }, o.fitLabel, 13);
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width,
    height,
    layer: [
      {
        data: { values: bands },
        mark: { type: "rect", fillOpacity: 0.18 },
        encoding: { y: { field: "low", ...y }, y2: { field: "high" }, color: { field: "colour", type: "nominal", scale: null } },
      },
      {
        data: { values: bands },
        mark: { type: "rule", strokeDash: [8, 5], strokeWidth: 2.5 },
        encoding: { y: { field: "mean", ...y }, color: { field: "colour", type: "nominal", scale: null } },
      },
      {
        data: { values: bands },
        mark: { type: "text", dy: -10, fontSize: 14, baseline: "bottom" },
        encoding: {
          x: { value: width / 2 },
          y: { field: "high", ...y },
          text: { field: "text" },
          color: { field: "colour", type: "nominal", scale: null },
        },
      },
      {
        data: { values: fitLine },
        mark: { type: "line", strokeDash: [4, 3], color: "black", strokeWidth: 1.5, clip: true },
        encoding: { x, y: { field: "kappa", ...y } },
      },
      {
        data: { values: [{ accuracy: label.accuracy, kappa: label.kappa, text: o.fitLabel }] },
        mark: { type: "text", dy: label.dy, fontSize: 13, align: "center", baseline: label.baseline },
        encoding: { x, y: { field: "kappa", ...y }, text: { field: "text" } },
      },
      {
        data: { values: o.points },
        mark: { type: "point", filled: true, size: 22, fillOpacity: 0.35 },
        encoding: {
          x,
          y: { field: "kappa", ...y },
          color: { field: "model", type: "nominal", scale: scales.color, legend },
        },
      },
      {
        data: { values: o.means.map((m) => ({ ...m, low: m.mean - m.ci95, high: m.mean + m.ci95 })) },
        layer: [
          ...errorBarLayers(x, y),
          {
            mark: { type: "point", filled: true, size: 110, stroke: "#222", strokeWidth: 0.8, opacity: 1 },
            encoding: {
              x,
              y: { field: "mean", ...y },
              color: { field: "model", type: "nominal", scale: scales.color, legend },
              tooltip: [
                { field: "model" },
                { field: "accuracy", format: ".3f" },
                { field: "mean", title: "mean κ", format: ".4f" },
                { field: "ci95", title: "half-width", format: ".4f" },
              ],
            },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

export interface ConsistencyPoint {
  c_exp: number;
  c_obs: number;
  kappa: number | null;
  /** The legend series the point belongs to. */
  series: string;
  observer1: string;
  observer2: string;
}

export interface ConsistencyScatterOptions {
  title: string;
  measure: "c_obs" | "kappa";
  points: readonly ConsistencyPoint[];
  series: readonly SeriesStyle[];
  chance?: readonly ChanceBand[];
  width?: number;
  height?: number;
  /** Default "top-left": inside the plot, where no pair can lie (c_obs <= 1 - sqrt(1 - 2 c_exp)). */
  legend?: LegendPlace | null;
}

/** The layers of one c_obs-vs-c_exp or kappa-vs-c_exp panel (without top-level settings). */
function consistencyLayers(o: ConsistencyScatterOptions) {
  const isKappa = o.measure === "kappa";
  const x = { field: "c_exp", type: "quantitative" as const, title: "Error overlap expected by chance, c_exp", scale: { domain: [0, 1] } };
  const kappas = o.points.flatMap((p) => (p.kappa === null ? [] : [p.kappa]));
  const yDomain = isKappa ? [Math.min(-0.1, Math.floor(Math.min(...kappas, 0) * 10) / 10), 1] : [0, 1];
  const y = {
    type: "quantitative" as const,
    title: isKappa ? "Error consistency κ" : "Observed error overlap, c_obs",
    scale: { domain: yDomain },
  };
  const low = isKappa ? "kappa_low" : "c_obs_low";
  const high = isKappa ? "kappa_high" : "c_obs_high";
  const scales = legendScales(o.series);
  const layers: object[] = [];
  if (o.chance) {
    layers.push({
      data: { values: o.chance.filter((b) => b[low] !== null && b[high] !== null) },
      mark: { type: "area", color: CHANCE_COLOUR, opacity: 0.9, clip: true },
      encoding: { x: { ...x, field: "c_exp_mean" }, y: { field: low, ...y }, y2: { field: high } },
    });
  }
  if (!isKappa) {
    layers.push({
      data: {
        values: [
          { c_exp: 0, c_obs: 0 },
          { c_exp: 1, c_obs: 1 },
        ],
      },
      mark: { type: "line", color: "black", strokeDash: [5, 4], strokeWidth: 1.2 },
      encoding: { x, y: { field: "c_obs", ...y } },
    });
  }
  // Later series are drawn over earlier ones (series order), so the last series stays visible.
  const order = new Map(o.series.map((series, i) => [series.label, i]));
  const points = o.points
    .filter((p) => (isKappa ? p.kappa !== null : true))
    .sort((a, b) => (order.get(a.series) ?? 0) - (order.get(b.series) ?? 0));
  const legend = o.legend === null ? null : groupedLegend(o.series, o.legend ?? "top-left");
  layers.push({
    data: { values: points },
    mark: { type: "point", filled: true, size: 45, opacity: 0.85, strokeWidth: 1.6 },
    encoding: {
      x,
      y: { field: o.measure, ...y },
      color: { field: "series", type: "nominal", scale: scales.color, legend, sort: null },
      shape: { field: "series", type: "nominal", scale: scales.shape, legend, sort: null },
      tooltip: [
        { field: "observer1" },
        { field: "observer2" },
        { field: "c_exp", format: ".4f" },
        { field: "c_obs", format: ".4f" },
        { field: "kappa", title: "κ", format: ".4f" },
      ],
    },
  });
  return { width: o.width ?? 480, height: o.height ?? 370, title: o.title, layer: layers };
}

/**
 * c_obs (or kappa) against c_exp for pairs of observers, with the chance region of two
 * independent observers in grey and, for c_obs, the diagonal c_obs = c_exp.
 */
export function consistencyScatterSpec(o: ConsistencyScatterOptions): TopLevelSpec {
  return { $schema: SCHEMA, config: FIGURE_CONFIG, ...consistencyLayers(o) } as TopLevelSpec;
}

/** Consistency panels side by side (c_obs and kappa); the legend inside the first panel only. */
export function consistencyPanelsSpec(title: string, panels: readonly ConsistencyScatterOptions[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title,
    resolve: { legend: { color: "independent", shape: "independent" } },
    hconcat: panels.map((p, i) =>
      consistencyLayers({ ...p, width: p.width ?? 340, height: p.height ?? 320, legend: i === 0 ? (p.legend ?? "top-left") : null }),
    ),
  } as TopLevelSpec;
}

/** Shape bias of every observer as a dot plot, sorted; `marker` names the kind of row in the legend. */
export function shapeBiasSpec(o: {
  title: string;
  rows: readonly { observer: string; shape_bias: number; colour: string; marker: string }[];
  markers: readonly { label: string; shape: MarkerShape }[];
}): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width: 380,
    height: { step: 15 },
    data: { values: o.rows },
    layer: [
      {
        mark: { type: "rule", color: "#bbb", strokeDash: [3, 3] },
        encoding: { x: { datum: 0.5, type: "quantitative" } },
      },
      {
        mark: { type: "point", filled: true, size: 80, opacity: 1 },
        encoding: {
          y: { field: "observer", type: "nominal", sort: { field: "shape_bias", order: "descending" }, title: null },
          x: {
            field: "shape_bias",
            type: "quantitative",
            title: "Shape bias (fraction of shape decisions)",
            scale: { domain: [0, 1] },
          },
          color: { field: "colour", type: "nominal", scale: null },
          shape: {
            field: "marker",
            type: "nominal",
            scale: { domain: o.markers.map((m) => m.label), range: o.markers.map((m) => vegaShape(m.shape)) },
            legend: { orient: "bottom-right", title: null, offset: 6 },
          },
          tooltip: [{ field: "observer" }, { field: "shape_bias", format: ".4f" }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Shape bias against mean kappa with humans, each with its capped interval and a label placed clear of the others. */
export function shapeBiasVsKappaSpec(o: {
  title: string;
  rows: readonly { label: string; shape_bias: number; mean: number; ci95: number; colour: string }[];
  humanShapeBias?: number;
}): TopLevelSpec {
  const width = 400;
  const height = 300;
  const yMax = Math.max(0.3, Math.ceil(Math.max(...o.rows.map((r) => r.mean + r.ci95)) * 10 + 0.5) / 10);
  const pixelY = (value: number) => height * (1 - value / yMax);
  const errorBars = o.rows.map((r) => ({
    x: r.shape_bias * width - 5,
    y: pixelY(r.mean + r.ci95),
    width: 10,
    height: pixelY(r.mean - r.ci95) - pixelY(r.mean + r.ci95),
  }));
  const places = placeLabels(
    o.rows.map((r) => ({ x: r.shape_bias * width, y: pixelY(r.mean), text: r.label })),
    { width, height },
    12,
    7,
    errorBars,
  );
  const rows = o.rows.map((r, i) => ({ ...r, low: r.mean - r.ci95, high: r.mean + r.ci95, ...places[i] }));
  const x = {
    field: "shape_bias",
    type: "quantitative" as const,
    title: "Shape bias (fraction of shape decisions)",
    scale: { domain: [0, 1] },
  };
  const y = { type: "quantitative" as const, title: "Mean error consistency with humans, κ", scale: { domain: [0, yMax] } };
  const layers: object[] = [];
  if (o.humanShapeBias !== undefined) {
    layers.push({
      data: { values: [{ shape_bias: o.humanShapeBias, text: "humans" }] },
      layer: [
        { mark: { type: "rule", color: HUMAN_COLOUR, strokeDash: [6, 4] }, encoding: { x } },
        {
          mark: { type: "text", color: HUMAN_COLOUR, align: "right", baseline: "top", dx: -4, dy: 4, fontSize: 12 },
          encoding: { x, y: { value: 0 }, text: { field: "text" } },
        },
      ],
    });
  }
  layers.push({
    data: { values: rows },
    layer: [
      ...errorBarLayers(x, y),
      {
        mark: { type: "point", filled: true, size: 120, opacity: 1, stroke: "#222", strokeWidth: 0.6 },
        encoding: {
          x,
          y: { field: "mean", ...y },
          color: { field: "colour", type: "nominal", scale: null },
          tooltip: [{ field: "label" }, { field: "shape_bias", format: ".4f" }, { field: "mean", format: ".4f" }],
        },
      },
      // One text layer per label: Vega-Lite takes offsets and alignment from the mark, not from data.
      ...rows.map((r) => ({
        transform: [{ filter: `datum.label === ${JSON.stringify(r.label)}` }],
        mark: { type: "text", align: r.align, baseline: r.baseline, dx: r.dx, dy: r.dy, fontSize: 12 },
        encoding: { x, y: { field: "mean", ...y }, text: { field: "label" } },
      })),
    ],
  });
  return { $schema: SCHEMA, config: FIGURE_CONFIG, title: o.title, width, height, layer: layers } as TopLevelSpec;
}

export interface ConditionPoint {
  /** Position on the x-axis (already transformed, e.g. log10 of contrast). */
  x: number;
  condition: string;
  series: string;
  value: number;
  min?: number | null;
  max?: number | null;
}

/**
 * A value per condition (accuracy or kappa) as lines with points, one line per series;
 * optional min-max range bars and a dashed reference line (e.g. chance accuracy 1/16).
 */
export function conditionSpec(o: {
  title: string;
  xTitle: string;
  yTitle: string;
  points: readonly ConditionPoint[];
  series: readonly SeriesStyle[];
  reverseX?: boolean;
  reference?: number;
  yDomain?: [number, number];
}): TopLevelSpec {
  const scales = legendScales(o.series);
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: o.xTitle,
    scale: { reverse: o.reverseX ?? false, zero: false, nice: false },
  };
  const y = { type: "quantitative" as const, title: o.yTitle, scale: { domain: o.yDomain ?? [0, 1] } };
  const layers: object[] = [];
  if (o.reference !== undefined) {
    layers.push({
      data: { values: [{ value: o.reference }] },
      mark: { type: "rule", color: "#888", strokeDash: [4, 4] },
      encoding: { y: { field: "value", ...y } },
    });
  }
  const ranged = o.points.filter((p) => p.min !== undefined && p.min !== null && p.max !== undefined && p.max !== null);
  if (ranged.length > 0) {
    const colour = { field: "series", type: "nominal", scale: scales.color, title: null };
    layers.push({
      data: { values: ranged.map((p) => ({ ...p, low: p.min, high: p.max })) },
      layer: [
        { mark: { type: "rule", strokeWidth: 1.5 }, encoding: { x, y: { field: "low", ...y }, y2: { field: "high" }, color: colour } },
        {
          mark: { type: "tick", orient: "horizontal", size: 8, thickness: 1.5 },
          encoding: { x, y: { field: "low", ...y }, color: colour },
        },
        {
          mark: { type: "tick", orient: "horizontal", size: 8, thickness: 1.5 },
          encoding: { x, y: { field: "high", ...y }, color: colour },
        },
      ],
    });
  }
  layers.push({
    data: { values: o.points },
    layer: [
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y: { field: "value", ...y }, color: { field: "series", type: "nominal", scale: scales.color, title: null } },
      },
      {
        mark: { type: "point", filled: true, size: 90, opacity: 1 },
        encoding: {
          x,
          y: { field: "value", ...y },
          color: { field: "series", type: "nominal", scale: scales.color, title: null },
          shape: { field: "series", type: "nominal", scale: scales.shape, title: null },
          tooltip: [{ field: "series" }, { field: "condition" }, { field: "value", format: ".4f" }],
        },
      },
    ],
  });
  return { $schema: SCHEMA, config: FIGURE_CONFIG, title: o.title, width: 320, height: 250, layer: layers } as TopLevelSpec;
}

/** One pair's kappa in one condition, with what it is compared with. */
export interface ConditionKappa {
  x: number;
  condition: string;
  kappa: number;
  /** 95% interval of kappa. */
  lower: number;
  upper: number;
  /** The chance band of independent observers at this pair's c_exp and trial count. */
  chance_low: number;
  chance_high: number;
  /** The range of kappa the two accuracies allow (kappa_min, kappa_max). */
  bound_low: number;
  bound_high: number;
}

/**
 * Kappa of one pair of observers per condition: the range the two accuracies allow (light
 * bar), the chance band of independent observers (grey bar), and kappa with its 95% interval
 * (capped), joined by a line.
 */
export function kappaPerConditionSpec(o: {
  title: string;
  xTitle: string;
  rows: readonly ConditionKappa[];
  reverseX?: boolean;
  colour: string;
}): TopLevelSpec {
  const low = Math.min(-0.2, ...o.rows.map((r) => Math.floor(Math.min(r.bound_low, r.lower) * 10) / 10));
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: o.xTitle,
    scale: { reverse: o.reverseX ?? false, zero: false, nice: false, padding: 14 },
  };
  const y = { type: "quantitative" as const, title: "Error consistency κ", scale: { domain: [Math.max(-1, low), 1] } };
  const kinds = ["range the accuracies allow", "independent observers (95%)", "κ with 95% interval"];
  const kind = {
    type: "nominal" as const,
    scale: { domain: kinds, range: ["#eeeeee", "#bdbdbd", o.colour] },
    legend: { orient: "bottom", direction: "horizontal", columns: 2, title: null, symbolType: "square" },
  };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width: 340,
    height: 260,
    data: { values: o.rows.map((r) => ({ ...r, low: r.lower, high: r.upper })) },
    layer: [
      { mark: { type: "rule", color: "#888", strokeDash: [4, 4] }, encoding: { y: { datum: 0, ...y } } },
      {
        mark: { type: "bar", size: 16, stroke: "#cccccc", strokeWidth: 0.6 },
        encoding: { x, y: { field: "bound_low", ...y }, y2: { field: "bound_high" }, color: { datum: kinds[0], ...kind } },
      },
      {
        mark: { type: "bar", size: 8 },
        encoding: { x, y: { field: "chance_low", ...y }, y2: { field: "chance_high" }, color: { datum: kinds[1], ...kind } },
      },
      { mark: { type: "line", strokeWidth: 1.5, color: o.colour }, encoding: { x, y: { field: "kappa", ...y } } },
      ...errorBarLayers(x, y, o.colour),
      {
        mark: { type: "point", filled: true, size: 70, opacity: 1 },
        encoding: {
          x,
          y: { field: "kappa", ...y },
          color: { datum: kinds[2], ...kind },
          tooltip: [
            { field: "condition" },
            { field: "kappa", title: "κ", format: ".3f" },
            { field: "lower", format: ".3f" },
            { field: "upper", format: ".3f" },
            { field: "bound_high", title: "κ max", format: ".3f" },
          ],
        },
      },
    ],
  } as TopLevelSpec;
}
