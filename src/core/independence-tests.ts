/**
 * Tests of one pair's error consistency against independence (kappa = 0): Fisher's exact test
 * on the 2x2 table, and the Beta-null Monte-Carlo test of Klein et al. (2025). Isomorphic (no
 * Node APIs); the Monte-Carlo test is seeded ({@link SeededRandom}).
 */
import { logChoose } from "./math/gamma.ts";
import { monteCarloPValue } from "./math/monte-carlo.ts";
import { SeededRandom } from "./math/random.ts";
import { betaDraw } from "./math/samplers.ts";
import { type PairCounts, checkPairCounts, kappaFromCounts } from "./metrics.ts";
import { type ProgressCallback, progressTicker } from "./progress.ts";

// ---------------------------------------------------------------------------------------------
// Fisher's exact test

/**
 * Relative tolerance of the two-sided exact test: tables whose probability is at most
 * P(observed) (1 + 1e-7) count as "as extreme" (R's fisher.test uses the same), so that
 * rounding in the log-probabilities cannot drop a table exactly as likely as the observed one.
 */
export const EXACT_TEST_RELATIVE_TOLERANCE = 1e-7;

export interface ExactTestResult {
  /** P(X >= x): evidence that errors coincide more than chance (kappa > 0). */
  p_greater: number;
  /** P(X <= x): evidence that errors coincide less than chance (kappa < 0). */
  p_less: number;
  /** Sum of P(X = y) over the y with P(X = y) <= P(X = x) (1 + 1e-7). */
  p_two_sided: number;
}

/**
 * Fisher's exact test of independence for a pair's 2x2 table. Given both observers' correct
 * counts k1 and k2 of n trials, under independence (and exchangeable trials) the number X of
 * trials both got right is hypergeometric:
 * P(X = x) = C(k1, x) C(n - k1, k2 - x) / C(n, k2), max(0, k1 + k2 - n) <= x <= min(k1, k2).
 * Given the margins, kappa increases with x, so p_greater = P(X >= x_obs) tests kappa > 0 and
 * p_less = P(X <= x_obs) tests kappa < 0; two-sided p sums the probabilities of all x no more
 * likely than x_obs (with {@link EXACT_TEST_RELATIVE_TOLERANCE}). Conditional on the margins,
 * so valid (never above its level) whatever the true accuracies.
 *
 * Computation: log P(X = x) up to a constant from {@link logChoose} (logGamma), then
 * exponentiated relative to the largest and normalized to sum 1; tails are summed directly
 * (not as 1 minus the rest), so small p-values keep their relative accuracy. Where the support
 * is a single point (an observer all correct or all wrong) every p is 1.
 *
 * @example
 * exactIndependenceTest({ trials: 10, correct1: 5, correct2: 5, bothCorrect: 5 }).p_greater // => 0.00396...
 */
export function exactIndependenceTest(counts: PairCounts): ExactTestResult {
  checkPairCounts(counts);
  const { trials: n, correct1: k1, correct2: k2, bothCorrect: observed } = counts;
  const lo = Math.max(0, k1 + k2 - n);
  const hi = Math.min(k1, k2);
  const logs = new Float64Array(hi - lo + 1);
  let largest = -Infinity;
  for (let x = lo; x <= hi; x++) {
    const v = logChoose(k1, x) + logChoose(n - k1, k2 - x);
    logs[x - lo] = v;
    if (v > largest) largest = v;
  }
  const weights = logs.map((v) => Math.exp(v - largest));
  let total = 0;
  for (const w of weights) total += w;
  const at = weights[observed - lo];
  let greater = 0;
  let less = 0;
  let twoSided = 0;
  for (let x = lo; x <= hi; x++) {
    const w = weights[x - lo];
    if (x >= observed) greater += w;
    if (x <= observed) less += w;
    if (w <= at * (1 + EXACT_TEST_RELATIVE_TOLERANCE)) twoSided += w;
  }
  return {
    p_greater: Math.min(1, greater / total),
    p_less: Math.min(1, less / total),
    p_two_sided: Math.min(1, twoSided / total),
  };
}

// ---------------------------------------------------------------------------------------------
// Klein et al.'s Beta-null test

export interface BetaTestOptions {
  /** Null draws. Default 10000. */
  readonly draws?: number;
  /** Seed of the generator (an integer, modulo 2^32). Default 1. */
  readonly seed?: number;
  /** Told the null draws done so far, of `draws`. */
  readonly onProgress?: ProgressCallback;
}

export interface BetaTestResult {
  /**
   * (1 + #{|kappa_null| >= |kappa_obs|}) / (1 + defined null draws) ({@link monteCarloPValue}):
   * never 0, at least 1 / (draws + 1); 1 if no null draw is defined.
   */
  p: number;
  /** Null draws made (0 where an observer is all correct or all wrong: see the rule). */
  draws: number;
  /** Null draws whose kappa was undefined (c_exp = 1), left out of the share. */
  undefined_draws: number;
}

/** Defaults of {@link betaIndependenceTest}. */
export const BETA_TEST_DEFAULTS = { draws: 10_000, seed: 1 } as const;

/**
 * Klein et al.'s (2025) Monte-Carlo test of one kappa against independence. Each null draw
 * takes each observer's accuracy from a_i ~ Beta(k_i, n - k_i) ({@link betaDraw}) as they do
 * (the posterior of a binomial proportion under the improper Haldane prior Beta(0, 0); a
 * uniform prior would give Beta(k_i + 1, n - k_i + 1)), lets both observers answer n trials
 * independently, and computes the kappa of the resulting table;
 * p = (1 + #{|kappa_null| >= |kappa_obs|}) / (1 + #{defined kappa_null}), the convention of
 * every Monte-Carlo test here ({@link monteCarloPValue}; Klein et al. divide by the draws
 * alone, which can give p = 0).
 *
 * Shortcut (exact): n independent Bernoulli(a_1) and Bernoulli(a_2) answers only matter
 * through their 2x2 table, which is multinomial with cells a1 a2, a1 (1-a2), (1-a1) a2,
 * (1-a1)(1-a2); it is drawn as K1 ~ Bin(n, a1), then both-correct ~ Bin(K1, a2) and
 * only-2-correct ~ Bin(n - K1, a2) (three binomials, O(1) per draw).
 * |kappa_null| counts as >= |kappa_obs| within a relative 1e-9 (rounding of equal values).
 * Null draws with an undefined kappa (all trials in one cell) are left out and counted.
 *
 * Rule for k_i = 0 or n (Beta(0, n) and Beta(n, 0) are undefined): their limit is a point
 * mass at accuracy 0 or 1, under which that observer is all wrong or all correct in every
 * null draw, so every null kappa is 0 or undefined; the observed kappa is then 0 (or
 * undefined) too. The test returns p = 1 without drawing (draws = 0): such a pair carries no
 * evidence against independence.
 *
 * @example
 * betaIndependenceTest({ trials: 10, correct1: 5, correct2: 5, bothCorrect: 5 }, { draws: 999 }).p // => 0.002
 */
export function betaIndependenceTest(counts: PairCounts, options: BetaTestOptions = {}): BetaTestResult {
  checkPairCounts(counts);
  const { draws = BETA_TEST_DEFAULTS.draws, seed = BETA_TEST_DEFAULTS.seed } = options;
  if (!(Number.isInteger(draws) && draws >= 1)) throw new RangeError(`draws must be a positive integer, got ${draws}`);
  const { trials: n, correct1: k1, correct2: k2, bothCorrect } = counts;
  if (k1 === 0 || k1 === n || k2 === 0 || k2 === n) return { p: 1, draws: 0, undefined_draws: 0 };
  const threshold = Math.abs(kappaFromCounts(n, k1, k2, bothCorrect)) * (1 - 1e-9);
  const rng = new SeededRandom(seed);
  const tick = progressTicker(draws, options.onProgress);
  tick(0);
  let extreme = 0;
  let undefinedDraws = 0;
  for (let d = 0; d < draws; d++) {
    const a1 = betaDraw(rng, k1, n - k1);
    const a2 = betaDraw(rng, k2, n - k2);
    const c1 = rng.binomial(n, a1);
    const both = rng.binomial(c1, a2);
    const only2 = rng.binomial(n - c1, a2);
    const value = kappaFromCounts(n, c1, both + only2, both);
    if (Number.isNaN(value)) undefinedDraws++;
    else if (Math.abs(value) >= threshold) extreme++;
    tick(d + 1);
  }
  return { p: monteCarloPValue(extreme, draws - undefinedDraws), draws, undefined_draws: undefinedDraws };
}
