import { Command, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import { AGGREGATE_DEFAULTS, PAIR_INTERVAL_DEFAULTS } from "../core/defaults.ts";
import type { MismatchPolicy, PairOptions } from "../core/pairs.ts";
import type { LongFormatColumns, TrialTable } from "../core/trials.ts";
import type { LoadOptions, TrialFormat } from "../io/datasets.ts";
import type { OutputFormat } from "../io/format.ts";
import { REPLICATES_LIMIT_HELP, notUsed, probability, replicates, seed } from "./flags.ts";
import type { BootstrapSettings } from "./summary-intervals.ts";

/** Options every command that reads trials accepts. */
export interface InputFlags {
  observerCol?: string;
  stimulusCol?: string;
  truthCol?: string;
  responseCol?: string;
  conditionCol?: string;
  correctCol?: string;
  humanPattern?: string;
}

export interface OutputFlags {
  format?: OutputFormat;
  output?: string;
}

export interface AnalysisFlags {
  by?: string;
  intersect?: boolean;
  strict?: boolean;
  undefinedKappa?: "undefined" | "one";
}

export function addInputOptions(command: Command): Command {
  return command
    .option("--observer-col <name>", "long format: column naming the observer")
    .option("--stimulus-col <name>", "long format: column with the stimulus id (match key)")
    .option("--truth-col <name>", "long format: column with the true category")
    .option("--response-col <name>", "long format: column with the observer's response (na = no answer)")
    .option("--correct-col <name>", "long format: 0/1 column, instead of truth and response")
    .option("--condition-col <name>", "long format: column with the condition (default: none)")
    .option("--human-pattern <regex>", 'which observers are human (default: name contains "subject")');
}

export function addOutputOptions(command: Command): Command {
  return command
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else csv)").choices(["csv", "json", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output");
}

export function addByOption(command: Command): Command {
  return command.addOption(new Option("--by <what>", "analyse each condition separately").choices(["condition"]));
}

/** How observers with different stimulus sets are paired: --intersect, --strict (`pairOptions` reads them). */
export function addMatchingOptions(command: Command): Command {
  return command
    .option("--intersect", "pair observers with different stimulus sets on their common stimuli")
    .option("--strict", "make any difference between two observers' stimulus sets an error");
}

export function addAnalysisOptions(command: Command): Command {
  return addMatchingOptions(addByOption(command)).addOption(
    new Option("--undefined-kappa <rule>", "kappa where c_exp = 1: undefined (empty/null), or one (the 2020 code's rule)")
      .choices(["undefined", "one"])
      .default("undefined"),
  );
}

/** Reader settings from the flags: the long format as soon as any column flag is given. */
export function loadOptions(flags: InputFlags): LoadOptions {
  const options: LoadOptions = {};
  if (flags.humanPattern !== undefined) {
    try {
      options.humanPattern = new RegExp(flags.humanPattern);
    } catch (error) {
      throw new UsageError(`--human-pattern: ${(error as Error).message}`);
    }
  }
  const given = [flags.observerCol, flags.stimulusCol, flags.truthCol, flags.responseCol, flags.correctCol, flags.conditionCol];
  if (given.every((c) => c === undefined)) return options;
  if (flags.observerCol === undefined || flags.stimulusCol === undefined) {
    throw new UsageError("the long format needs --observer-col and --stimulus-col");
  }
  const byCorrectness = flags.correctCol !== undefined;
  const byResponse = flags.truthCol !== undefined || flags.responseCol !== undefined;
  if (byCorrectness === byResponse || (byResponse && (flags.truthCol === undefined || flags.responseCol === undefined))) {
    throw new UsageError("the long format needs either --correct-col, or both --truth-col and --response-col");
  }
  const columns: LongFormatColumns = { observer: flags.observerCol, stimulus: flags.stimulusCol };
  if (flags.conditionCol !== undefined) columns.condition = flags.conditionCol;
  if (byCorrectness) columns.correct = flags.correctCol;
  else {
    columns.truth = flags.truthCol;
    columns.response = flags.responseCol;
  }
  const format: TrialFormat = { kind: "long", columns };
  return { ...options, format };
}

export function pairOptions(flags: AnalysisFlags): PairOptions {
  if (flags.intersect && flags.strict) throw new UsageError("--intersect and --strict exclude each other");
  const mismatch: MismatchPolicy = flags.strict ? "strict" : flags.intersect ? "intersect" : "identical";
  return { byCondition: flags.by === "condition", mismatch, undefinedKappa: flags.undefinedKappa ?? "undefined" };
}

/** Every name must be an observer of at least one dataset (of the wanted kind). */
export function checkNames(flag: string, names: readonly string[] | undefined, datasets: readonly TrialTable[], kind?: "model"): void {
  if (!names) return;
  const known = new Set<string>();
  for (const table of datasets) {
    for (const name of table.observer) if (kind === undefined || !table.humans.has(name)) known.add(name);
  }
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `${flag}: unknown ${kind ?? "observer"}${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; ` +
        `known: ${[...known].sort().join(", ")}`,
    );
  }
}

/** Help of the --ci flags of `trialwise pairs`. */
export const PAIR_CI_HELP = {
  bootstrap: `bootstrap replicates for --ci percentile or bca (default ${PAIR_INTERVAL_DEFAULTS.replicates}; ${REPLICATES_LIMIT_HELP})`,
  seed: `seed for --ci percentile or bca (default ${PAIR_INTERVAL_DEFAULTS.seed}; 0 to 2^53 - 1; each pair's draws derive from it and the pair's names)`,
  level: `confidence level for --ci, above 0 and below 1 (default ${PAIR_INTERVAL_DEFAULTS.level})`,
};

/** Help of the bootstrap flags of `summary`; absent flags take the core's defaults. */
export const SUMMARY_BOOTSTRAP_HELP = {
  bootstrap: `replicates of the joint stimulus bootstrap for boot_lower/boot_upper (default ${AGGREGATE_DEFAULTS.replicates}; 0: none; ${REPLICATES_LIMIT_HELP})`,
  seed: `seed of the bootstrap (default ${AGGREGATE_DEFAULTS.seed}; 0 to 2^53 - 1)`,
  level: `confidence level of the bootstrap interval, above 0 and below 1 (default ${AGGREGATE_DEFAULTS.level})`,
};

/** The bootstrap flags of `summary`; --seed, --level and --hierarchical are errors with --bootstrap 0. */
export function bootstrapSettings(flags: { bootstrap?: string; seed?: string; level?: string; hierarchical?: boolean }): BootstrapSettings {
  const replicateCount = flags.bootstrap === undefined ? AGGREGATE_DEFAULTS.replicates : replicates("--bootstrap", flags.bootstrap, 0);
  if (replicateCount === 0) {
    notUsed("--seed", flags.seed, "with --bootstrap 0");
    notUsed("--level", flags.level, "with --bootstrap 0");
    notUsed("--hierarchical", flags.hierarchical, "with --bootstrap 0");
  }
  return {
    replicates: replicateCount,
    seed: flags.seed === undefined ? AGGREGATE_DEFAULTS.seed : seed("--seed", flags.seed),
    level: flags.level === undefined ? AGGREGATE_DEFAULTS.level : probability("--level", flags.level),
    hierarchical: Boolean(flags.hierarchical),
  };
}
