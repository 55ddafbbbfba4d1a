/**
 * Planning experiments for error consistency: how many trials give a kappa interval of a
 * target half-width, or detect a kappa difference between two models with a target power.
 * Observers are simulated with Klein et al.'s copy model at the given accuracies and kappas;
 * a closed-form first guess comes from the large-sample standard error of kappa.
 */
import { copyModelCells, simulateCopyCounts } from "./copy-model.ts";
import { normalCdf, normalQuantile } from "./math/normal.ts";
import { type ProbitFit, probitFit } from "./math/probit-fit.ts";
import { quantileType7 } from "./math/quantile.ts";
import { SeededRandom } from "./math/random.ts";
import { expectedConsistency, kappaFromCounts } from "./metrics.ts";
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
 * Simulated experiments per trial count where a half-width plan's answer is decided (and at
 * least `simulations`): 100,000, so that the simulated half-width's Monte-Carlo error is about
 * 0.3% and the answer's about 0.6% (twice as much, since n goes with the half-width squared);
 * answers for different seeds agree within 2%. Each costs well under a microsecond (one
 * multinomial 2x2 table), so a plan stays well under a second.
 */
export const PLAN_ANSWER_SIMULATIONS = 100_000;

/**
 * Simulated experiments per model and trial count of a power plan's final check (and at least
 * `simulations`): the power's Monte-Carlo error is then at most 0.0035.
 */
export const PLAN_POWER_CHECK_SIMULATIONS = 20_000;

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
  checkKappaCanVary(s.acc1, s.acc2);
  return {
    acc1: s.acc1,
    acc2: s.acc2,
    kappa: s.kappa,
    level,
    simulations: s.simulations ?? PLAN_DEFAULTS.simulations,
    seed: s.seed ?? PLAN_DEFAULTS.seed,
  };
}

/**
 * Refuses accuracies under which kappa cannot vary: where both observers are always right or
 * always wrong kappa is undefined (c_exp = 1); where one of them is (accuracy 0 or 1) the other
 * agrees with it only by chance, kappa's range [kappa_min, kappa_max] is the single point 0,
 * and no number of trials narrows an interval or detects a difference.
 */
function checkKappaCanVary(acc1: number, acc2: number): void {
  for (const a of [acc1, acc2]) if (!(a >= 0 && a <= 1)) throw new RangeError(`accuracies must be in [0, 1], got ${a}`);
  if (expectedConsistency(acc1, acc2) === 1) {
    throw new RangeError(
      `kappa is undefined for accuracies ${acc1} and ${acc2} (both observers always right, or always wrong): there is nothing to plan`,
    );
  }
  if (acc1 === 0 || acc1 === 1 || acc2 === 0 || acc2 === 1) {
    throw new RangeError(
      `kappa is 0 whatever the trials for accuracies ${acc1} and ${acc2}: an observer that is always right (or always wrong) agrees with the other only by chance, so kappa's range is the single point 0 and no number of trials narrows its interval or detects a difference; give accuracies strictly between 0 and 1`,
    );
  }
}

/** Refuses a target whose first guess of the trials needed is beyond {@link PLAN_MAX_TRIALS}. */
function checkGuess(guess: number, target: string): void {
  if (guess > PLAN_MAX_TRIALS) {
    throw new RangeError(
      `${target} needs about ${guess.toPrecision(2)} trials by the large-sample formula, more than the ${PLAN_MAX_TRIALS} trials a plan may have`,
    );
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
  /** The planned n: the smallest whose simulated half-width is at most the target (see planHalfWidth). */
  trials: number;
  /** The simulated half-width at `trials`, with `answer_simulations` experiments: at most the target. */
  achieved_half_width: number;
  /** Simulated experiments per trial count while deciding the answer: max(simulations, PLAN_ANSWER_SIMULATIONS). */
  answer_simulations: number;
  /** Half-width against n, `simulations` experiments per point (so it may cross the target a little off `trials`). */
  curve: CurvePoint[];
}

/**
 * The trials an interval of half-width `halfWidth` needs. The half-width h(n) of kappa's
 * simulated sampling distribution ({@link simulatedHalfWidth}) falls about as 1 / sqrt(n), so
 * from the closed-form guess n_0 = (z s1 / h)^2 the answer is found by the fixed-point steps
 * n_{k+1} = ceil(n_k (h(n_k) / h)^2) (at most 8; they settle within one or two), then, as the
 * final check, n grows (by the same rule, at least by 1) until h(n) <= the target. Every h(n)
 * here is simulated with max(simulations, {@link PLAN_ANSWER_SIMULATIONS}) experiments from
 * the same seed (common random numbers), so the answer moves by about 0.6% between seeds (not
 * by 10% as a bisection on 2,000 noisy experiments did) and does not depend on where the noise
 * crosses the target. The achieved half-width at the answer is reported.
 *
 * @example
 * planHalfWidth({ acc1: 0.7, acc2: 0.4, kappa: 0.3, halfWidth: 0.05 }).trials // => 88...
 */
export function planHalfWidth(plan: PlanSettings & { halfWidth: number }): HalfWidthPlan {
  const s = settings(plan);
  const target = plan.halfWidth;
  if (!(target > 0 && target < 1)) throw new RangeError(`half-width must be in (0, 1), got ${target}`);
  const z = normalQuantile((1 + s.level) / 2);
  const s1 = perTrialKappaSd(s.acc1, s.acc2, s.kappa);
  const guess = Math.max(10, Math.ceil(((z * s1) / target) ** 2));
  checkGuess(guess, `half-width ${target}`);
  const counter = new SimulationCounter(plan.onProgress);
  const answerSimulations = Math.max(s.simulations, PLAN_ANSWER_SIMULATIONS);
  const precise = { ...s, simulations: answerSimulations };
  const width = (n: number) => simulatedHalfWidth(n, precise, counter.tick);
  counter.start("search", 0);
  const scaled = (n: number, w: number) => Math.max(2, Math.ceil(n * (w / target) ** 2));
  let trials = guess;
  let achieved = width(trials);
  for (let step = 0; step < 8; step++) {
    const next = scaled(trials, achieved);
    if (next === trials) break;
    trials = checkTrials(next);
    achieved = width(trials);
  }
  while (achieved > target) {
    trials = checkTrials(Math.max(trials + 1, scaled(trials, achieved)));
    achieved = width(trials);
  }
  const points = curveTrials(trials);
  counter.start("curve", points.length * s.simulations);
  const curve = points.map((n) => ({ trials: n, simulated: simulatedHalfWidth(n, s, counter.tick), closed_form: (z * s1) / Math.sqrt(n) }));
  return {
    target_half_width: target,
    level: s.level,
    trials_closed_form: guess,
    trials,
    achieved_half_width: achieved,
    answer_simulations: answerSimulations,
    curve,
  };
}

/** A trial count the search reached, refused beyond {@link PLAN_MAX_TRIALS}. */
function checkTrials(n: number): number {
  if (n > PLAN_MAX_TRIALS) throw new RangeError(`more than the ${PLAN_MAX_TRIALS} trials a plan may have would be needed`);
  return n;
}

export interface DifferencePlan {
  delta: number;
  target_power: number;
  level: number;
  humans: number;
  trials_closed_form: number;
  /** The planned n: where the fitted power curve reaches the target (see planDifference). */
  trials: number;
  /** The fitted curve, power(n) = Φ(intercept + slope sqrt(n)). */
  fit: ProbitFit;
  /** The simulated power at `trials` (final check), with `check_simulations` experiments. */
  achieved_power: number;
  check_simulations: number;
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
 * Trials needed to detect `delta` with `power`. The first guess is the normal approximation
 * n_0 = (z_{level} + z_{power})^2 2 s1^2 / (humans delta^2), under which
 * power(n) = Φ(delta sqrt(humans n / (2 s1^2)) - z_{level}). The simulated power
 * ({@link simulatedPower}, the same seed at every n) is taken at 8 trial counts spread
 * geometrically from n_0 / 2 to 2 n_0, and the curve power(n) = Φ(a + b sqrt(n)) (the closed
 * form's shape, a and b free) is fitted to them by maximum likelihood ({@link probitFit}); the
 * fit is repeated on 8 more counts from n_1 / 1.4 to 1.4 n_1 around its answer n_1 (and again,
 * up to 4 times, while the answer lies outside the counts simulated), all counts in one fit.
 * The answer is the smallest n where the fitted curve reaches `power`: monotone by
 * construction, so it does not depend on where the noise of single points crosses the target.
 * Final check: the simulated power at the answer, with max(simulations,
 * {@link PLAN_POWER_CHECK_SIMULATIONS}) experiments, reported as `achieved_power`.
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
  const power = (n: number, simulations = s.simulations) =>
    simulatedPower(n, { ...s, simulations, delta: plan.delta, humans }, counter.tick);
  const closedPower = (n: number) => normalCdf(plan.delta * Math.sqrt((humans * n) / (2 * s1 * s1)) - zAlpha);
  counter.start("search", 0);
  const simulated = new Map<number, number>();
  const simulateAround = (centre: number, spread: number) => {
    for (let i = 0; i < 8; i++) {
      const n = Math.max(2, Math.round(centre * spread ** ((2 * i) / 7 - 1)));
      if (!simulated.has(n)) simulated.set(n, power(checkTrials(n)));
    }
  };
  const fitAnswer = (): { fit: ProbitFit; trials: number } => {
    const points = [...simulated];
    const fit = probitFit(
      points.map(([n]) => Math.sqrt(n)),
      points.map(([, p]) => Math.round(p * s.simulations)),
      points.map(() => s.simulations),
    );
    if (!(fit.slope > 0))
      throw new RangeError(`the simulated power does not rise with the trials (fitted slope ${fit.slope}); try more --simulations`);
    const root = (zBeta - fit.intercept) / fit.slope;
    return { fit, trials: root <= Math.SQRT2 ? 2 : checkTrials(Math.ceil(root * root)) };
  };
  simulateAround(guess, 2);
  let answer = fitAnswer();
  simulateAround(answer.trials, 1.4);
  answer = fitAnswer();
  for (let round = 0; round < 4; round++) {
    const counts = [...simulated.keys()];
    if (answer.trials >= Math.min(...counts) && answer.trials <= Math.max(...counts)) break;
    simulateAround(answer.trials, 1.4);
    answer = fitAnswer();
  }
  const { fit, trials } = answer;
  const checkSimulations = Math.max(s.simulations, PLAN_POWER_CHECK_SIMULATIONS);
  const achieved = power(trials, checkSimulations);
  const points = curveTrials(trials);
  // simulatedPower simulates twice per simulation: under the null and under the alternative.
  counter.start("curve", points.length * 2 * s.simulations);
  const curve = points.map((n) => ({ trials: n, simulated: power(n), closed_form: closedPower(n) }));
  return {
    delta: plan.delta,
    target_power: plan.power,
    level: s.level,
    humans,
    trials_closed_form: guess,
    trials,
    fit,
    achieved_power: achieved,
    check_simulations: checkSimulations,
    curve,
  };
}

/** Trial counts for a curve around the planned n: from n/4 to 4n. */
function curveTrials(n: number): number[] {
  return [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4].map((f) => Math.max(2, Math.round(n * f)));
}
