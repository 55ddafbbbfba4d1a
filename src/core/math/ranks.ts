/** Ranks of values. Isomorphic. */

/**
 * Ranks of values, 1 = largest, ties sharing the average rank; NaN values get NaN and do not
 * take part.
 */
export function descendingRanks(values: ArrayLike<number>): Float64Array {
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      ranks[i] = NaN;
      continue;
    }
    let greater = 0;
    let equal = 0;
    for (let j = 0; j < values.length; j++) {
      if (j === i || Number.isNaN(values[j])) continue;
      if (values[j] > v) greater++;
      else if (values[j] === v) equal++;
    }
    ranks[i] = 1 + greater + equal / 2;
  }
  return ranks;
}
