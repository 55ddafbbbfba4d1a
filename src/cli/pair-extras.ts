import { PAIR_INTERVAL_DEFAULTS, type PairIntervalMethod, pairInterval, pairSeed } from "../core/pair-intervals.ts";
import { type PairRow, pairCounts } from "../core/pairs.ts";
import { notUsed, probability, replicates, seed } from "./flags.ts";

/** Flags of `trialwise pairs` that append columns; absent ones take the core's defaults. */
export interface PairExtras {
  ci?: PairIntervalMethod;
  bootstrap?: string;
  seed?: string;
  level?: string;
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
  if (!flags.ci) {
    notUsed("--bootstrap", flags.bootstrap, "without --ci");
    notUsed("--seed", flags.seed, "without --ci");
    notUsed("--level", flags.level, "without --ci");
  } else {
    if (flags.ci === "analytic") {
      notUsed("--bootstrap", flags.bootstrap, "by --ci analytic");
      notUsed("--seed", flags.seed, "by --ci analytic");
    }
    ci = {
      method: flags.ci,
      replicates: flags.bootstrap === undefined ? PAIR_INTERVAL_DEFAULTS.replicates : replicates("--bootstrap", flags.bootstrap),
      seed: flags.seed === undefined ? PAIR_INTERVAL_DEFAULTS.seed : seed("--seed", flags.seed),
      level: flags.level === undefined ? PAIR_INTERVAL_DEFAULTS.level : probability("--level", flags.level),
    };
    columns.push("ci_lower", "ci_upper");
  }
  if (flags.normalized) columns.push("kappa_normalized");
  return { ci, normalized: Boolean(flags.normalized), columns };
}

export type PairRowWithExtras = PairRow & { ci_lower?: number | null; ci_upper?: number | null; kappa_normalized?: number | null };

/**
 * A pair with the requested extra columns: its interval (the same as `trialwise ci` gives for
 * the pair with the same seed) and kappa / kappa_max.
 */
export function withPairExtras(pair: PairRow, options: PairExtrasOptions): PairRowWithExtras {
  const row: PairRowWithExtras = { ...pair };
  if (options.ci) {
    const { method, replicates, level, seed } = options.ci;
    const interval = pairInterval(pairCounts(pair), { method, replicates, level, seed: pairSeed(seed, pair.observer1, pair.observer2) });
    row.ci_lower = interval.lower;
    row.ci_upper = interval.upper;
  }
  if (options.normalized) {
    row.kappa_normalized = pair.kappa === null || pair.kappa_max === null || pair.kappa_max === 0 ? null : pair.kappa / pair.kappa_max;
  }
  return row;
}
