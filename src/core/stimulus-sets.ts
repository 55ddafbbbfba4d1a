/**
 * Observers grouped by the stimuli they saw, and the stimulus set of an analysis unit (all
 * trials, or one condition). Isomorphic.
 *
 * The rule. The unit's stimulus set is the set the most observers saw. Ties: the larger set;
 * then the set of the first such observer in code-unit order of names. In a complete design it
 * is everyone's set. What needs every observer on the same stimuli (the outcome matrix and its
 * joint bootstrap, the DuckDB reader's packed unit, the dashboard's ranking bootstrap) keeps the
 * observers with exactly this set and lists the others with their counts
 * ({@link ExcludedObserver}), never silently.
 *
 * Callers describe their observers' sets ({@link StimulusSets}: as sorted stimulus ids, index
 * lists or bit rows) and number the observers in code-unit order of their names, so that
 * "the first observer" of the tie rule is the one with the smallest index.
 */
import { rowAndPopcount, rowHash, rowPopcount, rowsEqual } from "./bit-rows.ts";
import type { ObserverKind } from "./trials.ts";

/** Observers 0..count-1 and their stimulus sets, as {@link groupByStimulusSet} reads them. */
export interface StimulusSets {
  readonly count: number;
  /** Stimuli observer i saw. */
  size(i: number): number;
  /** A hash of observer i's set: equal sets must hash equal. */
  hash(i: number): number | string;
  /** Whether observers a and b saw the same set (asked only where the hashes are equal). */
  same(a: number, b: number): boolean;
}

/** Observers with one stimulus set. */
export interface StimulusSetGroup {
  /** The observers (indices of {@link StimulusSets}), ascending. */
  members: number[];
  /** Stimuli in the set. */
  size: number;
}

/**
 * Observers grouped by identical stimulus set, groups in order of their first member.
 *
 * @example
 * const groups = groupByStimulusSet(listSets([["a", "b"], ["a"], ["a", "b"]]));
 * groups // => [{ members: [0, 2], size: 2 }, { members: [1], size: 1 }]
 */
export function groupByStimulusSet(sets: StimulusSets): StimulusSetGroup[] {
  const groups: StimulusSetGroup[] = [];
  const byHash = new Map<number | string, number[]>();
  for (let i = 0; i < sets.count; i++) {
    const h = sets.hash(i);
    let candidates = byHash.get(h);
    if (!candidates) byHash.set(h, (candidates = []));
    const match = candidates.find((g) => sets.same(groups[g].members[0], i));
    if (match !== undefined) groups[match].members.push(i);
    else {
      candidates.push(groups.length);
      groups.push({ members: [i], size: sets.size(i) });
    }
  }
  return groups;
}

/**
 * The unit's stimulus set among `groups` (see the module comment): most members; ties: the
 * larger set, then the group with the smallest first member. Undefined for no groups.
 *
 * @example unitStimulusSet([{ members: [0, 3], size: 4 }, { members: [1, 2], size: 5 }]).members // => [1, 2]
 */
export function unitStimulusSet(groups: readonly StimulusSetGroup[]): StimulusSetGroup | undefined {
  let chosen: StimulusSetGroup | undefined;
  for (const group of groups) {
    if (
      !chosen ||
      group.members.length > chosen.members.length ||
      (group.members.length === chosen.members.length &&
        (group.size > chosen.size || (group.size === chosen.size && group.members[0] < chosen.members[0])))
    ) {
      chosen = group;
    }
  }
  return chosen;
}

/**
 * Sets given as lists of stimulus ids, each sorted (code-unit order) without repeats: observer
 * i saw `lists[i]`.
 */
export function listSets(lists: readonly (readonly string[])[]): StimulusSets {
  // The ids joined by NUL, which text fields lack: equal keys are equal sets.
  const keys = lists.map((list) => list.join("\u0000"));
  return { count: lists.length, size: (i) => lists[i].length, hash: (i) => keys[i], same: (a, b) => keys[a] === keys[b] };
}

/**
 * Sets given as bit rows (./bit-rows.ts): observer k saw the stimuli whose bits are set in row
 * `rows[k]` of `bits` (`words` 32-bit words a row).
 */
export function bitRowSets(bits: Uint32Array, words: number, rows: readonly number[]): StimulusSets {
  return {
    count: rows.length,
    size: (k) => rowPopcount(bits, rows[k] * words, words),
    hash: (k) => rowHash(bits, rows[k] * words, words),
    same: (a, b) => rowsEqual(bits, rows[a] * words, rows[b] * words, words),
  };
}

/** An observer of a unit left out because its stimulus set differs from the unit's. */
export interface ExcludedObserver {
  observer: string;
  kind: ObserverKind;
  /** Stimuli this observer saw in the unit. */
  n_stimuli: number;
  /** Of those, how many are in the unit's stimulus set. */
  n_common: number;
  /** Seen by this observer but not in the unit's stimulus set. */
  n_only_observer: number;
  /** In the unit's stimulus set but not seen by this observer. */
  n_missing: number;
}

/** The report of an observer that saw `seen` stimuli, `common` of them in the unit's set of `setSize`. */
export function excludedObserver(observer: string, kind: ObserverKind, seen: number, common: number, setSize: number): ExcludedObserver {
  return { observer, kind, n_stimuli: seen, n_common: common, n_only_observer: seen - common, n_missing: setSize - common };
}

/**
 * The excluded-observer reports of the observers at bit rows `rows` against the unit's set,
 * the bit row at `setRow` (`words` 32-bit words a row).
 */
export function excludedFromBitRows(
  bits: Uint32Array,
  words: number,
  setRow: number,
  rows: readonly { observer: string; kind: ObserverKind; row: number }[],
): ExcludedObserver[] {
  const setSize = rowPopcount(bits, setRow * words, words);
  return rows.map(({ observer, kind, row }) =>
    excludedObserver(
      observer,
      kind,
      rowPopcount(bits, row * words, words),
      rowAndPopcount(bits, row * words, setRow * words, words),
      setSize,
    ),
  );
}
