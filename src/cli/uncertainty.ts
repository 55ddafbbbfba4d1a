/** `trialwise ci`, `test`, `compare` and `plan`: uncertainty, tests and experiment planning. */
import { type Command, Option } from "commander";
import { COPY_MODEL_TOLERANCE } from "../core/copy-model.ts";
import { InputError, UsageError } from "../core/errors.ts";
import { BETA_TEST_DEFAULTS, betaIndependenceTest, exactIndependenceTest } from "../core/independence-tests.ts";
import { AGGREGATE_DEFAULTS } from "../core/joint-bootstrap.ts";
import { type PairCounts, kappaBounds } from "../core/metrics.ts";
import { compareModels } from "../core/model-comparison.ts";
import { type OutcomeMatrix, outcomeMatrix } from "../core/outcome-matrix.ts";
import {
  PAIR_INTERVAL_DEFAULTS,
  type PairIntervalMethod,
  pairInterval,
  pairSeed,
  unbiasedKappa,
  unbiasedKappaInterval,
} from "../core/pair-intervals.ts";
import { pairedModelTest } from "../core/paired-test.ts";
import { computePairs, pairCounts } from "../core/pairs.ts";
import { type CurvePoint, PLAN_DEFAULTS, PLAN_MAX_TRIALS, planDifference, planHalfWidth } from "../core/plan.ts";
import { crossingNote, fewTrialsNote } from "../core/no-pairs.ts";
import { type TrialTable, compareText } from "../core/trials.ts";
import type { OutputFormat } from "../io/format.ts";
import { REPLICATES_LIMIT_HELP, listItems, nameList, notUsed, probability, realNumber, replicates, seed, wholeNumber } from "./flags.ts";
import { comparedModels } from "./compared-models.ts";
import { checkOutput, emitObject } from "./emit-object.ts";
import { EXAMPLE_DATA } from "./examples.ts";
import type { CliIO } from "./io.ts";
import { type MetricFlags, addMetricOptions, usesResponseMetric } from "./metric-pairs.ts";
import { type InputFlags, addInputOptions, addMatchingOptions, loadOptions, pairOptions } from "./options.ts";
import { LONG_WORK_MS, stepReporter } from "./progress.ts";

interface CommonFlags extends InputFlags, MetricFlags {
  dataset?: string;
  condition?: string;
  format?: OutputFormat;
  output?: string;
}

/** Flags without a commander default are undefined when absent: the core's default applies then. */
const orDefault = <T>(value: string | undefined, parse: (value: string) => T, fallback: T): T =>
  value === undefined ? fallback : parse(value);

/** The most null draws of the beta test, and why. */
const MAX_DRAWS = 10_000_000;
const DRAWS_WHY =
  "the Monte-Carlo standard error of p is at most 0.5 / sqrt(draws), under 0.0002 at 10^7; the draws take about 2 s per million";
/** The most simulated experiments per trial count of a plan, and why. */
const MAX_SIMULATIONS = 1_000_000;
const SIMULATIONS_WHY =
  "at 10^6 the Monte-Carlo error of a simulated half-width is under 0.2% of it and that of a power under 0.0005, and the search repeats all simulations for each of the 20 to 40 trial counts it tries";
/** The most humans of a difference plan, and why. */
const MAX_PLAN_HUMANS = 1000;
const PLAN_HUMANS_WHY = "each simulated experiment draws a 2x2 table per human for each model, so the time grows with the humans";

/** The power of a difference plan unless --power says otherwise. */
const DEFAULT_POWER = 0.8;

const SEED_HELP = "0 to 2^53 - 1; the same seed gives the same numbers";

/** Shows the progress of a computation of the command once it has run for a second. */
function longWork(io: CliIO, command: string, rateUnit?: string) {
  return stepReporter(io, `trialwise ${command}`, rateUnit, { delayMs: LONG_WORK_MS });
}

/** The one dataset a command works on: the only one, or the one --dataset names. */
async function oneDataset(path: string, flags: CommonFlags): Promise<TrialTable> {
  const { loadDatasets } = await import("../io/datasets.ts");
  const { datasets } = await loadDatasets(path, loadOptions(flags));
  if (flags.dataset !== undefined) {
    const found = datasets.find((d) => d.dataset === flags.dataset);
    if (!found)
      throw new UsageError(`--dataset: no dataset "${flags.dataset}" in ${path}; found ${datasets.map((d) => d.dataset).join(", ")}`);
    return found;
  }
  if (datasets.length > 1) {
    throw new UsageError(
      `${path} holds ${datasets.length} datasets; choose one with --dataset (${datasets.map((d) => d.dataset).join(", ")})`,
    );
  }
  return datasets[0];
}

function checkCondition(table: TrialTable, condition: string | undefined): void {
  if (condition !== undefined && !table.condition.includes(condition)) {
    throw new UsageError(
      `--condition: dataset "${table.dataset}" has no condition "${condition}"; found ${[...new Set(table.condition)].join(", ")}`,
    );
  }
}

/** The flags of ci and test that say how the pair's trials are matched (as `pairs`). */
interface PairFlags extends CommonFlags {
  pair: string;
  intersect?: boolean;
  strict?: boolean;
}

/**
 * The 2x2 table of the pair A,B, matched as `trialwise pairs` matches it (../core/pairs.ts:
 * by stimulus, within conditions where they are pooled and real; --intersect, --strict), in
 * --condition where given. What the matching left out is said in notes; a pair that cannot be
 * computed is an error saying why and what would help.
 */
function pairOf(
  table: TrialTable,
  flags: PairFlags,
  note: (text: string) => void,
): { counts: PairCounts; observer1: string; observer2: string } {
  const names = nameList("--pair", flags.pair);
  if (names.length !== 2) throw new UsageError(`--pair: expected two different observers "A,B", not "${flags.pair}"`);
  for (const name of names) {
    if (!table.observer.includes(name)) throw new UsageError(`--pair: no observer "${name}" in dataset "${table.dataset}"`);
  }
  const { mismatch } = pairOptions(flags);
  const condition = flags.condition;
  checkCondition(table, condition);
  if (condition !== undefined) checkPairCondition(table, names, condition);
  const subset = condition === undefined ? table : restrictToCondition(table, condition);
  const result = computePairs(subset, { observers: names, byCondition: condition !== undefined, mismatch });
  const report = result.skipped[0] ?? result.intersected[0];
  const where = condition === undefined ? "(conditions pooled)" : `in condition "${condition}"`;
  if (report) {
    const { observer1: a, observer2: b, n_common: common, n_only_observer1: onlyA, n_only_observer2: onlyB } = report;
    const crossing =
      report.n_crossing_conditions > 0
        ? `; ${report.n_crossing_conditions} stimuli both saw only under different conditions, not matched`
        : "";
    if (report.outcome === "skipped: no common stimuli") {
      throw new InputError(
        `dataset "${table.dataset}": observers "${a}" and "${b}" share no trial ${where} (${onlyA} only "${a}", ${onlyB} only "${b}"${crossing})`,
      );
    }
    if (report.outcome === "skipped: stimulus sets differ") {
      throw new InputError(
        `dataset "${table.dataset}": observers "${a}" and "${b}" saw different stimuli ${where} (${common} common, ${onlyA} only "${a}", ` +
          `${onlyB} only "${b}"${crossing}); --intersect computes the pair on its ${common} common trials`,
      );
    }
    note(
      `computed on the ${common} trials both observers saw ${condition === undefined ? "with conditions pooled" : where} (${onlyA} only "${a}", ${onlyB} only "${b}" left out)`,
    );
    const crossingText = crossingNote(report);
    if (crossingText) note(crossingText);
  }
  const [row] = result.pairs;
  if (!row) throw new Error(`the pair ${names.join(",")} was neither computed nor reported`);
  const few = fewTrialsNote(names[0], names[1], row.n_trials);
  if (few) note(few);
  return { counts: pairCounts(row), observer1: names[0], observer2: names[1] };
}

/** A --condition both observers of the pair have trials in; else a UsageError listing each one's conditions. */
function checkPairCondition(table: TrialTable, names: readonly string[], condition: string): void {
  const conditions = names.map(() => new Set<string>());
  for (let t = 0; t < table.length; t++) {
    const k = names.indexOf(table.observer[t]);
    if (k >= 0) conditions[k].add(table.condition[t]);
  }
  if (conditions.every((set) => set.has(condition))) return;
  const shown = 10;
  const list = (set: Set<string>) => {
    const sorted = [...set].sort(compareText).map((c) => `"${c}"`);
    if (sorted.length === 1) return `${sorted[0]} only`;
    return sorted.length <= shown ? sorted.join(", ") : `${sorted.slice(0, shown).join(", ")} and ${sorted.length - shown} more`;
  };
  throw new UsageError(
    `--condition: the pair ${names.join(",")} has no trials in condition "${condition}": "${names[0]}" has trials under ${list(conditions[0])}, "${names[1]}" under ${list(conditions[1])}`,
  );
}

function restrictToCondition(table: TrialTable, condition: string): TrialTable {
  const keep: number[] = [];
  for (let t = 0; t < table.length; t++) if (table.condition[t] === condition) keep.push(t);
  const pick = <T>(column: readonly T[]) => keep.map((t) => column[t]);
  return {
    ...table,
    length: keep.length,
    observer: pick(table.observer),
    condition: pick(table.condition),
    stimulus: pick(table.stimulus),
    truth: pick(table.truth),
    response: pick(table.response),
    correct: Uint8Array.from(pick([...table.correct])),
    missing: Uint8Array.from(pick([...table.missing])),
    file: pick(table.file),
    line: Int32Array.from(pick([...table.line])),
  };
}

/** The outcome matrix of the unit, with the humans restricted as --humans says. */
function matrixOf(table: TrialTable, condition: string | undefined, humans: string | undefined, note: (t: string) => void): OutcomeMatrix {
  checkCondition(table, condition);
  const matrix = outcomeMatrix(table, condition);
  for (const e of matrix.excluded) {
    note(
      `left out ${e.kind} "${e.observer}": its stimulus set differs from the unit's (${e.n_common} common, ${e.n_only_observer} only it saw, ${e.n_missing} it did not see)`,
    );
  }
  if (humans === undefined || humans === "all") return matrix;
  const wanted = nameList("--humans", humans);
  for (const h of wanted) if (!matrix.humans.has(h)) throw new UsageError(`--humans: "${h}" is not a human of dataset "${table.dataset}"`);
  const keep = matrix.observers.map((o, i) => [o, i] as const).filter(([o]) => !matrix.humans.has(o) || wanted.includes(o));
  return {
    ...matrix,
    observers: keep.map(([o]) => o),
    correct: keep.map(([, i]) => matrix.correct[i]),
    humans: new Set(wanted),
  };
}

function withCommon(command: Command): Command {
  return addInputOptions(command)
    .option("--dataset <name>", "the dataset, where the path holds several")
    .option(
      "--condition <name>",
      "one condition only (default: all trials; matched within conditions where an observer has trials under several)",
    )
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)").choices(["json", "csv", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output");
}

/** Registers ci, test, compare and plan. */
export function addUncertaintyCommands(program: Command, io: CliIO, configure: (c: Command, examples: string[]) => Command): void {
  const note = (text: string) => io.stderr(`trialwise: note: ${text}\n`);
  const data = `${EXAMPLE_DATA}/texture-shape_cue-conflict`;

  addMetricOptions(
    addMatchingOptions(
      withCommon(
        configure(
          program
            .command("ci")
            .description(
              "Confidence interval of one pair's kappa: trial bootstrap (a multinomial draw of the pair's 2x2 table per replicate) with percentile or BCa limits, or the large-sample (analytic) interval. With --metric capa, capa-discrete, dmc or response-kappa: that metric's item bootstrap interval (percentile or BCa).",
            )
            .argument("<path>", "trial data"),
          [
            `trialwise ci ${data} --pair resnet50,subject-01 --format json`,
            `trialwise ci ${data} --pair resnet50,cornet-s --method bca --bootstrap 20000`,
            `trialwise ci ${data} --pair resnet50,subject-01 --metric response-kappa --format json`,
          ],
        ),
      ),
    ),
  )
    .requiredOption("--pair <A,B>", "the two observers")
    .addOption(
      new Option(
        "--method <method>",
        "interval method: trial bootstrap percentile or BCa, analytic, or jeffreys (posterior under Dirichlet(1/2,1/2,1/2,1/2) on the 2x2 table; holds its coverage where a cell is empty, docs/uncertainty.md); with --metric other than error-kappa: percentile or bca over an item bootstrap",
      )
        .choices(["percentile", "bca", "analytic", "jeffreys"])
        .default("percentile"),
    )
    .option(
      "--bootstrap <n>",
      `bootstrap replicates or posterior draws (default ${PAIR_INTERVAL_DEFAULTS.replicates}; ${REPLICATES_LIMIT_HELP}); not for analytic`,
    )
    .option("--seed <n>", `seed of the bootstrap (default ${PAIR_INTERVAL_DEFAULTS.seed}; ${SEED_HELP}); not for analytic`)
    .option("--level <p>", `confidence level, above 0 and below 1 (default ${PAIR_INTERVAL_DEFAULTS.level})`)
    .option("--unbiased", "also report Klein et al.'s small-sample kappa n·κ/((n−1)+κ) and its interval (the interval's ends, mapped)")
    .action(
      async (
        path: string,
        flags: PairFlags & { method: PairIntervalMethod; bootstrap?: string; seed?: string; level?: string; unbiased?: boolean },
      ) => {
        await checkOutput(io, flags);
        if (usesResponseMetric(flags)) return (await import("./metric-uncertainty.ts")).metricCiCommand(path, flags, io);
        if (flags.method === "analytic") {
          notUsed("--bootstrap", flags.bootstrap, "by the analytic interval");
          notUsed("--seed", flags.seed, "by the analytic interval");
        }
        const options = {
          method: flags.method,
          level: orDefault(flags.level, (v) => probability("--level", v), PAIR_INTERVAL_DEFAULTS.level),
          replicates: orDefault(flags.bootstrap, (v) => replicates("--bootstrap", v), PAIR_INTERVAL_DEFAULTS.replicates),
          seed: orDefault(flags.seed, (v) => seed("--seed", v), PAIR_INTERVAL_DEFAULTS.seed),
        };
        const table = await oneDataset(path, flags);
        const { counts, observer1, observer2 } = pairOf(table, flags, note);
        const progress = longWork(io, "ci", "replicates");
        let interval: ReturnType<typeof pairInterval>;
        try {
          interval = pairInterval(counts, {
            ...options,
            seed: pairSeed(options.seed, observer1, observer2),
            onProgress: (done, total) => progress.onProgress("drawing bootstrap replicates", done, total),
          });
        } finally {
          progress.stop();
        }
        const result: Record<string, unknown> = {
          dataset: table.dataset,
          condition: flags.condition ?? "all",
          observer1,
          observer2,
          ...interval,
          seed: flags.method === "analytic" ? null : options.seed,
        };
        if (flags.unbiased) {
          const unbiased = unbiasedKappaInterval(interval, counts.trials);
          result.kappa_unbiased = interval.kappa === null ? null : unbiasedKappa(interval.kappa, counts.trials);
          result.kappa_unbiased_lower = unbiased.lower;
          result.kappa_unbiased_upper = unbiased.upper;
        }
        await emitObject(io, flags, result);
      },
    );

  addMatchingOptions(
    withCommon(
      configure(
        program
          .command("test")
          .description(
            "Test one pair's kappa against independence: exact (Fisher's test: given both correct counts, the both-correct count is hypergeometric), or Klein et al.'s null with Beta-distributed accuracies (simulated).",
          )
          .argument("<path>", "trial data"),
        [
          `trialwise test ${data} --pair resnet50,subject-01 --format json`,
          `trialwise test ${data} --pair resnet50,subject-01 --method beta --draws 20000`,
        ],
      ),
    ),
  )
    .requiredOption("--pair <A,B>", "the two observers")
    .addOption(new Option("--method <method>", "test").choices(["exact", "beta"]).default("exact"))
    .option(
      "--draws <n>",
      `null draws of the beta test (default ${BETA_TEST_DEFAULTS.draws}; at most ${MAX_DRAWS}: the Monte-Carlo error of p is then under 0.0002)`,
    )
    .option("--seed <n>", `seed of the beta test's draws (default ${BETA_TEST_DEFAULTS.seed}; ${SEED_HELP})`)
    .action(async (path: string, flags: PairFlags & { method: "exact" | "beta"; draws?: string; seed?: string }) => {
      await checkOutput(io, flags);
      if (flags.method === "exact") {
        notUsed("--draws", flags.draws, "by the exact test (--method beta uses it)");
        notUsed("--seed", flags.seed, "by the exact test (--method beta uses it)");
      }
      const draws = orDefault(
        flags.draws,
        (v) => wholeNumber("--draws", v, { min: 1, max: MAX_DRAWS, why: DRAWS_WHY }),
        BETA_TEST_DEFAULTS.draws,
      );
      const s = orDefault(flags.seed, (v) => seed("--seed", v), BETA_TEST_DEFAULTS.seed);
      const table = await oneDataset(path, flags);
      const { counts, observer1, observer2 } = pairOf(table, flags, note);
      const head = {
        dataset: table.dataset,
        condition: flags.condition ?? "all",
        observer1,
        observer2,
        n_trials: counts.trials,
        method: flags.method,
      };
      if (flags.method === "exact") {
        await emitObject(io, flags, { ...head, ...exactIndependenceTest(counts) });
        return;
      }
      const progress = longWork(io, "test", "draws");
      let test: ReturnType<typeof betaIndependenceTest>;
      try {
        test = betaIndependenceTest(counts, {
          draws,
          seed: s,
          onProgress: (done, total) => progress.onProgress("drawing null tables", done, total),
        });
      } finally {
        progress.stop();
      }
      await emitObject(io, flags, { ...head, ...test, seed: s });
    });

  addMetricOptions(
    withCommon(
      configure(
        program
          .command("compare")
          .description(
            "Compare models by their mean kappa (or, with --metric, mean capa, capa-discrete, dmc or response-kappa) with the same humans: joint bootstrap over stimuli (all observers resampled together), a paired swap test of the difference, and with --models all every pair with Holm and Benjamini-Hochberg adjusted p-values, P(A > B), and a ranking with rank intervals.",
          )
          .argument("<path>", "trial data"),
        [
          `trialwise compare ${data} --models resnet50,cornet-s --format json`,
          `trialwise compare ${data} --models all --bootstrap 2000 --format table`,
          `trialwise compare ${data} --models resnet50,cornet-s --metric capa-discrete --format json`,
        ],
      ),
    ),
  )
    .requiredOption("--models <A,B|all|list>", "two models, a list, or all models")
    .option("--humans <all|list>", "the humans to compare with", "all")
    .option(
      "--bootstrap <n>",
      `bootstrap replicates (default ${AGGREGATE_DEFAULTS.replicates}; ${REPLICATES_LIMIT_HELP}; and the replicates of all models and pairs of models must fit in 2 GiB)`,
    )
    .option("--seed <n>", `seed of the bootstrap and the swaps (default ${AGGREGATE_DEFAULTS.seed}; ${SEED_HELP})`)
    .option("--level <p>", `confidence level, above 0 and below 1 (default ${AGGREGATE_DEFAULTS.level})`)
    .action(
      async (path: string, flags: CommonFlags & { models: string; humans: string; bootstrap?: string; seed?: string; level?: string }) => {
        await checkOutput(io, flags);
        if (usesResponseMetric(flags)) return (await import("./metric-uncertainty.ts")).metricCompareCommand(path, flags, io);
        const options = {
          replicates: orDefault(flags.bootstrap, (v) => replicates("--bootstrap", v), AGGREGATE_DEFAULTS.replicates),
          seed: orDefault(flags.seed, (v) => seed("--seed", v), AGGREGATE_DEFAULTS.seed),
          level: orDefault(flags.level, (v) => probability("--level", v), AGGREGATE_DEFAULTS.level),
        };
        const named = flags.models === "all" ? undefined : nameList("--models", flags.models);
        const table = await oneDataset(path, flags);
        const matrix = matrixOf(table, flags.condition, flags.humans, note);
        const models = comparedModels(matrix, named, table.dataset, "stimuli", options.replicates);
        const progress = longWork(io, "compare", "replicates");
        const onProgress = (done: number, total: number) => progress.onProgress("bootstrapping", done, total);
        if (models.length === 2) {
          let test: ReturnType<typeof pairedModelTest>;
          try {
            test = pairedModelTest(matrix, models[0], models[1], { ...options, onProgress });
          } finally {
            progress.stop();
          }
          await emitObject(io, flags, { ...test });
          return;
        }
        let result: ReturnType<typeof compareModels>;
        try {
          result = compareModels(matrix, { ...options, models, onProgress });
        } finally {
          progress.stop();
        }
        const { outputFormat } = await import("../io/output.ts");
        const format = outputFormat(flags, { formats: ["json", "csv", "table"], isTTY: io.isTTY });
        if (format === "json") await emitObject(io, flags, { ...result });
        else {
          await emitObject(
            io,
            flags,
            { ...result },
            {
              rows: result.ranking,
              columns: ["model", "n_humans", "mean", "lower", "upper", "rank", "rank_lower", "rank_upper"],
            },
          );
        }
      },
    );

  configure(
    program
      .command("plan")
      .description(
        "How many trials an experiment needs: for a target half-width of a kappa's 95% interval, or to detect a kappa difference between two models with a given power. Simulated with the copy model at the given accuracies and kappa, with a closed-form first guess.",
      ),
    [
      "trialwise plan --accuracy 0.7,0.4 --kappa 0.3 --half-width 0.05",
      "trialwise plan --accuracy 0.7,0.4 --kappa 0.3 --delta 0.1 --power 0.8 --humans 10 --figure power.svg",
    ],
  )
    .requiredOption("--accuracy <a1,a2>", "accuracies of the two observers, 0 to 1 (for --delta: a model's and a human's)")
    .requiredOption("--kappa <k>", "their kappa, -1 to 1 (for --delta: the lower model's kappa with humans)")
    .option("--half-width <h>", `target half-width of the interval, above 0 and below 1 (plans need at most ${PLAN_MAX_TRIALS} trials)`)
    .option("--delta <d>", "kappa difference to detect, above 0 and below 2")
    .option("--power <p>", `power to detect it, above 0 and below 1 (default ${DEFAULT_POWER}; only with --delta)`)
    .option(
      "--humans <n>",
      `human observers each model is compared with (default ${PLAN_DEFAULTS.humans}; at most ${MAX_PLAN_HUMANS}; only with --delta)`,
    )
    .option("--level <p>", `confidence level (1 - alpha for --delta), above 0 and below 1 (default ${PLAN_DEFAULTS.level})`)
    .option("--simulations <n>", `simulated experiments per trial count (default ${PLAN_DEFAULTS.simulations}; 100 to ${MAX_SIMULATIONS})`)
    .option("--seed <n>", `seed of the simulations (default ${PLAN_DEFAULTS.seed}; ${SEED_HELP})`)
    .option("--figure <file>", "also draw the curve (half-width or power against trials) to an .svg or .png file")
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)").choices(["json", "csv", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output")
    .action(
      async (flags: {
        accuracy: string;
        kappa: string;
        halfWidth?: string;
        delta?: string;
        power?: string;
        humans?: string;
        level?: string;
        simulations?: string;
        seed?: string;
        figure?: string;
        format?: OutputFormat;
        output?: string;
      }) => {
        await checkOutput(io, flags);
        const accuracies = listItems("--accuracy", flags.accuracy).map((a) =>
          realNumber("--accuracy", a, { min: 0, max: 1 }, "accuracies from 0 to 1"),
        );
        if (accuracies.length !== 2) throw new UsageError(`--accuracy: expected two accuracies "a1,a2", not "${flags.accuracy}"`);
        if ((flags.halfWidth === undefined) === (flags.delta === undefined))
          throw new UsageError("give either --half-width, or --delta (with --power)");
        if (flags.halfWidth !== undefined) {
          notUsed("--power", flags.power, "with --half-width (only --delta uses it)");
          notUsed("--humans", flags.humans, "with --half-width (only --delta uses it)");
        }
        const settings = {
          acc1: accuracies[0],
          acc2: accuracies[1],
          kappa: realNumber("--kappa", flags.kappa, { min: -1, max: 1 }),
          level: orDefault(flags.level, (v) => probability("--level", v), PLAN_DEFAULTS.level),
          simulations: orDefault(
            flags.simulations,
            (v) => wholeNumber("--simulations", v, { min: 100, max: MAX_SIMULATIONS, why: SIMULATIONS_WHY }),
            PLAN_DEFAULTS.simulations,
          ),
          seed: orDefault(flags.seed, (v) => seed("--seed", v), PLAN_DEFAULTS.seed),
        };
        const delta =
          flags.delta === undefined ? undefined : realNumber("--delta", flags.delta, { min: 0, max: 2, minOpen: true, maxOpen: true });
        checkPlanKappa(settings.acc1, settings.acc2, settings.kappa, delta);
        let result: Record<string, unknown>;
        let curve: CurvePoint[];
        let target: number;
        let yTitle: string;
        const progress = longWork(io, "plan", "simulations");
        const onProgress = (phase: "search" | "curve", done: number, total: number) =>
          progress.onProgress(phase === "search" ? "finding the smallest trial count" : "simulating the curve", done, total);
        try {
          if (flags.halfWidth !== undefined) {
            const halfWidth = realNumber("--half-width", flags.halfWidth, { min: 0, max: 1, minOpen: true, maxOpen: true });
            const plan = planHalfWidth({ ...settings, halfWidth, onProgress });
            ({ curve } = plan);
            target = plan.target_half_width;
            yTitle = `Half-width of the ${Math.round(settings.level * 100)}% interval of κ`;
            result = { goal: "half-width", ...settings, ...plan };
          } else {
            const plan = planDifference({
              ...settings,
              delta: delta!,
              power: orDefault(flags.power, (v) => probability("--power", v), DEFAULT_POWER),
              humans: orDefault(
                flags.humans,
                (v) => wholeNumber("--humans", v, { min: 1, max: MAX_PLAN_HUMANS, why: PLAN_HUMANS_WHY }),
                PLAN_DEFAULTS.humans,
              ),
              onProgress,
            });
            ({ curve } = plan);
            target = plan.target_power;
            yTitle = "Power";
            result = {
              goal: "difference",
              ...settings,
              ...plan,
              assumption:
                "each model-human kappa is an independent copy-model experiment; humans that share stimuli correlate, so real gains from more humans are smaller",
            };
          }
        } catch (error) {
          if (error instanceof RangeError) throw new UsageError(error.message);
          throw error;
        } finally {
          progress.stop();
        }
        if (flags.figure) {
          const [{ conditionSpec }, { renderSvg, svgToPng }, { writeFileAtomic }] = await Promise.all([
            import("../figures/consistency.ts"),
            import("../report/render.ts"),
            import("../io/output.ts"),
          ]);
          const spec = conditionSpec({
            title: `trialwise plan: ${result.goal === "half-width" ? "interval half-width" : "power"} (accuracies ${accuracies.join(", ")}, κ ${settings.kappa})`,
            xTitle: "Trials",
            yTitle,
            points: curve.flatMap((p) => [
              { x: p.trials, condition: String(p.trials), series: "simulated (copy model)", value: p.simulated },
              { x: p.trials, condition: String(p.trials), series: "closed form (large sample)", value: p.closed_form },
            ]),
            series: [
              { label: "simulated (copy model)", colour: "#2166ac", shape: "circle" },
              { label: "closed form (large sample)", colour: "#999999", shape: "square" },
            ],
            reference: target,
            yDomain: result.goal === "half-width" ? [0, Math.max(target, ...curve.map((p) => p.simulated)) * 1.1] : [0, 1],
          });
          const svg = await renderSvg(spec);
          if (/\.png$/i.test(flags.figure)) await writeFileAtomic(flags.figure, await svgToPng(svg, 2));
          else if (/\.svg$/i.test(flags.figure)) await writeFileAtomic(flags.figure, svg);
          else throw new UsageError(`--figure: expected a file name ending in .svg or .png, not "${flags.figure}"`);
        }
        await emitObject(io, flags, result, { rows: curve, columns: ["trials", "simulated", "closed_form"] });
      },
    );
}

/**
 * The copy model needs a kappa the two accuracies allow (and, with --delta, the second model's
 * kappa + delta too); checked here so the message names the flag to change.
 */
function checkPlanKappa(acc1: number, acc2: number, kappa: number, delta: number | undefined): void {
  const { min, max } = kappaBounds(acc1, acc2);
  if (min === null || max === null) {
    throw new UsageError(
      `--accuracy: kappa is undefined when both accuracies are ${acc1} (every trial agrees by chance); give accuracies that are not both 0 or both 1`,
    );
  }
  if (min === 0 && max === 0) {
    throw new UsageError(
      `--accuracy: with an accuracy of 0 or 1, kappa is 0 whatever the trials (${acc1},${acc2}: agreement always equals its chance level); there is nothing to plan`,
    );
  }
  const range = `[${short(min)}, ${short(max)}]`;
  if (kappa < min - COPY_MODEL_TOLERANCE || kappa > max + COPY_MODEL_TOLERANCE) {
    throw new UsageError(`--kappa: ${kappa} is outside the range ${range} that --accuracy ${acc1},${acc2} allows`);
  }
  if (delta !== undefined && kappa + delta > max + COPY_MODEL_TOLERANCE) {
    throw new UsageError(
      `--delta: --kappa ${kappa} plus --delta ${delta} is ${short(kappa + delta)}, above the largest kappa ${short(max)} that --accuracy ${acc1},${acc2} allows; give --delta at most ${short(max - kappa)}`,
    );
  }
}

/** A bound as people read it: 6 significant digits, no float noise. */
function short(value: number): number {
  return Number(value.toPrecision(6));
}
