/**
 * The figures of the Geirhos et al. (2020) reproduction: which data goes into which spec, with
 * captions that say what each shows and how it was computed. No Node APIs.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PairRow } from "../core/pairs.ts";
import {
  type ChanceBand,
  type ConditionPoint,
  type ConsistencyPoint,
  type SeriesStyle,
  conditionSpec,
  consistencyPanelsSpec,
  consistencyScatterSpec,
  kappaVsAccuracySpec,
  shapeBiasSpec,
  shapeBiasVsKappaSpec,
} from "../figures/consistency.ts";
import { kappaHeatmapSpec } from "../figures/heatmap.ts";
import { CNN_CNN_COLOUR, CORNET_COLOUR, HUMAN_COLOUR, RESNET50_COLOUR, observerColour } from "../figures/style.ts";
import {
  DATASET_LABELS,
  IMAGENET_ACCURACY,
  PYTORCH_MODELS,
  SIN_LABELS,
  SIN_VARIANTS,
  type TextureShapeDataset,
  modelFamily,
} from "./geirhos2020-facts.ts";
import { type Geirhos2020Analysis, type TextureShapeAnalysis, modelOfPair, pairCategory } from "./geirhos2020.ts";

export interface Figure {
  /** File name without extension. */
  id: string;
  section: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

export function colourOf(observer: string, isHuman: boolean): string {
  return observerColour(observer, isHuman ? "human" : modelFamily(observer));
}

const HUMANS_SERIES: SeriesStyle = { label: "humans vs. humans", colour: HUMAN_COLOUR, shape: "diamond" };

function pytorchSeries(suffix: string): SeriesStyle[] {
  return PYTORCH_MODELS.map((m) => ({ label: `${m}${suffix}`, colour: colourOf(m, false), shape: "circle" as const }));
}

function kappaVsAccuracy(a: TextureShapeAnalysis, key: "top1" | "top5"): Figure {
  const label = DATASET_LABELS[a.dataset];
  const cnnHuman = a.pairs.filter((p) => pairCategory(p, a.table) === "CNN vs. humans");
  const fit = key === "top5" ? a.regressionTop5 : a.regressionTop1;
  const points = cnnHuman.map((p) => {
    const model = modelOfPair(p, a.table);
    return { model, accuracy: IMAGENET_ACCURACY[model][key], kappa: p.kappa! };
  });
  const means = PYTORCH_MODELS.map((model) => ({
    model,
    accuracy: IMAGENET_ACCURACY[model][key],
    mean: a.models[model].mean_kappa_vs_humans!,
    ci95: a.models[model].ci95!,
  }));
  const hh = a.groups["human-human"];
  const cc = a.groups["cnn-cnn"];
  const fitText = `R² = ${fit.r2.toPrecision(3)}, F(1, ${fit.df2}) = ${fit.f.toPrecision(4)}, p = ${fit.p.toPrecision(3)}`;
  return {
    id: `kappa-vs-${key}_${label}`,
    section: "Error consistency and ImageNet accuracy",
    title: `${label}: κ vs ImageNet ${key === "top5" ? "top-5" : "top-1"} accuracy`,
    caption:
      `Error consistency κ of each of the 16 PyTorch models with each of the 10 humans on ${label} (${a.trialsPerObserver} trials each; small points), ` +
      `each model's mean with its 95% interval (mean ± 1.959964·sd/√10), against the model's ImageNet validation ${key === "top5" ? "top-5" : "top-1"} accuracy. ` +
      `Dashed black: ordinary least squares of the 160 κ on accuracy (${fitText}). ` +
      `Bands: mean ± 95% half-width of the 45 human-human pairs (${hh.mean!.toFixed(3)} ± ${hh.ci95!.toFixed(3)}) and of the 120 CNN-CNN pairs (${cc.mean!.toFixed(3)} ± ${cc.ci95!.toFixed(3)}), all trials. ` +
      `The paper's CNN-CNN label was computed on a subset of trials; see "Paper vs recomputed".`,
    spec: kappaVsAccuracySpec({
      title: `${label}`,
      xTitle: `ImageNet validation accuracy, ${key === "top5" ? "top-5" : "top-1"} (%)`,
      points,
      means,
      fit,
      fitLabel: "CNN vs. humans",
      bands: [
        { label: "CNN vs. CNNs", mean: cc.mean!, ci95: cc.ci95!, colour: CNN_CNN_COLOUR },
        { label: "humans vs. humans", mean: hh.mean!, ci95: hh.ci95!, colour: HUMAN_COLOUR },
      ],
      models: pytorchSeries(""),
    }),
  };
}

/** Pairs of the paper's c_obs / kappa figures with their legend series. */
function paperPoints(a: TextureShapeAnalysis): { points: ConsistencyPoint[]; series: SeriesStyle[] } {
  const points: ConsistencyPoint[] = [];
  for (const p of a.pairs) {
    const category = pairCategory(p, a.table);
    if (category === null) continue;
    const series = category === "CNN vs. humans" ? `${modelOfPair(p, a.table)} vs. humans` : category;
    points.push({ c_exp: p.c_exp, c_obs: p.c_obs, kappa: p.kappa, series, observer1: p.observer1, observer2: p.observer2 });
  }
  const series: SeriesStyle[] = [
    HUMANS_SERIES,
    { label: "CNNs vs. CNNs (same family)", colour: "#111", shape: "cross" },
    { label: "CNNs vs. CNNs (different family)", colour: CNN_CNN_COLOUR, shape: "cross-x" },
    ...pytorchSeries(" vs. humans"),
  ];
  return { points, series };
}

function consistencyFigures(a: TextureShapeAnalysis, chance: readonly ChanceBand[]): Figure[] {
  const label = DATASET_LABELS[a.dataset];
  const { points, series } = paperPoints(a);
  const chanceText = `Grey: the range (2.5% to 97.5% quantiles) in which two independent observers with ${a.trialsPerObserver} trials fall, computed by trialwise (see "Methods").`;
  return [
    {
      id: `c-obs-vs-c-exp_${label}`,
      section: "Observed vs expected consistency",
      title: `${label}: c_obs vs c_exp`,
      caption:
        `Observed error overlap c_obs = (both correct + both wrong)/n against the overlap expected from the two accuracies alone, c_exp = p1·p2 + (1−p1)(1−p2), ` +
        `for the 45 human-human pairs, the 120 pairs of the 16 PyTorch models (+ same family, × different family) and their 160 pairs with humans, on all ${a.trialsPerObserver} trials of ${label}. ` +
        `Dashed: c_obs = c_exp. ${chanceText}`,
      spec: consistencyScatterSpec({ title: label, measure: "c_obs", points, series, chance }),
    },
    {
      id: `kappa-vs-c-exp_${label}`,
      section: "Error consistency vs expected consistency",
      title: `${label}: κ vs c_exp`,
      caption:
        `Error consistency κ = (c_obs − c_exp)/(1 − c_exp) against c_exp for the same pairs as the c_obs figure (${label}, all trials). ` +
        `${chanceText} Points above the grey region share more errors than chance.`,
      spec: consistencyScatterSpec({ title: label, measure: "kappa", points, series, chance }),
    },
  ];
}

function cornetFigure(a: TextureShapeAnalysis, chance: readonly ChanceBand[]): Figure {
  const label = DATASET_LABELS[a.dataset];
  const points: ConsistencyPoint[] = [];
  for (const p of a.pairs) {
    let series: string | null = null;
    const names = new Set([p.observer1, p.observer2]);
    if (p.pair_type === "human-human") series = "humans vs. humans";
    else if (names.has("resnet50") && names.has("cornet-s")) series = "ResNet-50 vs. CORnet-S";
    else if (p.pair_type === "model-human" && names.has("resnet50")) series = "ResNet-50 vs. humans";
    else if (p.pair_type === "model-human" && names.has("cornet-s")) series = "CORnet-S vs. humans";
    if (series) points.push({ c_exp: p.c_exp, c_obs: p.c_obs, kappa: p.kappa, series, observer1: p.observer1, observer2: p.observer2 });
  }
  const series: SeriesStyle[] = [
    HUMANS_SERIES,
    { label: "ResNet-50 vs. CORnet-S", colour: CNN_CNN_COLOUR, shape: "cross-x" },
    { label: "ResNet-50 vs. humans", colour: RESNET50_COLOUR, shape: "circle" },
    { label: "CORnet-S vs. humans", colour: CORNET_COLOUR, shape: "circle" },
  ];
  const pair = a.pairs.find((p) => p.observer1 === "cornet-s" && p.observer2 === "resnet50")!;
  return {
    id: `cornet-s_${label}`,
    section: "Recurrent vs feedforward: CORnet-S and ResNet-50",
    title: `${label}: ResNet-50 vs CORnet-S`,
    caption:
      `The recurrent CORnet-S and the feedforward ResNet-50, each with the 10 humans, with each other (κ = ${pair.kappa!.toFixed(3)}), and the 45 human-human pairs, on all ${a.trialsPerObserver} trials of ${label}: ` +
      `c_obs (left) and κ (right) against c_exp, with the chance region of independent observers in grey. ` +
      `Mean κ with humans: ResNet-50 ${a.models.resnet50.mean_kappa_vs_humans!.toFixed(3)}, CORnet-S ${a.models["cornet-s"].mean_kappa_vs_humans!.toFixed(3)}.`,
    spec: consistencyPanelsSpec(label, [
      { title: "c_obs vs c_exp", measure: "c_obs", points, series, chance },
      { title: "κ vs c_exp", measure: "kappa", points, series, chance },
    ]),
  };
}

function shapeBiasFigures(a: TextureShapeAnalysis): Figure[] {
  const rows = a.shapeBias!.filter((r) => r.shape_bias !== null);
  const pooled = rows.find((r) => r.kind === "humans-pooled")!;
  return [
    {
      id: "shape-bias_cue-conflict",
      section: "Shape bias",
      title: "Shape bias of every observer (cue-conflict)",
      caption:
        `Shape bias = shape decisions / (shape + texture decisions) on the 1200 cue-conflict stimuli whose shape and texture categories differ (the 80 with equal categories are left out; ` +
        `decisions that are neither drop out). Diamonds: each human; square: all human trials pooled (${(100 * pooled.shape_bias!).toFixed(2)}%); circles: models, coloured by family.`,
      spec: shapeBiasSpec({
        title: "Shape bias (cue-conflict)",
        rows: rows.map((r) => ({
          observer: r.observer === "humans" ? "humans (pooled)" : r.observer,
          shape_bias: r.shape_bias!,
          kind: r.kind,
          colour: colourOf(r.observer, r.kind !== "model"),
        })),
      }),
    },
    {
      id: "shape-bias-vs-kappa_cue-conflict",
      section: "Shape bias",
      title: "Shape bias vs error consistency: ResNet-50 trained on Stylized-ImageNet",
      caption:
        `The four ResNet-50 training variants (ImageNet; Stylized-ImageNet, SIN; SIN and ImageNet; SIN and ImageNet then fine-tuned on ImageNet): ` +
        `shape bias on cue-conflict against mean κ with the 10 humans (± 95% half-width). ` +
        SIN_VARIANTS.map((m) => `${SIN_LABELS[m]}: ${(100 * a.models[m].shape_bias!).toFixed(2)}%, κ ${a.models[m].mean_kappa_vs_humans!.toFixed(3)}`).join("; ") +
        `. A stronger shape bias goes with higher error consistency, yet all stay far below human-human consistency (${a.groups["human-human"].mean!.toFixed(3)}).`,
      spec: shapeBiasVsKappaSpec({
        title: "Shape bias vs κ with humans (cue-conflict)",
        rows: SIN_VARIANTS.map((m) => ({
          label: SIN_LABELS[m],
          shape_bias: a.models[m].shape_bias!,
          mean: a.models[m].mean_kappa_vs_humans!,
          ci95: a.models[m].ci95!,
          colour: colourOf(m, false),
        })),
        humanShapeBias: pooled.shape_bias!,
      }),
    },
  ];
}

/** How the paper draws the conditions of one noise dataset on its x-axis. */
interface NoiseAxis {
  panel: string;
  title: string;
  /** x position of a condition; null leaves it out (a control the log axis cannot show). */
  position: (condition: string) => number | null;
  reverse?: boolean;
  /** Which conditions belong to this panel. */
  includes?: (condition: string) => boolean;
  note?: string;
}

export function noiseAxes(dataset: string): NoiseAxis[] {
  const name = dataset.replace("noise-generalisation_", "");
  switch (name) {
    case "contrast-png":
      return [{ panel: name, title: "log10 of contrast (%)", position: (c) => Math.log10(Number(c.replace(/^c/, ""))), reverse: true }];
    case "high-pass":
      return [{ panel: name, title: "log2 of filter standard deviation", position: (c) => (c === "inf" ? null : Math.log2(Number(c))), reverse: true, note: "the unfiltered control (inf) is not drawn" }];
    case "low-pass":
      return [{ panel: name, title: "log2 of filter standard deviation", position: (c) => (Number(c) === 0 ? null : Math.log2(Number(c))), note: "the unfiltered control (0) is not drawn" }];
    case "phase-scrambling":
      return [{ panel: name, title: "Phase noise width (°)", position: Number }];
    case "uniform-noise":
      return [{ panel: name, title: "Uniform noise width", position: Number }];
    case "eidolon":
      return (
        [
          ["I", "10"],
          ["II", "3"],
          ["III", "0"],
        ] as const
      ).map(([panel, coherence]) => ({
        panel: `eidolon-${panel}`,
        title: "log2 of 'reach' parameter",
        position: (c: string) => Math.log2(Number(c.split("-")[0])),
        includes: (c: string) => c.split("-")[1] === coherence,
        note: `coherence ${coherence}`,
      }));
    default:
      return [];
  }
}

const NOISE_SERIES: SeriesStyle[] = [
  { label: "ResNet-50", colour: RESNET50_COLOUR, shape: "circle" },
  { label: "CORnet-S", colour: CORNET_COLOUR, shape: "circle" },
  { label: "participants (avg.)", colour: HUMAN_COLOUR, shape: "diamond" },
];
const NOISE_LABEL: Record<string, string> = { resnet50: "ResNet-50", "cornet-s": "CORnet-S", humans: "participants (avg.)" };

function noiseFigures(analysis: Geirhos2020Analysis): Figure[] {
  const figures: Figure[] = [];
  const datasets = [...new Set(analysis.noiseAccuracy.map((r) => r.dataset))];
  for (const dataset of datasets) {
    for (const axis of noiseAxes(dataset)) {
      const rows = analysis.noiseAccuracy.filter((r) => r.dataset === dataset && (axis.includes?.(r.condition) ?? true));
      const points: ConditionPoint[] = rows.flatMap((r) => {
        const x = axis.position(r.condition);
        return x === null ? [] : [{ x, condition: r.condition, series: NOISE_LABEL[r.observer], value: r.accuracy, min: r.min, max: r.max }];
      });
      if (points.length === 0) continue;
      const humans = rows.find((r) => r.observer === "humans");
      figures.push({
        id: `noise-accuracy_${axis.panel}`,
        section: "Accuracy under noise",
        title: `${axis.panel}: accuracy per condition`,
        caption:
          `Classification accuracy (16 categories; chance 1/16, dashed) per condition of ${dataset}${axis.note ? ` (${axis.note})` : ""}. ` +
          `ResNet-50 and CORnet-S: all sessions pooled; participants: all ${humans?.n_observers ?? 0} humans' trials pooled, bars from the lowest to the highest individual accuracy.`,
        spec: conditionSpec({ title: axis.panel, xTitle: axis.title, yTitle: "Classification accuracy", points, series: NOISE_SERIES, reverseX: axis.reverse, reference: 1 / 16 }),
      });
      const pairs = analysis.noiseModelConsistency.filter((p) => p.dataset === dataset && (axis.includes?.(p.condition) ?? true));
      const kappaPoints: ConditionPoint[] = pairs.flatMap((p) => {
        const x = axis.position(p.condition);
        return x === null || p.kappa === null ? [] : [{ x, condition: p.condition, series: "ResNet-50 vs. CORnet-S", value: p.kappa }];
      });
      if (kappaPoints.length === 0) continue;
      figures.push({
        id: `noise-model-consistency_${axis.panel}`,
        section: "Beyond the paper: ResNet-50 vs CORnet-S under noise",
        title: `${axis.panel}: ResNet-50 vs CORnet-S, κ per condition`,
        caption:
          `Error consistency κ between ResNet-50 and CORnet-S per condition of ${dataset}${axis.note ? ` (${axis.note})` : ""}, on the trials of all sessions of that condition ` +
          `(session k of both models saw identical images; ${pairs[0].n_trials} trials per condition). Humans saw other images, so no human-model κ exists here.`,
        spec: conditionSpec({
          title: axis.panel,
          xTitle: axis.title,
          yTitle: "Error consistency κ",
          points: kappaPoints,
          series: [{ label: "ResNet-50 vs. CORnet-S", colour: CNN_CNN_COLOUR, shape: "cross-x" }],
          reverseX: axis.reverse,
          reference: 0,
          yDomain: [Math.min(0, ...kappaPoints.map((p) => Math.floor(p.value * 10) / 10)), 1],
        }),
      });
    }
  }
  return figures;
}

function heatmapFigure(a: TextureShapeAnalysis): Figure {
  const label = DATASET_LABELS[a.dataset];
  const observers = a.observers.map((o) => o.observer);
  return {
    id: `kappa-matrix_${label}`,
    section: "Beyond the paper: all pairs, clustered",
    title: `${label}: κ of all ${observers.length} observers, clustered`,
    caption:
      `κ of every pair of the ${observers.length} observers (${a.table.humans.size} humans, ${observers.length - a.table.humans.size} models) on all ${a.trialsPerObserver} trials of ${label}, ` +
      `ordered by average-linkage hierarchical clustering on the distance 1 − κ (dendrogram above). Diagonal: 1.`,
    spec: kappaHeatmapSpec({ dataset: a.dataset, title: `${label}: κ of every pair, clustered`, pairs: a.pairs as PairRow[], observers, isHuman: (o: string) => a.table.humans.has(o) }),
  };
}

/** Every figure of the report, in report order. `chance` gives the band for a trial count. */
export function geirhos2020Figures(analysis: Geirhos2020Analysis, chance: (trials: number) => readonly ChanceBand[]): Figure[] {
  const texture = [...analysis.textureShape.values()];
  const byDataset = (make: (a: TextureShapeAnalysis) => Figure | Figure[]) => texture.flatMap(make);
  const cueConflict = analysis.textureShape.get("texture-shape_cue-conflict" satisfies TextureShapeDataset)!;
  return [
    ...byDataset((a) => kappaVsAccuracy(a, "top5")),
    ...byDataset((a) => kappaVsAccuracy(a, "top1")),
    ...byDataset((a) => consistencyFigures(a, chance(a.trialsPerObserver))),
    ...byDataset((a) => cornetFigure(a, chance(a.trialsPerObserver))),
    ...shapeBiasFigures(cueConflict),
    ...noiseFigures(analysis),
    ...byDataset(heatmapFigure),
  ];
}
