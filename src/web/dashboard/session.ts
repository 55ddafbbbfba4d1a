/**
 * The dashboard's session: what the reader is looking at (the view state, which the URL keeps:
 * ./state.ts), the observers picked in the list, and which analysis of it is asked for and
 * which is drawn. It changes only through the transitions below, so every way the page moves
 * has a name. Each analysis asked for gets the next generation; an answer of an older
 * generation comes too late and is dropped (./update.ts).
 */
import type { Analysis } from "./messages.ts";
import type { DatasetPayload } from "../../serve/protocol.ts";
import { type ViewState, stateFromQuery } from "./state.ts";

/** The parts of the view state that the worker's analysis depends on. */
const ANALYSED: readonly (keyof ViewState)[] = ["dataset", "condition", "mismatch", "hidden", "groups", "metric"];

export class Session {
  private viewState: ViewState;
  private readonly pickedNames = new Set<string>();
  private latestAnalysis: Analysis | null = null;
  private askedGeneration = 0;
  private shownGeneration = 0;

  constructor(state: ViewState) {
    this.viewState = state;
  }

  get state(): ViewState {
    return this.viewState;
  }

  /** Observers picked in the list or the ranking (to group, hide or show), in the order picked. */
  get picked(): ReadonlySet<string> {
    return this.pickedNames;
  }

  /** The last analysis that arrived while it was current; null before the first. */
  get analysis(): Analysis | null {
    return this.latestAnalysis;
  }

  /** The analysis now asked for (bumped by every change of observers, groups, dataset, …). */
  get generation(): number {
    return this.askedGeneration;
  }

  /** The analysis whose matrix, group means and pair are drawn (the other figures follow). */
  get shown(): number {
    return this.shownGeneration;
  }

  /**
   * Applies a change of the view state and says whether it needs a new analysis: whether the
   * dataset, condition, mismatch rule, hidden observers or groups differ from before. A pair
   * is named as `trialwise pairs` names it: observer1 before observer2 in code-unit order.
   */
  change(change: Partial<ViewState>): boolean {
    if (change.pair) change = { ...change, pair: change.pair[0] < change.pair[1] ? change.pair : [change.pair[1], change.pair[0]] };
    const before = this.viewState;
    this.viewState = { ...before, ...change };
    return ANALYSED.some((key) => key in change && JSON.stringify(change[key]) !== JSON.stringify(before[key]));
  }

  /** The dataset's observers that are not hidden, in the dataset's order. */
  shownObservers(payload: DatasetPayload): string[] {
    const hidden = new Set(this.viewState.hidden);
    return payload.observerInfo.map((o) => o.name).filter((o) => !hidden.has(o));
  }

  /** A new analysis is asked for; returns its generation. */
  askAnalysis(): number {
    return ++this.askedGeneration;
  }

  /** Whether `generation` is still the analysis asked for (else what it computed is dropped). */
  isCurrent(generation: number): boolean {
    return generation === this.askedGeneration;
  }

  /** The analysis asked for has arrived. */
  analysed(analysis: Analysis): void {
    this.latestAnalysis = analysis;
  }

  /** The matrix, group means and pair of `generation` are drawn. */
  markShown(generation: number): void {
    this.shownGeneration = generation;
  }

  /** Picks an observer, or unpicks it if picked. */
  togglePick(name: string): void {
    if (this.pickedNames.has(name)) this.pickedNames.delete(name);
    else this.pickedNames.add(name);
  }

  /** Replaces the picks by `names` (none: clears them). */
  pick(names: Iterable<string>): void {
    this.pickedNames.clear();
    for (const name of names) this.pickedNames.add(name);
  }
}

/** The page's session, starting from the view its URL describes. */
export const session = new Session(stateFromQuery(location.search));
