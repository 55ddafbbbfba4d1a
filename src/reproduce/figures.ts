/**
 * The figures of the Geirhos et al. (2020) reproduction: which data goes into which spec, with
 * captions that say what each shows and how it was computed. No Node APIs.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PairRow } from "../core/pairs.ts";
import { chanceDiagnosticSpec, cExpDensitySpec, diagnosticCurves } from "../figures/chance.ts";
import {
  type ChanceBand,
  type ConditionPoint,
  type ConsistencyPoint,
  type SeriesStyle,
  conditionSpec,
  consistencyPanelsSpec,
  consistencyScatterSpec,
  kappaPerConditionSpec,
  kappaVsAccuracySpec,
  shapeBiasSpec,
  shapeBiasVsKappaSpec,
} from "../figures/consistency.ts";
import { kappaHeatmapSpec } from "../figures/heatmap.ts";
import { shapeBiasByCategorySpec } from "../figures/shape-bias.ts";
import {
  CNN_CNN_COLOUR,
  HUMAN_COLOUR,
  HUMAN_SHAPE,
  OTHER_FAMILY_STYLE,
  SAME_FAMILY_STYLE,
  observerColour,
  observerStyle,
} from "../figures/style.ts";
import {
  DATASET_LABELS,
  FOUR_NETWORKS,
  IMAGENET_ACCURACY,
  PYTORCH_MODELS,
  SIN_LABELS,
  SIN_VARIANTS,
  type TextureShapeDataset,
  modelFamily,
} from "./geirhos2020-facts.ts";
import { type Geirhos2020Analysis, type NoiseModelDetail, type TextureShapeAnalysis, modelOfPair, pairCategory } from "./geirhos2020.ts";

/** What the figures need besides the analysis. */
export interface FigureInputs {
  /** The chance band of independent observers for a trial count. */
  band: (trials: number) => readonly ChanceBand[];
  /** The authors' published bands, by trial count, where present. */
  authorsBands: ReadonlyMap<number, readonly ChanceBand[]>;
  /** ResNet-50 vs CORnet-S per noise condition. */
  noiseDetails: readonly NoiseModelDetail[];
}

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

const HUMANS_SERIES: SeriesStyle = { label: "humans vs. humans", colour: HUMAN_COLOUR, shape: HUMAN_SHAPE };

/** The legend names of the paper's six families of the 16 PyTorch models. */
const FAMILY_LEGEND: Record<string, string> = {
  alexnet: "AlexNet",
  vgg: "VGG-BN",
  squeezenet: "SqueezeNet",
  densenet: "DenseNet",
  inception: "Inception-v3",
  resnet: "ResNet",
};

/** One series per PyTorch model, in one legend entry per family (shades darken with depth). */
function pytorchSeries(suffix: string): SeriesStyle[] {
  return PYTORCH_MODELS.map((m) => ({
    label: `${m}${suffix}`,
    ...observerStyle(m, false),
    legendGroup: `${FAMILY_LEGEND[modelFamily(m)]}${suffix}`,
  }));
}

const FAMILY_NOTE =
  "Models of one family share a hue, darker for deeper models, and one legend entry: VGG-BN = vgg11-bn, vgg13-bn, vgg16-bn, vgg19-bn; SqueezeNet = squeezenet1-0, squeezenet1-1; " +
  "DenseNet = densenet121, densenet169, densenet201; ResNet = resnet18, resnet34, resnet50, resnet101, resnet152.";

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
      `The paper's CNN-CNN label was computed on a subset of trials; see "Paper vs recomputed". ${FAMILY_NOTE}`,
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
    { label: "CNNs vs. CNNs (same family)", ...SAME_FAMILY_STYLE },
    { label: "CNNs vs. CNNs (different family)", ...OTHER_FAMILY_STYLE },
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
        `Dashed: c_obs = c_exp. ${chanceText} ${FAMILY_NOTE}`,
      spec: consistencyScatterSpec({ title: label, measure: "c_obs", points, series, chance }),
    },
    {
      id: `kappa-vs-c-exp_${label}`,
      section: "Error consistency vs expected consistency",
      title: `${label}: κ vs c_exp`,
      caption:
        `Error consistency κ = (c_obs − c_exp)/(1 − c_exp) against c_exp for the same pairs as the c_obs figure (${label}, all trials). ` +
        `${chanceText} Points above the grey region share more errors than chance. ${FAMILY_NOTE}${a.dataset === "texture-shape_edges" ? ` ${edgesSpikeNote(chance)}` : ""}`,
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
  // CORnet-S last: its markers are drawn over ResNet-50's, which lie close by.
  const series: SeriesStyle[] = [
    HUMANS_SERIES,
    { label: "ResNet-50 vs. CORnet-S", ...OTHER_FAMILY_STYLE },
    { label: "ResNet-50 vs. humans", ...observerStyle("resnet50", false) },
    { label: "CORnet-S vs. humans", ...observerStyle("cornet-s", false) },
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

const SHAPE_BIAS_MARKERS = {
  human: { label: "each human", shape: HUMAN_SHAPE },
  "humans-pooled": { label: "all humans, pooled", shape: "square" },
  model: { label: "each model", shape: "circle" },
} as const;

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
          marker: SHAPE_BIAS_MARKERS[r.kind].label,
          colour: colourOf(r.observer, r.kind !== "model"),
        })),
        markers: Object.values(SHAPE_BIAS_MARKERS),
      }),
    },
    {
      id: "shape-bias-vs-kappa_cue-conflict",
      section: "Shape bias",
      title: "Shape bias vs error consistency: ResNet-50 trained on Stylized-ImageNet",
      caption:
        `The four ResNet-50 training variants (ImageNet; Stylized-ImageNet, SIN; SIN and ImageNet; SIN and ImageNet then fine-tuned on ImageNet): ` +
        `shape bias on cue-conflict against mean κ with the 10 humans (± 95% half-width). ` +
        SIN_VARIANTS.map(
          (m) => `${SIN_LABELS[m]}: ${(100 * a.models[m].shape_bias!).toFixed(2)}%, κ ${a.models[m].mean_kappa_vs_humans!.toFixed(3)}`,
        ).join("; ") +
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
      return [
        {
          panel: name,
          title: "log2 of filter standard deviation",
          position: (c) => (c === "inf" ? null : Math.log2(Number(c))),
          reverse: true,
          note: "the unfiltered control (inf) is not drawn",
        },
      ];
    case "low-pass":
      return [
        {
          panel: name,
          title: "log2 of filter standard deviation",
          position: (c) => (Number(c) === 0 ? null : Math.log2(Number(c))),
          note: "the unfiltered control (0) is not drawn",
        },
      ];
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
  { label: "ResNet-50", ...observerStyle("resnet50", false) },
  { label: "CORnet-S", ...observerStyle("cornet-s", false) },
  { label: "participants (avg.)", colour: HUMAN_COLOUR, shape: "diamond" },
];
const NOISE_LABEL: Record<string, string> = { resnet50: "ResNet-50", "cornet-s": "CORnet-S", humans: "participants (avg.)" };

/** Share of one response above which a model is said to answer (almost) always the same. */
const ONE_RESPONSE_SHARE = 0.9;

/**
 * What the caption says where both models give one response on most trials of a condition:
 * they are right exactly on that category's images, so kappa is high without any shared
 * perception (a shared response bias).
 */
function responseBiasNote(details: readonly NoiseModelDetail[]): string {
  const biased = details.filter((d) => d.top_share_resnet50 >= ONE_RESPONSE_SHARE && d.top_share_cornet_s >= ONE_RESPONSE_SHARE);
  if (biased.length === 0) return "";
  const which = biased
    .map(
      (d) =>
        `condition ${d.condition}: ResNet-50 answers "${d.top_response_resnet50}" on ${(100 * d.top_share_resnet50).toFixed(1)}% of trials, CORnet-S "${d.top_response_cornet_s}" on ${(100 * d.top_share_cornet_s).toFixed(1)}%, accuracies ${d.acc_resnet50.toFixed(3)} and ${d.acc_cornet_s.toFixed(3)}, κ ${d.kappa.toFixed(3)}`,
    )
    .join("; ");
  return ` Shared response bias, not shared perception: ${which}. Both are then right on the same trials (that category's images) and wrong on the rest, which makes κ high at chance accuracy.`;
}

function noiseFigures(analysis: Geirhos2020Analysis, inputs: FigureInputs): Figure[] {
  const figures: Figure[] = [];
  const datasets = [...new Set(analysis.noiseAccuracy.map((r) => r.dataset))];
  for (const dataset of datasets) {
    for (const axis of noiseAxes(dataset)) {
      const rows = analysis.noiseAccuracy.filter((r) => r.dataset === dataset && (axis.includes?.(r.condition) ?? true));
      const points: ConditionPoint[] = rows.flatMap((r) => {
        const x = axis.position(r.condition);
        return x === null
          ? []
          : [{ x, condition: r.condition, series: NOISE_LABEL[r.observer], value: r.accuracy, min: r.min, max: r.max }];
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
        spec: conditionSpec({
          title: axis.panel,
          xTitle: axis.title,
          yTitle: "Classification accuracy",
          points,
          series: NOISE_SERIES,
          reverseX: axis.reverse,
          reference: 1 / 16,
        }),
      });
      const details = inputs.noiseDetails.filter((d) => d.dataset === dataset && (axis.includes?.(d.condition) ?? true));
      const kappaRows = details.flatMap((d) => {
        const x = axis.position(d.condition);
        return x === null
          ? []
          : [
              {
                x,
                condition: d.condition,
                kappa: d.kappa,
                lower: d.ci_low,
                upper: d.ci_high,
                chance_low: d.chance_low,
                chance_high: d.chance_high,
                bound_low: d.kappa_min,
                bound_high: d.kappa_max,
              },
            ];
      });
      if (kappaRows.length === 0) continue;
      figures.push({
        id: `noise-model-consistency_${axis.panel}`,
        section: "Beyond the paper: ResNet-50 vs CORnet-S under noise",
        title: `${axis.panel}: ResNet-50 vs CORnet-S, κ per condition`,
        caption:
          `Error consistency κ between ResNet-50 and CORnet-S per condition of ${dataset}${axis.note ? ` (${axis.note})` : ""}, on the trials of all sessions of that condition ` +
          `(session k of both models saw identical images; ${details[0].n_trials} trials per condition), with its 95% interval (percentile trial bootstrap, 10,000 replicates). ` +
          `Grey bar: where two independent observers with these accuracies fall (2.5%–97.5% at this c_exp and trial count); light bar: the whole range of κ the two accuracies allow (κ_min to κ_max). ` +
          `Humans saw other images, so no human-model κ exists here.` +
          responseBiasNote(details),
        spec: kappaPerConditionSpec({
          title: axis.panel,
          xTitle: axis.title,
          rows: kappaRows,
          reverseX: axis.reverse,
          colour: CNN_CNN_COLOUR,
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
    spec: kappaHeatmapSpec({
      dataset: a.dataset,
      title: `${label}: κ of every pair, clustered`,
      pairs: a.pairs as PairRow[],
      observers,
      isHuman: (o: string) => a.table.humans.has(o),
    }),
  };
}

/** Series of the four-network figures, in the paper's legend order. */
function fourNetworkSeries(): SeriesStyle[] {
  return [
    HUMANS_SERIES,
    { label: "CNNs vs. CNNs", ...OTHER_FAMILY_STYLE },
    ...FOUR_NETWORKS.map(({ model, label }) => ({ label: `${label} vs. humans`, ...observerStyle(model, false) })),
  ];
}

/** The pairs of the four-network figures: humans, the four networks with each other, and each with the humans. */
export function fourNetworkPoints(a: TextureShapeAnalysis): ConsistencyPoint[] {
  const label = new Map<string, string>(FOUR_NETWORKS.map((n) => [n.model, n.label]));
  return a.pairs.flatMap((p) => {
    let series: string | null = null;
    if (p.pair_type === "human-human") series = "humans vs. humans";
    else if (p.pair_type === "model-model" && label.has(p.observer1) && label.has(p.observer2)) series = "CNNs vs. CNNs";
    else if (p.pair_type === "model-human" && label.has(modelOfPair(p, a.table)))
      series = `${label.get(modelOfPair(p, a.table))} vs. humans`;
    return series === null
      ? []
      : [{ c_exp: p.c_exp, c_obs: p.c_obs, kappa: p.kappa, series, observer1: p.observer1, observer2: p.observer2 }];
  });
}

function fourNetworksFigures(a: TextureShapeAnalysis, chance: readonly ChanceBand[]): Figure[] {
  const label = DATASET_LABELS[a.dataset];
  const points = fourNetworkPoints(a);
  const series = fourNetworkSeries();
  const common =
    `AlexNet, VGG-16, GoogLeNet and ResNet-50, each with the 10 humans (10 pairs each), with each other (6 pairs), and the 45 human-human pairs, on all ${a.trialsPerObserver} trials of ${label}. ` +
    `As in the paper's legend; the data holds no GoogLeNet: the points the paper labels GoogLeNet are inception-v3's, its VGG-16 points vgg16-bn's (their c_exp and κ with every human coincide). ` +
    `The paper's 6 CNN-CNN points were computed on a quarter of the trials (rows p of each model's CSV with p mod 4 = 0, the indexing error described under "Paper vs recomputed"); here they use all trials. ` +
    `Grey: the chance region of independent observers with ${a.trialsPerObserver} trials.`;
  return (["c_obs", "kappa"] as const).map((measure) => ({
    id: `four-networks_${measure === "c_obs" ? "c-obs" : "kappa"}_${label}`,
    section: "Four networks",
    title: `${label}: four networks, ${measure === "c_obs" ? "c_obs" : "κ"} vs c_exp`,
    caption: `${measure === "c_obs" ? "Observed error overlap c_obs (dashed: c_obs = c_exp)" : "Error consistency κ"} against c_exp for ${common}`,
    spec: consistencyScatterSpec({ title: `${label}: four networks`, measure, points, series, chance }),
  }));
}

/** The shape-bias-per-category figures: the 16 PyTorch models, and ResNet-50 with CORnet-S; humans pooled. */
function shapeBiasByCategoryFigures(analysis: Geirhos2020Analysis): Figure[] {
  const rows = analysis.shapeBiasByCategory.filter((r) => r.shape_bias !== null);
  const humans = rows.filter((r) => r.kind === "humans-pooled");
  // Categories top to bottom from the most shape-driven for humans, as in the paper.
  const categories = [...humans]
    .sort((x, y) => y.shape_bias! - x.shape_bias! || x.category.localeCompare(y.category))
    .map((r) => r.category);
  const overall = analysis.textureShape.get("texture-shape_cue-conflict")!.shapeBias!;
  const figure = (
    id: string,
    title: string,
    models: readonly { model: string; label: string; legendGroup?: string }[],
    note: string,
    extra = "",
  ): Figure => {
    const names = new Map(models.map((m) => [m.model, m.label]));
    const label = (observer: string) => (observer === "humans" ? "humans (pooled)" : names.get(observer)!);
    const keep = (observer: string) => observer === "humans" || names.has(observer);
    const series: SeriesStyle[] = [
      { label: "humans (pooled)", colour: HUMAN_COLOUR, shape: HUMAN_SHAPE },
      ...models.map((m) => ({
        label: m.label,
        ...observerStyle(m.model, false),
        shape: "circle" as const,
        ...(m.legendGroup ? { legendGroup: m.legendGroup } : {}),
      })),
    ];
    return {
      id,
      section: "Shape bias",
      title,
      caption:
        `Per shape category of the cue-conflict stimuli (rows, from the most to the least shape-driven for humans), the fraction of shape decisions among shape and texture decisions ` +
        `(the 80 stimuli whose texture and shape categories coincide left out, other responses dropping out), for all 10 humans pooled and ${note}. ` +
        `Vertical lines: each observer's shape bias over all 1200 stimuli (humans pooled: ${(100 * overall.find((r) => r.observer === "humans")!.shape_bias!).toFixed(2)}%). ` +
        `1 − the fraction shown is the fraction of texture decisions, the paper's lower axis. Categories are named; the paper's icons are not drawn.${extra}`,
      spec: shapeBiasByCategorySpec({
        title,
        categories,
        points: rows
          .filter((r) => keep(r.observer))
          .map((r) => ({ category: r.category, series: label(r.observer), shape_bias: r.shape_bias! })),
        overall: overall
          .filter((r) => keep(r.observer) && r.shape_bias !== null)
          .map((r) => ({ series: label(r.observer), shape_bias: r.shape_bias! })),
        series,
      }),
    };
  };
  return [
    figure(
      "shape-bias-by-category_pytorch-models",
      "Shape bias per category: humans and the 16 PyTorch models",
      PYTORCH_MODELS.map((m) => ({ model: m, label: m, legendGroup: FAMILY_LEGEND[modelFamily(m)] })),
      "each of the 16 PyTorch models",
      ` ${FAMILY_NOTE}`,
    ),
    figure(
      "shape-bias-by-category_cornet-s",
      "Shape bias per category: humans, ResNet-50 and CORnet-S",
      [
        { model: "resnet50", label: "ResNet-50" },
        { model: "cornet-s", label: "CORnet-S" },
      ],
      "ResNet-50 and CORnet-S",
    ),
  ];
}

function brainScoreFigure(analysis: Geirhos2020Analysis): Figure {
  const b = analysis.brainScore;
  const a = analysis.textureShape.get("texture-shape_cue-conflict")!;
  const hh = a.groups["human-human"];
  const fit = b.regression;
  const series = b.models.map((m) => ({
    label: m.model,
    ...observerStyle(m.model, false),
    legendGroup: FAMILY_LEGEND[modelFamily(m.model)],
  }));
  const scores = b.models.map((m) => m.behaviour);
  return {
    id: "kappa-vs-brain-score_cue-conflict",
    section: "Error consistency and Brain-Score",
    title: "cue-conflict: κ vs Brain-Score behaviour",
    caption:
      `Error consistency κ of ${b.models.length} models with each of the 10 humans on cue-conflict (1280 trials; small points), each model's mean with its 95% interval, against the model's Brain-Score "behaviour" score ` +
      `(brain-score_metrics/brainscore_metrics.csv, column Behavior). The models are the 16 PyTorch models with a Brain-Score entry, vgg16-bn and vgg19-bn standing for Brain-Score's vgg-16 and vgg-19 as in the paper ` +
      `(${b.models.map((m) => `${m.model} = ${m.brain_score_name}`).join(", ")}). ` +
      `Dashed black: OLS of the ${fit.n} κ on the score (slope ${fit.slope.toFixed(3)}, R² = ${fit.r2.toPrecision(3)}, F(1, ${fit.df2}) = ${fit.f.toPrecision(4)}, p = ${fit.p.toPrecision(3)}). ` +
      `Bands: the 45 human-human pairs (${hh.mean!.toFixed(3)} ± ${hh.ci95!.toFixed(3)}) and the ${b.cnnCnn.n} pairs of these models (${b.cnnCnn.mean!.toFixed(3)} ± ${b.cnnCnn.ci95!.toFixed(3)}), all trials; ` +
      `the paper's label 0.63 ± 0.01 is the original script's subset of trials (${b.cnnCnnPaperSubset.mean!.toFixed(4)} ± ${b.cnnCnnPaperSubset.ci95!.toFixed(4)}). Brain-Score's behaviour score does not predict κ with humans on cue-conflict.`,
    spec: kappaVsAccuracySpec({
      title: "cue-conflict",
      xTitle: "Brain-Score: behaviour score",
      points: b.points.map((p) => ({ model: p.model, accuracy: p.behaviour, kappa: p.kappa })),
      means: b.models.map((m) => ({ model: m.model, accuracy: m.behaviour, mean: m.mean_kappa_vs_humans, ci95: m.ci95 })),
      fit,
      fitLabel: "CNN vs. humans",
      bands: [
        { label: "CNN vs. CNNs", mean: b.cnnCnn.mean!, ci95: b.cnnCnn.ci95!, colour: CNN_CNN_COLOUR },
        { label: "humans vs. humans", mean: hh.mean!, ci95: hh.ci95!, colour: HUMAN_COLOUR },
      ],
      models: series,
      xDomain: [Math.floor(Math.min(...scores) * 20 - 1) / 20, Math.ceil(Math.max(...scores) * 20 + 1) / 20],
    }),
  };
}

/**
 * Why the edges band peaks where it does (trial count 160, bin of c_exp ≈ 0.966), for the
 * captions: the value is the exact 97.5% quantile, and it was checked against other designs.
 */
function edgesSpikeNote(band: readonly ChanceBand[]): string {
  const high = band
    .filter((row) => row.c_exp_mean > 0.9 && row.kappa_high !== null)
    .reduce((best, row) => (row.kappa_high! > best.kappa_high! ? row : best));
  return (
    `The band's spike at c_exp ≈ ${high.c_exp_mean.toFixed(3)} reaches κ = ${high.kappa_high!.toFixed(3)}: with 160 trials and c_exp this close to 1 a pair makes few errors, κ takes few values, and the 97.5% quantile of that bin falls on ${high.kappa_high!.toFixed(3)}. ` +
    "The authors' band file has the same value; trialwise computes the band exactly and obtains it for grid edges 0.05 to 0.25, with 1200 or 4200 accuracies, and in six seeded simulations of 88 million pairs (the authors' design). " +
    "The printed paper's figure peaks near 0.55 there; no band computed from these data gives that (no trial count from 100 to 200 does either), so that peak cannot be traced to the published data or band files."
  );
}

function chanceFigures(inputs: FigureInputs, trialCounts: readonly number[]): Figure[] {
  const figures: Figure[] = [
    {
      id: "c-exp-density",
      section: "Chance agreement",
      title: "c_exp over the two accuracies",
      caption:
        "The error overlap expected by chance, c_exp = p_i·p_j + (1 − p_i)(1 − p_j), for every pair of accuracies (50 × 50 cells, value at each cell's centre), with the contours 0.3, 0.5 and 0.7. " +
        "c_exp is high when both observers are nearly always right or nearly always wrong, and 0.5 whenever either is at 50%: there κ has the most room to vary.",
      spec: cExpDensitySpec(),
    },
  ];
  for (const trials of trialCounts) {
    const authors = inputs.authorsBands.get(trials) ?? null;
    figures.push({
      id: `chance-band-diagnostic_${trials}`,
      section: "Chance agreement",
      title: `The chance band for ${trials} trials, and what bounds it`,
      caption:
        `c_obs (left) and κ (right) against c_exp for two independent observers with ${trials} trials each. Black: the 2.5%–97.5% band trialwise computes (see "Methods"). ` +
        (authors
          ? "Pink, dotted: the authors' published band. "
          : "The authors' band file (reference/ beside the raw data) was not found, so it is not drawn. ") +
        `Orange, dashed: the normal approximation c_exp ± 1.96·√(c_exp(1 − c_exp)/${trials}) (κ: divided by 1 − c_exp), which ignores that accuracies are estimated and fails near c_exp = 1. ` +
        "Blue: what any two observers can reach, whatever their accuracies: c_obs between 0 and 1 − √(1 − 2c_exp) for c_exp < 0.5, between √(2c_exp − 1) and 1 above." +
        (trials === 160 ? ` ${edgesSpikeNote(inputs.band(160))}` : ""),
      spec: chanceDiagnosticSpec({
        title: `Chance band, ${trials} trials`,
        curves: diagnosticCurves(trials, inputs.band(trials), authors),
      }),
    });
  }
  return figures;
}

/** Every figure of the report, in report order. */
export function geirhos2020Figures(analysis: Geirhos2020Analysis, inputs: FigureInputs): Figure[] {
  const texture = [...analysis.textureShape.values()];
  const byDataset = (make: (a: TextureShapeAnalysis) => Figure | Figure[]) => texture.flatMap(make);
  const cueConflict = analysis.textureShape.get("texture-shape_cue-conflict" satisfies TextureShapeDataset)!;
  const chance = inputs.band;
  return [
    ...byDataset((a) => kappaVsAccuracy(a, "top5")),
    ...byDataset((a) => kappaVsAccuracy(a, "top1")),
    brainScoreFigure(analysis),
    ...byDataset((a) => consistencyFigures(a, chance(a.trialsPerObserver))),
    ...byDataset((a) => fourNetworksFigures(a, chance(a.trialsPerObserver))),
    ...byDataset((a) => cornetFigure(a, chance(a.trialsPerObserver))),
    ...shapeBiasByCategoryFigures(analysis),
    ...shapeBiasFigures(cueConflict),
    ...chanceFigures(
      inputs,
      [...new Set(texture.map((a) => a.trialsPerObserver))].sort((x, y) => x - y),
    ),
    ...noiseFigures(analysis, inputs),
    ...byDataset(heatmapFigure),
  ];
}
