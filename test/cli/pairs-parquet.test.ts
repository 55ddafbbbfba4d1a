// `trialwise pairs` on Parquet: streamed through DuckDB, the kernel and the pair writer, with
// the same rows as the CSV path.
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { FIXTURES, cli } from "../helpers.ts";

const LONG = join(FIXTURES, "mini-long.csv");
const COLUMNS = ["--observer-col", "model", "--stimulus-col", "image", "--truth-col", "label", "--response-col", "answer"];

describe("trialwise pairs on Parquet input", () => {
  let dir: string;
  let parquet: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-parquet-"));
    parquet = join(dir, "mini-long.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${LONG}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("CSV and Parquet pair tables equal the in-memory path, row for row", async () => {
    const reference = await cli("pairs", LONG, ...COLUMNS);
    assert.equal(reference.code, 0, reference.stderr);
    const csvOut = join(dir, "pairs.csv");
    const streamed = await cli("pairs", parquet, ...COLUMNS, "--output", csvOut);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.match(streamed.stderr, /6 pairs written/);
    const sort = (text: string) =>
      text
        .trimEnd()
        .split("\n")
        .map((l) => l.replace(/^mini-long,/, "DATASET,"))
        .sort();
    assert.deepEqual(sort(await readFile(csvOut, "utf8")), sort(reference.stdout));

    const parquetOut = join(dir, "pairs.parquet");
    assert.equal((await cli("pairs", parquet, ...COLUMNS, "--output", parquetOut)).code, 0);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(`SELECT observer1, observer2, kappa FROM read_parquet('${parquetOut}') ORDER BY observer1, observer2`)
    ).getRowObjects();
    connection.closeSync();
    assert.equal(rows.length, 6);
    const hh = rows.find((r) => r.observer1 === "subject-01" && r.observer2 === "subject-02")!;
    assert.ok(Math.abs(Number(hh.kappa) + 0.5) < 1e-12);
    assert.deepEqual((await readdir(dir)).sort(), ["mini-long.parquet", "pairs.csv", "pairs.parquet"], "no temporary files left");
  });

  test("usage errors: no --output, no column flags, options the stream cannot honour", async () => {
    assert.equal((await cli("pairs", parquet, ...COLUMNS)).code, 2);
    // Without column flags Parquet is read in the model-vs-human schema, which this file lacks.
    const schema = await cli("pairs", parquet, "--output", join(dir, "x.csv"));
    assert.equal(schema.code, 1);
    assert.match(schema.stderr, /mini-long\.parquet:1: missing columns "subj"/);
    const intersect = await cli("pairs", parquet, ...COLUMNS, "--output", join(dir, "x.csv"), "--intersect");
    assert.equal(intersect.code, 2);
    assert.match(intersect.stderr, /streamed/);
  });
});
