/**
 * The pair section (#pair-section): the selected pair's counts, κ with its analytic and
 * bootstrap intervals and the bounds its accuracies allow, and the trials behind it from the
 * server (with the stimulus images under --stimuli), filtered by who was right.
 */
import { pairCountsOf, pairDetails } from "../compute.ts";
import { byId, getJson, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { fixed } from "../figures.ts";
import type { PairTrial, PairTrialsResponse } from "../../../serve/protocol.ts";
import { session } from "../session.ts";
import { type TrialFilter, trialPasses } from "../state.ts";
import { showError } from "../status.ts";
import { ask } from "../workers.ts";
import { selectInHeatmap } from "./heatmap.ts";
import { FEW_TRIALS } from "./conditions.ts";
import { markPairInScatters } from "./scatter.ts";

/** Rows of a pair's trials shown at once (the CSV holds all). */
const TRIAL_ROWS_SHOWN = 300;

/** How the trial filter's choices read. */
export const FILTER_TEXT: Record<TrialFilter, string> = {
  disagree: "one right, the other wrong",
  "first-only": "only the first right",
  "second-only": "only the second right",
  "both-wrong": "both wrong",
  "both-right": "both right",
  all: "all common trials",
};

/** The selected pair's trials as the server sent them; null while none (or not yet). */
let trials: PairTrialsResponse | null = null;

/**
 * Shows the selected pair (or how to select one): its numbers at once, the bootstrap interval
 * and the trials when they arrive, unless another pair was selected meanwhile.
 */
export async function showPair(): Promise<void> {
  const analysis = session.analysis;
  const pair = session.state.pair;
  selectInHeatmap(pair);
  trials = null;
  const summary = byId("pair-summary");
  if (!analysis || !pair) {
    summary.replaceChildren(
      h("p", { class: "note" }, "Click a cell of the matrix or a point of a scatter to see the trials behind that pair."),
    );
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
    summary.replaceChildren(
      h("p", { class: "note" }, `${pair[0]} and ${pair[1]}: no κ here (not both shown, or their stimulus sets differ).`),
    );
    byId("pair-trials").replaceChildren();
    return;
  }
  const field = (name: string, label: string, value: string) => [h("dt", {}, label), h("dd", { "data-field": name }, value)];
  const few =
    details.n_trials < FEW_TRIALS
      ? [
          h(
            "p",
            { class: "warning", id: "few-trials" },
            `Only ${details.n_trials} common ${details.n_trials === 1 ? "trial" : "trials"}: κ is ${details.kappa === null ? "undefined" : fixed(details.kappa, 2)} on so few that its interval below is wide; read it, not the point.`,
          ),
        ]
      : [];
  summary.replaceChildren(
    h(
      "h3",
      {},
      `${details.observer1} vs ${details.observer2} `,
      h("small", {}, `(${details.pair_type}${m.condition === "all" ? "" : `, condition ${m.condition}`})`),
    ),
    ...few,
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
  void ask<"pair-interval">({
    type: "pair-interval",
    counts: pairCountsOf(m, i, j),
    observer1: details.observer1,
    observer2: details.observer2,
  }).then(
    ({ interval }) => {
      if (session.state.pair !== pair) return;
      const cell = summary.querySelector('dd[data-field="bca"]');
      if (cell) cell.textContent = `[${fixed(interval.lower, 4)}, ${fixed(interval.upper, 4)}]`;
    },
    (error: Error) => showError(error.message),
  );
  const query = new URLSearchParams({ observer1: details.observer1, observer2: details.observer2, condition: m.condition });
  const answer = await getJson<PairTrialsResponse>(`/api/datasets/${encodeURIComponent(session.state.dataset!)}/trials?${query}`);
  if (session.state.pair !== pair) return;
  trials = answer;
  renderTrials();
}

/** The trials table: the selected pair's common trials that pass the filter. */
export function renderTrials(): void {
  const container = byId("pair-trials");
  if (!trials) return void container.replaceChildren();
  const { observer1: first, observer2: second } = trials;
  const filter = session.state.trials;
  const rows = trials.trials.filter((t) => trialPasses(filter, t.correct1, t.correct2));
  registerTable("trials", {
    rows: rows.map((t) => ({ ...t, condition1: t.condition, observer1: first, observer2: second })),
    columns: [
      "stimulus",
      "truth",
      "observer1",
      "condition1",
      "response1",
      "correct1",
      "observer2",
      "condition2",
      "response2",
      "correct2",
      "image",
    ],
  });
  const mark = (correct: boolean) => h("span", { class: correct ? "right" : "wrong" }, correct ? "✓" : "✗");
  const cell = (t: PairTrial) =>
    t.image
      ? h("img", { src: t.image, alt: t.stimulus, loading: "lazy", width: "72", height: "72" })
      : trials!.imageNote
        ? h("span", { class: "note" }, "no image")
        : "";
  container.replaceChildren(
    ...(trials.imageNote ? [h("p", { class: "note", id: "image-note" }, trials.imageNote)] : []),
    h(
      "p",
      { class: "note", id: "trial-count" },
      `${rows.length} of ${trials.trials.length} common trials: ${FILTER_TEXT[filter]}${rows.length > TRIAL_ROWS_SHOWN ? ` (first ${TRIAL_ROWS_SHOWN} shown; the CSV has all)` : ""}`,
    ),
    h(
      "table",
      { class: "data", id: "trial-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "image"),
          h("th", {}, "stimulus"),
          h("th", {}, "truth"),
          h("th", {}, `condition of ${first}`),
          h("th", {}, first),
          h("th", {}, `condition of ${second}`),
          h("th", {}, second),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows
          .slice(0, TRIAL_ROWS_SHOWN)
          .map((t) =>
            h(
              "tr",
              {},
              h("td", {}, cell(t)),
              h("td", {}, t.stimulus),
              h("td", {}, t.truth ?? ""),
              h("td", { class: "condition1" }, t.condition),
              h("td", {}, mark(t.correct1), " ", t.response1 ?? ""),
              h("td", { class: "condition2" }, t.condition2),
              h("td", {}, mark(t.correct2), " ", t.response2 ?? ""),
            ),
          ),
      ),
    ),
  );
}
