/**
 * The "Per condition" section (#conditions-section), shown for datasets with per-condition
 * curves: accuracy per condition of the observers picked (else the first shown), and κ of the
 * selected pair per condition, both computed by the worker.
 */
import { currentPayload } from "../datasets.ts";
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { clearFigure, vegaFigure } from "../figure-views.ts";
import { sortConditions } from "../../../core/condition-order.ts";
import { curvesSpec } from "../figures.ts";
import { observerStyle } from "../../../figures/style.ts";
import { session } from "../session.ts";
import { ask } from "../workers.ts";

/** Below this many common trials a pair's κ is called "few trials" (in the notes and the pair's summary). */
export const FEW_TRIALS = 30;

/** Most observers drawn as separate lines in the per-condition figure. */
const MAX_CURVES = 12;

/** Draws the curves for the dataset shown, unless analysis `generation` is no longer current when the worker answers. */
export async function renderCurves(generation: number): Promise<void> {
  const payload = currentPayload()!;
  const shown = session.shownObservers(payload);
  const picked = shown.filter((o) => session.picked.has(o));
  const observers = (picked.length > 0 ? picked : shown).slice(0, MAX_CURVES);
  const answer = await ask<"curves">({
    type: "curves",
    dataset: payload.id,
    observers,
    pair: session.state.pair,
    mismatch: session.state.mismatch,
  });
  if (!session.isCurrent(generation)) return;
  const conditions = sortConditions(payload.units.filter((u) => u.condition !== "all").map((u) => u.condition));
  const { accuracy, kappa } = answer.curves;
  const columns = ["condition", "series", "value", "n", "lower", "upper", "missing"];
  registerTable("accuracy-per-condition", { rows: accuracy, columns });
  registerTable("kappa-per-condition", { rows: kappa, columns });
  const human = new Set(payload.observerInfo.filter((o) => o.kind === "human").map((o) => o.name));
  const colour = (series: string) => (series.includes(" – ") ? "#27272a" : observerStyle(series, human.has(series)).colour);
  const gaps = kappa.filter((k) => k.value === null).map((k) => `${k.condition}: ${k.missing}`);
  const few = kappa.filter((k) => k.value !== null && k.n < FEW_TRIALS).map((k) => `${k.condition} (${k.n})`);
  byId("conditions-note").textContent = [
    shown.length > observers.length
      ? `showing ${observers.length} of ${shown.length} observers: pick observers in the list to choose which`
      : null,
    kappa.length > 0
      ? `κ with its 95% interval (Jeffreys, pairInterval's default method, 10,000 draws, seed 1) and n, the pair's common trials in each condition`
      : null,
    few.length > 0 ? `few trials behind κ in ${few.join(", ")}: read those points with their intervals` : null,
    gaps.length > 0 ? `no κ (gap) in ${gaps.join("; ")}` : null,
  ]
    .filter(Boolean)
    .join(". ");
  await vegaFigure(
    "accuracy-per-condition",
    byId("curves-accuracy"),
    curvesSpec(accuracy, conditions, { title: "Accuracy per condition", yTitle: "Accuracy", yDomain: [0, 1], intervals: false, colour }),
  );
  if (kappa.some((k) => k.value !== null))
    await vegaFigure(
      "kappa-per-condition",
      byId("curves-kappa"),
      curvesSpec(kappa, conditions, {
        title: "κ of the selected pair per condition",
        yTitle: "Error consistency κ",
        yDomain: [-1, 1],
        intervals: true,
        colour,
      }),
    );
  else if (kappa.length > 0)
    clearFigure(
      "kappa-per-condition",
      byId("curves-kappa"),
      h("p", { class: "note" }, "The selected pair has no κ in any condition (see the note below)."),
    );
  else clearFigure("kappa-per-condition", byId("curves-kappa"), h("p", { class: "note" }, "Select a pair to see its κ per condition."));
}
