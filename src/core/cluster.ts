/**
 * Agglomerative hierarchical clustering of observers by error consistency: distance
 * d(a, b) = 1 - kappa(a, b), merged bottom-up with average (UPGMA), complete or single linkage.
 * Isomorphic (no Node APIs). O(n³) time and O(n²) memory: meant for tens to a few hundred
 * observers.
 *
 * Conventions (as SciPy's `linkage` and `dendrogram`): items are clusters 0..n-1; the k-th merge
 * (k = 0..n-2) creates cluster n + k. The dendrogram draws each merge's `left` child on the left.
 */
import { InputError } from "./errors.ts";
import type { PairRow } from "./pairs.ts";

/** How the distance between two clusters follows from the distances between their items. */
export type Linkage = "average" | "complete" | "single";

export const LINKAGES: readonly Linkage[] = ["average", "complete", "single"];

/** One merge: clusters `left` < `right` (ids as above) joined at `height` into a cluster of `size` items. */
export interface Merge {
  left: number;
  right: number;
  /** The linkage distance between `left` and `right` when they were merged. */
  height: number;
  /** Number of items in the new cluster. */
  size: number;
}

/**
 * One line of a dendrogram: x is a leaf position (0..n-1, leaf i of `order` at x = i; a cluster
 * sits at the midpoint of its two children), y is the merge height (leaves at y = 0).
 */
export interface DendrogramSegment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Index of the merge the segment belongs to. */
  merge: number;
}

export interface Clustering {
  method: Linkage;
  /** n - 1 merges in order of formation (SciPy's linkage matrix Z, one row each). */
  merges: Merge[];
  /** Items left to right along the dendrogram's leaves: a permutation of 0..n-1. */
  order: number[];
  /** 3 segments per merge: left leg, right leg, crossbar. */
  segments: DendrogramSegment[];
}

export interface ClusterOptions {
  /** Default "average" (UPGMA). */
  method?: Linkage;
  /** Names of the items, used in error messages. */
  labels?: readonly string[];
}

/**
 * The Lance-Williams update: the distance from cluster k to the union of clusters i and j,
 *   d(k, i ∪ j) = α_i d(k, i) + α_j d(k, j) + β d(i, j) + γ |d(k, i) − d(k, j)|, with
 * - single:   α_i = α_j = 1/2, β = 0, γ = −1/2, i.e. min(d(k, i), d(k, j));
 * - complete: α_i = α_j = 1/2, β = 0, γ = +1/2, i.e. max(d(k, i), d(k, j));
 * - average:  α_i = n_i / (n_i + n_j), α_j = n_j / (n_i + n_j), β = γ = 0, so that the distance
 *   between two clusters stays the mean of the distances between their items,
 *   d(A, B) = Σ_{a ∈ A, b ∈ B} d(a, b) / (|A| |B|).
 * Single and complete are computed as min and max (exact, no rounding).
 */
export function lanceWilliams(method: Linkage, dki: number, dkj: number, ni: number, nj: number): number {
  switch (method) {
    case "single":
      return Math.min(dki, dkj);
    case "complete":
      return Math.max(dki, dkj);
    case "average":
      return (ni * dki + nj * dkj) / (ni + nj);
  }
}

function itemName(i: number, labels?: readonly string[]): string {
  return labels?.[i] !== undefined ? `"${labels[i]}"` : `item ${i}`;
}

/**
 * Checks a distance matrix for clustering: square, every off-diagonal entry finite, and
 * symmetric to within 1e-12 · max(1, |d|). The diagonal is not read. A NaN entry (e.g. a pair
 * with missing or undefined kappa) is refused with an {@link InputError} naming the pair:
 * agglomerative clustering needs the distance of every pair, and no imputation is made.
 */
export function checkDistances(distances: readonly (readonly number[])[], labels?: readonly string[]): void {
  const n = distances.length;
  if (labels !== undefined && labels.length !== n) {
    throw new RangeError(`${labels.length} labels for a ${n} x ${n} distance matrix`);
  }
  distances.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`distance matrix row ${i} has ${row.length} entries, expected ${n}`);
  });
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = distances[i][j];
      const e = distances[j][i];
      if (!Number.isFinite(d) || !Number.isFinite(e)) {
        throw new InputError(
          `cannot cluster: the distance between ${itemName(i, labels)} and ${itemName(j, labels)} is ` +
            `${Number.isFinite(d) ? e : d} (a missing pair or an undefined kappa); hierarchical clustering ` +
            `needs every pair, so leave such observers out`,
        );
      }
      if (Math.abs(d - e) > 1e-12 * Math.max(1, Math.abs(d), Math.abs(e))) {
        throw new RangeError(`distance matrix is not symmetric: d[${i}][${j}] = ${d}, d[${j}][${i}] = ${e}`);
      }
    }
  }
}

/**
 * Agglomerative clustering (like SciPy's `linkage(method=...)`): start with every item in its own
 * cluster; repeatedly merge the two clusters at the smallest linkage distance and update the
 * distances to the new cluster with {@link lanceWilliams}, until one cluster is left.
 *
 * Ties: among pairs at exactly the same (floating-point) distance, the pair (a, b), a < b by
 * cluster id, that comes first in lexicographic order is merged; i.e. older clusters and lower
 * item indices first. The result therefore depends only on the matrix, not on iteration quirks.
 *
 * Uses the upper triangle d[i][j], i < j; see {@link checkDistances} for what is refused (NaN).
 */
export function linkage(distances: readonly (readonly number[])[], options: ClusterOptions = {}): Merge[] {
  const method = options.method ?? "average";
  checkDistances(distances, options.labels);
  const n = distances.length;
  // Slot s holds the active cluster ids[s] (a merged cluster reuses its left child's slot).
  const d = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i < j ? distances[i][j] : distances[j][i])));
  const ids = Array.from({ length: n }, (_, i) => i);
  const sizes = new Array<number>(n).fill(1);
  const active = Array.from({ length: n }, (_, i) => i);
  const merges: Merge[] = [];
  for (let k = 0; k < n - 1; k++) {
    const [a, b] = closestPair(d, ids, active);
    const [left, right] = ids[a] < ids[b] ? [a, b] : [b, a];
    const size = sizes[a] + sizes[b];
    merges.push({ left: ids[left], right: ids[right], height: d[a][b], size });
    for (const c of active) {
      if (c === a || c === b) continue;
      const updated = lanceWilliams(method, d[c][a], d[c][b], sizes[a], sizes[b]);
      d[c][left] = d[left][c] = updated;
    }
    ids[left] = n + k;
    sizes[left] = size;
    active.splice(active.indexOf(right), 1);
  }
  return merges;
}

/**
 * The two active slots at the smallest distance; ties go to the lexicographically smallest
 * (smaller id, larger id) pair of cluster ids.
 */
function closestPair(d: readonly Float64Array[], ids: readonly number[], active: readonly number[]): [number, number] {
  let best: [number, number] = [-1, -1];
  let bestDistance = Infinity;
  let bestKey: [number, number] = [Infinity, Infinity];
  for (let p = 0; p < active.length; p++) {
    for (let q = p + 1; q < active.length; q++) {
      const a = active[p];
      const b = active[q];
      const dist = d[a][b];
      const key: [number, number] = ids[a] < ids[b] ? [ids[a], ids[b]] : [ids[b], ids[a]];
      const earlier = key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1]);
      if (dist < bestDistance || (dist === bestDistance && earlier)) {
        best = [a, b];
        bestDistance = dist;
        bestKey = key;
      }
    }
  }
  return best;
}

/** Checks that `merges` is a linkage of n items (n - 1 merges of existing, unmerged clusters). */
function checkMerges(merges: readonly Merge[], n: number): void {
  if (n > 0 && merges.length !== n - 1) throw new RangeError(`${merges.length} merges for ${n} items, expected ${n - 1}`);
  const used = new Set<number>();
  merges.forEach(({ left, right }, k) => {
    for (const c of [left, right]) {
      if (!Number.isInteger(c) || c < 0 || c >= n + k || used.has(c)) {
        throw new RangeError(`merge ${k} joins cluster ${c}, which does not exist yet or was merged already`);
      }
      used.add(c);
    }
  });
}

/**
 * Leaf order of the dendrogram, left to right: a depth-first walk from the root (cluster
 * 2n − 2) visiting each merge's `left` child before its `right` child (SciPy's default
 * `dendrogram` order). A permutation of 0..n-1.
 */
export function leafOrder(merges: readonly Merge[], n: number): number[] {
  checkMerges(merges, n);
  if (n === 0) return [];
  const order: number[] = [];
  const stack = [2 * n - 2];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c < n) order.push(c);
    else stack.push(merges[c - n].right, merges[c - n].left);
  }
  return order;
}

/**
 * Line segments of the dendrogram for plotting, given the leaf `order`: leaf order[i] at
 * (x = i, y = 0); a merged cluster at x = (x_left + x_right) / 2, y = its height. Each merge
 * gives its left leg (x_left, y_left) → (x_left, h), its right leg (x_right, y_right) →
 * (x_right, h) and its crossbar (x_left, h) → (x_right, h).
 */
export function dendrogramSegments(merges: readonly Merge[], order: readonly number[]): DendrogramSegment[] {
  const n = order.length;
  checkMerges(merges, n);
  const x = new Array<number>(Math.max(0, 2 * n - 1));
  const y = new Array<number>(Math.max(0, 2 * n - 1)).fill(0);
  order.forEach((item, position) => (x[item] = position));
  const segments: DendrogramSegment[] = [];
  merges.forEach(({ left, right, height }, k) => {
    const [xl, xr] = [x[left], x[right]];
    segments.push(
      { x1: xl, y1: y[left], x2: xl, y2: height, merge: k },
      { x1: xr, y1: y[right], x2: xr, y2: height, merge: k },
      { x1: Math.min(xl, xr), y1: height, x2: Math.max(xl, xr), y2: height, merge: k },
    );
    x[n + k] = (xl + xr) / 2;
    y[n + k] = height;
  });
  return segments;
}

/**
 * {@link linkage}, {@link leafOrder} and {@link dendrogramSegments} in one call.
 *
 * @example
 * hierarchicalClustering([[0, 0.2, 0.9], [0.2, 0, 0.8], [0.9, 0.8, 0]]).order // => [2, 0, 1]
 */
export function hierarchicalClustering(distances: readonly (readonly number[])[], options: ClusterOptions = {}): Clustering {
  const merges = linkage(distances, options);
  const order = leafOrder(merges, distances.length);
  return { method: options.method ?? "average", merges, order, segments: dendrogramSegments(merges, order) };
}

/**
 * The symmetric kappa matrix K of `observers` (in that order) from `computePairs` rows:
 * K[i][i] = 1 (an observer's errors coincide with its own), K[i][j] = K[j][i] = the pair's
 * kappa, and NaN where the pair is missing (e.g. skipped for differing stimuli) or its kappa is
 * undefined (null). Rows with an observer not in `observers` are ignored. Pass the rows of one
 * dataset and condition: a pair that appears twice is an error.
 */
export function kappaMatrix(pairs: readonly PairRow[], observers: readonly string[]): number[][] {
  const index = new Map(observers.map((name, i) => [name, i]));
  if (index.size !== observers.length) throw new RangeError("observers must be distinct");
  const n = observers.length;
  const matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : NaN)));
  const seen = new Set<string>();
  for (const pair of pairs) {
    const i = index.get(pair.observer1);
    const j = index.get(pair.observer2);
    if (i === undefined || j === undefined || i === j) continue;
    const key = i < j ? `${i},${j}` : `${j},${i}`;
    if (seen.has(key)) {
      throw new RangeError(
        `pair "${pair.observer1}" – "${pair.observer2}" appears more than once (several datasets or ` +
          `conditions?); pass the pairs of one dataset and condition`,
      );
    }
    seen.add(key);
    matrix[i][j] = matrix[j][i] = pair.kappa ?? NaN;
  }
  return matrix;
}

/** Distances from kappas: d = 1 − kappa (0 for identical error patterns, up to 2); NaN stays NaN. */
export function kappaDistances(kappas: readonly (readonly number[])[]): number[][] {
  return kappas.map((row) => row.map((k) => 1 - k));
}
