/**
 * `computePairs` (../core/pairs.ts) on the all-pairs kernel: the same PairResult (the same
 * rows, fields, order, skipped and intersected reports, undefined-kappa count and errors),
 * with the pairs of observers that share a stimulus set counted by the bit-packed kernel.
 *
 * Per analysis unit (a condition, or all trials) the observers are grouped by their stimulus
 * set. A group of g observers on s stimuli whose pair work C(g, 2) * s reaches
 * `minPairTrials` is packed (bits over its stimuli) and its pairs' both-correct counts come
 * from `allPairCounts`; every other pair (across groups: their stimulus sets differ, so they
 * are skipped, intersected or an error, as in computePairs) is counted trial by trial exactly
 * as computePairs does. Counts are integers, so both ways give the same counts and, through
 * the same `pairMetrics`, bit-identical metrics. Tables whose every unit is below the
 * threshold go straight to computePairs.
 */
import { type PairOptions, type PairResult, type UnitOutcomes, collectUnitPairs, computePairs, conditionGroups, tallyPair, unitOutcomes } from "../core/pairs.ts";
import type { TrialTable } from "../core/trials.ts";
import { type KernelName, allPairCounts } from "./index.ts";
import { allocatePacked } from "./packed.ts";

/**
 * Default of {@link KernelPairOptions.minPairTrials}: 2^22 (about 4.2 million) pair-trials,
 * e.g. 100 observers on 850 stimuli or 35 on 7,000. Below it the trial-by-trial loop of
 * computePairs takes a few milliseconds and the kernel's set-up (packing, WebAssembly memory)
 * is not worth it; above it the kernel is faster (BENCHMARKS.md). The published 2020 data
 * (35 observers on 1,280 or 160 stimuli) stay below it.
 */
export const KERNEL_MIN_PAIR_TRIALS = 2 ** 22;

export interface KernelPairOptions extends PairOptions {
  /** "wasm", "ts" or "auto" (default), as `allPairCounts`. */
  kernel?: KernelName | "auto";
  /** Threads for `allPairCounts` (default: its automatic choice). */
  threads?: number;
  /**
   * The kernel counts a group of observers with a common stimulus set when C(g, 2) x s reaches
   * this many pair-trials (default {@link KERNEL_MIN_PAIR_TRIALS}; 0: every group of two or more).
   */
  minPairTrials?: number;
}

/** Per analysis unit: each observer's outcome per stimulus (-1 not seen) and the stimuli it saw. */
interface KernelGroup {
  /** Position of each member in the group, by observer index in the unit. */
  position: Map<number, number>;
  size: number;
  stimuli: number;
  correct: Uint32Array;
  bothCorrect: Uint32Array;
}

/** Observers of a unit grouped by identical stimulus sets (indices into the unit's observers, ascending). */
function groupsBySet(unit: UnitOutcomes): { members: number[]; stimuli: Int32Array }[] {
  const buckets = new Map<string, { members: number[]; stimuli: Int32Array }[]>();
  unit.seen.forEach((indices, i) => {
    const sorted = Int32Array.from(indices).sort();
    let hash = 0x811c9dc5;
    for (let k = 0; k < sorted.length; k++) hash = Math.imul(hash ^ sorted[k], 0x01000193);
    const key = `${sorted.length}:${hash >>> 0}`;
    let list = buckets.get(key);
    if (!list) buckets.set(key, (list = []));
    const same = list.find((g) => g.stimuli.every((s, k) => s === sorted[k]));
    if (same) same.members.push(i);
    else list.push({ members: [i], stimuli: sorted });
  });
  return [...buckets.values()].flat();
}

async function kernelGroups(unit: UnitOutcomes, options: KernelPairOptions, minPairTrials: number): Promise<(KernelGroup | undefined)[]> {
  const byObserver: (KernelGroup | undefined)[] = new Array(unit.observers.length);
  for (const { members, stimuli } of groupsBySet(unit)) {
    const g = members.length;
    if (g < 2 || stimuli.length === 0 || ((g * (g - 1)) / 2) * stimuli.length < minPairTrials) continue;
    const packed = allocatePacked(
      members.map((i) => unit.observers[i]),
      stimuli.length,
    );
    const { bits, wordsPerObserver } = packed;
    members.forEach((i, row) => {
      const outcome = unit.outcomes[i];
      const base = row * wordsPerObserver;
      for (let p = 0; p < stimuli.length; p++) {
        if (outcome[stimuli[p]] === 1) bits[base + (p >>> 5)] |= 1 << (p & 31);
      }
    });
    const counts = await allPairCounts(packed, { kernel: options.kernel, threads: options.threads });
    const group: KernelGroup = {
      position: new Map(members.map((i, k) => [i, k])),
      size: g,
      stimuli: stimuli.length,
      correct: counts.correct,
      bothCorrect: counts.bothCorrect!,
    };
    for (const i of members) byObserver[i] = group;
  }
  return byObserver;
}

/** Whether any unit might reach the threshold: C(n, 2) x (trials / n) per unit, n its observers. */
function worthIt(table: TrialTable, options: KernelPairOptions, minPairTrials: number): boolean {
  const keep = options.observers ? new Set(options.observers) : undefined;
  for (const trials of conditionGroups(table, options.byCondition ?? false).values()) {
    const observers = new Set<string>();
    let kept = 0;
    for (const t of trials) {
      const name = table.observer[t];
      if (keep && !keep.has(name)) continue;
      observers.add(name);
      kept++;
    }
    const n = observers.size;
    if (n >= 2 && ((n - 1) / 2) * kept >= minPairTrials) return true;
  }
  return false;
}

/**
 * All pairs of observers in a table, exactly as {@link computePairs} returns them, with the
 * pairs of large groups of observers sharing a stimulus set counted by the all-pairs kernel.
 */
export async function kernelPairs(table: TrialTable, options: KernelPairOptions = {}): Promise<PairResult> {
  const minPairTrials = options.minPairTrials ?? KERNEL_MIN_PAIR_TRIALS;
  if (!worthIt(table, options, minPairTrials)) return computePairs(table, options);
  const keep = options.observers ? new Set(options.observers) : undefined;
  const result: PairResult = { pairs: [], skipped: [], intersected: [], undefinedKappa: 0 };
  for (const [condition, trials] of conditionGroups(table, options.byCondition ?? false)) {
    const unit = unitOutcomes(table, trials, keep);
    const groups = await kernelGroups(unit, options, minPairTrials);
    collectUnitPairs(table, condition, unit, options, result, (i, j) => {
      const group = groups[i];
      if (group === undefined || group !== groups[j]) return tallyPair(unit, i, j);
      const a = group.position.get(i)!;
      const b = group.position.get(j)!;
      return { common: group.stimuli, correct1: group.correct[a], correct2: group.correct[b], bothCorrect: group.bothCorrect[a * group.size + b] };
    });
  }
  return result;
}
