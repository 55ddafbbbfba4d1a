/**
 * The Brain-Score table of the published data (brain-score_metrics/brainscore_metrics.csv):
 * one line per model, `name, avg., V1, V2, V4, IT, ITTemp, Behavior, Imagenet`, the header a
 * comment line starting with `#`, scores like `.322`, `nan` or empty where missing. No Node APIs.
 */
import { InputError } from "../core/errors.ts";

export const BRAIN_SCORE_FILE = "brain-score_metrics/brainscore_metrics.csv";
const COLUMNS = ["name", "avg.", "V1", "V2", "V4", "IT", "ITTemp", "Behavior", "Imagenet"];

/** The "Behavior" score of every model (null where the table has `nan` or nothing). */
export function parseBrainScoreBehaviour(text: string, file: string): Map<string, number | null> {
  const scores = new Map<string, number | null>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(",").map((c) => c.trim());
    const where = { file, line: index + 1 };
    if (cells.length !== COLUMNS.length) {
      throw new InputError(`expected ${COLUMNS.length} columns (${COLUMNS.join(", ")}), found ${cells.length}`, where);
    }
    const behaviour = cells[COLUMNS.indexOf("Behavior")];
    const value = behaviour === "" || behaviour.toLowerCase() === "nan" ? null : Number(behaviour);
    if (value !== null && !(Number.isFinite(value) && value >= 0 && value <= 1)) {
      throw new InputError(`column Behavior: expected a score between 0 and 1, "nan" or nothing, not "${behaviour}"`, {
        ...where,
        column: "Behavior",
      });
    }
    if (scores.has(cells[0])) throw new InputError(`model "${cells[0]}" appears twice`, where);
    scores.set(cells[0], value);
  });
  return scores;
}
