/**
 * The chance region behind the consistency scatters, for each pair's own trial count: the 95%
 * band of independent observers (`chanceRegion`, with the 2020 grid edge for 160 and 1,280
 * trials) depends on the number of trials, so a pair is compared with the band for its n, at
 * its c_exp (`chanceBin`), as the report does per condition. Bands take 0.1 to 1.5 s each, so
 * they are computed after the first views are drawn, for the few most common trial counts.
 * Isomorphic.
 */
import { type ChanceBandRow, GEIRHOS2020_GRID_EDGES, chanceBin, chanceRegion } from "../../core/chance.ts";
import { type PairMatrix, isComputed } from "./compute.ts";

/** Most distinct trial counts given a band (the most common ones); pairs with other counts get none, and the note says so. */
export const CHANCE_TRIAL_COUNTS = 4;

/** The distinct trial counts of the computed pairs, with how many pairs have each: most pairs first, then more trials first. */
export function pairTrialCounts(matrix: PairMatrix): { trials: number; pairs: number }[] {
  const tally = new Map<number, number>();
  const n = matrix.size;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (isComputed(matrix, i, j)) tally.set(matrix.trials[i * n + j], (tally.get(matrix.trials[i * n + j]) ?? 0) + 1);
  return [...tally].map(([trials, pairs]) => ({ trials, pairs })).sort((a, b) => b.pairs - a.pairs || b.trials - a.trials);
}

/** The chance region for `trials` trials per observer. */
export function chanceBands(trials: number): ChanceBandRow[] {
  return chanceRegion({ trials, gridEdge: GEIRHOS2020_GRID_EDGES[trials] });
}

/** The band of one pair: the row of its trial count's region at its c_exp; null where that region was not computed. */
export function pairChanceBand(regions: ReadonlyMap<number, readonly ChanceBandRow[]>, trials: number, cExp: number): ChanceBandRow | null {
  const bin = chanceBin(cExp);
  return regions.get(trials)?.find((row) => row.bin === bin) ?? null;
}
