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
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBVector } from "@duckdb/node-api";
import { type PairMetrics, type UndefinedKappaPolicy, pairMetrics } from "../core/metrics.ts";
import { PAIR_COLUMNS, type PairType } from "../core/pairs.ts";
import { sqlString } from "./duckdb.ts";
import { type OutputStream, type OutputTarget, type StagedOutput, openOutputStream, outputError, outputTarget, stageOutput } from "./output.ts";

/** The observers of one analysis unit, as the tiles' row and column indices refer to them. */
export interface PairUnit {
  dataset: string;
  condition: string;
  /** Observer names (unique), indexed as the tiles' rows and columns. */
  observers: readonly string[];
  /** The humans among `observers` (pair types). */
  humans: ReadonlySet<string>;
  /** Trials every observer answered (the same matched trials for all). */
  trials: number;
  /** correct[i]: trials observer i answered correctly. */
  correct: ArrayLike<number>;
}

/** What naming the pairs of a unit takes: its dataset, condition, observers and humans. */
export type PairNames = Omit<PairUnit, "trials" | "correct">;

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

export type PairTableFormat = "csv" | "parquet";

export interface PairWriterOptions {
  /** Default: Parquet for `.parquet`/`.pq` files, else CSV. */
  format?: PairTableFormat;
  /** How to report a kappa that is undefined (c_exp = 1); as `computePairs`. */
  undefinedKappa?: UndefinedKappaPolicy;
  /** Parquet: pairs per temporary part (bounds DuckDB's memory); default 500,000. */
  rowsPerPart?: number;
  /** Parquet: DuckDB threads and memory limit (e.g. "1GB"; default 1GB). */
  threads?: number;
  memoryLimit?: string;
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

const PAIR_TYPES: readonly PairType[] = ["model-model", "model-human", "human-human"];

/** Per unit: whether each observer is human (pair type = PAIR_TYPES[h_i + h_j]). */
function humanFlags(unit: PairNames): Uint8Array {
  return Uint8Array.from(unit.observers, (o) => (unit.humans.has(o) ? 1 : 0));
}

/**
 * Opens a streaming pair-table writer on `path` (CSV or Parquet, see the module comment).
 * Every error while writing is an InputError naming the file, after which nothing is left
 * behind; call `close()` to finish, or `abort()` to give up.
 */
export async function openPairWriter(path: string, options: PairWriterOptions = {}): Promise<PairWriter> {
  const format = options.format ?? pairTableFormat(path);
  const target = await outputTarget(path);
  const sink = format === "csv" ? await CsvSink.open(target) : await ParquetSink.open(target, options);
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

/** Where rows go: the format-specific half of a writer. */
interface Sink {
  /** The unit of the rows that follow (called before every tile; cheap when unchanged). */
  unit(unit: PairNames): Promise<void>;
  row(i: number, j: number, m: PairMetrics): void;
  /** Lets buffered rows go out; resolves when more may come. */
  drain(): Promise<void>;
  /** Completes the target file (renamed into place). */
  finish(): Promise<void>;
  /** Removes every temporary file; never throws. */
  discard(): Promise<void>;
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

// ---------------------------------------------------------------------------------------------
// Parquet

const NUMERIC_COLUMNS = PAIR_COLUMNS.slice(5);
/** Rows per DuckDB data chunk (DuckDB's vector size, 2048). */
const VECTOR_SIZE = DuckDBVector.standardSize();
const INTEGER_COLUMNS = new Set(["n_trials", "n_both_correct", "n_both_wrong"]);

class ParquetSink implements Sink {
  private current?: PairNames;
  private unitCount = 0;
  private appender?: DuckDBAppender;
  private chunk?: DuckDBDataChunk;
  private vectors: DuckDBVector[] = [];
  private names: readonly string[] = [];
  private human: Uint8Array = new Uint8Array(0);
  /** Rows in the current chunk, and in the current batch table (chunks appended). */
  private chunkRows = 0;
  private batchRows = 0;
  private readonly parts: string[] = [];
  private readonly rowsPerPart: number;

  private constructor(
    private readonly staged: StagedOutput,
    private readonly partsDir: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    options: PairWriterOptions,
  ) {
    this.rowsPerPart = Math.max(1, Math.floor(options.rowsPerPart ?? 500_000));
  }

  /** The finished file, before it is put in place. */
  private get temporary(): string {
    return this.staged.path;
  }

  static async open(target: OutputTarget, options: PairWriterOptions): Promise<ParquetSink> {
    const staged = await stageOutput(target);
    const partsDir = staged.scratch("parts");
    try {
      await mkdir(partsDir);
    } catch (error) {
      await staged.discard();
      throw outputError(target.path, error);
    }
    const config: Record<string, string> = {
      memory_limit: options.memoryLimit ?? "1GB",
      preserve_insertion_order: "true",
      // Where DuckDB would spill (by default ./.tmp): inside the parts folder, removed with it.
      temp_directory: join(partsDir, "spill"),
    };
    if (options.threads !== undefined) config.threads = String(options.threads);
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(":memory:", config);
      const connection = await instance.connect();
      await connection.run(`CREATE TYPE tw_pair_type AS ENUM ('human-human', 'model-human', 'model-model')`);
      return new ParquetSink(staged, partsDir, instance, connection, options);
    } catch (error) {
      instance?.closeSync();
      await staged.discard();
      throw outputError(target.path, error);
    }
  }

  async unit(unit: PairNames): Promise<void> {
    if (unit === this.current) return;
    await this.writePart();
    await this.dropBatch();
    this.current = unit;
    this.unitCount++;
    this.names = unit.observers;
    this.human = humanFlags(unit);
    // The unit's observer names as an ENUM: rows then carry 4-byte codes, not strings.
    const c = this.connection;
    await c.run("CREATE TEMP TABLE tw_names (i INTEGER, name VARCHAR)");
    const names = await c.createAppender("tw_names");
    unit.observers.forEach((name, i) => {
      names.appendInteger(i);
      names.appendVarchar(name);
      names.endRow();
    });
    names.closeSync();
    await c.run("CREATE TYPE tw_observer AS ENUM (SELECT name FROM tw_names ORDER BY i)");
    await c.run("DROP TABLE tw_names");
    await this.createBatch();
    // One chunk (and one set of column vectors) per unit, refilled for every 2048 rows: making
    // a vector of an ENUM type reads all the type's values, too slow to do per chunk.
    const types = Array.from({ length: this.appender!.columnCount }, (_, i) => this.appender!.columnType(i));
    const chunk = DuckDBDataChunk.create(types, VECTOR_SIZE);
    this.chunk = chunk;
    this.vectors = Array.from({ length: chunk.columnCount }, (_, i) => chunk.getColumnVector(i));
    this.chunkRows = 0;
  }

  /** An empty batch table (types of the current unit) and its appender. */
  private async createBatch(): Promise<void> {
    const numeric = NUMERIC_COLUMNS.map((c) => `${c} ${INTEGER_COLUMNS.has(c) ? "INTEGER" : "DOUBLE"}`);
    await this.connection.run(
      `CREATE TEMP TABLE tw_batch (observer1 tw_observer, observer2 tw_observer, pair_type tw_pair_type, ${numeric.join(", ")})`,
    );
    this.appender = await this.connection.createAppender("tw_batch");
  }

  private async dropBatch(): Promise<void> {
    if (!this.current) return;
    this.appender?.closeSync();
    this.appender = undefined;
    this.chunk = undefined;
    await this.connection.run("DROP TABLE tw_batch");
    await this.connection.run("DROP TYPE tw_observer");
  }

  /** Hands the rows filled in so far to the appender (which copies them); the chunk is reused. */
  private appendChunk(): void {
    if (this.chunkRows === 0) return;
    const chunk = this.chunk!;
    for (const v of this.vectors) v.flush();
    if (this.chunkRows < VECTOR_SIZE) chunk.rowCount = this.chunkRows;
    this.appender!.appendDataChunk(chunk);
    if (this.chunkRows < VECTOR_SIZE) chunk.rowCount = VECTOR_SIZE;
    this.batchRows += this.chunkRows;
    this.chunkRows = 0;
  }

  row(i: number, j: number, m: PairMetrics): void {
    const v = this.vectors;
    const r = this.chunkRows;
    v[0].setItem(r, this.names[i]);
    v[1].setItem(r, this.names[j]);
    v[2].setItem(r, PAIR_TYPES[this.human[i] + this.human[j]]);
    v[3].setItem(r, m.n_trials);
    v[4].setItem(r, m.n_both_correct);
    v[5].setItem(r, m.n_both_wrong);
    v[6].setItem(r, m.acc1);
    v[7].setItem(r, m.acc2);
    v[8].setItem(r, m.c_obs);
    v[9].setItem(r, m.c_exp);
    v[10].setItem(r, m.kappa);
    v[11].setItem(r, m.kappa_min);
    v[12].setItem(r, m.kappa_max);
    if (++this.chunkRows === VECTOR_SIZE) this.appendChunk();
  }

  async drain(): Promise<void> {
    if (this.batchRows + this.chunkRows >= this.rowsPerPart) await this.writePart();
  }

  /** Writes the batch table to the next part file and empties it. */
  private async writePart(force = false): Promise<void> {
    if (!this.current) return;
    this.appendChunk();
    if (this.batchRows === 0 && !force) return;
    this.appender!.closeSync();
    const unit = this.current;
    const part = join(this.partsDir, `part-${String(this.parts.length).padStart(6, "0")}.parquet`);
    const columns = [
      `${sqlString(unit.dataset)} AS dataset`,
      `${sqlString(unit.condition)} AS condition`,
      "CAST(observer1 AS VARCHAR) AS observer1",
      "CAST(observer2 AS VARCHAR) AS observer2",
      "CAST(pair_type AS VARCHAR) AS pair_type",
      ...NUMERIC_COLUMNS,
    ];
    await this.connection.run(`COPY (SELECT ${columns.join(", ")} FROM tw_batch) TO ${sqlString(part)} (FORMAT parquet)`);
    this.parts.push(part);
    await this.connection.run("DROP TABLE tw_batch");
    this.batchRows = 0;
    await this.createBatch();
  }

  async finish(): Promise<void> {
    if (!this.current) {
      // No pairs at all: an empty table with the columns.
      const columns = PAIR_COLUMNS.map((c, k) => `CAST(NULL AS ${k < 5 ? "VARCHAR" : INTEGER_COLUMNS.has(c) ? "INTEGER" : "DOUBLE"}) AS ${c}`);
      await this.connection.run(`COPY (SELECT ${columns.join(", ")} LIMIT 0) TO ${sqlString(this.temporary)} (FORMAT parquet)`);
    } else {
      await this.writePart(this.parts.length === 0);
      await this.dropBatch();
      if (this.parts.length === 1) await rename(this.parts[0], this.temporary);
      else {
        const list = `[${this.parts.map(sqlString).join(", ")}]`;
        await this.connection.run(`COPY (SELECT * FROM read_parquet(${list})) TO ${sqlString(this.temporary)} (FORMAT parquet)`);
      }
    }
    this.close();
    await this.staged.commit();
  }

  private closed = false;

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.appender?.closeSync();
    } catch {
      // The appender may be in a failed state; it goes with the instance.
    }
    this.connection.closeSync();
    this.instance.closeSync();
  }

  async discard(): Promise<void> {
    try {
      this.close();
    } catch {
      // Nothing more to release.
    }
    await this.staged.discard();
  }
}
