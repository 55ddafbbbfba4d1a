/**
 * The trials of one benchmark dataset, checked and laid out for scoring: per condition
 * (model-vs-human's unit of comparison) the stimuli all humans saw, sorted by stimulus id, and
 * every observer's correct/wrong answer on each. Built from parsed trial files in the
 * model-vs-human schema. Isomorphic.
 *
 * As in model-vs-human: a trial is correct when `object_response` equals `category` (of the
 * observer's own file; `na`, no answer, is wrong); trials are matched by stimulus id (`stimulusId`, the
 * image name without its experiment-specific prefix); an observer is human when its name
 * starts with "subject-"; condition labels compare as pandas reads them (./labels.ts); the five
 * datasets without conditions are one unit of all their trials.
 */
import { InputError } from "../core/errors.ts";
import { type RawTable, compareText, findColumns, requiredField, stimulusId } from "../core/trials.ts";
import { type BenchmarkDataset, isHumanObserver } from "./datasets.ts";
import { pandasColumnText } from "./labels.ts";

/** One answer: correct or not, and where it was read. */
interface Answer {
  readonly correct: boolean;
  readonly file: string;
  readonly line: number;
}

/** One observer's answers in one dataset: condition -> stimulus id -> answer. */
export interface ObserverAnswers {
  readonly name: string;
  readonly files: string[];
  readonly conditions: Map<string, Map<string, Answer>>;
}

/** The condition key of the datasets without conditions: all trials form one unit. */
export const ALL_TRIALS = "";

/** What reading one dataset's files gathered. */
export interface DatasetAnswers {
  readonly dataset: BenchmarkDataset;
  readonly humans: Map<string, ObserverAnswers>;
  readonly models: Map<string, ObserverAnswers>;
}

export function emptyDatasetAnswers(dataset: BenchmarkDataset): DatasetAnswers {
  return { dataset, humans: new Map(), models: new Map() };
}

const COLUMNS = {
  subj: "subj",
  response: "object_response",
  category: "category",
  condition: "condition",
  imagename: "imagename",
} as const;

/**
 * Adds one trial file's rows to a dataset. `role` says what the file was given as: from the
 * human data only people's rows are kept (a model's file there is ignored, as the lines it
 * holds are not humans'); from the models path only models' rows (people's rows are counted in
 * the return value, for a note). A model's trials of one dataset must come from one file.
 * Returns how many rows were left out.
 */
export function addTrialFile(answers: DatasetAnswers, table: RawTable, role: "humans" | "models"): number {
  const { dataset } = answers;
  const col = findColumns(table, COLUMNS, "the model-vs-human trial schema");
  const labels = pandasColumnText(table.rows.map((row) => row[col.condition] ?? ""));
  let skipped = 0;
  for (let r = 0; r < table.rows.length; r++) {
    const observer = requiredField(table, r, col.subj);
    const human = isHumanObserver(observer);
    if (human !== (role === "humans")) {
      skipped++;
      continue;
    }
    const where = { file: table.file, line: table.lines[r] };
    let condition = ALL_TRIALS;
    if (dataset.conditions.length > 0) {
      condition = labels[r];
      if (!dataset.conditions.includes(condition)) {
        const written = table.rows[r][col.condition];
        const read = written === condition ? `"${condition}"` : `"${written}" (read as pandas reads it: "${condition}")`;
        throw new InputError(
          `condition ${read} is not a condition of ${dataset.name}; expected one of ${dataset.conditions.map((c) => `"${c}"`).join(", ")}`,
          {
            ...where,
            column: table.columns[col.condition],
          },
        );
      }
    }
    const group = human ? answers.humans : answers.models;
    let observerAnswers = group.get(observer);
    if (!observerAnswers) {
      observerAnswers = { name: observer, files: [table.file], conditions: new Map() };
      group.set(observer, observerAnswers);
    } else if (observerAnswers.files.at(-1) !== table.file) {
      if (!human) {
        throw new InputError(
          `two files hold trials of model "${observer}" on dataset ${dataset.name}: ${observerAnswers.files[0]} and ${table.file}; expected one file per model and dataset`,
          where,
        );
      }
      observerAnswers.files.push(table.file);
    }
    const stimulus = stimulusId(requiredField(table, r, col.imagename));
    let byStimulus = observerAnswers.conditions.get(condition);
    if (!byStimulus) observerAnswers.conditions.set(condition, (byStimulus = new Map()));
    const earlier = byStimulus.get(stimulus);
    if (earlier) {
      const inCondition = condition === ALL_TRIALS ? "" : ` in condition "${condition}"`;
      throw new InputError(
        `"${observer}" answered stimulus "${stimulus}"${inCondition} twice (first at ${earlier.file}:${earlier.line}); expected each stimulus once`,
        where,
      );
    }
    const response = requiredField(table, r, col.response);
    const truth = requiredField(table, r, col.category);
    byStimulus.set(stimulus, { correct: response === truth, file: table.file, line: table.lines[r] });
  }
  return skipped;
}

/** One unit of comparison: a condition (or all trials), its stimuli and everyone's outcomes on them. */
export interface ScoringUnit {
  /** The condition as model-vs-human spells it; null for a dataset without conditions. */
  readonly condition: string | null;
  /** Whether the benchmark averages over this unit (false for excluded conditions, still drawn per condition). */
  readonly included: boolean;
  /** Stimulus ids, sorted. */
  readonly stimuli: readonly string[];
  /** 1 = correct, one row per human (in `PreparedDataset.humans` order), stimuli in order. */
  readonly humanRows: readonly Uint8Array[];
  /** One row per model (in `PreparedDataset.models` order); null where the model has no trials in an excluded condition. */
  readonly modelRows: readonly (Uint8Array | null)[];
}

export interface PreparedDataset {
  readonly dataset: BenchmarkDataset;
  readonly humans: readonly string[];
  readonly models: readonly string[];
  /** In the dataset's condition order. */
  readonly units: readonly ScoringUnit[];
}

function describe(observer: ObserverAnswers): string {
  return observer.files.join(", ");
}

function firstOf(ids: Iterable<string>): string {
  for (const id of ids) return `"${id}"`;
  return "";
}

/**
 * Lays one dataset out for scoring, checking that: there are humans; every human has every
 * included condition, and within a condition all humans answered the same stimuli; every model
 * in `models` answered exactly those stimuli in every included condition (and in an excluded
 * one either exactly those or none). Each failure is an InputError naming the file.
 */
export function prepareDataset(answers: DatasetAnswers, models: readonly string[]): PreparedDataset {
  const { dataset } = answers;
  const humans = [...answers.humans.keys()].sort(compareText);
  if (humans.length < 2) {
    throw new InputError(
      `the human data of ${dataset.name} hold ${humans.length === 0 ? "no people" : "one person"}; expected the trials of at least two people ("subject-..." observers)`,
    );
  }
  const conditions = dataset.conditions.length === 0 ? [ALL_TRIALS] : dataset.conditions;
  const units: ScoringUnit[] = [];
  for (const condition of conditions) {
    const included = !dataset.excluded.includes(condition);
    const shown = condition === ALL_TRIALS ? dataset.name : `condition "${condition}" of ${dataset.name}`;
    const seenBy = humans.filter((h) => answers.humans.get(h)!.conditions.has(condition));
    if (seenBy.length === 0 && !included) continue;
    if (seenBy.length < humans.length) {
      const lacking = answers.humans.get(humans.find((h) => !seenBy.includes(h))!)!;
      throw new InputError(
        `the human data lack ${shown}: "${lacking.name}" (${describe(lacking)}) has no trials there; expected every person in every condition`,
      );
    }
    const reference = answers.humans.get(humans[0])!.conditions.get(condition)!;
    const stimuli = [...reference.keys()].sort(compareText);
    const rowOf = (observer: ObserverAnswers, role: string): Uint8Array | null => {
      const byStimulus = observer.conditions.get(condition);
      if (!byStimulus) {
        if (!included) return null;
        throw new InputError(
          `${role} "${observer.name}" (${describe(observer)}) has no trials in ${shown}; expected its ${stimuli.length} images`,
        );
      }
      const missing = stimuli.filter((s) => !byStimulus.has(s));
      if (missing.length > 0) {
        throw new InputError(
          `${role} "${observer.name}" (${describe(observer)}) answered ${stimuli.length - missing.length} of the ${stimuli.length} images of ${shown} (missing ${firstOf(missing)}${missing.length > 1 ? ` and ${missing.length - 1} more` : ""}); expected every image the humans saw`,
        );
      }
      if (byStimulus.size > stimuli.length) {
        const extra = [...byStimulus.keys()].filter((s) => !reference.has(s));
        throw new InputError(
          `${role} "${observer.name}" (${describe(observer)}) answered ${extra.length} image${extra.length === 1 ? "" : "s"} in ${shown} that ${humans[0]} did not see (${firstOf(extra)}); expected the images the humans saw`,
        );
      }
      return Uint8Array.from(stimuli, (s) => (byStimulus.get(s)!.correct ? 1 : 0));
    };
    units.push({
      condition: condition === ALL_TRIALS ? null : condition,
      included,
      stimuli,
      humanRows: humans.map((h) => rowOf(answers.humans.get(h)!, "person")!),
      modelRows: models.map((m) => {
        const observer = answers.models.get(m);
        if (!observer) throw new InputError(`model "${m}" has no trials on ${dataset.name}`);
        return rowOf(observer, "model");
      }),
    });
  }
  return { dataset, humans, models, units };
}
