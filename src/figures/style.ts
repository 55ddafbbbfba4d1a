/**
 * One visual language for every trialwise figure: fonts and sizes readable at paper size,
 * and one colour per observer (humans crimson, each model family its own hue, models within
 * a family in shades of it) so an observer looks the same in every figure.
 */
import type { TopLevelSpec } from "vega-lite";

export type FigureConfig = NonNullable<TopLevelSpec["config"]>;

export const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

export const FIGURE_CONFIG: FigureConfig = {
  font: FONT,
  background: "white",
  padding: 8,
  view: { stroke: null },
  axis: {
    labelFontSize: 12,
    titleFontSize: 14,
    titleFontWeight: "normal",
    grid: false,
    labelFlush: false,
    labelLimit: 400,
    domainColor: "#333",
    tickColor: "#333",
    labelColor: "#222",
    titleColor: "#111",
  },
  legend: { labelLimit: 320, labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", symbolSize: 60 },
  title: { fontSize: 15, fontWeight: "normal", anchor: "start", offset: 10 },
  header: { labelFontSize: 13, titleFontSize: 14 },
};

export const HUMAN_COLOUR = "#a51c30";
export const CNN_CNN_COLOUR = "#9c6b3f";
export const CHANCE_COLOUR = "#d9d9d9";
export const CORNET_COLOUR = "#d49a00";
export const RESNET50_COLOUR = "#4393c3";

/** Shades per family, darkest last. */
const FAMILY_SHADES: Record<string, string[]> = {
  alexnet: ["#8c6d31"],
  vgg: ["#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"],
  squeezenet: ["#e7298a", "#91003f"],
  densenet: ["#fdbe85", "#fd8d3c", "#d94701"],
  inception: ["#b8a89a"],
  resnet: ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"],
  cornet: [CORNET_COLOUR],
  bagnet: ["#80cdc1", "#35978f", "#01665e"],
  "resnet50-SIN": ["#bcbddc", "#807dba", "#54278f"],
  other: ["#737373"],
};

/** Model order within each family (shade index); models not listed take the family's first shade. */
const FAMILY_MEMBERS: Record<string, string[]> = {
  vgg: ["vgg11-bn", "vgg13-bn", "vgg16-bn", "vgg19-bn", "vgg16", "vgg19"],
  squeezenet: ["squeezenet1-0", "squeezenet1-1"],
  densenet: ["densenet121", "densenet169", "densenet201"],
  resnet: ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"],
  bagnet: ["bagnet9", "bagnet17", "bagnet33"],
  "resnet50-SIN": ["resnet50-trained-on-SIN", "resnet50-trained-on-SIN-and-IN", "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN"],
};

/** The colour of an observer, given its family (see `modelFamily`) or "human". */
export function observerColour(name: string, family: string): string {
  if (family === "human") return HUMAN_COLOUR;
  const shades = FAMILY_SHADES[family] ?? FAMILY_SHADES.other;
  const index = FAMILY_MEMBERS[family]?.indexOf(name) ?? 0;
  return shades[Math.max(0, index) % shades.length];
}
