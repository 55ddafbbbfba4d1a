/**
 * How the views and the dataset list ask the update cycle (./update.ts) for a change without
 * importing it: update.ts imports them to redraw them, so an import back would be a cycle. The
 * page connects the cycle here once at start (./app.entry.ts); a request before that is a bug.
 */
import type { ViewState } from "./state.ts";

/** What the update cycle does on request. */
export interface UpdateCycle {
  /** Applies a change of state, saves it in the URL and redraws what depends on it. */
  update(change: Partial<ViewState>): Promise<void>;
  /** Analyses the state's dataset afresh and redraws every view (e.g. after it grew). */
  analyse(): Promise<void>;
  /** Shows a dataset afresh (its default unit, every observer, no groups, no pair). */
  chooseDataset(id: string): Promise<void>;
}

let cycle: UpdateCycle | null = null;

/** Connects the update cycle (once, at start). */
export function connectUpdateCycle(connected: UpdateCycle): void {
  cycle = connected;
}

function connected(): UpdateCycle {
  if (!cycle) throw new Error("the dashboard's update cycle is not connected (app.entry.ts connects it at start)");
  return cycle;
}

/** Asks for a change of the view state (see {@link UpdateCycle.update}). */
export function requestUpdate(change: Partial<ViewState>): Promise<void> {
  return connected().update(change);
}

/** Asks for the dataset shown to be analysed afresh. */
export function requestAnalysis(): Promise<void> {
  return connected().analyse();
}

/** Asks for a dataset to be shown afresh. */
export function requestDataset(id: string): Promise<void> {
  return connected().chooseDataset(id);
}
