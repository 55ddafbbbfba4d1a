/**
 * The "Mean κ per pair of groups" section (#groups-section): the worker's group summaries as a
 * table. Each mean's 95% interval is the joint stimulus bootstrap's (as `trialwise summary`'s
 * boot_lower/boot_upper: pairs that share an observer or a stimulus are not independent), which
 * the ranking worker computes with the ranking; until it arrives the column says so.
 */
import type { GroupMean, KappaSummary } from "../compute.ts";
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { fixed } from "../figures.ts";

/** What the interval column shows before the bootstrap has arrived. */
export const INTERVAL_PENDING = "…";

/**
 * Draws the group means: `rows` with their bootstrap intervals, or (`bootstrap` null) the
 * analysis's means while the bootstrap runs. `note`: why intervals are missing, if they are.
 */
export function renderGroupTable(
  rows: readonly (KappaSummary | GroupMean)[],
  bootstrap: { replicates: number; note: string | null } | null,
): void {
  const columns = ["label", "n_pairs", "n_undefined", "mean", "sd", "ci95", "boot_lower", "boot_upper"];
  const exported = rows.map((r) => ({ boot_lower: null, boot_upper: null, ...r }));
  registerTable("group-means", { rows: exported, columns });
  const interval = (r: KappaSummary | GroupMean) => {
    if (!bootstrap) return INTERVAL_PENDING;
    return "boot_lower" in r && r.boot_lower !== null ? `[${fixed(r.boot_lower, 4)}, ${fixed(r.boot_upper, 4)}]` : "–";
  };
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
        h("th", { class: "num", title: "percentile interval of the joint stimulus bootstrap, as trialwise summary" }, "95% interval"),
      ),
    ),
    h(
      "tbody",
      {},
      ...rows.map((g) =>
        h(
          "tr",
          { "data-label": g.label },
          h("td", {}, g.label),
          h("td", { class: "num" }, String(g.n_pairs)),
          h("td", { class: "num" }, fixed(g.mean, 4)),
          h("td", { class: "num" }, fixed(g.sd, 4)),
          h("td", { class: "num", "data-field": "interval" }, interval(g)),
        ),
      ),
    ),
  );
  const missing = bootstrap !== null && rows.some((r) => r.mean !== null && !("boot_lower" in r && r.boot_lower !== null));
  byId("group-note").textContent = !bootstrap
    ? "computing the joint-bootstrap intervals…"
    : [
        bootstrap.replicates > 0
          ? `95% intervals: joint stimulus bootstrap (${bootstrap.replicates} replicates, seed 1, as trialwise summary): stimuli are resampled once for all observers, so pairs sharing an observer stay dependent`
          : null,
        bootstrap.note,
        missing && bootstrap.replicates > 0
          ? "–: no interval where the group's pairs include observers left out of the bootstrap (another stimulus set) or every kappa is undefined"
          : null,
      ]
        .filter(Boolean)
        .join(". ");
}
