/** The page's requests to the dashboard's worker and its answers (structured-cloned; typed arrays transferred). */
import type { ChanceBandRow } from "../../core/chance.ts";
import type { PairCounts } from "../../core/metrics.ts";
import type { PairInterval } from "../../core/pair-intervals.ts";
import type { DashboardMismatch, KappaSummary, PairMatrix, RankedModel, Ranking } from "./compute.ts";
import type { ConditionValue } from "./condition-curves.ts";
import type { MetricMatrix } from "./metric-matrix.ts";
import type { ResponseLevelMetric } from "./metric-names.ts";
import type { DatasetPayload } from "../../serve/protocol.ts";
import type { Group } from "./state.ts";

export interface AnalysisRequest {
  dataset: string;
  condition: string;
  /** The observers shown (hidden ones left out). */
  observers: string[];
  mismatch: DashboardMismatch;
  groups: Group[];
}

export type WorkerRequest =
  | { type: "dataset"; payload: DatasetPayload }
  /** The dataset was removed: drop its decoded units. */
  | { type: "forget"; dataset: string }
  | ({ type: "analyse" } & AnalysisRequest)
  /** The ranking with its joint-bootstrap intervals (asked of a second worker: it takes a while). */
  | ({ type: "ranking" } & AnalysisRequest)
  | { type: "curves"; dataset: string; observers: string[]; pair: [string, string] | null; mismatch: DashboardMismatch }
  | { type: "pair-interval"; counts: PairCounts; observer1: string; observer2: string }
  /** The matrix of a response-level metric (./metric-matrix.ts), from the dataset's answers (and the models' scores, where sent). */
  | { type: "metric"; dataset: string; condition: string; observers: string[]; mismatch: DashboardMismatch; metric: ResponseLevelMetric }
  /** The chance regions for these trial counts (asked of the second worker: 0.1 to 1.5 s each). */
  | { type: "chance"; trials: number[] };

export interface Analysis {
  type: "analyse";
  matrix: PairMatrix;
  order: { order: number[]; clustered: boolean; note: string | null };
  /** The computed pairs' trial counts, most pairs first (./pair-chance.ts): the chance regions to ask for. */
  trialCounts: { trials: number; pairs: number }[];
  /** Kappa summaries per pair of groups (user groups, else humans and models). */
  groups: KappaSummary[];
  /** The same by kind only (humans, models), for the reference bands. */
  kinds: KappaSummary[];
  /** The models ranked by mean kappa with the humans, without the (slower) bootstrap intervals. */
  means: RankedModel[];
  timing: { countMs: number; totalMs: number };
}

export type WorkerAnswer =
  | { type: "dataset" }
  | { type: "forget" }
  | Analysis
  | { type: "ranking"; ranking: Ranking }
  | { type: "curves"; curves: { accuracy: ConditionValue[]; kappa: ConditionValue[] } }
  | { type: "pair-interval"; interval: PairInterval }
  | { type: "metric"; matrix: MetricMatrix }
  | { type: "chance"; regions: [number, ChanceBandRow[]][] }
  | { type: "error"; error: string };
