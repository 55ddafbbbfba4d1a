import { InputError } from "../core/errors.ts";
import type { RawTable } from "../core/trials.ts";

/**
 * Parses JSON Lines text (one JSON object per line, blank lines skipped) into the same
 * header-and-rows shape as CSV: the header is every key seen, in order of first appearance;
 * numbers and booleans become their text; a missing key becomes an empty field.
 */
export function parseJsonLines(text: string, file: string): RawTable {
  const columns: string[] = [];
  const position = new Map<string, number>();
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split(/\r\n|\n|\r/).forEach((source, index) => {
    if (source.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new InputError(`invalid JSON (${(error as Error).message}); expected one JSON object per line`, {
        file,
        line: index + 1,
      });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new InputError("expected a JSON object per line", { file, line: index + 1 });
    }
    for (const key of Object.keys(value)) {
      if (!position.has(key)) {
        position.set(key, columns.length);
        columns.push(key);
      }
    }
    objects.push(value as Record<string, unknown>);
    lines.push(index + 1);
  });
  if (objects.length === 0) {
    throw new InputError("empty file; expected one JSON object per trial", { file, line: 1 });
  }
  const rows = objects.map((object, r) =>
    columns.map((key) => {
      const field = object[key];
      if (field === undefined || field === null) return "";
      if (typeof field === "object") {
        throw new InputError("expected text, a number or a boolean", { file, line: lines[r], column: key });
      }
      return String(field);
    }),
  );
  return { file, columns, rows, lines };
}
