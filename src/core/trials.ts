import { InputError } from "./errors.ts";

/** Whether an observer is a person or a model; pairs are typed by the kinds of their members. */
export type ObserverKind = "human" | "model";

/**
 * All trials of one dataset as columns (one entry per trial, arquero-style), so that large
 * datasets cost a few arrays rather than one object per trial.
 */
export interface TrialTable {
  readonly dataset: string;
  readonly length: number;
  readonly observer: readonly string[];
  readonly condition: readonly string[];
  /** Stimulus id: the key that matches trials across observers. */
  readonly stimulus: readonly string[];
  /** True category; null when only correctness was given (`--correct-col`). */
  readonly truth: readonly (string | null)[];
  /** The observer's response; null when only correctness was given. */
  readonly response: readonly (string | null)[];
  /** 1 when the trial was answered correctly. */
  readonly correct: Uint8Array;
  /** 1 when the observer gave no answer (`na`); such trials are wrong and still count. */
  readonly missing: Uint8Array;
  /** Source of each trial, for error messages. */
  readonly file: readonly string[];
  readonly line: Int32Array;
  /** Observers that are human; every other observer is a model. */
  readonly humans: ReadonlySet<string>;
}

/** One parsed delimited file: a header and its rows, each with its 1-based line number. */
export interface RawTable {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly lines: ArrayLike<number>;
}

/** The response that means "no answer in time"; counted as wrong. */
export const NO_ANSWER = "na";

/** The model-vs-human rule: an observer is human exactly when its name contains "subject". */
export const DEFAULT_HUMAN_PATTERN = /subject/;

/**
 * Stimulus id of a model-vs-human `imagename`: split on `_`; no `_` gives the whole name;
 * if the second-to-last piece starts with `n0` (an ImageNet synset) the id is the last two
 * pieces joined by `_`, else the last piece. Extensions are kept.
 *
 *   stimulusId("0001_s5n_s01_0_bird_00_bird3-bird2.png") === "bird3-bird2.png"
 *   stimulusId("0001_hp_s01_inf_oven_10_n04111531_6454.png") === "n04111531_6454.png"
 */
export function stimulusId(imagename: string): string {
  const pieces = imagename.split("_");
  if (pieces.length === 1) return imagename;
  const last = pieces[pieces.length - 1];
  const secondToLast = pieces[pieces.length - 2];
  return secondToLast.startsWith("n0") ? `${secondToLast}_${last}` : last;
}

/**
 * Texture category of a cue-conflict stimulus id `<shape><k>-<texture><j>.png`: the part
 * after the last `-`, without the extension and digits ("airplane1-bicycle2.png" -> "bicycle").
 * Returns null for ids that are not cue-conflict ids (no `-`).
 */
export function textureCategory(id: string): string | null {
  const dash = id.lastIndexOf("-");
  if (dash < 0) return null;
  const texture = id
    .slice(dash + 1)
    .replace(/\.[^.]*$/, "")
    .replace(/[0-9]/g, "");
  return texture === "" ? null : texture;
}

/** Sorted distinct observer names of a table. */
export function observerNames(table: TrialTable): string[] {
  return [...new Set(table.observer)].sort(compareText);
}

/** Sorted distinct conditions of a table. */
export function conditionNames(table: TrialTable): string[] {
  return [...new Set(table.condition)].sort(compareText);
}

export function observerKind(table: TrialTable, observer: string): ObserverKind {
  return table.humans.has(observer) ? "human" : "model";
}

/** Code-unit order: the same on every platform and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One trial as the readers see it, before it enters a table. */
export interface TrialInput {
  observer: string;
  condition: string;
  stimulus: string;
  truth: string | null;
  response: string | null;
  correct: boolean;
  missing: boolean;
  file: string;
  line: number;
}

/**
 * Trial `t` of a table as a {@link TrialInput}, e.g. to add it to another table's builder.
 *
 * @example
 * const builder = new TrialTableBuilder("d");
 * builder.add({ observer: "m", condition: "0", stimulus: "s1", truth: "cat", response: "dog", correct: false, missing: false, file: "t.csv", line: 2 });
 * trialAt(builder.build(), 0).response // => "dog"
 */
export function trialAt(table: TrialTable, t: number): TrialInput {
  return {
    observer: table.observer[t],
    condition: table.condition[t],
    stimulus: table.stimulus[t],
    truth: table.truth[t],
    response: table.response[t],
    correct: table.correct[t] === 1,
    missing: table.missing[t] === 1,
    file: table.file[t],
    line: table.line[t],
  };
}

/**
 * Collects trials into a {@link TrialTable}, rejecting a stimulus seen twice by one observer
 * in one condition (the match key would be ambiguous).
 */
export class TrialTableBuilder {
  private readonly observer: string[] = [];
  private readonly condition: string[] = [];
  private readonly stimulus: string[] = [];
  private readonly truth: (string | null)[] = [];
  private readonly response: (string | null)[] = [];
  private readonly correct: number[] = [];
  private readonly missing: number[] = [];
  private readonly file: string[] = [];
  private readonly line: number[] = [];
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly dataset: string,
    private readonly humanPattern: RegExp = DEFAULT_HUMAN_PATTERN,
  ) {}

  add(trial: TrialInput): void {
    // NUL cannot occur in parsed text fields, so it separates the key parts unambiguously.
    const key = `${trial.observer}\u0000${trial.condition}\u0000${trial.stimulus}`;
    const earlier = this.firstSeen.get(key);
    if (earlier !== undefined) {
      throw new InputError(
        `observer "${trial.observer}" saw stimulus "${trial.stimulus}" twice in condition ` +
          `"${trial.condition}" (first at ${this.file[earlier]}:${this.line[earlier]}); ` +
          `expected each stimulus once per observer and condition`,
        { file: trial.file, line: trial.line },
      );
    }
    this.firstSeen.set(key, this.observer.length);
    this.observer.push(trial.observer);
    this.condition.push(trial.condition);
    this.stimulus.push(trial.stimulus);
    this.truth.push(trial.truth);
    this.response.push(trial.response);
    this.correct.push(trial.correct ? 1 : 0);
    this.missing.push(trial.missing ? 1 : 0);
    this.file.push(trial.file);
    this.line.push(trial.line);
  }

  build(): TrialTable {
    const humans = new Set<string>();
    for (const name of new Set(this.observer)) {
      this.humanPattern.lastIndex = 0;
      if (this.humanPattern.test(name)) humans.add(name);
    }
    return {
      dataset: this.dataset,
      length: this.observer.length,
      observer: this.observer,
      condition: this.condition,
      stimulus: this.stimulus,
      truth: this.truth,
      response: this.response,
      correct: Uint8Array.from(this.correct),
      missing: Uint8Array.from(this.missing),
      file: this.file,
      line: Int32Array.from(this.line),
      humans,
    };
  }
}

/** A column name as JSON writes it, so a newline or quote inside it shows as \n or \". */
const quoted = (name: string): string => JSON.stringify(name);

/** Index of each wanted column in a header (names compared trimmed and case-insensitively). */
export function findColumns<K extends string>(table: RawTable, wanted: Record<K, string>, what: string): Record<K, number> {
  const normalized = table.columns.map((name) => name.trim().toLowerCase());
  const found = {} as Record<K, number>;
  const absent: string[] = [];
  for (const key of Object.keys(wanted) as K[]) {
    const index = normalized.indexOf(wanted[key].trim().toLowerCase());
    if (index < 0) absent.push(wanted[key]);
    found[key] = index;
  }
  if (absent.length > 0) {
    throw new InputError(
      `missing column${absent.length > 1 ? "s" : ""} ${absent.map(quoted).join(", ")}; ` +
        `${what} needs ${Object.values<string>(wanted).map(quoted).join(", ")} (found ${table.columns.map(quoted).join(", ") || "no columns"})`,
      { file: table.file, line: 1 },
    );
  }
  return found;
}

/** The value of one field, which must not be empty. */
export function requiredField(table: RawTable, rowIndex: number, column: number): string {
  const value = table.rows[rowIndex][column];
  if (value === undefined || value.trim() === "") {
    throw new InputError("empty value; expected a non-empty text", {
      file: table.file,
      line: table.lines[rowIndex],
      column: table.columns[column],
    });
  }
  return value;
}

/** The model-vs-human schema's columns, in its order (as trialwise writes trials). */
export const SCHEMA_COLUMNS = ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"] as const;

/** The schema's columns the readers use; a file needs all of them (names compared case-insensitively). */
export const SCHEMA_READ_COLUMNS: readonly string[] = ["subj", "object_response", "category", "condition", "imagename"];

const GEIRHOS_COLUMNS = {
  subj: "subj",
  condition: "condition",
  response: "object_response",
  category: "category",
  imagename: "imagename",
} as const;

/**
 * Trials from files in the model-vs-human schema
 * (`subj,session,trial,rt,object_response,category,condition,imagename`; column names in any
 * case). Observer = `subj`; correct iff `object_response == category`; `na` is wrong;
 * stimulus id by {@link stimulusId}. Only the columns used must be present.
 */
export function geirhosTrials(tables: readonly RawTable[], dataset: string, humanPattern: RegExp = DEFAULT_HUMAN_PATTERN): TrialTable {
  const builder = new TrialTableBuilder(dataset, humanPattern);
  for (const table of tables) {
    const col = findColumns(table, GEIRHOS_COLUMNS, "the model-vs-human trial schema");
    for (let r = 0; r < table.rows.length; r++) {
      const response = requiredField(table, r, col.response);
      const truth = requiredField(table, r, col.category);
      builder.add({
        observer: requiredField(table, r, col.subj),
        condition: requiredField(table, r, col.condition),
        stimulus: stimulusId(requiredField(table, r, col.imagename)),
        truth,
        response,
        correct: response === truth,
        missing: response === NO_ANSWER,
        file: table.file,
        line: table.lines[r],
      });
    }
  }
  return builder.build();
}

/** Which columns of a generic long-format file hold what. */
export interface LongFormatColumns {
  observer: string;
  stimulus: string;
  /** True category and response, compared exactly; or give `correct` instead. */
  truth?: string;
  response?: string;
  /** A 0/1 column (also true/false) for any binary outcome. */
  correct?: string;
  /** Omitted: every trial is in condition "all". */
  condition?: string;
}

/** Condition of trials whose data has no condition column. */
export const NO_CONDITION = "all";

/**
 * Trials from a generic long format: one row per trial, columns named by `columns`. The
 * stimulus value is used as the match key as it is. A response `na` is wrong and counted as
 * missing, as in the model-vs-human schema.
 */
export function longFormatTrials(
  tables: readonly RawTable[],
  dataset: string,
  columns: LongFormatColumns,
  humanPattern: RegExp = DEFAULT_HUMAN_PATTERN,
): TrialTable {
  const byCorrectness = columns.correct !== undefined;
  if (byCorrectness === (columns.truth !== undefined || columns.response !== undefined)) {
    throw new InputError("the long format needs either a correct column, or both a truth and a response column");
  }
  if (!byCorrectness && (columns.truth === undefined || columns.response === undefined)) {
    throw new InputError("the long format needs both a truth and a response column");
  }
  const wanted: Record<string, string> = { observer: columns.observer, stimulus: columns.stimulus };
  if (columns.condition !== undefined) wanted.condition = columns.condition;
  if (byCorrectness) wanted.correct = columns.correct!;
  else {
    wanted.truth = columns.truth!;
    wanted.response = columns.response!;
  }
  const builder = new TrialTableBuilder(dataset, humanPattern);
  for (const table of tables) {
    const col = findColumns(table, wanted, "the long format as configured");
    for (let r = 0; r < table.rows.length; r++) {
      const condition = col.condition === undefined ? NO_CONDITION : requiredField(table, r, col.condition);
      let truth: string | null = null;
      let response: string | null = null;
      let correct: boolean;
      if (byCorrectness) {
        correct = parseBinary(table, r, col.correct);
      } else {
        truth = requiredField(table, r, col.truth);
        response = requiredField(table, r, col.response);
        correct = response === truth;
      }
      builder.add({
        observer: requiredField(table, r, col.observer),
        condition,
        stimulus: requiredField(table, r, col.stimulus),
        truth,
        response,
        correct,
        missing: response === NO_ANSWER,
        file: table.file,
        line: table.lines[r],
      });
    }
  }
  return builder.build();
}

function parseBinary(table: RawTable, rowIndex: number, column: number): boolean {
  const value = requiredField(table, rowIndex, column).trim().toLowerCase();
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new InputError(`"${table.rows[rowIndex][column]}" is not a correctness value; expected 0 or 1`, {
    file: table.file,
    line: table.lines[rowIndex],
    column: table.columns[column],
  });
}
