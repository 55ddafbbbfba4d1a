/**
 * The update cycle: every control and view asks for a change of state with {@link update};
 * the change goes into the session and the URL, and what depends on it is redrawn, by a new
 * analysis in the worker where the observers compared change, else only the pair's views.
 */
import { currentPayload, datasetList, ensurePayload, renderNotes, renderRemoveButton } from "./datasets.ts";
import { byId, h } from "./dom.ts";
import { noPairsReasons } from "../../core/no-pairs.ts";
import { PAIR_STATUS } from "./compute.ts";
import type { Analysis } from "./messages.ts";
import type { DatasetPayload, DatasetSummary } from "../../serve/protocol.ts";
import { renderAccuracy } from "./sections/accuracy.ts";
import { renderCurves } from "./sections/conditions.ts";
import { renderGroupTable } from "./sections/groups.ts";
import { renderHeatmap } from "./sections/heatmap.ts";
import { renderGroups, renderObservers } from "./sections/observers.ts";
import { renderTrials, showPair } from "./sections/pair.ts";
import { rankLater } from "./sections/ranking.ts";
import { renderScatters } from "./sections/scatter.ts";
import { type DashboardMetric, SCORE_METRICS } from "./metric-names.ts";
import { session } from "./session.ts";
import type { ViewState } from "./state.ts";
import { setStatus, tracked } from "./status.ts";
import { saveUrl, scrollToView } from "./url.ts";
import { ask } from "./workers.ts";

/** Shows a dataset afresh: its default unit (per condition where conditions vary within observers), every observer, no groups, no pair. */
export async function chooseDataset(id: string): Promise<void> {
  await update({ dataset: id, condition: "", hidden: [], groups: [], pair: null });
}

/** Applies a change of state, saves it in the URL and redraws what depends on it. */
export async function update(change: Partial<ViewState>): Promise<void> {
  const needsAnalysis = session.change(change);
  saveUrl();
  await tracked(async () => {
    if (needsAnalysis || !session.analysis) await analyse();
    else {
      if ("pair" in change) await showPair();
      if ("trials" in change) renderTrials();
      if ("pair" in change && currentPayload()?.conditionCurves) await renderCurves(session.generation);
    }
  });
}

/**
 * Analyses the state's dataset (the first, where the URL names none or one no longer there) in
 * the worker and redraws every view from it: the matrix, group means and pair first, painted
 * before the other figures, then the ranking when its bootstrap arrives. Views whose generation
 * is no longer current when the worker answers are left for the newer analysis to draw.
 */
export async function analyse(): Promise<void> {
  if (datasetList().length === 0) {
    setStatus("no datasets yet: drop trial files onto the page or use “Add trial files…”");
    return;
  }
  if (!session.state.dataset || !datasetList().some((d) => d.id === session.state.dataset)) {
    session.change({ dataset: openingDataset(datasetList()).id });
    saveUrl();
  }
  const generation = session.askAnalysis();
  const payload = await ensurePayload(session.state.dataset!);
  const condition = payload.units.some((u) => u.condition === session.state.condition) ? session.state.condition : payload.defaultCondition;
  renderControls(payload, condition);
  renderObservers(payload);
  renderGroups();
  renderNotes(payload, condition === payload.defaultCondition && condition !== "all" ? defaultConditionNote(payload) : null);
  setStatus("computing…");
  const request = {
    dataset: payload.id,
    condition,
    observers: session.shownObservers(payload),
    mismatch: session.state.mismatch,
    groups: session.state.groups,
  };
  const analysis = await ask<"analyse">({ type: "analyse", ...request });
  if (!session.isCurrent(generation)) return;
  session.analysed(analysis);
  setStatus(analysisStatus(analysis));
  explainNoPairs(analysis, payload);
  // A response-level metric's matrix replaces error kappa's where chosen and the answers (and for capa and dmc, the scores) came.
  const metric =
    session.state.metric !== "error-kappa" && metricOffered(payload, session.state.metric)
      ? (
          await ask<"metric">({
            type: "metric",
            dataset: payload.id,
            condition,
            observers: analysis.matrix.observers,
            mismatch: session.state.mismatch,
            metric: session.state.metric,
          })
        ).matrix
      : null;
  if (!session.isCurrent(generation)) return;
  // The matrix, group means and pair first, painted before the other figures are drawn.
  await renderHeatmap(analysis, metric);
  renderGroupTable(analysis.groups, null);
  await showPair();
  session.markShown(generation);
  await nextPaint();
  if (!session.isCurrent(generation)) return;
  await renderScatters(analysis, generation);
  await renderAccuracy(analysis);
  byId("conditions-section").hidden = !payload.conditionCurves;
  if (payload.conditionCurves) await renderCurves(generation);
  scrollToView();
  // Drawn when its bootstrap arrives, without holding up the views above.
  void rankLater(generation, request);
}

/** Resolves after the browser has painted the next frame. */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/**
 * Where an analysis has no pair, why (the core's `noPairsReasons`, as the CLI says it) and what
 * to change: show observers, choose a condition with two, pair on common stimuli, or give the
 * stimulus ids that match (model-vs-human file names carry a per-observer prefix).
 */
export function noPairsExplanation(analysis: Analysis, payload: DatasetPayload, mismatch: ViewState["mismatch"]): string | null {
  const m = analysis.matrix;
  const possible = (m.size * (m.size - 1)) / 2;
  if (possible > m.skipped) return null;
  const [reason] = noPairsReasons(
    [{ dataset: payload.name, condition: m.condition, observers: m.observers, skipped: m.skipped }],
    m.size < payload.observerInfo.length,
  );
  const noCommon = m.size > 1 && m.status.every((status, k) => Math.floor(k / m.size) === k % m.size || status === PAIR_STATUS.noCommon);
  const perCondition = payload.units.length > 1;
  const what =
    m.size < 2
      ? `show at least two observers${perCondition ? ", or choose another condition (or all conditions pooled) under Trials" : ""}, or add observers (“added to the dataset shown”)`
      : noCommon
        ? "no two observers share a stimulus id: trials are paired on equal ids, so check that the stimulus column holds the same id for the same image (for model-vs-human file names, upload with stimulus ids “model-vs-human file names”)"
        : mismatch === "identical"
          ? "choose “paired on common stimuli” to compute each pair on the trials both saw"
          : "the observers share too few stimuli";
  return `${reason ?? `no pairs in dataset "${payload.name}"`}. What to change: ${what}.`;
}

function explainNoPairs(analysis: Analysis, payload: DatasetPayload): void {
  const text = noPairsExplanation(analysis, payload, session.state.mismatch);
  const box = byId("no-pairs");
  box.hidden = text === null;
  box.textContent = text ?? "";
}

/** The status line after an analysis: how many observers and pairs, and how long the worker took. */
export function analysisStatus(analysis: Analysis): string {
  const m = analysis.matrix;
  const pairs = (m.size * (m.size - 1)) / 2 - m.skipped;
  return `${m.size} observers, ${pairs.toLocaleString("en")} ${pairs === 1 ? "pair" : "pairs"} computed in ${Math.round(analysis.timing.totalMs)} ms (kernel: ${m.kernel})`;
}

/**
 * The dataset the page opens on where the URL names none: the one with the most observers
 * (then the most trials, then the first listed), so the first view has the most pairs to show
 * rather than, say, three people who saw different images.
 */
export function openingDataset(datasets: readonly DatasetSummary[]): DatasetSummary {
  return datasets.reduce((best, d) =>
    d.observers > best.observers || (d.observers === best.observers && d.trials > best.trials) ? d : best,
  );
}

/** What the page says when it opens a dataset on one condition. */
function defaultConditionNote(payload: DatasetPayload): string {
  const count = payload.units.filter((u) => u.condition !== "all").length;
  const pooled = payload.units.some((u) => u.condition === "all");
  return `Analysed per condition (as trialwise pairs --by condition), because observers answered in ${count} conditions: showing condition ${payload.defaultCondition}, the first of ${count}. Choose another condition${pooled ? " or “all conditions pooled”" : ""} under Trials; the per-condition figures show every condition.`;
}

/** Whether the matrix can show `metric` for a dataset: error kappa always; the others with its answers; capa and dmc with the models' scores too. */
export function metricOffered(payload: DatasetPayload, metric: DashboardMetric): boolean {
  if (metric === "error-kappa") return true;
  if (!payload.responses) return false;
  return !SCORE_METRICS.includes(metric) || payload.scores !== undefined;
}

/** The pickers show the state: the dataset (with its remove button), its conditions (natural order, as the server lists them), the mismatch rule, the trial filter. */
function renderControls(payload: DatasetPayload, condition: string): void {
  byId<HTMLSelectElement>("dataset").value = payload.id;
  renderRemoveButton();
  byId<HTMLSelectElement>("condition").replaceChildren(
    ...payload.units.map((u) =>
      h("option", { value: u.condition }, u.condition === "all" ? "all conditions pooled" : `condition ${u.condition}`),
    ),
  );
  byId<HTMLSelectElement>("condition").value = condition;
  byId<HTMLSelectElement>("mismatch").value = session.state.mismatch;
  // The metric selector only where the dataset's answers came with it (else error kappa alone);
  // capa and dmc only where the models' scores came too, and the page says why not otherwise.
  byId("metric-label").hidden = !payload.responses;
  const select = byId<HTMLSelectElement>("metric");
  for (const option of select.options) {
    const offered = metricOffered(payload, option.value as DashboardMetric);
    option.disabled = !offered;
    option.title = offered ? "" : (payload.noScores ?? "");
  }
  select.value = metricOffered(payload, session.state.metric) ? session.state.metric : "error-kappa";
  const note = byId("metric-note");
  note.hidden = !payload.responses || payload.scores !== undefined || !payload.noScores;
  note.textContent = note.hidden ? "" : `Matrix: ${payload.noScores}.`;
  byId<HTMLSelectElement>("trial-filter").value = session.state.trials;
}
