/** `trialwise ci`, `test`, `compare` and `plan`: uncertainty, tests and experiment planning. */
import { type Command, Option } from "commander";
import { type OutcomeMatrix, compareModels, outcomeMatrix, pairedModelTest } from "../core/aggregate.ts";
import { UsageError } from "../core/errors.ts";
import { betaIndependenceTest, exactIndependenceTest } from "../core/hypothesis.ts";
import { type PairIntervalMethod, pairInterval, pairSeed, unbiasedKappa } from "../core/intervals.ts";
import type { PairCounts } from "../core/metrics.ts";
import { computePairs, pairCounts } from "../core/pairs.ts";
import { type CurvePoint, planDifference, planHalfWidth } from "../core/plan.ts";
import type { TrialTable } from "../core/trials.ts";
import { conditionSpec } from "../figures/consistency.ts";
import { loadDatasets } from "../io/datasets.ts";
import { type OutputFormat, toCsv, toJson, toTable } from "../io/format.ts";
import { writeFileAtomic } from "../io/output.ts";
import { renderSvg, svgToPng } from "../report/render.ts";
import type { CliIO } from "./main.ts";
import { type InputFlags, addInputOptions, listFlag, loadOptions } from "./options.ts";

interface CommonFlags extends InputFlags {
  dataset?: string;
  condition?: string;
  format?: OutputFormat;
  output?: string;
  seed: string;
  level: string;
}

function number(flag: string, value: string, check: (x: number) => boolean, expected: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`${flag}: expected ${expected}, not "${value}"`);
  return x;
}
const integer = (flag: string, value: string, min: number) =>
  number(flag, value, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
const level = (value: string) => number("--level", value, (x) => x > 0 && x < 1, "a number between 0 and 1");
const seed = (value: string) => integer("--seed", value, 0);

/** The one dataset a command works on: the only one, or the one --dataset names. */
async function oneDataset(path: string, flags: CommonFlags): Promise<TrialTable> {
  const { datasets } = await loadDatasets(path, loadOptions(flags));
  if (flags.dataset !== undefined) {
    const found = datasets.find((d) => d.dataset === flags.dataset);
    if (!found) throw new UsageError(`--dataset: no dataset "${flags.dataset}" in ${path}; found ${datasets.map((d) => d.dataset).join(", ")}`);
    return found;
  }
  if (datasets.length > 1) {
    throw new UsageError(`${path} holds ${datasets.length} datasets; choose one with --dataset (${datasets.map((d) => d.dataset).join(", ")})`);
  }
  return datasets[0];
}

function checkCondition(table: TrialTable, condition: string | undefined): void {
  if (condition !== undefined && !table.condition.includes(condition)) {
    throw new UsageError(`--condition: dataset "${table.dataset}" has no condition "${condition}"; found ${[...new Set(table.condition)].join(", ")}`);
  }
}

/** The 2x2 table of the pair A,B (matched by stimulus; identical stimulus sets required). */
function pairOf(table: TrialTable, flag: string, condition: string | undefined): { counts: PairCounts; observer1: string; observer2: string } {
  const names = listFlag(flag) ?? [];
  if (names.length !== 2 || names[0] === names[1]) throw new UsageError(`--pair: expected two different observers "A,B", not "${flag}"`);
  for (const name of names) {
    if (!table.observer.includes(name)) throw new UsageError(`--pair: no observer "${name}" in dataset "${table.dataset}"`);
  }
  checkCondition(table, condition);
  const subset = condition === undefined ? table : restrictToCondition(table, condition);
  const result = computePairs(subset, { observers: names, mismatch: "strict" });
  return { counts: pairCounts(result.pairs[0]), observer1: names[0], observer2: names[1] };
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
    note(`left out ${e.kind} "${e.observer}": its stimulus set differs from the unit's (${e.n_common} common, ${e.n_only_observer} only it saw, ${e.n_missing} it did not see)`);
  }
  if (humans === undefined || humans === "all") return matrix;
  const wanted = listFlag(humans) ?? [];
  for (const h of wanted) if (!matrix.humans.has(h)) throw new UsageError(`--humans: "${h}" is not a human of dataset "${table.dataset}"`);
  const keep = matrix.observers.map((o, i) => [o, i] as const).filter(([o]) => !matrix.humans.has(o) || wanted.includes(o));
  return {
    ...matrix,
    observers: keep.map(([o]) => o),
    correct: keep.map(([, i]) => matrix.correct[i]),
    humans: new Set(wanted),
  };
}

async function emitObject(io: CliIO, flags: { format?: OutputFormat; output?: string }, object: Record<string, unknown>, rows?: { rows: object[]; columns: string[] }): Promise<void> {
  const format = flags.format ?? (io.isTTY && !flags.output ? "table" : "json");
  let text: string;
  if (format === "json") text = toJson(object);
  else {
    const table = rows ?? { rows: [object], columns: Object.keys(object).filter((k) => typeof object[k] !== "object" || object[k] === null) };
    text = format === "csv" ? toCsv(table.rows, table.columns) : toTable(table.rows, table.columns);
  }
  if (flags.output) await writeFileAtomic(flags.output, text);
  else io.stdout(text);
}

function withCommon(command: Command): Command {
  return addInputOptions(command)
    .option("--dataset <name>", "the dataset, where the path holds several")
    .option("--condition <name>", "one condition only (default: all trials, matched by stimulus)")
    .option("--seed <n>", "seed of the random draws (same seed, same numbers)", "1")
    .option("--level <p>", "confidence level", "0.95")
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)").choices(["json", "csv", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output");
}

/** Registers ci, test, compare and plan. */
export function addUncertaintyCommands(program: Command, io: CliIO, configure: (c: Command, examples: string[]) => Command): void {
  const note = (text: string) => io.stderr(`trialwise: note: ${text}\n`);
  const data = "../shared/data/geirhos2020/raw-data/texture-shape_cue-conflict";

  withCommon(
    configure(
      program
        .command("ci")
        .description(
          "Confidence interval of one pair's kappa: trial bootstrap (a multinomial draw of the pair's 2x2 table per replicate) with percentile or BCa limits, or the large-sample (analytic) interval.",
        )
        .argument("<path>", "trial data"),
      [`trialwise ci ${data} --pair resnet50,subject-01 --format json`, `trialwise ci ${data} --pair resnet50,cornet-s --method bca --bootstrap 20000`],
    ),
  )
    .requiredOption("--pair <A,B>", "the two observers")
    .addOption(new Option("--method <method>", "interval method").choices(["percentile", "bca", "analytic"]).default("percentile"))
    .option("--bootstrap <n>", "bootstrap replicates", "10000")
    .option("--unbiased", "also report Klein et al.'s small-sample kappa n·κ/((n−1)+κ)")
    .action(async (path: string, flags: CommonFlags & { pair: string; method: PairIntervalMethod; bootstrap: string; unbiased?: boolean }) => {
      const options = { method: flags.method, level: level(flags.level), replicates: integer("--bootstrap", flags.bootstrap, 1), seed: seed(flags.seed) };
      const table = await oneDataset(path, flags);
      const { counts, observer1, observer2 } = pairOf(table, flags.pair, flags.condition);
      const interval = pairInterval(counts, { ...options, seed: pairSeed(options.seed, observer1, observer2) });
      const result: Record<string, unknown> = {
        dataset: table.dataset,
        condition: flags.condition ?? "all",
        observer1,
        observer2,
        ...interval,
        seed: flags.method === "analytic" ? null : options.seed,
      };
      if (flags.unbiased) result.kappa_unbiased = interval.kappa === null ? null : unbiasedKappa(interval.kappa, counts.trials);
      await emitObject(io, flags, result);
    });

  withCommon(
    configure(
      program
        .command("test")
        .description(
          "Test one pair's kappa against independence: exact (Fisher's test: given both correct counts, the both-correct count is hypergeometric), or Klein et al.'s null with Beta-distributed accuracies (simulated).",
        )
        .argument("<path>", "trial data"),
      [`trialwise test ${data} --pair resnet50,subject-01 --format json`, `trialwise test ${data} --pair resnet50,subject-01 --method beta --draws 20000`],
    ),
  )
    .requiredOption("--pair <A,B>", "the two observers")
    .addOption(new Option("--method <method>", "test").choices(["exact", "beta"]).default("exact"))
    .option("--draws <n>", "null draws of the beta test", "10000")
    .action(async (path: string, flags: CommonFlags & { pair: string; method: "exact" | "beta"; draws: string }) => {
      const draws = integer("--draws", flags.draws, 1);
      const s = seed(flags.seed);
      const table = await oneDataset(path, flags);
      const { counts, observer1, observer2 } = pairOf(table, flags.pair, flags.condition);
      const head = { dataset: table.dataset, condition: flags.condition ?? "all", observer1, observer2, n_trials: counts.trials, method: flags.method };
      const result = flags.method === "exact" ? { ...head, ...exactIndependenceTest(counts) } : { ...head, ...betaIndependenceTest(counts, { draws, seed: s }), seed: s };
      await emitObject(io, flags, result);
    });

  withCommon(
    configure(
      program
        .command("compare")
        .description(
          "Compare models by their mean kappa with the same humans: joint bootstrap over stimuli (all observers resampled together), a paired swap test of the difference, and with --models all every pair with Holm and Benjamini-Hochberg adjusted p-values, P(A > B), and a ranking with rank intervals.",
        )
        .argument("<path>", "trial data"),
      [`trialwise compare ${data} --models resnet50,cornet-s --format json`, `trialwise compare ${data} --models all --bootstrap 2000 --format table`],
    ),
  )
    .requiredOption("--models <A,B|all|list>", "two models, a list, or all models")
    .option("--humans <all|list>", "the humans to compare with", "all")
    .option("--bootstrap <n>", "bootstrap replicates", "1000")
    .action(async (path: string, flags: CommonFlags & { models: string; humans: string; bootstrap: string }) => {
      const options = { replicates: integer("--bootstrap", flags.bootstrap, 1), seed: seed(flags.seed), level: level(flags.level) };
      const table = await oneDataset(path, flags);
      const matrix = matrixOf(table, flags.condition, flags.humans, note);
      const models = flags.models === "all" ? matrix.observers.filter((o) => !matrix.humans.has(o)) : (listFlag(flags.models) ?? []);
      for (const m of models) {
        if (!matrix.observers.includes(m) || matrix.humans.has(m)) throw new UsageError(`--models: "${m}" is not a model of dataset "${table.dataset}" with the unit's stimuli`);
      }
      if (models.length < 2) throw new UsageError("--models: name at least two models, or all");
      if (models.length === 2) {
        await emitObject(io, flags, { ...pairedModelTest(matrix, models[0], models[1], options) });
        return;
      }
      const result = compareModels(matrix, { ...options, models });
      const format = flags.format ?? (io.isTTY && !flags.output ? "table" : "json");
      if (format === "json") await emitObject(io, flags, { ...result });
      else {
        await emitObject(io, flags, { ...result }, {
          rows: result.ranking,
          columns: ["model", "n_humans", "mean", "lower", "upper", "rank", "rank_lower", "rank_upper"],
        });
      }
    });

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
    .requiredOption("--accuracy <a1,a2>", "accuracies of the two observers (for --delta: a model's and a human's)")
    .requiredOption("--kappa <k>", "their kappa (for --delta: the lower model's kappa with humans)")
    .option("--half-width <h>", "target half-width of the interval")
    .option("--delta <d>", "kappa difference to detect")
    .option("--power <p>", "power to detect it", "0.8")
    .option("--humans <n>", "human observers each model is compared with (for --delta)", "1")
    .option("--level <p>", "confidence level (1 - alpha for --delta)", "0.95")
    .option("--simulations <n>", "simulated experiments per trial count", "2000")
    .option("--seed <n>", "seed", "1")
    .option("--figure <file>", "also draw the curve (half-width or power against trials) to an .svg or .png file")
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)").choices(["json", "csv", "table"]))
    .option("-o, --output <file>", "write to this file (atomically) instead of standard output")
    .action(async (flags: { accuracy: string; kappa: string; halfWidth?: string; delta?: string; power: string; humans: string; level: string; simulations: string; seed: string; figure?: string; format?: OutputFormat; output?: string }) => {
      const accuracies = (listFlag(flags.accuracy) ?? []).map((a) => number("--accuracy", a, (x) => x >= 0 && x <= 1, "accuracies between 0 and 1"));
      if (accuracies.length !== 2) throw new UsageError(`--accuracy: expected two accuracies "a1,a2", not "${flags.accuracy}"`);
      if ((flags.halfWidth === undefined) === (flags.delta === undefined)) throw new UsageError("give either --half-width, or --delta (with --power)");
      const settings = {
        acc1: accuracies[0],
        acc2: accuracies[1],
        kappa: number("--kappa", flags.kappa, (x) => x >= -1 && x <= 1, "a kappa between -1 and 1"),
        level: level(flags.level),
        simulations: integer("--simulations", flags.simulations, 100),
        seed: seed(flags.seed),
      };
      let result: Record<string, unknown>;
      let curve: CurvePoint[];
      let target: number;
      let yTitle: string;
      try {
        if (flags.halfWidth !== undefined) {
          const plan = planHalfWidth({ ...settings, halfWidth: number("--half-width", flags.halfWidth, (x) => x > 0 && x < 1, "a half-width between 0 and 1") });
          ({ curve } = plan);
          target = plan.target_half_width;
          yTitle = `Half-width of the ${Math.round(settings.level * 100)}% interval of κ`;
          result = { goal: "half-width", ...settings, ...plan };
        } else {
          const plan = planDifference({
            ...settings,
            delta: number("--delta", flags.delta!, (x) => x > 0 && x < 2, "a positive kappa difference"),
            power: number("--power", flags.power, (x) => x > 0 && x < 1, "a power between 0 and 1"),
            humans: integer("--humans", flags.humans, 1),
          });
          ({ curve } = plan);
          target = plan.target_power;
          yTitle = "Power";
          result = {
            goal: "difference",
            ...settings,
            ...plan,
            assumption: "each model-human kappa is an independent copy-model experiment; humans that share stimuli correlate, so real gains from more humans are smaller",
          };
        }
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message);
        throw error;
      }
      if (flags.figure) {
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
    });
}

