/**
 * `computePairs` (../core/pairs.ts) on the all-pairs kernel: the same pairs (rows, fields,
 * order, skipped and intersected reports, undefined-kappa count and errors), with the pairs of
 * observers that share a stimulus set counted by the bit-packed kernel, either streamed to a
 * receiver (`streamPairs`: no pair kept, for pair tables of any size) or collected
 * (`kernelPairs`: a PairResult).
 *
 * Per analysis unit (a condition, or all trials) the observers are grouped by their stimulus
 * set. A group of g observers on s stimuli whose pair work C(g, 2) * s reaches
 * `minPairTrials` is packed (bits over its stimuli) and its pairs' both-correct counts come
 * from the kernel, band by band in row order (./bands.ts); every other pair (across groups:
 * their stimulus sets differ, so they are skipped, intersected or an error, as in
 * computePairs) is counted trial by trial exactly as computePairs does. Counts are integers,
 * so both ways give the same counts and, through the same `collectRowPairs` and
 * `pairMetrics`, bit-identical metrics in the same order.
 * (The four pair paths and how they agree: ../core/pairs.ts.)
 */
import {
  type PairOptions,
  type PairResult,
  type PairTally,
  type UnitOutcomes,
  type UnitPairReceiver,
  checkStrict,
  collectRowPairs,
  conditionGroups,
  pairResultReceiver,
  tallyPair,
  unitOutcomes,
} from "../core/pairs.ts";
import { groupByStimulusSet } from "../core/stimulus-sets.ts";
import type { TrialTable } from "../core/trials.ts";
import { type PairBand, type PairBands, pairBands } from "./bands.ts";
import type { KernelName } from "./index.ts";
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
  /** Observers per tile side and band, as `allPairCounts` (default its default). */
  tileSize?: number;
  /**
   * The kernel counts a group of observers with a common stimulus set when C(g, 2) x s reaches
   * this many pair-trials (default {@link KERNEL_MIN_PAIR_TRIALS}; 0: every group of two or more).
   */
  minPairTrials?: number;
}

/**
 * Pairs of one analysis unit: its dataset, condition and observers (sorted; the receiver's i
 * and j index them) and which of them are human.
 */
export interface StreamUnit {
  dataset: string;
  condition: string;
  observers: readonly string[];
  humans: ReadonlySet<string>;
}

/** Receives the pairs of a table in {@link computePairs}' order, unit by unit. */
export interface PairStreamReceiver extends UnitPairReceiver {
  /** A unit begins: its pairs and reports follow (every unit, even one without pairs). */
  unit(unit: StreamUnit): void;
  /** Awaited between rows of pairs (every few thousand pairs): resolves when more may come. */
  drain?(): Promise<void>;
}

/** Pairs handed on between two `drain` calls, at least (whole rows). */
const DRAIN_EVERY_PAIRS = 4096;

/**
 * A group of observers of a unit with one stimulus set, counted by the kernel band by band; its
 * members' rows come in ascending order, so one band at a time is enough.
 */
interface KernelGroup {
  size: number;
  stimuli: number;
  bands: PairBands;
  band?: PairBand;
}

/**
 * Observers of a unit grouped by identical stimulus sets (../core/stimulus-sets.ts; members:
 * indices into the unit's observers, ascending), with each group's stimulus indices, ascending.
 */
function groupsBySet(unit: UnitOutcomes): { members: number[]; stimuli: Int32Array }[] {
  const sorted = unit.seen.map((indices) => Int32Array.from(indices).sort());
  const groups = groupByStimulusSet({
    count: sorted.length,
    size: (i) => sorted[i].length,
    hash: (i) => {
      let hash = 0x811c9dc5;
      for (const s of sorted[i]) hash = Math.imul(hash ^ s, 0x01000193);
      return `${sorted[i].length}:${hash >>> 0}`;
    },
    same: (a, b) => sorted[a].length === sorted[b].length && sorted[a].every((s, k) => s === sorted[b][k]),
  });
  return groups.map(({ members }) => ({ members, stimuli: sorted[members[0]] }));
}

/** The unit's groups worth the kernel, packed and started; `position` and `groupOf` say where each observer is (-1: none). */
function kernelGroups(
  unit: UnitOutcomes,
  options: KernelPairOptions,
  minPairTrials: number,
): { groups: KernelGroup[]; groupOf: Int32Array; position: Int32Array } {
  const n = unit.observers.length;
  const groupOf = new Int32Array(n).fill(-1);
  const position = new Int32Array(n).fill(-1);
  const chosen = groupsBySet(unit).filter(({ members, stimuli }) => {
    const g = members.length;
    return g >= 2 && stimuli.length > 0 && ((g * (g - 1)) / 2) * stimuli.length >= minPairTrials;
  });
  // Several groups run side by side: one thread each rather than a full set of workers each.
  const threads = options.threads ?? (chosen.length > 1 ? 1 : undefined);
  const groups = chosen.map(({ members, stimuli }, k) => {
    const packed = allocatePacked(
      members.map((i) => unit.observers[i]),
      stimuli.length,
    );
    const { bits, wordsPerObserver } = packed;
    members.forEach((i, row) => {
      groupOf[i] = k;
      position[i] = row;
      const outcome = unit.outcomes[i];
      const base = row * wordsPerObserver;
      for (let p = 0; p < stimuli.length; p++) {
        if (outcome[stimuli[p]] === 1) bits[base + (p >>> 5)] |= 1 << (p & 31);
      }
    });
    return {
      size: members.length,
      stimuli: stimuli.length,
      bands: pairBands(packed, { kernel: options.kernel, threads, tileSize: options.tileSize }),
    };
  });
  return { groups, groupOf, position };
}

/** Per analysis unit: its observer count and trials kept (after `observers`). */
function unitSizes(table: TrialTable, options: PairOptions): { observers: number; trials: number }[] {
  const keep = options.observers ? new Set(options.observers) : undefined;
  return [...conditionGroups(table, options.byCondition ?? false).values()].map((trials) => {
    const observers = new Set<string>();
    let kept = 0;
    for (const t of trials) {
      const name = table.observer[t];
      if (keep && !keep.has(name)) continue;
      observers.add(name);
      kept++;
    }
    return { observers: observers.size, trials: kept };
  });
}

/**
 * How many pairs of observers a table's analysis units hold: sum of C(n, 2), n a unit's
 * observers. Each is computed or reported as skipped, so this is what a pair table can reach.
 */
export function pairCount(table: TrialTable, options: PairOptions = {}): number {
  return unitSizes(table, options).reduce((sum, { observers: n }) => sum + (n * (n - 1)) / 2, 0);
}

/** Whether any unit might reach the threshold: C(n, 2) x (trials / n) per unit, n its observers. */
function worthIt(table: TrialTable, options: KernelPairOptions, minPairTrials: number): boolean {
  return unitSizes(table, options).some(({ observers: n, trials }) => n >= 2 && ((n - 1) / 2) * trials >= minPairTrials);
}

/**
 * Hands every pair of a table to `receiver`, unit by unit, in {@link computePairs}' order with
 * its rows, reports and errors, keeping no pair: the pairs of large groups of observers sharing
 * a stimulus set come from the all-pairs kernel one band of rows at a time (./bands.ts), the
 * others are counted trial by trial. Memory: the table, one unit's outcomes, the packed groups
 * and a few bands. Input errors (a stimulus in several pooled conditions, --strict's stimulus
 * sets) are found for every unit before the first pair is handed on.
 */
export async function streamPairs(table: TrialTable, options: KernelPairOptions, receiver: PairStreamReceiver): Promise<void> {
  const minPairTrials = options.minPairTrials ?? KERNEL_MIN_PAIR_TRIALS;
  const useKernel = worthIt(table, options, minPairTrials);
  const keep = options.observers ? new Set(options.observers) : undefined;
  const units = [...conditionGroups(table, options.byCondition ?? false)];
  // Check every unit first; the first unit's outcomes are kept for the pass below.
  let first: UnitOutcomes | undefined;
  for (const [k, [condition, trials]] of units.entries()) {
    const unit = unitOutcomes(table, trials, keep);
    checkStrict(table, condition, unit, options);
    if (k === 0) first = unit;
  }
  for (const [k, [condition, trials]] of units.entries()) {
    const unit = k === 0 ? first! : unitOutcomes(table, trials, keep);
    first = undefined;
    receiver.unit({ dataset: table.dataset, condition, observers: unit.observers, humans: table.humans });
    const { groups, groupOf, position } = useKernel
      ? kernelGroups(unit, options, minPairTrials)
      : { groups: [], groupOf: undefined, position: undefined };
    try {
      const tally = (i: number, j: number): PairTally => {
        const g = groupOf === undefined ? -1 : groupOf[i];
        if (g < 0 || g !== groupOf![j]) return tallyPair(unit, i, j);
        const { size, stimuli, bands, band } = groups[g];
        const a = position![i];
        const b = position![j];
        const width = size - band!.rowStart;
        return {
          common: stimuli,
          correct1: bands.correct[a],
          correct2: bands.correct[b],
          bothCorrect: band!.counts[(a - band!.rowStart) * width + (b - band!.rowStart)],
        };
      };
      let sinceDrain = 0;
      const n = unit.observers.length;
      for (let i = 0; i < n; i++) {
        const g = groupOf === undefined ? -1 : groupOf[i];
        if (g >= 0 && position![i] < groups[g].size - 1) {
          const group = groups[g];
          while (group.band === undefined || position![i] >= group.band.rowEnd) {
            group.band = await group.bands.next();
            if (group.band === undefined) throw new Error(`the kernel gave no band for row ${position![i]} of ${group.size}`);
          }
        }
        collectRowPairs(table, condition, unit, i, options, receiver, tally);
        sinceDrain += n - 1 - i;
        if (receiver.drain && sinceDrain >= DRAIN_EVERY_PAIRS) {
          sinceDrain = 0;
          await receiver.drain();
        }
      }
      await receiver.drain?.();
      for (const group of groups) await group.bands.finished();
    } catch (error) {
      await Promise.all(groups.map((group) => group.bands.cancel()));
      throw error;
    }
  }
}

/**
 * All pairs of observers in a table, exactly as {@link computePairs} returns them, with the
 * pairs of large groups of observers sharing a stimulus set counted by the all-pairs kernel
 * ({@link streamPairs}, collected).
 */
export async function kernelPairs(table: TrialTable, options: KernelPairOptions = {}): Promise<PairResult> {
  const result: PairResult = { pairs: [], skipped: [], intersected: [], undefinedKappa: 0 };
  let collect: UnitPairReceiver | undefined;
  await streamPairs(table, options, {
    unit: ({ dataset, condition, observers }) => void (collect = pairResultReceiver(dataset, condition, observers, result)),
    pair: (i, j, type, metrics) => collect!.pair(i, j, type, metrics),
    mismatch: (report) => collect!.mismatch(report),
  });
  return result;
}
