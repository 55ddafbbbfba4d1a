/**
 * The p-value convention of every Monte-Carlo test of the core (the Beta-null independence
 * test, the swap test of two models). Isomorphic.
 */

/**
 * p-value of a Monte-Carlo test from `draws` null draws of which `extreme` are at least as
 * extreme as the data: p = (1 + extreme) / (1 + draws) (Davison & Hinkley 1997, eq. 4.11).
 * The +1 counts the data as one more draw from the null: under the null the data's statistic
 * is exchangeable with the draws', so P(p <= alpha) <= alpha at any number of draws. p is never
 * 0; the smallest possible value is 1 / (draws + 1). With no draws p is 1 (no evidence).
 *
 * @example monteCarloPValue(0, 999) // => 0.001
 */
export function monteCarloPValue(extreme: number, draws: number): number {
  if (!(Number.isInteger(draws) && draws >= 0)) throw new RangeError(`draws must be a non-negative integer, got ${draws}`);
  if (!(Number.isInteger(extreme) && extreme >= 0 && extreme <= draws)) {
    throw new RangeError(`extreme must be an integer from 0 to draws (${draws}), got ${extreme}`);
  }
  return (1 + extreme) / (1 + draws);
}
