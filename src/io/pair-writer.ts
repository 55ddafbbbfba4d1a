/**
 * A streaming writer of the pair table (the columns of `trialwise pairs`, PAIR_COLUMNS of
 * ../core/pairs.ts) for very many observers: it takes tiles of both-correct counts, as an
 * all-pairs kernel produces them, computes each pair's metrics with `pairMetrics` (the same
 * numbers, to the last bit, as `computePairs`) and writes them out without ever holding all
 * N^2 / 2 pairs. Node only.
 *
 * Formats (by the file's extension, or `format`):
 * - CSV: the text `trialwise pairs` writes (same quoting, numbers with full double precision,
 *   an undefined kappa as an empty field), handed to a write stream of a temporary file in
 *   pieces of about 1 MB; after each tile the writer waits for the stream to drain, so memory
 *   holds at most about one tile's text.
 * - Parquet, through DuckDB (@duckdb/node-api): pairs go, as typed column vectors in chunks of
 *   2048 rows, through an appender into a small in-memory DuckDB table (observer names as an
 *   ENUM, so no string crosses per row); every `rowsPerPart` rows (default 500,000, about 40 MB
 *   in DuckDB) the table is written to a temporary part file (`COPY ... TO part.parquet`) and
 *   emptied. On close the parts are concatenated, in order, into one Parquet file by
 *   `COPY (SELECT * FROM read_parquet([parts])) TO ...` (streamed by DuckDB; one part is just
 *   renamed). Memory: one tile of counts + one DuckDB batch of at most `rowsPerPart` rows +
 *   DuckDB's Parquet writer buffers; disk: the parts (about the size of the output) until close.
 *
 * Atomic, by the rule of ./output.ts: everything is written beside the target under a
 * temporary name ending in `.tmp` and renamed over the target only when complete; on any error
 * (or `abort()`) the temporary files are removed and the target is left as it was. A FIFO or
 * device target is written through instead (CSV streamed into it, Parquet copied into it when
 * complete); a symbolic link's target is written, the link kept.
 *
 * Row order: tile by tile as written, within a tile row by row; pair (i, j) is written for
 * i < j only (observer1 = observers[i], observer2 = observers[j]). Tiles that cover the upper
 * triangle in row-major order (e.g. row bands) give exactly `computePairs`' order.
 */
import { type PairMetrics, type UndefinedKappaPolicy, pairMetrics } from "../core/metrics.ts";
import { PAIR_COLUMNS } from "../core/pairs.ts";
import {
  type PairNames,
  type PairTableFormat,
  type PairUnit,
  type PairWriterOptions,
  PAIR_TYPES,
  type Sink,
  humanFlags,
} from "./pair-sink.ts";
import { type OutputStream, type OutputTarget, openOutputStream, outputError, outputTarget } from "./output.ts";

export type { PairNames, PairTableFormat, PairUnit, PairWriterOptions } from "./pair-sink.ts";

/**
 * Both-correct counts of observers rowStart..rowEnd-1 against colStart..colEnd-1:
 * counts[(i - rowStart) * (colEnd - colStart) + (j - colStart)]. Only entries with j > i are
 * read (a tile on the diagonal may leave the others unspecified). The kernel's tiles
 * (`PairTile` of ../kernel/index.ts, handed to its `onTile`) have this shape.
 */
export interface CountTile {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  counts: ArrayLike<number>;
}

export interface PairWriterSummary {
  path: string;
  format: PairTableFormat;
  /** Pairs written. */
  rows: number;
  /** Pairs whose kappa is undefined (c_exp = 1); with policy "one" they were set to 1. */
  undefinedKappa: number;
}

export interface PairWriter {
  readonly path: string;
  readonly format: PairTableFormat;
  /**
   * Writes the pairs (i < j) of one tile of `unit`; resolves when they are handed on (and the
   * writer is ready for more: await it for backpressure). Calls may overlap (e.g. from the
   * kernel's threads): tiles are written one after the other, in the order of the calls.
   */
  writeTile(unit: PairUnit, tile: CountTile): Promise<void>;
  /**
   * Writes pairs of `unit` given one by one, on any trials each (e.g. pairs computed on their
   * common stimuli): `fill` calls `put(i, j, metrics)` for each, in the order to write them.
   * Serialized with `writeTile`, as it.
   */
  writePairs(unit: PairNames, fill: (put: (i: number, j: number, metrics: PairMetrics) => void) => void): Promise<void>;
  /** Finishes the file and renames it into place. */
  close(): Promise<PairWriterSummary>;
  /** Removes everything written; the target stays as it was. */
  abort(): Promise<void>;
}

/** Parquet for `.parquet`/`.pq`, else CSV. */
export function pairTableFormat(path: string): PairTableFormat {
  return /\.(parquet|pq)$/i.test(path) ? "parquet" : "csv";
}

function checkTile(unit: PairUnit, tile: CountTile): void {
  const n = unit.observers.length;
  const { rowStart, rowEnd, colStart, colEnd } = tile;
  const ok =
    [rowStart, rowEnd, colStart, colEnd].every(Number.isInteger) &&
    0 <= rowStart &&
    rowStart <= rowEnd &&
    rowEnd <= n &&
    0 <= colStart &&
    colStart <= colEnd &&
    colEnd <= n;
  if (!ok) throw new RangeError(`tile rows ${rowStart}..${rowEnd}, columns ${colStart}..${colEnd} is not within ${n} observers`);
  if (tile.counts.length < (rowEnd - rowStart) * (colEnd - colStart)) {
    throw new RangeError(`tile has ${tile.counts.length} counts, expected ${(rowEnd - rowStart) * (colEnd - colStart)}`);
  }
  if (unit.correct.length !== n) throw new RangeError(`${unit.correct.length} correct counts for ${n} observers`);
}

/**
 * Calls `visit(i, j, metrics)` for every pair i < j of the tile, in row-major order, with the
 * metrics `pairMetrics` computes from (trials, correct[i], correct[j], both correct).
 */
export function forEachTilePair(
  unit: PairUnit,
  tile: CountTile,
  policy: UndefinedKappaPolicy | undefined,
  visit: (i: number, j: number, metrics: PairMetrics) => void,
): void {
  checkTile(unit, tile);
  const { rowStart, rowEnd, colStart, colEnd, counts } = tile;
  const width = colEnd - colStart;
  const trials = unit.trials;
  for (let i = rowStart; i < rowEnd; i++) {
    const correct1 = unit.correct[i];
    const base = (i - rowStart) * width - colStart;
    for (let j = Math.max(colStart, i + 1); j < colEnd; j++) {
      visit(i, j, pairMetrics({ trials, correct1, correct2: unit.correct[j], bothCorrect: counts[base + j] }, policy));
    }
  }
}

/**
 * Opens a streaming pair-table writer on `path` (CSV or Parquet, see the module comment).
 * Every error while writing is an InputError naming the file, after which nothing is left
 * behind; call `close()` to finish, or `abort()` to give up.
 */
export async function openPairWriter(path: string, options: PairWriterOptions = {}): Promise<PairWriter> {
  const format = options.format ?? pairTableFormat(path);
  const target = await outputTarget(path);
  // DuckDB (about 300 ms to load) only for Parquet output.
  const sink =
    format === "csv" ? await CsvSink.open(target) : await (await import("./pair-writer-parquet.ts")).ParquetSink.open(target, options);
  let rows = 0;
  let undefinedKappa = 0;
  let state: "open" | "closed" | "failed" = "open";
  // Tiles, close and abort run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };
  const fail = async (error: unknown): Promise<never> => {
    state = "failed";
    await sink.discard();
    // Bad arguments (e.g. a unit without trials) stay what they are; the rest is output trouble.
    throw error instanceof RangeError || error instanceof TypeError ? error : outputError(path, error);
  };
  return {
    path,
    format,
    writeTile(unit, tile) {
      try {
        checkTile(unit, tile);
      } catch (error) {
        return Promise.reject(error);
      }
      return serially(() => writeTile(unit, tile));
    },
    writePairs: (unit, fill) => serially(() => writePairs(unit, fill)),
    close: () => serially(close),
    abort: () => serially(abort),
  };

  async function writeTile(unit: PairUnit, tile: CountTile): Promise<void> {
    if (state !== "open") throw new Error(`the pair writer for ${path} is ${state}`);
    try {
      await sink.unit(unit);
      forEachTilePair(unit, tile, options.undefinedKappa, (i, j, m) => {
        rows++;
        if (m.c_exp === 1) undefinedKappa++;
        sink.row(i, j, m);
      });
      await sink.drain();
    } catch (error) {
      await fail(error);
    }
  }

  async function writePairs(unit: PairNames, fill: (put: (i: number, j: number, metrics: PairMetrics) => void) => void): Promise<void> {
    if (state !== "open") throw new Error(`the pair writer for ${path} is ${state}`);
    try {
      await sink.unit(unit);
      fill((i, j, m) => {
        rows++;
        if (m.c_exp === 1) undefinedKappa++;
        sink.row(i, j, m);
      });
      await sink.drain();
    } catch (error) {
      await fail(error);
    }
  }

  async function close(): Promise<PairWriterSummary> {
    if (state !== "open") throw new Error(`the pair writer for ${path} is ${state}`);
    try {
      await sink.finish();
    } catch (error) {
      await fail(error);
    }
    state = "closed";
    return { path, format, rows, undefinedKappa };
  }

  async function abort(): Promise<void> {
    if (state === "open") {
      state = "failed";
      await sink.discard();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/** A CSV field as `toCsv` (Papa.unparse) writes it: quoted when it holds `,`, `"`, a line break or a byte-order mark, or starts or ends with a space. */
export function csvField(value: string): string {
  const escaped = value.replaceAll('"', '""');
  return /[",\r\n\ufeff]/.test(value) || value.startsWith(" ") || value.endsWith(" ") ? `"${escaped}"` : escaped;
}

/** A number as `toCsv` writes it (shortest round-trip text), null as an empty field. */
export function csvNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

const CSV_FLUSH_CHARS = 1 << 20;

class CsvSink implements Sink {
  private buffer: string[] = [];
  private chars = 0;
  private current?: PairNames;
  private prefix = "";
  private names: string[] = [];
  private human: Uint8Array = new Uint8Array(0);
  private error?: Error;

  private constructor(private readonly output: OutputStream) {
    output.stream.on("error", (error) => (this.error ??= error));
  }

  static async open(target: OutputTarget): Promise<CsvSink> {
    let output: OutputStream;
    try {
      output = await openOutputStream(target);
    } catch (error) {
      throw outputError(target.path, error);
    }
    const sink = new CsvSink(output);
    sink.push(`${PAIR_COLUMNS.join(",")}\n`);
    return sink;
  }

  async unit(unit: PairNames): Promise<void> {
    if (unit === this.current) return;
    this.current = unit;
    this.prefix = `${csvField(unit.dataset)},${csvField(unit.condition)},`;
    this.names = unit.observers.map(csvField);
    this.human = humanFlags(unit);
  }

  row(i: number, j: number, m: PairMetrics): void {
    this.push(
      `${this.prefix}${this.names[i]},${this.names[j]},${PAIR_TYPES[this.human[i] + this.human[j]]},${m.n_trials},${m.n_both_correct},` +
        `${m.n_both_wrong},${m.acc1},${m.acc2},${m.c_obs},${m.c_exp},${csvNumber(m.kappa)},${csvNumber(m.kappa_min)},${csvNumber(m.kappa_max)}\n`,
    );
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.chars += text.length;
    if (this.chars >= CSV_FLUSH_CHARS) this.writeOut();
  }

  /** Hands the buffered text to the stream in one piece (about 1 MB). */
  private writeOut(): void {
    if (this.chars === 0) return;
    const text = this.buffer.join("");
    this.buffer = [];
    this.chars = 0;
    this.output.stream.write(text);
  }

  async drain(): Promise<void> {
    if (this.error) throw this.error;
    this.writeOut();
    const stream = this.output.stream;
    if (stream.writableNeedDrain) {
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          stream.off("drain", settle);
          stream.off("error", settle);
          if (error) reject(error);
          else resolve();
        };
        stream.on("drain", settle);
        stream.on("error", settle);
      });
    }
    if (this.error) throw this.error;
  }

  async finish(): Promise<void> {
    await this.drain();
    await this.output.finish();
  }

  async discard(): Promise<void> {
    this.buffer = [];
    await this.output.discard().catch(() => undefined);
  }
}
