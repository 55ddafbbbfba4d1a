/**
 * The full pairwise kappa matrix of a dataset's observers as a clustered heatmap with its
 * dendrogram, as a Vega-Lite spec. Isomorphic (no Node APIs); all data inline, so the spec
 * renders offline (vega-embed in a page, or vega's `View.toSVG()` in Node).
 */
import type { TopLevelSpec } from "vega-lite";
import { type Clustering, type Linkage, hierarchicalClustering, kappaDistances, kappaMatrix } from "../core/cluster.ts";
import type { PairRow } from "../core/pairs.ts";
import { FONT, HUMAN_COLOUR, KAPPA_COLOUR_SCALE } from "./style.ts";

export interface KappaHeatmapOptions {
  /** Dataset name: only its pairs are used; shown in the default title. */
  dataset: string;
  /** `computePairs` rows (of one condition for this dataset; other datasets are ignored). */
  pairs: readonly PairRow[];
  /** Observers to show. Their order only matters for tie-breaking in the clustering. */
  observers: readonly string[];
  isHuman: (observer: string) => boolean;
  title?: string;
  /** Linkage on d = 1 − kappa; default "average" (UPGMA). */
  method?: Linkage;
  /** Side of one cell in pixels; default 16. */
  cellSize?: number;
}

/** One heatmap cell: the pair (row, col) of observers, diagonal included. */
export interface HeatmapCell {
  row: string;
  col: string;
  pair_type: string;
  kappa: number;
  c_obs: number;
  c_exp: number;
  n: number;
}

/** Label and marker colour of models, neutral (humans have HUMAN_COLOUR, their colour in every figure). */
export const MODEL_COLOR = "#3f3f46";
const DENDROGRAM_MIXED = "#71717a";

const METHOD_NAME: Record<Linkage, string> = { average: "average-linkage (UPGMA)", complete: "complete-linkage", single: "single-linkage" };

/**
 * Cells of the heatmap for every ordered pair (row, col). Off the diagonal the values come from
 * the pair's row; on it kappa = 1, c_obs = 1 and c_exp = p² + (1 − p)² with the observer's
 * accuracy p and trial count n taken from any of its pairs.
 */
export function heatmapCells(pairs: readonly PairRow[], observers: readonly string[], isHuman: (o: string) => boolean): HeatmapCell[] {
  const byPair = new Map<string, PairRow>();
  const self = new Map<string, { p: number; n: number }>();
  for (const pair of pairs) {
    byPair.set(`${pair.observer1}\u0000${pair.observer2}`, pair);
    byPair.set(`${pair.observer2}\u0000${pair.observer1}`, pair);
    if (!self.has(pair.observer1)) self.set(pair.observer1, { p: pair.acc1, n: pair.n_trials });
    if (!self.has(pair.observer2)) self.set(pair.observer2, { p: pair.acc2, n: pair.n_trials });
  }
  const cells: HeatmapCell[] = [];
  for (const row of observers) {
    for (const col of observers) {
      if (row === col) {
        const { p, n } = self.get(row) ?? { p: NaN, n: NaN };
        const kind = isHuman(row) ? "human-human" : "model-model";
        cells.push({ row, col, pair_type: kind, kappa: 1, c_obs: 1, c_exp: p * p + (1 - p) * (1 - p), n });
        continue;
      }
      const pair = byPair.get(`${row}\u0000${col}`);
      if (!pair || pair.kappa === null) continue; // unreachable after clustering: it refuses NaN
      cells.push({ row, col, pair_type: pair.pair_type, kappa: pair.kappa, c_obs: pair.c_obs, c_exp: pair.c_exp, n: pair.n_trials });
    }
  }
  return cells;
}

/** Dendrogram segments with a stroke colour: human colour where the merge joins humans only. */
function dendrogramData(clustering: Clustering, observers: readonly string[], isHuman: (o: string) => boolean) {
  const n = observers.length;
  const allHuman: boolean[] = observers.map(isHuman);
  clustering.merges.forEach(({ left, right }) => allHuman.push(allHuman[left] && allHuman[right]));
  return clustering.segments.map((s) => ({
    ...s,
    stroke: allHuman[n + s.merge] ? HUMAN_COLOUR : DENDROGRAM_MIXED,
  }));
}

/**
 * A Vega-Lite spec of the clustered kappa heatmap: the observers ordered by hierarchical
 * clustering on d = 1 − kappa (see `hierarchicalClustering`), its dendrogram above the columns
 * (aligned with the cells: leaf i at the centre of column i), a human/model marker row, and the
 * heatmap ({@link KAPPA_COLOUR_SCALE}: orange below 0, blue above, white at 0; tooltips give both
 * observers, kappa, c_obs, c_exp and n). Human observers' axis labels are drawn in
 * {@link HUMAN_COLOUR}. Throws (InputError) when a pair is missing or has undefined kappa.
 */
export function kappaHeatmapSpec(options: KappaHeatmapOptions): TopLevelSpec {
  const { dataset, observers, isHuman } = options;
  const method = options.method ?? "average";
  const cell = options.cellSize ?? 16;
  const pairs = options.pairs.filter((p) => p.dataset === dataset);
  if (pairs.length === 0 && observers.length > 1) throw new RangeError(`no pairs of dataset "${dataset}"`);
  const distances = kappaDistances(kappaMatrix(pairs, observers));
  const clustering = hierarchicalClustering(distances, { method, labels: observers });
  const order = clustering.order.map((i) => observers[i]);
  const n = observers.length;
  const side = cell * n;
  const humans = observers.filter(isHuman);
  const maxHeight = Math.max(0, ...clustering.merges.map((m) => m.height));
  const trials = [...new Set(pairs.map((p) => p.n_trials))];

  const isHumanLabel = `indexof(${JSON.stringify(humans)}, datum.value) >= 0`;
  const labelColor = { condition: { test: isHumanLabel, value: HUMAN_COLOUR }, value: MODEL_COLOR };
  const labelFontWeight = { condition: { test: isHumanLabel, value: "bold" as const }, value: "normal" as const };
  const band = { domain: order, paddingInner: 0, paddingOuter: 0 };

  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: options.title ?? `Error consistency between all observers: ${dataset}`,
      subtitle: [
        `Cohen's κ for every pair of ${n} observers${trials.length === 1 ? ` (${trials[0]} trials each)` : ""}, ` +
          `ordered by ${METHOD_NAME[method]} clustering on 1 − κ.`,
        `Humans (${humans.length}) in crimson, models (${n - humans.length}) in grey.`,
      ],
      anchor: "start",
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: "#52525b",
      offset: 12,
    },
    config: {
      font: FONT,
      view: { stroke: null },
      axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", domain: false, ticks: false, labelLimit: 1000 },
      legend: { titleFontSize: 13, labelFontSize: 10 },
      concat: { spacing: 2 },
    },
    spacing: 2,
    resolve: { scale: { color: "independent", x: "independent", y: "independent" } },
    vconcat: [
      {
        name: "dendrogram",
        width: side,
        height: Math.round(side * 0.22),
        data: { values: dendrogramData(clustering, observers, isHuman) },
        mark: { type: "rule", strokeWidth: 1.1, strokeCap: "square" },
        encoding: {
          x: { field: "x1", type: "quantitative", scale: { domain: [-0.5, n - 0.5], nice: false, zero: false }, axis: null },
          x2: { field: "x2" },
          y: {
            field: "y1",
            type: "quantitative",
            scale: { domain: [0, maxHeight > 0 ? maxHeight : 1], nice: false, zero: true },
            axis: {
              title: "1 − κ",
              orient: "right",
              titleAngle: 0,
              titleAnchor: "end",
              titleAlign: "left",
              titleBaseline: "bottom",
              titleX: 2,
              titleY: -8,
              titleFontSize: 12,
              tickCount: 4,
              grid: false,
              ticks: true,
              domain: true,
              domainColor: "#a1a1aa",
              tickColor: "#a1a1aa",
              labelColor: "#52525b",
              titleColor: "#52525b",
            },
          },
          y2: { field: "y2" },
          color: { field: "stroke", type: "nominal", scale: null },
        },
      },
      {
        name: "observer_kind",
        width: side,
        height: Math.max(6, Math.round(cell / 2)),
        data: { values: observers.map((o) => ({ observer: o, kind: isHuman(o) ? "human" : "model" })) },
        mark: { type: "rect" },
        encoding: {
          x: { field: "observer", type: "nominal", scale: band, axis: null },
          color: {
            field: "kind",
            type: "nominal",
            scale: { domain: ["human", "model"], range: [HUMAN_COLOUR, "#d4d4d8"] },
            legend: null,
          },
          tooltip: [
            { field: "observer", title: "observer" },
            { field: "kind", title: "kind" },
          ],
        },
      },
      {
        name: "heatmap",
        width: side,
        height: side,
        data: { values: heatmapCells(pairs, order, isHuman) },
        mark: { type: "rect", stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x: {
            field: "col",
            type: "nominal",
            scale: band,
            axis: { title: null, orient: "bottom", labelAngle: -90, labelPadding: 4, labelColor, labelFontWeight },
          },
          y: {
            field: "row",
            type: "nominal",
            scale: band,
            axis: { title: null, orient: "left", labelPadding: 4, labelColor, labelFontWeight },
          },
          color: {
            field: "kappa",
            type: "quantitative",
            scale: { ...KAPPA_COLOUR_SCALE, domain: [...KAPPA_COLOUR_SCALE.domain] },
            legend: {
              title: "κ",
              orient: "right",
              gradientLength: Math.min(side, 240),
              gradientThickness: 14,
              values: [-1, -0.5, 0, 0.5, 1],
              titleFontSize: 16,
              titleFontWeight: "normal",
              titleFontStyle: "italic",
            },
          },
          tooltip: [
            { field: "row", title: "observer 1" },
            { field: "col", title: "observer 2" },
            { field: "pair_type", title: "pair" },
            { field: "kappa", type: "quantitative", title: "κ", format: ".3f" },
            { field: "c_obs", type: "quantitative", title: "c_obs", format: ".3f" },
            { field: "c_exp", type: "quantitative", title: "c_exp", format: ".3f" },
            { field: "n", type: "quantitative", title: "n trials" },
          ],
        },
      },
    ],
  };
}
