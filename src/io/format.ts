import { formatCsv } from "./csv.ts";

/** Text output formats of the CLI and reports. No Node APIs. */
export type OutputFormat = "csv" | "json" | "table";

type Cell = string | number | boolean | null;
export type Row = { readonly [column: string]: Cell } | object;

function cell(row: Row, column: string): Cell {
  return (row as Record<string, Cell>)[column];
}

/**
 * CSV with a header; numbers with full double precision (the shortest text that reads back
 * as the same double), null as an empty field.
 */
export function toCsv(rows: readonly Row[], columns: readonly string[]): string {
  return formatCsv(
    rows.map((r) => columns.map((c) => cell(r, c))),
    columns,
  );
}

/** An aligned text table for reading in a terminal; numbers rounded to 4 decimals. */
export function toTable(rows: readonly Row[], columns: readonly string[]): string {
  const text = (value: Cell) =>
    value === null || value === undefined ? "-" : typeof value === "number" && !Number.isInteger(value) ? value.toFixed(4) : String(value);
  const body = rows.map((r) => columns.map((c) => text(cell(r, c))));
  // A loop, not Math.max(...lengths): spreading some 100,000 rows overflows the call stack.
  const widths = columns.map((c, i) => body.reduce((width, line) => Math.max(width, line[i].length), c.length));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => typeof cell(r, c) === "number" || cell(r, c) === null));
  const format = (line: string[]) =>
    line
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [format([...columns]), format(widths.map((w) => "-".repeat(w))), ...body.map(format)].join("\n") + "\n";
}

/** Pretty JSON; null stays null (undefined kappa), numbers keep full precision. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
