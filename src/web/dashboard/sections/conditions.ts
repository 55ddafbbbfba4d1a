/**
 * The "Per condition" section (#conditions-section), shown for datasets with per-condition
 * curves: accuracy per condition of the observers picked (else the first shown), and κ of the
 * selected pair per condition, both computed by the worker.
 */
import { currentPayload } from "../datasets.ts";
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { clearFigure, vegaFigure } from "../figure-views.ts";
import { curvesSpec, naturalOrder } from "../figures.ts";
import { session } from "../session.ts";
import { ask } from "../workers.ts";

/** Most observers drawn as separate lines in the per-condition figure. */
const MAX_CURVES = 12;

/** Draws the curves for the dataset shown, unless analysis `generation` is no longer current when the worker answers. */
export async function renderCurves(generation: number): Promise<void> {
  const payload = currentPayload()!;
  const shown = session.shownObservers(payload);
  const picked = shown.filter((o) => session.picked.has(o));
  const observers = (picked.length > 0 ? picked : shown).slice(0, MAX_CURVES);
  const answer = await ask<"curves">({ type: "curves", dataset: payload.id, observers, pair: session.state.pair, mismatch: session.state.mismatch });
  if (!session.isCurrent(generation)) return;
  const conditions = naturalOrder(payload.units.filter((u) => u.condition !== "all").map((u) => u.condition));
  const { accuracy, kappa } = answer.curves;
  registerTable("accuracy-per-condition", { rows: accuracy, columns: ["condition", "series", "value"] });
  registerTable("kappa-per-condition", { rows: kappa, columns: ["condition", "series", "value"] });
  byId("conditions-note").textContent = shown.length > observers.length ? `showing ${observers.length} of ${shown.length} observers: pick observers in the list to choose which` : "";
  await vegaFigure("accuracy-per-condition", byId("curves-accuracy"), curvesSpec(accuracy, conditions, "Accuracy per condition", "Accuracy", [0, 1]));
  if (kappa.length > 0) await vegaFigure("kappa-per-condition", byId("curves-kappa"), curvesSpec(kappa, conditions, "κ of the selected pair per condition", "Error consistency κ", [-1, 1]));
  else clearFigure("kappa-per-condition", byId("curves-kappa"), h("p", { class: "note" }, "Select a pair to see its κ per condition."));
}
