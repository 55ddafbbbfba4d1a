/**
 * trialwise core: trial tables, matching and error-consistency metrics. Isomorphic (no Node
 * APIs): runs in Node and in browsers.
 */
export * from "./aggregate.ts";
export * from "./chance.ts";
export * from "./cluster.ts";
export * from "./copy-model.ts";
export * from "./errors.ts";
export * from "./hypothesis.ts";
export * from "./intervals.ts";
export * from "./metrics.ts";
export * from "./observers.ts";
export * from "./pairs.ts";
export * from "./plan.ts";
export * from "./random.ts";
export * from "./shape-bias.ts";
export * from "./statistics.ts";
export * from "./stimulus-sets.ts";
export * from "./summary.ts";
export * from "./trials.ts";
