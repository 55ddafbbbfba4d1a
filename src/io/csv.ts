import { CsvError, parse } from "csv-parse/sync";
import { InputError } from "../core/errors.ts";
import type { RawTable } from "../core/trials.ts";

/**
 * Parses CSV text (comma-separated, RFC 4180 quoting, any mix of CRLF/LF/CR line ends, empty
 * lines skipped) into a header and rows with their line numbers. Ragged rows, unclosed
 * quotes and files without data are errors naming the file and line.
 */
export function parseCsv(text: string, file: string): RawTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n", "\r"],
    }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) throw csvProblem(error, file);
    throw error;
  }
  if (records.length === 0) {
    throw new InputError("empty file; expected a header line and one line per trial", { file, line: 1 });
  }
  if (records.length === 1) {
    throw new InputError("header only; expected one line per trial after the header", { file, line: 1 });
  }
  const [header, ...data] = records;
  return {
    file,
    columns: header.record,
    rows: data.map((r) => r.record),
    lines: data.map((r) => r.info.lines),
  };
}

function csvProblem(error: CsvError, file: string): InputError {
  const details = error as CsvError & { lines?: number; record?: string[]; columns?: unknown };
  const line = details.lines;
  if (error.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") {
    const message = error.message.match(/expect (\d+), got (\d+)/);
    const [, expected, got] = message ?? [];
    return new InputError(`ragged row: ${got ?? "a different number of"} fields, expected ${expected ?? "as many as the header"} as in the header`, {
      file,
      line,
    });
  }
  if (error.code === "CSV_QUOTE_NOT_CLOSED") {
    return new InputError("a quoted field is never closed; expected a closing double quote", { file, line });
  }
  return new InputError(`malformed CSV (${error.message.replace(/ on line \d+.*$/, "")})`, { file, line });
}
