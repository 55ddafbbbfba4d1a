/**
 * trialwise core: trial tables, matching and error-consistency metrics. Isomorphic (no Node
 * APIs): runs in Node and in browsers.
 */
export * from "./chance.ts";
export * from "./cluster.ts";
export * from "./copy-model.ts";
export * from "./errors.ts";
export * from "./independence-tests.ts";
export * from "./joint-bootstrap.ts";
export * from "./math/beta.ts";
export * from "./math/descriptive.ts";
export * from "./math/gamma.ts";
export * from "./math/normal.ts";
export * from "./math/quantile.ts";
export * from "./math/random.ts";
export * from "./math/regression.ts";
export * from "./math/samplers.ts";
export * from "./mean-intervals.ts";
export * from "./metrics.ts";
export * from "./model-comparison.ts";
export * from "./multiple-comparisons.ts";
export * from "./observers.ts";
export * from "./outcome-matrix.ts";
export * from "./paired-test.ts";
export * from "./pair-intervals.ts";
export * from "./pairs.ts";
export * from "./plan.ts";
export * from "./shape-bias.ts";
export * from "./stimulus-sets.ts";
export * from "./summary.ts";
export * from "./trials.ts";
