/**
 * trialwise core (`trialwise/core`): trial tables, error-consistency metrics, pairs and their
 * summaries, uncertainty (intervals, tests, model comparisons, planning), the chance region and
 * clustering. Isomorphic (no Node APIs): runs in Node and in browsers. Every function documents
 * its formula in its doc comment.
 *
 * This is the public API, listed by name. Helpers the modules share (bit rows, samplers,
 * special functions, the pair-collection steps of the streaming paths) stay internal: import
 * them from their files inside trialwise, not from here.
 */

// Errors: bad data (InputError, exit 1) and bad usage (UsageError, exit 2)
export { type InputLocation, InputError, UsageError } from "./errors.ts";

// Trial tables
export {
  type LongFormatColumns,
  type ObserverKind,
  type RawTable,
  type TrialInput,
  type TrialTable,
  DEFAULT_HUMAN_PATTERN,
  NO_CONDITION,
  TrialTableBuilder,
  conditionNames,
  geirhosTrials,
  longFormatTrials,
  observerKind,
  observerNames,
  stimulusId,
  textureCategory,
  trialAt,
} from "./trials.ts";

// Metrics of one pair, from its 2x2 table (undefined kappa: null in rows, NaN in computations)
export {
  type PairCounts,
  type PairMetrics,
  type UndefinedKappaPolicy,
  accuracy,
  expectedConsistency,
  kappa,
  kappaBounds,
  kappaFromCounts,
  observedConsistency,
  observedConsistencyBounds,
  pairMetrics,
} from "./metrics.ts";

// Pairs: trials matched by stimulus, every pair of observers
export {
  type MismatchPolicy,
  type PairOptions,
  type PairResult,
  type PairRow,
  type PairType,
  type StimulusMismatch,
  PAIR_COLUMNS,
  computePairs,
  pairCounts,
} from "./pairs.ts";

// Observers, summaries and shape bias
export { type ObserverRow, OBSERVER_COLUMNS, observerStats } from "./observers.ts";
export { type SummaryRow, SUMMARY_COLUMNS, summarizeKappas, summarizePairs } from "./summary.ts";
export { type ShapeBiasRow, SHAPE_BIAS_COLUMNS, isCueConflict, shapeBias } from "./shape-bias.ts";

// One pair's interval: Jeffreys posterior, trial bootstrap (percentile, BCa), large-sample, small-sample kappa
export {
  type AnalyticInterval,
  type BcaInterval,
  type PairInterval,
  type PairIntervalMethod,
  type PairIntervalOptions,
  PAIR_INTERVAL_DEFAULTS,
  analyticInterval,
  bcaInterval,
  bootstrapKappas,
  jeffreysKappas,
  kappaStandardError,
  pairInterval,
  pairSeed,
  unbiasedKappa,
  unbiasedKappaInterval,
} from "./pair-intervals.ts";

// One pair's tests against independence
export {
  type BetaTestOptions,
  type BetaTestResult,
  type ExactTestResult,
  BETA_TEST_DEFAULTS,
  betaIndependenceTest,
  exactIndependenceTest,
} from "./independence-tests.ts";

// Many observers: the outcome matrix of a unit and its joint stimulus bootstrap
export { type OutcomeMatrix, observerRoles, outcomeMatrix, selectModels } from "./outcome-matrix.ts";
export type { ExcludedObserver } from "./stimulus-sets.ts";
export {
  type BootstrapMethod,
  type JointBootstrapOptions,
  type JointBootstrapResult,
  type ReplicateKappas,
  AGGREGATE_DEFAULTS,
  groupMeanKappa,
  jointBootstrap,
  meanKappaWithHumans,
  weightedKappa,
} from "./joint-bootstrap.ts";

// Intervals of mean kappas (models with the humans, groups of pairs)
export {
  type AggregateOptions,
  type GroupKappaInterval,
  type IntervalSettings,
  type ModelKappaInterval,
  groupKappaIntervals,
  modelKappaIntervals,
} from "./mean-intervals.ts";

// Comparing models with the same humans: the paired test, all pairs, rankings, corrections
export { type PairedModelTest, type PairedTestOptions, pairedModelTest } from "./paired-test.ts";
export { type CompareOptions, type ModelComparison, type ModelComparisons, type ModelRank, compareModels } from "./model-comparison.ts";
export { benjaminiHochberg, holm } from "./multiple-comparisons.ts";

// The copy model (Klein et al. 2025), the accuracies a kappa allows, trials with an exact kappa, and planning experiments
export {
  type CopyModelFit,
  type CopyModelParams,
  type CopyProbabilityInterval,
  type CopyProbabilityIntervalOptions,
  type CopyProbabilityMethod,
  COPY_PROBABILITY_DEFAULTS,
  copyProbability,
  copyProbabilityInterval,
  copyProbabilityOfCells,
  fitCopyModel,
  kappaFromCopyProbability,
  latentAccuracy,
  simulateCopyCounts,
  simulateCopyObservers,
} from "./copy-model.ts";
export { allowedAccuracies } from "./allowed-accuracies.ts";
export { type ExactKappaTrials, trialsWithKappa } from "./exact-kappa-trials.ts";
export {
  type CurvePoint,
  type DifferencePlan,
  type HalfWidthPlan,
  type PlanProgress,
  type PlanSettings,
  PLAN_ANSWER_SIMULATIONS,
  PLAN_DEFAULTS,
  planDifference,
  planHalfWidth,
} from "./plan.ts";

// The chance region of independent observers
export {
  type ChanceBandRow,
  type ChanceMethod,
  type ChanceRegionOptions,
  CHANCE_DEFAULTS,
  GEIRHOS2020_GRID_EDGES,
  chanceRegion,
} from "./chance.ts";

// Beyond correct/wrong: probabilistic agreement (CAPA), decision margins, response-level agreement
export {
  type ItemInput,
  type ObserverVectors,
  type ProbabilityItem,
  type ProbabilityTable,
  type TrialScores,
  ProbabilityTableBuilder,
  probabilityTableFromTrials,
  softmaxOf,
} from "./probability-table.ts";
export { type CapaResult, type VectorLayout, capa } from "./capa.ts";
export { type DecisionMarginResult, decisionMarginConsistency, decisionMargins } from "./decision-margins.ts";
export { type CategoryLayout, type ResponseAgreement, responseAgreement } from "./response-agreement.ts";
export {
  type MetricPairOptions,
  type MetricPairResult,
  type MetricPairRow,
  type ResponseMetric,
  METRIC_COLUMNS,
  RESPONSE_METRICS,
  metricPairs,
} from "./metric-pairs.ts";
export {
  type MetricIntervalMethod,
  type MetricMatrix,
  type MetricMeanOptions,
  type PairMetricInterval,
  type PairMetricIntervalOptions,
  metricMatrix,
  metricMeanIntervals,
  pairMetricInterval,
} from "./metric-bootstrap.ts";
export { compareMetricModels } from "./metric-comparison.ts";

// Clustering observers on 1 - kappa
export {
  type Clustering,
  type ClusterOptions,
  type DendrogramSegment,
  type Linkage,
  type Merge,
  hierarchicalClustering,
  kappaDistances,
  kappaMatrix,
} from "./cluster.ts";

// Statistics and distributions
export { mean, normalHalfWidth95, sampleSd } from "./math/descriptive.ts";
export { type LinearFit, linearRegression } from "./math/regression.ts";
export { normalCdf, normalQuantile } from "./math/normal.ts";
export { type Interval, percentileInterval, quantileType7 } from "./math/quantile.ts";
export { monteCarloPValue } from "./math/monte-carlo.ts";

// A seeded generator: the same numbers, bit for bit, on every platform
export { SeededRandom } from "./math/random.ts";
