/**
 * The "Consistency against chance" section (#scatter-section): every pair's c_obs and κ
 * against c_exp, over the region chance alone would give. A click on a point selects that
 * pair, which is marked in both.
 */
import type { Result } from "vega-embed";
import type { ChanceBandRow } from "../../../core/chance.ts";
import { type PairDetails, pairDetails } from "../compute.ts";
import { byId } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { VEGA_HEATMAP_LIMIT, vegaFigure } from "../figure-views.ts";
import { SELECTED_PAIR_DATA, consistencySpecs } from "../figures.ts";
import type { Analysis } from "../messages.ts";
import { CHANCE_TRIAL_COUNTS } from "../pair-chance.ts";
import { session } from "../session.ts";
import { showError } from "../status.ts";
import { requestUpdate } from "../requests.ts";
import { askRanking } from "../workers.ts";

/** The scatters' views, to mark the selected pair in them. */
let scatters: Result[] = [];
/** The pair marked in them. */
let marked: PairDetails | null = null;

/** Chance regions computed so far, by trial count (each is the same for every dataset). */
const regions = new Map<number, ChanceBandRow[]>();
/** Chance regions asked of the worker and not yet drawn. */
let pending = 0;

/** Whether the scatters still wait for a chance region. */
export function chancePending(): boolean {
  return pending > 0;
}

/**
 * Draws both scatters with the chance regions known so far, then, where some of the pairs'
 * trial counts have none yet, asks the second worker for them (0.1 to 1.5 s each, so never
 * before the first drawing) and draws the scatters again unless the analysis has changed.
 */
export async function renderScatters(analysis: Analysis, generation: number): Promise<void> {
  await drawScatters(analysis);
  void chanceLater(analysis, generation);
}

async function chanceLater(analysis: Analysis, generation: number): Promise<void> {
  const wanted = analysis.trialCounts
    .slice(0, CHANCE_TRIAL_COUNTS)
    .map((c) => c.trials)
    .filter((t) => !regions.has(t));
  if (wanted.length === 0) return;
  pending++;
  try {
    const answer = await askRanking<"chance">({ type: "chance", trials: wanted });
    for (const [trials, rows] of answer.regions) regions.set(trials, rows);
    if (session.isCurrent(generation)) {
      await drawScatters(analysis);
      // A figure drawn anew (the region adds layers) has lost the ring of the selected pair.
      await markPairInScatters(marked);
    }
  } catch (error) {
    showError((error as Error).message);
  } finally {
    pending--;
  }
}

async function drawScatters(analysis: Analysis): Promise<void> {
  const specs = consistencySpecs(analysis.matrix, session.state.groups, analysis.trialCounts, regions);
  const large = analysis.matrix.size > VEGA_HEATMAP_LIMIT;
  const select = (result: Result) =>
    result.view.addEventListener("click", (_event, item) => {
      const datum = (item as { datum?: { observer1?: string; observer2?: string } } | null | undefined)?.datum;
      if (datum?.observer1 && datum.observer2) void requestUpdate({ pair: [datum.observer1, datum.observer2] });
    });
  scatters = [
    await vegaFigure("c-obs-vs-c-exp", byId("scatter-cobs"), specs.cObs, large ? "canvas" : "svg", select),
    await vegaFigure("kappa-vs-c-exp", byId("scatter-kappa"), specs.kappa, large ? "canvas" : "svg", select),
  ];
  byId("scatter-note").textContent = [specs.note, analysis.trialCounts.length > 0 ? null : "no chance region: no pair computed"]
    .filter(Boolean)
    .join(". ");
  const m = analysis.matrix;
  const pairs = () => {
    const rows: PairDetails[] = [];
    for (let i = 0; i < m.size; i++)
      for (let j = i + 1; j < m.size; j++) {
        const d = pairDetails(m, i, j);
        if (d) rows.push(d);
      }
    return rows.map(({ interval, ...row }) => ({
      dataset: m.dataset,
      condition: m.condition,
      ...row,
      ci_lower: interval.lower,
      ci_upper: interval.upper,
    }));
  };
  registerTable("pairs", {
    get rows() {
      return pairs();
    },
    columns: [
      "dataset",
      "condition",
      "observer1",
      "observer2",
      "pair_type",
      "n_trials",
      "n_both_correct",
      "n_both_wrong",
      "acc1",
      "acc2",
      "c_obs",
      "c_exp",
      "kappa",
      "kappa_min",
      "kappa_max",
      "ci_lower",
      "ci_upper",
    ],
  });
}

/** Marks the selected pair in the scatters (or clears the mark). */
export async function markPairInScatters(details: PairDetails | null): Promise<void> {
  marked = details;
  const point = details && details.kappa !== null ? [{ c_exp: details.c_exp, c_obs: details.c_obs, kappa: details.kappa }] : [];
  for (const result of scatters) await result.view.data(SELECTED_PAIR_DATA, point).runAsync();
}
