/**
 * The models `compare` compares (error kappa or a --metric): --models checked against the unit's
 * observers, and the bootstrap's memory checked before any work. One rule for both paths.
 */
import { UsageError } from "../core/errors.ts";
import { compareReplicateBytes } from "../core/model-comparison.ts";
import { checkReplicateMemory } from "./flags.ts";

/**
 * The models named (or, where `named` is undefined, every model of the unit), each a model of the
 * unit; at least two. `shared` names what the unit's observers share ("stimuli", "items").
 */
export function comparedModels(
  unit: { observers: readonly string[]; humans: ReadonlySet<string> },
  named: readonly string[] | undefined,
  dataset: string,
  shared: string,
  replicates: number,
): string[] {
  const models = named ? [...named] : unit.observers.filter((o) => !unit.humans.has(o));
  for (const m of models) {
    if (!unit.observers.includes(m) || unit.humans.has(m))
      throw new UsageError(`--models: "${m}" is not a model of dataset "${dataset}" with the unit's ${shared}`);
  }
  if (models.length < 2) throw new UsageError("--models: name at least two models, or all");
  const pairs = (models.length * (models.length - 1)) / 2;
  checkReplicateMemory(
    "--bootstrap",
    replicates,
    compareReplicateBytes(models.length, 1),
    `${models.length + pairs + 1} series (the bootstrap means of ${models.length} models, the null differences of their ${pairs} pairs, and one pair's differences)`,
  );
  return models;
}
