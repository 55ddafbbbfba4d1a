/** The "κ with humans against accuracy" section (#accuracy-section). */
import type { Ranking } from "../compute.ts";
import { byId } from "../dom.ts";
import { VEGA_HEATMAP_LIMIT, clearFigure, vegaFigure } from "../figure-views.ts";
import { kappaVsAccuracy } from "../figures.ts";
import type { Analysis } from "../messages.ts";

/**
 * Kappa with the humans against accuracy: drawn with the models' means at once, and again with
 * the joint-bootstrap intervals of the models' and the bands' means when the ranking's
 * bootstrap arrives (`ranking`).
 */
export async function renderAccuracy(analysis: Analysis, ranking: Ranking | null = null): Promise<void> {
  const figure = kappaVsAccuracy(analysis.matrix, ranking?.models ?? analysis.means, analysis.kinds, ranking?.kinds ?? null);
  byId("accuracy-note").textContent = figure
    ? (figure.note ?? "")
    : "needs humans and at least three model-human pairs with different model accuracies";
  if (figure)
    await vegaFigure(
      "kappa-vs-accuracy",
      byId("kappa-accuracy"),
      figure.spec,
      analysis.matrix.size > VEGA_HEATMAP_LIMIT ? "canvas" : "svg",
    );
  else clearFigure("kappa-vs-accuracy", byId("kappa-accuracy"));
}
