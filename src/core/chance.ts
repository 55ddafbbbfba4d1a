/**
 * The chance region of error consistency (Geirhos, Meding & Wichmann 2020, section 4; the grey
 * area of their figures): where c_obs and kappa of two *independent* observers fall, as a
 * function of c_exp, for a given number of trials N. Isomorphic (no Node APIs) and
 * deterministic: the same options give the same numbers on every platform (see ./math/random.ts).
 */
import { quantileFromOrder, quantileType7 } from "./math/quantile.ts";
import { SeededRandom, normalizeSeed } from "./math/random.ts";
import { accuracy, expectedConsistency, kappaOrNaN, observedConsistency, undefinedAsNull } from "./metrics.ts";

/**
 * How the chance region is computed: "simulation" (seeded Monte Carlo, as in the 2020 paper),
 * "exact" (the same design without simulation noise) or "auto" (exact for N <= 640 trials,
 * where it is also the faster, and simulation above).
 */
export type ChanceMethod = "auto" | "simulation" | "exact";

export interface ChanceRegionOptions {
  /** N: the number of trials each simulated observer answers (the dataset's trial count). */
  readonly trials: number;
  /**
   * "simulation": the seeded Monte-Carlo simulation of the 2020 paper. "exact": the same
   * design without simulation noise, the limit of infinitely many replicates (`seed` and
   * `replicates` are ignored). "auto" (default): exact for N <= {@link CHANCE_EXACT_MAX_TRIALS},
   * simulation above. See {@link chanceRegion}.
   */
  readonly method?: ChanceMethod;
  /** Seed of the generator (an integer, taken modulo 2^32). Default {@link CHANCE_DEFAULTS}.seed. */
  readonly seed?: number;
  /**
   * Number of true accuracies on the grid, for each observer (a multiple of 3, at least 6):
   * a third of them evenly spaced on each of [0, e], [e, 1 - e] and [1 - e, 1] (e =
   * `gridEdge`), both ends of each segment included (so e and 1 - e occur twice) — the layout
   * of the 2020 simulation, which puts two thirds of the grid near the extreme accuracies.
   * Every ordered pair (p1, p2) of grid values is simulated. Default
   * {@link CHANCE_DEFAULTS}.gridSteps.
   */
  readonly gridSteps?: number;
  /**
   * e, the end of the low and the start of the high segment of the grid, in (0, 0.5).
   * Default 0.15, as in the authors' simulation script and their band for 160 trials. Their
   * published band for 1280 trials was computed with 0.05: with 0.05 it is reproduced to one
   * step (1/1280) of c_obs and 0.0004 of kappa, with 0.15 only to 0.004 and 0.016, the bands
   * being wider at c_exp 0.2 to 0.85 (see {@link GEIRHOS2020_GRID_EDGES}).
   */
  readonly gridEdge?: number;
  /** Simulated pairs of observers per grid pair (p1, p2). Default {@link CHANCE_DEFAULTS}.replicates. */
  readonly replicates?: number;
}

/** The options with every default filled in, "auto" decided and the seed normalized to [0, 2^32). */
export type ResolvedChanceOptions =
  | {
      readonly method: "simulation";
      readonly trials: number;
      readonly seed: number;
      readonly gridSteps: number;
      readonly gridEdge: number;
      readonly replicates: number;
    }
  | { readonly method: "exact"; readonly trials: number; readonly gridSteps: number; readonly gridEdge: number };

/** One bin of the chance region: 95% bands of c_obs and kappa among independent observers. */
export interface ChanceBandRow {
  /** Bin index i, 0..99: c_exp in [i/99, (i+1)/99). Bin 99 holds c_exp = 1 only. */
  readonly bin: number;
  /** Mean observed c_exp of the pairs in the bin. */
  readonly c_exp_mean: number;
  /**
   * Simulated pairs in the bin. Method "exact": the expected number of pairs per replicate
   * (gridSteps^2 times the bin's probability), not an integer.
   */
  readonly n: number;
  /** 2.5% and 97.5% quantiles of c_obs in the bin. */
  readonly c_obs_low: number;
  readonly c_obs_high: number;
  /**
   * 2.5% and 97.5% quantiles of kappa in the bin, over the pairs whose kappa is defined; null
   * where none is (bin 99: c_exp = 1, kappa undefined).
   */
  readonly kappa_low: number | null;
  readonly kappa_high: number | null;
}

/**
 * Defaults: method "auto"; a grid of 1200 accuracies per observer with edge 0.15; for the
 * simulation seed 2020 and 1 replicate (1.44 million simulated pairs, about 0.4 s). The 2020
 * simulation used 4200 accuracies and 5 replicates (88 million pairs); this smaller design
 * gives the same bands up to Monte-Carlo noise (the grid size hardly matters: computed
 * exactly, 1200 and 4200 accuracies give bands within one step 1/N of c_obs and 0.0016 of
 * kappa of each other for N = 160 and 1280).
 */
export const CHANCE_DEFAULTS = { method: "auto", seed: 2020, gridSteps: 1200, gridEdge: 0.15, replicates: 1 } as const;

/** Method "auto" computes exactly up to this many trials (where that is faster) and simulates above. */
export const CHANCE_EXACT_MAX_TRIALS = 640;

/** Method "exact" takes time growing as N^2.5 (about a minute here for N = 5000): its limit. */
const EXACT_LIMIT_TRIALS = 5000;

/**
 * The grid edges ({@link ChanceRegionOptions.gridEdge}) of the authors' published bands,
 * found by matching them: the band for 160 trials is reproduced with 0.15 (to one step 1/160
 * of c_obs and 0.002 of kappa), the band for 1280 trials with 0.05 (to 1/1280 and 0.0004).
 */
export const GEIRHOS2020_GRID_EDGES: Readonly<Record<number, number>> = { 160: 0.15, 1280: 0.05 };

/** Number of c_exp bins: bin i covers [i/99, (i+1)/99), i = 0..99 (see {@link chanceBin}). */
export const CHANCE_BINS = 100;
/** The band's quantiles. */
export const CHANCE_QUANTILES = { low: 0.025, high: 0.975 } as const;

/** Changes whenever a computation changes, so that stored results are not reused. */
export const CHANCE_ALGORITHM_VERSION = 1;

/** Largest number of simulated pairs (memory is about 12 bytes per pair). */
const MAX_PAIRS = 100_000_000;

/** Checks the options and fills in the defaults. */
export function resolveChanceOptions(options: ChanceRegionOptions): ResolvedChanceOptions {
  const {
    trials,
    method = CHANCE_DEFAULTS.method,
    seed = CHANCE_DEFAULTS.seed,
    gridSteps = CHANCE_DEFAULTS.gridSteps,
    gridEdge = CHANCE_DEFAULTS.gridEdge,
    replicates = CHANCE_DEFAULTS.replicates,
  } = options;
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`trials must be a positive integer, got ${trials}`);
  if (!(Number.isInteger(gridSteps) && gridSteps >= 6 && gridSteps % 3 === 0)) {
    throw new RangeError(`gridSteps must be a multiple of 3, at least 6, got ${gridSteps}`);
  }
  if (!(gridEdge > 0 && gridEdge < 0.5)) throw new RangeError(`gridEdge must be in (0, 0.5), got ${gridEdge}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  if (method !== "auto" && method !== "simulation" && method !== "exact") {
    throw new RangeError(`method must be "auto", "simulation" or "exact", got ${String(method)}`);
  }
  if (method === "exact" || (method === "auto" && trials <= CHANCE_EXACT_MAX_TRIALS)) {
    if (trials > EXACT_LIMIT_TRIALS) {
      throw new RangeError(`method "exact" takes at most ${EXACT_LIMIT_TRIALS} trials (it would be slow); simulate instead`);
    }
    return { method: "exact", trials, gridSteps, gridEdge };
  }
  if (gridSteps * gridSteps * replicates > MAX_PAIRS) {
    throw new RangeError(`gridSteps^2 * replicates must be at most ${MAX_PAIRS} simulated pairs`);
  }
  return { method: "simulation", trials, seed: normalizeSeed(seed), gridSteps, gridEdge, replicates };
}

/** A string naming the computation (method, parameters, algorithm version), safe as a file name. */
export function chanceKey(options: ChanceRegionOptions): string {
  const o = resolveChanceOptions(options);
  const grid = `grid${o.gridSteps}-edge${o.gridEdge}`;
  return o.method === "exact"
    ? `v${CHANCE_ALGORITHM_VERSION}-exact-n${o.trials}-${grid}`
    : `v${CHANCE_ALGORITHM_VERSION}-sim-n${o.trials}-${grid}-seed${o.seed}-rep${o.replicates}`;
}

/** The true accuracies simulated for each observer (see {@link ChanceRegionOptions.gridSteps}). */
export function chanceAccuracyGrid(gridSteps: number, gridEdge: number = CHANCE_DEFAULTS.gridEdge): number[] {
  resolveChanceOptions({ trials: 1, gridSteps, gridEdge, method: "exact" });
  const perSegment = gridSteps / 3;
  const grid: number[] = [];
  for (const [lo, hi] of [
    [0, gridEdge],
    [gridEdge, 1 - gridEdge],
    [1 - gridEdge, 1],
  ]) {
    for (let j = 0; j < perSegment; j++) grid.push(lo + ((hi - lo) * j) / (perSegment - 1));
  }
  return grid;
}

/** The bin of a c_exp in [0, 1]: the i with i/99 <= c_exp < (i+1)/99 (boundaries as doubles i/99). */
export function chanceBin(cExp: number): number {
  let i = Math.floor(cExp * 99);
  if (i > 0 && cExp < i / 99) i--;
  else if (i < 99 && cExp >= (i + 1) / 99) i++;
  return i;
}

const memo = new Map<string, readonly ChanceBandRow[]>();
const MEMO_LIMIT = 32;

/** Forgets the results {@link chanceRegion} keeps in memory. */
export function clearChanceCache(): void {
  memo.clear();
}

/**
 * The chance region for N = `trials` trials, following section 4 of the 2020 paper: two
 * independent observers with true accuracies p1 and p2 on a grid (every ordered pair of
 * {@link chanceAccuracyGrid} values), each answering N trials; per pair the observed
 * accuracies k1/N and k2/N give c_exp, c_obs and kappa (the formulas of ./metrics.ts). Pairs
 * are binned by their observed c_exp into 100 bins of width 1/99 (bin i: [i/99, (i+1)/99),
 * see {@link chanceBin}); per bin: the mean c_exp, the number of pairs and the 2.5% and 97.5%
 * quantiles of c_obs and of kappa. Pairs with undefined kappa (c_exp = 1, only in bin 99)
 * count for c_obs but are left out of the kappa quantiles.
 *
 * Method "simulation": `replicates` simulated pairs per grid pair, seeded. For independent
 * observers the four cells of a pair's 2x2 table (both correct, only observer 1, only
 * observer 2, both wrong) are one multinomial draw with probabilities p1 p2, p1 (1 - p2),
 * (1 - p1) p2, (1 - p1)(1 - p2). It is drawn as three binomials (the multinomial's
 * conditional decomposition) instead of 2N Bernoulli trials: k1 ~ Bin(N, p1); given k1, both
 * correct ~ Bin(k1, p2) and only-observer-2 ~ Bin(N - k1, p2). So a pair costs O(1) whatever
 * N, and a run O(gridSteps^2 replicates): about 0.4 s with the defaults, whatever N. Memory:
 * about 12 bytes per simulated pair. Quantiles: R's type 7 ({@link quantileType7}), as in the
 * 2020 analysis.
 *
 * Method "exact": what the simulation tends to as replicates grow, computed directly. A pair
 * only matters through (k1, k2, m), m = both correct + both wrong. Over the grid, k1 and k2
 * are independent with P(k) = mean over grid values p of Bin(k; N, p); given k1 and k2, the
 * number of trials both get right is hypergeometric (N, k1, k2) whatever p1 and p2 are. So
 * every bin's distribution of c_obs and kappa is a finite mixture known exactly; its
 * quantiles are min{x : F(x) >= q} (what type 7 tends to). c_obs = m / N is accumulated per
 * value of m; kappa in a histogram of 4096 cells per c_exp bin, and a second pass collects the
 * values inside the two cells that hold the quantiles, so both are exact. Binomial and
 * hypergeometric tails below 1e-13 of their mode are left out. Cost about N^2.5:
 * 30 ms for N = 160, 0.35 s for N = 640, 2 s for N = 1280 (at most 5000 trials).
 *
 * Why "auto" (the default) is exact for small N: c_obs and kappa are then discrete, and a
 * band edge can sit on a jump between two values far apart while the probability below the
 * jump is within a few 1e-4 of 2.5% or 97.5%. For N = 160 this happens near c_exp = 0.90,
 * 0.91 and 0.96 (kappa 0.123 or 0.193, 0.124 or 0.133, 0 or 0.321): a simulation of any
 * affordable size lands on either value depending on the seed, the exact computation agrees
 * with the authors' band (88 million simulated pairs) there. For large N the distributions
 * are nearly continuous and the simulation is faster and as good.
 *
 * Returns one row per bin that holds any pair, in bin order (empty bins are omitted).
 * Results are kept in memory by their options (the returned rows are fresh copies).
 *
 * @example
 * chanceRegion({ trials: 160 }).find((row) => row.bin === 50).kappa_high // => 0.1249...
 */
export function chanceRegion(options: ChanceRegionOptions): ChanceBandRow[] {
  const key = chanceKey(options);
  let rows = memo.get(key);
  if (rows === undefined) {
    const resolved = resolveChanceOptions(options);
    rows = resolved.method === "exact" ? computeExact(resolved) : simulate(resolved);
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
    memo.set(key, rows);
  }
  return rows.map((row) => ({ ...row }));
}

/** Growable storage of kappa values of one bin. */
class Values<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(public data: T) {}
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (length: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  /** The values pushed, sorted in ascending order (in place). */
  sorted(): T {
    return this.data.subarray(0, this.length).sort() as T;
  }
}

function simulate({ trials: n, seed, gridSteps, gridEdge, replicates }: ResolvedChanceOptions & { method: "simulation" }): ChanceBandRow[] {
  const random = new SeededRandom(seed);
  const grid = chanceAccuracyGrid(gridSteps, gridEdge);
  const counts = new Float64Array(CHANCE_BINS);
  const cExpSums = new Float64Array(CHANCE_BINS);
  // Per bin: m = both correct + both wrong (c_obs = m / N) and kappa of every pair.
  const ms = Array.from({ length: CHANCE_BINS }, () => new Values(new Int32Array(1024)));
  const kappas = Array.from({ length: CHANCE_BINS }, () => new Values(new Float64Array(1024)));

  for (const p1 of grid) {
    for (const p2 of grid) {
      for (let r = 0; r < replicates; r++) {
        const k1 = random.binomial(n, p1);
        const bothCorrect = random.binomial(k1, p2);
        const only2 = random.binomial(n - k1, p2);
        const k2 = bothCorrect + only2;
        const bothWrongCount = n - k1 - only2;
        const cExp = expectedConsistency(accuracy(k1, n), accuracy(k2, n));
        const cObs = observedConsistency(bothCorrect, bothWrongCount, n);
        const bin = chanceBin(cExp);
        counts[bin]++;
        cExpSums[bin] += cExp;
        ms[bin].push(bothCorrect + bothWrongCount);
        const value = kappaOrNaN(cObs, cExp);
        if (!Number.isNaN(value)) kappas[bin].push(value);
      }
    }
  }

  const rows: ChanceBandRow[] = [];
  for (let bin = 0; bin < CHANCE_BINS; bin++) {
    const count = counts[bin];
    if (count === 0) continue;
    const m = ms[bin].sorted();
    const cObsAt = (i: number) => observedConsistency(m[i], 0, n);
    const sorted = kappas[bin].sorted();
    rows.push(
      row(
        bin,
        cExpSums[bin] / count,
        count,
        quantileFromOrder(count, CHANCE_QUANTILES.low, cObsAt),
        quantileFromOrder(count, CHANCE_QUANTILES.high, cObsAt),
        quantileType7(sorted, CHANCE_QUANTILES.low),
        quantileType7(sorted, CHANCE_QUANTILES.high),
      ),
    );
  }
  return rows;
}

/** The first index at which the running sum of `weights` reaches `target` (the last index if never). */
function massIndex(weights: ArrayLike<number>, target: number): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    if (sum >= target) return i;
  }
  return weights.length - 1;
}

/**
 * A band row: -0 written as 0 (so that rows survive a JSON round trip unchanged), and a kappa
 * quantile that is undefined (NaN: no defined kappa in the bin) as null.
 */
function row(
  bin: number,
  cExpMean: number,
  n: number,
  cObsLow: number,
  cObsHigh: number,
  kappaLow: number,
  kappaHigh: number,
): ChanceBandRow {
  return {
    bin,
    c_exp_mean: cExpMean + 0,
    n,
    c_obs_low: cObsLow + 0,
    c_obs_high: cObsHigh + 0,
    kappa_low: undefinedAsNull(kappaLow + 0),
    kappa_high: undefinedAsNull(kappaHigh + 0),
  };
}

/** Relative size (to the mode) below which binomial and hypergeometric tails are dropped. */
const TAIL = 1e-13;
/** Kappa histogram cells per c_exp bin in the exact method, over [-1, 1]. */
const KAPPA_CELLS = 4096;

/** The kappa histogram cell of a value in [-1, 1]. */
function kappaCell(value: number): number {
  return Math.min(KAPPA_CELLS - 1, Math.max(0, Math.floor((value + 1) * (KAPPA_CELLS / 2))));
}

/** P(k) = mean over the grid of Bin(k; N, p), k = 0..N, by recurrences from each mode. */
function gridMarginal(n: number, grid: readonly number[]): Float64Array {
  const marginal = new Float64Array(n + 1);
  const pmf = new Float64Array(n + 1);
  for (const p of grid) {
    if (p === 0 || p === 1) {
      marginal[p === 0 ? 0 : n] += 1 / grid.length;
      continue;
    }
    const ratio = p / (1 - p);
    const mode = Math.min(n, Math.floor((n + 1) * p));
    pmf[mode] = 1;
    let sum = 1;
    let hi = mode;
    while (hi < n && pmf[hi] > TAIL) {
      pmf[hi + 1] = pmf[hi] * ((n - hi) / (hi + 1)) * ratio;
      sum += pmf[++hi];
    }
    let lo = mode;
    while (lo > 0 && pmf[lo] > TAIL) {
      pmf[lo - 1] = (pmf[lo] * (lo / (n - lo + 1))) / ratio;
      sum += pmf[--lo];
    }
    const scale = 1 / (sum * grid.length);
    for (let k = lo; k <= hi; k++) marginal[k] += pmf[k] * scale;
  }
  return marginal;
}

/**
 * The hypergeometric distribution of x = both correct given k1 <= k2 correct of n:
 * P(x) ∝ C(k1, x) C(n - k1, k2 - x). Writes values proportional to it into pmf[lo..hi] (1 at
 * the mode; tails below TAIL left out) and returns lo, hi and their sum.
 */
function hypergeometric(n: number, k1: number, k2: number, pmf: Float64Array): { lo: number; hi: number; sum: number } {
  const xMin = Math.max(0, k1 + k2 - n);
  const xMax = k1;
  const mode = Math.min(xMax, Math.max(xMin, Math.floor(((k1 + 1) * (k2 + 1)) / (n + 2))));
  pmf[mode] = 1;
  let sum = 1;
  let hi = mode;
  while (hi < xMax && pmf[hi] > TAIL) {
    pmf[hi + 1] = (pmf[hi] * (k1 - hi) * (k2 - hi)) / ((hi + 1) * (n - k1 - k2 + hi + 1));
    sum += pmf[++hi];
  }
  let lo = mode;
  while (lo > xMin && pmf[lo] > TAIL) {
    pmf[lo - 1] = (pmf[lo] * lo * (n - k1 - k2 + lo)) / ((k1 - lo + 1) * (k2 - lo + 1));
    sum += pmf[--lo];
  }
  return { lo, hi, sum };
}

/** Where a quantile of one bin's kappa falls: its histogram cell and the mass below the cell. */
interface QuantileTarget {
  cell: number;
  before: number;
  target: number;
  /** The cell's atoms (value, probability), collected in the second pass. */
  values: number[];
  weights: number[];
}

function computeExact({ trials: n, gridSteps, gridEdge }: ResolvedChanceOptions & { method: "exact" }): ChanceBandRow[] {
  const marginal = gridMarginal(n, chanceAccuracyGrid(gridSteps, gridEdge));
  const mass = new Float64Array(CHANCE_BINS);
  const cExpSums = new Float64Array(CHANCE_BINS);
  const cObsMass = new Float64Array(CHANCE_BINS * (n + 1));
  const kappaMass = new Float64Array(CHANCE_BINS * KAPPA_CELLS);
  const pmf = new Float64Array(n + 1);
  // (k1, k2) and (k2, k1) contribute the same, so k1 <= k2 with weight 2 off the diagonal.
  const weightOf = (k1: number, k2: number) => marginal[k1] * marginal[k2] * (k1 === k2 ? 1 : 2);
  const cExpOf = (k1: number, k2: number) => expectedConsistency(accuracy(k1, n), accuracy(k2, n));
  const kappaOf = (k1: number, k2: number, x: number, cExp: number) => kappaOrNaN(observedConsistency(x, n - k1 - k2 + x, n), cExp);

  // Pass 1: the mass of every bin, its c_obs distribution (exact: c_obs = m / N) and a
  // histogram of its kappa distribution.
  for (let k1 = 0; k1 <= n; k1++) {
    for (let k2 = k1; k2 <= n; k2++) {
      const weight = weightOf(k1, k2);
      if (weight === 0) continue;
      const cExp = cExpOf(k1, k2);
      const bin = chanceBin(cExp);
      mass[bin] += weight;
      cExpSums[bin] += weight * cExp;
      const { lo, hi, sum } = hypergeometric(n, k1, k2, pmf);
      const scale = weight / sum;
      const cObsBase = bin * (n + 1) + n - k1 - k2;
      for (let x = lo; x <= hi; x++) cObsMass[cObsBase + 2 * x] += pmf[x] * scale;
      if (cExp === 1) continue; // kappa undefined (kappaOrNaN is NaN exactly there)
      const kappaBase = bin * KAPPA_CELLS;
      for (let x = lo; x <= hi; x++) kappaMass[kappaBase + kappaCell(kappaOf(k1, k2, x, cExp))] += pmf[x] * scale;
    }
  }

  // The cells that hold the 2.5% and 97.5% quantiles of kappa, per bin.
  const targets: QuantileTarget[][] = [];
  for (let bin = 0; bin < CHANCE_BINS; bin++) {
    const cells = kappaMass.subarray(bin * KAPPA_CELLS, (bin + 1) * KAPPA_CELLS);
    let total = 0;
    for (let i = 0; i < KAPPA_CELLS; i++) total += cells[i];
    targets.push(
      total === 0
        ? []
        : [CHANCE_QUANTILES.low, CHANCE_QUANTILES.high].map((q) => {
            const target = q * total;
            let before = 0;
            let cell = 0;
            for (; cell < KAPPA_CELLS - 1 && before + cells[cell] < target; cell++) before += cells[cell];
            return { cell, before, target, values: [], weights: [] };
          }),
    );
  }

  // Pass 2: the atoms in those cells, from the pairs (k1, k2) that have any there (at most a
  // few values of x each, found by inverting kappa, which is linear in x).
  for (let k1 = 0; k1 <= n; k1++) {
    for (let k2 = k1; k2 <= n; k2++) {
      const weight = weightOf(k1, k2);
      if (weight === 0) continue;
      const cExp = cExpOf(k1, k2);
      if (cExp === 1) continue;
      const binTargets = targets[chanceBin(cExp)];
      let found: { x: number; target: QuantileTarget }[] | undefined;
      for (const t of binTargets) {
        // kappa(x) = ((N - k1 - k2 + 2x) / N - c_exp) / (1 - c_exp); the cell starts at kappa_0.
        const kappaStart = (t.cell * 2) / KAPPA_CELLS - 1;
        const xStart = Math.floor(((kappaStart * (1 - cExp) + cExp) * n - (n - k1 - k2)) / 2) - 1;
        for (let x = Math.max(Math.max(0, k1 + k2 - n), xStart); x <= k1; x++) {
          const cell = kappaCell(kappaOf(k1, k2, x, cExp));
          if (cell > t.cell) break;
          if (cell === t.cell) (found ??= []).push({ x, target: t });
        }
      }
      if (found === undefined) continue;
      const { lo, hi, sum } = hypergeometric(n, k1, k2, pmf);
      const scale = weight / sum;
      for (const { x, target } of found) {
        if (x < lo || x > hi) continue;
        target.values.push(kappaOf(k1, k2, x, cExp));
        target.weights.push(pmf[x] * scale);
      }
    }
  }

  const rows: ChanceBandRow[] = [];
  const pairsPerReplicate = gridSteps * gridSteps;
  for (let bin = 0; bin < CHANCE_BINS; bin++) {
    const total = mass[bin];
    if (total === 0) continue;
    const cObs = cObsMass.subarray(bin * (n + 1), (bin + 1) * (n + 1));
    const [low, high] = targets[bin].map(atomQuantile);
    rows.push(
      row(
        bin,
        cExpSums[bin] / total,
        total * pairsPerReplicate,
        observedConsistency(massIndex(cObs, CHANCE_QUANTILES.low * total), 0, n),
        observedConsistency(massIndex(cObs, CHANCE_QUANTILES.high * total), 0, n),
        low ?? NaN,
        high ?? NaN,
      ),
    );
  }
  return rows;
}

/** The smallest atom of the target cell at which the cumulative probability reaches the target. */
function atomQuantile({ before, target, values, weights }: QuantileTarget): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  let sum = before;
  for (const i of order) {
    sum += weights[i];
    if (sum >= target) return values[i];
  }
  return values[order[order.length - 1]]; // rounding: the cell's mass summed in another order
}
