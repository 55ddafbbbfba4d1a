import { InputError } from "./errors.ts";
import { type ObserverKind, type TrialTable, observerKind, observerNames, textureCategory } from "./trials.ts";

/** One row of `trialwise shape-bias`. */
export interface ShapeBiasRow {
  dataset: string;
  /** An observer, or "humans" for all human trials pooled. */
  observer: string;
  kind: ObserverKind | "humans-pooled";
  n_trials: number;
  /** Trials left out because the stimulus' texture and shape categories coincide. */
  n_excluded: number;
  n_shape: number;
  n_texture: number;
  /** Responses that are neither the shape nor the texture category (they drop out). */
  n_other: number;
  shape_bias: number | null;
}

export const SHAPE_BIAS_COLUMNS = [
  "dataset",
  "observer",
  "kind",
  "n_trials",
  "n_excluded",
  "n_shape",
  "n_texture",
  "n_other",
  "shape_bias",
] as const satisfies readonly (keyof ShapeBiasRow)[];

/** Name of the pooled human row. */
export const POOLED_HUMANS = "humans";

/** Whether every stimulus id of the table names a texture (`<shape><k>-<texture><j>.png`). */
export function isCueConflict(table: TrialTable): boolean {
  return table.length > 0 && table.stimulus.every((id) => textureCategory(id) !== null);
}

/**
 * Shape bias on cue-conflict trials: leave out stimuli whose texture category equals their
 * shape category; shape bias = shape responses / (shape responses + texture responses);
 * other responses drop out. Humans are also pooled into one row.
 *
 * @example
 * const columns = ["observer", "stimulus", "truth", "response"];
 * const rows = [["subject-01", "cat1-dog2.png", "cat", "cat"], ["subject-01", "dog1-cat2.png", "dog", "cat"],
 *   ["subject-01", "car1-cat3.png", "car", "car"], ["subject-01", "cat4-cat5.png", "cat", "cat"]];
 * const spec = { observer: "observer", stimulus: "stimulus", truth: "truth", response: "response" };
 * const table = longFormatTrials([{ file: "cue.csv", columns, rows, lines: [2, 3, 4, 5] }], "cue-conflict", spec);
 * shapeBias(table)[0].shape_bias // => 0.6666...
 */
export function shapeBias(table: TrialTable): ShapeBiasRow[] {
  const rows = new Map<string, ShapeBiasRow>();
  const row = (observer: string, kind: ShapeBiasRow["kind"]): ShapeBiasRow => {
    let entry = rows.get(observer);
    if (!entry) {
      entry = {
        dataset: table.dataset,
        observer,
        kind,
        n_trials: 0,
        n_excluded: 0,
        n_shape: 0,
        n_texture: 0,
        n_other: 0,
        shape_bias: null,
      };
      rows.set(observer, entry);
    }
    return entry;
  };
  for (const name of observerNames(table)) row(name, observerKind(table, name));
  if (table.humans.size > 0) row(POOLED_HUMANS, "humans-pooled");
  for (let t = 0; t < table.length; t++) {
    const shape = table.truth[t];
    const response = table.response[t];
    const texture = textureCategory(table.stimulus[t]);
    if (shape === null || response === null) {
      throw new InputError("shape bias needs categories and responses, not only correctness", {
        file: table.file[t],
        line: table.line[t],
      });
    }
    if (texture === null) {
      throw new InputError(`stimulus "${table.stimulus[t]}" is not a cue-conflict stimulus; expected ids like "airplane1-bicycle2.png"`, {
        file: table.file[t],
        line: table.line[t],
      });
    }
    const targets = [row(table.observer[t], observerKind(table, table.observer[t]))];
    if (table.humans.has(table.observer[t])) targets.push(row(POOLED_HUMANS, "humans-pooled"));
    for (const target of targets) {
      target.n_trials++;
      if (texture === shape) target.n_excluded++;
      else if (response === shape) target.n_shape++;
      else if (response === texture) target.n_texture++;
      else target.n_other++;
    }
  }
  for (const entry of rows.values()) {
    const decided = entry.n_shape + entry.n_texture;
    entry.shape_bias = decided === 0 ? null : entry.n_shape / decided;
  }
  return [...rows.values()];
}
