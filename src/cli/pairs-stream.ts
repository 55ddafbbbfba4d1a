/**
 * `trialwise pairs` on Parquet input: DuckDB reads the trials straight into bitsets, the
 * kernel counts every pair tile by tile, and the pair table is streamed to --output (CSV or
 * Parquet), so memory stays proportional to the packed input plus one tile.
 * (The four pair paths and how they agree: ../core/pairs.ts.)
 */
import { UsageError } from "../core/errors.ts";
import type { UndefinedKappaPolicy } from "../core/metrics.ts";
import { readPackedTrials } from "../io/duckdb.ts";
import type { OutputFormat } from "../io/format.ts";
import { outputFormat } from "../io/output.ts";
import { allPairCounts } from "../kernel/index.ts";
import { openPairWriter } from "../io/pair-writer.ts";
import type { LoadOptions } from "../io/datasets.ts";

export interface StreamedPairsOptions {
  load: LoadOptions;
  byCondition: boolean;
  strict: boolean;
  undefinedKappa: UndefinedKappaPolicy;
  output: string | undefined;
  /** --format: CSV, else the output's extension decides (CSV or Parquet; see `outputFormat`). */
  format?: OutputFormat;
  note: (text: string) => void;
  progress: (step: string, done: number, total: number) => void;
}

export async function streamedPairs(path: string, options: StreamedPairsOptions): Promise<{ rows: number; undefinedKappa: number }> {
  if (options.load.format?.kind !== "long") {
    throw new UsageError(
      "Parquet input is read in the long format: give --observer-col, --stimulus-col and --correct-col (or --truth-col and --response-col)",
    );
  }
  if (!options.output)
    throw new UsageError("Parquet input streams its pair table to a file: give --output pairs.csv or --output pairs.parquet");
  const format = outputFormat({ format: options.format, output: options.output }, { formats: ["csv", "parquet"] });
  options.progress("reading trials into bitsets", 0, 0);
  const trials = await readPackedTrials(path, {
    columns: options.load.format.columns,
    byCondition: options.byCondition,
    strict: options.strict,
    humanPattern: options.load.humanPattern,
  });
  const writer = await openPairWriter(options.output, { format, undefinedKappa: options.undefinedKappa });
  try {
    for (const [k, unit] of trials.units.entries()) {
      for (const e of unit.excluded) {
        options.note(
          `${trials.dataset} [${unit.condition}]: left out ${e.kind} "${e.observer}": its stimulus set differs (${e.n_common} common, ${e.n_only_observer} only it saw, ${e.n_missing} it did not see)`,
        );
      }
      options.progress("counting pairs", k, trials.units.length);
      const pairUnit = {
        dataset: trials.dataset,
        condition: unit.condition,
        observers: unit.packed.observers,
        humans: unit.humans,
        trials: unit.packed.trials,
        correct: unit.correct,
      };
      await allPairCounts(unit.packed, { onTile: (tile) => writer.writeTile(pairUnit, tile) });
    }
    const summary = await writer.close();
    return { rows: summary.rows, undefinedKappa: summary.undefinedKappa };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
