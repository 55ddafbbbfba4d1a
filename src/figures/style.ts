/**
 * One visual language for every trialwise figure (the report and the dashboard): fonts and
 * sizes readable at paper size, and one palette and marker table, so an observer looks the
 * same in every figure. Humans are crimson diamonds; each model family has its own hue and
 * models within a family shades of it; ResNet-50 and CORnet-S, compared in several figures,
 * have fixed colours and different markers. Crimson is used for humans only (the kappa
 * colour scale is blue/orange).
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
  legend: {
    labelLimit: 320,
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: "normal",
    symbolSize: 70,
    rowPadding: 3,
    padding: 6,
    fillColor: "rgba(255,255,255,0.88)",
    strokeColor: "#d4d4d4",
    cornerRadius: 2,
  },
  title: { fontSize: 15, fontWeight: "normal", anchor: "start", offset: 10 },
  header: { labelFontSize: 13, titleFontSize: 14 },
};

/** Marker shapes: a Vega shape name, or "cross-x" (a filled ×). */
export type MarkerShape = "circle" | "diamond" | "cross" | "cross-x" | "square" | "triangle-up" | "triangle-down";

export const HUMAN_COLOUR = "#a51c30";
export const HUMAN_SHAPE: MarkerShape = "diamond";
export const CNN_CNN_COLOUR = "#9c6b3f";
/** Pairs of two models of the same family (the paper's black +) and of different families (brown ×). */
export const SAME_FAMILY_STYLE = { colour: "#111111", shape: "cross" as MarkerShape };
export const OTHER_FAMILY_STYLE = { colour: CNN_CNN_COLOUR, shape: "cross-x" as MarkerShape };
export const CHANCE_COLOUR = "#d9d9d9";
export const RESNET50_COLOUR = "#3182bd";
export const CORNET_COLOUR = "#d49a00";

/**
 * The diverging colour scale of kappa (heatmaps): orange below 0, blue above, white at 0.
 * Not red, so that negative kappa never reads as "human".
 */
export const KAPPA_COLOUR_SCALE = { scheme: "blueorange", reverse: true, domain: [-1, 1], domainMid: 0 } as const;

/**
 * Colours for series that are not observers (groups, datasets) in the dashboard: none of them
 * is a colour reserved above for humans, ResNet-50, CORnet-S or CNN-CNN pairs.
 */
export const GROUP_PALETTE = ["#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#17becf", "#666666", "#bcbd22", "#fb9a99"];

export interface FamilyStyle {
  /** The family's name as figures show it. */
  label: string;
  /** Shades, lightest first; a model takes the shade of its place in `members`. */
  shades: string[];
  members: string[];
  shape: MarkerShape;
}

/** Every model family: its label, shades, members in shade order, and marker. */
export const FAMILIES: Record<string, FamilyStyle> = {
  alexnet: { label: "AlexNet", shades: ["#8c6d31"], members: ["alexnet"], shape: "circle" },
  vgg: {
    label: "VGG",
    shades: ["#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"],
    members: ["vgg11-bn", "vgg13-bn", "vgg16-bn", "vgg19-bn", "vgg16", "vgg19"],
    shape: "circle",
  },
  squeezenet: { label: "SqueezeNet", shades: ["#e7298a", "#91003f"], members: ["squeezenet1-0", "squeezenet1-1"], shape: "circle" },
  densenet: {
    label: "DenseNet",
    shades: ["#fdbe85", "#fd8d3c", "#d94701"],
    members: ["densenet121", "densenet169", "densenet201"],
    shape: "circle",
  },
  inception: { label: "Inception-v3", shades: ["#a89a8c"], members: ["inception-v3"], shape: "circle" },
  resnet: {
    label: "ResNet",
    shades: ["#9ecae1", "#6baed6", RESNET50_COLOUR, "#08519c", "#08306b"],
    members: ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"],
    shape: "circle",
  },
  cornet: { label: "CORnet-S", shades: [CORNET_COLOUR], members: ["cornet-s"], shape: "square" },
  bagnet: { label: "BagNet", shades: ["#80cdc1", "#35978f", "#01665e"], members: ["bagnet9", "bagnet17", "bagnet33"], shape: "circle" },
  "resnet50-SIN": {
    label: "ResNet-50, Stylized-ImageNet",
    shades: ["#bcbddc", "#807dba", "#54278f"],
    members: ["resnet50-trained-on-SIN", "resnet50-trained-on-SIN-and-IN", "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN"],
    shape: "circle",
  },
  other: { label: "other models", shades: ["#737373"], members: [], shape: "circle" },
};

/**
 * Model family of a model name (for colours, and the paper's "same model family": see
 * `sameFamily` in src/reproduce/geirhos2020-facts.ts).
 */
export function modelFamily(model: string): string {
  if (model.includes("SIN")) return "resnet50-SIN";
  for (const family of ["resnet", "densenet", "squeezenet", "vgg", "bagnet", "cornet", "alexnet", "inception"]) {
    if (model.includes(family)) return family;
  }
  return "other";
}

/** The colour of an observer, given its family (see `modelFamily`) or "human". */
export function observerColour(name: string, family: string): string {
  if (family === "human") return HUMAN_COLOUR;
  const style = FAMILIES[family] ?? FAMILIES.other;
  const index = style.members.indexOf(name);
  return style.shades[Math.max(0, index) % style.shades.length];
}

/** Colour and marker of an observer in every figure: humans crimson diamonds, models by family. */
export function observerStyle(name: string, isHuman: boolean): { colour: string; shape: MarkerShape } {
  if (isHuman) return { colour: HUMAN_COLOUR, shape: HUMAN_SHAPE };
  const family = modelFamily(name);
  return { colour: observerColour(name, family), shape: (FAMILIES[family] ?? FAMILIES.other).shape };
}
