/**
 * The joint stimulus bootstrap of every pair on the bit-packed kernel (bit-planes of the
 * replicate weights) against the typed-array joint bootstrap of src/core/joint-bootstrap.ts, in the
 * same run, on random correlated data: 100 observers x 10,000 trials, 1,000 replicates.
 *
 *   node --import tsx bench/kernel-bootstrap.ts [--observers N] [--trials M] [--replicates R]
 */
import { parseArgs } from "node:util";
import { jointBootstrap } from "../src/core/joint-bootstrap.ts";
import { SeededRandom } from "../src/core/math/random.ts";
import { kernelJointBootstrap } from "../src/kernel/bootstrap.ts";
import { packObservers } from "../src/kernel/packed.ts";

const { values } = parseArgs({ options: { observers: { type: "string" }, trials: { type: "string" }, replicates: { type: "string" } } });
const N = Number(values.observers ?? 100);
const M = Number(values.trials ?? 10_000);
const R = Number(values.replicates ?? 1000);
const BASELINE_REPLICATES = Math.max(1, Math.round(R / 20));

const rng = new SeededRandom(1);
const difficulty = Float64Array.from({ length: M }, () => rng.uniform());
const rows = Array.from({ length: N }, () => Uint8Array.from(difficulty, (d) => (0.5 * rng.uniform() + 0.5 * d > 0.45 ? 1 : 0)));
const names = rows.map((_, i) => `observer-${i}`);
const packed = packObservers(names, rows);

let checksum = 0;
let start = performance.now();
kernelJointBootstrap(packed, { replicates: R, seed: 1, onReplicate: (_, kappa) => void (checksum += kappa[1]) });
const kernelSeconds = (performance.now() - start) / 1000;

const matrix = {
  dataset: "bench",
  condition: "all",
  observers: names,
  stimuli: Array.from({ length: M }, (_, t) => `s${t}`),
  correct: rows,
  humans: new Set<string>(),
  excluded: [],
};
start = performance.now();
jointBootstrap(matrix, { replicates: BASELINE_REPLICATES, seed: 1, statistic: (view) => view.kappa[1] });
const baselineSeconds = ((performance.now() - start) / 1000) * (R / BASELINE_REPLICATES);

console.log(`joint bootstrap of all ${(N * (N - 1)) / 2} pairs, ${N} observers x ${M} trials, ${R} replicates`);
console.log(`  kernel (bit-planes, WebAssembly, 1 thread): ${kernelSeconds.toFixed(2)} s`);
console.log(
  `  typed arrays (src/core/joint-bootstrap.ts), ${BASELINE_REPLICATES} replicates scaled to ${R}: ${baselineSeconds.toFixed(2)} s (ratio ${(baselineSeconds / kernelSeconds).toFixed(1)})`,
);
console.log(`  (checksum ${checksum.toFixed(6)})`);
