import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import {
  CAPA_SUM_RELATIVE_TOLERANCE,
  type CapaKernelOptions,
  type CapaTile,
  capaAllPairSums,
  capaSimdAvailable,
  capaWasmAvailable,
  closeCapaThreads,
  matrixSource,
  planCapa,
} from "../../src/kernel/capa-kernel.ts";
import { CAPA_WAT_SHA256 } from "../../src/kernel/kernel-wasm.ts";

after(() => closeCapaThreads());

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** n models x width values: probability vectors of `options` values each (the last item may be cut short). */
function probabilities(n: number, width: number, options: number, seed: number): { f64: Float64Array; f32: Float32Array } {
  const next = random(seed);
  const f64 = new Float64Array(n * width);
  for (let m = 0; m < n; m++) {
    for (let start = 0; start < width; start += options) {
      const end = Math.min(width, start + options);
      let sum = 0;
      for (let k = start; k < end; k++) sum += f64[m * width + k] = next() ** 3;
      for (let k = start; k < end; k++) f64[m * width + k] /= sum;
    }
  }
  return { f64, f32: Float32Array.from(f64) };
}

/** The float64 dot products of every pair of rows. */
function referenceSums(values: ArrayLike<number>, n: number, width: number): Float64Array {
  const sums = new Float64Array(n * n);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let k = 0; k < width; k++) s += values[a * width + k] * values[b * width + k];
      sums[a * n + b] = s;
    }
  return sums;
}

function worstRelativeError(actual: Float64Array, expected: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.abs(expected[i]));
  return worst;
}

// A first run sets relaxed SIMD up where trialwise does (Node 20: V8's flag), so the variants below include relaxed-madd.
if (capaWasmAvailable()) await capaAllPairSums(matrixSource(new Float32Array(4), 1, 4));

const kernels = capaWasmAvailable() ? (["wasm", "ts"] as const) : (["ts"] as const);
/** Every kernel variant this engine runs: the TypeScript kernel and each WebAssembly multiply-add. */
const variants: { kernel: "wasm" | "ts"; simd?: "mul-add" | "relaxed-madd" }[] = [
  { kernel: "ts" },
  ...(["mul-add", "relaxed-madd"] as const).filter((simd) => capaSimdAvailable(simd)).map((simd) => ({ kernel: "wasm" as const, simd })),
];

describe("CAPA all-pair sums", () => {
  // Sizes that are not multiples of 3 (models) or 4 (values), one model, and a few tiles.
  const cases: { n: number; width: number; options: CapaKernelOptions }[] = [
    { n: 1, width: 7, options: {} },
    { n: 2, width: 4, options: {} },
    { n: 11, width: 1001, options: { tileSize: 6 } },
    { n: 40, width: 333, options: { tileSize: 9, chunkValues: 8 } },
    { n: 40, width: 333, options: { tileSize: 9, threads: 2 } },
    { n: 25, width: 2050, options: { tileSize: 6, chunkValues: 0 } },
  ];
  for (const variant of variants) {
    for (const { n, width, options } of cases) {
      test(`${variant.kernel} ${variant.simd ?? ""}, ${n} models x ${width} values ${JSON.stringify(options)}: within ${CAPA_SUM_RELATIVE_TOLERANCE} of float64 on the unrounded values`, async () => {
        const { f64, f32 } = probabilities(n, width, 10, n * 7919 + width);
        const result = await capaAllPairSums(matrixSource(f32, n, width), { ...options, ...variant });
        assert.equal(result.kernel, variant.kernel);
        assert.equal(result.simd, variant.simd);
        assert.equal(result.models, n);
        const worst = worstRelativeError(result.sums!, referenceSums(f64, n, width));
        assert.ok(worst <= CAPA_SUM_RELATIVE_TOLERANCE, `worst relative error ${worst}`);
        // Typically far inside the bound: float32 rounding of the inputs (2^-24) and short float32 sums.
        assert.ok(worst < 2e-6, `worst relative error ${worst}`);
      });
    }
  }

  test("the TypeScript kernel sums the float32 values in float64: equal to the float64 sums of the rounded values to 1e-12", async () => {
    const n = 17;
    const width = 999;
    const { f32 } = probabilities(n, width, 4, 5);
    const result = await capaAllPairSums(matrixSource(f32, n, width), { kernel: "ts", tileSize: 6 });
    assert.ok(worstRelativeError(result.sums!, referenceSums(f32, n, width)) < 1e-12);
  });

  test("float32 accumulation is blocked: a long vector (120,000 values) stays within 1e-6 where one float32 sum would not", async () => {
    const n = 4;
    const width = 120_000;
    const { f64, f32 } = probabilities(n, width, 10, 11);
    for (const kernel of kernels) {
      const result = await capaAllPairSums(matrixSource(f32, n, width), { kernel });
      const worst = worstRelativeError(result.sums!, referenceSums(f64, n, width));
      assert.ok(worst < 1e-6, `${kernel}: worst relative error ${worst}`);
    }
    // The naive float32 running sum of the same products drifts far more.
    let naive = Math.fround(0);
    let exact = 0;
    for (let k = 0; k < width; k++) {
      naive = Math.fround(naive + Math.fround(f32[k] * f32[width + k]));
      exact += f64[k] * f64[width + k];
    }
    assert.ok(Math.abs(naive - exact) / exact > 1e-6, `naive float32 error ${Math.abs(naive - exact) / exact}`);
  });

  test("streamed in blocks (maxBytes below the matrix): the same sums, every pair in exactly one tile", async () => {
    const n = 50;
    const width = 401;
    const { f64, f32 } = probabilities(n, width, 5, 3);
    const plan = planCapa(n, width, 2, 6, 1024, 60_000);
    assert.ok(plan.blockModels < n, `blocks of ${plan.blockModels}`);
    assert.ok(plan.bytes <= 60_000, `${plan.bytes} bytes`);
    const reads: [number, number][] = [];
    const source = matrixSource(f32, n, width);
    const seen = new Uint8Array(n * n);
    const tiles: CapaTile[] = [];
    const result = await capaAllPairSums(
      { ...source, read: (start, end, into) => (reads.push([start, end]), source.read(start, end, into)) },
      { kernel: kernels[0], tileSize: 6, threads: 2, maxBytes: 60_000, onTile: (tile) => void tiles.push(tile) },
    );
    assert.equal(result.sums, undefined);
    assert.equal(result.blockModels, plan.blockModels);
    const reference = referenceSums(f64, n, width);
    for (const tile of tiles) {
      const w = tile.colEnd - tile.colStart;
      for (let i = tile.rowStart; i < tile.rowEnd; i++)
        for (let j = Math.max(i + 1, tile.colStart); j < tile.colEnd; j++) {
          seen[i * n + j]++;
          const s = tile.sums[(i - tile.rowStart) * w + (j - tile.colStart)];
          assert.ok(Math.abs(s - reference[i * n + j]) <= CAPA_SUM_RELATIVE_TOLERANCE * reference[i * n + j], `pair ${i}, ${j}`);
        }
    }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(seen[i * n + j], 1, `pair ${i}, ${j}`);
    // Block I once, then every block J > I: more reads than one pass, each within the models.
    assert.ok(reads.length > 1);
    for (const [start, end] of reads) assert.ok(0 <= start && start < end && end <= n);
  });

  test("pooled worker threads deliver their tiles run after run (slow consumer: the worker computes most tiles)", async () => {
    const n = 30;
    const width = 64;
    const { f64, f32 } = probabilities(n, width, 4, 8);
    const reference = referenceSums(f64, n, width);
    for (let run = 0; run < 3; run++) {
      let pairs = 0;
      await capaAllPairSums(matrixSource(f32, n, width), {
        kernel: kernels[0],
        threads: 2,
        tileSize: 3,
        onTile: async (tile) => {
          const w = tile.colEnd - tile.colStart;
          for (let i = tile.rowStart; i < tile.rowEnd; i++)
            for (let j = Math.max(i + 1, tile.colStart); j < tile.colEnd; j++) {
              pairs++;
              const s = tile.sums[(i - tile.rowStart) * w + (j - tile.colStart)];
              assert.ok(Math.abs(s - reference[i * n + j]) <= CAPA_SUM_RELATIVE_TOLERANCE * reference[i * n + j]);
            }
          await new Promise((resolve) => setTimeout(resolve, 15));
        },
      });
      assert.equal(pairs, (n * (n - 1)) / 2, `run ${run}`);
    }
  });

  /**
   * Runs the kernel in a fresh Node process (this Node, no flags) with `env` added: whether relaxed
   * SIMD compiled there before the run, the multiply-add the run used, whether relaxed SIMD compiles
   * after it, and the worst relative error of its sums against float64 sums of the float32 values.
   */
  function freshProcessRun(options: CapaKernelOptions, env: Record<string, string>) {
    const script = `
      import { capaAllPairSums, capaSimdAvailable, closeCapaThreads, matrixSource } from ${JSON.stringify(new URL("../../src/kernel/capa-kernel.ts", import.meta.url).href)};
      const before = capaSimdAvailable("relaxed-madd");
      const n = 31, width = 2003;
      const f32 = new Float32Array(n * width);
      for (let i = 0; i < f32.length; i++) f32[i] = ((i * 2654435761) % 1000) / 1000;
      let result;
      try {
        result = await capaAllPairSums(matrixSource(f32, n, width), { tileSize: 6, ...${JSON.stringify(options)} });
      } catch (error) {
        console.log(JSON.stringify({ before, error: error.message }));
        process.exit(0);
      }
      await closeCapaThreads();
      let worst = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        let s = 0;
        for (let k = 0; k < width; k++) s += f32[a * width + k] * f32[b * width + k];
        worst = Math.max(worst, Math.abs(result.sums[a * n + b] - s) / s);
      }
      console.log(JSON.stringify({ before, simd: result.simd, threads: result.threads, after: capaSimdAvailable("relaxed-madd"), worst }));`;
    const { TRIALWISE_NO_V8_FLAGS: _, ...inherited } = process.env;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...inherited, ...env },
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as {
      before: boolean;
      simd?: string;
      threads?: number;
      after?: boolean;
      worst?: number;
      error?: string;
    };
  }

  test("in a fresh Node process the kernel uses relaxed SIMD by default (on Node 20 by setting V8's flag itself), on worker threads too, within the tolerance", () => {
    if (!capaWasmAvailable()) return;
    const run = freshProcessRun({ threads: 2 }, {});
    assert.equal(run.simd, "relaxed-madd");
    assert.equal(run.threads, 2);
    assert.ok(run.worst! <= CAPA_SUM_RELATIVE_TOLERANCE && run.worst! < 2e-6, `worst relative error ${run.worst}`);
  });

  test("TRIALWISE_NO_V8_FLAGS=1: no V8 flag is set, so where relaxed SIMD needs one (Node 20) the kernel uses mul-add, within the tolerance, and refuses a forced relaxed-madd", () => {
    if (!capaWasmAvailable()) return;
    const run = freshProcessRun({ threads: 1 }, { TRIALWISE_NO_V8_FLAGS: "1" });
    assert.equal(run.after, run.before, "relaxed SIMD's availability unchanged");
    assert.equal(run.simd, run.before ? "relaxed-madd" : "mul-add");
    assert.ok(run.worst! <= CAPA_SUM_RELATIVE_TOLERANCE && run.worst! < 2e-6, `worst relative error ${run.worst}`);
    if (!run.before) {
      const forced = freshProcessRun({ simd: "relaxed-madd" }, { TRIALWISE_NO_V8_FLAGS: "1" });
      assert.match(forced.error!, /relaxed-madd variant does not compile here .*TRIALWISE_NO_V8_FLAGS/);
    }
  });

  test("the simd option forces either variant in a fresh process; forcing mul-add sets no V8 flag", () => {
    if (!capaWasmAvailable()) return;
    const mulAdd = freshProcessRun({ simd: "mul-add", threads: 1 }, {});
    assert.equal(mulAdd.simd, "mul-add");
    assert.equal(mulAdd.after, mulAdd.before, "relaxed SIMD's availability unchanged");
    assert.ok(mulAdd.worst! < 2e-6, `worst relative error ${mulAdd.worst}`);
    const relaxed = freshProcessRun({ simd: "relaxed-madd", threads: 1 }, { TRIALWISE_NO_V8_FLAGS: "0" });
    assert.equal(relaxed.simd, "relaxed-madd");
    assert.ok(relaxed.worst! < 2e-6, `worst relative error ${relaxed.worst}`);
  });

  test("the embedded CAPA binaries were built from the current capa.wat", () => {
    const source = readFileSync(new URL("../../src/kernel/capa.wat", import.meta.url), "utf8");
    assert.equal(CAPA_WAT_SHA256, createHash("sha256").update(source).digest("hex"), "run npm run build:wasm");
  });

  test("bad options are RangeErrors", async () => {
    const source = matrixSource(new Float32Array(12), 3, 4);
    await assert.rejects(capaAllPairSums(source, { tileSize: 4 }), /tileSize must be a multiple of 3/);
    await assert.rejects(capaAllPairSums(source, { chunkValues: 6 }), /chunkValues must be a non-negative multiple of 4/);
    await assert.rejects(capaAllPairSums(source, { threads: 0 }), /threads must be a positive integer/);
    await assert.rejects(capaAllPairSums(source, { maxBytes: 100 }), /maxBytes 100 is too small/);
    await assert.rejects(capaAllPairSums(source, { simd: "fma" as "mul-add" }), /simd must be "mul-add", "relaxed-madd" or "auto"/);
    assert.throws(() => matrixSource(new Float32Array(11), 3, 4), /values holds 11 numbers, need 3 x 4/);
  });
});
