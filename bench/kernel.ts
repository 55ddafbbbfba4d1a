/**
 * Kernel benchmark: the bit-packed all-pairs kernel (src/kernel) on generated, correlated
 * correctness data, against what this CPU does per popcount and against the straightforward
 * per-pair implementation (computePairs), in one run.
 *
 *   npm run bench                     (runs this after the other benches; readable table)
 *   node --import tsx bench/kernel.ts [--json] [--runs N] [--observers N] [--trials M]
 *
 * Measured (each: one warm-up run, then --runs timed runs, default 3; the TypeScript kernel at
 * full size: one warm-up and 2 runs):
 * 1. popcount limit: the WebAssembly `popcountSum` loop over 16 KiB (in L1): one load, one
 *    popcnt and one add per 64-bit word, four accumulators. One thread. Sampled 5 times at the
 *    start and once before every timed run at full size (the machine's load varies during a
 *    run); the limit is the fastest sample.
 * 2. all pairs of N = 1,000 observers x M = 50,000 trials (`benchKernel`, as
 *    `trialwise bench kernel`: both-correct counts and every pair's kappa, streamed by tile):
 *    WebAssembly with 2 threads and with 1, the TypeScript fallback with 1 and 2; and the
 *    WebAssembly tile kernel alone (`bothCorrectTile` over every tile, one thread, memory
 *    prepared beforehand: no packing, correct counts, kappas or hand-over), to show what the
 *    end-to-end figure loses to the rest.
 * 3. a smaller size, N = 100 x M = 10,000, as a trial table: computePairs (the per-pair
 *    reference) against kernelPairs (the same PairResult through the kernel; checked equal)
 *    and the kernel alone on packed data.
 * 4. where a python3 with numpy is found (/usr/bin/python3 first, then python3 on PATH): a
 *    numpy baseline on both sizes, counts as the float32 matrix product X X^T plus every pair's
 *    kappa, vectorized; at full size also with one BLAS thread (OPENBLAS_NUM_THREADS=1).
 * Times include kernel set-up (packing into the kernel's layout, WebAssembly instantiation,
 * handing work to the pooled worker threads, started and ready beforehand), not data
 * generation. No assertions on time.
 */
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs, isDeepStrictEqual } from "node:util";
import { BENCH_SEED, benchKernel, correlatedObservers } from "../src/cli/bench.ts";
import { computePairs } from "../src/core/pairs.ts";
import { TrialTableBuilder, type TrialTable } from "../src/core/trials.ts";
import { DEFAULT_CHUNK_WORDS, DEFAULT_TILE_SIZE, closeKernelThreads, pairTiles, warmKernelThreads } from "../src/kernel/index.ts";
import { isCorrect } from "../src/kernel/packed.ts";
import { kernelPairs } from "../src/kernel/pairs.ts";
import { createMemory, instantiateKernel, prepareMemory } from "../src/kernel/wasm.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string" },
    observers: { type: "string" },
    trials: { type: "string" },
  },
  strict: false,
});
const RUNS = Number(args.runs ?? 3);
const N = Number(args.observers ?? 1000);
const M = Number(args.trials ?? 50_000);
const SMALL_N = 100;
const SMALL_M = 10_000;

interface Timing {
  kind: "timing";
  measurement: string;
  size: string;
  runs: number;
  median_s: number;
  min_s: number;
  /** pair-trials (or popcounted bits, for the limit) per second, at the fastest run. */
  trials_per_second: number;
  /** 64-bit words popcounted per second at the fastest run (pairs x ceil(M / 64) / s); null where no popcounts are done. */
  popcounts_per_second: number | null;
  note?: string;
}

function summarize(
  measurement: string,
  size: string,
  seconds: number[],
  work: { trials: number; words: number | null },
  note?: string,
): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const min = sorted[0];
  return {
    kind: "timing",
    measurement,
    size,
    runs: seconds.length,
    median_s: sorted[Math.floor(sorted.length / 2)],
    min_s: min,
    trials_per_second: work.trials / min,
    popcounts_per_second: work.words === null ? null : work.words / min,
    ...(note ? { note } : {}),
  };
}

async function repeat(runs: number, run: () => Promise<number> | number): Promise<number[]> {
  await run(); // warm-up
  const seconds: number[] = [];
  for (let r = 0; r < runs; r++) seconds.push(await run());
  return seconds;
}

const timings: Timing[] = [];
const log = (text: string) => {
  if (!args.json) process.stderr.write(`${text}\n`);
};

// 1. The popcount limit: sampled at the start and again before every timed run at full size
// (the machine's load changes over a run; the limit is the fastest of all samples).
const LIMIT_WORDS = 2048; // 16 KiB
const LIMIT_REPEATS = 100_000;
const limitKernel = instantiateKernel(createMemory(LIMIT_WORDS * 8, false));
crypto.getRandomValues(new Uint32Array(limitKernel.memory.buffer, 0, LIMIT_WORDS * 2));
const limitSeconds: number[] = [];
function sampleLimit(): void {
  const start = performance.now();
  limitKernel.popcountSum(0, LIMIT_WORDS, LIMIT_REPEATS);
  limitSeconds.push((performance.now() - start) / 1000);
}
sampleLimit(); // warm-up
limitSeconds.length = 0;
for (let r = 0; r < Math.max(RUNS, 5); r++) sampleLimit();
log("popcount limit measured");

// 2. The kernel at full size.
const pairs = (N * (N - 1)) / 2;
const fullSize = `N=${N} x M=${M} (${pairs} pairs)`;
const fullWork = { trials: pairs * M, words: pairs * Math.ceil(M / 64) };
const fullPacked = correlatedObservers(N, M, BENCH_SEED);
// Worker threads started and ready before the runs (the warm-up run alone did not: starting a
// worker under tsx takes longer than a run at this size).
await warmKernelThreads(2);
for (const [kernel, threads, runs] of [
  ["wasm", 2, RUNS],
  ["wasm", 1, RUNS],
  ["ts", 1, 2],
  ["ts", 2, 2],
] as const) {
  const seconds = await repeat(runs, async () => {
    sampleLimit();
    return (await benchKernel({ observers: N, trials: M, threads, kernel })).seconds;
  });
  timings.push(
    summarize(
      `all pairs, counts + kappa, ${kernel === "wasm" ? "WebAssembly" : "TypeScript"}, ${threads} thread(s)`,
      fullSize,
      seconds,
      fullWork,
    ),
  );
  log(`${kernel} ${threads} thread(s) measured`);
}

{
  const { memory, layout, release } = prepareMemory(fullPacked.bits, N, fullPacked.wordsPerObserver, DEFAULT_TILE_SIZE, 1, false);
  const kernel = instantiateKernel(memory);
  const tiles = pairTiles(N, DEFAULT_TILE_SIZE);
  const seconds = await repeat(RUNS, () => {
    sampleLimit();
    const start = performance.now();
    for (let t = 0; t < tiles.length; t += 4) {
      const [r0, r1, c0, c1] = tiles.subarray(t, t + 4);
      kernel.bothCorrectTile(layout.pairs, layout.words64, r0, r1, c0, c1, layout.scratch, r0 === c0 ? 1 : 0, DEFAULT_CHUNK_WORDS);
    }
    return (performance.now() - start) / 1000;
  });
  release(true);
  timings.push(summarize("tile kernel alone (WebAssembly bothCorrectTile, 1 thread)", fullSize, seconds, fullWork));
  log("tile kernel alone measured");
}

// 3. The per-pair reference on a smaller size, as a trial table.
const smallPairs = (SMALL_N * (SMALL_N - 1)) / 2;
const smallSize = `N=${SMALL_N} x M=${SMALL_M} (${smallPairs} pairs)`;
const smallWork = { trials: smallPairs * SMALL_M, words: smallPairs * Math.ceil(SMALL_M / 64) };
function tableOf(observers: number, trials: number): TrialTable {
  const packed = correlatedObservers(observers, trials, 2);
  const builder = new TrialTableBuilder("generated");
  for (let i = 0; i < observers; i++) {
    const observer = `model${String(i).padStart(4, "0")}`;
    for (let t = 0; t < trials; t++) {
      builder.add({
        observer,
        condition: "all",
        stimulus: `s${t}`,
        truth: null,
        response: null,
        correct: isCorrect(packed, i, t),
        missing: false,
        file: "generated",
        line: t,
      });
    }
  }
  return builder.build();
}
const table = tableOf(SMALL_N, SMALL_M);
const reference = computePairs(table);
const viaKernel = await kernelPairs(table);
if (!isDeepStrictEqual(reference, viaKernel)) {
  console.error("kernelPairs and computePairs differ on the generated table");
  process.exit(1);
}
{
  const seconds = await repeat(RUNS, () => {
    const start = performance.now();
    computePairs(table);
    return (performance.now() - start) / 1000;
  });
  timings.push(
    summarize("computePairs (per-pair reference), from the trial table", smallSize, seconds, { trials: smallPairs * SMALL_M, words: null }),
  );
  const kernelSeconds = await repeat(RUNS, async () => {
    const start = performance.now();
    await kernelPairs(table);
    return (performance.now() - start) / 1000;
  });
  timings.push(
    summarize("kernelPairs (same PairResult, checked), from the trial table", smallSize, kernelSeconds, {
      trials: smallPairs * SMALL_M,
      words: null,
    }),
  );
  const alone = await repeat(RUNS, async () => (await benchKernel({ observers: SMALL_N, trials: SMALL_M, kernel: "wasm" })).seconds);
  timings.push(summarize("all pairs, counts + kappa, WebAssembly (threads auto), packed data", smallSize, alone, smallWork));
  log("small size measured");
}

// 4. numpy, where available.
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
n, m, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
easy = rng.random(m)
level = 0.55 + 0.4 * rng.random((n, 1))
x = (rng.random((n, m)) < np.clip(level + 0.8 * (easy - 0.5), 0.02, 0.98)).astype(np.float32)
def run():
    start = time.perf_counter()
    both = x @ x.T
    k = x.sum(axis=1)
    p = k / m
    c_exp = np.outer(p, p) + np.outer(1 - p, 1 - p)
    c_obs = (2 * both + m - k[:, None] - k[None, :]) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (c_obs - c_exp) / (1 - c_exp)
    iu = np.triu_indices(n, 1)
    float(np.nanmean(kappa[iu]))
    return time.perf_counter() - start
run()
print(json.dumps({"numpy": np.__version__, "seconds": [run() for _ in range(runs)]}))
`;
if (python) {
  // The full size also with one BLAS thread: against the kernel on one thread, and less exposed
  // than two threads to another process holding a core.
  const ONE_THREAD = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  for (const [n, m, size, work, env] of [
    [N, M, fullSize, fullWork, {}],
    [N, M, fullSize, fullWork, ONE_THREAD],
    [SMALL_N, SMALL_M, smallSize, smallWork, {}],
  ] as const) {
    const out = spawnSync(python, ["-c", NUMPY, String(n), String(m), String(RUNS)], {
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, ...env },
    });
    if (out.status === 0) {
      const result = JSON.parse(out.stdout) as { numpy: string; seconds: number[] };
      const threads = env === ONE_THREAD ? ", 1 BLAS thread" : "";
      timings.push(summarize(`numpy ${result.numpy}: float32 X X^T + kappa${threads} (${python})`, size, result.seconds, work));
    } else {
      log(`numpy baseline failed on ${size}: ${out.stderr || out.error}`);
    }
  }
  log("numpy measured");
} else {
  log("no python3 with numpy found: numpy baseline left out");
}
await closeKernelThreads();

// ---------------------------------------------------------------------------------------------
// Report

timings.unshift(
  summarize(
    "popcount limit (WebAssembly loop, 1 thread; fastest of all samples)",
    `${LIMIT_WORDS} words x ${LIMIT_REPEATS} passes`,
    limitSeconds,
    { trials: LIMIT_WORDS * 64 * LIMIT_REPEATS, words: LIMIT_WORDS * LIMIT_REPEATS },
  ),
);
const limit = timings[0].popcounts_per_second!;
const meta = {
  kind: "meta",
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? "unknown",
  date: new Date().toISOString(),
  runs: RUNS,
};
const find = (prefix: string, size: string) => timings.find((t) => t.measurement.startsWith(prefix) && t.size === size);
/** numpy's fastest time over the kernel's (WebAssembly, `threads` threads); `oneBlasThread`: numpy on one BLAS thread. */
function numpyRatio(threads: number, oneBlasThread = false): number | null {
  const numpy = timings.find(
    (t) => t.measurement.startsWith("numpy") && t.size === fullSize && t.measurement.includes("1 BLAS thread") === oneBlasThread,
  );
  return numpy ? numpy.min_s / find(`all pairs, counts + kappa, WebAssembly, ${threads}`, fullSize)!.min_s : null;
}
const ratios = {
  kind: "ratios",
  wasm_2_threads_vs_1:
    find("all pairs, counts + kappa, WebAssembly, 1", fullSize)!.min_s / find("all pairs, counts + kappa, WebAssembly, 2", fullSize)!.min_s,
  wasm_vs_typescript_1_thread:
    find("all pairs, counts + kappa, TypeScript, 1", fullSize)!.min_s / find("all pairs, counts + kappa, WebAssembly, 1", fullSize)!.min_s,
  kernel_vs_computePairs_pair_trials_per_second:
    find("all pairs, counts + kappa, WebAssembly, 2", fullSize)!.trials_per_second / find("computePairs", smallSize)!.trials_per_second,
  kernelPairs_vs_computePairs_same_table: find("computePairs", smallSize)!.min_s / find("kernelPairs", smallSize)!.min_s,
  wasm_1_thread_share_of_popcount_limit: find("all pairs, counts + kappa, WebAssembly, 1", fullSize)!.popcounts_per_second! / limit,
  tile_kernel_share_of_popcount_limit: find("tile kernel alone", fullSize)!.popcounts_per_second! / limit,
  /** numpy's time over the kernel's (2 threads and 1), where numpy ran. */
  wasm_2_threads_vs_numpy: numpyRatio(2),
  wasm_1_thread_vs_numpy: numpyRatio(1),
  wasm_1_thread_vs_numpy_1_blas_thread: numpyRatio(1, true),
  wasm_2_threads_share_of_2x_popcount_limit:
    find("all pairs, counts + kappa, WebAssembly, 2", fullSize)!.popcounts_per_second! / (2 * limit),
};

if (args.json) {
  console.log(JSON.stringify(meta));
  for (const t of timings) console.log(JSON.stringify(t));
  console.log(JSON.stringify(ratios));
} else {
  const header = ["measurement", "size", "median s", "min s", "runs", "G pair-trials/s", "G popcnt/s"];
  const rows = timings.map((t) => [
    t.measurement,
    t.size,
    t.median_s.toFixed(3),
    t.min_s.toFixed(3),
    String(t.runs),
    (t.trials_per_second / 1e9).toFixed(1),
    t.popcounts_per_second === null ? "-" : (t.popcounts_per_second / 1e9).toFixed(2),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k < 2 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join("  ");
  console.log("trialwise kernel benchmark");
  console.log(`node ${meta.node}, ${meta.cpus} CPU(s), ${meta.cpu_model}; 1 warm-up, then timed runs`);
  console.log(
    "G pair-trials/s: pairs x M per second (for the popcount limit: bits popcounted per second); G popcnt/s: 64-bit words popcounted per second\n",
  );
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log("");
  console.log(`WebAssembly, 2 threads vs 1:                     ${ratios.wasm_2_threads_vs_1.toFixed(2)}x faster`);
  console.log(`WebAssembly vs TypeScript fallback (1 thread):   ${ratios.wasm_vs_typescript_1_thread.toFixed(1)}x faster`);
  console.log(`kernel (2 threads) vs computePairs, pair-trials/s: ${ratios.kernel_vs_computePairs_pair_trials_per_second.toFixed(0)}x`);
  console.log(`kernelPairs vs computePairs on the same table:    ${ratios.kernelPairs_vs_computePairs_same_table.toFixed(2)}x faster`);
  console.log(
    `WebAssembly 1 thread: ${(100 * ratios.wasm_1_thread_share_of_popcount_limit).toFixed(0)}% of the popcount limit (the tile kernel alone ${(100 * ratios.tile_kernel_share_of_popcount_limit).toFixed(0)}%); 2 threads: ${(100 * ratios.wasm_2_threads_share_of_2x_popcount_limit).toFixed(0)}% of twice the limit`,
  );
  if (ratios.wasm_2_threads_vs_numpy !== null && ratios.wasm_1_thread_vs_numpy !== null)
    console.log(
      `WebAssembly vs numpy (fastest runs): ${ratios.wasm_2_threads_vs_numpy.toFixed(1)}x faster with 2 threads, ${ratios.wasm_1_thread_vs_numpy.toFixed(1)}x with 1` +
        (ratios.wasm_1_thread_vs_numpy_1_blas_thread === null
          ? ""
          : `; 1 thread vs numpy on 1 BLAS thread: ${ratios.wasm_1_thread_vs_numpy_1_blas_thread.toFixed(1)}x`),
    );
}
