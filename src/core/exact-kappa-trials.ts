/**
 * Simulated trials whose kappa is a given value exactly (or as nearly as the trial count
 * allows), unlike the copy model (./copy-model.ts), whose experiments scatter around it.
 * Isomorphic and seeded; log-free, so the same seed gives the same trials in every engine.
 */
import { COPY_MODEL_TOLERANCE, type CopyModelParams } from "./copy-model.ts";
import type { SeededRandom } from "./math/random.ts";
import { type PairCounts, expectedConsistency, kappaBounds, kappaFromCounts } from "./metrics.ts";

export interface ExactKappaTrials {
  /** Outcomes (1 correct, 0 wrong) of observer 1 and 2 on each trial. */
  first: Uint8Array;
  second: Uint8Array;
  counts: PairCounts;
  /** The kappa of `counts`: the target, or the nearest value n trials allow. */
  kappa: number;
}

/**
 * Trials of two observers with accuracies round(acc1 n) / n and round(acc2 n) / n whose 2x2
 * table has the target kappa. Given n and the correct counts k1 and k2, kappa is linear in the
 * both-correct count x: kappa(x) = ((n - k1 - k2 + 2x) / n - c_exp) / (1 - c_exp), x from
 * max(0, k1 + k2 - n) to min(k1, k2); x is the nearest integer to the solution of
 * kappa(x) = kappa (so the kappa is exact where the solution is an integer, else within
 * 1 / (n (1 - c_exp)) of the target). The cells' trials are then shuffled (Fisher-Yates with
 * `rng`, the same order for both observers).
 *
 * RangeError where trials is not a positive integer, kappa is outside [kappa_min, kappa_max]
 * of acc1 and acc2, or kappa is undefined at the rounded accuracies (c_exp = 1).
 */
export function trialsWithKappa(rng: SeededRandom, trials: number, params: CopyModelParams): ExactKappaTrials {
  const { acc1, acc2, kappa } = params;
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`trials must be a positive integer, got ${trials}`);
  for (const a of [acc1, acc2]) if (!(a >= 0 && a <= 1)) throw new RangeError(`accuracies must be in [0, 1], got ${a}`);
  const { min, max } = kappaBounds(acc1, acc2);
  if (min === null || max === null) throw new RangeError(`kappa is undefined for accuracies ${acc1} and ${acc2} (c_exp = 1)`);
  if (!(kappa >= min - COPY_MODEL_TOLERANCE && kappa <= max + COPY_MODEL_TOLERANCE)) {
    throw new RangeError(`kappa ${kappa} is outside the range [${min}, ${max}] that accuracies ${acc1} and ${acc2} allow`);
  }
  const n = trials;
  const k1 = Math.round(acc1 * n);
  const k2 = Math.round(acc2 * n);
  const cExp = expectedConsistency(k1 / n, k2 / n);
  if (cExp === 1)
    throw new RangeError(
      `kappa is undefined for ${n} trials at accuracies ${acc1} and ${acc2}: both observers always right or always wrong`,
    );
  const wanted = (n * (cExp + kappa * (1 - cExp)) - n + k1 + k2) / 2;
  const both = Math.min(Math.min(k1, k2), Math.max(Math.max(0, k1 + k2 - n), Math.round(wanted)));
  const cells = [both, k1 - both, k2 - both, n - k1 - k2 + both];
  const first = new Uint8Array(n);
  const second = new Uint8Array(n);
  let t = 0;
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < cells[j]; i++, t++) {
      first[t] = j <= 1 ? 1 : 0;
      second[t] = j === 0 || j === 2 ? 1 : 0;
    }
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [first[i], first[j]] = [first[j], first[i]];
    [second[i], second[j]] = [second[j], second[i]];
  }
  const counts = { trials: n, correct1: k1, correct2: k2, bothCorrect: both };
  return { first, second, counts, kappa: kappaFromCounts(n, k1, k2, both) };
}
