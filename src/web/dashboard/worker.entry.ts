/**
 * The dashboard's web worker: holds the decoded datasets and runs every computation
 * (./compute.ts: the all-pairs kernel in WebAssembly, the core's metrics, clustering, chance
 * region, bootstrap), so the page stays responsive. Requests and answers are ./messages.ts.
 */
import {
  decodeUnit,
  groupSummaries,
  heatmapOrder,
  modelMeans,
  modelRanking,
  pairBootstrapInterval,
  pairMatrix,
  type Unit,
} from "./compute.ts";
import { conditionCurves } from "./condition-curves.ts";
import type { AnalysisRequest, WorkerAnswer, WorkerRequest } from "./messages.ts";
import { metricMatrix } from "./metric-matrix.ts";
import { SCORE_METRICS } from "./metric-names.ts";
import { chanceBands, pairTrialCounts } from "./pair-chance.ts";
import { type DatasetPayload, decodeResponses, decodeScores } from "../../serve/protocol.ts";
import type { TrialScores } from "../../core/probability-table.ts";
import type { TrialTable } from "../../core/trials.ts";

const datasets = new Map<string, Unit[]>();
/** Each dataset's payload with answers, and its trials and score rows once decoded (on the first metric asked for). */
const answers = new Map<string, { payload: DatasetPayload; trials?: TrialTable; scores?: TrialScores[] }>();

function answersOf(dataset: string): { trials: TrialTable; scores: TrialScores[] } {
  const entry = answers.get(dataset);
  if (!entry?.payload.responses) throw new Error(`dataset "${dataset}" came without its answers: only error kappa can be shown`);
  entry.trials ??= decodeResponses(entry.payload, entry.payload.responses);
  entry.scores ??= entry.payload.scores ? decodeScores(entry.payload, entry.payload.scores) : [];
  return { trials: entry.trials, scores: entry.scores };
}

function unitsOf(dataset: string): Unit[] {
  const units = datasets.get(dataset);
  if (!units) throw new Error(`dataset "${dataset}" was not sent to the worker`);
  return units;
}

function unitFor(request: AnalysisRequest): Unit {
  const units = unitsOf(request.dataset);
  const unit = units.find((u) => u.condition === request.condition) ?? units[0];
  if (!unit) throw new Error(`dataset "${request.dataset}" has no analysis unit`);
  return unit;
}

/** The chosen observers' rows in the unit (observers absent from it are left out). */
function chosenRows(unit: Unit, observers: readonly string[]): number[] {
  const wanted = new Set(observers);
  return unit.observers.flatMap((o, i) => (wanted.has(o) ? [i] : []));
}

async function answer(request: WorkerRequest): Promise<{ answer: WorkerAnswer; transfer: Transferable[] }> {
  switch (request.type) {
    case "dataset": {
      datasets.set(
        request.payload.id,
        request.payload.units.map((u) => decodeUnit(request.payload, u)),
      );
      if (request.payload.responses) answers.set(request.payload.id, { payload: request.payload });
      else answers.delete(request.payload.id);
      return { answer: { type: "dataset" }, transfer: [] };
    }
    case "forget":
      datasets.delete(request.dataset);
      answers.delete(request.dataset);
      return { answer: { type: "forget" }, transfer: [] };
    case "analyse": {
      const started = performance.now();
      const unit = unitFor(request);
      const matrix = await pairMatrix(unit, chosenRows(unit, request.observers), { mismatch: request.mismatch });
      const counted = performance.now();
      const order = heatmapOrder(matrix);
      const trialCounts = pairTrialCounts(matrix);
      const groups = groupSummaries(matrix, request.groups);
      const kinds = groupSummaries(matrix, []);
      const means = modelMeans(matrix);
      const finished = performance.now();
      const transfer = [
        matrix.status,
        matrix.trials,
        matrix.correct1,
        matrix.bothCorrect,
        matrix.kappa,
        matrix.cObs,
        matrix.cExp,
        matrix.accuracy,
      ].map((a) => a.buffer);
      return {
        answer: {
          type: "analyse",
          matrix,
          order,
          trialCounts,
          groups,
          kinds,
          means,
          timing: { countMs: counted - started, totalMs: finished - started },
        },
        transfer,
      };
    }
    case "ranking": {
      const unit = unitFor(request);
      const matrix = await pairMatrix(unit, chosenRows(unit, request.observers), { mismatch: request.mismatch });
      return { answer: { type: "ranking", ranking: modelRanking(unit, matrix, 1000, request.groups) }, transfer: [] };
    }
    case "pair-interval":
      return {
        answer: { type: "pair-interval", interval: pairBootstrapInterval(request.counts, request.observer1, request.observer2) },
        transfer: [],
      };
    case "metric": {
      const { trials, scores } = answersOf(request.dataset);
      // Without scores every observer would enter with its answers, and capa would silently be capa-discrete.
      if (SCORE_METRICS.includes(request.metric) && scores.length === 0)
        throw new Error(`dataset "${request.dataset}" came without the models' scores: ${request.metric} cannot be shown`);
      const matrix = metricMatrix(trials, request.condition, request.observers, request.mismatch, request.metric, scores);
      return { answer: { type: "metric", matrix }, transfer: [matrix.values.buffer] };
    }
    case "chance":
      return { answer: { type: "chance", regions: request.trials.map((trials) => [trials, chanceBands(trials)]) }, transfer: [] };
    case "curves": {
      const units = unitsOf(request.dataset).filter((u) => u.condition !== "all");
      return {
        answer: { type: "curves", curves: await conditionCurves(units, request.observers, request.pair, request.mismatch) },
        transfer: [],
      };
    }
  }
}

self.onmessage = async (event: MessageEvent<WorkerRequest & { id: number }>) => {
  const { id } = event.data;
  try {
    const { answer: result, transfer } = await answer(event.data);
    (self as unknown as Worker).postMessage({ id, ...result }, transfer);
  } catch (error) {
    (self as unknown as Worker).postMessage({ id, type: "error", error: error instanceof Error ? error.message : String(error) });
  }
};
