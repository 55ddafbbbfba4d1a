import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import { SeededRandom } from "../core/math/random.ts";
import { type KernelName, MAX_TILE_SIZE, allPairCounts, forEachTilePair } from "../kernel/index.ts";
import { type PackedObservers, allocatePacked, wordsPerObserverFor } from "../kernel/packed.ts";
import { configureCommand } from "./command.ts";
import { seed as seedFlag, wholeNumber } from "./flags.ts";
import type { CliIO } from "./io.ts";

interface KernelBenchFlags {
  observers: string;
  trials: string;
  threads?: string;
  kernel: KernelName | "auto";
  seed?: string;
  tileSize?: string;
  json?: boolean;
}

/** Seed of the generated data unless --seed says otherwise. */
export const BENCH_SEED = 1;

/** The most bytes the generated observers' bits may take (they are held twice: here and in the kernel's memory). */
const MAX_BENCH_BYTES = 2 * 1024 ** 3;

/** What `trialwise bench kernel --json` prints (the first five keys are the contract). */
export interface KernelBenchResult {
  observers: number;
  trials: number;
  pairs: number;
  seconds: number;
  pair_trials_per_second: number;
  kernel: KernelName;
  threads: number;
  tile_size: number;
  /** Mean kappa over the pairs where it is defined, and how many pairs have none (c_exp = 1). */
  mean_kappa: number | null;
  undefined_kappa: number;
}

/**
 * Random correlated correctness of N observers on M trials, packed: each stimulus s has an
 * easiness e_s ~ U(0, 1) shared by all observers, each observer an accuracy level
 * a_i ~ U(0.55, 0.95), and observer i is correct on s with probability
 * clamp(a_i + 0.8 (e_s - 0.5), 0.02, 0.98), independently given these. Errors concentrate on
 * hard stimuli, so pairs have positive kappa, as real observers do. Seeded (sfc32).
 */
export function correlatedObservers(observers: number, trials: number, seed: number): PackedObservers {
  const rng = new SeededRandom(seed);
  const packed = allocatePacked(
    Array.from({ length: observers }, (_, i) => `observer${i}`),
    trials,
  );
  const easiness = Float64Array.from({ length: trials }, () => rng.uniform());
  const { bits, wordsPerObserver } = packed;
  for (let i = 0; i < observers; i++) {
    const level = 0.55 + 0.4 * rng.uniform();
    const base = i * wordsPerObserver;
    for (let t = 0; t < trials; t++) {
      const p = Math.min(0.98, Math.max(0.02, level + 0.8 * (easiness[t] - 0.5)));
      if (rng.nextUint32() < p * 4294967296) bits[base + (t >>> 5)] |= 1 << (t & 31);
    }
  }
  return packed;
}

/**
 * Times the all-pairs computation on generated data: the both-correct counts of every pair
 * (allPairCounts, streamed tile by tile) and every pair's kappa from them (kappaFromCounts' arithmetic,
 * computed beside the counts by the thread that counted the tile: AllPairOptions.kappa), without keeping
 * an N x N result. The clock covers kernel set-up
 * (packing into the kernel's layout, WebAssembly instantiation, worker start-up), the counts
 * and the kappas; not the data generation.
 */
export async function benchKernel(options: {
  observers: number;
  trials: number;
  threads?: number;
  kernel?: KernelName | "auto";
  seed?: number;
  tileSize?: number;
}): Promise<KernelBenchResult> {
  const { observers: n, trials: m } = options;
  const packed = correlatedObservers(n, m, options.seed ?? BENCH_SEED);
  // Per-tile sums, added up in tile order at the end: the mean does not depend on the order in
  // which threads finish tiles.
  const tileSums = new Map<number, { sum: number; defined: number; undefined: number }>();
  const start = performance.now();
  const result = await allPairCounts(packed, {
    kernel: options.kernel ?? "auto",
    threads: options.threads,
    tileSize: options.tileSize,
    kappa: true,
    lendTiles: true,
    onTile: (tile) => {
      const sums = { sum: 0, defined: 0, undefined: 0 };
      forEachTilePair(tile, (_i, _j, _both, at) => {
        const kappa = tile.kappa![at];
        if (Number.isNaN(kappa)) sums.undefined++;
        else {
          sums.sum += kappa;
          sums.defined++;
        }
      });
      tileSums.set(tile.rowStart * n + tile.colStart, sums);
    },
  });
  const seconds = (performance.now() - start) / 1000;
  const pairs = (n * (n - 1)) / 2;
  let sum = 0;
  let defined = 0;
  let undefinedKappa = 0;
  for (const key of [...tileSums.keys()].sort((a, b) => a - b)) {
    const sums = tileSums.get(key)!;
    sum += sums.sum;
    defined += sums.defined;
    undefinedKappa += sums.undefined;
  }
  return {
    observers: n,
    trials: m,
    pairs,
    seconds,
    pair_trials_per_second: seconds > 0 ? (pairs * m) / seconds : 0,
    kernel: result.kernel,
    threads: result.threads,
    tile_size: result.tileSize,
    mean_kappa: defined > 0 ? sum / defined : null,
    undefined_kappa: undefinedKappa,
  };
}

/** The most threads of a kernel benchmark. */
const MAX_THREADS = 256;

/** Registers `trialwise bench kernel`. */
export function addBenchCommand(program: Command, io: CliIO): void {
  const bench = configureCommand(program.command("bench").description("Benchmarks on generated data."), io, [
    "trialwise bench kernel --observers 1000 --trials 50000 --json",
  ]);
  configureCommand(bench.command("kernel"), io, [
    "trialwise bench kernel --observers 1000 --trials 50000 --json",
    "trialwise bench kernel --observers 1000 --trials 50000 --threads 1 --kernel ts",
  ])
    .description(
      "Time the all-pairs kernel: random correlated correctness of N observers on M trials (a difficulty per stimulus shared by all " +
        "observers), then both-correct counts and kappa of every pair. Prints observers, trials, pairs, seconds, pair_trials_per_second.",
    )
    .requiredOption("--observers <n>", "number of observers N")
    .requiredOption("--trials <m>", "trials M per observer")
    .option("--threads <t>", `threads (default: 1 for small runs, else all cores; at most ${MAX_THREADS})`)
    .addOption(new Option("--kernel <name>", "kernel").choices(["wasm", "ts", "auto"]).default("auto"))
    .option("--seed <s>", `seed of the generated data (default ${BENCH_SEED}; 0 to 2^53 - 1)`)
    .option("--tile-size <k>", `observers per tile side, even, 2 to ${MAX_TILE_SIZE}`)
    .option("--json", "print one JSON object")
    .action(async (flags: KernelBenchFlags) => {
      const observers = wholeNumber("--observers", flags.observers, { min: 2 });
      const trials = wholeNumber("--trials", flags.trials, { min: 1 });
      const bytes = observers * wordsPerObserverFor(trials) * 4;
      if (bytes > MAX_BENCH_BYTES) {
        throw new UsageError(
          `--observers, --trials: ${observers} observers x ${trials} trials need ${(bytes / 1024 ** 3).toFixed(1)} GiB as bits, more than the ` +
            `${MAX_BENCH_BYTES / 1024 ** 3} GiB bench kernel allows (the bits are held twice: as generated, and in the kernel's memory)`,
        );
      }
      const threads =
        flags.threads === undefined
          ? undefined
          : wholeNumber("--threads", flags.threads, {
              min: 1,
              max: MAX_THREADS,
              why: "each thread is a worker with its own copy of the kernel",
            });
      const seed = flags.seed === undefined ? BENCH_SEED : seedFlag("--seed", flags.seed);
      const tileSize =
        flags.tileSize === undefined ? undefined : wholeNumber("--tile-size", flags.tileSize, { min: 2, max: MAX_TILE_SIZE });
      if (tileSize !== undefined && tileSize % 2 !== 0)
        throw new UsageError(`--tile-size: expected an even number, not "${flags.tileSize}"`);
      const result = await benchKernel({ observers, trials, threads, kernel: flags.kernel, seed, tileSize });
      if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
      else {
        io.stdout(
          `${result.pairs} pairs x ${trials} trials (${observers} observers) in ${result.seconds.toFixed(3)} s: ` +
            `${(result.pair_trials_per_second / 1e9).toFixed(2)} billion pair-trials/s (kernel ${result.kernel}, ${result.threads} thread(s), tile ${result.tile_size}); ` +
            `mean kappa ${result.mean_kappa === null ? "undefined" : result.mean_kappa.toFixed(4)}\n`,
        );
      }
    });
}
