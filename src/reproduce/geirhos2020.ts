/**
 * The analysis of Geirhos, Meding & Wichmann (2020) on its published trial data: group and
 * per-model error consistency, regressions on ImageNet accuracy, shape bias, accuracy per
 * noise condition, and the paper's trial-subset artefact. Pure functions of trial tables (no
 * Node APIs), so the numbers are the same wherever they are computed.
 */
import { InputError } from "../core/errors.ts";
import { mean, normalHalfWidth95, sampleSd } from "../core/math/descriptive.ts";
import { type LinearFit, linearRegression } from "../core/math/regression.ts";
import { type ObserverRow, observerStats } from "../core/observers.ts";
import { type PairRow, computePairs } from "../core/pairs.ts";
import { type ShapeBiasRow, shapeBias } from "../core/shape-bias.ts";
import { summarizeKappas } from "../core/summary.ts";
import { type TrialTable, TrialTableBuilder, compareText, conditionNames, observerNames, trialAt } from "../core/trials.ts";
import { chanceBin, type ChanceBandRow } from "../core/chance.ts";
import { pairInterval, pairSeed } from "../core/pair-intervals.ts";
import {
  BRAIN_SCORE_NAMES,
  IMAGENET_ACCURACY,
  PAPER_NUMBERS,
  PYTORCH_MODELS,
  type PaperNumber,
  SIN_VARIANTS,
  TEXTURE_SHAPE_DATASETS,
  type TextureShapeDataset,
  sameFamily,
} from "./geirhos2020-facts.ts";

/** Mean of pair kappas with its normal 95% half-width. */
export interface GroupStat {
  n: number;
  mean: number | null;
  sd: number | null;
  ci95: number | null;
}

export type GroupName = "human-human" | "cnn-cnn" | "cnn-human";

export interface ModelStat {
  accuracy: number;
  mean_kappa_vs_humans: number | null;
  sd: number | null;
  ci95: number | null;
  n_humans: number;
  shape_bias?: number | null;
}

export interface MaxPair {
  observer1: string;
  observer2: string;
  kappa: number;
}

/** What the original script computed on a subset of trials, recomputed. */
export interface SubsetRecomputation {
  /** The row positions kept: 1-based position p in each model's CSV with p mod 4 in this set. */
  rowsMod4: number[];
  cnnCnn: GroupStat;
  maxCnnPair: MaxPair;
}

export interface TextureShapeAnalysis {
  dataset: TextureShapeDataset;
  trialsPerObserver: number;
  table: TrialTable;
  observers: ObserverRow[];
  /** All pairs of all observers, on all trials. */
  pairs: PairRow[];
  /** Groups over humans and the 16 PyTorch models. */
  groups: Record<GroupName, GroupStat>;
  /** Every model's accuracy and mean kappa with the humans. */
  models: Record<string, ModelStat>;
  /** OLS of each CNN-human kappa (16 models x 10 humans) on the model's ImageNet accuracy. */
  regressionTop5: LinearFit;
  regressionTop1: LinearFit;
  maxCnnPair: MaxPair;
  /** The original script's subset of trials: half (p mod 4 in {0,1}). */
  paperSubset: SubsetRecomputation;
  /** Cue-conflict only. */
  shapeBias?: ShapeBiasRow[];
}

const isPytorch = new Set(PYTORCH_MODELS);

function groupStat(pairs: readonly PairRow[]): GroupStat {
  const { n_pairs, mean, sd, ci95 } = summarizeKappas(pairs);
  return { n: n_pairs, mean, sd, ci95 };
}

/** The model of a model-human pair. */
export function modelOfPair(pair: PairRow, table: TrialTable): string {
  return table.humans.has(pair.observer1) ? pair.observer2 : pair.observer1;
}

/** Human-human pairs, and CNN-CNN and CNN-human pairs of the 16 PyTorch models. */
export function paperGroups(pairs: readonly PairRow[], table: TrialTable): Record<GroupName, PairRow[]> {
  const groups: Record<GroupName, PairRow[]> = { "human-human": [], "cnn-cnn": [], "cnn-human": [] };
  for (const pair of pairs) {
    if (pair.pair_type === "human-human") groups["human-human"].push(pair);
    else if (pair.pair_type === "model-model") {
      if (isPytorch.has(pair.observer1) && isPytorch.has(pair.observer2)) groups["cnn-cnn"].push(pair);
    } else if (isPytorch.has(modelOfPair(pair, table))) groups["cnn-human"].push(pair);
  }
  return groups;
}

function maxPair(pairs: readonly PairRow[]): MaxPair {
  let best: PairRow | undefined;
  for (const p of pairs) if (p.kappa !== null && (!best || p.kappa > best.kappa!)) best = p;
  if (!best) throw new Error("no pair with a defined kappa");
  return { observer1: best.observer1, observer2: best.observer2, kappa: best.kappa! };
}

/**
 * The trials of the models at 1-based row positions p of their CSV file with p mod 4 in
 * `keep` (p = line - 1: the header is line 1). Humans keep all trials. The original analysis
 * script reached these rows through an indexing error when it computed CNN-CNN consistency.
 */
export function rowSubset(table: TrialTable, keep: readonly number[]): TrialTable {
  const builder = new TrialTableBuilder(table.dataset, /$^/);
  for (let t = 0; t < table.length; t++) {
    const human = table.humans.has(table.observer[t]);
    if (!human && !keep.includes((table.line[t] - 1) % 4)) continue;
    builder.add(trialAt(table, t));
  }
  const subset = builder.build();
  return { ...subset, humans: table.humans };
}

function regression(pairs: readonly PairRow[], table: TrialTable, key: "top1" | "top5"): LinearFit {
  const x: number[] = [];
  const y: number[] = [];
  for (const pair of pairs) {
    x.push(IMAGENET_ACCURACY[modelOfPair(pair, table)][key]);
    y.push(pair.kappa!);
  }
  return linearRegression(x, y);
}

/** The paper's error-consistency analysis of one texture-shape dataset, on all trials. */
export function analyseTextureShape(table: TrialTable): TextureShapeAnalysis {
  const dataset = table.dataset as TextureShapeDataset;
  const result = computePairs(table, { mismatch: "strict" });
  const pairs = result.pairs;
  const groups = paperGroups(pairs, table);
  const observers = observerStats(table);
  const models: Record<string, ModelStat> = {};
  for (const row of observers) {
    if (row.kind !== "model") continue;
    const withHumans = pairs.filter((p) => p.pair_type === "model-human" && modelOfPair(p, table) === row.observer);
    const kappas = withHumans.flatMap((p) => (p.kappa === null ? [] : [p.kappa]));
    models[row.observer] = {
      accuracy: row.accuracy,
      mean_kappa_vs_humans: kappas.length ? mean(kappas) : null,
      sd: kappas.length > 1 ? sampleSd(kappas) : null,
      ci95: kappas.length > 1 ? normalHalfWidth95(kappas) : null,
      n_humans: kappas.length,
    };
  }
  let shapeBiasRows: ShapeBiasRow[] | undefined;
  if (dataset === "texture-shape_cue-conflict") {
    shapeBiasRows = shapeBias(table);
    for (const row of shapeBiasRows) if (models[row.observer]) models[row.observer].shape_bias = row.shape_bias;
  }
  const subsetKeep = [0, 1];
  const subsetPairs = paperGroups(
    computePairs(rowSubset(table, subsetKeep), { mismatch: "strict", observers: PYTORCH_MODELS }).pairs,
    table,
  )["cnn-cnn"];
  return {
    dataset,
    trialsPerObserver: observers[0].n_trials,
    table,
    observers,
    pairs,
    groups: {
      "human-human": groupStat(groups["human-human"]),
      "cnn-cnn": groupStat(groups["cnn-cnn"]),
      "cnn-human": groupStat(groups["cnn-human"]),
    },
    models,
    regressionTop5: regression(groups["cnn-human"], table, "top5"),
    regressionTop1: regression(groups["cnn-human"], table, "top1"),
    maxCnnPair: maxPair(groups["cnn-cnn"]),
    paperSubset: { rowsMod4: subsetKeep, cnnCnn: groupStat(subsetPairs), maxCnnPair: maxPair(subsetPairs) },
    shapeBias: shapeBiasRows,
  };
}

/** Accuracy per condition of one noise-generalisation dataset, as the paper plots it. */
export interface NoiseConditionAccuracy {
  dataset: string;
  condition: string;
  observer: "humans" | "resnet50" | "cornet-s";
  /** Pooled over all sessions (models) or over all humans' rows (humans). */
  accuracy: number;
  n_trials: number;
  /** Humans: the lowest and highest accuracy of an individual. */
  min: number | null;
  max: number | null;
  n_observers: number;
}

export const NOISE_MODELS = ["resnet50", "cornet-s"] as const;

export function noiseAccuracy(table: TrialTable): NoiseConditionAccuracy[] {
  const rows = observerStats(table, true);
  const result: NoiseConditionAccuracy[] = [];
  for (const condition of conditionNames(table)) {
    const here = rows.filter((r) => r.condition === condition);
    const humans = here.filter((r) => r.kind === "human");
    if (humans.length > 0) {
      const trials = humans.reduce((s, r) => s + r.n_trials, 0);
      const correct = humans.reduce((s, r) => s + r.n_correct, 0);
      result.push({
        dataset: table.dataset,
        condition,
        observer: "humans",
        accuracy: correct / trials,
        n_trials: trials,
        min: Math.min(...humans.map((r) => r.accuracy)),
        max: Math.max(...humans.map((r) => r.accuracy)),
        n_observers: humans.length,
      });
    }
    for (const model of NOISE_MODELS) {
      const row = here.find((r) => r.observer === model);
      if (!row) continue;
      result.push({
        dataset: table.dataset,
        condition,
        observer: model,
        accuracy: row.accuracy,
        n_trials: row.n_trials,
        min: null,
        max: null,
        n_observers: 1,
      });
    }
  }
  return result;
}

/** ResNet-50 vs CORnet-S per condition (they saw the same images within a session). */
export function noiseModelConsistency(table: TrialTable): PairRow[] {
  const present = observerNames(table);
  if (!NOISE_MODELS.every((m) => present.includes(m))) return [];
  return computePairs(table, { byCondition: true, observers: [...NOISE_MODELS], mismatch: "strict" }).pairs;
}

/** One line of the paper-vs-recomputed table. */
export interface PaperComparison {
  id: string;
  dataset: string;
  quantity: string;
  where: string;
  paper: string;
  /** trialwise's value on all trials, in the paper's unit. */
  recomputed: number;
  /** Where the paper used a subset of trials: trialwise's value on that subset. */
  recomputed_subset: number | null;
  verdict: "matches" | "differs";
  explanation: string;
}

/** Whether `value` rounds to the printed text (half a unit of its last digit). */
export function roundsTo(value: number, printed: string): boolean {
  const mantissa = printed.replace(/e.*$/, "");
  const exponent = Number(printed.match(/e(.*)$/)?.[1] ?? 0);
  const decimals = mantissa.includes(".") ? mantissa.split(".")[1].length : 0;
  const unit = 10 ** (exponent - decimals);
  return Math.abs(value - Number(printed)) <= unit / 2 + 1e-12 * Math.abs(value);
}

function recomputedValue(
  id: string,
  analyses: Map<string, TextureShapeAnalysis>,
  paper: PaperNumber,
): { all: number; subset: number | null } {
  const a = analyses.get(paper.dataset)!;
  const parts = id.split(".");
  const kind = parts[1];
  if (kind === "human-human" || kind === "cnn-cnn") {
    const stat = a.groups[kind];
    const subset = kind === "cnn-cnn" ? a.paperSubset.cnnCnn : null;
    const field = parts[2] as "mean" | "ci95";
    return { all: stat[field]!, subset: subset ? subset[field]! : null };
  }
  if (kind === "model") return { all: a.models[parts.slice(2).join(".")].mean_kappa_vs_humans!, subset: null };
  if (kind === "pair") {
    const [x, y] = [parts[2], parts.slice(3).join(".")];
    const pair = a.pairs.find((p) => (p.observer1 === x && p.observer2 === y) || (p.observer1 === y && p.observer2 === x))!;
    return { all: pair.kappa!, subset: null };
  }
  if (kind === "max-cnn-pair") return { all: a.maxCnnPair.kappa, subset: a.paperSubset.maxCnnPair.kappa };
  if (kind === "top5") return { all: a.regressionTop5[parts[2] as "r2" | "f" | "p"], subset: null };
  if (kind === "shape-bias") return { all: 100 * a.models[parts.slice(2).join(".")].shape_bias!, subset: null };
  throw new Error(`unknown paper number ${id}`);
}

/**
 * Every number the paper states, next to trialwise's recomputation on all trials, with a
 * verdict. Where the paper's value does not round from the all-trials value, the subset of
 * trials the original script used is tried; the explanation says whether it accounts for it.
 */
export function comparePaper(analyses: Map<string, TextureShapeAnalysis>): PaperComparison[] {
  return PAPER_NUMBERS.map((paper) => {
    const { all, subset } = recomputedValue(paper.id, analyses, paper);
    const matches = roundsTo(all, paper.printed);
    let explanation =
      subset === null
        ? "the all-trials value rounds to the printed number"
        : roundsTo(subset, paper.printed)
          ? "the all-trials value rounds to the printed number, and so does the value on the original script's subset of trials"
          : "the all-trials value rounds to the printed number; the original script's subset of trials would not";
    if (!matches) {
      explanation =
        subset !== null && roundsTo(subset, paper.printed)
          ? "the original script computed this on a subset of trials (rows p of each model's CSV with p mod 4 in {0, 1}, through an indexing error); on that subset trialwise obtains the printed value, on all trials the value shown"
          : "not explained";
    }
    return {
      id: paper.id,
      dataset: paper.dataset,
      quantity: paper.quantity,
      where: paper.where,
      paper: paper.printed + (paper.percent ? "%" : ""),
      recomputed: all,
      recomputed_subset: subset,
      verdict: matches ? "matches" : "differs",
      explanation,
    };
  });
}

export interface Geirhos2020Analysis {
  textureShape: Map<TextureShapeDataset, TextureShapeAnalysis>;
  noiseAccuracy: NoiseConditionAccuracy[];
  noiseModelConsistency: PairRow[];
  paperVsRecomputed: PaperComparison[];
  /** Cue-conflict shape bias per shape category. */
  shapeBiasByCategory: CategoryShapeBiasRow[];
  /** Cue-conflict kappa against Brain-Score behaviour. */
  brainScore: BrainScoreAnalysis;
}

/** Shape bias of one observer (or the pooled humans) on the stimuli of one shape category. */
export interface CategoryShapeBiasRow extends ShapeBiasRow {
  category: string;
}

/**
 * Shape bias per shape category: `shapeBias` (the one rule: the 80 stimuli whose texture and
 * shape coincide left out, shape / (shape + texture) decisions) on the trials of each category.
 */
export function shapeBiasByCategory(table: TrialTable): CategoryShapeBiasRow[] {
  const byCategory = new Map<string, TrialTableBuilder>();
  for (let t = 0; t < table.length; t++) {
    const category = table.truth[t] ?? "";
    let builder = byCategory.get(category);
    if (!builder) byCategory.set(category, (builder = new TrialTableBuilder(table.dataset, /$^/)));
    builder.add(trialAt(table, t));
  }
  return [...byCategory.keys()]
    .sort(compareText)
    .flatMap((category) => shapeBias({ ...byCategory.get(category)!.build(), humans: table.humans }).map((row) => ({ category, ...row })));
}

export interface BrainScoreModel {
  model: string;
  brain_score_name: string;
  behaviour: number;
  mean_kappa_vs_humans: number;
  ci95: number;
}

export interface BrainScoreAnalysis {
  models: BrainScoreModel[];
  /** Each model-human kappa of these models (cue-conflict, all trials). */
  points: { model: string; behaviour: number; kappa: number }[];
  /** OLS of those kappas on the model's Brain-Score behaviour. */
  regression: LinearFit;
  /** Pairs among these models: all trials, and the original script's subset (p mod 4 in {0, 1}). */
  cnnCnn: GroupStat;
  cnnCnnPaperSubset: GroupStat;
}

/** Cue-conflict kappa with humans against Brain-Score behaviour, for the models of {@link BRAIN_SCORE_NAMES}. */
export function brainScoreAnalysis(
  a: TextureShapeAnalysis,
  behaviour: ReadonlyMap<string, number | null>,
  file: string,
): BrainScoreAnalysis {
  const models: BrainScoreModel[] = Object.entries(BRAIN_SCORE_NAMES).map(([model, name]) => {
    const score = behaviour.get(name);
    if (score === undefined || score === null)
      throw new InputError(`no Behavior score for "${name}" (model ${model}), which the paper's figure uses`, { file });
    const m = a.models[model];
    return { model, brain_score_name: name, behaviour: score, mean_kappa_vs_humans: m.mean_kappa_vs_humans!, ci95: m.ci95! };
  });
  const names = models.map((m) => m.model);
  const scoreOf = new Map(models.map((m) => [m.model, m.behaviour]));
  const points = a.pairs
    .filter((p) => p.pair_type === "model-human" && scoreOf.has(modelOfPair(p, a.table)) && p.kappa !== null)
    .map((p) => ({ model: modelOfPair(p, a.table), behaviour: scoreOf.get(modelOfPair(p, a.table))!, kappa: p.kappa! }));
  const among = (pairs: readonly PairRow[]) =>
    pairs.filter((p) => p.pair_type === "model-model" && names.includes(p.observer1) && names.includes(p.observer2));
  const subset = computePairs(rowSubset(a.table, a.paperSubset.rowsMod4), { mismatch: "strict", observers: names }).pairs;
  return {
    models,
    points,
    regression: linearRegression(
      points.map((p) => p.behaviour),
      points.map((p) => p.kappa),
    ),
    cnnCnn: groupStat(among(a.pairs)),
    cnnCnnPaperSubset: groupStat(among(subset)),
  };
}

/** ResNet-50 vs CORnet-S in one noise condition, with what its kappa is to be read against. */
export interface NoiseModelDetail {
  dataset: string;
  condition: string;
  n_trials: number;
  acc_resnet50: number;
  acc_cornet_s: number;
  c_exp: number;
  kappa: number;
  /** 95% percentile interval over 10,000 trial-bootstrap replicates (seeded per pair). */
  ci_low: number;
  ci_high: number;
  /** The chance band of independent observers with this many trials at this c_exp. */
  chance_low: number;
  chance_high: number;
  /** The range of kappa the two accuracies allow. */
  kappa_min: number;
  kappa_max: number;
  /** Each model's most frequent response in the condition and its share of the trials. */
  top_response_resnet50: string;
  top_share_resnet50: number;
  top_response_cornet_s: string;
  top_share_cornet_s: number;
}

/** The most frequent response of each observer per dataset and condition, with its share. */
function topResponses(tables: readonly TrialTable[]): Map<string, { response: string; share: number }> {
  const counts = new Map<string, Map<string, number>>();
  for (const table of tables) {
    for (let t = 0; t < table.length; t++) {
      const key = `${table.dataset}\u0000${table.condition[t]}\u0000${table.observer[t]}`;
      let byResponse = counts.get(key);
      if (!byResponse) counts.set(key, (byResponse = new Map()));
      const response = table.response[t] ?? "";
      byResponse.set(response, (byResponse.get(response) ?? 0) + 1);
    }
  }
  const top = new Map<string, { response: string; share: number }>();
  for (const [key, byResponse] of counts) {
    const total = [...byResponse.values()].reduce((s, n) => s + n, 0);
    const [response, n] = [...byResponse].sort((x, y) => y[1] - x[1] || compareText(x[0], y[0]))[0];
    top.set(key, { response, share: n / total });
  }
  return top;
}

/**
 * Per noise condition, ResNet-50 vs CORnet-S: kappa with a bootstrap interval, the chance band
 * at the pair's c_exp (`chance(n)` gives the band for n trials) and the range the accuracies
 * allow, and each model's most frequent response (a shared response bias shows there).
 */
export function noiseModelDetails(
  analysis: Geirhos2020Analysis,
  noiseTables: readonly TrialTable[],
  chance: (trials: number) => readonly ChanceBandRow[],
): NoiseModelDetail[] {
  const top = topResponses(noiseTables.filter((t) => analysis.noiseModelConsistency.some((p) => p.dataset === t.dataset)));
  return analysis.noiseModelConsistency.flatMap((p) => {
    if (p.kappa === null) return [];
    const resnetFirst = p.observer1 === "resnet50";
    const [accResnet, accCornet] = resnetFirst ? [p.acc1, p.acc2] : [p.acc2, p.acc1];
    const counts = {
      trials: p.n_trials,
      correct1: Math.round(p.acc1 * p.n_trials),
      correct2: Math.round(p.acc2 * p.n_trials),
      bothCorrect: p.n_both_correct,
    };
    const interval = pairInterval(counts, { method: "percentile", seed: pairSeed(1, p.observer1, p.observer2) });
    const bin = chanceBin(p.c_exp);
    const band = chance(p.n_trials).find((row) => row.bin === bin);
    const topOf = (observer: string) => top.get(`${p.dataset}\u0000${p.condition}\u0000${observer}`)!;
    return [
      {
        dataset: p.dataset,
        condition: p.condition,
        n_trials: p.n_trials,
        acc_resnet50: accResnet,
        acc_cornet_s: accCornet,
        c_exp: p.c_exp,
        kappa: p.kappa,
        ci_low: interval.lower!,
        ci_high: interval.upper!,
        chance_low: band?.kappa_low ?? NaN,
        chance_high: band?.kappa_high ?? NaN,
        kappa_min: p.kappa_min!,
        kappa_max: p.kappa_max!,
        top_response_resnet50: topOf("resnet50").response,
        top_share_resnet50: topOf("resnet50").share,
        top_response_cornet_s: topOf("cornet-s").response,
        top_share_cornet_s: topOf("cornet-s").share,
      },
    ];
  });
}

/** The humans of each texture-shape dataset (45 human-human pairs). */
const PAPER_HUMANS = 10;
/** The models each texture-shape dataset's analysis, figures and paper numbers refer to. */
const PAPER_MODELS: readonly string[] = [...new Set([...PYTORCH_MODELS, ...SIN_VARIANTS, "cornet-s"])];

/**
 * Refuses a texture-shape dataset that lacks a model the paper's analysis refers to, or whose
 * humans are not the paper's ten: its groups, figures and comparisons would be wrong or fail.
 * Located at the dataset's folder (that of its first file).
 */
function checkPaperObservers(table: TrialTable): void {
  const folder = table.file[0]?.replace(/[\\/][^\\/]*$/, "");
  const observers = new Set(table.observer);
  const missing = PAPER_MODELS.filter((m) => !observers.has(m));
  const where = `dataset "${table.dataset}"`;
  if (missing.length > 0) {
    throw new InputError(
      `the paper's analysis needs observer${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, not among the ${observers.size} observers of ${where}`,
      { file: folder },
    );
  }
  if (table.humans.size !== PAPER_HUMANS) {
    throw new InputError(
      `the paper's analysis has ${PAPER_HUMANS} humans in each texture-shape dataset, ${where} has ${table.humans.size}: ${[...table.humans].sort(compareText).join(", ")}`,
      { file: folder },
    );
  }
}

/**
 * The whole analysis from the datasets of the published raw-data collection. A missing
 * texture-shape dataset, or one without the paper's observers, is an InputError.
 */
export function analyseGeirhos2020(
  datasets: readonly TrialTable[],
  brainScore: { behaviour: ReadonlyMap<string, number | null>; file: string },
): Geirhos2020Analysis {
  const byName = new Map(datasets.map((d) => [d.dataset, d]));
  const textureShape = new Map<TextureShapeDataset, TextureShapeAnalysis>();
  for (const name of TEXTURE_SHAPE_DATASETS) {
    const table = byName.get(name);
    if (!table) throw new InputError(`no dataset "${name}": the paper's analysis needs the folder ${name}`);
    checkPaperObservers(table);
    textureShape.set(name, analyseTextureShape(table));
  }
  const noise = datasets.filter((d) => d.dataset.startsWith("noise-generalisation_")).sort((a, b) => compareText(a.dataset, b.dataset));
  const cueConflict = textureShape.get("texture-shape_cue-conflict")!;
  return {
    textureShape,
    noiseAccuracy: noise.flatMap(noiseAccuracy),
    noiseModelConsistency: noise.flatMap(noiseModelConsistency),
    paperVsRecomputed: comparePaper(textureShape),
    shapeBiasByCategory: shapeBiasByCategory(cueConflict.table),
    brainScore: brainScoreAnalysis(cueConflict, brainScore.behaviour, brainScore.file),
  };
}

/** Pairs for the c_obs / kappa vs c_exp figures, labelled as the paper's legends. */
export function pairCategory(
  pair: PairRow,
  table: TrialTable,
): "humans vs. humans" | "CNNs vs. CNNs (same family)" | "CNNs vs. CNNs (different family)" | "CNN vs. humans" | null {
  if (pair.pair_type === "human-human") return "humans vs. humans";
  if (pair.pair_type === "model-model") {
    if (!isPytorch.has(pair.observer1) || !isPytorch.has(pair.observer2)) return null;
    return sameFamily(pair.observer1, pair.observer2) ? "CNNs vs. CNNs (same family)" : "CNNs vs. CNNs (different family)";
  }
  return isPytorch.has(modelOfPair(pair, table)) ? "CNN vs. humans" : null;
}
