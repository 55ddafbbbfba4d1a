/**
 * `trialwise reproduce geirhos2020 --metric`: a response-level metric (CAPA's discrete variant,
 * decision-margin consistency, response kappa; ../core/metric-pairs.ts) beside error kappa in
 * the report: on each texture-shape dataset (all trials), the group means and each model's mean
 * with the 10 humans under both, the models ranked by each, as a table file and a report section.
 */
import { descendingRanks } from "../core/math/ranks.ts";
import { METRIC_VALUE, type ResponseMetric, metricPairs, metricSummaryPair } from "../core/metric-pairs.ts";
import { computePairs } from "../core/pairs.ts";
import { probabilityTableFromTrials } from "../core/probability-table.ts";
import { PairSummarizer, summarizePairs } from "../core/summary.ts";
import type { TrialTable } from "../core/trials.ts";
import { toCsv } from "../io/format.ts";
import { escapeHtml, htmlTable } from "../report/html.ts";
import { DATASET_LABELS, TEXTURE_SHAPE_DATASETS, type TextureShapeDataset } from "./geirhos2020-facts.ts";

/** One row of the comparison: a group of pairs, or a model with the humans. */
export interface MetricBesideKappaRow {
  dataset: string;
  kind: "group" | "model";
  name: string;
  n_pairs: number;
  mean_kappa: number | null;
  mean_metric: number | null;
  /** Rank among the dataset's models by mean kappa with the humans (1 = highest; ties share the average); null for groups. */
  rank_kappa: number | null;
  rank_metric: number | null;
}

export const METRIC_BESIDE_KAPPA_COLUMNS = [
  "dataset",
  "kind",
  "name",
  "n_pairs",
  "mean_kappa",
  "mean_metric",
  "rank_kappa",
  "rank_metric",
] as const satisfies readonly (keyof MetricBesideKappaRow)[];

/**
 * The comparison rows of the texture-shape datasets among `datasets` (every pair of observers,
 * all trials pooled, humans and models as the report names them): error kappa's summary
 * (`summarizePairs` of `computePairs`) and the metric's (`metricPairs` summarized the same way),
 * joined by group and model, with the models' ranks under each.
 */
export function metricBesideKappa(datasets: readonly TrialTable[], metric: ResponseMetric): MetricBesideKappaRow[] {
  const rows: MetricBesideKappaRow[] = [];
  for (const table of datasets) {
    if (!(TEXTURE_SHAPE_DATASETS as readonly string[]).includes(table.dataset)) continue;
    const isHuman = (o: string) => table.humans.has(o);
    const kappa = summarizePairs(computePairs(table).pairs, isHuman);
    const summarizer = new PairSummarizer(isHuman);
    for (const row of metricPairs(probabilityTableFromTrials(table, false), { metric }).rows)
      summarizer.add(metricSummaryPair(row, metric));
    const metricRows = new Map(summarizer.rows().map((r) => [`${r.kind}\u0000${r.name}`, r]));
    const joined = kappa.map((k): MetricBesideKappaRow => {
      const m = metricRows.get(`${k.kind}\u0000${k.name}`);
      return {
        dataset: table.dataset,
        kind: k.kind,
        name: k.name,
        n_pairs: k.n_pairs,
        mean_kappa: k.mean,
        mean_metric: m?.mean ?? null,
        rank_kappa: null,
        rank_metric: null,
      };
    });
    const models = joined.filter((r) => r.kind === "model");
    const rankKappa = descendingRanks(models.map((r) => r.mean_kappa ?? NaN));
    const rankMetric = descendingRanks(models.map((r) => r.mean_metric ?? NaN));
    models.forEach((r, i) => {
      r.rank_kappa = rankKappa[i];
      r.rank_metric = rankMetric[i];
    });
    rows.push(...joined);
  }
  return rows;
}

/** The table file of the comparison (columns {@link METRIC_BESIDE_KAPPA_COLUMNS}; mean_metric is the metric's value column's mean). */
export function metricBesideKappaCsv(rows: readonly MetricBesideKappaRow[]): string {
  return toCsv(rows, METRIC_BESIDE_KAPPA_COLUMNS);
}

/** The report section: per dataset, the groups and the models (by kappa rank) under both measures. */
export function metricBesideKappaHtml(rows: readonly MetricBesideKappaRow[], metric: ResponseMetric, file: string): string {
  const value = METRIC_VALUE[metric];
  const parts = TEXTURE_SHAPE_DATASETS.flatMap((dataset: TextureShapeDataset) => {
    const own = rows.filter((r) => r.dataset === dataset);
    if (own.length === 0) return [];
    const models = own.filter((r) => r.kind === "model").sort((a, b) => (a.rank_kappa ?? 0) - (b.rank_kappa ?? 0));
    const moved = models.filter((r) => r.rank_kappa !== r.rank_metric).length;
    return [
      `<h3>${escapeHtml(DATASET_LABELS[dataset])}</h3>`,
      htmlTable(
        own.filter((r) => r.kind === "group"),
        [
          { title: "pairs", value: (r) => r.name },
          { title: "n", value: (r) => r.n_pairs },
          { title: "mean κ", value: (r) => r.mean_kappa, digits: 4 },
          { title: `mean ${value}`, value: (r) => r.mean_metric, digits: 4 },
        ],
      ),
      `<p>${moved} of ${models.length} models rank differently by mean ${escapeHtml(value)} with the humans than by mean κ.</p>`,
      htmlTable(models, [
        { title: "model", value: (r) => r.name },
        { title: "mean κ with humans", value: (r) => r.mean_kappa, digits: 4 },
        { title: "rank by κ", value: (r) => r.rank_kappa },
        { title: `mean ${value} with humans`, value: (r) => r.mean_metric, digits: 4 },
        { title: `rank by ${value}`, value: (r) => r.rank_metric },
      ]),
    ];
  });
  return `<section id="metric"><h2>${escapeHtml(metric)} beside error consistency</h2>
<p>Requested with <code>--metric ${escapeHtml(metric)}</code>: every pair of observers on each texture-shape dataset (all trials), compared by error consistency κ and by ${escapeHtml(metric)} (its value <code>${escapeHtml(value)}</code>, docs/metrics.md), on the same answers: the published trials hold responses, not probabilities, so models enter with their answers. Means over pairs skip undefined values; ranks: 1 = highest, ties share the average rank. Also in <a href="${escapeHtml(file)}">${escapeHtml(file)}</a>.</p>
${parts.join("\n")}
</section>`;
}
