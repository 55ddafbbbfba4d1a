/**
 * Defaults of the seeded interval methods, in a module of their own so that the command line's
 * flag help can show them without loading the methods. Each method's module re-exports its own.
 */

/** The joint stimulus bootstrap of mean kappas ({@link jointBootstrap}): replicates, seed, level. */
export const AGGREGATE_DEFAULTS = { replicates: 1000, seed: 1, level: 0.95 } as const;

/** One pair's interval ({@link pairInterval}): the Jeffreys posterior, 95%, 10,000 draws, seed 1. */
export const PAIR_INTERVAL_DEFAULTS = { method: "jeffreys", level: 0.95, replicates: 10_000, seed: 1 } as const satisfies {
  method: "percentile" | "bca" | "analytic" | "jeffreys";
  level: number;
  replicates: number;
  seed: number;
};
