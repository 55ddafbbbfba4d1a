/**
 * The update cycle: every control and view asks for a change of state with {@link update};
 * the change goes into the session and the URL, and what depends on it is redrawn, by a new
 * analysis in the worker where the observers compared change, else only the pair's views.
 */
import { currentPayload, datasetList, ensurePayload, renderNotes, renderRemoveButton } from "./datasets.ts";
import { byId, h } from "./dom.ts";
import type { DatasetPayload } from "./protocol.ts";
import { renderAccuracy } from "./sections/accuracy.ts";
import { renderCurves } from "./sections/conditions.ts";
import { renderGroupTable } from "./sections/groups.ts";
import { renderHeatmap } from "./sections/heatmap.ts";
import { renderGroups, renderObservers } from "./sections/observers.ts";
import { renderTrials, showPair } from "./sections/pair.ts";
import { rankLater } from "./sections/ranking.ts";
import { renderScatters } from "./sections/scatter.ts";
import { session } from "./session.ts";
import type { ViewState } from "./state.ts";
import { setStatus, tracked } from "./status.ts";
import { saveUrl, scrollToView } from "./url.ts";
import { ask } from "./workers.ts";

/** Shows a dataset afresh: all conditions pooled, every observer, no groups, no pair. */
export async function chooseDataset(id: string): Promise<void> {
  await update({ dataset: id, condition: "all", hidden: [], groups: [], pair: null });
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
    session.change({ dataset: datasetList()[0].id });
    saveUrl();
  }
  const generation = session.askAnalysis();
  const payload = await ensurePayload(session.state.dataset!);
  if (!payload.units.some((u) => u.condition === session.state.condition)) session.change({ condition: payload.units[0]?.condition ?? "all" });
  renderControls(payload);
  renderObservers(payload);
  renderGroups();
  renderNotes(payload);
  setStatus("computing…");
  const request = { dataset: payload.id, condition: session.state.condition, observers: session.shownObservers(payload), mismatch: session.state.mismatch, groups: session.state.groups };
  const analysis = await ask<"analyse">({ type: "analyse", ...request });
  if (!session.isCurrent(generation)) return;
  session.analysed(analysis);
  const m = analysis.matrix;
  setStatus(`${m.size} observers, ${((m.size * (m.size - 1)) / 2 - m.skipped).toLocaleString("en")} pairs computed in ${Math.round(analysis.timing.totalMs)} ms (kernel: ${m.kernel})`);
  // The matrix, group means and pair first, painted before the other figures are drawn.
  await renderHeatmap(analysis);
  renderGroupTable(analysis);
  await showPair();
  session.markShown(generation);
  await nextPaint();
  if (!session.isCurrent(generation)) return;
  await renderScatters(analysis);
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

/** The pickers show the state: the dataset (with its remove button), its conditions, the mismatch rule, the trial filter. */
function renderControls(payload: DatasetPayload): void {
  byId<HTMLSelectElement>("dataset").value = payload.id;
  renderRemoveButton();
  byId<HTMLSelectElement>("condition").replaceChildren(...payload.units.map((u) => h("option", { value: u.condition }, u.condition === "all" ? "all conditions pooled" : `condition ${u.condition}`)));
  byId<HTMLSelectElement>("condition").value = session.state.condition;
  byId<HTMLSelectElement>("mismatch").value = session.state.mismatch;
  byId<HTMLSelectElement>("trial-filter").value = session.state.trials;
}
