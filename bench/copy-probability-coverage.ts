/**
 * Coverage of the 95% intervals of the copy probability c (`trialwise copy-model --method`):
 * experiments simulated from the copy model (independent trials, seeded) at settings where
 * cells of the 2x2 table are often empty and where they are not, and the share of intervals
 * that contain the true c, for the trial bootstrap (percentile) and the Jeffreys posterior.
 *
 *   node --import tsx bench/copy-probability-coverage.ts [--experiments 1000] [--replicates 1000]
 */
import { parseArgs } from "node:util";
import { copyProbability, copyProbabilityInterval, simulateCopyCounts } from "../src/core/copy-model.ts";
import { SeededRandom, streamSeed } from "../src/core/math/random.ts";

const { values } = parseArgs({
  options: { experiments: { type: "string", default: "1000" }, replicates: { type: "string", default: "1000" } },
});
const EXPERIMENTS = Number(values.experiments);
const REPLICATES = Number(values.replicates);
const ROWS: [number, number, number, number][] = [
  [160, 0.9, 0.85, 0],
  [160, 0.9, 0.14, 0.02],
  [160, 0.95, 0.9, 0],
  [40, 0.95, 0.9, 0.3],
  [160, 0.7, 0.6, 0.3],
  [1280, 0.7, 0.6, 0.3],
];
console.log(
  `Coverage (%) of 95% intervals of the copy probability; ${EXPERIMENTS} experiments per row, ${REPLICATES} replicates/draws each.\n`,
);
console.log("| n | acc1 | acc2 | kappa | c | percentile | jeffreys |\n|---|---|---|---|---|---|---|");
ROWS.forEach(([n, acc1, acc2, kappa], row) => {
  const truth = copyProbability(acc1, acc2, kappa);
  const rng = new SeededRandom(streamSeed(1, row));
  const covered = { percentile: 0, jeffreys: 0 };
  for (let e = 0; e < EXPERIMENTS; e++) {
    const counts = simulateCopyCounts(rng, n, { acc1, acc2, kappa });
    for (const method of ["percentile", "jeffreys"] as const) {
      const r = copyProbabilityInterval(counts, { method, replicates: REPLICATES, seed: e });
      if (r.lower !== null && r.upper !== null && r.lower <= truth + 1e-12 && truth - 1e-12 <= r.upper) covered[method]++;
    }
  }
  const pct = (k: number) => ((100 * k) / EXPERIMENTS).toFixed(1);
  console.log(`| ${n} | ${acc1} | ${acc2} | ${kappa} | ${truth.toFixed(3)} | ${pct(covered.percentile)} | ${pct(covered.jeffreys)} |`);
});
