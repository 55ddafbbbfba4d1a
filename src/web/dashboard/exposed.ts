/**
 * What tests and tools read as `window.__trialwise` (docs/dashboard.md, "For tests and
 * tools"): the state, whether the views are drawn, errors, timings and the heatmap's cells.
 */
import { figureSpec } from "./figure-views.ts";
import type { Analysis } from "./messages.ts";
import { heatmapCellCentre, heatmapShown } from "./sections/heatmap.ts";
import { rankingPending } from "./sections/ranking.ts";
import { chancePending } from "./sections/scatter.ts";
import { session } from "./session.ts";
import type { ViewState } from "./state.ts";
import { isReady, latestError } from "./status.ts";

const exposed = {
  /** No update in progress: every view shows the current state, except possibly the ranking. */
  get ready(): boolean {
    return isReady();
  },
  /** Ready, and the deferred ranking bootstrap and chance regions drawn too. */
  get settled(): boolean {
    return isReady() && !rankingPending() && !chancePending();
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
  get heatmap(): { kind: "vega" | "canvas"; cells: number } | null {
    return heatmapShown();
  },
  /** A point in the viewport inside the cell of observers a and b. */
  cellCentre: heatmapCellCentre,
  /** The worker's milliseconds for the analysis drawn. */
  get timing(): Analysis["timing"] | null {
    return session.analysis?.timing ?? null;
  },
  /** The Vega-Lite spec (data included) a figure was last drawn from, by its export name ("kappa-per-condition", …); null if not drawn. */
  figure: figureSpec,
  /** Observers picked in the list (or the ranking). */
  get picked(): string[] {
    return [...session.picked];
  },
};

/** Puts {@link exposed} on the window. */
export function exposeForTools(): void {
  (window as unknown as { __trialwise: typeof exposed }).__trialwise = exposed;
}
