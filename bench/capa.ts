/**
 * CAPA kernel benchmark: all pairs of N models x items x options probability vectors (default
 * the Open LLM Leaderboard's scale, 1,000 x 12,000 x 10: a 480 MB float32 matrix) through the
 * all-pairs CAPA kernel (src/kernel/capa-kernel.ts), against numpy's float32 P @ P.T plus the
 * same CAPA arithmetic, on the same data, in one run.
 *
 *   npm run bench                       (runs this after the other benches)
 *   node --import tsx bench/capa.ts [--json] [--runs N] [--models N] [--items N] [--options N]
 *                                   [--small-models N] [--no-threshold]
 *   TRIALWISE_NO_V8_FLAGS=1 node --import tsx bench/capa.ts    (Node 20 without the V8 flag
 *                                   trialwise sets for relaxed SIMD: mul-add throughout)
 *
 * Measured (each: one warm-up run, then --runs timed runs, default 3):
 * 1. full size: the kernel's sums of every pair plus every pair's CAPA (`capaFromSums` on each
 *    tile as it comes; p_hat per model in float64), WebAssembly with 2 threads and 1. The clock
 *    covers p_hat, copying the matrix into the kernel's layout, the tiles and every pair's
 *    kappa_p; not generating the data. The multiply-add is the kernel's default (relaxed-madd
 *    where relaxed SIMD compiles, Node 20 included: the kernel sets V8's flag itself); then
 *    mul-add forced, 2 threads, for comparison in the same run.
 * 2. numpy on the same matrix (written to a temporary file, read with np.fromfile before the
 *    clock starts): S = P @ P.T (OpenBLAS; numpy computes x @ x.T as a symmetric rank-k update),
 *    p_hat, c_exp_p, kappa_p and the upper triangle, with all cores and with one
 *    (OPENBLAS_NUM_THREADS=1). The largest difference between numpy's and the kernel's kappa_p
 *    is printed as a check.
 * 3. a smaller size (--small-models, default 200): the same, plus the TypeScript fallback.
 * 4. the threshold of `pairs --metric capa`: metricPairs (the float64 per-pair reference) against
 *    capaKernelPairs (the kernel forced) on probability tables of a few sizes around 2^24
 *    pair-values.
 * "G pair-values/s": pairs x values per model per second. No assertions on time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { capaFromSums } from "../src/core/capa.ts";
import { metricPairs } from "../src/core/metric-pairs.ts";
import { ProbabilityTableBuilder, type ProbabilityTable } from "../src/core/probability-table.ts";
import { type CapaKernelName, type CapaSimd, capaAllPairSums, closeCapaThreads, matrixSource } from "../src/kernel/capa-kernel.ts";
import { capaKernelPairs } from "../src/kernel/capa-pairs.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string" },
    models: { type: "string" },
    items: { type: "string" },
    options: { type: "string" },
    "small-models": { type: "string" },
    "no-threshold": { type: "boolean", default: false },
  },
  strict: false,
});
const RUNS = Number(args.runs ?? 3);
const N = Number(args.models ?? 1000);
const ITEMS = Number(args.items ?? 12_000);
const OPTIONS = Number(args.options ?? 10);
const SMALL_N = Number(args["small-models"] ?? 200);
const WIDTH = ITEMS * OPTIONS;

const log = (text: string) => {
  if (!args.json) process.stderr.write(`${text}\n`);
};

interface Timing {
  kind: "timing";
  measurement: string;
  size: string;
  runs: number;
  median_s: number;
  min_s: number;
  /** CPU seconds of the process (all its threads; numpy: time.process_time()), median. */
  cpu_median_s: number;
  /** pairs x values per model per second, at the median run. */
  pair_values_per_second: number;
  note?: string;
}

const timings: Timing[] = [];
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function record(measurement: string, n: number, seconds: number[], cpuSeconds: number[], note?: string): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = medianOf(seconds);
  const timing: Timing = {
    kind: "timing",
    measurement,
    size: `${n} models x ${ITEMS} items x ${OPTIONS} options`,
    runs: seconds.length,
    median_s: median,
    min_s: sorted[0],
    cpu_median_s: medianOf(cpuSeconds),
    pair_values_per_second: (((n * (n - 1)) / 2) * WIDTH) / median,
    ...(note ? { note } : {}),
  };
  timings.push(timing);
  return timing;
}

async function repeat(runs: number, run: () => Promise<number> | number): Promise<number[]> {
  await run(); // warm-up
  const seconds: number[] = [];
  for (let r = 0; r < runs; r++) seconds.push(await run());
  return seconds;
}

/** mulberry32 */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Models' probability vectors that agree more than chance: softmax of an item's shared logits
 * (its difficulty and its tempting wrong options) plus the model's skill on the correct option
 * and its own noise.
 */
function generate(n: number, seed: number): { values: Float32Array; truth: Int32Array } {
  const next = random(seed);
  const truth = Int32Array.from({ length: ITEMS }, () => Math.floor(next() * OPTIONS));
  const shared = Float64Array.from({ length: WIDTH }, () => 2 * (next() - 0.5));
  const values = new Float32Array(n * WIDTH);
  const logits = new Float64Array(OPTIONS);
  for (let m = 0; m < n; m++) {
    const skill = 3 * next();
    for (let i = 0; i < ITEMS; i++) {
      let top = -Infinity;
      for (let o = 0; o < OPTIONS; o++) {
        logits[o] = 2.5 * shared[i * OPTIONS + o] + 1.5 * (next() - 0.5) + (o === truth[i] ? skill : 0);
        top = Math.max(top, logits[o]);
      }
      let sum = 0;
      for (let o = 0; o < OPTIONS; o++) sum += logits[o] = Math.exp(logits[o] - top);
      for (let o = 0; o < OPTIONS; o++) values[m * WIDTH + i * OPTIONS + o] = logits[o] / sum;
    }
  }
  return { values, truth };
}

/** Every pair's kappa_p through the kernel, upper triangle row by row; returns the seconds too. */
async function kernelCapa(
  values: Float32Array,
  n: number,
  truth: Int32Array,
  kernel: CapaKernelName,
  threads: number,
  maxBytes?: number,
  simd?: CapaSimd,
): Promise<{ seconds: number; cpuSeconds: number; kappa: Float64Array; simd: string }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const correct = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    let sum = 0;
    for (let i = 0; i < ITEMS; i++) sum += values[m * WIDTH + i * OPTIONS + truth[i]];
    correct[m] = sum;
  }
  const chance = ITEMS / (OPTIONS - 1);
  const kappa = new Float64Array((n * (n - 1)) / 2);
  const sums = await capaAllPairSums(matrixSource(values, n, WIDTH), {
    kernel,
    threads,
    ...(maxBytes ? { maxBytes } : {}),
    ...(simd ? { simd } : {}),
    onTile: (tile) => {
      const w = tile.colEnd - tile.colStart;
      for (let a = tile.rowStart; a < tile.rowEnd; a++) {
        const row = a * n - (a * (a + 1)) / 2 - a - 1;
        for (let b = Math.max(a + 1, tile.colStart); b < tile.colEnd; b++) {
          kappa[row + b] = capaFromSums(
            ITEMS,
            tile.sums[(a - tile.rowStart) * w + (b - tile.colStart)],
            correct[a],
            correct[b],
            chance,
          ).kappa_p;
        }
      }
    },
  });
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, kappa, simd: sums.simd ?? "" };
}

function findNumpy(): string | undefined {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(python, ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8" });
    if (probe.status === 0) return python;
  }
  return undefined;
}
const python = findNumpy();
const NUMPY = String.raw`
import json, sys, time
import numpy as np
path, n, items, options, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
P = np.fromfile(path + "/p.f32", dtype=np.float32).reshape(n, items * options)
truth = np.fromfile(path + "/truth.i32", dtype=np.int32)
columns = np.arange(items) * options + truth
def run():
    start = time.perf_counter()
    cpu = time.process_time()
    S = P @ P.T
    p = P[:, columns].astype(np.float64).mean(axis=1)
    f = 1.0 / (options - 1)
    c_obs = S.astype(np.float64) / items
    c_exp = np.outer(p, p) + f * np.outer(1 - p, 1 - p)
    kappa = (c_obs - c_exp) / (1 - c_exp)
    upper = kappa[np.triu_indices(n, 1)]
    return time.perf_counter() - start, time.process_time() - cpu, upper
run()
seconds, cpu_seconds = [], []
for _ in range(runs):
    s, c, upper = run()
    seconds.append(s)
    cpu_seconds.append(c)
ours = np.fromfile(path + "/kappa.f64", dtype=np.float64)
print(json.dumps({"numpy": np.__version__, "seconds": seconds, "cpu_seconds": cpu_seconds, "max_kappa_difference": float(np.max(np.abs(upper - ours)))}))
`;

/** numpy on the same matrix; null where there is no numpy or it failed. */
function numpyCapa(values: Float32Array, n: number, truth: Int32Array, kappa: Float64Array, threads: number | undefined) {
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), "trialwise-bench-capa-"));
  try {
    writeFileSync(join(dir, "p.f32"), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    writeFileSync(join(dir, "truth.i32"), new Uint8Array(truth.buffer));
    writeFileSync(join(dir, "kappa.f64"), new Uint8Array(kappa.buffer));
    const env = { ...process.env, ...(threads ? { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) } : {}) };
    const out = spawnSync(python, ["-c", NUMPY, dir, String(n), String(ITEMS), String(OPTIONS), String(RUNS)], {
      encoding: "utf8",
      env,
      timeout: 1_200_000,
      maxBuffer: 1 << 20,
    });
    if (out.status !== 0) {
      log(`numpy failed: ${out.stderr || out.error}`);
      return null;
    }
    return JSON.parse(out.stdout) as { numpy: string; seconds: number[]; cpu_seconds: number[]; max_kappa_difference: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const checks: { size: string; numpy_threads: string; max_kappa_difference: number }[] = [];

async function measureSize(n: number, withTypeScript: boolean): Promise<void> {
  log(`generating ${n} x ${ITEMS} x ${OPTIONS} (${((n * WIDTH * 4) / 2 ** 20).toFixed(0)} MiB float32)`);
  const { values, truth } = generate(n, n);
  let kappa: Float64Array | undefined;
  const variants: [CapaKernelName, number, number, number?, CapaSimd?][] = [
    ["wasm", 2, RUNS],
    ["wasm", 1, Math.min(RUNS, 2)],
  ];
  // Streaming: the matrix read in blocks of models, two blocks in memory (a quarter of the matrix each).
  const streamBytes = Math.ceil((n * WIDTH * 4) / 4 / 2 ** 20) * 2 ** 20 * 2 + 64 * 2 ** 20;
  if (!withTypeScript) variants.push(["wasm", 2, 1, streamBytes]);
  if (withTypeScript) variants.push(["ts", 1, 1]);
  // mul-add beside the default multiply-add (relaxed-madd wherever relaxed SIMD compiles, Node 20 included) where they differ.
  else variants.push(["wasm", 2, RUNS, undefined, "mul-add"]);
  let defaultSimd = "";
  for (const [kernel, threads, runs, maxBytes, forced] of variants) {
    if (forced && forced === defaultSimd) continue;
    const cpuSeconds: number[] = [];
    let simd = "";
    const seconds = await repeat(runs, async () => {
      const result = await kernelCapa(values, n, truth, kernel, threads, maxBytes, forced);
      kappa = result.kappa;
      simd = result.simd;
      if (kernel === "wasm" && !forced) defaultSimd = simd;
      cpuSeconds.push(result.cpuSeconds);
      return result.seconds;
    });
    cpuSeconds.shift(); // the warm-up's
    record(
      `kernel: sums + CAPA, ${kernel === "wasm" ? `WebAssembly ${simd}${forced ? " (forced)" : ""}` : "TypeScript"}${maxBytes ? `, streamed (maxBytes ${(maxBytes / 2 ** 20).toFixed(0)} MiB)` : ""}, ${threads} thread(s)`,
      n,
      seconds,
      cpuSeconds,
    );
    log(`${kernel} ${threads} thread(s) measured`);
  }
  await closeCapaThreads();
  for (const threads of [undefined, 1]) {
    const result = numpyCapa(values, n, truth, kappa!, threads);
    if (!result) continue;
    const label = threads ? "1 thread" : `${cpus().length} threads`;
    record(`numpy ${result.numpy}: float32 P @ P.T + CAPA, ${label}`, n, result.seconds, result.cpu_seconds);
    checks.push({ size: `${n} models`, numpy_threads: label, max_kappa_difference: result.max_kappa_difference });
    log(`numpy ${label} measured`);
  }
}

const loadBefore = loadavg()[0];
await measureSize(N, false);
if (SMALL_N > 0 && SMALL_N !== N) await measureSize(SMALL_N, true);

// 4. The threshold of pairs --metric capa: the reference against the kernel on probability tables.
interface ThresholdRow {
  kind: "threshold";
  models: number;
  items: number;
  pair_values: number;
  reference_ms: number;
  kernel_ms: number;
}
const threshold: ThresholdRow[] = [];
if (!args["no-threshold"]) {
  const table = (g: number, q: number): ProbabilityTable => {
    const next = random(g * 1000 + q);
    const builder = new ProbabilityTableBuilder("bench");
    const options = Array.from({ length: 10 }, (_, k) => `o${k}`);
    for (let i = 0; i < q; i++) {
      const item = builder.item({ unit: "all", key: `q${i}`, options, truth: options[i % 10] }, {});
      for (let m = 0; m < g; m++) {
        const raw = options.map(() => next() ** 3);
        const sum = raw.reduce((s, v) => s + v, 0);
        builder.probabilities(
          `m${String(m).padStart(4, "0")}`,
          item,
          raw.map((v) => v / sum),
          {},
        );
      }
    }
    return builder.build();
  };
  const median = async (run: () => unknown) => {
    const seconds = await repeat(3, async () => {
      const start = performance.now();
      await run();
      return performance.now() - start;
    });
    return seconds.sort((a, b) => a - b)[1];
  };
  for (const [g, q] of [
    [20, 1000],
    [40, 1000],
    [60, 1000],
    [100, 1000],
    [100, 4000],
  ]) {
    const t = table(g, q);
    threshold.push({
      kind: "threshold",
      models: g,
      items: q,
      pair_values: ((g * (g - 1)) / 2) * q * 10,
      reference_ms: await median(() => metricPairs(t, { metric: "capa" })),
      kernel_ms: await median(() => capaKernelPairs(t, { metric: "capa", minPairValues: 0 })),
    });
  }
  await closeCapaThreads();
  log("threshold measured");
}

// ---------------------------------------------------------------------------------------------
// Report

const meta = {
  kind: "meta",
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? "unknown",
  date: new Date().toISOString(),
  runs: RUNS,
  load_average_before: loadBefore,
  load_average_after: loadavg()[0],
};
const ratio = (n: number, kernelThreads: 1 | 2) => {
  const ours = timings.find(
    (t) =>
      t.size.startsWith(`${n} models`) &&
      t.measurement.startsWith("kernel: sums + CAPA, WebAssembly") &&
      t.measurement.endsWith(`, ${kernelThreads} thread(s)`),
  );
  const numpy = timings.find(
    (t) =>
      t.size.startsWith(`${n} models`) &&
      t.measurement.startsWith("numpy") &&
      t.measurement.endsWith(kernelThreads === 1 ? ", 1 thread" : "threads"),
  );
  return ours && numpy ? ours.median_s / numpy.median_s : null;
};
/** The fastest median of each side at size n: the kernel's (any threads) over numpy's (any threads). */
const bestRatio = (n: number) => {
  const at = timings.filter((t) => t.size.startsWith(`${n} models`));
  const ours = Math.min(...at.filter((t) => t.measurement.startsWith("kernel: sums + CAPA, WebAssembly")).map((t) => t.median_s));
  const numpy = Math.min(...at.filter((t) => t.measurement.startsWith("numpy")).map((t) => t.median_s));
  return Number.isFinite(ours) && Number.isFinite(numpy) ? ours / numpy : null;
};
const ratios = {
  kind: "ratios",
  full_best_kernel_over_best_numpy: bestRatio(N),
  small_best_kernel_over_best_numpy: bestRatio(SMALL_N),
  full_kernel_2_threads_over_numpy_all_threads: ratio(N, 2),
  full_kernel_1_thread_over_numpy_1_thread: ratio(N, 1),
  small_kernel_2_threads_over_numpy_all_threads: ratio(SMALL_N, 2),
  small_kernel_1_thread_over_numpy_1_thread: ratio(SMALL_N, 1),
};

if (args.json) {
  console.log(JSON.stringify(meta));
  for (const t of timings) console.log(JSON.stringify(t));
  for (const c of checks) console.log(JSON.stringify({ kind: "check", ...c }));
  for (const t of threshold) console.log(JSON.stringify(t));
  console.log(JSON.stringify(ratios));
} else {
  const header = ["measurement", "size", "median s", "min s", "CPU s", "runs", "G pair-values/s"];
  const rows = timings.map((t) => [
    t.measurement,
    t.size,
    t.median_s.toFixed(3),
    t.min_s.toFixed(3),
    t.cpu_median_s.toFixed(3),
    String(t.runs),
    (t.pair_values_per_second / 1e9).toFixed(2),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k < 2 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join("  ");
  console.log("trialwise CAPA kernel benchmark");
  console.log(
    `node ${meta.node}, ${meta.cpus} CPU(s), ${meta.cpu_model}; load average ${loadBefore.toFixed(1)} before, ${meta.load_average_after.toFixed(1)} after; 1 warm-up, then timed runs\n`,
  );
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log("");
  for (const c of checks)
    console.log(
      `check, ${c.size}: largest |kappa_p numpy - kappa_p kernel| ${c.max_kappa_difference.toExponential(2)} (numpy ${c.numpy_threads})`,
    );
  const show = (value: number | null) => (value === null ? "-" : `${value.toFixed(2)}x numpy's time`);
  console.log(`fastest kernel / fastest numpy, ${N} models:       ${show(ratios.full_best_kernel_over_best_numpy)}`);
  console.log(`fastest kernel / fastest numpy, ${SMALL_N} models:        ${show(ratios.small_best_kernel_over_best_numpy)}`);
  console.log(`kernel 2 threads / numpy all threads, ${N} models:  ${show(ratios.full_kernel_2_threads_over_numpy_all_threads)}`);
  console.log(`kernel 1 thread / numpy 1 thread, ${N} models:      ${show(ratios.full_kernel_1_thread_over_numpy_1_thread)}`);
  console.log(`kernel 2 threads / numpy all threads, ${SMALL_N} models: ${show(ratios.small_kernel_2_threads_over_numpy_all_threads)}`);
  console.log(`kernel 1 thread / numpy 1 thread, ${SMALL_N} models:     ${show(ratios.small_kernel_1_thread_over_numpy_1_thread)}`);
  if (threshold.length > 0) {
    console.log("\npairs --metric capa: metricPairs (float64 reference) vs capaKernelPairs (kernel forced), median of 3, ms");
    console.log("models  items  pair-values  reference  kernel");
    for (const t of threshold)
      console.log(
        `${String(t.models).padStart(6)}  ${String(t.items).padStart(5)}  ${String(t.pair_values).padStart(11)}  ${t.reference_ms.toFixed(1).padStart(9)}  ${t.kernel_ms.toFixed(1).padStart(6)}`,
      );
  }
}
