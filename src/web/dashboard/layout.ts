/**
 * The page's skeleton, built once: every element the views fill has its id here, and every
 * control its handler (a change of state goes through ./update.ts).
 */
import { DASHBOARD_METRICS, METRIC_NAMES } from "./metric-names.ts";
import { removeShownUpload, uploadChosen, uploadDialog, uploadFiles } from "./datasets.ts";
import { type Child, byId, h } from "./dom.ts";
import { exportButtons } from "./exports.ts";
import { makeGroup, pickKind, showOnlyPicked } from "./sections/observers.ts";
import { FILTER_TEXT } from "./sections/pair.ts";
import { session } from "./session.ts";
import { TRIAL_FILTERS, type TrialFilter, type ViewState } from "./state.ts";
import { chooseDataset, update } from "./update.ts";
import { VIEWS, goToView } from "./url.ts";

/** A section of the page (`<id>-section`, which the navigation and the URL's `view` name) with its title and export buttons. */
function section(id: string, title: string, actions: HTMLElement | null, ...body: Child[]): HTMLElement {
  return h("section", { id: `${id}-section`, class: "panel" }, h("header", {}, h("h2", {}, title), actions), ...body);
}

/** Builds the page: the header's controls, the error box and notes, the observers panel and the sections (filled by ./update.ts). */
export function buildLayout(): void {
  const app = byId("app");
  app.replaceChildren(
    h(
      "header",
      { class: "top" },
      h("h1", {}, "trialwise"),
      h(
        "label",
        {},
        "Dataset ",
        h("select", { id: "dataset", onchange: (e) => void chooseDataset((e.target as HTMLSelectElement).value) }),
      ),
      h("button", { type: "button", id: "remove-dataset", hidden: true, onclick: () => void removeShownUpload() }, "remove this upload"),
      h(
        "label",
        {},
        "Trials ",
        h("select", {
          id: "condition",
          onchange: (e) => void update({ condition: (e.target as HTMLSelectElement).value, pair: session.state.pair }),
        }),
      ),
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
      // Shown where the dataset's answers came with it (./metric-matrix.ts); capa and dmc enabled where the models' scores did too.
      h(
        "label",
        { id: "metric-label", hidden: true },
        "Matrix ",
        h(
          "select",
          { id: "metric", onchange: (e) => void update({ metric: (e.target as HTMLSelectElement).value as ViewState["metric"] }) },
          ...DASHBOARD_METRICS.map((m) => h("option", { value: m }, METRIC_NAMES[m].option)),
        ),
      ),
      h(
        "select",
        { id: "upload-target", "aria-label": "where added trial files go" },
        h("option", { value: "new" }, "as a new dataset"),
        h("option", { value: "shown" }, "added to the dataset shown"),
      ),
      h(
        "label",
        { class: "button" },
        "Add trial files…",
        h("input", {
          type: "file",
          id: "upload",
          multiple: true,
          accept: ".csv,.jsonl,.ndjson,.parquet,.pq",
          onchange: (e) => void uploadChosen(e.target as HTMLInputElement),
        }),
      ),
      h("span", { id: "status", "aria-live": "polite" }),
      h(
        "nav",
        { "aria-label": "views" },
        ...VIEWS.map(([id, label]) =>
          h("a", { href: `#${id}-section`, "data-view": id, onclick: (e) => (e.preventDefault(), goToView(id)) }, label),
        ),
      ),
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
        section(
          "heatmap",
          "Error consistency κ of every pair",
          exportButtons("heatmap", ["svg", "png", "csv"]),
          h("p", { id: "no-pairs", class: "warning", hidden: true }),
          h("div", { id: "heatmap", class: "figure" }),
          h("p", { class: "note", id: "heatmap-note" }),
          // Why the selector's capa and dmc are not offered, where the answers came without the models' scores (./update.ts).
          h("p", { class: "note", id: "metric-note", hidden: true }),
        ),
        section(
          "pair",
          "The trials behind a pair",
          h(
            "span",
            { class: "actions" },
            h(
              "select",
              {
                id: "trial-filter",
                "aria-label": "which trials",
                onchange: (e) => void update({ trials: (e.target as HTMLSelectElement).value as TrialFilter }),
              },
              ...TRIAL_FILTERS.map((f) => h("option", { value: f }, FILTER_TEXT[f])),
            ),
            exportButtons("trials", ["csv"]),
          ),
          h(
            "div",
            { id: "pair-summary" },
            h("p", { class: "note" }, "Click a cell of the matrix or a point of a scatter to see the trials behind that pair."),
          ),
          h("div", { id: "pair-trials" }),
        ),
        section(
          "scatter",
          "Consistency against chance",
          h(
            "span",
            { class: "actions" },
            "c_obs: ",
            exportButtons("c-obs-vs-c-exp", ["svg", "png"]),
            " κ: ",
            exportButtons("kappa-vs-c-exp", ["svg", "png"]),
            " ",
            exportButtons("pairs", ["csv"]),
          ),
          h("div", { class: "row" }, h("div", { id: "scatter-cobs", class: "figure" }), h("div", { id: "scatter-kappa", class: "figure" })),
          h("p", { class: "note", id: "scatter-note" }),
        ),
        section(
          "groups",
          "Mean κ per pair of groups",
          exportButtons("group-means", ["csv"]),
          h("table", { id: "group-table", class: "data" }),
          h("p", { class: "note", id: "group-note" }),
        ),
        section(
          "ranking",
          "Models ranked by mean κ with the humans",
          h(
            "span",
            { class: "actions" },
            h("span", { id: "ranking-status", class: "note", "aria-live": "polite" }),
            exportButtons("ranking", ["svg", "png", "csv"]),
          ),
          h("div", { class: "row" }, h("div", { id: "ranking", class: "figure" }), h("table", { id: "ranking-table", class: "data" })),
          h("p", { class: "note", id: "ranking-note" }),
        ),
        section(
          "accuracy",
          "κ with humans against accuracy",
          exportButtons("kappa-vs-accuracy", ["svg", "png"]),
          h("div", { id: "kappa-accuracy", class: "figure" }),
          h("p", { class: "note", id: "accuracy-note" }),
        ),
        section(
          "conditions",
          "Per condition",
          h(
            "span",
            { class: "actions" },
            "accuracy: ",
            exportButtons("accuracy-per-condition", ["svg", "png", "csv"]),
            " κ: ",
            exportButtons("kappa-per-condition", ["svg", "png", "csv"]),
          ),
          h(
            "div",
            { class: "row" },
            h("div", { id: "curves-accuracy", class: "figure" }),
            h("div", { id: "curves-kappa", class: "figure" }),
          ),
          h("p", { class: "note", id: "conditions-note" }),
        ),
      ),
    ),
    uploadDialog,
  );
  // Files dropped anywhere on the page are uploaded.
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    void uploadFiles(e.dataTransfer?.files ?? null);
  });
}
