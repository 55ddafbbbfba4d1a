/**
 * The Parquet half of the pair-table writer (./pair-writer.ts has the design): pairs go through
 * a DuckDB appender into part files, copied into one file at the end. In its own module so that
 * CSV output never loads DuckDB.
 */
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBVector } from "@duckdb/node-api";
import type { PairMetrics } from "../core/metrics.ts";
import { PAIR_COLUMNS } from "../core/pairs.ts";
import { type OutputTarget, type StagedOutput, outputError, stageOutput } from "./output.ts";
import { type PairNames, type PairWriterOptions, PAIR_TYPES, type Sink, humanFlags } from "./pair-sink.ts";
import { sqlString } from "./sql.ts";

const NUMERIC_COLUMNS = PAIR_COLUMNS.slice(5);
/** Rows per DuckDB data chunk (DuckDB's vector size, 2048). */
const VECTOR_SIZE = DuckDBVector.standardSize();
const INTEGER_COLUMNS = new Set(["n_trials", "n_both_correct", "n_both_wrong"]);

export class ParquetSink implements Sink {
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
      const columns = PAIR_COLUMNS.map(
        (c, k) => `CAST(NULL AS ${k < 5 ? "VARCHAR" : INTEGER_COLUMNS.has(c) ? "INTEGER" : "DOUBLE"}) AS ${c}`,
      );
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
