/**
 * Planning experiments for error consistency: how many trials give a kappa interval of a
 * target half-width, or detect a kappa difference between two models with a target power.
 * Observers are simulated with Klein et al.'s copy model at the given accuracies and kappas;
 * a closed-form first guess comes from the large-sample standard error of kappa.
 */
import { copyModelCells, simulateCopyCounts } from "./copy-model.ts";
import { normalCdf, normalQuantile } from "./math/normal.ts";
import { quantileType7 } from "./math/quantile.ts";
import { SeededRandom } from "./math/random.ts";
import { kappaFromCounts } from "./metrics.ts";
import { kappaStandardError } from "./pair-intervals.ts";

export interface PlanSettings {
  /** Accuracies of the two observers (for a difference: of each model and of the humans). */
  acc1: number;
  acc2: number;
  kappa: number;
  level?: number;
  /** Simulated experiments per trial count. */
  simulations?: number;
  seed?: number;
  /**
   * Told how far the plan is: in the "search" for the trial count, the simulated experiments
   * so far (total 0: how many trial counts the search tries is not known beforehand); then for
   * the "curve", the simulated experiments done of the curve's 8 x `simulations`.
   */
  onProgress?: PlanProgress;
}

export type PlanProgress = (phase: "search" | "curve", done: number, total: number) => void;

export const PLAN_DEFAULTS = { level: 0.95, simulations: 2000, seed: 1, humans: 1 } as const;

/**
 * The most trials a plan may have: 10 million. Beyond it no experiment is realistic, and the
 * simulation at such trial counts would run for minutes; a target that needs more is refused.
 */
export const PLAN_MAX_TRIALS = 10_000_000;

/** Counts the simulated experiments of a plan for its `onProgress`, reported every 256 experiments. */
class SimulationCounter {
  private phase: "search" | "curve" = "search";
  private done = 0;
  private total = 0;

  constructor(private readonly onProgress: PlanProgress | undefined) {}

  start(phase: "search" | "curve", total: number): void {
    this.phase = phase;
    this.done = 0;
    this.total = total;
    this.onProgress?.(phase, 0, total);
  }

  /** One simulated experiment more. */
  readonly tick = (): void => {
    this.done++;
    if (this.onProgress && (this.done % 256 === 0 || this.done === this.total)) this.onProgress(this.phase, this.done, this.total);
  };
}

/**
 * Standard deviation of kappa for one trial, s1, such that SE(n) ≈ s1 / sqrt(n): the
 * large-sample standard error at the copy model's expected 2x2 table (n = 10^6, cells rounded).
 */
export function perTrialKappaSd(acc1: number, acc2: number, kappa: number): number {
  const n = 1_000_000;
  const [p11, p10, p01] = copyModelCells({ acc1, acc2, kappa });
  const both = Math.round(n * p11);
  const se = kappaStandardError({
    trials: n,
    correct1: both + Math.round(n * p10),
    correct2: both + Math.round(n * p01),
    bothCorrect: both,
  });
  return se * Math.sqrt(n);
}

/** Kappas of `simulations` simulated experiments of n trials (undefined kappas left out). */
function simulatedKappas(trials: number, s: ResolvedSettings, seed: number, tick?: () => void): Float64Array {
  const rng = new SeededRandom(seed);
  const values: number[] = [];
  for (let i = 0; i < s.simulations; i++) {
    const c = simulateCopyCounts(rng, trials, { acc1: s.acc1, acc2: s.acc2, kappa: s.kappa });
    const k = kappaFromCounts(c.trials, c.correct1, c.correct2, c.bothCorrect);
    if (!Number.isNaN(k)) values.push(k);
    tick?.();
  }
  return Float64Array.from(values).sort();
}

type ResolvedSettings = Required<Omit<PlanSettings, "onProgress">>;

function settings(s: PlanSettings): ResolvedSettings {
  const level = s.level ?? PLAN_DEFAULTS.level;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return { acc1: s.acc1, acc2: s.acc2, kappa: s.kappa, level, simulations: s.simulations ?? PLAN_DEFAULTS.simulations, seed: s.seed ?? PLAN_DEFAULTS.seed };
}

/** Refuses a target whose first guess of the trials needed is beyond {@link PLAN_MAX_TRIALS}. */
function checkGuess(guess: number, target: string): void {
  if (guess > PLAN_MAX_TRIALS) {
    throw new RangeError(`${target} needs about ${guess.toPrecision(2)} trials by the large-sample formula, more than the ${PLAN_MAX_TRIALS} trials a plan may have`);
  }
}

/**
 * Half-width of the central `level` range of kappa's sampling distribution at n trials: what a
 * percentile interval from n trials spans on average. Simulated with the copy model.
 */
export function simulatedHalfWidth(trials: number, plan: PlanSettings, tick?: () => void): number {
  const s = settings(plan);
  const kappas = simulatedKappas(trials, s, s.seed, tick);
  return (quantileType7(kappas, (1 + s.level) / 2) - quantileType7(kappas, (1 - s.level) / 2)) / 2;
}

export interface CurvePoint {
  trials: number;
  /** The simulated value: half-width, or power. */
  simulated: number;
  /** The closed-form (large-sample) value. */
  closed_form: number;
}

export interface HalfWidthPlan {
  target_half_width: number;
  level: number;
  /** First guess: n = (z s1 / h)^2 with s1 the per-trial sd of kappa. */
  trials_closed_form: number;
  /** Smallest n whose simulated half-width is at most the target. */
  trials: number;
  curve: CurvePoint[];
}

/**
 * Smallest n (bisection over the simulated, common-random-number half-width, which falls with
 * n) whose interval half-width is at most `halfWidth`.
 *
 * @example
 * planHalfWidth({ acc1: 0.7, acc2: 0.4, kappa: 0.3, halfWidth: 0.05 }).trials // => 844
 */
export function planHalfWidth(plan: PlanSettings & { halfWidth: number }): HalfWidthPlan {
  const s = settings(plan);
  if (!(plan.halfWidth > 0 && plan.halfWidth < 1)) throw new RangeError(`half-width must be in (0, 1), got ${plan.halfWidth}`);
  const z = normalQuantile((1 + s.level) / 2);
  const s1 = perTrialKappaSd(s.acc1, s.acc2, s.kappa);
  const guess = Math.max(10, Math.ceil(((z * s1) / plan.halfWidth) ** 2));
  checkGuess(guess, `half-width ${plan.halfWidth}`);
  const counter = new SimulationCounter(plan.onProgress);
  const width = (n: number) => simulatedHalfWidth(n, s, counter.tick);
  counter.start("search", 0);
  const trials = smallestTrials(guess, (n) => width(n) <= plan.halfWidth);
  const points = curveTrials(trials);
  counter.start("curve", points.length * s.simulations);
  const curve = points.map((n) => ({ trials: n, simulated: width(n), closed_form: (z * s1) / Math.sqrt(n) }));
  return { target_half_width: plan.halfWidth, level: s.level, trials_closed_form: guess, trials, curve };
}

export interface DifferencePlan {
  delta: number;
  target_power: number;
  level: number;
  humans: number;
  trials_closed_form: number;
  trials: number;
  curve: CurvePoint[];
}

/**
 * Power to detect that model B's kappa with humans exceeds model A's by `delta` (same
 * accuracies), comparing each model's mean kappa over `humans` humans with a two-sided test at
 * 1 - level. Simulated: each model-human kappa is an independent copy-model experiment of n
 * trials; the critical value is the `level` quantile of |difference| when both kappas are
 * equal (the mean of A's and B's), so the test holds its level by construction.
 *
 * Assumption, stated in the output: the humans' kappas with a model vary independently. In
 * real data they share stimuli and correlate, so the real gain from more humans is smaller;
 * the paired test (`trialwise compare`) on the data itself is the analysis to run.
 */
export function simulatedPower(trials: number, plan: PlanSettings & { delta: number; humans: number }, tick?: () => void): number {
  const s = settings(plan);
  const kappaB = s.kappa + plan.delta;
  const centre = s.kappa + plan.delta / 2;
  const meanKappa = (kappa: number, rng: SeededRandom) => {
    let sum = 0;
    for (let h = 0; h < plan.humans; h++) {
      const c = simulateCopyCounts(rng, trials, { acc1: s.acc1, acc2: s.acc2, kappa });
      sum += kappaFromCounts(c.trials, c.correct1, c.correct2, c.bothCorrect);
    }
    return sum / plan.humans;
  };
  const differences = (kappaA: number, kappaBB: number, seed: number) => {
    const rng = new SeededRandom(seed);
    const out = new Float64Array(s.simulations);
    for (let i = 0; i < s.simulations; i++) {
      out[i] = Math.abs(meanKappa(kappaBB, rng) - meanKappa(kappaA, rng));
      tick?.();
    }
    return out.sort();
  };
  const critical = quantileType7(differences(centre, centre, s.seed + 1), s.level);
  const alternative = differences(s.kappa, kappaB, s.seed);
  let rejected = 0;
  for (const d of alternative) if (d > critical) rejected++;
  return rejected / alternative.length;
}

/**
 * Smallest n with at least `power` to detect `delta`; first guess from the normal
 * approximation n = (z_{level} + z_{power})^2 2 s1^2 / (humans delta^2).
 */
export function planDifference(plan: PlanSettings & { delta: number; power: number; humans?: number }): DifferencePlan {
  const s = settings(plan);
  const humans = plan.humans ?? PLAN_DEFAULTS.humans;
  if (!(plan.delta > 0)) throw new RangeError(`delta must be positive, got ${plan.delta}`);
  if (!(plan.power > 0 && plan.power < 1)) throw new RangeError(`power must be in (0, 1), got ${plan.power}`);
  if (!(Number.isInteger(humans) && humans >= 1)) throw new RangeError(`humans must be a positive integer, got ${humans}`);
  copyModelCells({ acc1: s.acc1, acc2: s.acc2, kappa: s.kappa + plan.delta });
  const zAlpha = normalQuantile((1 + s.level) / 2);
  const zBeta = normalQuantile(plan.power);
  const s1 = Math.max(perTrialKappaSd(s.acc1, s.acc2, s.kappa), perTrialKappaSd(s.acc1, s.acc2, s.kappa + plan.delta));
  const guess = Math.max(10, Math.ceil(((zAlpha + zBeta) ** 2 * 2 * s1 * s1) / (humans * plan.delta * plan.delta)));
  checkGuess(guess, `a difference of ${plan.delta} with power ${plan.power} and ${humans} human(s)`);
  const counter = new SimulationCounter(plan.onProgress);
  const power = (n: number) => simulatedPower(n, { ...s, delta: plan.delta, humans }, counter.tick);
  const closedPower = (n: number) => normalCdf((plan.delta * Math.sqrt((humans * n) / (2 * s1 * s1))) - zAlpha);
  counter.start("search", 0);
  const trials = smallestTrials(guess, (n) => power(n) >= plan.power);
  const points = curveTrials(trials);
  // simulatedPower simulates twice per simulation: under the null and under the alternative.
  counter.start("curve", points.length * 2 * s.simulations);
  const curve = points.map((n) => ({ trials: n, simulated: power(n), closed_form: closedPower(n) }));
  return { delta: plan.delta, target_power: plan.power, level: s.level, humans, trials_closed_form: guess, trials, curve };
}

/**
 * Smallest integer n >= 2 for which `ok(n)` holds, assuming `ok` turns true once as n grows:
 * doubling up (or halving down) from `guess` to bracket it, then bisection.
 */
function smallestTrials(guess: number, ok: (n: number) => boolean): number {
  let hi = Math.max(2, guess);
  let lo = 1;
  if (ok(hi)) {
    while (hi > 2 && ok(Math.floor(hi / 2))) hi = Math.floor(hi / 2);
    lo = Math.floor(hi / 2);
  } else {
    lo = hi;
    hi *= 2;
    while (!ok(hi)) {
      if (hi > PLAN_MAX_TRIALS) throw new RangeError(`more than the ${PLAN_MAX_TRIALS} trials a plan may have would be needed`);
      lo = hi;
      hi *= 2;
    }
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Trial counts for a curve around the planned n: from n/4 to 4n. */
function curveTrials(n: number): number[] {
  return [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4].map((f) => Math.max(2, Math.round(n * f)));
}
