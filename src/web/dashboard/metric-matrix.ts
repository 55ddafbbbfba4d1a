/**
 * The matrix of a response-level metric (issue 16's metric selector): every pair of the chosen
 * observers of one unit under `response-kappa`, `capa-discrete`, `capa` or `dmc`, computed as
 * `trialwise pairs --metric` computes them, by the core's `probabilityTableFromTrials` and
 * `metricPairs` on the dataset's trials (the payload's `responses`) and the models' score rows
 * where the server has them (the payload's `scores`, as `--scores` gives them: those models
 * enter with their probability vectors, everyone else with the answers), pooled ("all") or with
 * `--by condition`. Isomorphic (no Node or DOM APIs): the worker runs it, the tests compare it
 * with the CLI.
 */
import { hierarchicalClustering, kappaDistances } from "../../core/cluster.ts";
import { METRIC_COLUMNS, METRIC_VALUE, type MetricPairRow, metricPairs } from "../../core/metric-pairs.ts";
import { type ProbabilityTable, type TrialScores, probabilityTableFromTrials } from "../../core/probability-table.ts";
import { NO_CONDITION, type TrialTable } from "../../core/trials.ts";
import { CLUSTER_LIMIT, type DashboardMismatch } from "./compute.ts";
import type { ResponseLevelMetric } from "./metric-names.ts";

/** Every pair of a unit under a response-level metric, as a matrix in the order of the observers asked for. */
export interface MetricMatrix {
  metric: ResponseLevelMetric;
  condition: string;
  observers: string[];
  human: boolean[];
  size: number;
  /** The metric's value (the column `METRIC_VALUE` names) of pair (i, j), n x n row-major, NaN where not computed or undefined; 1 on the diagonal. */
  values: Float64Array;
  /** The rows of `trialwise pairs --metric` for these pairs (code-unit order), undefined values NaN. */
  rows: MetricPairRow[];
  /** Their columns, in the CLI's order. */
  columns: readonly string[];
  /** The matrix order: average-linkage clustering on 1 − value where every pair has one, else humans first, then by name. */
  order: number[];
  note: string | null;
  /** Pairs skipped because their item sets differ, and pairs computed on common items only. */
  skipped: number;
  intersected: number;
}

/** The probability tables already built, per trial table and pooling (the answers and scores of a dataset do not change). */
const tables = new WeakMap<TrialTable, Map<boolean, ProbabilityTable>>();

function probabilityTable(trials: TrialTable, byCondition: boolean, scores: readonly TrialScores[]): ProbabilityTable {
  let built = tables.get(trials);
  if (!built) tables.set(trials, (built = new Map()));
  let table = built.get(byCondition);
  if (!table) built.set(byCondition, (table = probabilityTableFromTrials(trials, byCondition, scores)));
  return table;
}

/**
 * The pairs of `observers` in unit `condition` ("all": pooled, as `trialwise pairs --metric`;
 * a condition: as with `--by condition`) under `metric`, with the same pairing rule as the
 * error-kappa matrix (`mismatch`: "identical" skips pairs whose items differ, "intersect"
 * computes them on their common items). `scores`: the models' score rows (`--scores`), the
 * same for every call on `trials` (the tables built are kept per trial table).
 */
export function metricMatrix(
  trials: TrialTable,
  condition: string,
  observers: readonly string[],
  mismatch: DashboardMismatch,
  metric: ResponseLevelMetric,
  scores: readonly TrialScores[] = [],
): MetricMatrix {
  const byCondition = condition !== NO_CONDITION;
  const result = metricPairs(probabilityTable(trials, byCondition, scores), { metric, observers, mismatch });
  const rows = result.rows.filter((r) => r.condition === condition);
  const n = observers.length;
  const index = new Map(observers.map((o, i) => [o, i]));
  const values = new Float64Array(n * n).fill(NaN);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  const column = METRIC_VALUE[metric];
  for (const row of rows) {
    const i = index.get(row.observer1 as string)!;
    const j = index.get(row.observer2 as string)!;
    values[i * n + j] = values[j * n + i] = row[column] as number;
  }
  const human = observers.map((o) => trials.humans.has(o));
  const fallback = () =>
    Array.from({ length: n }, (_, i) => i).sort((a, b) => Number(human[b]) - Number(human[a]) || (observers[a] < observers[b] ? -1 : 1));
  let order: number[];
  let note: string | null = null;
  if (n < 2) order = fallback();
  else if (n > CLUSTER_LIMIT || values.some((v) => Number.isNaN(v))) {
    order = fallback();
    note = `not clustered: ${n > CLUSTER_LIMIT ? `${n} observers` : "some pairs have no value (skipped or undefined)"}; humans first, then by name`;
  } else {
    const matrix = Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * n, (i + 1) * n)));
    order = hierarchicalClustering(kappaDistances(matrix), { method: "average", labels: [...observers] }).order;
  }
  const inUnit = (list: readonly { condition: string }[]) => list.filter((p) => p.condition === condition).length;
  return {
    metric,
    condition,
    observers: [...observers],
    human,
    size: n,
    values,
    rows,
    columns: METRIC_COLUMNS[metric],
    order,
    note,
    skipped: inUnit(result.skipped),
    intersected: inUnit(result.intersected),
  };
}
