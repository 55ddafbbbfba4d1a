/**
 * The pair table of `trialwise pairs`, written while the pairs stream from the kernel
 * (`streamPairs`, src/kernel/pairs.ts), so that memory does not grow with the number of pairs:
 *
 * - CSV and JSON: text, to standard output or to a file (by the rule of src/io/output.ts:
 *   a temporary file renamed into place when complete), handed on in pieces of about 1 MB and
 *   only as fast as standard output or the file takes them. The text is byte for byte what
 *   `toCsv` / `toJson` give for the same rows (tested).
 * - Parquet (an output file ending in .parquet or .pq, without --format): through the streaming
 *   pair writer (src/io/pair-writer.ts).
 * - The aligned table must see every row to align its columns: its rows are collected, which
 *   {@link TABLE_MAX_PAIRS} bounds.
 */
import { UsageError } from "../core/errors.ts";
import type { PairMetrics } from "../core/metrics.ts";
import { PAIR_COLUMNS, type PairRow, type PairType } from "../core/pairs.ts";
import { type OutputFormat, toTable } from "../io/format.ts";
import { openOutputStream, outputError, outputFormat, outputTarget } from "../io/output.ts";
import { type PairNames, type PairWriter, csvField, csvNumber, openPairWriter } from "../io/pair-writer.ts";
import type { StreamUnit } from "../kernel/pairs.ts";
import type { CliIO } from "./io.ts";
import { type PairExtrasOptions, type PairRowWithExtras, withPairExtras } from "./pair-extras.ts";

/**
 * Most pairs the aligned table (`--format table`) holds: it keeps every row, about 1 KB each
 * with its text, to align the columns. Above it the table is refused; CSV, JSON and Parquet
 * stream.
 */
export const TABLE_MAX_PAIRS = 200_000;

export type PairTableFormat = OutputFormat | "parquet";

/**
 * The format of the pair table, by the rule every command follows (`outputFormat`): the output
 * file's extension (.csv, .json, .txt, .parquet), --format agreeing with it; else --format, the
 * aligned table on a terminal, CSV otherwise.
 */
export function pairTableFormatOf(flags: { format?: OutputFormat; output?: string }, io: CliIO): PairTableFormat {
  return outputFormat(flags, { formats: ["csv", "json", "table", "parquet"], isTTY: io.isTTY });
}

/** Refuses what the format cannot do: the aligned table above {@link TABLE_MAX_PAIRS}, extra columns in Parquet. */
export function checkPairTable(format: PairTableFormat, pairs: number, extras: PairExtrasOptions): void {
  if (format === "table" && pairs > TABLE_MAX_PAIRS) {
    throw new UsageError(
      `the aligned table holds every row in memory to align its columns, and these data have ${pairs} pairs of observers ` +
        `(at most ${TABLE_MAX_PAIRS}); use --format csv (standard output or -o pairs.csv) or -o pairs.parquet, which stream`,
    );
  }
  if (format === "parquet" && extras.columns.length > 0) {
    throw new UsageError(
      `--ci and --normalized columns are written as CSV or JSON, not Parquet; give an output file ending in .csv (or --format csv)`,
    );
  }
}

/** A pair table being written: unit by unit, pair by pair, in order. */
export interface PairTable {
  unit(unit: StreamUnit): void;
  pair(i: number, j: number, type: PairType, metrics: PairMetrics): void;
  /** Resolves when the output has taken what was written so far (backpressure). */
  drain(): Promise<void>;
  /** Completes the output; `trailer`: the JSON output's keys after "pairs". */
  finish(trailer: Record<string, unknown>): Promise<void>;
  /** Removes what was written to a file (standard output keeps what it got). */
  abort(): Promise<void>;
}

/** Opens the pair table: to `output` (a file) or, without it, to standard output. */
export async function openPairTable(
  format: PairTableFormat,
  output: string | undefined,
  io: CliIO,
  extras: PairExtrasOptions,
): Promise<PairTable> {
  const columns = [...PAIR_COLUMNS, ...extras.columns];
  if (format === "parquet") return parquetTable(await openPairWriter(output!, { format: "parquet" }));
  if (format === "table") return collectedTable(output ? await fileText(output) : stdoutText(io), columns, extras);
  const text = output ? await fileText(output) : stdoutText(io);
  return format === "json" ? jsonTable(text, extras) : csvTable(text, columns, extras);
}

/** Where text goes, in order. */
interface TextSink {
  write(text: string): void;
  drain(): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

/** Text is handed on in pieces of about this many characters. */
const PIECE_CHARS = 1 << 20;

/** Collects written text into pieces of about PIECE_CHARS for `hand`. */
function pieces(hand: (text: string) => void): { write(text: string): void; flush(): void } {
  let buffer: string[] = [];
  let chars = 0;
  const flush = () => {
    if (chars === 0) return;
    const text = buffer.join("");
    buffer = [];
    chars = 0;
    hand(text);
  };
  return {
    write(text) {
      buffer.push(text);
      chars += text.length;
      if (chars >= PIECE_CHARS) flush();
    },
    flush,
  };
}

function stdoutText(io: CliIO): TextSink {
  const out = pieces(io.stdout);
  return {
    write: out.write,
    async drain() {
      out.flush();
      await io.stdoutDrained?.();
    },
    async finish() {
      out.flush();
      await io.stdoutDrained?.();
    },
    async abort() {},
  };
}

async function fileText(path: string): Promise<TextSink> {
  let output;
  try {
    output = await openOutputStream(await outputTarget(path));
  } catch (error) {
    throw outputError(path, error);
  }
  const { stream } = output;
  let failure: Error | undefined;
  stream.on("error", (error) => (failure ??= error));
  const out = pieces((text) => void stream.write(text));
  const drain = async () => {
    out.flush();
    if (!failure && stream.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const settle = () => {
          stream.off("drain", settle);
          stream.off("error", settle);
          resolve();
        };
        stream.on("drain", settle);
        stream.on("error", settle);
      });
    }
    if (failure) throw outputError(path, failure);
  };
  return {
    write: out.write,
    drain,
    async finish() {
      await drain();
      try {
        await output.finish();
      } catch (error) {
        throw outputError(path, error);
      }
    },
    abort: () => output.discard().catch(() => undefined),
  };
}

/** A unit's names as the pair rows and CSV lines need them. */
interface UnitRows {
  unit: StreamUnit;
  /** `dataset,condition,` as CSV fields. */
  csvPrefix: string;
  csvNames: string[];
}

function unitRows(unit: StreamUnit): UnitRows {
  return { unit, csvPrefix: `${csvField(unit.dataset)},${csvField(unit.condition)},`, csvNames: unit.observers.map(csvField) };
}

function pairRow({ unit }: UnitRows, i: number, j: number, type: PairType, metrics: PairMetrics): PairRow {
  return {
    dataset: unit.dataset,
    condition: unit.condition,
    observer1: unit.observers[i],
    observer2: unit.observers[j],
    pair_type: type,
    ...metrics,
  };
}

/** Distinct values whose text {@link remembered} keeps; past it, it starts over. */
const REMEMBERED_TEXTS = 1 << 16;

/**
 * `format` with a memory of its last {@link REMEMBERED_TEXTS} distinct keys. A pair table
 * repeats few distinct values when observers have few trials (accuracies k / n, the metrics of
 * a few count triples), and a Map lookup is several times faster than writing doubles' shortest
 * round-trip text (measured: 5x for the 7 doubles of a row).
 */
function remembered<K>(format: (key: K) => string): (key: K) => string {
  const texts = new Map<K, string>();
  return (key) => {
    let text = texts.get(key);
    if (text === undefined) {
      if (texts.size >= REMEMBERED_TEXTS) texts.clear();
      texts.set(key, (text = format(key)));
    }
    return text;
  };
}

/** Trials below which a pair's counts make one number key (trials, correct1, correct2, both correct). */
const KEYED_TRIALS = 2048;

/** CSV lines as `toCsv` writes them (the header, then one line per pair). */
function csvTable(text: TextSink, columns: readonly string[], extras: PairExtrasOptions): PairTable {
  let current: UnitRows | undefined;
  /** The line's start for the row's observer i: `dataset,condition,observer1,`. */
  let row = -1;
  let rowStart = "";
  const number = remembered((value: number | null) => csvNumber(value));
  const numbers = (m: PairMetrics) =>
    `${m.n_trials},${m.n_both_correct},${m.n_both_wrong},${number(m.acc1)},${number(m.acc2)},` +
    `${number(m.c_obs)},${number(m.c_exp)},${number(m.kappa)},${number(m.kappa_min)},${number(m.kappa_max)}`;
  // The metrics follow from the counts: on few trials, the numbers' text is kept per count
  // quadruple, a short flat string (long lines of many pieces are slow to join into output).
  let keyed: PairMetrics | undefined;
  const numbersByCounts = remembered(() => numbers(keyed!));
  text.write(`${columns.map(csvField).join(",")}\n`);
  return {
    unit(unit) {
      current = unitRows(unit);
      row = -1;
    },
    pair(i, j, type, m) {
      const { csvPrefix, csvNames } = current!;
      if (i !== row) {
        row = i;
        rowStart = `${csvPrefix}${csvNames[i]},`;
      }
      const n = m.n_trials;
      let tail: string;
      if (n < KEYED_TRIALS) {
        keyed = m;
        tail = numbersByCounts(
          ((n * KEYED_TRIALS + Math.round(m.acc1 * n)) * KEYED_TRIALS + Math.round(m.acc2 * n)) * KEYED_TRIALS + m.n_both_correct,
        );
      } else tail = numbers(m);
      let line = `${rowStart}${csvNames[j]},${type},${tail}`;
      if (extras.columns.length > 0) {
        const withExtras = withPairExtras(pairRow(current!, i, j, type, m), extras);
        for (const column of extras.columns) line += `,${number(withExtras[column as keyof PairRowWithExtras] as number | null)}`;
      }
      text.write(`${line}\n`);
    },
    drain: () => text.drain(),
    async finish() {
      await text.finish();
    },
    abort: () => text.abort(),
  };
}

/**
 * JSON as `toJson({ pairs, ...trailer })` writes it (JSON.stringify, two-space indent): each
 * row is stringified on its own and indented to its depth.
 */
function jsonTable(text: TextSink, extras: PairExtrasOptions): PairTable {
  let current: UnitRows | undefined;
  let rows = 0;
  text.write('{\n  "pairs": [');
  return {
    unit: (unit) => void (current = unitRows(unit)),
    pair(i, j, type, m) {
      const row = withPairExtras(pairRow(current!, i, j, type, m), extras);
      text.write(`${rows++ === 0 ? "\n    " : ",\n    "}${JSON.stringify(row, null, 2).replaceAll("\n", "\n    ")}`);
    },
    drain: () => text.drain(),
    async finish(trailer) {
      // The trailer's own object text without its opening brace continues the outer object.
      text.write(`${rows > 0 ? "\n  ]" : "]"},${JSON.stringify(trailer, null, 2).slice(1)}\n`);
      await text.finish();
    },
    abort: () => text.abort(),
  };
}

/** The aligned table: rows collected (at most TABLE_MAX_PAIRS, checked before), written at the end. */
function collectedTable(text: TextSink, columns: readonly string[], extras: PairExtrasOptions): PairTable {
  let current: UnitRows | undefined;
  const rows: PairRowWithExtras[] = [];
  return {
    unit: (unit) => void (current = unitRows(unit)),
    pair: (i, j, type, m) => void rows.push(withPairExtras(pairRow(current!, i, j, type, m), extras)),
    drain: async () => {},
    async finish() {
      text.write(toTable(rows, columns));
      await text.finish();
    },
    abort: () => text.abort(),
  };
}

/** Parquet through the pair writer, a row's pairs at a time. */
function parquetTable(writer: PairWriter): PairTable {
  let names: PairNames | undefined;
  let pending: { i: number; j: number; metrics: PairMetrics }[] = [];
  const drain = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await writer.writePairs(names!, (put) => {
      for (const { i, j, metrics } of batch) put(i, j, metrics);
    });
  };
  return {
    unit(unit) {
      if (pending.length > 0) throw new Error("a unit began before the pairs of the last were drained");
      names = unit;
    },
    pair: (i, j, _type, metrics) => void pending.push({ i, j, metrics }),
    drain,
    async finish() {
      await drain();
      await writer.close();
    },
    abort: () => writer.abort(),
  };
}
