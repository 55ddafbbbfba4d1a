import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { InputError } from "../../src/core/errors.ts";
import { pairMetrics } from "../../src/core/metrics.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { PAIR_COLUMNS, type PairRow, computePairs } from "../../src/core/pairs.ts";
import { type TrialTable, TrialTableBuilder, compareText } from "../../src/core/trials.ts";
import { readPackedTrials } from "../../src/io/duckdb.ts";
import { toCsv } from "../../src/io/format.ts";
import { type CountTile, type PairUnit, openPairWriter } from "../../src/io/pair-writer.ts";
import { allPairCounts } from "../../src/kernel/index.ts";
import { type PackedObservers, packOutcomeMatrix } from "../../src/kernel/packed.ts";
import { seededRandom } from "../helpers.ts";

interface Trial {
  observer: string;
  stimulus: string;
  condition: string;
  correct: number;
}

let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trialwise-duckdb-"));
  instance = await DuckDBInstance.create(":memory:");
  db = await instance.connect();
});

after(async () => {
  db.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Writes trials with DuckDB itself: COPY (SELECT ...) TO a Parquet or CSV file. `correctAs`
 * picks the correct column's type (Parquet) or text (CSV).
 */
async function writeTrials(
  file: string,
  trials: readonly Trial[],
  options: { correctAs?: "BOOLEAN" | "INTEGER" | "DOUBLE" | "text"; columns?: Record<string, string>; truthResponse?: boolean } = {},
): Promise<string> {
  const path = join(dir, file);
  await db.run("CREATE OR REPLACE TEMP TABLE t (observer VARCHAR, stimulus VARCHAR, condition VARCHAR, correct INTEGER)");
  const appender = await db.createAppender("t");
  for (const t of trials) {
    appender.appendVarchar(t.observer);
    appender.appendVarchar(t.stimulus);
    appender.appendVarchar(t.condition);
    appender.appendInteger(t.correct);
    appender.endRow();
  }
  appender.closeSync();
  const name = (c: string) => `"${options.columns?.[c] ?? c}"`;
  const correct = options.truthResponse
    ? `'cat' AS ${name("truth")}, CASE WHEN correct = 1 THEN 'cat' WHEN stimulus < 's05' THEN 'na' ELSE 'dog' END AS ${name("response")}`
    : options.correctAs === "text"
      ? `CASE WHEN correct = 1 THEN (CASE WHEN hash(stimulus) % 2 = 0 THEN 'true' ELSE ' 1' END) ELSE 'FALSE' END AS ${name("correct")}`
      : `CAST(correct AS ${options.correctAs ?? "BOOLEAN"}) AS ${name("correct")}`;
  const format = file.endsWith(".csv") ? "(FORMAT csv, HEADER)" : "(FORMAT parquet)";
  await db.run(
    `COPY (SELECT observer AS ${name("observer")}, stimulus AS ${name("stimulus")}, condition AS ${name("condition")}, ${correct}
           FROM t ORDER BY hash(observer || stimulus)) TO ${sql(path)} ${format}`,
  );
  return path;
}

/** The same trials as a TrialTable, for the reference implementation. */
function trialTable(trials: readonly Trial[], dataset: string): TrialTable {
  const builder = new TrialTableBuilder(dataset);
  trials.forEach((t, k) =>
    builder.add({ ...t, truth: null, response: null, correct: t.correct === 1, missing: false, file: "x", line: k + 2 }),
  );
  return builder.build();
}

/**
 * Correlated random correctness on `stimuli` stimuli: observer skill and stimulus difficulty,
 * plus all-wrong, all-correct (two, so one pair has c_exp = 1) and human observers.
 */
function randomTrials(observers: number, stimuli: number, seed: number): Trial[] {
  const random = seededRandom(seed);
  const difficulty = Array.from({ length: stimuli }, () => random());
  const names = Array.from({ length: observers }, (_, i) => (i % 5 === 0 ? `subject-${i}` : `model ${i}`));
  names.push("all-wrong", "all-right-1", "all-right-2");
  const trials: Trial[] = [];
  names.forEach((observer, i) => {
    const skill = 0.2 + 0.7 * random();
    for (let s = 0; s < stimuli; s++) {
      const correct =
        observer === "all-wrong" ? 0 : observer.startsWith("all-right") ? 1 : 0.6 * difficulty[s] + 0.4 * random() < skill ? 1 : 0;
      trials.push({
        observer,
        stimulus: `s${String(s).padStart(3, "0")}${s % 7 === 0 ? ", x" : ""}`,
        condition: i % 2 ? "a" : "b",
        correct,
      });
    }
  });
  return trials;
}

function bit(bits: Uint32Array, index: number): number {
  return (bits[index >>> 5] >>> (index & 31)) & 1;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** All pair metrics from the packed bits (popcount of AND), as pair rows. */
function packedPairs(unit: Awaited<ReturnType<typeof readPackedTrials>>["units"][number]): PairRow[] {
  const { packed } = unit;
  const w = packed.wordsPerObserver;
  const rows: PairRow[] = [];
  for (let i = 0; i < packed.observers.length; i++) {
    for (let j = i + 1; j < packed.observers.length; j++) {
      let both = 0;
      for (let k = 0; k < w; k++) both += popcount(packed.bits[i * w + k] & packed.bits[j * w + k]);
      const h1 = unit.humans.has(packed.observers[i]);
      const h2 = unit.humans.has(packed.observers[j]);
      rows.push({
        dataset: unit.dataset,
        condition: unit.condition,
        observer1: packed.observers[i],
        observer2: packed.observers[j],
        pair_type: h1 && h2 ? "human-human" : h1 || h2 ? "model-human" : "model-model",
        ...pairMetrics({ trials: packed.trials, correct1: unit.correct[i], correct2: unit.correct[j], bothCorrect: both }),
      });
    }
  }
  return rows;
}

describe("readPackedTrials", () => {
  const trials = randomTrials(34, 131, 7);
  const table = trialTable(trials, "random");

  for (const [file, correctAs] of [
    ["random.parquet", "BOOLEAN"],
    ["random-int.parquet", "INTEGER"],
    ["random.csv", "text"],
  ] as const) {
    test(`packs ${file} (correct as ${correctAs}) bit for bit as a straightforward reading`, async () => {
      const path = await writeTrials(file, trials, { correctAs });
      const result = await readPackedTrials(path, { dataset: "random" });
      assert.equal(result.rows, trials.length);
      assert.equal(result.units.length, 1);
      const [unit] = result.units;
      const observers = [...new Set(trials.map((t) => t.observer))].sort(compareText);
      const stimuli = [...new Set(trials.map((t) => t.stimulus))].sort(compareText);
      assert.deepEqual(unit.packed.observers, observers);
      assert.deepEqual(unit.stimuli, stimuli);
      assert.equal(unit.packed.trials, 131);
      assert.equal(unit.packed.wordsPerObserver, 6);
      assert.deepEqual(unit.excluded, []);
      assert.deepEqual(
        [...unit.humans].sort(),
        observers.filter((o) => o.includes("subject")),
      );
      const expected = new Map(trials.map((t) => [`${t.observer}\u0000${t.stimulus}`, t.correct]));
      const w = unit.packed.wordsPerObserver;
      observers.forEach((o, i) => {
        const row = unit.packed.bits.subarray(i * w, (i + 1) * w);
        let count = 0;
        for (let t = 0; t < w * 32; t++) {
          const want = t < stimuli.length ? expected.get(`${o}\u0000${stimuli[t]}`) : 0;
          assert.equal(bit(row, t), want, `${o} trial ${t}`);
          count += want!;
        }
        assert.equal(unit.correct[i], count);
      });
      // The kernel's own packing of the reference outcome matrix: the same bits.
      assert.deepEqual([...unit.packed.bits], [...packOutcomeMatrix(outcomeMatrix(table)).bits]);
      // And every pair's metrics equal computePairs'.
      assert.deepEqual(packedPairs(unit), computePairs(table).pairs);
    });
  }

  test("reads truth/response columns by condition, with configured column names in any case", async () => {
    const small = randomTrials(6, 40, 3).filter((t) => t.condition === "a" || t.stimulus < "s020");
    const path = await writeTrials("tr.parquet", small, {
      truthResponse: true,
      columns: { observer: "Model", stimulus: "Image", condition: "Cond", truth: "Label", response: "Answer" },
    });
    const result = await readPackedTrials(path, {
      columns: { observer: "model", stimulus: "IMAGE ", condition: "cond", truth: "label", response: "answer" },
      byCondition: true,
    });
    const reference = trialTable(small, "tr");
    assert.deepEqual(
      result.units.map((u) => u.condition),
      ["a", "b"],
    );
    for (const unit of result.units) {
      const matrix = outcomeMatrix(reference, unit.condition);
      assert.deepEqual(unit.packed.observers, matrix.observers);
      assert.deepEqual(unit.stimuli, matrix.stimuli);
      assert.deepEqual([...unit.packed.bits], [...packOutcomeMatrix(matrix).bits]);
      assert.deepEqual(
        packedPairs(unit),
        computePairs(reference, { byCondition: true }).pairs.filter((p) => p.condition === unit.condition),
      );
    }
  });

  test("reads a folder of Parquet and CSV files together", async () => {
    const sub = await mkdtemp(join(dir, "folder-"));
    const all = randomTrials(8, 70, 11);
    const [first, second] = [all.filter((t) => t.observer < "model 4"), all.filter((t) => t.observer >= "model 4")];
    await writeTrials(join(sub.slice(dir.length + 1), "part1.parquet"), first);
    await writeTrials(join(sub.slice(dir.length + 1), "part2.csv"), second, { correctAs: "text" });
    const result = await readPackedTrials(sub);
    assert.equal(result.files.length, 2);
    assert.equal(result.rows, all.length);
    const reference = trialTable(all, "folder");
    assert.deepEqual([...result.units[0].packed.bits], [...packOutcomeMatrix(outcomeMatrix(reference)).bits]);
  });

  test("leaves out and lists observers whose stimulus sets differ (as outcomeMatrix); strict makes it an error", async () => {
    const base = randomTrials(9, 75, 5);
    const trials = base
      .filter((t) => !(t.observer === "model 1" && ["s010", "s011", "s012"].includes(t.stimulus)))
      .concat(["extra-1", "extra-2"].map((stimulus) => ({ observer: "subject-5", stimulus, condition: "a", correct: 1 })));
    const path = await writeTrials("mismatch.parquet", trials);
    const [unit] = (await readPackedTrials(path)).units;
    const matrix = outcomeMatrix(trialTable(trials, "mismatch"));
    assert.deepEqual(unit.excluded, matrix.excluded);
    assert.deepEqual(
      unit.excluded.map((e) => [e.observer, e.n_stimuli, e.n_common, e.n_only_observer, e.n_missing]),
      [
        ["model 1", 72, 72, 0, 3],
        ["subject-5", 77, 75, 2, 0],
      ],
    );
    assert.equal(unit.stimuli.length, 75);
    assert.ok(!unit.packed.observers.includes("model 1"), "model 1 is left out");
    assert.deepEqual([...unit.packed.bits], [...packOutcomeMatrix(matrix).bits]);
    await assert.rejects(
      readPackedTrials(path, { strict: true }),
      /observer "model 1" saw a different stimulus set.*3 missing.*2 observer\(s\) differ/,
    );
  });

  test("stimuli seen only by left-out observers are not packed", async () => {
    const trials = randomTrials(5, 64, 9).concat({ observer: "model 3", stimulus: "zz-only", condition: "a", correct: 1 });
    const path = await writeTrials("extra.csv", trials, { correctAs: "text" });
    const [unit] = (await readPackedTrials(path)).units;
    const matrix = outcomeMatrix(trialTable(trials, "extra"));
    assert.equal(unit.stimuli.length, 64);
    assert.equal(unit.packed.wordsPerObserver, 2);
    assert.deepEqual(unit.stimuli, matrix.stimuli);
    assert.deepEqual([...unit.packed.bits], [...packOutcomeMatrix(matrix).bits]);
  });

  test("missing columns, invalid and empty values, repeated stimuli: InputErrors naming file, row and column", async () => {
    const trials = randomTrials(3, 10, 1);
    const path = await writeTrials("plain.parquet", trials);
    await assert.rejects(readPackedTrials(path, { columns: { observer: "observer", stimulus: "image", correct: "correct" } }), (error) => {
      assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
      assert.match(
        error.message,
        /plain\.parquet: missing column "image"; .*needs "observer", "image", "correct" \(found "observer", "stimulus", "condition", "correct"\)/,
      );
      return true;
    });
    await assert.rejects(readPackedTrials(path, { byCondition: true }), /needs a condition column/);

    const csv = join(dir, "bad.csv");
    await writeFile(csv, "observer,stimulus,correct\na,s1,1\na,s2,0\nb,s1,maybe\nb,s2,1\n");
    await assert.rejects(readPackedTrials(csv), (error) => {
      assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
      assert.equal(error.message, `${csv}: column "correct": row 3: "maybe" is not a correctness value; expected 0 or 1`);
      return true;
    });
    await writeFile(csv, "observer,stimulus,correct\na,s1,1\n,s2,0\n");
    await assert.rejects(readPackedTrials(csv), /bad\.csv: column "observer": row 2: empty value/);
    await writeFile(csv, "observer,stimulus,correct\na,s1,1\na, ,0\n");
    await assert.rejects(readPackedTrials(csv), /bad\.csv: column "stimulus": row 2: empty value/);
    await writeFile(csv, "observer,stimulus,correct\na,s1,1\na,s2,\n");
    await assert.rejects(readPackedTrials(csv), /bad\.csv: column "correct": row 2: empty value/);
    await writeFile(csv, "model,image,label,answer,cond\na,s1,cat,cat,x\na,s2,cat,,x\n");
    const longColumns = { observer: "model", stimulus: "image", truth: "label", response: "answer", condition: "cond" };
    await assert.rejects(readPackedTrials(csv, { columns: longColumns }), /bad\.csv: column "answer": row 2: empty value/);
    await writeFile(csv, "model,image,label,answer,cond\na,s1,cat,cat,x\na,s2,cat,na,\n");
    await assert.rejects(readPackedTrials(csv, { columns: longColumns }), /bad\.csv: column "cond": row 2: empty value/);
    await assert.rejects(readPackedTrials(csv, { columns: longColumns, byCondition: true }), /bad\.csv: column "cond": row 2: empty value/);
    await writeFile(csv, "observer,stimulus,correct\na,s1,1\na,s2,0\nb,s1,1\nb,s2,0\na,s1,0\n");
    await assert.rejects(readPackedTrials(csv), (error) => {
      assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
      assert.equal(
        error.message,
        `${csv}: row 5: observer "a" saw stimulus "s1" twice in condition "all" (first at ${csv} row 1); expected each stimulus once per observer and condition`,
      );
      return true;
    });
    await writeFile(csv, "observer,stimulus,condition,correct\na,s1,x,1\na,s1,y,0\nb,s1,x,1\nb,s1,y,0\n");
    // Pooled, a stimulus under two conditions is two trials, matched within conditions (../core/pairs.ts TrialMatch).
    const pooled = await readPackedTrials(csv, {
      columns: { observer: "observer", stimulus: "stimulus", condition: "condition", correct: "correct" },
    });
    assert.deepEqual(
      pooled.units.map((u) => [u.condition, u.match, u.conditions, u.stimuli, u.packed.observers, [...u.correct]]),
      [["all", "condition and stimulus", ["x", "y"], ["s1", "s1"], ["a", "b"], [1, 1]]],
    );
    await writeFile(csv, "observer,stimulus,condition,correct\na,s1,x,1\na,s1,x,0\nb,s1,x,1\nb,s1,y,0\n");
    await assert.rejects(
      readPackedTrials(csv, { columns: { observer: "observer", stimulus: "stimulus", condition: "condition", correct: "correct" } }),
      (error) => {
        assert.ok(error instanceof InputError);
        assert.equal(
          error.message,
          `${csv}: row 2: observer "a" saw stimulus "s1" twice in condition "x" (first at ${csv} row 1); expected each stimulus once per observer and condition`,
        );
        return true;
      },
    );
    await writeFile(csv, "observer,stimulus,condition,correct\na,s1,x,1\na,s1,y,0\nb,s1,x,1\nb,s1,y,0\n");
    const byCondition = await readPackedTrials(csv, {
      columns: { observer: "observer", stimulus: "stimulus", condition: "condition", correct: "correct" },
      byCondition: true,
    });
    assert.deepEqual(
      byCondition.units.map((u) => [u.condition, u.packed.observers, [...u.correct]]),
      [
        ["x", ["a", "b"], [1, 1]],
        ["y", ["a", "b"], [0, 0]],
      ],
    );
    await writeFile(csv, "");
    await assert.rejects(readPackedTrials(csv), /bad\.csv: empty file/);
    await assert.rejects(readPackedTrials(join(dir, "nope.parquet")), /nope\.parquet: no such file/);
    await writeFile(join(dir, "junk.parquet"), "not parquet");
    await assert.rejects(readPackedTrials(join(dir, "junk.parquet")), /junk\.parquet: cannot read as Parquet/);
  });
});

describe("openPairWriter", () => {
  const trials = randomTrials(29, 97, 13);
  const table = trialTable(trials, "random");
  const reference = computePairs(table);
  let unit: PairUnit;
  let packed: PackedObservers;
  let both: (i: number, j: number) => number;

  before(async () => {
    const path = await writeTrials("pairs-input.parquet", trials);
    const [read] = (await readPackedTrials(path, { dataset: "random" })).units;
    unit = {
      dataset: read.dataset,
      condition: read.condition,
      observers: read.packed.observers,
      humans: read.humans,
      trials: read.packed.trials,
      correct: read.correct,
    };
    packed = read.packed;
    const { bits, wordsPerObserver: w } = read.packed;
    both = (i, j) => {
      let n = 0;
      for (let k = 0; k < w; k++) n += popcount(bits[i * w + k] & bits[j * w + k]);
      return n;
    };
  });

  /** Tiles of `size` x `size` over the upper triangle, row-major; diagonal entries left as garbage. */
  function tiles(size: number, order: "rows" | "columns" = "rows"): CountTile[] {
    const n = unit.observers.length;
    const out: CountTile[] = [];
    for (let r = 0; r < n; r += size) {
      for (let c = r - (r % size); c < n; c += size) {
        const tile = { rowStart: r, rowEnd: Math.min(n, r + size), colStart: c, colEnd: Math.min(n, c + size) };
        const width = tile.colEnd - tile.colStart;
        const counts = new Uint32Array((tile.rowEnd - tile.rowStart) * width).fill(999_999);
        for (let i = tile.rowStart; i < tile.rowEnd; i++) {
          for (let j = Math.max(i + 1, tile.colStart); j < tile.colEnd; j++) counts[(i - r) * width + j - c] = both(i, j);
        }
        out.push({ ...tile, counts });
      }
    }
    return order === "rows" ? out : out.sort((a, b) => a.colStart - b.colStart || a.rowStart - b.rowStart);
  }

  /** Rows sorted by condition and observers (for tiles not in row-major order). */
  function sortPairs(rows: Record<string, unknown>[]): Record<string, unknown>[] {
    const key = (p: Record<string, unknown>) => `${p.condition}\u0000${p.observer1}\u0000${p.observer2}`;
    return [...rows].sort((a, b) => compareText(key(a), key(b)));
  }

  async function readParquet(path: string): Promise<Record<string, unknown>[]> {
    return (await db.runAndReadAll(`SELECT * FROM read_parquet(${sql(path)})`)).getRowObjectsJS();
  }

  test("the reference has human pairs and an undefined kappa", () => {
    assert.ok(
      reference.pairs.some((p) => p.pair_type === "human-human"),
      "a human-human pair",
    );
    assert.ok(
      reference.pairs.some((p) => p.kappa === null),
      "an undefined kappa",
    );
  });

  for (const rowsPerPart of [1_000_000, 37]) {
    test(`streams row bands into Parquet (${rowsPerPart} rows per part): rows equal computePairs', full precision`, async () => {
      const path = join(dir, `pairs-${rowsPerPart}.parquet`);
      const writer = await openPairWriter(path, { rowsPerPart });
      // Row bands of 4 observers: the tile order is computePairs' order.
      const n = unit.observers.length;
      for (let r = 0; r < n; r += 4) {
        const rowEnd = Math.min(n, r + 4);
        const width = n;
        const counts = new Uint32Array((rowEnd - r) * width);
        for (let i = r; i < rowEnd; i++) for (let j = i + 1; j < n; j++) counts[(i - r) * width + j] = both(i, j);
        await writer.writeTile(unit, { rowStart: r, rowEnd, colStart: 0, colEnd: n, counts });
      }
      const summary = await writer.close();
      assert.equal(summary.rows, reference.pairs.length);
      assert.equal(summary.undefinedKappa, reference.undefinedKappa);
      const rows = await readParquet(path);
      assert.deepEqual(Object.keys(rows[0]), [...PAIR_COLUMNS]);
      assert.deepEqual(rows, reference.pairs);
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.includes(".tmp")),
        [],
      );
    });
  }

  test("streams square tiles in any order into Parquet and CSV: the same rows", async () => {
    const parquet = join(dir, "tiles.parquet");
    const csv = join(dir, "tiles.csv");
    const writers = [await openPairWriter(parquet, { rowsPerPart: 50 }), await openPairWriter(csv)];
    for (const tile of tiles(5, "columns")) for (const w of writers) await w.writeTile(unit, tile);
    for (const w of writers) await w.close();
    assert.deepEqual(sortPairs(await readParquet(parquet)), sortPairs(reference.pairs as never));
    const text = await readFile(csv, "utf8");
    const lines = text.trimEnd().split("\n");
    const expected = toCsv(reference.pairs, PAIR_COLUMNS).trimEnd().split("\n");
    assert.equal(lines[0], expected[0]);
    assert.deepEqual(lines.slice(1).sort(), expected.slice(1).sort());
  });

  test("CSV in row-major tiles is byte for byte the text of trialwise pairs", async () => {
    const csv = join(dir, "rows.csv");
    const writer = await openPairWriter(csv);
    const n = unit.observers.length;
    for (let i = 0; i < n; i++) {
      const counts = new Uint32Array(n);
      for (let j = i + 1; j < n; j++) counts[j] = both(i, j);
      await writer.writeTile(unit, { rowStart: i, rowEnd: i + 1, colStart: 0, colEnd: n, counts });
    }
    await writer.close();
    assert.equal(await readFile(csv, "utf8"), toCsv(reference.pairs, PAIR_COLUMNS));
  });

  test("several units in one file; no pairs gives a valid empty file", async () => {
    const path = join(dir, "units.parquet");
    const writer = await openPairWriter(path, { rowsPerPart: 100 });
    const other: PairUnit = { ...unit, condition: "it's other" };
    for (const u of [unit, other]) for (const tile of tiles(8)) await writer.writeTile(u, tile);
    await writer.close();
    const rows = await readParquet(path);
    const expected = [...reference.pairs, ...reference.pairs.map((p) => ({ ...p, condition: "it's other" }))];
    assert.deepEqual(sortPairs(rows), sortPairs(expected as never));

    const empty = join(dir, "empty.parquet");
    await (await openPairWriter(empty)).close();
    assert.deepEqual(await readParquet(empty), []);
    const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sql(empty)})`)).getRowsJS().map((r) => r[0]);
    assert.deepEqual(described, [...PAIR_COLUMNS]);
  });

  test("takes the kernel's tiles (allPairCounts onTile), calls overlapping: the rows of computePairs", async () => {
    const path = join(dir, "kernel.parquet");
    const writer = await openPairWriter(path, { rowsPerPart: 64 });
    const pending: Promise<void>[] = [];
    const counts = await allPairCounts(packed, {
      tileSize: 6,
      threads: 1,
      // Not awaited here: the writer queues overlapping calls.
      onTile: (tile) => void pending.push(writer.writeTile(unit, tile)),
    });
    await Promise.all(pending);
    assert.deepEqual([...counts.correct], Array.from(unit.correct));
    const summary = await writer.close();
    assert.equal(summary.rows, reference.pairs.length);
    assert.deepEqual(sortPairs(await readParquet(path)), sortPairs(reference.pairs as never));
  });

  for (const format of ["parquet", "csv"] as const) {
    test(`${format}: nothing partial is left on failure or abort; the old file stays`, async () => {
      const path = join(dir, `keep.${format}`);
      await writeFile(path, "old content");
      const before = (await readdir(dir)).sort();
      const [first, second] = tiles(6);

      const aborted = await openPairWriter(path, { rowsPerPart: 10 });
      await aborted.writeTile(unit, first);
      await aborted.writeTile(unit, second);
      await aborted.abort();
      assert.deepEqual((await readdir(dir)).sort(), before);
      assert.equal(await readFile(path, "utf8"), "old content");

      // A failure while writing (a unit without trials cannot give metrics): cleaned up.
      const failing = await openPairWriter(path, { rowsPerPart: 10 });
      await failing.writeTile(unit, first);
      await assert.rejects(failing.writeTile({ ...unit, trials: 0 }, second), RangeError);
      await assert.rejects(failing.close(), /is failed/);
      assert.deepEqual((await readdir(dir)).sort(), before);
      assert.equal(await readFile(path, "utf8"), "old content");

      await assert.rejects(openPairWriter(join(dir, "no-such-folder", `x.${format}`)), (error) => {
        assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
        assert.match(error.message, /no-such-folder.*cannot write output \(ENOENT\)/);
        return true;
      });
      assert.deepEqual((await readdir(dir)).sort(), before);
    });
  }
});
