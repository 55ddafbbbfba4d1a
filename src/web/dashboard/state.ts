/**
 * The dashboard's view state and its query string, so that a URL reproduces what is on the
 * screen: `?d=<dataset>&c=<condition>&m=intersect&hide=<observer>&group=<name>:<a>|<b>&pair=<a>&pair=<b>&trials=all&metric=<metric>&view=<section>`.
 * Repeated keys carry lists, so observer names may hold any character; in a group, the name
 * no ":" and the members no "|" (the page refuses such groups).
 * No DOM APIs (URLSearchParams is in Node too): tested in Node.
 */
import type { DashboardMismatch } from "./compute.ts";
import { DASHBOARD_METRICS, type DashboardMetric } from "./metric-names.ts";

/** Which trials of a pair the trials table lists. */
export type TrialFilter = "disagree" | "first-only" | "second-only" | "both-wrong" | "both-right" | "all";
export const TRIAL_FILTERS: readonly TrialFilter[] = ["disagree", "first-only", "second-only", "both-wrong", "both-right", "all"];

export interface Group {
  name: string;
  members: string[];
}

export interface ViewState {
  /** Dataset id; null: the first one. */
  dataset: string | null;
  /** Analysis unit: "all" or a condition; "" for the dataset's default (its payload's `defaultCondition`). */
  condition: string;
  mismatch: DashboardMismatch;
  /** Observers left out of every view. */
  hidden: string[];
  groups: Group[];
  /** The selected pair, if any. */
  pair: [string, string] | null;
  trials: TrialFilter;
  /** What the matrix shows: error kappa, or a response-level metric where the dataset's answers came with it. */
  metric: DashboardMetric;
  /** The section scrolled to, if any. */
  view: string | null;
}

export const DEFAULT_STATE: ViewState = {
  dataset: null,
  condition: "",
  mismatch: "identical",
  hidden: [],
  groups: [],
  pair: null,
  trials: "disagree",
  metric: "error-kappa",
  view: null,
};

/** The query string of a state (defaults left out), without the leading "?". */
export function stateToQuery(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.dataset !== null) params.set("d", state.dataset);
  if (state.condition !== DEFAULT_STATE.condition) params.set("c", state.condition);
  if (state.mismatch !== DEFAULT_STATE.mismatch) params.set("m", state.mismatch);
  for (const name of state.hidden) params.append("hide", name);
  for (const group of state.groups) params.append("group", `${group.name}:${group.members.join("|")}`);
  if (state.pair) for (const name of state.pair) params.append("pair", name);
  if (state.trials !== DEFAULT_STATE.trials) params.set("trials", state.trials);
  if (state.metric !== DEFAULT_STATE.metric) params.set("metric", state.metric);
  if (state.view !== null) params.set("view", state.view);
  return params.toString();
}

/** The state a query string describes; unknown or malformed parts fall back to the defaults. */
export function stateFromQuery(query: string): ViewState {
  const params = new URLSearchParams(query);
  const pair = params.getAll("pair");
  const trials = params.get("trials") as TrialFilter | null;
  const metric = params.get("metric") as DashboardMetric | null;
  return {
    dataset: params.get("d"),
    condition: params.get("c") ?? DEFAULT_STATE.condition,
    mismatch: params.get("m") === "intersect" ? "intersect" : "identical",
    hidden: params.getAll("hide"),
    groups: params.getAll("group").flatMap((text) => {
      const colon = text.indexOf(":");
      if (colon <= 0) return [];
      return [
        {
          name: text.slice(0, colon),
          members: text
            .slice(colon + 1)
            .split("|")
            .filter((m) => m !== ""),
        },
      ];
    }),
    // Named as `trialwise pairs` names a pair: observer1 first in code-unit order.
    pair: pair.length === 2 && pair[0] !== pair[1] ? (pair[0] < pair[1] ? [pair[0], pair[1]] : [pair[1], pair[0]]) : null,
    trials: trials && TRIAL_FILTERS.includes(trials) ? trials : DEFAULT_STATE.trials,
    metric: metric && DASHBOARD_METRICS.includes(metric) ? metric : DEFAULT_STATE.metric,
    view: params.get("view"),
  };
}

/** Whether a trial of a pair passes the filter (1: the pair's first observer). */
export function trialPasses(filter: TrialFilter, correct1: boolean, correct2: boolean): boolean {
  switch (filter) {
    case "disagree":
      return correct1 !== correct2;
    case "first-only":
      return correct1 && !correct2;
    case "second-only":
      return !correct1 && correct2;
    case "both-wrong":
      return !correct1 && !correct2;
    case "both-right":
      return correct1 && correct2;
    case "all":
      return true;
  }
}
