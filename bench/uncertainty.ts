/**
 * Uncertainty benchmark: bootstrap intervals for every pair of the 35 cue-conflict observers
 * (the multinomial shortcut: O(1) per replicate) against explicit trial resampling (O(n) per
 * replicate) in the same run, and the joint stimulus bootstrap behind `summary` and `compare`.
 *
 *   npm run bench            (runs this after bench/foundation.ts)
 *   node --import tsx bench/uncertainty.ts
 *
 * Data: ../shared/data/geirhos2020/raw-data (or TRIALWISE_DATA). No assertions on time.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { percentileInterval } from "../src/core/math/quantile.ts";
import { SeededRandom } from "../src/core/math/random.ts";
import { groupKappaIntervals, modelKappaIntervals } from "../src/core/mean-intervals.ts";
import { kappaFromCounts } from "../src/core/metrics.ts";
import { compareModels } from "../src/core/model-comparison.ts";
import { outcomeMatrix } from "../src/core/outcome-matrix.ts";
import { pairInterval, pairSeed } from "../src/core/pair-intervals.ts";
import { type PairRow, computePairs, pairCounts } from "../src/core/pairs.ts";
import { loadDatasets } from "../src/io/datasets.ts";
import { PYTORCH_MODELS } from "../src/reproduce/geirhos2020-facts.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = process.env.TRIALWISE_DATA ? resolve(process.env.TRIALWISE_DATA) : resolve(REPO, "../shared/data/geirhos2020/raw-data");
const CUE_CONFLICT = join(DATA, "texture-shape_cue-conflict");
if (!existsSync(CUE_CONFLICT)) {
  console.error(`trial data not found: ${CUE_CONFLICT}; set TRIALWISE_DATA to the raw-data folder`);
  process.exit(1);
}

function time<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

const { datasets } = await loadDatasets(CUE_CONFLICT);
const table = datasets[0];
const { pairs } = computePairs(table);
const REPLICATES = 10_000;

// 1. Every pair, 10,000 replicates each, multinomial shortcut.
const shortcut = time(() =>
  pairs.map((p) =>
    pairInterval(pairCounts(p), { method: "percentile", replicates: REPLICATES, seed: pairSeed(1, p.observer1, p.observer2) }),
  ),
);

// 2. Baseline in the same run: explicit resampling of trial indices, on a few pairs.
const outcomes = new Map<string, Uint8Array>();
{
  const matrix = outcomeMatrix(table);
  matrix.observers.forEach((o, i) => outcomes.set(o, matrix.correct[i]));
}
function explicitInterval(pair: PairRow, replicates: number): { lower: number; upper: number } {
  const a = outcomes.get(pair.observer1)!;
  const b = outcomes.get(pair.observer2)!;
  const n = a.length;
  const rng = new SeededRandom(pairSeed(1, pair.observer1, pair.observer2));
  const kappas = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    let k1 = 0;
    let k2 = 0;
    let both = 0;
    for (let t = 0; t < n; t++) {
      const i = Math.floor(rng.uniform() * n);
      k1 += a[i];
      k2 += b[i];
      both += a[i] & b[i];
    }
    kappas[r] = kappaFromCounts(n, k1, k2, both);
  }
  return percentileInterval(kappas, 0.95);
}
const BASELINE_PAIRS = 20;
const explicit = time(() => pairs.slice(0, BASELINE_PAIRS).map((p) => explicitInterval(p, REPLICATES)));

// 3. The joint stimulus bootstrap (summary's interval columns) and all-pairs comparison.
const matrix = outcomeMatrix(table);
const joint = time(() => {
  groupKappaIntervals(matrix, { replicates: 1000 });
  return modelKappaIntervals(matrix, { replicates: 1000 });
});
const compare = time(() => compareModels(matrix, { models: [...PYTORCH_MODELS], replicates: 1000 }));

const rows = [
  ["pair intervals, multinomial shortcut", `${pairs.length} pairs x ${REPLICATES} replicates`, shortcut.ms],
  ["pair intervals, explicit trial resampling (baseline)", `${BASELINE_PAIRS} pairs x ${REPLICATES} replicates`, explicit.ms],
  [
    "  baseline scaled to all pairs (estimate)",
    `${pairs.length} pairs x ${REPLICATES} replicates`,
    (explicit.ms * pairs.length) / BASELINE_PAIRS,
  ],
  ["joint stimulus bootstrap: groups and 25 models", "35 observers x 1280 stimuli x 1000 replicates", joint.ms],
  ["compare: 16 models, all pairs and ranking", "1000 replicates", compare.ms],
] as const;
console.log("trialwise uncertainty benchmark (cue-conflict: 35 observers, 1280 trials)\n");
console.log(`${"measurement".padEnd(55)}${"size".padEnd(48)}ms`);
for (const [name, size, ms] of rows) console.log(`${name.padEnd(55)}${size.padEnd(48)}${ms.toFixed(0)}`);
