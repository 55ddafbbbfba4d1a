/**
 * Why a dataset gave no pairs, in words, for every place that shows pairs (the CLI's notes on
 * standard error, the dashboard): one rule, so that an empty result is never left unexplained.
 */
import type { StimulusMismatch } from "./pairs.ts";
import { compareText } from "./trials.ts";

/** One analysis unit (a condition, or all trials) as far as explaining an empty result needs it. */
export interface UnitPairing {
  dataset: string;
  condition: string;
  /** The observers taking part in the unit (after any choice of observers). */
  observers: readonly string[];
  /** Pairs among them not computed because their stimulus sets differ (or share no stimulus). */
  skipped: number;
}

/**
 * One sentence per dataset none of whose units gave a computed pair (a unit of n observers has
 * n(n-1)/2 pairs, each computed or skipped): it has no observer, or one, of those chosen; no
 * condition has two; or all its pairs were skipped because their stimulus sets differ.
 * `chosen`: the observers were a choice (e.g. `--observers`), not all the dataset's.
 */
export function noPairsReasons(units: readonly UnitPairing[], chosen = false): string[] {
  const byDataset = new Map<string, UnitPairing[]>();
  for (const unit of units) {
    const list = byDataset.get(unit.dataset);
    if (list) list.push(unit);
    else byDataset.set(unit.dataset, [unit]);
  }
  const reasons: string[] = [];
  for (const [dataset, list] of byDataset) {
    const possible = list.reduce((sum, u) => sum + (u.observers.length * (u.observers.length - 1)) / 2, 0);
    const skipped = list.reduce((sum, u) => sum + u.skipped, 0);
    if (possible > skipped) continue;
    const observers = [...new Set(list.flatMap((u) => u.observers))].sort(compareText);
    const of = chosen ? " of the chosen observers" : "";
    let why: string;
    if (observers.length === 0) why = `it has none${of}`;
    else if (observers.length === 1) why = `it has one observer${chosen ? " of those chosen" : ""} ("${observers[0]}")`;
    else if (possible === 0) why = `no condition has two observers${of} (${observers.length} observers, each in other conditions)`;
    else why = `all ${possible} pair(s) of its ${observers.length} observers${of} were skipped because their stimulus sets differ`;
    reasons.push(`no pairs in dataset "${dataset}": ${why}`);
  }
  return reasons;
}

/**
 * Gathers the {@link UnitPairing}s of pairs as they are computed or streamed: `unit` as each
 * analysis unit begins, then `mismatch` for each of its pairs whose stimulus sets differ.
 * `included` restricts the observers that count (e.g. the humans and the chosen models).
 */
export class PairingTally {
  readonly units: UnitPairing[] = [];

  constructor(private readonly included: (observer: string) => boolean = () => true) {}

  unit(unit: { dataset: string; condition: string; observers: readonly string[] }): void {
    this.units.push({ dataset: unit.dataset, condition: unit.condition, observers: unit.observers.filter(this.included), skipped: 0 });
  }

  mismatch(report: StimulusMismatch): void {
    if (report.outcome === "computed on common stimuli") return;
    if (!this.included(report.observer1) || !this.included(report.observer2)) return;
    this.units[this.units.length - 1].skipped++;
  }
}
