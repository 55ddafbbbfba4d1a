/**
 * One result object on standard output or in -o, as JSON (the default off a terminal), CSV or a
 * table: the output of the single-pair and single-answer commands (ci, test, compare, plan,
 * copy-model).
 */
import type { OutputFormat } from "../io/format.ts";
import type { CliIO } from "./io.ts";

/** A --format or -o that cannot be written is a usage error before any work (and before any note). */
export async function checkOutput(io: CliIO, flags: { format?: OutputFormat; output?: string }): Promise<void> {
  const { outputFormat } = await import("../io/output.ts");
  outputFormat(flags, { formats: ["json", "csv", "table"], isTTY: io.isTTY });
}

/** Writes `object` (or, for CSV and table, `rows` where given) in the chosen format, atomically with -o. */
export async function emitObject(
  io: CliIO,
  flags: { format?: OutputFormat; output?: string },
  object: Record<string, unknown>,
  rows?: { rows: object[]; columns: string[] },
): Promise<void> {
  const [{ toCsv, toJson, toTable }, { outputFormat, writeFileAtomic }] = await Promise.all([
    import("../io/format.ts"),
    import("../io/output.ts"),
  ]);
  const format = outputFormat(flags, { formats: ["json", "csv", "table"], isTTY: io.isTTY });
  let text: string;
  if (format === "json") text = toJson(object);
  else {
    const table = rows ?? {
      rows: [object],
      columns: Object.keys(object).filter((k) => typeof object[k] !== "object" || object[k] === null),
    };
    text = format === "csv" ? toCsv(table.rows, table.columns) : toTable(table.rows, table.columns);
  }
  if (flags.output) await writeFileAtomic(flags.output, text);
  else io.stdout(text);
}
