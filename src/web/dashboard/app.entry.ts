/**
 * The `trialwise serve` dashboard page. It fetches the datasets from the server, hands them to
 * the worker (./worker.entry.ts) for every computation, and renders linked views: observers,
 * the clustered kappa matrix, consistency scatters with the chance region, kappa vs accuracy,
 * group summaries, the model ranking, per-condition curves and the trials behind the selected
 * pair. The view lives in the URL's query string (./state.ts). For tests and tools,
 * `window.__trialwise` exposes the state and where a heatmap cell is on the screen.
 */
import "./app.css";
import type { Result } from "vega-embed";
import { drawCanvasHeatmap } from "./canvas-heatmap.ts";
import { type Child, byId, dataUrlBlob, escapeXml, getJson, h } from "./dom.ts";
import { type PairDetails, type Ranking, pairCountsOf, pairDetails } from "./compute.ts";
import { SELECTED_PAIR_DATA, clusteredHeatmapSpec, consistencySpecs, fixed, heatmapCells, heatmapSpec, rankingSpec } from "./figures.ts";
import type { Analysis, AnalysisRequest } from "./messages.ts";
import { type DatasetPayload, type PairTrial, type PairTrialsResponse, formatBytes } from "./protocol.ts";
import { TRIAL_FILTERS, type TrialFilter, type ViewState, trialPasses } from "./state.ts";
import { session } from "./session.ts";
import { isReady, latestError, setStatus, showError, tracked } from "./status.ts";
import { exportButtons, registerFigure, registerTable } from "./exports.ts";
import { uploader } from "./upload.ts";
import { VIEWS, goToView, saveUrl, scrollToView, scrollToViewAgain } from "./url.ts";
import { ask, askRanking } from "./workers.ts";
import { currentPayload, datasetList, ensurePayload, loadDatasetList, maxUploadBytes, removeUpload, renderNotes, renderRemoveButton } from "./datasets.ts";
import { VEGA_HEATMAP_LIMIT, clearFigure, vegaFigure } from "./figure-views.ts";
import { renderAccuracy } from "./sections/accuracy.ts";
import { renderCurves } from "./sections/conditions.ts";
import { renderGroupTable } from "./sections/groups.ts";

/** Rows of a pair's trials shown at once (the CSV holds all). */
const TRIAL_ROWS_SHOWN = 300;
/** Rankings kept (each a few hundred bytes), so showing an observer again redraws at once. */
const RANKINGS_KEPT = 64;

// ---------------------------------------------------------------------------------------------
// Session

/** What the page holds besides the session (./session.ts); each part moves to its own file. */
const page = {
  trials: null as PairTrialsResponse | null,
  /** Rankings with their bootstrap intervals, by the analysis request they answer. */
  rankings: new Map<string, Ranking>(),
  /** Ranking bootstraps asked of the worker and not yet drawn (or dropped). */
  rankingsPending: 0,
  /** The scatters' views, to mark the selected pair in them. */
  scatters: [] as Result[],
  heatmap: null as null | { cellCentre(a: string, b: string): [number, number] | null; kind: "vega" | "canvas"; cells: number; select(pair: [string, string] | null): void; pick(names: string[]): void },
};

/** What tests and tools read: the state, readiness, errors, the heatmap. */
const exposed = {
  /** No update in progress: every view shows the current state, except possibly the ranking. */
  get ready(): boolean {
    return isReady();
  },
  /** Ready, and the ranking's deferred bootstrap drawn too. */
  get settled(): boolean {
    return isReady() && page.rankingsPending === 0;
  },
  /** The analysis now asked for (bumped by every change of observers, groups, dataset, …). */
  get generation(): number {
    return session.generation;
  },
  /** The analysis whose matrix, group means and pair are drawn (the other figures follow). */
  get shown(): number {
    return session.shown;
  },
  get error(): string | null {
    return latestError();
  },
  get state(): ViewState {
    return session.state;
  },
  get heatmap() {
    return page.heatmap ? { kind: page.heatmap.kind, cells: page.heatmap.cells } : null;
  },
  cellCentre: (a: string, b: string) => page.heatmap?.cellCentre(a, b) ?? null,
  get timing(): Analysis["timing"] | null {
    return session.analysis?.timing ?? null;
  },
  /** Observers picked in the list (or the ranking). */
  get picked(): string[] {
    return [...session.picked];
  },
};
(window as unknown as { __trialwise: typeof exposed }).__trialwise = exposed;

const uploads = uploader({
  maxBytes: maxUploadBytes,
  added: async (id, name) => {
    await loadDatasetList();
    setStatus(`added ${name}`);
    await chooseDataset(id);
  },
  error: showError,
  status: setStatus,
});

// ---------------------------------------------------------------------------------------------
// Layout

function section(id: string, title: string, actions: HTMLElement | null, ...body: Child[]): HTMLElement {
  return h("section", { id: `${id}-section`, class: "panel" }, h("header", {}, h("h2", {}, title), actions), ...body);
}

function buildLayout(): void {
  const app = byId("app");
  app.replaceChildren(
    h(
      "header",
      { class: "top" },
      h("h1", {}, "trialwise"),
      h("label", {}, "Dataset ", h("select", { id: "dataset", onchange: (e) => void chooseDataset((e.target as HTMLSelectElement).value) })),
      h("button", { type: "button", id: "remove-dataset", hidden: true, onclick: () => void removeDataset() }, "remove this upload"),
      h("label", {}, "Trials ", h("select", { id: "condition", onchange: (e) => void update({ condition: (e.target as HTMLSelectElement).value, pair: session.state.pair }) })),
      h(
        "label",
        {},
        "Observers with different stimuli ",
        h(
          "select",
          { id: "mismatch", onchange: (e) => void update({ mismatch: (e.target as HTMLSelectElement).value as ViewState["mismatch"] }) },
          h("option", { value: "identical" }, "not paired"),
          h("option", { value: "intersect" }, "paired on common stimuli"),
        ),
      ),
      h("label", { class: "button" }, "Add trial files…", h("input", { type: "file", id: "upload", multiple: true, accept: ".csv,.jsonl,.ndjson,.parquet,.pq", onchange: (e) => void uploadChosen(e.target as HTMLInputElement) })),
      h("span", { id: "status", "aria-live": "polite" }),
      h("nav", { "aria-label": "views" }, ...VIEWS.map(([id, label]) => h("a", { href: `#${id}-section`, "data-view": id, onclick: (e) => (e.preventDefault(), goToView(id)) }, label))),
    ),
    h("div", { id: "error", role: "alert", hidden: true }),
    h("div", { id: "notes" }),
    h(
      "main",
      {},
      h(
        "aside",
        { id: "observers-section", class: "panel" },
        h("header", {}, h("h2", {}, "Observers"), exportButtons("observers", ["csv"])),
        h(
          "div",
          { class: "controls" },
          h("button", { type: "button", onclick: () => pickKind("human") }, "pick humans"),
          h("button", { type: "button", onclick: () => pickKind("model") }, "pick models"),
          h("button", { type: "button", onclick: () => pickKind(null) }, "clear picks"),
          h("button", { type: "button", id: "show-only", onclick: () => showOnlyPicked() }, "show only picked"),
          h("button", { type: "button", onclick: () => void update({ hidden: [] }) }, "show all"),
        ),
        h(
          "form",
          { class: "controls", id: "group-form", onsubmit: (e) => (e.preventDefault(), makeGroup()) },
          h("input", { id: "group-name", placeholder: "group name, e.g. my models", "aria-label": "group name" }),
          h("button", { type: "submit" }, "group picked"),
        ),
        h("div", { id: "groups" }),
        h("table", { id: "observers", class: "data" }),
      ),
      h(
        "div",
        { id: "views" },
        section("heatmap", "Error consistency κ of every pair", exportButtons("heatmap", ["svg", "png", "csv"]), h("div", { id: "heatmap", class: "figure" }), h("p", { class: "note", id: "heatmap-note" })),
        section(
          "pair",
          "The trials behind a pair",
          h(
            "span",
            { class: "actions" },
            h(
              "select",
              { id: "trial-filter", "aria-label": "which trials", onchange: (e) => void update({ trials: (e.target as HTMLSelectElement).value as TrialFilter }) },
              ...TRIAL_FILTERS.map((f) => h("option", { value: f }, FILTER_TEXT[f])),
            ),
            exportButtons("trials", ["csv"]),
          ),
          h("div", { id: "pair-summary" }, h("p", { class: "note" }, "Click a cell of the matrix or a point of a scatter to see the trials behind that pair.")),
          h("div", { id: "pair-trials" }),
        ),
        section(
          "scatter",
          "Consistency against chance",
          h("span", { class: "actions" }, "c_obs: ", exportButtons("c-obs-vs-c-exp", ["svg", "png"]), " κ: ", exportButtons("kappa-vs-c-exp", ["svg", "png"]), " ", exportButtons("pairs", ["csv"])),
          h("div", { class: "row" }, h("div", { id: "scatter-cobs", class: "figure" }), h("div", { id: "scatter-kappa", class: "figure" })),
          h("p", { class: "note", id: "scatter-note" }),
        ),
        section("groups", "Mean κ per pair of groups", exportButtons("group-means", ["csv"]), h("table", { id: "group-table", class: "data" })),
        section("ranking", "Models ranked by mean κ with the humans", h("span", { class: "actions" }, h("span", { id: "ranking-status", class: "note", "aria-live": "polite" }), exportButtons("ranking", ["svg", "png", "csv"])), h("div", { class: "row" }, h("div", { id: "ranking", class: "figure" }), h("table", { id: "ranking-table", class: "data" })), h("p", { class: "note", id: "ranking-note" })),
        section("accuracy", "κ with humans against accuracy", exportButtons("kappa-vs-accuracy", ["svg", "png"]), h("div", { id: "kappa-accuracy", class: "figure" }), h("p", { class: "note", id: "accuracy-note" })),
        section(
          "conditions",
          "Per condition",
          h("span", { class: "actions" }, "accuracy: ", exportButtons("accuracy-per-condition", ["svg", "png", "csv"]), " κ: ", exportButtons("kappa-per-condition", ["svg", "png", "csv"])),
          h("div", { class: "row" }, h("div", { id: "curves-accuracy", class: "figure" }), h("div", { id: "curves-kappa", class: "figure" })),
          h("p", { class: "note", id: "conditions-note" }),
        ),
      ),
    ),
    uploads.dialog,
  );
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    void uploads.uploadFiles(e.dataTransfer?.files ?? null);
  });
}

/** Uploads the files chosen in the input, then empties it so the same file can be chosen again. */
async function uploadChosen(input: HTMLInputElement): Promise<void> {
  await uploads.uploadFiles(input.files);
  input.value = "";
}

const FILTER_TEXT: Record<TrialFilter, string> = {
  disagree: "one right, the other wrong",
  "first-only": "only the first right",
  "second-only": "only the second right",
  "both-wrong": "both wrong",
  "both-right": "both right",
  all: "all common trials",
};

// ---------------------------------------------------------------------------------------------
// Datasets and analysis

/**
 * Removes the uploaded dataset shown, on the server (freeing its memory) and in the page and
 * its workers, then shows the first dataset left; with none left the page starts afresh.
 */
async function removeDataset(): Promise<void> {
  const id = session.state.dataset;
  const summary = datasetList().find((d) => d.id === id);
  if (!id || !summary || summary.uploadedBytes === null) return;
  await tracked(async () => {
    const removed = await removeUpload(id);
    if (datasetList().length === 0) {
      location.replace(location.pathname);
      return;
    }
    await chooseDataset(datasetList()[0].id);
    setStatus(`removed ${summary.name} (uploads held: ${formatBytes(removed.heldUploadBytes)} of ${formatBytes(removed.maxHeldBytes)})`);
  });
}

async function chooseDataset(id: string): Promise<void> {
  await update({ dataset: id, condition: "all", hidden: [], groups: [], pair: null });
}

/** Applies a change of state, saves it in the URL and redraws what depends on it. */
async function update(change: Partial<ViewState>): Promise<void> {
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

async function analyse(): Promise<void> {
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
  byId<HTMLSelectElement>("dataset").value = payload.id;
  renderRemoveButton();
  byId<HTMLSelectElement>("condition").replaceChildren(...payload.units.map((u) => h("option", { value: u.condition }, u.condition === "all" ? "all conditions pooled" : `condition ${u.condition}`)));
  byId<HTMLSelectElement>("condition").value = session.state.condition;
  byId<HTMLSelectElement>("mismatch").value = session.state.mismatch;
  byId<HTMLSelectElement>("trial-filter").value = session.state.trials;
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

/**
 * Draws the ranking with its joint-bootstrap intervals: at once where this request was ranked
 * before (e.g. an observer hidden and shown again), else when the ranking worker has it; the
 * ranking section is marked as updating meanwhile. Not drawn if the view has changed since.
 */
async function rankLater(generation: number, request: AnalysisRequest): Promise<void> {
  // Groups do not change the ranking.
  const key = JSON.stringify([request.dataset, request.condition, request.mismatch, request.observers]);
  page.rankingsPending++;
  try {
    let ranking = page.rankings.get(key);
    if (!ranking) {
      setRankingUpdating(true);
      ranking = (await askRanking<"ranking">({ type: "ranking", ...request })).ranking;
      page.rankings.set(key, ranking);
      if (page.rankings.size > RANKINGS_KEPT) page.rankings.delete(page.rankings.keys().next().value!);
    }
    if (!session.isCurrent(generation)) return;
    await renderRanking(ranking);
    setRankingUpdating(false);
    // The ranking makes the page longer: a view further down may only now reach the top.
    scrollToViewAgain();
  } catch (error) {
    showError((error as Error).message);
  } finally {
    page.rankingsPending--;
  }
}

/** Greys the ranking while its bootstrap for the current view is computed. */
function setRankingUpdating(updating: boolean): void {
  byId("ranking-section").classList.toggle("updating", updating);
  byId("ranking-status").textContent = updating ? "updating: bootstrapping the intervals…" : "";
}

// ---------------------------------------------------------------------------------------------
// Observers and groups

function groupOf(name: string, kind: string): string {
  return session.state.groups.find((g) => g.members.includes(name))?.name ?? (kind === "human" ? "humans" : "models");
}

function renderObservers(payload: DatasetPayload): void {
  const hidden = new Set(session.state.hidden);
  const rows = payload.observerInfo.map((o) => ({ ...o, group: groupOf(o.name, o.kind), shown: !hidden.has(o.name) }));
  registerTable("observers", { rows, columns: ["name", "kind", "group", "n_trials", "n_correct", "n_na", "accuracy", "shown"] });
  byId("observers").replaceChildren(
    h("thead", {}, h("tr", {}, h("th", {}, "show"), h("th", {}, "observer"), h("th", {}, "kind"), h("th", {}, "group"), h("th", { class: "num" }, "accuracy"), h("th", { class: "num" }, "trials"))),
    h(
      "tbody",
      {},
      ...rows.map((o) =>
        h(
          "tr",
          { class: session.picked.has(o.name) ? "picked" : "", "data-observer": o.name },
          h("td", {}, h("input", { type: "checkbox", checked: o.shown, "aria-label": `show ${o.name}`, onchange: () => toggleShown(o.name) })),
          h("td", {}, h("button", { type: "button", class: `link ${o.kind}`, title: "pick (for grouping)", onclick: () => togglePicked(o.name) }, o.name)),
          h("td", {}, o.kind),
          h("td", {}, o.group),
          h("td", { class: "num" }, fixed(o.accuracy, 3)),
          h("td", { class: "num" }, String(o.n_trials)),
        ),
      ),
    ),
  );
}

function toggleShown(name: string): void {
  const hidden = new Set(session.state.hidden);
  if (hidden.has(name)) hidden.delete(name);
  else hidden.add(name);
  void update({ hidden: [...hidden] });
}

/** Shows the picks: highlighted in the list, their rows and columns bright in the matrix. */
function showPicks(): void {
  const payload = currentPayload();
  if (payload) renderObservers(payload);
  page.heatmap?.pick([...session.picked]);
  for (const row of document.querySelectorAll<HTMLElement>("#ranking-table tr[data-model]")) row.classList.toggle("picked", session.picked.has(row.dataset.model!));
}

function togglePicked(name: string): void {
  session.togglePick(name);
  showPicks();
}

function pickKind(kind: "human" | "model" | null): void {
  const payload = currentPayload();
  if (!payload) return;
  session.pick(kind === null ? [] : payload.observerInfo.filter((o) => o.kind === kind).map((o) => o.name));
  showPicks();
}

function showOnlyPicked(): void {
  const payload = currentPayload();
  if (!payload || session.picked.size < 2) return showError("pick at least two observers to show only them");
  void update({ hidden: payload.observerInfo.map((o) => o.name).filter((o) => !session.picked.has(o)) });
}

function makeGroup(): void {
  const input = byId<HTMLInputElement>("group-name");
  const name = input.value.trim();
  if (!name || name.includes(":")) return showError("give the group a name (without a colon)");
  if (session.picked.size === 0) return showError("pick the group's observers first (click their names)");
  const members = [...session.picked];
  // The URL separates members by "|" (./state.ts).
  const unfit = members.find((m) => m.includes("|"));
  if (unfit) return showError(`observer "${unfit}" cannot join a group: its name contains "|"`);
  const groups = session.state.groups.filter((g) => g.name !== name).map((g) => ({ ...g, members: g.members.filter((m) => !members.includes(m)) }));
  input.value = "";
  session.pick([]);
  void update({ groups: [...groups.filter((g) => g.members.length > 0), { name, members }] });
}

function renderGroups(): void {
  byId("groups").replaceChildren(
    ...session.state.groups.map((g) =>
      h("span", { class: "chip" }, `${g.name} (${g.members.length})`, h("button", { type: "button", "aria-label": `remove group ${g.name}`, onclick: () => void update({ groups: session.state.groups.filter((x) => x !== g) }) }, "×")),
    ),
  );
}

async function renderHeatmap(analysis: Analysis): Promise<void> {
  const { matrix, order } = analysis;
  const container = byId("heatmap");
  const names = order.order.map((i) => matrix.observers[i]);
  const payload = currentPayload()!;
  const title = `${payload.name}${matrix.condition === "all" ? "" : ` [${matrix.condition}]`}: ${matrix.size} observers`;
  byId("heatmap-note").textContent = [order.note, matrix.skipped > 0 ? `${matrix.skipped} pair(s) not computed (grey): their stimulus sets differ; choose “paired on common stimuli” to compute them on the trials they share` : null, matrix.intersected > 0 ? `${matrix.intersected} pair(s) computed on their common stimuli only` : null, matrix.undefinedKappa > 0 ? `${matrix.undefinedKappa} pair(s) with undefined κ (c_exp = 1), grey` : null]
    .filter(Boolean)
    .join(". ");
  const tableRows = () => {
    const n = matrix.size;
    const rows: object[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rows.push({ observer1: matrix.observers[i], observer2: matrix.observers[j], kappa: Number.isNaN(matrix.kappa[i * n + j]) ? null : matrix.kappa[i * n + j] });
    return rows;
  };
  registerTable("heatmap", { get rows() { return tableRows(); }, columns: ["observer1", "observer2", "kappa"] });
  const index = new Map(matrix.observers.map((o, i) => [o, i]));

  if (matrix.size <= VEGA_HEATMAP_LIMIT) {
    const humans = new Set(matrix.observers.filter((_, i) => matrix.human[i]));
    const clustered = order.clustered ? clusteredHeatmapSpec(matrix, title) : null;
    const cells = clustered?.cells ?? heatmapCells(matrix, order.order);
    const result = await vegaFigure("heatmap", container, clustered?.spec ?? heatmapSpec(cells, names, humans, title), "svg", (created) =>
      created.view.addEventListener("click", (_event, item) => {
        const datum = (item as { datum?: { row?: string; col?: string } } | null | undefined)?.datum;
        if (datum?.row && datum.col && datum.row !== datum.col) void update({ pair: [datum.row, datum.col] });
      }),
    );
    page.heatmap = {
      kind: "vega",
      cells: cells.length,
      cellCentre(a, b) {
        const centre = cellItemCentre(result, (datum) => datum.row === a && datum.col === b);
        if (!centre) return null;
        const box = container.querySelector("svg")!.getBoundingClientRect();
        const [ox, oy] = result.view.origin();
        return [box.left + ox + centre[0], box.top + oy + centre[1]];
      },
      select(pair) {
        void result.view.signal("sel_a", pair?.[0] ?? "").signal("sel_b", pair?.[1] ?? "").runAsync();
      },
      pick(names) {
        void result.view.signal("picked", names).runAsync();
      },
    };
  } else {
    const heatmap = drawCanvasHeatmap(matrix, order.order, Math.min(760, Math.max(400, container.clientWidth || 760)));
    const side = heatmap.side;
    const tooltip = h("div", { class: "canvas-tooltip", hidden: true });
    const frame = h("div", { class: "canvas-frame" }, h("p", { class: "figure-title" }, title), heatmap.element, tooltip);
    clearFigure("heatmap", container, frame);
    const at = (event: MouseEvent) => {
      const box = heatmap.element.getBoundingClientRect();
      return heatmap.pairAt(event.clientX - box.left, event.clientY - box.top);
    };
    heatmap.element.addEventListener("mousemove", (event) => {
      const pair = at(event);
      if (!pair) return void (tooltip.hidden = true);
      tooltip.hidden = false;
      tooltip.replaceChildren(...tooltipLines(pair[0], pair[1]).map((line) => h("div", {}, line)));
      const box = frame.getBoundingClientRect();
      tooltip.style.left = `${event.clientX - box.left + 14}px`;
      tooltip.style.top = `${event.clientY - box.top + 14}px`;
    });
    heatmap.element.addEventListener("mouseleave", () => (tooltip.hidden = true));
    heatmap.element.addEventListener("click", (event) => {
      const pair = at(event);
      if (pair && pair[0] !== pair[1]) void update({ pair: [matrix.observers[pair[0]], matrix.observers[pair[1]]] });
    });
    registerFigure("heatmap", {
      svg: async () => {
        const png = heatmap.toPng();
        return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${side}" height="${side + 24}"><title>${escapeXml(title)}</title><text x="0" y="16" font-family="sans-serif" font-size="13">${escapeXml(title)}</text><image x="0" y="24" width="${side}" height="${side}" image-rendering="pixelated" xlink:href="${png}"/></svg>`;
      },
      png: () => dataUrlBlob(heatmap.toPng()),
    });
    page.heatmap = {
      kind: "canvas",
      cells: matrix.size * matrix.size,
      cellCentre(a, b) {
        const i = index.get(a);
        const j = index.get(b);
        if (i === undefined || j === undefined) return null;
        const box = heatmap.element.getBoundingClientRect();
        return heatmap.cellPoint(i, j, box.left, box.top);
      },
      select(pair) {
        heatmap.select(pair && index.has(pair[0]) && index.has(pair[1]) ? [index.get(pair[0])!, index.get(pair[1])!] : null);
      },
      // A million cells are not redrawn per pick: picks show in the list only.
      pick: () => undefined,
    };
  }
  page.heatmap.select(session.state.pair);
  page.heatmap.pick([...session.picked]);
}

/** A scene item as Vega draws it: position and size within its group, its datum, child marks for groups. */
interface SceneItem {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  datum?: Record<string, unknown>;
  items?: SceneMark[];
}
interface SceneMark {
  marktype: string;
  role?: string;
  items: SceneItem[];
}

/**
 * Centre of the heatmap cell whose datum passes `test`, relative to the view's origin: found in
 * Vega's scenegraph, adding up the offsets of the groups (concatenated panels) it sits in.
 */
function cellItemCentre(result: Result, test: (datum: Record<string, unknown>) => boolean): [number, number] | null {
  const search = (mark: SceneMark, dx: number, dy: number): [number, number] | null => {
    for (const item of mark.items) {
      if (mark.marktype === "rect" && mark.role === "mark" && item.datum && test(item.datum)) return [dx + item.x! + item.width! / 2, dy + item.y! + item.height! / 2];
      if (mark.marktype !== "group") continue;
      for (const child of item.items ?? []) {
        const hit = search(child, dx + (item.x ?? 0), dy + (item.y ?? 0));
        if (hit) return hit;
      }
    }
    return null;
  };
  return search((result.view.scenegraph() as unknown as { root: SceneMark }).root, 0, 0);
}

function tooltipLines(i: number, j: number): string[] {
  const matrix = session.analysis!.matrix;
  if (i === j) return [`${matrix.observers[i]}`, `accuracy ${fixed(matrix.accuracy[i])}`];
  const d = pairDetails(matrix, i, j);
  if (!d) return [`${matrix.observers[i]} – ${matrix.observers[j]}`, "not computed: stimulus sets differ"];
  return [`${d.observer1} – ${d.observer2} (${d.pair_type})`, `accuracy ${fixed(d.acc1)} / ${fixed(d.acc2)}`, `c_obs ${fixed(d.c_obs)}, c_exp ${fixed(d.c_exp)}`, `κ ${fixed(d.kappa)} [${fixed(d.interval.lower)}, ${fixed(d.interval.upper)}]`, `n ${d.n_trials}`];
}

async function renderScatters(analysis: Analysis): Promise<void> {
  const specs = consistencySpecs(analysis.matrix, session.state.groups, analysis.chance);
  const large = analysis.matrix.size > VEGA_HEATMAP_LIMIT;
  const select = (result: Result) =>
    result.view.addEventListener("click", (_event, item) => {
      const datum = (item as { datum?: { observer1?: string; observer2?: string } } | null | undefined)?.datum;
      if (datum?.observer1 && datum.observer2) void update({ pair: [datum.observer1, datum.observer2] });
    });
  page.scatters = [await vegaFigure("c-obs-vs-c-exp", byId("scatter-cobs"), specs.cObs, large ? "canvas" : "svg", select), await vegaFigure("kappa-vs-c-exp", byId("scatter-kappa"), specs.kappa, large ? "canvas" : "svg", select)];
  byId("scatter-note").textContent = [specs.note, analysis.chance ? null : "no chance region: no pair computed"].filter(Boolean).join(". ");
  const m = analysis.matrix;
  const pairs = () => {
    const rows: PairDetails[] = [];
    for (let i = 0; i < m.size; i++) for (let j = i + 1; j < m.size; j++) {
      const d = pairDetails(m, i, j);
      if (d) rows.push(d);
    }
    return rows.map(({ interval, ...row }) => ({ dataset: m.dataset, condition: m.condition, ...row, ci_lower: interval.lower, ci_upper: interval.upper }));
  };
  registerTable("pairs", { get rows() { return pairs(); }, columns: ["dataset", "condition", "observer1", "observer2", "pair_type", "n_trials", "n_both_correct", "n_both_wrong", "acc1", "acc2", "c_obs", "c_exp", "kappa", "kappa_min", "kappa_max", "ci_lower", "ci_upper"] });
}

/** The ranking's table and figure, with the bootstrap intervals. */
async function renderRanking(ranking: Ranking): Promise<void> {
  const columns = ["model", "accuracy", "n_humans", "mean", "ci95", "boot_lower", "boot_upper"];
  registerTable("ranking", { rows: ranking.models, columns });
  byId("ranking-note").textContent = [ranking.note, ranking.replicates > 0 ? `intervals: joint stimulus bootstrap (${ranking.replicates} replicates, seed 1, as trialwise summary); ci95: 1.96 sd/√n over the humans` : null].filter(Boolean).join(". ");
  byId("ranking-table").replaceChildren(
    h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "model"), h("th", { class: "num" }, "mean κ"), h("th", { class: "num" }, "95% interval"), h("th", { class: "num" }, "humans"))),
    h(
      "tbody",
      {},
      ...ranking.models.map((r, k) =>
        h("tr", { class: session.picked.has(r.model) ? "picked" : "", "data-model": r.model, onclick: () => togglePicked(r.model) }, h("td", {}, String(k + 1)), h("td", {}, r.model), h("td", { class: "num" }, fixed(r.mean, 4)), h("td", { class: "num" }, r.boot_lower !== null ? `[${fixed(r.boot_lower)}, ${fixed(r.boot_upper)}]` : r.ci95 !== null && r.mean !== null ? `± ${fixed(r.ci95)}` : "–"), h("td", { class: "num" }, String(r.n_humans))),
      ),
    ),
  );
  if (ranking.models.some((r) => r.mean !== null)) {
    await vegaFigure("ranking", byId("ranking"), rankingSpec(ranking), "svg", (result) =>
      result.view.addEventListener("click", (_event, item) => {
        const model = (item as { datum?: { model?: string } } | null | undefined)?.datum?.model;
        if (model) togglePicked(model);
      }),
    );
  } else clearFigure("ranking", byId("ranking"));
}

// ---------------------------------------------------------------------------------------------
// The selected pair

/** Marks the selected pair in the scatters (or clears the mark). */
async function markPairInScatters(details: PairDetails | null): Promise<void> {
  const point = details && details.kappa !== null ? [{ c_exp: details.c_exp, c_obs: details.c_obs, kappa: details.kappa }] : [];
  for (const result of page.scatters) await result.view.data(SELECTED_PAIR_DATA, point).runAsync();
}

async function showPair(): Promise<void> {
  const analysis = session.analysis;
  const pair = session.state.pair;
  page.heatmap?.select(pair);
  page.trials = null;
  const summary = byId("pair-summary");
  if (!analysis || !pair) {
    summary.replaceChildren(h("p", { class: "note" }, "Click a cell of the matrix or a point of a scatter to see the trials behind that pair."));
    byId("pair-trials").replaceChildren();
    await markPairInScatters(null);
    return;
  }
  const m = analysis.matrix;
  const i = m.observers.indexOf(pair[0]);
  const j = m.observers.indexOf(pair[1]);
  const details = i >= 0 && j >= 0 ? pairDetails(m, i, j) : null;
  await markPairInScatters(details);
  if (!details) {
    summary.replaceChildren(h("p", { class: "note" }, `${pair[0]} and ${pair[1]}: no κ here (not both shown, or their stimulus sets differ).`));
    byId("pair-trials").replaceChildren();
    return;
  }
  const field = (name: string, label: string, value: string) => [h("dt", {}, label), h("dd", { "data-field": name }, value)];
  summary.replaceChildren(
    h("h3", {}, `${details.observer1} vs ${details.observer2} `, h("small", {}, `(${details.pair_type}${m.condition === "all" ? "" : `, condition ${m.condition}`})`)),
    h(
      "dl",
      { class: "metrics" },
      ...field("n_trials", "trials", String(details.n_trials)),
      ...field("acc1", `accuracy ${details.observer1}`, fixed(details.acc1, 4)),
      ...field("acc2", `accuracy ${details.observer2}`, fixed(details.acc2, 4)),
      ...field("c_obs", "c_obs", fixed(details.c_obs, 4)),
      ...field("c_exp", "c_exp", fixed(details.c_exp, 4)),
      ...field("kappa", "κ", fixed(details.kappa, 4)),
      ...field("interval", "κ 95% CI (analytic)", `[${fixed(details.interval.lower, 4)}, ${fixed(details.interval.upper, 4)}]`),
      ...field("bca", "κ 95% CI (BCa bootstrap, 10,000 replicates)", "computing…"),
      ...field("bounds", "κ possible at these accuracies", `[${fixed(details.kappa_min, 4)}, ${fixed(details.kappa_max, 4)}]`),
    ),
  );
  // The bootstrap interval (as `trialwise pairs --ci bca`) arrives from the worker when ready.
  void ask<"pair-interval">({ type: "pair-interval", counts: pairCountsOf(m, i, j), observer1: details.observer1, observer2: details.observer2 }).then(({ interval }) => {
    if (session.state.pair !== pair) return;
    const cell = summary.querySelector('dd[data-field="bca"]');
    if (cell) cell.textContent = `[${fixed(interval.lower, 4)}, ${fixed(interval.upper, 4)}]`;
  }, (error: Error) => showError(error.message));
  const query = new URLSearchParams({ observer1: details.observer1, observer2: details.observer2, condition: m.condition });
  const trials = await getJson<PairTrialsResponse>(`/api/datasets/${encodeURIComponent(session.state.dataset!)}/trials?${query}`);
  if (session.state.pair !== pair) return;
  page.trials = trials;
  renderTrials();
}

function renderTrials(): void {
  const trials = page.trials;
  const container = byId("pair-trials");
  if (!trials) return void container.replaceChildren();
  const filter = session.state.trials;
  const rows = trials.trials.filter((t) => trialPasses(filter, t.correct1, t.correct2));
  const first = trials.observer1;
  const second = trials.observer2;
  registerTable("trials", { rows: rows.map((t) => ({ ...t, observer1: first, observer2: second })), columns: ["stimulus", "condition", "truth", "observer1", "response1", "correct1", "observer2", "response2", "correct2", "image"] });
  const mark = (correct: boolean) => h("span", { class: correct ? "right" : "wrong" }, correct ? "✓" : "✗");
  const cell = (t: PairTrial) => (t.image ? h("img", { src: t.image, alt: t.stimulus, loading: "lazy", width: "72", height: "72" }) : "");
  container.replaceChildren(
    h("p", { class: "note", id: "trial-count" }, `${rows.length} of ${trials.trials.length} common trials: ${FILTER_TEXT[filter]}${rows.length > TRIAL_ROWS_SHOWN ? ` (first ${TRIAL_ROWS_SHOWN} shown; the CSV has all)` : ""}`),
    h(
      "table",
      { class: "data", id: "trial-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "image"), h("th", {}, "stimulus"), h("th", {}, "condition"), h("th", {}, "truth"), h("th", {}, first), h("th", {}, second))),
      h(
        "tbody",
        {},
        ...rows.slice(0, TRIAL_ROWS_SHOWN).map((t) =>
          h("tr", {}, h("td", {}, cell(t)), h("td", {}, t.stimulus), h("td", {}, t.condition), h("td", {}, t.truth ?? ""), h("td", {}, mark(t.correct1), " ", t.response1 ?? ""), h("td", {}, mark(t.correct2), " ", t.response2 ?? "")),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  buildLayout();
  await tracked(async () => {
    await loadDatasetList();
    await analyse();
  });
}

void start();
