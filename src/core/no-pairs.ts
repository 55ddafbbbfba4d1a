/**
 * What pair tables leave unsaid, in words, for every place that shows pairs (the CLI's notes on
 * standard error, the dashboard): why a dataset gave no pairs, so that an empty result is never
 * left unexplained; stimuli left unmatched because they were seen under different conditions;
 * pairs on few trials. One rule each.
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

/**
 * Pairs on fewer trials than this are named in a note wherever pairs are shown: their kappa
 * is imprecise (at 30 trials a 95% interval is typically more than ±0.3 wide).
 */
export const FEW_TRIALS = 30;

/** The note for one pair on `trials` trials, or null when there are {@link FEW_TRIALS} or more. */
export function fewTrialsNote(observer1: string, observer2: string, trials: number): string | null {
  if (trials >= FEW_TRIALS) return null;
  return `${observer1} vs ${observer2} is on ${trials} trial${trials === 1 ? "" : "s"} only (under ${FEW_TRIALS}): its kappa is imprecise`;
}

/**
 * The note for a pair whose trials were matched within pooled conditions and of which some
 * stimuli both saw only under different conditions (../core/pairs.ts TrialMatch), or null.
 */
export function crossingNote(report: Pick<StimulusMismatch, "n_common" | "n_crossing_conditions">): string | null {
  if (report.n_crossing_conditions === 0) return null;
  return (
    `conditions pooled, trials matched within conditions: ${report.n_common} matched; ${report.n_crossing_conditions} stimuli ` +
    `both saw only under different conditions were not matched (matching by stimulus alone would have paired them across conditions)`
  );
}

interface MatchingUnitNotes {
  crossingPairs: number;
  crossing: number;
  crossingExample?: string;
  fewPairs: number;
  fewest?: { trials: number; pair: string };
}

/**
 * How the pairs of a table were matched, in words, gathered as pairs are computed or streamed
 * (`unit` as each analysis unit begins, then its pairs and mismatch reports): per dataset, the
 * pairs with stimuli both observers saw only under different conditions (left unmatched) and
 * the pairs computed on fewer than {@link FEW_TRIALS} trials, with an example each.
 * `included` restricts the observers whose pairs count (e.g. the humans and the chosen models).
 */
export class MatchingNotes {
  private readonly units = new Map<string, MatchingUnitNotes>();
  private current?: { key: string; observers: readonly string[]; condition: string };

  constructor(private readonly included: (observer: string) => boolean = () => true) {}

  unit(unit: { dataset: string; condition: string; observers: readonly string[] }): void {
    this.current = { key: unit.dataset, observers: unit.observers, condition: unit.condition };
  }

  private entry(): MatchingUnitNotes {
    const key = this.current!.key;
    let entry = this.units.get(key);
    if (!entry) this.units.set(key, (entry = { crossingPairs: 0, crossing: 0, fewPairs: 0 }));
    return entry;
  }

  /** A computed pair of the current unit's observers i < j, on `trials` trials. */
  pair(i: number, j: number, trials: number): void {
    const { observers } = this.current!;
    if (trials >= FEW_TRIALS || !this.included(observers[i]) || !this.included(observers[j])) return;
    const entry = this.entry();
    entry.fewPairs++;
    if (!entry.fewest || trials < entry.fewest.trials) {
      const { condition } = this.current!;
      entry.fewest = { trials, pair: `${observers[i]} vs ${observers[j]}${condition === "all" ? "" : ` in condition "${condition}"`}` };
    }
  }

  mismatch(report: StimulusMismatch): void {
    if (report.n_crossing_conditions === 0 || !this.included(report.observer1) || !this.included(report.observer2)) return;
    const entry = this.entry();
    entry.crossingPairs++;
    entry.crossing += report.n_crossing_conditions;
    entry.crossingExample ??= `${report.observer1} vs ${report.observer2}: ${report.n_common} matched within conditions, ${report.n_crossing_conditions} would have crossed`;
  }

  /** The notes, dataset by dataset in the order they came. */
  notes(): string[] {
    const notes: string[] = [];
    for (const [key, entry] of this.units) {
      if (entry.crossingPairs > 0) {
        notes.push(
          `${key}: conditions pooled, trials matched within conditions (an observer has trials under several): ${entry.crossingPairs} pair(s) ` +
            `share stimuli seen only under different conditions (${entry.crossing} in all), left unmatched (e.g. ${entry.crossingExample}); --by condition analyses each condition alone`,
        );
      }
      if (entry.fewPairs > 0) {
        notes.push(
          `${key}: ${entry.fewPairs} pair(s) computed on fewer than ${FEW_TRIALS} trials (fewest: ${entry.fewest!.trials}, ${entry.fewest!.pair}); their kappas are imprecise`,
        );
      }
    }
    return notes;
  }
}
