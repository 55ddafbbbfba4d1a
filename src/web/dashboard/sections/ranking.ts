/**
 * The ranking section (#ranking-section): the models by mean κ with the humans, with the
 * intervals of a joint stimulus bootstrap as `trialwise summary` gives them. The bootstrap
 * takes a while, so it runs on the second worker after the other views are drawn, and each
 * ranking is kept: showing an observer set again draws it at once. A click on a model picks it.
 */
import type { Ranking } from "../compute.ts";
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { clearFigure, vegaFigure } from "../figure-views.ts";
import { HUMAN_PAIRS, fixed, rankingSpec } from "../figures.ts";
import type { AnalysisRequest } from "../messages.ts";
import { session } from "../session.ts";
import { showError } from "../status.ts";
import { scrollToViewAgain } from "../url.ts";
import { askRanking } from "../workers.ts";
import { renderAccuracy } from "./accuracy.ts";
import { renderGroupTable } from "./groups.ts";
import { togglePicked } from "./observers.ts";

/** Rankings kept (each a few hundred bytes), so showing an observer again redraws at once. */
const RANKINGS_KEPT = 64;

/** Rankings with their bootstrap intervals, by the analysis request they answer. */
const rankings = new Map<string, Ranking>();
/** Ranking bootstraps asked of the worker and not yet drawn (or dropped). */
let pending = 0;

/** Whether a ranking is still to be drawn. */
export function rankingPending(): boolean {
  return pending > 0;
}

/**
 * Draws the ranking with its joint-bootstrap intervals: at once where this request was ranked
 * before (e.g. an observer hidden and shown again), else when the ranking worker has it; the
 * ranking section is marked as updating meanwhile. Not drawn if the view has changed since.
 */
export async function rankLater(generation: number, request: AnalysisRequest): Promise<void> {
  // The groups' means are bootstrapped with the models' (one bootstrap): they are part of the key.
  const key = JSON.stringify([request.dataset, request.condition, request.mismatch, request.observers, request.groups]);
  pending++;
  try {
    let ranking = rankings.get(key);
    if (!ranking) {
      setRankingUpdating(true);
      ranking = (await askRanking<"ranking">({ type: "ranking", ...request })).ranking;
      rankings.set(key, ranking);
      if (rankings.size > RANKINGS_KEPT) rankings.delete(rankings.keys().next().value!);
    }
    if (!session.isCurrent(generation)) return;
    renderGroupTable(ranking.groups, ranking);
    await renderRanking(ranking);
    if (session.analysis) await renderAccuracy(session.analysis, ranking);
    setRankingUpdating(false);
    // The ranking makes the page longer: a view further down may only now reach the top.
    scrollToViewAgain();
  } catch (error) {
    showError((error as Error).message);
  } finally {
    pending--;
  }
}

/** The human-human reference of the ranking in words: their mean κ and its interval. */
function humanReference(ranking: Ranking): string | null {
  const humans = ranking.kinds.find((k) => k.label === HUMAN_PAIRS);
  if (!humans || humans.mean === null) return null;
  const interval = humans.boot_lower !== null ? ` [${fixed(humans.boot_lower)}, ${fixed(humans.boot_upper)}]` : "";
  return `dashed line: mean κ of the ${humans.n_pairs} human-human pairs, ${fixed(humans.mean)}${interval}`;
}

/** Greys the ranking while its bootstrap for the current view is computed. */
function setRankingUpdating(updating: boolean): void {
  byId("ranking-section").classList.toggle("updating", updating);
  byId("ranking-status").textContent = updating ? "updating: bootstrapping the intervals…" : "";
}

/** The ranking's table and figure, with the bootstrap intervals. */
async function renderRanking(ranking: Ranking): Promise<void> {
  const columns = ["model", "accuracy", "n_humans", "mean", "ci95", "boot_lower", "boot_upper"];
  registerTable("ranking", { rows: ranking.models, columns });
  byId("ranking-note").textContent = [
    ranking.note,
    ranking.replicates > 0
      ? `intervals: joint stimulus bootstrap (${ranking.replicates} replicates, seed 1, as trialwise summary); ci95 (csv): 1.96 sd/√n over the humans`
      : null,
    humanReference(ranking),
  ]
    .filter(Boolean)
    .join(". ");
  byId("ranking-table").replaceChildren(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "#"),
        h("th", {}, "model"),
        h("th", { class: "num" }, "mean κ"),
        h("th", { class: "num" }, "95% interval"),
        h("th", { class: "num" }, "humans"),
      ),
    ),
    h(
      "tbody",
      {},
      ...ranking.models.map((r, k) =>
        h(
          "tr",
          { class: session.picked.has(r.model) ? "picked" : "", "data-model": r.model, onclick: () => togglePicked(r.model) },
          h("td", {}, String(k + 1)),
          h("td", {}, r.model),
          h("td", { class: "num" }, fixed(r.mean, 4)),
          h(
            "td",
            { class: "num" },
            r.boot_lower !== null
              ? `[${fixed(r.boot_lower)}, ${fixed(r.boot_upper)}]`
              : r.ci95 !== null && r.mean !== null
                ? `± ${fixed(r.ci95)}`
                : "–",
          ),
          h("td", { class: "num" }, String(r.n_humans)),
        ),
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
