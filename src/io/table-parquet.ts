/**
 * Small tables as Parquet files through DuckDB (`@duckdb/node-api`): trials and image scores
 * written by `trialwise evaluate` and `trialwise merge` (as CSV or Parquet by the file's name),
 * and Parquet trial files read by the same readers as CSV. Node only. (Millions of rows go through ./duckdb.ts and
 * ./pair-writer.ts, which never build one JS object per row.)
 */
import { type DuckDBAppender, DuckDBInstance } from "@duckdb/node-api";
import { InputError } from "../core/errors.ts";
import type { RawTable } from "../core/trials.ts";
import { duckdbMessage, sqlIdentifier, sqlString } from "./sql.ts";
import { toCsv } from "./format.ts";
import { outputFormat, outputTarget, stageOutput, writeFileAtomic } from "./output.ts";

/** How a column is stored: text, 32-bit integer or 64-bit float. */
export type ColumnType = "text" | "integer" | "double";

/** The model-vs-human schema's column types (other columns are text). */
export const TRIAL_COLUMN_TYPES: Readonly<Record<string, ColumnType>> = { session: "integer", trial: "integer", rt: "double" };

const SQL_TYPES: Record<ColumnType, string> = { text: "VARCHAR", integer: "INTEGER", double: "DOUBLE" };

/** A cell as it goes into a typed column; "NaN", "nan" and "" are a float's NaN, "" an integer's NULL. */
function append(appender: DuckDBAppender, type: ColumnType, value: string | number, column: string): void {
  if (type === "text") return appender.appendVarchar(String(value));
  const number = typeof value === "number" ? value : value.trim() === "" || /^nan$/i.test(value.trim()) ? Number.NaN : Number(value);
  if (type === "double") return appender.appendDouble(number);
  if (Number.isNaN(number) && value === "") return appender.appendNull();
  if (!Number.isInteger(number)) throw new RangeError(`column "${column}": "${value}" is not an integer`);
  appender.appendInteger(number);
}

/**
 * Writes rows (objects keyed by column name) as a Parquet file with the given column order and
 * types (columns not in `types` are text), by the rule of ./output.ts: to a temporary file
 * beside `path`, then renamed (a FIFO or device gets the finished file copied into it).
 * Errors name the file.
 */
export async function writeParquetTable(
  path: string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, string | number>>[],
  types: Readonly<Record<string, ColumnType>> = {},
): Promise<void> {
  const staged = await stageOutput(await outputTarget(path));
  const typeOf = columns.map((c) => types[c] ?? "text");
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    const definition = columns.map((c, i) => `${sqlIdentifier(c)} ${SQL_TYPES[typeOf[i]]}`).join(", ");
    await connection.run(`CREATE TABLE output (${definition})`);
    const appender = await connection.createAppender("output");
    for (const row of rows) {
      columns.forEach((c, i) => append(appender, typeOf[i], row[c] ?? "", c));
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`COPY output TO ${sqlString(staged.path)} (FORMAT parquet)`);
    await staged.commit();
  } catch (error) {
    await staged.discard();
    if (error instanceof RangeError) throw error;
    throw new InputError(`cannot write Parquet (${duckdbMessage(error)})`, { file: path });
  } finally {
    instance.closeSync();
  }
}

/** A Parquet file's column names (from its schema, without reading its rows). */
export async function parquetColumns(path: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    return described.getRowsJS().map((row) => String(row[0]));
  } catch (error) {
    throw new InputError(`cannot read as Parquet (${duckdbMessage(error)})`, { file: path });
  } finally {
    instance.closeSync();
  }
}

/** DuckDB types whose JavaScript values (number, bigint, string, boolean) give the same text as CSV. */
const JS_TEXT_TYPES = /^(VARCHAR|BOOLEAN|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)|FLOAT|DOUBLE)$/;

/**
 * Reads a Parquet file as a raw table of text fields, as the CSV readers see a file: numbers as JavaScript writes them
 * (NaN as "NaN"), other values as DuckDB casts them to text, NULL as an empty field. Row r (0-based) is reported as "line" r + 2,
 * the line it would have in a CSV file with a header, so messages point at the same row either way.
 */
export async function readParquetTable(path: string): Promise<RawTable> {
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    const columnTypes = described.getRowsJS().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
    const columns = columnTypes.map((c) => c.name);
    // Numbers become text as JavaScript writes them (NaN as "NaN", as the CSV files have it); other types as DuckDB casts them.
    const casts = columnTypes
      .map(({ name, type }) => (JS_TEXT_TYPES.test(type) ? sqlIdentifier(name) : `CAST(${sqlIdentifier(name)} AS VARCHAR)`))
      .join(", ");
    const reader = await connection.runAndReadAll(`SELECT ${casts} FROM read_parquet(${sqlString(path)})`);
    const rows = reader.getRowsJS().map((row) => row.map((v) => (v === null ? "" : String(v))));
    return { file: path, columns, rows, lines: rows.map((_, r) => r + 2) };
  } catch (error) {
    throw new InputError(`cannot read as Parquet (${duckdbMessage(error)})`, { file: path });
  } finally {
    instance.closeSync();
  }
}

/**
 * The format of a table file (trials, image scores) by its name, as `outputFormat` decides it:
 * Parquet for .parquet/.pq, CSV for .csv or a name without a known extension; a UsageError
 * naming `flag` for another format's extension (.json, .txt, .tsv, ...). Commands call it
 * before their work, so that a wrong name fails at once.
 */
export function tableFileFormat(path: string, flag = "--output"): "csv" | "parquet" {
  return outputFormat({ output: path }, { formats: ["csv", "parquet"], flag });
}

/** Writes rows atomically as Parquet or CSV by the file's name (`tableFileFormat`). */
export async function writeTable(
  path: string,
  rows: readonly Record<string, string | number>[],
  columns: readonly string[],
  types: Readonly<Record<string, ColumnType>>,
): Promise<void> {
  if (tableFileFormat(path) === "parquet") await writeParquetTable(path, columns, rows, types);
  else await writeFileAtomic(path, toCsv(rows, columns));
}
