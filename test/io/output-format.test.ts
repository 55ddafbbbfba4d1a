// The output file's extension decides the format (.csv, .json, .txt, .parquet); --format must
// agree with it; a format a command cannot write, or a data extension trialwise does not write,
// is a usage error before anything is written.
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { UsageError } from "../../src/core/errors.ts";
import { outputFormat } from "../../src/io/output.ts";
import { tableFileFormat } from "../../src/io/table-parquet.ts";
import { FIXTURES, cli } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const LONG = join(FIXTURES, "mini-long.csv");
const LONG_COLUMNS = ["--observer-col", "model", "--stimulus-col", "image", "--truth-col", "label", "--response-col", "answer"];
const TEXT = ["csv", "json", "table"] as const;

describe("outputFormat: the one rule", () => {
  test("the extension decides, case-insensitively; --format must agree", () => {
    assert.equal(outputFormat({ output: "a.json" }, { formats: TEXT }), "json");
    assert.equal(outputFormat({ output: "a.CSV" }, { formats: ["json", "csv", "table"] }), "csv");
    assert.equal(outputFormat({ output: "a.txt" }, { formats: TEXT }), "table");
    assert.equal(outputFormat({ output: "a.txt", format: "csv" }, { formats: TEXT }), "csv", "a .txt file may hold any text format");
    assert.equal(outputFormat({ output: "a.pq" }, { formats: ["csv", "parquet"] }), "parquet");
    assert.equal(outputFormat({ output: "a.json", format: "json" }, { formats: TEXT }), "json");
    assert.throws(
      () => outputFormat({ output: "a.json", format: "csv" }, { formats: TEXT }),
      (e: unknown) => e instanceof UsageError && /--format csv conflicts with --output a\.json/.test(e.message),
    );
    assert.throws(() => outputFormat({ output: "a.parquet", format: "csv" }, { formats: ["csv", "parquet"] }), UsageError);
  });

  test("without a known extension: --format, else the table on a terminal, else the command's default", () => {
    assert.equal(outputFormat({ output: "/dev/stdout" }, { formats: TEXT, isTTY: true }), "csv", "a file is not a terminal");
    assert.equal(outputFormat({ output: "results" }, { formats: ["json", "csv", "table"] }), "json");
    assert.equal(outputFormat({ output: "results.dat", format: "table" }, { formats: TEXT }), "table");
    assert.equal(outputFormat({}, { formats: TEXT, isTTY: true }), "table");
    assert.equal(outputFormat({}, { formats: TEXT, isTTY: false }), "csv");
  });

  test("a format the command cannot write, or a data extension trialwise does not write, is a usage error", () => {
    assert.throws(
      () => outputFormat({ output: "a.parquet" }, { formats: TEXT }),
      (e: unknown) => e instanceof UsageError && /does not write Parquet/.test(e.message),
    );
    assert.throws(() => outputFormat({ format: "table" }, { formats: ["csv", "parquet"] }), UsageError);
    for (const name of ["a.tsv", "a.jsonl", "a.xlsx"])
      assert.throws(() => outputFormat({ output: name }, { formats: TEXT }), /trialwise does not write/);
    assert.throws(
      () => tableFileFormat("scores.json", "--scores"),
      (e: unknown) => e instanceof UsageError && /^--scores scores\.json/.test(e.message),
    );
    assert.equal(tableFileFormat("trials.parquet"), "parquet");
    assert.equal(tableFileFormat("trials"), "csv");
  });
});

describe("commands follow the output's extension", () => {
  let dir: string;
  let longParquet: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-format-"));
    longParquet = join(dir, "long.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${LONG}', all_varchar = true)) TO '${longParquet}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("observers -o x.json writes JSON, -o x.txt the aligned table", async () => {
    const json = await cli("observers", MINI, "-o", join(dir, "observers.json"));
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(await readFile(join(dir, "observers.json"), "utf8")).observers.length, 4);
    assert.equal((await cli("observers", MINI, "-o", join(dir, "observers.txt"))).code, 0);
    assert.match((await readFile(join(dir, "observers.txt"), "utf8")).split("\n")[1], /^-+( +-+)+$/, "the table's rule line");
  });

  test("pairs -o x.json writes JSON; -o x.parquet writes Parquet", async () => {
    assert.equal((await cli("pairs", MINI, "-o", join(dir, "pairs.json"))).code, 0);
    assert.equal(JSON.parse(await readFile(join(dir, "pairs.json"), "utf8")).pairs.length, 6);
    assert.equal((await cli("pairs", MINI, "-o", join(dir, "pairs.parquet"))).code, 0);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const count = (await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${join(dir, "pairs.parquet")}')`)).getRowsJS()[0][0];
    connection.closeSync();
    db.closeSync();
    assert.equal(Number(count), 6);
  });

  test("ci -o x.csv writes CSV (its default elsewhere is JSON)", async () => {
    const run = await cli("ci", MINI, "--pair", "alexnet,subject-01", "--method", "analytic", "-o", join(dir, "ci.csv"));
    assert.equal(run.code, 0, run.stderr);
    const [header, row] = (await readFile(join(dir, "ci.csv"), "utf8")).trimEnd().split("\n");
    assert.ok(header.split(",").includes("kappa"), header);
    assert.ok(row && !row.startsWith("{"));
  });

  test("conflicts and unwritable formats exit 2 and write nothing", async () => {
    const cases: string[][] = [
      ["observers", MINI, "-o", join(dir, "bad.parquet")],
      ["observers", MINI, "-o", join(dir, "bad.csv"), "--format", "json"],
      ["summary", MINI, "--bootstrap", "0", "-o", join(dir, "bad.tsv")],
      ["pairs", MINI, "-o", join(dir, "bad.json"), "--format", "csv"],
      ["ci", MINI, "--pair", "alexnet,subject-01", "--method", "analytic", "-o", join(dir, "bad.parquet")],
      // The streamed path (Parquet input) writes CSV or Parquet only.
      ["pairs", longParquet, ...LONG_COLUMNS, "-o", join(dir, "bad.json")],
      ["merge", join(dir, "none.csv"), "-o", join(dir, "bad.json")],
    ];
    for (const argv of cases) {
      const run = await cli(...argv);
      assert.equal(run.code, 2, `${argv.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /^trialwise: --(output|format)/, argv.join(" "));
    }
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith("bad")),
      [],
    );
  });
});
