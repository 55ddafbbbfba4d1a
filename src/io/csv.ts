/// <reference path="../types/papaparse-min.d.ts" />
// The minified build (what browsers get through papaparse's "browser" field) in Node too: Node
// 20's loader lexes a CommonJS file imported from ESM for its exports, and lexing the 51 KB
// unminified file makes V8 optimise the lexer on a background thread, which keeps the process
// alive about 40 ms after a command ends (19 KB minified: no such wait; BENCHMARKS.md, start-up).
import Papa from "papaparse/papaparse.min.js";
import { InputError } from "../core/errors.ts";
import type { RawTable } from "../core/trials.ts";

/**
 * A field that starts with white space and then a double quote: RFC 4180 reads it as text
 * holding quotes (`a, "b"` gives ` "b"`), which is never what was meant.
 */
const QUOTE_AFTER_SPACE = /^\s+"/;

/**
 * Parses CSV text (comma-separated, RFC 4180 quoting, any mix of CRLF/LF/CR line ends, empty
 * lines skipped) into a header and rows with their line numbers. White space around every
 * field (names and values, quoted or not) is removed, so `a, b` reads as `a,b`. Ragged rows,
 * unclosed quotes, a quote after white space, a second header line and files without data
 * are errors naming the file and line. No Node APIs.
 */
export function parseCsv(text: string, file: string): RawTable {
  const normalized = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  const parsed = Papa.parse<string[]>(normalized, { delimiter: ",", newline: "\n", skipEmptyLines: false });
  // Line of each parsed row: one line per row, plus the line breaks inside quoted fields.
  const rowLines: number[] = [];
  let line = 1;
  for (const row of parsed.data) {
    rowLines.push(line);
    line++;
    for (const field of row) if (field.includes("\n")) line += field.split("\n").length - 1;
  }
  const quoteError = parsed.errors.find((e) => e.type === "Quotes");
  if (quoteError) {
    const at = quoteError.row === undefined ? undefined : rowLines[quoteError.row];
    throw new InputError("a quoted field is never closed or is followed by text; expected a closing double quote", {
      file,
      line: at,
    });
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  let header: readonly string[] | undefined;
  parsed.data.forEach((row, i) => {
    if (row.length === 1 && row[0].trim() === "") return;
    const quoted = row.findIndex((field) => QUOTE_AFTER_SPACE.test(field));
    if (quoted >= 0) {
      throw new InputError("white space before a quoted field; expected the double quote right after the comma (or no quotes)", {
        file,
        line: rowLines[i],
        column: header?.[quoted],
      });
    }
    const trimmed = row.map((field) => field.trim());
    header ??= trimmed;
    rows.push(trimmed);
    lines.push(rowLines[i]);
  });
  if (rows.length === 0) {
    throw new InputError("empty file; expected a header line and one line per trial", { file, line: 1 });
  }
  if (rows.length === 1) {
    throw new InputError("header only; expected one line per trial after the header", { file, line: lines[0] });
  }
  const [columns, ...data] = rows;
  const headerNames = columns.map(comparableName);
  data.forEach((row, r) => {
    if (isHeaderLine(row, headerNames)) {
      throw new InputError("a second header line; files concatenated? expected one header line, at the top", {
        file,
        line: lines[r + 1],
      });
    }
    if (row.length !== columns.length) {
      throw new InputError(`ragged row: ${row.length} fields, expected ${columns.length} as in the header`, {
        file,
        line: lines[r + 1],
      });
    }
  });
  return { file, columns, rows: data, lines: lines.slice(1) };
}

/** A column name as header lines are compared: trimmed (also of a byte-order mark), lower case. */
function comparableName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Whether a row holds the header's names, in any order: the header of another file joined on
 * (e.g. by `cat`), which would otherwise become a trial of an observer called "subj".
 */
function isHeaderLine(row: readonly string[], headerNames: readonly string[]): boolean {
  if (row.length !== headerNames.length) return false;
  const names = new Set(headerNames);
  const seen = new Set(row.map(comparableName));
  return seen.size === names.size && [...seen].every((name) => names.has(name));
}

/**
 * CSV text with a header line; numbers with full double precision (the shortest text that
 * reads back as the same double), null as an empty field, quoting only where needed.
 */
export function formatCsv(rows: readonly (readonly unknown[])[], columns: readonly string[]): string {
  return `${Papa.unparse({ fields: [...columns], data: rows.map((r) => [...r]) }, { newline: "\n" })}\n`;
}
