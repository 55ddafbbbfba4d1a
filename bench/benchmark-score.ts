/**
 * Timing of `trialwise benchmark model-vs-human score` on the shared human data (17 datasets,
 * 90 sessions): the human analysis alone (ceilings, every pair of people by condition, 1000
 * joint-bootstrap replicates), and scoring N built models (copies of a person's answers on a
 * seeded share of trials) through the whole command path: reading, scoring with intervals and
 * paired comparisons, figures and files.
 *
 *   node --import tsx bench/benchmark-score.ts [MODELS=100] [REPLICATES=1000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BENCHMARK_DATASETS } from "../src/benchmark/datasets.ts";
import { loadBenchmark } from "../src/benchmark/load.ts";
import { runScore } from "../src/benchmark/run-score.ts";
import { scoreBenchmark } from "../src/benchmark/score.ts";
import { prepareDataset } from "../src/benchmark/trials.ts";
import { copyModel, writeModel } from "../test/benchmark/built-models.ts";

const humans = resolve(import.meta.dirname, "../../shared/data/model-vs-human/raw-data");
const modelCount = Number(process.argv[2] ?? 100);
const replicates = Number(process.argv[3] ?? 1000);
const seconds = (start: number) => ((performance.now() - start) / 1000).toFixed(2);

let start = performance.now();
const loaded = await loadBenchmark(humans, [], BENCHMARK_DATASETS);
const read = seconds(start);
start = performance.now();
const prepared = BENCHMARK_DATASETS.map((d) => prepareDataset(loaded.answers.get(d.name)!, []));
const humanScores = scoreBenchmark(prepared, { replicates });
console.log(
  `human analysis: read ${read} s, ceilings and all pairs of people with ${replicates} replicates ${seconds(start)} s (mean ceiling ${humanScores.humans.human_ceiling_mean.toFixed(5)})`,
);

const dir = await mkdtemp(join(tmpdir(), "trialwise-bench-benchmark-"));
try {
  start = performance.now();
  for (let m = 0; m < modelCount; m++)
    await writeModel(join(dir, "models"), humans, `model-${String(m).padStart(3, "0")}`, copyModel((m % 10) / 10), { seed: m + 1 });
  console.log(`built ${modelCount} models (${modelCount * 17} trial files) in ${seconds(start)} s`);
  start = performance.now();
  const result = await runScore({
    humansDir: humans,
    modelPaths: [join(dir, "models")],
    outDir: join(dir, "out"),
    replicates,
    version: "bench",
  });
  const total = seconds(start);
  const s = result.seconds;
  console.log(
    `score ${modelCount} models, ${replicates} replicates: ${total} s in all (reading ${s.reading.toFixed(2)} s, scoring ${s.scoring.toFixed(2)} s, figures and files ${s.report.toFixed(2)} s); ` +
      `${result.scores.comparisons.length} paired comparisons`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
