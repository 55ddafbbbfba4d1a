// Pairs stream from the kernel to the output (issue 12: memory that scales with observers):
// the kernel's row bands, streamPairs' order and errors, and `trialwise pairs` / `summary`
// byte for byte against the reference path (computePairs, toCsv, toJson, toTable).
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import type { PairMetrics } from "../../src/core/metrics.ts";
import { PAIR_COLUMNS, type PairOptions, type PairResult, type PairRow, computePairs } from "../../src/core/pairs.ts";
import { SUMMARY_COLUMNS, summarizePairs } from "../../src/core/summary.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";
import type { CliIO } from "../../src/cli/main.ts";
import { runCli } from "../../src/cli/main.ts";
import { pairExtrasOptions, withPairExtras } from "../../src/cli/pair-extras.ts";
import { TABLE_MAX_PAIRS } from "../../src/cli/pairs-output.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { toCsv, toJson, toTable } from "../../src/io/format.ts";
import { pairBands } from "../../src/kernel/bands.ts";
import { closeKernelThreads, packObservers } from "../../src/kernel/index.ts";
import { kernelPairs, pairCount, streamPairs } from "../../src/kernel/pairs.ts";
import { NO_SHARED_DATA, RAW_DATA, cli, seededRandom } from "../helpers.ts";

after(() => closeKernelThreads());

function randomBits(observers: number, trials: number, seed: number): Uint8Array[] {
  const rng = seededRandom(seed);
  return Array.from({ length: observers }, () => Uint8Array.from({ length: trials }, () => (rng() < 0.6 ? 1 : 0)));
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("pairBands", () => {
  test("bands come in row order and hold every pair's both-correct count, whatever the tiles, threads and flow control", async () => {
    for (const observers of [1, 2, 5, 33]) {
      const rows = randomBits(observers, 70, observers);
      const packed = packObservers(
        rows.map((_, i) => `o${i}`),
        rows,
      );
      for (const tileSize of [2, 4, 6]) {
        for (const threads of [1, 2]) {
          for (const bandsAhead of [1, 2]) {
            const bands = pairBands(packed, { tileSize, threads, bandsAhead, kernel: threads === 2 ? "ts" : "wasm" });
            let nextRow = 0;
            let pairs = 0;
            for (let band = await bands.next(); band; band = await bands.next()) {
              assert.equal(band.rowStart, nextRow, "bands in row order, none left out");
              const width = observers - band.rowStart;
              for (let i = band.rowStart; i < band.rowEnd; i++) {
                for (let j = i + 1; j < observers; j++) {
                  let both = 0;
                  for (let t = 0; t < 70; t++) both += rows[i][t] & rows[j][t];
                  assert.equal(band.counts[(i - band.rowStart) * width + (j - band.rowStart)], both, `pair ${i}, ${j}`);
                  pairs++;
                }
              }
              nextRow = band.rowEnd;
              await tick(); // a slow consumer: the kernel waits
            }
            assert.equal(pairs, (observers * (observers - 1)) / 2, `${observers} observers, tiles of ${tileSize}, ${threads} thread(s)`);
            assert.ok(nextRow >= observers - 1, "every row with pairs came");
            await bands.finished();
            assert.deepEqual(
              [...bands.correct],
              rows.map((r) => r.reduce((s, v) => s + v, 0)),
            );
          }
        }
      }
    }
  });

  test("cancel stops the kernel part way; next then rejects", async () => {
    const rows = randomBits(80, 200, 5);
    const packed = packObservers(
      rows.map((_, i) => `o${i}`),
      rows,
    );
    for (const threads of [1, 2]) {
      const bands = pairBands(packed, { tileSize: 2, threads, kernel: "ts" });
      assert.ok(await bands.next());
      await bands.cancel();
      await assert.rejects(bands.next(), /cancelled/);
    }
  });
});

/** 40 observers in three stimulus sets, interleaved by name, over two conditions; some humans. */
function mixedTable(): TrialTable {
  const builder = new TrialTableBuilder("mixed");
  const rng = seededRandom(77);
  for (let i = 0; i < 40; i++) {
    const observer = i % 5 === 0 ? `subject-${String(i).padStart(2, "0")}` : `m${String(i).padStart(2, "0")}`;
    for (let s = 0; s < 60; s++) {
      if (i % 3 === 1 && s < 4) continue; // set 2: without s0..s3
      if (i % 3 === 2 && s === 59) continue; // set 3: without s59
      builder.add({
        observer,
        condition: s % 2 ? "odd" : "even",
        stimulus: `s${s}`,
        truth: null,
        response: null,
        correct: rng() < 0.65,
        missing: false,
        file: "f.csv",
        line: i * 60 + s + 2,
      });
    }
  }
  return builder.build();
}

describe("streamPairs", () => {
  test("several stimulus-set groups in many bands, threads, slow drains: the same pairs, order and reports as computePairs", async () => {
    const table = mixedTable();
    const cases: PairOptions[] = [
      {},
      { mismatch: "intersect" },
      { byCondition: true },
      { byCondition: true, mismatch: "intersect", undefinedKappa: "one" },
      { observers: ["m01", "m02", "m04", "subject-05"] },
    ];
    for (const options of cases) {
      const reference = computePairs(table, options);
      for (const threads of [1, 2]) {
        assert.deepEqual(
          await kernelPairs(table, { ...options, tileSize: 4, threads, minPairTrials: 0 }),
          reference,
          JSON.stringify(options),
        );
      }
      // Streamed to a receiver that drains slowly: the same rows, in the same order.
      const rows: PairRow[] = [];
      let drains = 0;
      let unit: { dataset: string; condition: string; observers: readonly string[] } | undefined;
      await streamPairs(
        table,
        { ...options, tileSize: 2, minPairTrials: 0 },
        {
          unit: (u) => void (unit = u),
          pair: (i: number, j: number, pair_type, metrics: PairMetrics) =>
            void rows.push({
              dataset: unit!.dataset,
              condition: unit!.condition,
              observer1: unit!.observers[i],
              observer2: unit!.observers[j],
              pair_type,
              ...metrics,
            }),
          mismatch: () => undefined,
          async drain() {
            drains++;
            await tick();
          },
        },
      );
      assert.deepEqual(rows, reference.pairs);
      assert.ok(drains > 0);
    }
  });

  test("--strict and input errors are found before any pair is handed on", async () => {
    const table = mixedTable();
    let message = "";
    assert.throws(
      () => computePairs(table, { mismatch: "strict", byCondition: true }),
      (error: Error) => ((message = error.message), true),
    );
    // The first unit ("even") is mismatched; with only sets 1 and 3 the first unit is clean and the second is not.
    let handed = 0;
    const receiver = { unit: () => undefined, pair: () => void handed++, mismatch: () => void handed++ };
    await assert.rejects(streamPairs(table, { mismatch: "strict", byCondition: true, minPairTrials: 0 }, receiver), { message });
    const builder = new TrialTableBuilder("later");
    for (const [observer, stimulus, condition] of [
      ["a", "x", "c1"],
      ["b", "x", "c1"],
      ["a", "y", "c2"],
      ["b", "z", "c2"],
    ]) {
      builder.add({ observer, condition, stimulus, truth: null, response: null, correct: true, missing: false, file: "f.csv", line: 2 });
    }
    const later = builder.build();
    assert.throws(
      () => computePairs(later, { mismatch: "strict", byCondition: true }),
      (error: Error) => ((message = error.message), true),
    );
    await assert.rejects(streamPairs(later, { mismatch: "strict", byCondition: true }, receiver), { message });
    assert.equal(handed, 0, "no pair before the error");
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI, against the reference path

const LONG = ["--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];
const WITH_CONDITION = [...LONG, "--condition-col", "cond"];
/** Names that need CSV quoting or sort unusually. */
const ODD_NAMES = ['model, "quoted"', " leading space", "trailing space ", "ünïcode", "subject-α"];

/**
 * `observers` x `stimuli` trials, long format (who, stim, cond, hit): correlated correctness,
 * every 10th observer human, odd names, observers 7 and 8 missing one stimulus each (skipped or
 * intersected pairs), observer 3 all correct (undefined kappas).
 */
function longCsv(observers: number, stimuli: number, seed: number): string {
  const rng = seededRandom(seed);
  const difficulty = Array.from({ length: stimuli }, () => rng());
  const lines = ["who,stim,cond,hit"];
  for (let i = 0; i < observers; i++) {
    const name =
      i < ODD_NAMES.length ? ODD_NAMES[i] : i % 10 === 0 ? `subject-${String(i).padStart(4, "0")}` : `model-${String(i).padStart(4, "0")}`;
    const field = /[",]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name;
    const skill = 0.3 + 0.6 * rng();
    for (let s = 0; s < stimuli; s++) {
      if ((i === 7 && s === 0) || (i === 8 && s === stimuli - 1)) continue;
      const hit = i === 3 ? 1 : rng() * 0.5 + difficulty[s] * 0.5 < skill ? 1 : 0;
      lines.push(`${field},img${s}.png,${s % 2 ? "odd" : "even"},${hit}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Runs the CLI in-process with standard output that takes text slowly: the most it was handed before it drained. */
async function slowStdoutCli(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string; mostPending: number; drains: number }> {
  let stdout = "";
  let stderr = "";
  let pending = 0;
  let mostPending = 0;
  let drains = 0;
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
      pending += text.length;
      mostPending = Math.max(mostPending, pending);
    },
    stderr: (text) => void (stderr += text),
    isTTY: false,
    stdoutDrained: async () => {
      drains++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      pending = 0;
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, mostPending, drains };
}

describe("trialwise pairs and summary stream, byte-identical to the reference path", () => {
  let dir: string;
  let file: string;
  let table: TrialTable;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-streaming-"));
    file = join(dir, "zoo.csv");
    // 320 observers x 100 stimuli: 4.9 million pair-trials in the largest set, so the kernel
    // counts it (3 bands of 128 rows).
    await writeFile(file, longCsv(320, 100, 11));
    table = (await loadDatasets(file, { format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } } }))
      .datasets[0];
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const jsonOf = (result: PairResult, rows: object[] = result.pairs) =>
    toJson({ pairs: rows, skipped_pairs: result.skipped, intersected_pairs: result.intersected, undefined_kappa: result.undefinedKappa });

  test("CSV to standard output and to a file, JSON, --intersect: the reference text; standard output is waited for", async () => {
    const reference = computePairs(table);
    assert.equal(pairCount(table), (320 * 319) / 2);
    assert.ok(reference.skipped.length > 0 && reference.undefinedKappa > 0);
    const csv = toCsv(reference.pairs, PAIR_COLUMNS);
    assert.ok(csv.length > 5 * 2 ** 20, "several MB of text");

    const piped = await slowStdoutCli(["pairs", file, ...LONG]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, csv);
    assert.ok(piped.mostPending <= 2 ** 21, `at most about 1 MB handed to standard output before it drained (${piped.mostPending})`);
    assert.ok(piped.drains > 3);
    assert.match(piped.stderr, new RegExp(`skipped ${reference.skipped.length} pair\\(s\\) whose stimulus sets differ`));

    const out = join(dir, "pairs.csv");
    const toFile = await cli("pairs", file, ...LONG, "-o", out);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(await readFile(out, "utf8"), csv);
    assert.equal(toFile.stderr, piped.stderr, "the same notes");

    const json = await cli("pairs", file, ...LONG, "--format", "json");
    assert.equal(json.stdout, jsonOf(reference));

    const intersected = computePairs(table, { mismatch: "intersect", undefinedKappa: "one" });
    const both = await cli("pairs", file, ...LONG, "--intersect", "--undefined-kappa", "one", "--format", "json");
    assert.equal(both.stdout, jsonOf(intersected));
    const skippedFile = join(dir, "skipped.csv");
    const withSkipped = await cli("pairs", file, ...LONG, "--skipped", skippedFile);
    assert.equal(withSkipped.stdout, csv);
    assert.match(await readFile(skippedFile, "utf8"), /^dataset,condition,observer1,observer2,pair_type,n_common,/);
    assert.equal((await readFile(skippedFile, "utf8")).trimEnd().split("\n").length, reference.skipped.length + 1);
  });

  test("--by condition, --observers, --normalized and --ci: the reference text", async () => {
    const conditionTable = (
      await loadDatasets(file, {
        format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit", condition: "cond" } },
      })
    ).datasets[0];
    const byCondition = computePairs(conditionTable, { byCondition: true, mismatch: "intersect" });
    const run = await cli("pairs", file, ...WITH_CONDITION, "--by", "condition", "--intersect");
    assert.equal(run.stdout, toCsv(byCondition.pairs, PAIR_COLUMNS));

    const some = [ODD_NAMES[3], ODD_NAMES[4], "model-0007", "subject-0010", "model-0011"];
    const extras = pairExtrasOptions({ ci: "analytic", normalized: true });
    const rows = computePairs(table, { observers: some, mismatch: "intersect" }).pairs.map((p) => withPairExtras(p, extras));
    const withExtras = await cli("pairs", file, ...LONG, "--observers", some.join(","), "--intersect", "--ci", "analytic", "--normalized");
    assert.equal(withExtras.code, 0, withExtras.stderr);
    assert.equal(withExtras.stdout, toCsv(rows, [...PAIR_COLUMNS, ...extras.columns]));
    const normalized = computePairs(table).pairs.map((p) => withPairExtras(p, pairExtrasOptions({ normalized: true })));
    assert.equal((await cli("pairs", file, ...LONG, "--normalized")).stdout, toCsv(normalized, [...PAIR_COLUMNS, "kappa_normalized"]));
  });

  test("many trials per pair (numbers formatted one by one, not by count key): the reference text", async () => {
    const long = join(dir, "long.csv");
    await writeFile(long, longCsv(9, 3000, 8));
    const longTable = (
      await loadDatasets(long, { format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } } })
    ).datasets[0];
    const reference = computePairs(longTable, { mismatch: "intersect" });
    assert.ok(reference.pairs.every((p) => p.n_trials >= 2998));
    assert.equal((await cli("pairs", long, ...LONG, "--intersect")).stdout, toCsv(reference.pairs, PAIR_COLUMNS));
  });

  test("Parquet output from CSV input: every row as the reference; no temporary files left", async () => {
    const reference = computePairs(table, { mismatch: "intersect" });
    const out = join(dir, "pairs.parquet");
    const run = await cli("pairs", file, ...LONG, "--intersect", "-o", out);
    assert.equal(run.code, 0, run.stderr);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${out}')`)).getRowObjectsJS();
    connection.closeSync();
    db.closeSync();
    assert.equal(rows.length, reference.pairs.length);
    rows.forEach((row, k) => {
      const expected = reference.pairs[k] as unknown as Record<string, unknown>;
      for (const column of PAIR_COLUMNS) assert.equal(row[column], expected[column], `row ${k} ${column}`);
    });
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.includes(".tmp")),
      [],
    );
    const extras = await cli("pairs", file, ...LONG, "--normalized", "-o", join(dir, "x.parquet"));
    assert.equal(extras.code, 2);
    assert.match(extras.stderr, /not Parquet/);
  });

  test("summary: the reference rows, with --models and --undefined-kappa one", async () => {
    for (const args of [[], ["--models", "model-0011,model-0012,ünïcode"], ["--undefined-kappa", "one", "--intersect"]]) {
      const options: PairOptions = args.includes("--intersect") ? { mismatch: "intersect", undefinedKappa: "one" } : {};
      const models = args[0] === "--models" ? new Set(args[1].split(",")) : undefined;
      const expected = summarizePairs(computePairs(table, options).pairs, (o) => table.humans.has(o), models);
      const run = await cli("summary", file, ...LONG, "--bootstrap", "0", ...args);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, toCsv(expected, SUMMARY_COLUMNS), args.join(" "));
    }
  });

  test("the aligned table: the reference below its limit; above it a usage error naming what streams", async () => {
    const small = join(dir, "small.csv");
    await writeFile(small, longCsv(12, 30, 3));
    const smallTable = (
      await loadDatasets(small, { format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } } })
    ).datasets[0];
    const run = await cli("pairs", small, ...LONG, "--format", "table");
    assert.equal(run.stdout, toTable(computePairs(smallTable).pairs, PAIR_COLUMNS));

    // Near the limit the table still aligns (spreading the rows into Math.max overflowed the stack).
    const many = Array.from({ length: 150_000 }, (_, k) => ({ name: `o${k}`, value: k / 7 }));
    const aligned = toTable(many, ["name", "value"]).split("\n");
    assert.equal(aligned.length, 150_003);
    assert.equal(aligned[2], "o0                0");
    assert.equal(aligned[150_001], "o149999  21428.4286");

    // 640 observers on 2 stimuli: 204,480 pairs, above the limit.
    const wide = join(dir, "wide.csv");
    await writeFile(wide, longCsv(640, 2, 4));
    assert.ok((640 * 639) / 2 > TABLE_MAX_PAIRS);
    const refused = await cli("pairs", wide, ...LONG, "--format", "table");
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /aligned table holds every row in memory.*204480 pairs.*use --format csv/);
    // On a terminal the table is the default: the same refusal; CSV streams.
    let stderr = "";
    const tty: CliIO = { stdout: () => undefined, stderr: (t) => void (stderr += t), isTTY: true };
    assert.equal(await runCli(["pairs", wide, ...LONG], tty), 2);
    assert.match(stderr, /aligned table/);
    assert.equal((await cli("pairs", wide, ...LONG, "--format", "csv")).code, 0);
  });
});

test("published data: pairs and summary of every dataset as the reference path", { skip: NO_SHARED_DATA }, async () => {
  const { datasets } = await loadDatasets(RAW_DATA);
  const options: PairOptions = { byCondition: true, mismatch: "intersect" };
  const results = datasets.map((t) => computePairs(t, options));
  const run = await cli("pairs", RAW_DATA, "--by", "condition", "--intersect");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    toCsv(
      results.flatMap((r) => r.pairs),
      PAIR_COLUMNS,
    ),
  );
  const summary = await cli("summary", RAW_DATA, "--bootstrap", "0");
  assert.equal(summary.code, 0, summary.stderr);
  const rows = datasets.flatMap((t) => summarizePairs(computePairs(t).pairs, (o) => t.humans.has(o)));
  assert.equal(summary.stdout, toCsv(rows, SUMMARY_COLUMNS));
});
