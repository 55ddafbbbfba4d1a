/**
 * The dashboard's analysis, run in its web worker (and in Node by the tests and the benchmark).
 * Isomorphic (no Node or DOM APIs). Every number comes from the core: the pairs' 2x2 counts
 * from the all-pairs kernel (src/kernel, WebAssembly where present), every metric from
 * `pairMetrics`, intervals from `pairInterval` and the joint bootstrap (the kernel's replicates,
 * identical to `modelKappaIntervals`'), the order from
 * `hierarchicalClustering`, the chance region from `chanceRegion`, means and half-widths from
 * core/statistics. Pairs follow `computePairs`' rules: observers whose stimulus sets differ
 * are skipped, or with "intersect" paired on their common stimuli (tested against
 * computePairs on the published data, test/web/dashboard/compute.test.ts).
 * (The four pair paths and how they agree: ../../core/pairs.ts.)
 */
import { rowPopcount, rowsEqual } from "../../core/bit-rows.ts";
import { type ChanceBandRow, GEIRHOS2020_GRID_EDGES, chanceRegion } from "../../core/chance.ts";
import { hierarchicalClustering, kappaDistances } from "../../core/cluster.ts";
import { type ReplicateKappas, meanKappaWithHumans, weightedKappa } from "../../core/joint-bootstrap.ts";
import { mean, normalHalfWidth95, sampleSd } from "../../core/math/descriptive.ts";
import { percentileInterval } from "../../core/math/quantile.ts";
import { type PairCounts, type PairMetrics, type UndefinedKappaPolicy, accuracy, pairMetrics } from "../../core/metrics.ts";
import { type OutcomeMatrix, observerRoles } from "../../core/outcome-matrix.ts";
import { PAIR_INTERVAL_DEFAULTS, type PairInterval, pairInterval, pairSeed } from "../../core/pair-intervals.ts";
import type { PairType } from "../../core/pairs.ts";
import { bitRowSets, excludedFromBitRows, groupByStimulusSet, unitStimulusSet } from "../../core/stimulus-sets.ts";
import { compareText } from "../../core/trials.ts";
import { kernelJointBootstrap } from "../../kernel/bootstrap.ts";
import { allPairCounts } from "../../kernel/index.ts";
import { allocatePacked, packOutcomeMatrix } from "../../kernel/packed.ts";
import { type DatasetPayload, type UnitPayload, decodeWords } from "../../serve/protocol.ts";

/** A named group of observers (the view state's groups). */
export interface ObserverGroup {
  name: string;
  members: readonly string[];
}

/** How pairs with different stimulus sets are treated (as `trialwise pairs` and `--intersect`). */
export type DashboardMismatch = "identical" | "intersect";

/** One analysis unit decoded: bit rows of the stimuli each observer saw and got right. */
export interface Unit {
  dataset: string;
  condition: string;
  observers: string[];
  human: boolean[];
  stimuli: number;
  wordsPerObserver: number;
  seen: Uint32Array;
  correct: Uint32Array;
}

export function decodeUnit(dataset: DatasetPayload, payload: UnitPayload): Unit {
  return {
    dataset: dataset.name,
    condition: payload.condition,
    observers: payload.observers.map((i) => dataset.observerInfo[i].name),
    human: payload.observers.map((i) => dataset.observerInfo[i].kind === "human"),
    stimuli: payload.stimuli,
    wordsPerObserver: payload.wordsPerObserver,
    seen: decodeWords(payload.seen),
    correct: decodeWords(payload.correct),
  };
}

/** How each pair of the matrix was computed (or why not). */
export const PAIR_STATUS = { same: 0, intersected: 1, skipped: 2, noCommon: 3 } as const;

/**
 * Every pair of the chosen observers of a unit: n x n row-major arrays, symmetric except
 * `correct1` (entry (i, j) is observer i's correct count on the pair's trials). Metrics are
 * NaN where a pair was skipped or its kappa is undefined; the diagonal holds kappa = 1.
 */
export interface PairMatrix {
  dataset: string;
  condition: string;
  observers: string[];
  human: boolean[];
  size: number;
  status: Uint8Array;
  trials: Uint32Array;
  correct1: Uint32Array;
  bothCorrect: Uint32Array;
  kappa: Float64Array;
  cObs: Float64Array;
  cExp: Float64Array;
  /** Pairs skipped because their stimulus sets differ (or share nothing). */
  skipped: number;
  /** Pairs computed on their common stimuli only ("intersect"). */
  intersected: number;
  /** Computed pairs whose kappa is undefined (c_exp = 1). */
  undefinedKappa: number;
  /** Accuracy of each observer on the unit (all the stimuli it saw there). */
  accuracy: Float64Array;
  /** The kernel that counted ("wasm" or "ts"). */
  kernel: string;
}

/** Bit rows `rows` of `bits` copied into a fresh packed matrix for the kernel. */
function packRows(unit: Unit, sources: { bits: Uint32Array; row: number }[]) {
  const packed = allocatePacked(
    sources.map((_, k) => String(k)),
    unit.stimuli,
  );
  const w = unit.wordsPerObserver;
  sources.forEach(({ bits, row }, k) => packed.bits.set(bits.subarray(row * w, (row + 1) * w), k * w));
  return packed;
}

/**
 * The pair matrix of `chosen` (indices into `unit.observers`, any order; the matrix keeps it).
 * One kernel run counts every pair: on the correct rows alone when all chosen observers saw
 * the same stimuli, else on correct and seen rows together (2n rows), which gives each pair's
 * common stimuli and each observer's correct count on them too.
 */
export async function pairMatrix(
  unit: Unit,
  chosen: readonly number[],
  options: { mismatch: DashboardMismatch; undefinedKappa?: UndefinedKappaPolicy },
): Promise<PairMatrix> {
  const n = chosen.length;
  const w = unit.wordsPerObserver;
  const allSame = chosen.every((i) => rowsEqual(unit.seen, chosen[0] * w, i * w, w));
  const sources = chosen.map((row) => ({ bits: unit.correct, row }));
  if (!allSame) sources.push(...chosen.map((row) => ({ bits: unit.seen, row })));
  const packed = packRows(unit, sources);
  const counts = await allPairCounts(packed, {});
  const both = counts.bothCorrect!;
  const rows = sources.length;
  // Stimuli each observer saw: one popcount when all saw the same, else the seen rows' diagonal.
  const seenCount = allSame
    ? new Uint32Array(n).fill(n > 0 ? rowPopcount(unit.seen, chosen[0] * w, w) : 0)
    : Uint32Array.from({ length: n }, (_, i) => both[(n + i) * rows + n + i]);

  const matrix: PairMatrix = {
    dataset: unit.dataset,
    condition: unit.condition,
    observers: chosen.map((i) => unit.observers[i]),
    human: chosen.map((i) => unit.human[i]),
    size: n,
    status: new Uint8Array(n * n),
    trials: new Uint32Array(n * n),
    correct1: new Uint32Array(n * n),
    bothCorrect: new Uint32Array(n * n),
    kappa: new Float64Array(n * n).fill(NaN),
    cObs: new Float64Array(n * n).fill(NaN),
    cExp: new Float64Array(n * n).fill(NaN),
    skipped: 0,
    intersected: 0,
    undefinedKappa: 0,
    accuracy: Float64Array.from({ length: n }, (_, i) => accuracy(counts.correct[i], seenCount[i])),
    kernel: counts.kernel,
  };
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const common = allSame ? seenCount[i] : both[(n + i) * rows + n + j];
      const c1 = allSame ? counts.correct[i] : both[i * rows + n + j];
      const c2 = allSame ? counts.correct[j] : both[j * rows + n + i];
      const bc = both[i * rows + j];
      const ij = i * n + j;
      const ji = j * n + i;
      const differ = !allSame && (common !== seenCount[i] || common !== seenCount[j]);
      let status: number = differ ? PAIR_STATUS.intersected : PAIR_STATUS.same;
      if (differ && (common === 0 || options.mismatch === "identical")) status = common === 0 ? PAIR_STATUS.noCommon : PAIR_STATUS.skipped;
      matrix.status[ij] = matrix.status[ji] = status;
      matrix.trials[ij] = matrix.trials[ji] = common;
      matrix.correct1[ij] = c1;
      matrix.correct1[ji] = c2;
      matrix.bothCorrect[ij] = matrix.bothCorrect[ji] = bc;
      if (i === j) {
        matrix.kappa[ij] = 1;
        continue;
      }
      if (status === PAIR_STATUS.skipped || status === PAIR_STATUS.noCommon) {
        matrix.skipped++;
        continue;
      }
      if (status === PAIR_STATUS.intersected) matrix.intersected++;
      const metrics = pairMetrics({ trials: common, correct1: c1, correct2: c2, bothCorrect: bc }, options.undefinedKappa);
      if (metrics.c_exp === 1) matrix.undefinedKappa++;
      matrix.kappa[ij] = matrix.kappa[ji] = metrics.kappa ?? NaN;
      matrix.cObs[ij] = matrix.cObs[ji] = metrics.c_obs;
      matrix.cExp[ij] = matrix.cExp[ji] = metrics.c_exp;
    }
  }
  return matrix;
}

/** Whether pair (i, j) of the matrix was computed. */
export function isComputed(matrix: PairMatrix, i: number, j: number): boolean {
  const status = matrix.status[i * matrix.size + j];
  return i !== j && (status === PAIR_STATUS.same || status === PAIR_STATUS.intersected);
}

export function pairTypeOf(matrix: PairMatrix, i: number, j: number): PairType {
  const a = matrix.human[i];
  const b = matrix.human[j];
  return a && b ? "human-human" : a || b ? "model-human" : "model-model";
}

/** One pair in full: the row of `trialwise pairs` and its analytic 95% interval. */
export interface PairDetails extends PairMetrics {
  observer1: string;
  observer2: string;
  pair_type: PairType;
  interval: PairInterval;
}

/** The 2x2 counts of pair (i, j) (observer i first). */
export function pairCountsOf(matrix: PairMatrix, i: number, j: number): PairCounts {
  const n = matrix.size;
  return {
    trials: matrix.trials[i * n + j],
    correct1: matrix.correct1[i * n + j],
    correct2: matrix.correct1[j * n + i],
    bothCorrect: matrix.bothCorrect[i * n + j],
  };
}

/** Pair (i, j) in full, from its counts; null where it was not computed. */
export function pairDetails(
  matrix: PairMatrix,
  i: number,
  j: number,
  undefinedKappa: UndefinedKappaPolicy = "undefined",
): PairDetails | null {
  if (!isComputed(matrix, i, j)) return null;
  const counts = pairCountsOf(matrix, i, j);
  return {
    observer1: matrix.observers[i],
    observer2: matrix.observers[j],
    pair_type: pairTypeOf(matrix, i, j),
    ...pairMetrics(counts, undefinedKappa),
    interval: pairInterval(counts, { method: "analytic", level: 0.95 }),
  };
}

/**
 * The BCa interval of one pair's kappa over the trial bootstrap, exactly as
 * `trialwise pairs --ci bca` gives it: 10,000 replicates, level 0.95, the seed derived from
 * seed 1 and the pair's names.
 */
export function pairBootstrapInterval(counts: PairCounts, observer1: string, observer2: string): PairInterval {
  return pairInterval(counts, {
    method: "bca",
    level: 0.95,
    replicates: PAIR_INTERVAL_DEFAULTS.replicates,
    seed: pairSeed(PAIR_INTERVAL_DEFAULTS.seed, observer1, observer2),
  });
}

/** Above this many observers the O(n³) clustering is left out and observers are ordered by kind and name. */
export const CLUSTER_LIMIT = 400;

/**
 * The heatmap's order: average-linkage clustering on 1 − kappa where every pair has a kappa
 * and n <= {@link CLUSTER_LIMIT}; else humans first, then models, each by name, with the reason.
 */
export function heatmapOrder(matrix: PairMatrix): { order: number[]; clustered: boolean; note: string | null } {
  const n = matrix.size;
  const fallback = () =>
    Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => Number(matrix.human[b]) - Number(matrix.human[a]) || (matrix.observers[a] < matrix.observers[b] ? -1 : 1),
    );
  if (n < 2) return { order: fallback(), clustered: false, note: null };
  if (n > CLUSTER_LIMIT)
    return {
      order: fallback(),
      clustered: false,
      note: `not clustered: ${n} observers (clustering takes O(n³); done up to ${CLUSTER_LIMIT}); humans first, then by name`,
    };
  if (matrix.kappa.some((k) => Number.isNaN(k)))
    return {
      order: fallback(),
      clustered: false,
      note: "not clustered: some pairs have no kappa (skipped or undefined); humans first, then by name",
    };
  const kappas = Array.from({ length: n }, (_, i) => Array.from(matrix.kappa.subarray(i * n, (i + 1) * n)));
  return {
    order: hierarchicalClustering(kappaDistances(kappas), { method: "average", labels: matrix.observers }).order,
    clustered: true,
    note: null,
  };
}

/**
 * The chance region for the trial count most computed pairs have (with the grid edge the 2020
 * authors used for their trial counts), or null when no pair was computed.
 */
export function chanceFor(matrix: PairMatrix): { trials: number; bands: ChanceBandRow[] } | null {
  const tally = new Map<number, number>();
  const n = matrix.size;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (isComputed(matrix, i, j)) tally.set(matrix.trials[i * n + j], (tally.get(matrix.trials[i * n + j]) ?? 0) + 1);
  if (tally.size === 0) return null;
  const trials = [...tally].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
  return { trials, bands: chanceRegion({ trials, gridEdge: GEIRHOS2020_GRID_EDGES[trials] }) };
}

/** Mean, sd and normal 95% half-width of the defined kappas of a set of pairs (as `summarizeKappas`). */
export interface KappaSummary {
  label: string;
  n_pairs: number;
  n_undefined: number;
  mean: number | null;
  sd: number | null;
  ci95: number | null;
}

function summary(label: string, kappas: number[], undefinedCount: number): KappaSummary {
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    label,
    n_pairs: kappas.length,
    n_undefined: undefinedCount,
    mean: finite(mean(kappas)),
    sd: finite(sampleSd(kappas)),
    ci95: finite(normalHalfWidth95(kappas)),
  };
}

/**
 * Kappa summaries per pair of groups: each observer belongs to the first group listing it, or
 * else to "humans" or "models" by kind; pairs are grouped by their two groups' names (sorted).
 */
export function groupSummaries(matrix: PairMatrix, groups: readonly { name: string; members: readonly string[] }[]): KappaSummary[] {
  const groupOf = observerGroups(matrix, groups);
  const kappas = new Map<string, { values: number[]; undefined: number }>();
  const n = matrix.size;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (!isComputed(matrix, i, j)) continue;
      const label = seriesLabel(groupOf[i], groupOf[j]);
      let entry = kappas.get(label);
      if (!entry) kappas.set(label, (entry = { values: [], undefined: 0 }));
      const k = matrix.kappa[i * n + j];
      if (Number.isNaN(k)) entry.undefined++;
      else entry.values.push(k);
    }
  }
  return [...kappas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([label, e]) => summary(label, e.values, e.undefined));
}

/** Each observer's group name: the first user group listing it, else "humans" or "models". */
export function observerGroups(matrix: Pick<PairMatrix, "observers" | "human">, groups: readonly ObserverGroup[]): string[] {
  return matrix.observers.map((o, i) => groups.find((g) => g.members.includes(o))?.name ?? (matrix.human[i] ? "humans" : "models"));
}

/** The series a pair of groups forms, e.g. "humans – models" (names sorted; "humans – humans" within one). */
export function seriesLabel(a: string, b: string): string {
  return a <= b ? `${a} – ${b}` : `${b} – ${a}`;
}

/** One model of the ranking: its mean kappa with the humans, the normal half-width, and the joint-bootstrap interval where computed. */
export interface RankedModel {
  model: string;
  accuracy: number;
  n_humans: number;
  mean: number | null;
  ci95: number | null;
  boot_lower: number | null;
  boot_upper: number | null;
}

/**
 * A group mean with the percentile interval of the joint stimulus bootstrap (as `trialwise
 * summary` gives boot_lower/boot_upper); null where the bootstrap was not run or its pairs are
 * not the row's (see {@link rankingBootstrap}).
 */
export interface GroupMean extends KappaSummary {
  boot_lower: number | null;
  boot_upper: number | null;
}

export interface Ranking {
  models: RankedModel[];
  /** The group means of the user's groups (as the analysis's `groups`) with their bootstrap intervals. */
  groups: GroupMean[];
  /** The same by kind (humans, models): the human-human reference of the ranking. */
  kinds: GroupMean[];
  /** Joint-bootstrap replicates behind boot_lower/boot_upper (0: none computed). */
  replicates: number;
  note: string | null;
}

/**
 * Work the ranking's bootstrap may take, in 64-bit pair-words summed over replicates and weight
 * bit-planes (about 1 ns each in WebAssembly: a second or two in a browser).
 */
export const RANKING_BOOTSTRAP_BUDGET = 2e9;

/**
 * Models ranked by mean kappa with the humans (defined kappas only), best first (then by name),
 * with the paper's normal half-width 1.959964 sd / √n over the humans; no bootstrap interval
 * yet. Cheap: the page draws it at once, the bootstrap ({@link rankingBootstrap}) comes later.
 */
export function modelMeans(matrix: PairMatrix): RankedModel[] {
  const n = matrix.size;
  const humans = matrix.human.flatMap((h, i) => (h ? [i] : []));
  const models = matrix.human.flatMap((h, i) => (h ? [] : [i]));
  if (humans.length === 0) return [];
  const ranked: RankedModel[] = models.map((m) => {
    const values = humans.flatMap((h) =>
      isComputed(matrix, m, h) && !Number.isNaN(matrix.kappa[m * n + h]) ? [matrix.kappa[m * n + h]] : [],
    );
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      model: matrix.observers[m],
      accuracy: matrix.accuracy[m],
      n_humans: values.length,
      mean: finite(mean(values)),
      ci95: finite(normalHalfWidth95(values)),
      boot_lower: null,
      boot_upper: null,
    };
  });
  return ranked.sort((a, b) => (b.mean ?? -Infinity) - (a.mean ?? -Infinity) || (a.model < b.model ? -1 : 1));
}

/** Percentile intervals of the joint bootstrap, with the statistic on the data where it is needed to check a row. */
export interface JointIntervals {
  /** Each model's mean kappa with the humans, by model. */
  intervals: Map<string, { lower: number; upper: number }>;
  /** Per grouping asked for, each series' mean kappa on the data (`mean`) and its interval, by series label. */
  series: Map<string, { mean: number; lower: number; upper: number }>[];
  replicates: number;
  note: string | null;
}

/**
 * The joint-bootstrap intervals the page shows: the percentile interval (level 0.95, seed 1)
 * of each model's mean kappa with the humans (`modelKappaIntervals`' interval) and of each
 * series' mean kappa for every grouping in `groupings` (`groupKappaIntervals`' interval where
 * the series are the pair types: no user groups), over the joint stimulus bootstrap of the
 * observers that share the unit's common stimulus set, with every replicate's kappas counted
 * by the kernel (`kernelJointBootstrap`: the same replicates as `jointBootstrap`, many times
 * faster). At most `maxReplicates` replicates, fewer where the work would exceed
 * {@link RANKING_BOOTSTRAP_BUDGET} (none below 100: then a note says to run `trialwise summary`).
 */
export function rankingBootstrap(
  unit: Unit,
  matrix: PairMatrix,
  maxReplicates = 1000,
  groupings: readonly (readonly ObserverGroup[])[] = [],
): JointIntervals {
  const outcome = commonOutcomeMatrix(unit, matrix);
  const roles = observerRoles(outcome);
  const size = outcome.observers.length;
  const planes = Math.ceil(Math.log2(Math.max(2, outcome.stimuli.length))) + 1;
  const perReplicate = ((size * (size - 1)) / 2) * Math.ceil(outcome.stimuli.length / 64) * planes;
  const affordable = Math.min(maxReplicates, Math.floor(RANKING_BOOTSTRAP_BUDGET / Math.max(1, perReplicate)));
  const none = (note: string): JointIntervals => ({ intervals: new Map(), series: groupings.map(() => new Map()), replicates: 0, note });
  if (size < 2) return none("no bootstrap interval: fewer than two observers share a stimulus set");
  if (affordable < 100)
    return none(
      `no bootstrap interval: ${size.toLocaleString("en")} observers on ${outcome.stimuli.length.toLocaleString("en")} stimuli are too many for the browser; run trialwise summary`,
    );
  const note =
    outcome.excluded.length > 0
      ? `bootstrap over the ${size} observers sharing the most common stimulus set; ${outcome.excluded.length} left out`
      : null;
  return { ...bootstrapMeans(outcome, roles, groupings, affordable), replicates: affordable, note };
}

/** The pairs (i < j, outcome indices) of each series of a grouping, by series label. */
function seriesPairs(outcome: OutcomeMatrix, groups: readonly ObserverGroup[]): Map<string, number[]> {
  const groupOf = outcome.observers.map(
    (o) => groups.find((g) => g.members.includes(o))?.name ?? (outcome.humans.has(o) ? "humans" : "models"),
  );
  const pairs = new Map<string, number[]>();
  const n = outcome.observers.length;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const label = seriesLabel(groupOf[i], groupOf[j]);
      let list = pairs.get(label);
      if (!list) pairs.set(label, (list = []));
      list.push(i * n + j);
    }
  return pairs;
}

/** Mean of the defined kappas at the given matrix positions (NaN-aware, as the core's group means). */
function meanAt(kappa: Float64Array, positions: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const p of positions) {
    const k = kappa[p];
    if (Number.isNaN(k)) continue;
    sum += k;
    count++;
  }
  return sum / count;
}

/** The intervals of {@link rankingBootstrap} over `replicates` replicates of the outcome matrix (seed 1, level 0.95). */
function bootstrapMeans(
  outcome: OutcomeMatrix,
  roles: { humans: number[]; models: number[] },
  groupings: readonly (readonly ObserverGroup[])[],
  replicates: number,
): Pick<JointIntervals, "intervals" | "series"> {
  const size = outcome.observers.length;
  const withHumans = roles.humans.length > 0 ? roles.models : [];
  const modelSamples = withHumans.map(() => new Float64Array(replicates));
  const series = groupings.map((groups) => [...seriesPairs(outcome, groups)]);
  const seriesSamples = series.map((list) => list.map(() => new Float64Array(replicates)));
  const view: ReplicateKappas = {
    replicate: 0,
    size,
    kappa: new Float64Array(0),
    observerWeight: new Float64Array(size).fill(1),
    stimulusWeights: new Float64Array(0),
  };
  kernelJointBootstrap(packOutcomeMatrix(outcome), {
    replicates,
    seed: 1,
    onReplicate: (r, kappa) => {
      const replicate = { ...view, replicate: r, kappa };
      withHumans.forEach((model, k) => (modelSamples[k][r] = meanKappaWithHumans(replicate, model, roles.humans)));
      series.forEach((list, g) => list.forEach(([, positions], k) => (seriesSamples[g][k][r] = meanAt(kappa, positions))));
    },
  });
  // The data's own kappas: every weight 1 (weightedKappa, as jointBootstrap's observed statistic).
  const observed = new Float64Array(size * size).fill(NaN);
  for (let i = 0; i < size; i++)
    for (let j = i + 1; j < size; j++) observed[i * size + j] = weightedKappa(outcome.correct[i], outcome.correct[j]);
  return {
    intervals: new Map(withHumans.map((model, k) => [outcome.observers[model], percentileInterval(modelSamples[k], 0.95)])),
    series: series.map(
      (list, g) =>
        new Map(
          list.map(([label, positions], k) => [
            label,
            { mean: meanAt(observed, positions), ...percentileInterval(seriesSamples[g][k], 0.95) },
          ]),
        ),
    ),
  };
}

/** Tolerance for "the bootstrap's mean on the data is the row's mean" (as `trialwise summary`'s). */
const SAME_MEAN = 1e-9;

/**
 * Group summaries with the bootstrap interval of their series, attached only where the
 * bootstrap's mean on the data equals the row's mean (the row's pairs are the bootstrap's; not
 * so where observers with other stimulus sets were left out of it), as `trialwise summary` does.
 */
export function withGroupIntervals(
  summaries: readonly KappaSummary[],
  intervals: ReadonlyMap<string, { mean: number; lower: number; upper: number }>,
): GroupMean[] {
  return summaries.map((s) => {
    const interval = intervals.get(s.label);
    const usable = interval && s.mean !== null && Math.abs(interval.mean - s.mean) <= SAME_MEAN;
    const finite = (x: number | undefined) => (usable && Number.isFinite(x) ? x! : null);
    return { ...s, boot_lower: finite(interval?.lower), boot_upper: finite(interval?.upper) };
  });
}

/** The ranking of {@link modelMeans} with the intervals of {@link rankingBootstrap} filled in. */
export function withBootstrap(
  models: readonly RankedModel[],
  bootstrap: JointIntervals,
  summaries: { groups: readonly KappaSummary[]; kinds: readonly KappaSummary[] } = { groups: [], kinds: [] },
): Ranking {
  const ranked = models.map((r) => {
    const interval = bootstrap.intervals.get(r.model);
    if (!interval) return r;
    return {
      ...r,
      boot_lower: Number.isFinite(interval.lower) ? interval.lower : null,
      boot_upper: Number.isFinite(interval.upper) ? interval.upper : null,
    };
  });
  return {
    models: ranked,
    groups: withGroupIntervals(summaries.groups, bootstrap.series[0] ?? new Map()),
    kinds: withGroupIntervals(summaries.kinds, bootstrap.series[1] ?? new Map()),
    replicates: bootstrap.replicates,
    note: bootstrap.note,
  };
}

/**
 * Models ranked with the humans ({@link modelMeans}) and the group means of `groups` and of the
 * kinds ({@link groupSummaries}), each with the interval of one joint bootstrap
 * ({@link rankingBootstrap}) where affordable.
 */
export function modelRanking(unit: Unit, matrix: PairMatrix, maxReplicates = 1000, groups: readonly ObserverGroup[] = []): Ranking {
  const models = modelMeans(matrix);
  const summaries = { groups: groupSummaries(matrix, groups), kinds: groupSummaries(matrix, []) };
  const ranking = withBootstrap(models, rankingBootstrap(unit, matrix, maxReplicates, [groups, []]), summaries);
  if (models.length > 0) return ranking;
  const note = "the ranking needs humans and models among the chosen observers";
  return { ...ranking, note: ranking.note ? `${note}; ${ranking.note}` : note };
}

/**
 * The chosen observers with the unit's stimulus set (the rule of core/stimulus-sets.ts, as
 * `outcomeMatrix` applies it), as the core's outcome matrix.
 */
function commonOutcomeMatrix(unit: Unit, matrix: PairMatrix): OutcomeMatrix {
  const w = unit.wordsPerObserver;
  // The chosen observers' rows in code-unit order of their names, as the rule's tie-break needs.
  const rows = [...matrix.observers].sort(compareText).map((o) => unit.observers.indexOf(o));
  const chosen = unitStimulusSet(groupByStimulusSet(bitRowSets(unit.seen, w, rows)));
  const members = chosen ? chosen.members.map((k) => rows[k]) : [];
  const stimuli: number[] = [];
  if (members.length > 0) {
    const row = members[0] * w;
    for (let s = 0; s < unit.stimuli; s++) if ((unit.seen[row + (s >>> 5)] >>> (s & 31)) & 1) stimuli.push(s);
  }
  const keep = new Set(members);
  const observers = members.map((i) => unit.observers[i]);
  return {
    dataset: unit.dataset,
    condition: unit.condition,
    observers,
    stimuli: stimuli.map(String),
    correct: members.map((i) => Uint8Array.from(stimuli, (s) => (unit.correct[i * w + (s >>> 5)] >>> (s & 31)) & 1)),
    humans: new Set(members.filter((i) => unit.human[i]).map((i) => unit.observers[i])),
    excluded:
      members.length === 0
        ? []
        : excludedFromBitRows(
            unit.seen,
            w,
            members[0],
            rows.filter((i) => !keep.has(i)).map((i) => ({ observer: unit.observers[i], kind: unit.human[i] ? "human" : "model", row: i })),
          ),
  };
}
