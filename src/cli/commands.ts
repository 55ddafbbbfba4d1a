/**
 * Every `trialwise` command: the name typed, its usage and one-line summary for `trialwise --help`,
 * and the module that defines its flags and work. A module is imported only when its command runs
 * (as npm's own CLI does), so `trialwise --help` and `trialwise observers` do not load what the
 * other commands need (the maths of intervals and plans, servers, ONNX Runtime, DuckDB).
 */
import type { Command } from "commander";
import type { CliIO } from "./io.ts";

/** Adds one module's command(s) to the program. */
export type DefineCommands = (program: Command, io: CliIO) => void;

export interface CommandEntry {
  readonly name: string;
  /** Arguments as `--help` lists them after the name. */
  readonly usage: string;
  /** One line for `trialwise --help`; the command's own `--help` says the rest. */
  readonly summary: string;
  /** Loads the module that defines this command (and any others it defines beside it). */
  readonly load: () => Promise<DefineCommands>;
}

const analysis = async (): Promise<DefineCommands> => (await import("./analysis-commands.ts")).addAnalysisCommands;
const uncertainty = async (): Promise<DefineCommands> => {
  const [{ addUncertaintyCommands }, { configureCommand }] = await Promise.all([import("./uncertainty.ts"), import("./command.ts")]);
  return (program, io) => addUncertaintyCommands(program, io, (command, examples) => configureCommand(command, io, examples));
};
const evaluate = async (): Promise<DefineCommands> => {
  const { addEvaluateCommand, addMergeCommand } = await import("./evaluate.ts");
  return (program, io) => {
    addEvaluateCommand(program, io);
    addMergeCommand(program, io);
  };
};

export const COMMANDS: readonly CommandEntry[] = [
  { name: "observers", usage: "[options] <path>", summary: "One row per dataset and observer: trials, accuracy.", load: analysis },
  { name: "pairs", usage: "[options] <path>", summary: "Error consistency (or --metric) of every pair of observers.", load: analysis },
  { name: "summary", usage: "[options] <path>", summary: "Mean kappa per pair type and per model with the humans.", load: analysis },
  { name: "shape-bias", usage: "[options] <path>", summary: "Shape bias on cue-conflict data.", load: analysis },
  { name: "ci", usage: "[options] <path>", summary: "Confidence interval of one pair's kappa.", load: uncertainty },
  { name: "test", usage: "[options] <path>", summary: "Test one pair's kappa against independence.", load: uncertainty },
  { name: "compare", usage: "[options] <path>", summary: "Compare models by their mean kappa with the same humans.", load: uncertainty },
  { name: "plan", usage: "[options]", summary: "How many trials an experiment needs.", load: uncertainty },
  {
    name: "copy-model",
    usage: "[options] <path>",
    summary: "Fit Klein et al.'s copy model to one pair.",
    load: async () => (await import("./copy-model.ts")).addCopyModelCommand,
  },
  {
    name: "reproduce",
    usage: "[options] <study>",
    summary: "Reproduce a published study: figures, tables, report.",
    load: async () => (await import("./reproduce.ts")).addReproduceCommand,
  },
  {
    name: "serve",
    usage: "[options] [path...]",
    summary: "A local dashboard in the browser.",
    load: async () => (await import("./serve.ts")).addServeCommand,
  },
  { name: "evaluate", usage: "[options] <model> <stimuli>", summary: "Run an ONNX image classifier on stimuli.", load: evaluate },
  { name: "merge", usage: "[options] <shards...>", summary: "Join the shards of `evaluate --shard k/n`.", load: evaluate },
  {
    name: "benchmark",
    usage: "<benchmark> <action>",
    summary: "Score models on model-vs-human's human data.",
    load: async () => (await import("./benchmark.ts")).addBenchmarkCommand,
  },
  {
    name: "data",
    usage: "<action> <dataset>",
    summary: "Download the published data, or show where it is.",
    load: async () => (await import("./data.ts")).addDataCommand,
  },
  {
    name: "experiment",
    usage: "<action> [options]",
    summary: "Collect human decisions in the browser.",
    load: async () => (await import("./experiment.ts")).addExperimentCommand,
  },
  {
    name: "bench",
    usage: "<benchmark> [options]",
    summary: "Benchmarks on generated data.",
    load: async () => (await import("./bench.ts")).addBenchCommand,
  },
];
