import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pairMetrics } from "../../src/core/metrics.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { PAIR_COLUMNS, type PairOptions, type PairResult, computePairs } from "../../src/core/pairs.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";
import { SUMMARY_COLUMNS, summarizePairs } from "../../src/core/summary.ts";
import { toCsv } from "../../src/io/format.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import {
  type AllPairCounts,
  type PairTile,
  allPairCounts,
  allPairCountsSync,
  closeKernelThreads,
  forEachTilePair,
  pairTiles,
} from "../../src/kernel/index.ts";
import { KERNEL_WAT_SHA256 } from "../../src/kernel/kernel-wasm.ts";
import { type PackedObservers, isCorrect, packObservers, packOutcomeMatrix } from "../../src/kernel/packed.ts";
import { kernelPairs } from "../../src/kernel/pairs.ts";
import { computeTilesThreaded } from "../../src/kernel/threads.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, cli, seededRandom } from "../helpers.ts";

after(() => closeKernelThreads());

/** Observer names that sort in row order (computePairs sorts observers by name). */
const name = (i: number) => `model${String(i).padStart(3, "0")}`;

/**
 * Random 0/1 rows with a shared per-trial difficulty (correlated observers), plus, when there are
 * enough observers, one all-wrong and one all-correct observer.
 */
function randomRows(observers: number, trials: number, seed: number): Uint8Array[] {
  const rng = seededRandom(seed);
  const difficulty = Array.from({ length: trials }, () => rng());
  return Array.from({ length: observers }, (_, i) => {
    if (observers >= 4 && i === 1) return new Uint8Array(trials);
    if (observers >= 4 && i === 2) return new Uint8Array(trials).fill(1);
    const level = 0.3 + 0.6 * rng();
    return Uint8Array.from(difficulty, (d) => (rng() < Math.min(0.98, Math.max(0.02, level + 0.8 * (0.5 - d))) ? 1 : 0));
  });
}

function tableOf(rows: Uint8Array[]): TrialTable {
  const builder = new TrialTableBuilder("random");
  rows.forEach((row, i) =>
    row.forEach((correct, t) =>
      builder.add({
        observer: name(i),
        condition: "c",
        stimulus: `s${t}`,
        truth: null,
        response: null,
        correct: correct === 1,
        missing: false,
        file: "random.csv",
        line: i * row.length + t + 2,
      }),
    ),
  );
  return builder.build();
}

/** Brute-force both-correct matrix. */
function bruteForce(rows: Uint8Array[]): Uint32Array {
  const n = rows.length;
  const out = new Uint32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < rows[i].length; t++) s += rows[i][t] & rows[j][t];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** The pair metrics computed from kernel counts, in computePairs' order (i < j). */
function metricsFromCounts(counts: AllPairCounts) {
  const n = counts.observers;
  const list = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      list.push(
        pairMetrics({
          trials: counts.trials,
          correct1: counts.correct[i],
          correct2: counts.correct[j],
          bothCorrect: counts.bothCorrect![i * n + j],
        }),
      );
    }
  }
  return list;
}

describe("packed format", () => {
  test("bits, padding and words per observer", () => {
    const rows = [Uint8Array.of(1, 0, 1), Uint8Array.of(0, 0, 0), Uint8Array.of(1, 1, 1)];
    const packed = packObservers(["a", "b", "c"], rows);
    assert.equal(packed.wordsPerObserver, 2);
    assert.equal(packed.trials, 3);
    assert.deepEqual([...packed.bits], [0b101, 0, 0, 0, 0b111, 0]);
    assert.ok(packed.bits.buffer instanceof SharedArrayBuffer, "allocated on a SharedArrayBuffer");
    for (const trials of [1, 63, 64, 65, 1000]) {
      const [row] = randomRows(1, trials, trials);
      const one = packObservers(["x"], [row]);
      assert.equal(one.wordsPerObserver, 2 * Math.ceil(trials / 64));
      for (let t = 0; t < trials; t++) assert.equal(isCorrect(one, 0, t), row[t] === 1);
      let padding = 0;
      for (let t = trials; t < one.wordsPerObserver * 32; t++) padding += Number(isCorrect(one, 0, t));
      assert.equal(padding, 0, `padding bits are 0 (trials ${trials})`);
    }
  });

  test("rejects ragged rows and values other than 0 and 1", () => {
    assert.throws(() => packObservers(["a", "b"], [Uint8Array.of(1, 0), Uint8Array.of(1)]), /same trials/);
    assert.throws(() => packObservers(["a"], [Uint8Array.of(1, 2)]), /expected 0 \(wrong\) or 1/);
    assert.throws(() => packObservers(["a"], []), /1 observer names but 0 rows/);
  });

  test("packOutcomeMatrix packs an outcome matrix's rows in its order", () => {
    const rows = randomRows(5, 70, 3);
    const matrix = outcomeMatrix(tableOf(rows));
    const packed = packOutcomeMatrix(matrix);
    assert.deepEqual(packed.observers, matrix.observers);
    assert.equal(packed.trials, matrix.stimuli.length);
    matrix.correct.forEach((row, i) => row.forEach((v, t) => assert.equal(isCorrect(packed, i, t), v === 1)));
  });
});

describe("kernel", () => {
  test("the WebAssembly binary was built from the current kernel.wat", () => {
    const source = readFileSync(join(REPO, "src/kernel/kernel.wat"));
    assert.equal(KERNEL_WAT_SHA256, createHash("sha256").update(source).digest("hex"), "run npm run build:wasm");
  });

  test("pairTiles covers the upper triangle, tiles with pairs only", () => {
    assert.deepEqual([...pairTiles(5, 2)], [0, 2, 0, 2, 0, 2, 2, 4, 0, 2, 4, 5, 2, 4, 2, 4, 2, 4, 4, 5]);
    assert.equal(pairTiles(1, 2).length, 0);
    assert.equal(pairTiles(0, 2).length, 0);
    assert.throws(() => pairTiles(5, 3), /even/);
  });

  for (const observers of [1, 2, 17]) {
    for (const trials of [1, 63, 64, 65, 1000]) {
      test(`WebAssembly, TypeScript and computePairs agree: ${observers} observers x ${trials} trials`, async () => {
        const rows = randomRows(observers, trials, observers * 1000 + trials);
        const names = rows.map((_, i) => name(i));
        const packed = packObservers(names, rows);
        const expected = bruteForce(rows);
        const reference = computePairs(tableOf(rows));
        const runs: AllPairCounts[] = [];
        for (const kernel of ["wasm", "ts"] as const) {
          for (const tileSize of [2, 6, 128]) {
            for (const chunkWords of [0, 1, 512]) runs.push(allPairCountsSync(packed, { kernel, tileSize, chunkWords }));
          }
          for (const threads of [1, 2]) runs.push(await allPairCounts(packed, { kernel, threads, tileSize: 4 }));
        }
        for (const run of runs) {
          const label = `${run.kernel}, ${run.threads} thread(s), tile ${run.tileSize}`;
          assert.deepEqual([...run.bothCorrect!], [...expected], label);
          assert.deepEqual(
            [...run.correct],
            rows.map((_, i) => expected[i * observers + i]),
            label,
          );
          const metrics = metricsFromCounts(run);
          assert.equal(metrics.length, reference.pairs.length, label);
          metrics.forEach((m, k) => {
            const { dataset, condition, observer1, observer2, pair_type, ...ref } = reference.pairs[k];
            assert.deepEqual(m, ref, `${label}: pair ${observer1} ${observer2}`);
            assert.ok(Object.is(m.kappa, ref.kappa));
          });
        }
        assert.deepEqual(await kernelPairs(tableOf(rows), { minPairTrials: 0 }), reference);
        assert.deepEqual(await kernelPairs(tableOf(rows), { minPairTrials: 0, kernel: "ts", threads: 2 }), reference);
      });
    }
  }

  test("all-wrong and all-correct observers: undefined kappas as computePairs reports them", async () => {
    const trials = 100;
    const rows = [
      new Uint8Array(trials),
      new Uint8Array(trials),
      new Uint8Array(trials).fill(1),
      new Uint8Array(trials).fill(1),
      randomRows(1, trials, 9)[0],
    ];
    const table = tableOf(rows);
    for (const undefinedKappa of ["undefined", "one"] as const) {
      const reference = computePairs(table, { undefinedKappa });
      assert.equal(reference.undefinedKappa, 2);
      for (const kernel of ["wasm", "ts"] as const)
        assert.deepEqual(await kernelPairs(table, { undefinedKappa, kernel, minPairTrials: 0 }), reference);
    }
  });

  test("tile sizes that do not divide N, threads 1 and 2: identical counts", async () => {
    const rows = randomRows(37, 300, 77);
    const packed = packObservers(
      rows.map((_, i) => name(i)),
      rows,
    );
    const expected = [...bruteForce(rows)];
    for (const kernel of ["wasm", "ts"] as const) {
      for (const tileSize of [2, 4, 6, 10, 36, 38]) {
        for (const threads of [1, 2]) {
          const run = await allPairCounts(packed, { kernel, tileSize, threads });
          assert.deepEqual([...run.bothCorrect!], expected, `${kernel} tile ${tileSize} threads ${threads}`);
        }
      }
    }
  });

  test("long rows: the SIMD half's byte counts (31 words per block) and every block edge give exact counts", () => {
    // 65 and 97 words per observer: blocks of 31 words and remainders; two all-correct observers
    // fill every byte count to its largest value (8 x 31 = 248).
    for (const trials of [4100, 6144]) {
      const rows = randomRows(23, trials, trials);
      rows[5] = new Uint8Array(trials).fill(1);
      rows[6] = new Uint8Array(trials).fill(1);
      const packed = packObservers(
        rows.map((_, i) => name(i)),
        rows,
      );
      const expected = [...bruteForce(rows)];
      assert.equal(expected[5 * 23 + 6], trials);
      for (const tileSize of [2, 4, 6, 10, 22, 128]) {
        for (const chunkWords of [0, 1, 30, 31, 40, 62]) {
          const run = allPairCountsSync(packed, { kernel: "wasm", tileSize, chunkWords });
          assert.deepEqual([...run.bothCorrect!], expected, `M ${trials}, tile ${tileSize}, chunk ${chunkWords}`);
        }
      }
    }
  });

  test("worker threads alone (the calling thread not computing) give identical counts, pooled between runs", async () => {
    const n = 29;
    const rows = randomRows(n, 700, 8);
    const packed = packObservers(
      rows.map((_, i) => name(i)),
      rows,
    );
    const expected = bruteForce(rows);
    const tiles = pairTiles(n, 4);
    for (const kernel of ["wasm", "ts"] as const) {
      for (const threads of [2, 3]) {
        const matrix = new Uint32Array(n * n);
        let fromWorkers = 0;
        await computeTilesThreaded(packed, tiles, { kernel, threads, tileSize: 4, chunk: 3, callerComputes: false }, (tile, owned) => {
          if (owned) fromWorkers++;
          forEachTilePair(tile, (i, j, count) => (matrix[i * n + j] += count));
        });
        assert.equal(fromWorkers, tiles.length / 4, "every tile came from a worker");
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) assert.equal(matrix[i * n + j], expected[i * n + j], `${kernel}: ${i} ${j}`);
      }
    }
  });

  test("onTile streams every pair exactly once and keeps no N x N matrix", async () => {
    const n = 41;
    const rows = randomRows(n, 130, 5);
    const packed = packObservers(
      rows.map((_, i) => name(i)),
      rows,
    );
    const expected = bruteForce(rows);
    for (const kernel of ["wasm", "ts"] as const) {
      for (const threads of [1, 2]) {
        const seen = new Uint8Array(n * n);
        const run = await allPairCounts(packed, {
          kernel,
          threads,
          tileSize: 8,
          onTile: async (tile: PairTile) => {
            assert.equal(tile.counts.length, (tile.rowEnd - tile.rowStart) * (tile.colEnd - tile.colStart));
            assert.ok(tile.colStart >= tile.rowStart);
            await new Promise((resolve) => setImmediate(resolve)); // a slow, asynchronous consumer
            forEachTilePair(tile, (i, j, count) => {
              assert.ok(i < j);
              seen[i * n + j]++;
              assert.equal(count, expected[i * n + j], `pair ${i} ${j}`);
            });
          },
        });
        assert.equal(run.bothCorrect, undefined);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) assert.equal(seen[i * n + j], j > i ? 1 : 0, `${kernel} ${threads}: pair ${i} ${j}`);
      }
    }
    // Synchronous streaming too.
    let pairs = 0;
    allPairCountsSync(packed, { tileSize: 6, onTile: (tile) => forEachTilePair(tile, () => pairs++) });
    assert.equal(pairs, (n * (n - 1)) / 2);
  });

  test("lendTiles: on one thread every tile is a view of the same working memory; the same counts on 1 and 2 threads (worker tiles: their own arrays)", async () => {
    const n = 30;
    const rows = randomRows(n, 500, 31);
    const packed = packObservers(
      rows.map((_, i) => name(i)),
      rows,
    );
    const expected = bruteForce(rows);
    for (const kernel of ["wasm", "ts"] as const) {
      for (const threads of [1, 2]) {
        const buffers = new Set<ArrayBufferLike>();
        let pairs = 0;
        await allPairCounts(packed, {
          kernel,
          threads,
          tileSize: 4,
          lendTiles: true,
          onTile: (tile) => {
            buffers.add(tile.counts.buffer);
            forEachTilePair(tile, (i, j, count) => {
              assert.equal(count, expected[i * n + j], `${kernel} ${threads}: ${i} ${j}`);
              pairs++;
            });
          },
        });
        assert.equal(pairs, (n * (n - 1)) / 2);
        if (threads === 1) assert.equal(buffers.size, 1, "no copies");
      }
    }
  });

  test("errors propagate from the consumer and from worker threads, and nothing hangs", async () => {
    const rows = randomRows(20, 200, 11);
    const packed = packObservers(
      rows.map((_, i) => name(i)),
      rows,
    );
    await assert.rejects(
      allPairCounts(packed, {
        threads: 2,
        tileSize: 2,
        onTile: () => {
          throw new Error("consumer failed");
        },
      }),
      /consumer failed/,
    );
    // Tiles starting at odd observers make the WebAssembly kernel trap: in a worker thread, and
    // in the calling thread.
    const bad = Int32Array.from({ length: 40 }, (_, k) => [1, 3, 1, 3][k % 4]);
    for (const callerComputes of [false, true]) {
      await assert.rejects(
        computeTilesThreaded(packed, bad, { kernel: "wasm", threads: 2, tileSize: 2, chunk: 0, callerComputes }, () => {}),
        (error: Error) => /unreachable/i.test(error.message),
      );
    }
    // The pool still works after a failed run.
    const run = await allPairCounts(packed, { threads: 2, tileSize: 4 });
    assert.deepEqual([...run.bothCorrect!], [...bruteForce(rows)]);
    assert.throws(() => allPairCountsSync(packed, { tileSize: 3 }), /even/);
    await assert.rejects(allPairCounts(packed, { threads: 0 }), /threads/);
    const broken: PackedObservers = { ...packed, wordsPerObserver: 4 };
    assert.throws(() => allPairCountsSync(broken), /wordsPerObserver/);
  });
});

describe("kernelPairs", () => {
  test("mismatched stimulus sets: skipped, intersected and strict exactly as computePairs", async () => {
    // Ten observers on 200 stimuli, three of them with a different set.
    const builder = new TrialTableBuilder("mixed");
    const rng = seededRandom(21);
    for (let i = 0; i < 10; i++) {
      for (let s = 0; s < 200; s++) {
        if (i === 7 && s < 20) continue;
        if (i === 8 && s >= 190) continue;
        const stimulus = i === 9 && s === 0 ? "extra" : `s${s}`;
        const observer = i < 3 ? `subject-${i}` : name(i);
        builder.add({
          observer,
          condition: s % 2 ? "odd" : "even",
          stimulus,
          truth: null,
          response: null,
          correct: rng() < 0.7,
          missing: false,
          file: "f.csv",
          line: i * 200 + s + 2,
        });
      }
    }
    const table = builder.build();
    const cases: PairOptions[] = [
      {},
      { byCondition: true },
      { mismatch: "intersect" },
      { byCondition: true, mismatch: "intersect" },
      { observers: [name(3), name(4), name(7), "subject-1"] },
    ];
    for (const options of cases) {
      const reference = computePairs(table, options);
      for (const kernel of ["wasm", "ts"] as const) {
        assert.deepEqual(await kernelPairs(table, { ...options, kernel, minPairTrials: 0 }), reference, JSON.stringify(options));
      }
    }
    let message = "";
    assert.throws(
      () => computePairs(table, { mismatch: "strict" }),
      (error: Error) => ((message = error.message), true),
    );
    await assert.rejects(kernelPairs(table, { mismatch: "strict", minPairTrials: 0 }), { message });
    await assert.rejects(kernelPairs(table, { mismatch: "strict", minPairTrials: 0 }), /--strict expects identical stimulus sets/);
  });

  test("a stimulus seen in several pooled conditions: matched within conditions, as computePairs", async () => {
    const builder = new TrialTableBuilder("repeat");
    for (let i = 0; i < 3; i++) {
      for (const [condition, stimulus] of [
        ["a", "x"],
        ["b", "x"],
        ["a", "y"],
      ]) {
        if (i === 2 && condition === "b") continue;
        builder.add({
          observer: name(i),
          condition,
          stimulus,
          truth: null,
          response: null,
          correct: (i + stimulus.length) % 2 === 0 || condition === "a",
          missing: false,
          file: "r.csv",
          line: 2,
        });
      }
    }
    const table = builder.build();
    for (const options of [{}, { mismatch: "intersect" as const }]) {
      const reference = computePairs(table, options);
      assert.deepEqual(await kernelPairs(table, { ...options, minPairTrials: 0 }), reference);
    }
    // Observers 0 and 1: (a, x), (b, x), (a, y); observer 2 lacks (b, x).
    assert.deepEqual(
      computePairs(table, { mismatch: "intersect" }).pairs.map((p) => p.n_trials),
      [3, 2, 2],
    );
  });

  test("the real cue-conflict data and the whole collection: identical to computePairs", { skip: NO_SHARED_DATA }, async () => {
    const { datasets } = await loadDatasets(RAW_DATA);
    const compare = async (table: TrialTable, options: PairOptions, kernel: "wasm" | "ts", threads?: number) => {
      const reference: PairResult = computePairs(table, options);
      const got = await kernelPairs(table, { ...options, kernel, threads, minPairTrials: 0 });
      assert.deepEqual(got, reference, `${table.dataset} ${JSON.stringify(options)} ${kernel}`);
    };
    const cueConflict = datasets.find((t) => t.dataset === "texture-shape_cue-conflict")!;
    for (const kernel of ["wasm", "ts"] as const) {
      await compare(cueConflict, {}, kernel, 2);
      await compare(cueConflict, { byCondition: true }, kernel);
    }
    for (const table of datasets) {
      await compare(table, {}, "wasm");
      await compare(table, { byCondition: true, mismatch: "intersect" }, "wasm");
    }
  });
});

describe("CLI", () => {
  test("trialwise pairs and summary on a large table (kernel chosen automatically) print what computePairs gives", async () => {
    // 100 observers x 900 stimuli: 4,455,000 pair-trials, above the automatic threshold.
    const rows = randomRows(100, 900, 1234);
    const dir = mkdtempSync(join(tmpdir(), "trialwise-kernel-"));
    try {
      const lines = ["model,image,hit"];
      rows.forEach((row, i) => row.forEach((v, t) => lines.push(`${name(i)},img${t}.png,${v}`)));
      const file = join(dir, "runs.csv");
      writeFileSync(file, `${lines.join("\n")}\n`);
      const run = await cli("pairs", file, "--observer-col", "model", "--stimulus-col", "image", "--correct-col", "hit");
      assert.equal(run.code, 0, run.stderr);
      const { datasets } = await loadDatasets(file, {
        format: { kind: "long", columns: { observer: "model", stimulus: "image", correct: "hit" } },
      });
      const reference = computePairs(datasets[0]);
      assert.equal(reference.pairs.length, 4950);
      assert.equal(run.stdout, toCsv(reference.pairs, PAIR_COLUMNS));
      const summary = await cli(
        "summary",
        file,
        "--observer-col",
        "model",
        "--stimulus-col",
        "image",
        "--correct-col",
        "hit",
        "--bootstrap",
        "0",
      );
      assert.equal(summary.code, 0, summary.stderr);
      const table = datasets[0];
      assert.equal(
        summary.stdout,
        toCsv(
          summarizePairs(reference.pairs, (o) => table.humans.has(o)),
          SUMMARY_COLUMNS,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("trialwise bench kernel --json prints the contract keys", async () => {
    for (const kernel of ["wasm", "ts"]) {
      const run = await cli(
        "bench",
        "kernel",
        "--observers",
        "60",
        "--trials",
        "1000",
        "--threads",
        "2",
        "--kernel",
        kernel,
        "--seed",
        "3",
        "--json",
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      for (const key of ["observers", "trials", "pairs", "seconds", "pair_trials_per_second"])
        assert.equal(typeof result[key], "number", key);
      assert.deepEqual(Object.keys(result).slice(0, 5), ["observers", "trials", "pairs", "seconds", "pair_trials_per_second"]);
      assert.equal(result.observers, 60);
      assert.equal(result.trials, 1000);
      assert.equal(result.pairs, 1770);
      assert.ok(result.seconds > 0 && result.pair_trials_per_second > 0);
      assert.equal(result.kernel, kernel);
      assert.ok(result.mean_kappa > 0, "correlated observers: positive kappa on average");
    }
    const plain = await cli("bench", "kernel", "--observers", "10", "--trials", "100");
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /45 pairs x 100 trials/);
    assert.equal((await cli("bench", "kernel", "--observers", "x", "--trials", "100")).code, 2);
    assert.equal((await cli("bench", "kernel", "--observers", "10", "--trials", "100", "--kernel", "gpu")).code, 2);
    assert.equal((await cli("bench", "kernel", "--observers", "10", "--trials", "100", "--tile-size", "5")).code, 2);
  });
});
