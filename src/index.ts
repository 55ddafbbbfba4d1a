/**
 * trialwise: trial-by-trial error consistency between decision makers.
 *
 * The library API: everything in the isomorphic core, plus the Node readers and writers.
 *
 *   import { loadDatasets, computePairs, summarizePairs } from "trialwise";
 *   const { datasets } = await loadDatasets("raw-data/texture-shape_cue-conflict");
 *   const { pairs } = computePairs(datasets[0]);
 */
export * from "./core/index.ts";
export { type LoadOptions, type LoadResult, type TrialFormat, loadDatasets, readRawTable } from "./io/datasets.ts";
export { cachedChanceRegion } from "./io/chance-cache.ts";
export { parseCsv } from "./io/csv.ts";
export { cacheDir, fetchGeirhos2020, resolveGeirhos2020Data } from "./io/fetch.ts";
export { type ReproduceOptions, reproduceGeirhos2020 } from "./reproduce/run.ts";
export { parseJsonLines } from "./io/jsonl.ts";
export { decodeText } from "./io/text.ts";
export { type OutputFormat, toCsv, toJson, toTable } from "./io/format.ts";
export { writeDirectoryAtomic, writeFileAtomic } from "./io/output.ts";
export { type CliIO, runCli } from "./cli/main.ts";
