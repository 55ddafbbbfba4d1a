/**
 * Declarative figure specs (Vega-Lite) for error-consistency results. Each builder takes
 * plain rows and returns a complete spec with its data inline, so it renders offline, in Node
 * (SVG/PNG) and in browsers alike. No Node APIs.
 */
import type { TopLevelSpec } from "vega-lite";
import { CHANCE_COLOUR, FIGURE_CONFIG, HUMAN_COLOUR } from "./style.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

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
  /** A Vega shape name or SVG path; "cross-x" draws ×. */
  shape: "circle" | "diamond" | "cross" | "cross-x" | "square" | "triangle-up";
}

// A filled ×, so that it draws like the other (filled) shapes.
const X_SHAPE = "M-1,-0.6L-0.6,-1L0,-0.4L0.6,-1L1,-0.6L0.4,0L1,0.6L0.6,1L0,0.4L-0.6,1L-1,0.6L-0.4,0Z";

function vegaShape(shape: SeriesStyle["shape"]): string {
  return shape === "cross-x" ? X_SHAPE : shape;
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
}

/**
 * Kappa against a model property (ImageNet accuracy): every model-human kappa as a small
 * point, each model's mean with its interval, the OLS line and labelled reference bands.
 */
export function kappaVsAccuracySpec(o: KappaVsAccuracyOptions): TopLevelSpec {
  const xs = o.points.map((p) => p.accuracy);
  const xMin = Math.floor(Math.min(...xs) - 2);
  const xMax = Math.ceil(Math.max(...xs) + 2);
  const yMax = Math.max(0.7, Math.ceil((Math.max(...o.bands.map((b) => b.mean + b.ci95), ...o.points.map((p) => p.kappa)) + 0.08) * 10) / 10);
  const yMin = Math.min(0, Math.floor(Math.min(...o.points.map((p) => p.kappa)) * 10) / 10);
  const x = { field: "accuracy", type: "quantitative" as const, title: o.xTitle, scale: { domain: [xMin, xMax], nice: false } };
  const y = { type: "quantitative" as const, title: "Error consistency κ", scale: { domain: [yMin, yMax] } };
  const scales = legendScales(o.models);
  const bands = o.bands.map((b) => ({ ...b, low: b.mean - b.ci95, high: b.mean + b.ci95, text: `${b.label}: ${b.mean.toFixed(2)} ± ${b.ci95.toFixed(2)}` }));
  const fitLine = [xMin, xMax].map((a) => ({ accuracy: a, kappa: o.fit.intercept + o.fit.slope * a }));
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width: 420,
    height: 320,
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
        mark: { type: "text", dy: -12, fontSize: 14 },
        encoding: {
          x: { value: 210 },
          y: { field: "high", ...y },
          text: { field: "text" },
          color: { field: "colour", type: "nominal", scale: null },
        },
      },
      {
        data: { values: fitLine },
        mark: { type: "line", strokeDash: [4, 3], color: "black", strokeWidth: 1.5 },
        encoding: { x, y: { field: "kappa", ...y } },
      },
      {
        data: { values: [{ accuracy: xMin + 0.25 * (xMax - xMin), kappa: o.fit.intercept + o.fit.slope * (xMin + 0.25 * (xMax - xMin)), text: o.fitLabel }] },
        mark: { type: "text", dy: -12, fontSize: 13, align: "left" },
        encoding: { x, y: { field: "kappa", ...y }, text: { field: "text" } },
      },
      {
        data: { values: o.points },
        mark: { type: "point", filled: true, size: 22, fillOpacity: 0.35 },
        encoding: {
          x,
          y: { field: "kappa", ...y },
          color: { field: "model", type: "nominal", scale: scales.color, title: "model (mean ± 95% CI)", legend: { symbolOpacity: 1 } },
        },
      },
      {
        data: { values: o.means.map((m) => ({ ...m, low: m.mean - m.ci95, high: m.mean + m.ci95 })) },
        layer: [
          {
            mark: { type: "rule", strokeWidth: 1.2 },
            encoding: { x, y: { field: "low", ...y }, y2: { field: "high" }, color: { value: "#333" } },
          },
          {
            mark: { type: "point", filled: true, size: 110, stroke: "#222", strokeWidth: 0.8, opacity: 1 },
            encoding: {
              x,
              y: { field: "mean", ...y },
              color: { field: "model", type: "nominal", scale: scales.color, title: "model (mean ± 95% CI)", legend: { symbolOpacity: 1 } },
              tooltip: [
                { field: "model" },
                { field: "accuracy", format: ".2f" },
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
      data: { values: [{ c_exp: 0, c_obs: 0 }, { c_exp: 1, c_obs: 1 }] },
      mark: { type: "line", color: "black", strokeDash: [5, 4], strokeWidth: 1.2 },
      encoding: { x, y: { field: "c_obs", ...y } },
    });
  }
  layers.push({
    data: { values: o.points.filter((p) => (isKappa ? p.kappa !== null : true)) },
    mark: { type: "point", filled: true, size: 45, opacity: 0.85, strokeWidth: 1.6 },
    encoding: {
      x,
      y: { field: o.measure, ...y },
      color: { field: "series", type: "nominal", scale: scales.color, title: null, sort: null },
      shape: { field: "series", type: "nominal", scale: scales.shape, title: null, sort: null },
      tooltip: [
        { field: "observer1" },
        { field: "observer2" },
        { field: "c_exp", format: ".4f" },
        { field: "c_obs", format: ".4f" },
        { field: "kappa", title: "κ", format: ".4f" },
      ],
    },
  });
  return { width: o.width ?? 360, height: o.height ?? 320, title: o.title, layer: layers };
}

/**
 * c_obs (or kappa) against c_exp for pairs of observers, with the chance region of two
 * independent observers in grey and, for c_obs, the diagonal c_obs = c_exp.
 */
export function consistencyScatterSpec(o: ConsistencyScatterOptions): TopLevelSpec {
  return { $schema: SCHEMA, config: FIGURE_CONFIG, ...consistencyLayers(o) } as TopLevelSpec;
}

/** Two consistency panels side by side (c_obs and kappa) sharing one legend. */
export function consistencyPanelsSpec(title: string, panels: readonly ConsistencyScatterOptions[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title,
    hconcat: panels.map((p) => consistencyLayers({ ...p, width: p.width ?? 300, height: p.height ?? 280 })),
  } as TopLevelSpec;
}

/** Shape bias of every observer as a dot plot, sorted, with the pooled humans marked. */
export function shapeBiasSpec(o: {
  title: string;
  rows: readonly { observer: string; shape_bias: number; colour: string; kind: string }[];
}): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width: 360,
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
            field: "kind",
            type: "nominal",
            title: null,
            scale: { domain: ["human", "humans-pooled", "model"], range: ["diamond", "square", "circle"] },
          },
          tooltip: [{ field: "observer" }, { field: "shape_bias", format: ".4f" }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Shape bias against mean kappa with humans, each with its interval and a label. */
export function shapeBiasVsKappaSpec(o: {
  title: string;
  rows: readonly { label: string; shape_bias: number; mean: number; ci95: number; colour: string }[];
  humanShapeBias?: number;
}): TopLevelSpec {
  // A label goes left of its point when a neighbour with a larger shape bias would overlap it.
  const crowded = (r: (typeof o.rows)[number]) =>
    o.rows.some((q) => q !== r && q.shape_bias > r.shape_bias && q.shape_bias - r.shape_bias < 0.12 && Math.abs(q.mean - r.mean) < 0.03);
  const rows = o.rows.map((r) => ({ ...r, low: r.mean - r.ci95, high: r.mean + r.ci95, side: crowded(r) ? "left" : "right" }));
  const x = { field: "shape_bias", type: "quantitative" as const, title: "Shape bias (fraction of shape decisions)", scale: { domain: [0, 1] } };
  const y = { type: "quantitative" as const, title: "Mean error consistency with humans, κ", scale: { domain: [0, Math.max(0.3, Math.ceil(Math.max(...rows.map((r) => r.high)) * 10 + 0.5) / 10)] } };
  const layers: object[] = [];
  if (o.humanShapeBias !== undefined) {
    layers.push({
      data: { values: [{ shape_bias: o.humanShapeBias, text: "humans" }] },
      layer: [
        { mark: { type: "rule", color: HUMAN_COLOUR, strokeDash: [6, 4] }, encoding: { x } },
        { mark: { type: "text", color: HUMAN_COLOUR, align: "right", dx: -4, dy: 8, fontSize: 12 }, encoding: { x, y: { value: 0 }, text: { field: "text" } } },
      ],
    });
  }
  layers.push({
    data: { values: rows },
    layer: [
      { mark: { type: "rule", strokeWidth: 1.2 }, encoding: { x, y: { field: "low", ...y }, y2: { field: "high" }, color: { field: "colour", type: "nominal", scale: null } } },
      {
        mark: { type: "point", filled: true, size: 120, opacity: 1, stroke: "#222", strokeWidth: 0.6 },
        encoding: { x, y: { field: "mean", ...y }, color: { field: "colour", type: "nominal", scale: null }, tooltip: [{ field: "label" }, { field: "shape_bias", format: ".4f" }, { field: "mean", format: ".4f" }] },
      },
      { transform: [{ filter: "datum.side === 'right'" }], mark: { type: "text", align: "left", dx: 9, dy: -9, fontSize: 12 }, encoding: { x, y: { field: "mean", ...y }, text: { field: "label" } } },
      { transform: [{ filter: "datum.side === 'left'" }], mark: { type: "text", align: "right", dx: -9, dy: 9, fontSize: 12 }, encoding: { x, y: { field: "mean", ...y }, text: { field: "label" } } },
    ],
  });
  return { $schema: SCHEMA, config: FIGURE_CONFIG, title: o.title, width: 360, height: 280, layer: layers } as TopLevelSpec;
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
  const x = { field: "x", type: "quantitative" as const, title: o.xTitle, scale: { reverse: o.reverseX ?? false, zero: false, nice: false } };
  const y = { type: "quantitative" as const, title: o.yTitle, scale: { domain: o.yDomain ?? [0, 1] } };
  const layers: object[] = [];
  if (o.reference !== undefined) {
    layers.push({ data: { values: [{ value: o.reference }] }, mark: { type: "rule", color: "#888", strokeDash: [4, 4] }, encoding: { y: { field: "value", ...y } } });
  }
  const ranged = o.points.filter((p) => p.min !== undefined && p.min !== null && p.max !== undefined && p.max !== null);
  if (ranged.length > 0) {
    layers.push({
      data: { values: ranged },
      mark: { type: "rule", strokeWidth: 1.5 },
      encoding: { x, y: { field: "min", ...y }, y2: { field: "max" }, color: { field: "series", type: "nominal", scale: scales.color, title: null } },
    });
  }
  layers.push({
    data: { values: o.points },
    layer: [
      { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y: { field: "value", ...y }, color: { field: "series", type: "nominal", scale: scales.color, title: null } } },
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
  return { $schema: SCHEMA, config: FIGURE_CONFIG, title: o.title, width: 300, height: 240, layer: layers } as TopLevelSpec;
}
