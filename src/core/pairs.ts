/**
 * Matching trials by stimulus and computing every pair of observers (`computePairs`): the
 * reference path. Isomorphic.
 *
 * The four pair paths. Every pair's metrics come from `pairMetrics` on the pair's 2x2 counts;
 * the paths differ in how they count and how many pairs they hold, and all give the same rows,
 * bit for bit, in the same order (tested against this file's `computePairs`):
 * - core (here): `computePairs` on a trial table, trial by trial per unit; mismatch policy,
 *   skipped and intersected reports, the --strict error. Pairs kept in memory.
 * - kernel (../kernel/pairs.ts): `streamPairs` / `kernelPairs` on a trial table; large groups
 *   of observers sharing a stimulus set (./stimulus-sets.ts) counted by the bit-packed
 *   all-pairs kernel band by band, the rest by this file's `collectRowPairs`. Streamed.
 * - DuckDB stream (../cli/pairs-stream.ts): Parquet input read by ../io/duckdb.ts straight
 *   into bit rows (observers off the unit's stimulus set left out and listed), counted by the
 *   kernel tile by tile and written by ../io/pair-writer.ts. Never holds the pair table.
 * - dashboard worker (../web/dashboard/compute.ts): `pairMatrix` on a unit's seen and correct
 *   bit rows, one kernel run for the chosen observers, as n x n arrays for the heatmap.
 * How trials are matched is one rule, {@link TrialMatch}: by stimulus, or by condition and
 * stimulus where conditions are pooled and some observer has trials under several (never a
 * trial with a trial of another condition). Core, kernel and the dashboard's payload key their
 * units through `unitOutcomes`; the DuckDB reader applies `pooledTrialMatch` to the conditions
 * it counts per observer. test/core/pairs-conditions.test.ts runs one case through all four.
 */
import { InputError } from "./errors.ts";
import { type PairCounts, type PairMetrics, type UndefinedKappaPolicy, pairMetrics } from "./metrics.ts";
import { NO_CONDITION, type TrialTable, compareText, observerKind } from "./trials.ts";

export type PairType = "human-human" | "model-human" | "model-model";

/**
 * What to do with two observers whose stimulus sets differ:
 * "identical" computes only pairs with identical sets and reports the others as skipped;
 * "intersect" computes on the common stimuli and reports how many were dropped;
 * "strict" turns any difference into an error.
 */
export type MismatchPolicy = "identical" | "intersect" | "strict";

export interface PairOptions {
  /** Analyse each condition separately (else all trials together, condition "all"). */
  byCondition?: boolean;
  /** Only pairs among these observers. */
  observers?: readonly string[];
  mismatch?: MismatchPolicy;
  undefinedKappa?: UndefinedKappaPolicy;
}

/** One row of `trialwise pairs`: the CSV columns, in order. */
export interface PairRow extends PairMetrics {
  dataset: string;
  condition: string;
  observer1: string;
  observer2: string;
  pair_type: PairType;
}

export const PAIR_COLUMNS = [
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
] as const satisfies readonly (keyof PairRow)[];

/** A pair whose stimulus sets differ: skipped, or (with "intersect") computed on the overlap. */
export interface StimulusMismatch {
  dataset: string;
  condition: string;
  observer1: string;
  observer2: string;
  pair_type: PairType;
  n_common: number;
  n_only_observer1: number;
  n_only_observer2: number;
  /**
   * Stimuli both saw, but only under different conditions, left unmatched (trials matched
   * within pooled conditions, {@link TrialMatch}): what matching by stimulus alone would have
   * paired across conditions. 0 where trials are matched by stimulus.
   */
  n_crossing_conditions: number;
  /** Why it was skipped; "computed on common stimuli" for an intersected pair. */
  outcome: "skipped: stimulus sets differ" | "skipped: no common stimuli" | "computed on common stimuli";
}

/** The columns of `--skipped FILE`: a {@link StimulusMismatch} a row, whatever the metric. */
export const STIMULUS_MISMATCH_COLUMNS = [
  "dataset",
  "condition",
  "observer1",
  "observer2",
  "pair_type",
  "n_common",
  "n_only_observer1",
  "n_only_observer2",
  "n_crossing_conditions",
  "outcome",
] as const satisfies readonly (keyof StimulusMismatch)[];

export interface PairResult {
  pairs: PairRow[];
  /** Pairs not computed, with the reason. */
  skipped: StimulusMismatch[];
  /** Pairs computed on their common stimuli only (policy "intersect"). */
  intersected: StimulusMismatch[];
  /** Pairs whose kappa is undefined (c_exp = 1); with policy "one" they were set to 1. */
  undefinedKappa: number;
}

/** The 2x2 counts of a computed pair (its accuracies are exact ratios of integer counts). */
export function pairCounts(pair: PairMetrics): PairCounts {
  const n = pair.n_trials;
  return { trials: n, correct1: Math.round(pair.acc1 * n), correct2: Math.round(pair.acc2 * n), bothCorrect: pair.n_both_correct };
}

export function pairType(table: TrialTable, a: string, b: string): PairType {
  const humanA = observerKind(table, a) === "human";
  const humanB = observerKind(table, b) === "human";
  if (humanA && humanB) return "human-human";
  return humanA || humanB ? "model-human" : "model-model";
}

/**
 * How the trials of two observers are matched into a pair within an analysis unit:
 * - "stimulus": by stimulus id. Within one condition (`byCondition`), and where conditions are
 *   pooled but every observer has all its trials under one condition: there the condition
 *   labels the observer, not the trial (the 2020 texture-shape data: humans "0", models "NaN"),
 *   and the published analysis pooled them.
 * - "condition and stimulus": where conditions are pooled and some observer of the table has
 *   trials under two or more conditions (the noise data: a person saw an image at one contrast,
 *   a model the same image at another). A trial is matched only with a trial of its own
 *   condition, never across conditions.
 * Decided on the whole table, not the chosen observers, so that a pair's numbers do not depend
 * on who else is analysed. The one rule every pair path follows (see {@link pooledTrialMatch}).
 */
export type TrialMatch = "stimulus" | "condition and stimulus";

/**
 * The rule of {@link TrialMatch} for pooled conditions, from the most conditions any one
 * observer has trials under (DuckDB counts them in SQL, the trial table in {@link pairTrialMatch}).
 */
export function pooledTrialMatch(mostConditionsOfAnObserver: number): TrialMatch {
  return mostConditionsOfAnObserver > 1 ? "condition and stimulus" : "stimulus";
}

const matchOfTable = new WeakMap<TrialTable, TrialMatch>();

/** How `table`'s trials are matched into pairs ({@link TrialMatch}), pooled or by condition. */
export function pairTrialMatch(table: TrialTable, byCondition: boolean): TrialMatch {
  if (byCondition) return "stimulus";
  let match = matchOfTable.get(table);
  if (match === undefined) {
    const conditionOf = new Map<string, string>();
    let most = table.length > 0 ? 1 : 0;
    for (let t = 0; t < table.length && most < 2; t++) {
      const first = conditionOf.get(table.observer[t]);
      if (first === undefined) conditionOf.set(table.observer[t], table.condition[t]);
      else if (first !== table.condition[t]) most = 2;
    }
    match = pooledTrialMatch(most);
    matchOfTable.set(table, match);
  }
  return match;
}

/** Trial indices of each analysis unit: one per condition, or one "all" unit. */
export function conditionGroups(table: TrialTable, byCondition: boolean): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  if (!byCondition) {
    groups.set(
      NO_CONDITION,
      Array.from({ length: table.length }, (_, i) => i),
    );
    return groups;
  }
  for (let i = 0; i < table.length; i++) {
    const list = groups.get(table.condition[i]);
    if (list) list.push(i);
    else groups.set(table.condition[i], [i]);
  }
  return new Map([...groups].sort(([a], [b]) => compareText(a, b)));
}

/**
 * Each observer's outcome per trial key within one analysis unit: -1 not seen, 0 wrong,
 * 1 correct, over a shared index of keys. The key is the stimulus, or (condition, stimulus)
 * where trials are matched within conditions ({@link TrialMatch}).
 */
export interface UnitOutcomes {
  observers: string[];
  outcomes: Int8Array[];
  /** Key indices each observer saw. */
  seen: Int32Array[];
  match: TrialMatch;
  /**
   * With "condition and stimulus": the stimulus (numbered in order of first appearance) of each
   * key, so that a pair's stimuli seen only under different conditions can be counted.
   */
  stimulusOf?: Int32Array;
}

/**
 * The outcomes of the observers in `keep` (default all) on the unit's `trials`, keyed as `match`
 * says (default: the table's rule with conditions pooled, {@link pairTrialMatch}; within one
 * condition both keys agree). Each observer has at most one trial per key: the table rejects a
 * stimulus seen twice in one condition, and by stimulus alone every observer has one condition.
 */
export function unitOutcomes(
  table: TrialTable,
  trials: readonly number[],
  keep?: ReadonlySet<string>,
  match: TrialMatch = pairTrialMatch(table, false),
): UnitOutcomes {
  const byCondition = match === "condition and stimulus";
  // NUL cannot occur in parsed text fields: it separates condition and stimulus unambiguously.
  const keyOf = byCondition ? (t: number) => `${table.condition[t]}\u0000${table.stimulus[t]}` : (t: number) => table.stimulus[t];
  const keyIndex = new Map<string, number>();
  const stimulusIndex = new Map<string, number>();
  const stimulusOf: number[] = [];
  const keyOfTrial = new Int32Array(trials.length);
  trials.forEach((t, k) => {
    const key = keyOf(t);
    let index = keyIndex.get(key);
    if (index === undefined) {
      keyIndex.set(key, (index = keyIndex.size));
      if (byCondition) {
        let s = stimulusIndex.get(table.stimulus[t]);
        if (s === undefined) stimulusIndex.set(table.stimulus[t], (s = stimulusIndex.size));
        stimulusOf.push(s);
      }
    }
    keyOfTrial[k] = index;
  });
  const byObserver = new Map<string, number[]>();
  trials.forEach((t, k) => {
    const name = table.observer[t];
    if (keep && !keep.has(name)) return;
    const list = byObserver.get(name);
    if (list) list.push(k);
    else byObserver.set(name, [k]);
  });
  const observers = [...byObserver.keys()].sort(compareText);
  const outcomes: Int8Array[] = [];
  const seen: Int32Array[] = [];
  for (const name of observers) {
    const row = new Int8Array(keyIndex.size).fill(-1);
    const list = byObserver.get(name)!;
    const indices = new Int32Array(list.length);
    list.forEach((k, position) => {
      const s = keyOfTrial[k];
      row[s] = table.correct[trials[k]];
      indices[position] = s;
    });
    outcomes.push(row);
    seen.push(indices);
  }
  return { observers, outcomes, seen, match, ...(byCondition ? { stimulusOf: Int32Array.from(stimulusOf) } : {}) };
}

/**
 * Stimuli observers i and j of a unit both saw, but only under different conditions: the
 * matches that pairing by stimulus alone would have made across conditions and that
 * "condition and stimulus" leaves out. 0 where trials are matched by stimulus.
 */
export function crossingStimuli(unit: UnitOutcomes, i: number, j: number): number {
  const { stimulusOf } = unit;
  if (!stimulusOf) return 0;
  // Per stimulus: 1 seen by i, 2 also matched with j under one condition, 3 counted as crossing.
  const state = new Map<number, number>();
  for (const k of unit.seen[i]) state.set(stimulusOf[k], 1);
  const other = unit.outcomes[i];
  for (const k of unit.seen[j]) if (other[k] >= 0) state.set(stimulusOf[k], 2);
  let crossing = 0;
  for (const k of unit.seen[j]) {
    const s = stimulusOf[k];
    if (state.get(s) === 1) {
      state.set(s, 3);
      crossing++;
    }
  }
  return crossing;
}

/** One pair's 2x2 table over the stimuli both saw: common trials, correct counts, both correct. */
export interface PairTally {
  common: number;
  correct1: number;
  correct2: number;
  bothCorrect: number;
}

/** The tally of observers i and j of a unit, by walking the stimuli i saw. */
export function tallyPair(unit: UnitOutcomes, i: number, j: number): PairTally {
  const first = unit.outcomes[i];
  const second = unit.outcomes[j];
  let common = 0;
  let correct1 = 0;
  let correct2 = 0;
  let bothCorrect = 0;
  for (const s of unit.seen[i]) {
    const b = second[s];
    if (b < 0) continue;
    const a = first[s];
    common++;
    correct1 += a;
    correct2 += b;
    bothCorrect += a & b;
  }
  return { common, correct1, correct2, bothCorrect };
}

/**
 * Where the pairs of one analysis unit go, in pair order (row by row: i ascending, then j):
 * computePairs collects them into a {@link PairResult}; the streaming path
 * (src/kernel/pairs.ts) hands them on without keeping them.
 */
export interface UnitPairReceiver {
  /** A computed pair of the unit's observers i < j. */
  pair(i: number, j: number, type: PairType, metrics: PairMetrics): void;
  /**
   * A pair whose stimulus sets differ: skipped, or (outcome "computed on common stimuli")
   * intersected, in which case `pair` follows for it.
   */
  mismatch(report: StimulusMismatch): void;
}

/** The --strict error for observers i and j of a unit, whose stimulus sets differ. */
function stimulusSetsDiffer(table: TrialTable, condition: string, unit: UnitOutcomes, i: number, j: number, common: number): InputError {
  const { observers, seen } = unit;
  const crossing = crossingStimuli(unit, i, j);
  return new InputError(
    `dataset "${table.dataset}": observers "${observers[i]}" and "${observers[j]}" saw different stimuli ` +
      `${condition === NO_CONDITION ? "(conditions pooled)" : `in condition "${condition}"`} (${common} common, ` +
      `${seen[i].length - common} only "${observers[i]}", ${seen[j].length - common} only "${observers[j]}"` +
      `${crossing > 0 ? `; ${crossing} stimuli both saw only under different conditions, not matched` : ""}); ` +
      `--strict expects identical stimulus sets`,
  );
}

/**
 * With --strict, throws the error {@link collectRowPairs} would throw for the unit's first pair
 * (in pair order) whose stimulus sets differ, so that a caller can check a unit before handing
 * any pair on. That pair is (0, j), j the first observer whose set differs from observer 0's:
 * if there is none, every set equals observer 0's.
 */
export function checkStrict(table: TrialTable, condition: string, unit: UnitOutcomes, options: PairOptions): void {
  if (options.mismatch !== "strict") return;
  for (let j = 1; j < unit.observers.length; j++) {
    const { common } = tallyPair(unit, 0, j);
    if (common !== unit.seen[0].length || common !== unit.seen[j].length) throw stimulusSetsDiffer(table, condition, unit, 0, j, common);
  }
}

/**
 * Hands the pairs (i, j), j > i, of observer i of one analysis unit to `receiver`, in order of
 * j, applying the mismatch policy: pairs with different stimulus sets are skipped, intersected
 * or an error, and every one is reported. `tally` counts a pair (default {@link tallyPair};
 * the kernel supplies its own counts).
 */
export function collectRowPairs(
  table: TrialTable,
  condition: string,
  unit: UnitOutcomes,
  i: number,
  options: PairOptions,
  receiver: UnitPairReceiver,
  tally: (i: number, j: number) => PairTally = (i, j) => tallyPair(unit, i, j),
): void {
  const mismatch = options.mismatch ?? "identical";
  const { observers, seen } = unit;
  for (let j = i + 1; j < observers.length; j++) {
    const { common, correct1, correct2, bothCorrect } = tally(i, j);
    const type = pairType(table, observers[i], observers[j]);
    const onlyFirst = seen[i].length - common;
    const onlySecond = seen[j].length - common;
    if (onlyFirst + onlySecond > 0) {
      if (mismatch === "strict") throw stimulusSetsDiffer(table, condition, unit, i, j, common);
      const report: StimulusMismatch = {
        dataset: table.dataset,
        condition,
        observer1: observers[i],
        observer2: observers[j],
        pair_type: type,
        n_common: common,
        n_only_observer1: onlyFirst,
        n_only_observer2: onlySecond,
        n_crossing_conditions: crossingStimuli(unit, i, j),
        outcome:
          common === 0
            ? "skipped: no common stimuli"
            : mismatch === "intersect"
              ? "computed on common stimuli"
              : "skipped: stimulus sets differ",
      };
      receiver.mismatch(report);
      if (report.outcome !== "computed on common stimuli") continue;
    }
    receiver.pair(i, j, type, pairMetrics({ trials: common, correct1, correct2, bothCorrect }, options.undefinedKappa));
  }
}

/** A receiver that adds the pairs and reports of a unit (its observers, as i and j index them) to `result`, as computePairs returns them. */
export function pairResultReceiver(dataset: string, condition: string, observers: readonly string[], result: PairResult): UnitPairReceiver {
  return {
    pair(i, j, type, metrics) {
      if (metrics.c_exp === 1) result.undefinedKappa++;
      result.pairs.push({ dataset, condition, observer1: observers[i], observer2: observers[j], pair_type: type, ...metrics });
    },
    mismatch(report) {
      (report.outcome === "computed on common stimuli" ? result.intersected : result.skipped).push(report);
    },
  };
}

/** Adds every pair of one analysis unit to `result` ({@link collectRowPairs} row by row). */
export function collectUnitPairs(
  table: TrialTable,
  condition: string,
  unit: UnitOutcomes,
  options: PairOptions,
  result: PairResult,
  tally?: (i: number, j: number) => PairTally,
): void {
  const receiver = pairResultReceiver(table.dataset, condition, unit.observers, result);
  for (let i = 0; i < unit.observers.length; i++) collectRowPairs(table, condition, unit, i, options, receiver, tally);
}

/**
 * All pairs of observers in a table, matched by stimulus id within each analysis unit.
 * Nothing is dropped silently: skipped and intersected pairs are returned with their counts.
 *
 * @example
 * const rows = [["subject-01", "s1", "1"], ["subject-01", "s2", "0"], ["alexnet", "s1", "1"], ["alexnet", "s2", "1"]];
 * const file = { file: "demo.csv", columns: ["observer", "stimulus", "correct"], rows, lines: [2, 3, 4, 5] };
 * const table = longFormatTrials([file], "demo", { observer: "observer", stimulus: "stimulus", correct: "correct" });
 * computePairs(table).pairs.map((p) => [p.observer1, p.observer2, p.kappa]) // => [["alexnet", "subject-01", 0]]
 */
export function computePairs(table: TrialTable, options: PairOptions = {}): PairResult {
  const keep = options.observers ? new Set(options.observers) : undefined;
  const result: PairResult = { pairs: [], skipped: [], intersected: [], undefinedKappa: 0 };
  for (const [condition, trials] of conditionGroups(table, options.byCondition ?? false)) {
    collectUnitPairs(table, condition, unitOutcomes(table, trials, keep), options, result);
  }
  return result;
}
