/**
 * Score files as `trialwise evaluate --scores` writes them (imagename, category,
 * score_<category>, ...), one per model of a trial table, for the tests of `trialwise serve
 * --scores` and the dashboard's capa and dmc: each trial's vector puts most of its mass on the
 * model's answer and spreads the rest at random (seeded) over every category of the table.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NO_ANSWER, type TrialTable, compareText } from "../../src/core/trials.ts";
import { seededRandom } from "../helpers.ts";

/**
 * Writes `<model>.csv` into `dir` for each of `models` (observers of `table`), one row per trial
 * of the model, and returns `dir`. Probabilities are written as JavaScript prints them (every
 * digit), so that a reader gets the very numbers the test computes with.
 */
export async function writeScoreFiles(dir: string, table: TrialTable, models: readonly string[], seed = 16): Promise<string> {
  const categories = new Set<string>();
  for (let t = 0; t < table.length; t++) {
    categories.add(table.truth[t]!);
    if (table.response[t] !== NO_ANSWER) categories.add(table.response[t]!);
  }
  const names = [...categories].sort(compareText);
  const random = seededRandom(seed);
  await mkdir(dir, { recursive: true });
  for (const model of models) {
    const lines = [["imagename", "category", ...names.map((c) => `score_${c}`)].join(",")];
    for (let t = 0; t < table.length; t++) {
      if (table.observer[t] !== model) continue;
      const weights = names.map((c) => random() + (c === table.response[t] ? names.length : 0));
      const sum = weights.reduce((s, w) => s + w, 0);
      lines.push([table.stimulus[t], table.truth[t], ...weights.map((w) => String(w / sum))].join(","));
    }
    await writeFile(join(dir, `${model}.csv`), `${lines.join("\n")}\n`);
  }
  return dir;
}
