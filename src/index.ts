/**
 * trialwise: trial-by-trial error consistency between decision makers.
 *
 * The library API: everything in the isomorphic core, plus the Node readers and writers.
 *
 *   import { loadDatasets, computePairs, summarizePairs } from "trialwise";
 *   const { datasets } = await loadDatasets("raw-data/texture-shape_cue-conflict");
 *   const { pairs } = computePairs(datasets[0]);
 */
import type { ReproduceOptions } from "./reproduce/run.ts";

// The isomorphic core: its public names are listed, by topic, in ./core/index.ts.
export * from "./core/index.ts";

// Reading trials: datasets on disk, CSV, JSON Lines, text decoding
export { type LoadOptions, type LoadResult, type TrialFormat, loadDatasets, readRawTable } from "./io/datasets.ts";
export { parseCsv } from "./io/csv.ts";
export { parseJsonLines } from "./io/jsonl.ts";
export { decodeText } from "./io/text.ts";

// Writing results: formats and atomic writes
export { type OutputFormat, toCsv, toJson, toTable } from "./io/format.ts";
export { writeDirectoryAtomic, writeFileAtomic } from "./io/output.ts";

// The chance region, cached on disk
export { cachedChanceRegion } from "./io/chance-cache.ts";

// The published data of Geirhos et al. (2020) and the reproduction of its analysis
export { cacheDir, fetchGeirhos2020, resolveGeirhos2020Data } from "./io/fetch.ts";
export type { ReproduceOptions };

/**
 * Reproduces the analysis of Geirhos et al. (2020) from its trial data into a report folder (see
 * `trialwise reproduce geirhos2020`). Loads the figure renderers (Vega, sharp) when called, not
 * when the library is imported.
 */
export async function reproduceGeirhos2020(
  options: ReproduceOptions,
): ReturnType<typeof import("./reproduce/run.ts").reproduceGeirhos2020> {
  return (await import("./reproduce/run.ts")).reproduceGeirhos2020(options);
}
