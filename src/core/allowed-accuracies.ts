/**
 * Which accuracies of a second observer allow a given kappa with a first observer of known
 * accuracy: the inverse of kappaBounds (./metrics.ts), for kappa of either sign. Isomorphic.
 */

/**
 * The accuracies a2 of a second observer with which an observer of accuracy `accuracy` (a1)
 * can have error consistency `kappa`: the a2 in [0, 1] with kappa_min(a1, a2) <= kappa <=
 * kappa_max(a1, a2). With D = a1 + a2 - 2 a1 a2 = 1 - c_exp, the bounds (Klein et al. 2025)
 * are kappa_max = 2 min(a1, a2) (1 - max(a1, a2)) / D and kappa_min = -2 a1 a2 / D where
 * a1 + a2 <= 1, -2 (1 - a1)(1 - a2) / D where a1 + a2 >= 1. So the set is one interval:
 * - kappa > 0: kappa_max rises from 0 (a2 = 0) to 1 (a2 = a1) and falls back to 0 (a2 = 1);
 *   solving kappa_max = kappa on each side gives
 *   [kappa a1 / (2 (1 - a1) - kappa (1 - 2 a1)),  a1 (2 - kappa) / (2 a1 + kappa (1 - 2 a1))];
 * - kappa < 0: kappa_min falls from 0 (a2 = 0) to -2 a1 b / (1 - 2 a1 b) (a2 = b = 1 - a1) and
 *   rises back to 0; solving kappa_min = kappa on each side gives
 *   [-kappa a1 / (2 a1 + kappa (1 - 2 a1)),  (2 b + kappa (1 - b)) / (2 b - kappa (2 b - 1))],
 *   and no a2 where kappa is below that deepest value (kappa = -1 needs a1 = a2 = 0.5);
 * - kappa = 0: every a2; kappa = 1: a2 = a1 only.
 * Where a1 is 0 or 1 kappa is 0 whatever a2 (undefined at a2 = a1): [0, 1] for kappa 0, else
 * none. Ends are clamped to [0, 1].
 *
 * @returns the interval [min, max] of a2, or null where no accuracy allows the kappa
 * @example allowedAccuracies(0.5, 0.5) // => { min: 0.25, max: 0.75 }
 */
export function allowedAccuracies(accuracy: number, kappa: number): { min: number; max: number } | null {
  if (!(accuracy >= 0 && accuracy <= 1)) throw new RangeError(`an accuracy must be in [0, 1], got ${accuracy}`);
  if (!(kappa >= -1 && kappa <= 1)) throw new RangeError(`kappa must be in [-1, 1], got ${kappa}`);
  const a = accuracy;
  if (a === 0 || a === 1) return kappa === 0 ? { min: 0, max: 1 } : null;
  if (kappa === 0) return { min: 0, max: 1 };
  if (kappa === 1) return { min: a, max: a };
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  if (kappa > 0) {
    return {
      min: clamp((kappa * a) / (2 * (1 - a) - kappa * (1 - 2 * a))),
      max: clamp((a * (2 - kappa)) / (2 * a + kappa * (1 - 2 * a))),
    };
  }
  const b = 1 - a;
  const deepest = (-2 * a * b) / (1 - 2 * a * b);
  if (kappa < deepest - 1e-12) return null;
  const min = clamp((-kappa * a) / (2 * a + kappa * (1 - 2 * a)));
  const max = clamp((2 * b + kappa * (1 - b)) / (2 * b - kappa * (2 * b - 1)));
  // At the deepest kappa both ends are 1 - a; rounding may cross them.
  return min <= max ? { min, max } : { min: b, max: b };
}
