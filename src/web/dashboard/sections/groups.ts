/** The "Mean κ per pair of groups" section (#groups-section): the worker's group summaries as a table. */
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { fixed } from "../figures.ts";
import type { Analysis } from "../messages.ts";

export function renderGroupTable(analysis: Analysis): void {
  const columns = ["label", "n_pairs", "n_undefined", "mean", "sd", "ci95"];
  registerTable("group-means", { rows: analysis.groups, columns });
  byId("group-table").replaceChildren(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "pairs"),
        h("th", { class: "num" }, "n"),
        h("th", { class: "num" }, "mean κ"),
        h("th", { class: "num" }, "sd"),
        h("th", { class: "num" }, "95% half-width"),
      ),
    ),
    h(
      "tbody",
      {},
      ...analysis.groups.map((g) =>
        h(
          "tr",
          {},
          h("td", {}, g.label),
          h("td", { class: "num" }, String(g.n_pairs)),
          h("td", { class: "num" }, fixed(g.mean, 4)),
          h("td", { class: "num" }, fixed(g.sd, 4)),
          h("td", { class: "num" }, fixed(g.ci95, 4)),
        ),
      ),
    ),
  );
}
