/**
 * The outcome matrix of one analysis unit (all trials, or one condition): every observer's
 * correctness on the unit's stimulus set, one row per observer and one column per stimulus, the
 * data model of the joint bootstrap (./joint-bootstrap.ts) and everything built on it. Isomorphic.
 */
import { InputError } from "./errors.ts";
import { type ExcludedObserver, excludedObserver, groupByStimulusSet, listSets, unitStimulusSet } from "./stimulus-sets.ts";
import { pairTrialMatch } from "./pairs.ts";
import { NO_CONDITION, type TrialTable, compareText } from "./trials.ts";

/**
 * Correctness of the observers of one analysis unit on the unit's common stimulus set: one
 * row per observer, one column per stimulus, the same stimuli in the same order for everyone.
 */
export interface OutcomeMatrix {
  dataset: string;
  /** The condition, or "all" when all trials were pooled. */
  condition: string;
  /** Observers with exactly the unit's stimulus set, sorted (code-unit order). */
  observers: string[];
  /**
   * The unit's stimulus set, sorted (code-unit order): stimulus ids, or, where pooled trials are
   * matched within conditions, (condition, stimulus) labels ({@link trialKeyLabel}).
   */
  stimuli: string[];
  /** correct[i][s] = 1 when observers[i] answered stimuli[s] correctly. */
  correct: Uint8Array[];
  /** The humans among `observers`. */
  humans: Set<string>;
  /** Observers of the unit left out because they saw a different stimulus set (never silently). */
  excluded: ExcludedObserver[];
}

/**
 * The outcome matrix of one analysis unit: all trials when `condition` is undefined (matched
 * as `computePairs` matches them without `byCondition`: by stimulus, or by condition and
 * stimulus where some observer has trials under several conditions, ./pairs.ts TrialMatch),
 * else the trials of that condition.
 *
 * The unit's stimulus set follows the rule of ./stimulus-sets.ts (the set the most observers
 * saw; ties: the larger set, then the set of the first such observer by name). Observers whose
 * set differs in any stimulus are left out of the matrix and listed in `excluded` with their
 * counts: the bootstrap needs every observer on every resampled stimulus.
 *
 * @throws InputError when the condition has no trials
 *
 * @example
 * const outcomes = { "subject-01": "110100", "subject-02": "111100", alexnet: "110000", vgg: "101101" };
 * const rows = Object.entries(outcomes).flatMap(([o, bits]) => [...bits].map((bit, s) => [o, `s${s}`, bit]));
 * const file = { file: "demo.csv", columns: ["observer", "stimulus", "correct"], rows, lines: rows.map((_, i) => i + 2) };
 * const table = longFormatTrials([file], "demo", { observer: "observer", stimulus: "stimulus", correct: "correct" });
 * outcomeMatrix(table).observers // => ["alexnet", "subject-01", "subject-02", "vgg"]
 */
export function outcomeMatrix(table: TrialTable, condition?: string): OutcomeMatrix {
  const withinConditions = condition === undefined && pairTrialMatch(table, false) === "condition and stimulus";
  const keyOf = withinConditions ? (t: number) => trialKeyLabel(table.condition[t], table.stimulus[t]) : (t: number) => table.stimulus[t];
  const byObserver = new Map<string, Map<string, number>>();
  for (let t = 0; t < table.length; t++) {
    if (condition !== undefined && table.condition[t] !== condition) continue;
    const name = table.observer[t];
    let seen = byObserver.get(name);
    if (!seen) byObserver.set(name, (seen = new Map()));
    // One trial per key: the table rejects a stimulus seen twice in one condition.
    seen.set(keyOf(t), t);
  }
  if (byObserver.size === 0) {
    throw new InputError(`dataset "${table.dataset}" has no trials${condition === undefined ? "" : ` in condition "${condition}"`}`);
  }
  const names = [...byObserver.keys()].sort(compareText);
  const lists = names.map((name) => [...byObserver.get(name)!.keys()].sort(compareText));
  const chosen = unitStimulusSet(groupByStimulusSet(listSets(lists)))!;
  const stimuli = lists[chosen.members[0]];
  const observers = chosen.members.map((i) => names[i]);
  const common = new Set(stimuli);
  const correct = observers.map((name) => {
    const seen = byObserver.get(name)!;
    return Uint8Array.from(stimuli, (s) => table.correct[seen.get(s)!]);
  });
  const kept = new Set(chosen.members);
  const excluded = names.flatMap((name, i) => {
    if (kept.has(i)) return [];
    const seen = byObserver.get(name)!;
    let inCommon = 0;
    for (const s of seen.keys()) if (common.has(s)) inCommon++;
    return [excludedObserver(name, table.humans.has(name) ? "human" : "model", seen.size, inCommon, stimuli.length)];
  });
  return {
    dataset: table.dataset,
    condition: condition ?? NO_CONDITION,
    observers: [...observers],
    stimuli: [...stimuli],
    correct,
    humans: new Set(observers.filter((o) => table.humans.has(o))),
    excluded,
  };
}

/**
 * A (condition, stimulus) trial key as the matrix lists it: the condition, NUL, the stimulus.
 * NUL cannot occur in parsed text fields, so labels are unique and sort by condition, then stimulus.
 */
export function trialKeyLabel(condition: string, stimulus: string): string {
  return `${condition}\u0000${stimulus}`;
}

/** A matrix restricted to the humans and the given models (in the matrix's order). */
export function selectModels(matrix: OutcomeMatrix, models: readonly string[]): OutcomeMatrix {
  for (const m of models) {
    if (!matrix.observers.includes(m)) throw new InputError(`model "${m}" is not in the outcome matrix`);
    if (matrix.humans.has(m)) throw new InputError(`"${m}" is a human, not a model`);
  }
  const keep = new Set(models);
  const rows = matrix.observers.flatMap((o, i) => (matrix.humans.has(o) || keep.has(o) ? [i] : []));
  return {
    ...matrix,
    observers: rows.map((i) => matrix.observers[i]),
    correct: rows.map((i) => matrix.correct[i]),
  };
}

/** Indices of the humans and of the models in `matrix.observers`. */
export function observerRoles(matrix: OutcomeMatrix): { humans: number[]; models: number[] } {
  const humans: number[] = [];
  const models: number[] = [];
  matrix.observers.forEach((o, i) => (matrix.humans.has(o) ? humans : models).push(i));
  return { humans, models };
}
