/**
 * Shape bias per category (the paper's shape-bias figures): for each shape category, the
 * fraction of shape decisions of each observer (group), and each observer's shape bias over
 * all categories as a vertical line. No Node APIs; data inline.
 */
import type { TopLevelSpec } from "vega-lite";
import { type LegendPlace, SCHEMA, type SeriesStyle, groupedLegend, vegaShape } from "./consistency.ts";
import { FIGURE_CONFIG } from "./style.ts";

export interface CategoryShapeBias {
  category: string;
  /** The legend series (an observer, or a group such as pooled humans). */
  series: string;
  shape_bias: number;
}

export interface ShapeBiasByCategoryOptions {
  title: string;
  /** Categories top to bottom. */
  categories: readonly string[];
  points: readonly CategoryShapeBias[];
  /** Each series' shape bias over all categories (the vertical lines). */
  overall: readonly { series: string; shape_bias: number }[];
  series: readonly SeriesStyle[];
  legend?: LegendPlace;
}

export function shapeBiasByCategorySpec(o: ShapeBiasByCategoryOptions): TopLevelSpec {
  const colour = { domain: o.series.map((s) => s.label), range: o.series.map((s) => s.colour) };
  const shape = { domain: o.series.map((s) => s.label), range: o.series.map((s) => vegaShape(s.shape)) };
  const legend = groupedLegend(o.series, o.legend ?? "right");
  const x = {
    field: "shape_bias",
    type: "quantitative" as const,
    title: "Fraction of shape decisions (1 − fraction of texture decisions)",
    scale: { domain: [0, 1] },
  };
  const y = { field: "category", type: "nominal" as const, title: "Shape category", sort: [...o.categories], axis: { labelFontSize: 12 } };
  // Later series over earlier ones: humans, listed first, are drawn last so they stay visible.
  const order = new Map(o.series.map((s, i) => [s.label, i]));
  const points = [...o.points].sort((a, b) => (order.get(b.series) ?? 0) - (order.get(a.series) ?? 0));
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    width: 440,
    height: { step: 22 },
    layer: [
      {
        data: { values: o.categories.map((category) => ({ category })) },
        mark: { type: "rule", color: "#e5e5e5", strokeDash: [2, 3] },
        encoding: { y },
      },
      {
        data: { values: o.overall },
        mark: { type: "rule", strokeWidth: 1.4, opacity: 0.75 },
        encoding: { x, color: { field: "series", type: "nominal", scale: colour, legend } },
      },
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x,
          y,
          color: { field: "series", type: "nominal", scale: colour, legend },
          shape: { field: "series", type: "nominal", scale: shape, legend },
          tooltip: [{ field: "series" }, { field: "category" }, { field: "shape_bias", format: ".3f" }],
        },
      },
    ],
  } as TopLevelSpec;
}
