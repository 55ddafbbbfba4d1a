/**
 * SQL text for DuckDB: literals, identifiers, and DuckDB's error messages as one line. Plain
 * strings, so the modules that build queries load without DuckDB itself.
 */

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The first line of a DuckDB error message, without DuckDB's error-class prefix. */
export function duckdbMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .split("\n")[0]
    .replace(/^[A-Za-z ]*Error: /, "")
    .trim();
}
