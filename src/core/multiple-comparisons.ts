/**
 * Multiplicity corrections of p-values: Holm (family-wise error rate) and Benjamini-Hochberg
 * (false discovery rate). Isomorphic.
 */

/**
 * Holm's step-down adjusted p-values (family-wise error rate): with the m defined p-values
 * sorted ascending p_(1) <= ... <= p_(m), adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
 * Returned in the input order; NaN stays NaN and does not count in m.
 *
 * @example holm([0.01, 0.04, 0.03]) // => [0.03, 0.06, 0.06]
 */
export function holm(p: readonly number[]): number[] {
  const order = definedOrder(p);
  const m = order.length;
  const adjusted = p.map(() => NaN);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini-Hochberg adjusted p-values (false discovery rate): with the m defined p-values
 * sorted ascending, adj_(i) = min_{j >= i} min(1, m p_(j) / j). Returned in the input order;
 * NaN stays NaN and does not count in m.
 *
 * @example benjaminiHochberg([0.01, 0.04, 0.03]) // => [0.03, 0.04, 0.04]
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const order = definedOrder(p);
  const m = order.length;
  const adjusted = p.map(() => NaN);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank];
    // m / (rank + 1) >= 1; the max only keeps rounding from putting adj below p.
    running = Math.min(running, Math.max(p[index], (m * p[index]) / (rank + 1)));
    adjusted[index] = running;
  }
  return adjusted;
}

/** Indices of the non-NaN p-values, by ascending p (ties in input order). */
function definedOrder(p: readonly number[]): number[] {
  for (const v of p) {
    if (!Number.isNaN(v) && !(v >= 0 && v <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${v}`);
  }
  return p.flatMap((v, i) => (Number.isNaN(v) ? [] : [i])).sort((a, b) => p[a] - p[b] || a - b);
}
