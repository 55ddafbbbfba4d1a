import { UsageError } from "../core/errors.ts";
import { type PairIntervalMethod, pairInterval, pairSeed } from "../core/intervals.ts";
import { type PairRow, pairCounts } from "../core/pairs.ts";

/** Flags of `trialwise pairs` that append columns. */
export interface PairExtras {
  ci?: PairIntervalMethod;
  bootstrap: string;
  seed: string;
  level: string;
  normalized?: boolean;
}

export interface PairExtrasOptions {
  ci?: { method: PairIntervalMethod; replicates: number; seed: number; level: number };
  normalized: boolean;
  columns: string[];
}

export function pairExtrasOptions(flags: PairExtras): PairExtrasOptions {
  const columns: string[] = [];
  let ci: PairExtrasOptions["ci"];
  if (flags.ci) {
    const replicates = Number(flags.bootstrap);
    const seed = Number(flags.seed);
    const level = Number(flags.level);
    if (!(Number.isInteger(replicates) && replicates >= 1)) throw new UsageError(`--bootstrap: expected a positive integer, not "${flags.bootstrap}"`);
    if (!(Number.isInteger(seed) && seed >= 0)) throw new UsageError(`--seed: expected a non-negative integer, not "${flags.seed}"`);
    if (!(level > 0 && level < 1)) throw new UsageError(`--level: expected a number between 0 and 1, not "${flags.level}"`);
    ci = { method: flags.ci, replicates, seed, level };
    columns.push("ci_lower", "ci_upper");
  }
  if (flags.normalized) columns.push("kappa_normalized");
  return { ci, normalized: Boolean(flags.normalized), columns };
}

export type PairRowWithExtras = PairRow & { ci_lower?: number | null; ci_upper?: number | null; kappa_normalized?: number | null };

/**
 * Each pair with the requested extra columns: its interval (the same as `trialwise ci` gives
 * for the pair with the same seed) and kappa / kappa_max.
 */
export function addPairExtras(
  pairs: readonly PairRow[],
  options: PairExtrasOptions,
  progress: (step: string, done: number, total: number) => void,
): PairRowWithExtras[] {
  return pairs.map((pair, i) => {
    const row: PairRowWithExtras = { ...pair };
    if (options.ci) {
      if (i % 50 === 0) progress("bootstrapping pair intervals", i, pairs.length);
      const { method, replicates, level, seed } = options.ci;
      const interval = pairInterval(pairCounts(pair), { method, replicates, level, seed: pairSeed(seed, pair.observer1, pair.observer2) });
      row.ci_lower = interval.lower;
      row.ci_upper = interval.upper;
    }
    if (options.normalized) {
      row.kappa_normalized = pair.kappa === null || pair.kappa_max === null || pair.kappa_max === 0 ? null : pair.kappa / pair.kappa_max;
    }
    return row;
  });
}
