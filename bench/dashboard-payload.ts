/**
 * The dashboard's dataset payload with the models' scores (`trialwise serve --scores`), on the
 * published cue-conflict data (35 observers, 1,280 images, 16 categories) with a score file per
 * model written by test/serve/score-fixtures.ts (25 models: 512,000 probabilities):
 * - its size in bytes, with and without the scores (JSON as the server sends it);
 * - the time the server takes to build it (`datasetPayload`, scores encoded by `encodeScores`);
 * - `encodeWords` on the scores' 4 MB of probabilities against the encoder it replaced
 *   (String.fromCharCode over 32 kB chunks, then btoa), in the same run, same input;
 * - the worker's first capa and dmc matrices of all 35 observers (decoding included), in Node.
 *
 *   node --import tsx bench/dashboard-payload.ts [--runs N]
 *
 * Each timing: one warm-up, then the median of --runs (default 5). No assertions on time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadDatasets } from "../src/io/datasets.ts";
import { readScoresForTrials } from "../src/io/scores.ts";
import { datasetPayload, tableDataset } from "../src/serve/datasets.ts";
import { decodeResponses, decodeScores, encodeScores, encodeWords } from "../src/serve/protocol.ts";
import { metricMatrix } from "../src/web/dashboard/metric-matrix.ts";
import { RAW_DATA } from "../test/helpers.ts";
import { writeScoreFiles } from "../test/serve/score-fixtures.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);

/** Median milliseconds of `runs` calls after one warm-up. */
function time(run: () => unknown): number {
  run();
  const times = Array.from({ length: runs }, () => {
    const start = performance.now();
    run();
    return performance.now() - start;
  }).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

/** The encoder `encodeWords` replaced, for the comparison only. */
function encodeWordsBefore(words: Uint32Array): string {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const path = join(RAW_DATA, "texture-shape_cue-conflict");
const table = (await loadDatasets(path)).datasets[0];
const models = [...new Set(table.observer)].filter((o) => !table.humans.has(o));
const dir = await mkdtemp(join(tmpdir(), "trialwise-bench-payload-"));
try {
  const rows = await readScoresForTrials(await writeScoreFiles(join(dir, "scores"), table, models), [table]);
  const probabilities = rows.reduce((sum, row) => sum + row.probabilities.length, 0);
  const plain = () => datasetPayload(tableDataset("cue-conflict", table, path));
  const scored = () => {
    const dataset = tableDataset("cue-conflict", table, path);
    if (dataset.kind === "table") dataset.scores = rows;
    return datasetPayload(dataset);
  };
  const payload = scored();
  const words = new Uint32Array(Float64Array.from(rows.flatMap((r) => r.probabilities)).buffer);
  const observers = payload.observerInfo.map((o) => o.name);
  const worker = (metric: "capa" | "dmc") => () => {
    const trials = decodeResponses(payload, payload.responses!);
    metricMatrix(trials, "all", observers, "identical", metric, decodeScores(payload, payload.scores!));
  };
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(2)}, Node ${process.version}`,
    models: models.length,
    scoreRows: rows.length,
    probabilities,
    bytesWithoutScores: JSON.stringify(plain()).length,
    bytesWithScores: JSON.stringify(payload).length,
    msPayloadWithoutScores: time(plain),
    msPayloadWithScores: time(scored),
    msEncodeScores: time(() => encodeScores(rows, observers)),
    msEncodeWords4MB: time(() => encodeWords(words)),
    msEncodeWords4MBBefore: time(() => encodeWordsBefore(words)),
    msWorkerCapa: time(worker("capa")),
    msWorkerDmc: time(worker("dmc")),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
