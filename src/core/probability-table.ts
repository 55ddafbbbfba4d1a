/**
 * Per-item answers as probability vectors over the item's options: what the response-level
 * metrics (CAPA, decision margins, response kappa) read. A model with scores gives a
 * probability vector per item ("graded"); an observer known only by its answers (a person, a
 * model without scores) gives the share of its trials on the item that chose each option
 * (one trial: a one-hot vector; a missed answer, `na`, chooses no option). Isomorphic.
 */
import { InputError, type InputLocation } from "./errors.ts";
import { NO_ANSWER, NO_CONDITION, type TrialTable, compareText } from "./trials.ts";
import { pairTrialMatch } from "./pairs.ts";

/** One item (a stimulus, a question) of a dataset. */
export interface ProbabilityItem {
  /** The analysis unit the item belongs to: its condition, or "all" when conditions are pooled. */
  readonly unit: string;
  /** The item's key within its dataset (its stimulus id, with its condition where that is part of the match). */
  readonly key: string;
  /** Option names, in the order of the vectors. */
  readonly options: readonly string[];
  /** Index of the correct option. */
  readonly truth: number;
}

/** One observer's vectors over every item of a table. */
export interface ObserverVectors {
  readonly name: string;
  /** Option values of item i at `offsets[i] .. offsets[i + 1]`; zeros where the observer did not see the item. */
  readonly values: Float64Array;
  /** Trials behind each item's vector; 0 where the observer did not see the item. */
  readonly trials: Uint32Array;
  /** True for probability vectors (scores), false for shares of answers (one-hot per trial). */
  readonly graded: boolean;
}

/** One dataset's items and every observer's vectors on them. */
export interface ProbabilityTable {
  readonly dataset: string;
  readonly items: readonly ProbabilityItem[];
  /** Start of each item's options in an observer's `values`; `offsets[items.length]` is the total. */
  readonly offsets: Int32Array;
  readonly observers: readonly ObserverVectors[];
  readonly humans: ReadonlySet<string>;
}

/**
 * How far a probability vector's sum may be from 1: the rounding of probabilities written with
 * six decimals or as float32 (16 options at 6 decimals can be 8e-6 off); unnormalized scores,
 * logits and log-likelihoods are far outside it. Vectors within it are divided by their sum.
 */
export const PROBABILITY_SUM_TOLERANCE = 1e-4;

/**
 * Checks that `values` is a probability vector: finite, non-negative, summing to 1 within
 * {@link PROBABILITY_SUM_TOLERANCE}; otherwise an InputError saying which value (and its option,
 * given the item's `options`) or how far off the sum is, at `location`.
 *
 * @example checkProbabilities([0.25, 0.75], {}) // => undefined
 */
export function checkProbabilities(values: readonly number[], location: InputLocation, options?: readonly string[]): void {
  values.forEach((value, o) => {
    const which = `probability ${o + 1}${options?.[o] === undefined ? "" : ` (option ${JSON.stringify(options[o])})`}`;
    if (!Number.isFinite(value)) throw new InputError(`${which} is ${value}; expected a finite number from 0 to 1`, location);
    if (value < 0) throw new InputError(`${which} is negative (${value}); expected probabilities from 0 to 1`, location);
  });
  const sum = values.reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
    const off = sum - 1;
    throw new InputError(
      `probabilities sum to ${Number(sum.toPrecision(10))} (${Number(Math.abs(off).toPrecision(3))} ${off < 0 ? "below" : "above"} 1); expected a sum of 1 within ${PROBABILITY_SUM_TOLERANCE} (logits? log-likelihoods? unnormalized scores?)`,
      location,
    );
  }
}

/**
 * Softmax of scores (logits, log-likelihoods): exp(s_o - max s) / sum of the same, so that no
 * exponential overflows.
 *
 * @example softmaxOf([0, 0]) // => [0.5, 0.5]
 */
export function softmaxOf(scores: readonly number[]): number[] {
  const top = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - top));
  const sum = exps.reduce((s, v) => s + v, 0);
  return exps.map((e) => e / sum);
}

/** One item as a reader gives it: where it comes from, its options and its correct option. */
export interface ItemInput {
  readonly unit: string;
  readonly key: string;
  readonly options: readonly string[];
  /** The correct option, by name. */
  readonly truth: string;
}

interface ItemEntry {
  item: ProbabilityItem;
  at: InputLocation;
}

interface ObserverEntry {
  graded: boolean | undefined;
  /** Item index -> summed vector and trials. */
  vectors: Map<number, { sum: number[]; trials: number; at: InputLocation }>;
}

/**
 * Collects items and observers' answers from any reader and checks them as they come: an item
 * keeps the options and correct option it was first given (another count or name of options,
 * or another correct option, is an error naming both places); an observer is graded (scores)
 * or not (answers), never both; a graded observer gives one vector per item.
 */
export class ProbabilityTableBuilder {
  private readonly items: ItemEntry[] = [];
  private readonly itemIndex = new Map<string, number>();
  private readonly observers = new Map<string, ObserverEntry>();

  constructor(
    private readonly dataset: string,
    private readonly isHuman: (observer: string) => boolean = () => false,
  ) {}

  /** The item's index, adding it the first time it is seen. */
  item(input: ItemInput, at: InputLocation): number {
    const id = `${input.unit}\u0000${input.key}`;
    const truth = input.options.indexOf(input.truth);
    if (truth < 0) {
      throw new InputError(`the correct option "${input.truth}" is not one of the item's options (${input.options.join(", ")})`, at);
    }
    if (input.options.length < 2)
      throw new InputError(`item "${input.key}" has ${input.options.length} option(s); expected at least 2`, at);
    const known = this.itemIndex.get(id);
    if (known === undefined) {
      this.itemIndex.set(id, this.items.length);
      this.items.push({ item: { unit: input.unit, key: input.key, options: input.options, truth }, at });
      return this.items.length - 1;
    }
    const first = this.items[known];
    const where = describe(first.at);
    if (first.item.options.length !== input.options.length) {
      throw new InputError(
        `item "${input.key}" has ${input.options.length} options here and ${first.item.options.length} at ${where}; expected the same options for every observer`,
        at,
      );
    }
    if (first.item.options.some((o, k) => o !== input.options[k])) {
      throw new InputError(
        `item "${input.key}" has options ${input.options.join(", ")} here and ${first.item.options.join(", ")} at ${where}; expected the same options in the same order`,
        at,
      );
    }
    if (first.item.truth !== truth) {
      throw new InputError(
        `item "${input.key}" has correct option "${input.truth}" here and "${first.item.options[first.item.truth]}" at ${where}`,
        at,
      );
    }
    return known;
  }

  /** A model's probability vector on an item (checked to be one, then divided by its sum). */
  probabilities(observer: string, item: number, values: readonly number[], at: InputLocation): void {
    const { options } = this.items[item].item;
    if (values.length !== options.length)
      throw new InputError(`${values.length} probabilities for an item with ${options.length} options`, at);
    checkProbabilities(values, at, options);
    const entry = this.observer(observer, true, at);
    const seen = entry.vectors.get(item);
    if (seen)
      throw new InputError(
        `a second probability vector of observer "${observer}" for item "${this.items[item].item.key}" (the first at ${describe(seen.at)})`,
        at,
      );
    const total = values.reduce((s, v) => s + v, 0);
    entry.vectors.set(item, { sum: values.map((v) => v / total), trials: 1, at });
  }

  /** One trial's answer on an item: an option's name, or `na` (no answer, chooses no option). */
  answer(observer: string, item: number, response: string, at: InputLocation): void {
    const { options } = this.items[item].item;
    const chosen = response === NO_ANSWER ? -1 : options.indexOf(response);
    if (chosen < 0 && response !== NO_ANSWER)
      throw new InputError(`response "${response}" is not one of the item's options (${options.join(", ")})`, at);
    const entry = this.observer(observer, false, at);
    let vector = entry.vectors.get(item);
    if (!vector) {
      vector = { sum: new Array<number>(options.length).fill(0), trials: 0, at };
      entry.vectors.set(item, vector);
    }
    if (chosen >= 0) vector.sum[chosen]++;
    vector.trials++;
  }

  private observer(name: string, graded: boolean, at: InputLocation): ObserverEntry {
    let entry = this.observers.get(name);
    if (!entry) {
      entry = { graded, vectors: new Map() };
      this.observers.set(name, entry);
    } else if (entry.graded !== graded) {
      throw new InputError(`observer "${name}" has answers and probability vectors; expected one kind per observer`, at);
    }
    return entry;
  }

  build(): ProbabilityTable {
    const items = this.items.map((e) => e.item);
    const offsets = new Int32Array(items.length + 1);
    items.forEach((item, i) => (offsets[i + 1] = offsets[i] + item.options.length));
    const names = [...this.observers.keys()].sort(compareText);
    const observers = names.map((name): ObserverVectors => {
      const entry = this.observers.get(name)!;
      const values = new Float64Array(offsets[items.length]);
      const trials = new Uint32Array(items.length);
      for (const [i, vector] of entry.vectors) {
        trials[i] = vector.trials;
        vector.sum.forEach((v, k) => (values[offsets[i] + k] = entry.graded ? v : v / vector.trials));
      }
      return { name, values, trials, graded: entry.graded ?? false };
    });
    return { dataset: this.dataset, items, offsets, observers, humans: new Set(names.filter(this.isHuman)) };
  }
}

function describe({ file, line }: InputLocation): string {
  return file === undefined ? "another row" : line === undefined ? file : `${file}:${line}`;
}

/** A model's scores on one of its trials' stimuli (a row of `trialwise evaluate --scores`), as probabilities. */
export interface TrialScores {
  readonly observer: string;
  readonly stimulus: string;
  /** The stimulus's true category, as the score file gives it. */
  readonly category: string;
  readonly probabilities: readonly number[];
  /** Category of each probability. */
  readonly categories: readonly string[];
  readonly at: InputLocation;
}

/**
 * The answers of a trial table as shares per option: every item's options are the dataset's
 * categories (the true categories and responses, `na` left out, and the categories of the
 * scores, in code-unit order). Items are matched as the error-consistency pairs match trials
 * ({@link pairTrialMatch}): by stimulus, or by condition and stimulus where an observer has
 * trials under several pooled conditions. Needs each trial's true category and response (not
 * only correctness).
 *
 * An observer with `scores` (rows for observers not in the table are left out) enters with
 * probability vectors instead of its answers: each row matched to the observer's one trial of
 * that stimulus (with the same true category). A row matching no trial, or trials under several
 * conditions, and a trial without a row are errors naming the row or trial.
 */
export function probabilityTableFromTrials(table: TrialTable, byCondition: boolean, scores: readonly TrialScores[] = []): ProbabilityTable {
  const categories = new Set<string>();
  for (let t = 0; t < table.length; t++) {
    const truth = table.truth[t];
    const response = table.response[t];
    if (truth === null || response === null) {
      throw new InputError("response-level metrics need each trial's true category and response (not only --correct-col)", {
        file: table.file[t],
        line: table.line[t],
      });
    }
    categories.add(truth);
    if (response !== NO_ANSWER) categories.add(response);
  }
  const observers = new Set(table.observer);
  const ownScores = scores.filter((row) => observers.has(row.observer));
  for (const row of ownScores) row.categories.forEach((c) => categories.add(c));
  const options = [...categories].sort(compareText);
  const vectors = trialVectors(table, ownScores, options);
  const withCondition = pairTrialMatch(table, byCondition) === "condition and stimulus";
  const builder = new ProbabilityTableBuilder(table.dataset, (o) => table.humans.has(o));
  for (let t = 0; t < table.length; t++) {
    const at = { file: table.file[t], line: table.line[t] };
    const unit = byCondition ? table.condition[t] : NO_CONDITION;
    const key = withCondition ? `${table.condition[t]}/${table.stimulus[t]}` : table.stimulus[t];
    const item = builder.item({ unit, key, options, truth: table.truth[t]! }, at);
    const scored = vectors.get(t);
    if (scored) builder.probabilities(table.observer[t], item, scored.values, scored.at);
    else builder.answer(table.observer[t], item, table.response[t]!, at);
  }
  return builder.build();
}

/** Each scored trial's probabilities in `options` order, checking that rows and trials match one to one. */
function trialVectors(
  table: TrialTable,
  scores: readonly TrialScores[],
  options: readonly string[],
): Map<number, { values: number[]; at: InputLocation }> {
  const vectors = new Map<number, { values: number[]; at: InputLocation }>();
  if (scores.length === 0) return vectors;
  const scored = new Set(scores.map((row) => row.observer));
  const trialsOf = new Map<string, number[]>();
  for (let t = 0; t < table.length; t++) {
    if (!scored.has(table.observer[t])) continue;
    const id = `${table.observer[t]}\u0000${table.stimulus[t]}`;
    const list = trialsOf.get(id);
    if (list) list.push(t);
    else trialsOf.set(id, [t]);
  }
  for (const row of scores) {
    const trials = trialsOf.get(`${row.observer}\u0000${row.stimulus}`) ?? [];
    if (trials.length === 0)
      throw new InputError(
        `scores of "${row.observer}" for stimulus "${row.stimulus}", which "${row.observer}" has no trial of in dataset "${table.dataset}"`,
        row.at,
      );
    if (trials.length > 1) {
      const conditions = trials.map((t) => `"${table.condition[t]}"`).join(", ");
      throw new InputError(
        `stimulus "${row.stimulus}" has trials of "${row.observer}" under conditions ${conditions}; a score row without a condition cannot be matched to one`,
        row.at,
      );
    }
    const t = trials[0];
    if (table.truth[t] !== row.category)
      throw new InputError(
        `category "${row.category}" here, "${table.truth[t]}" in the trial at ${table.file[t]}:${table.line[t]}`,
        row.at,
      );
    const earlier = vectors.get(t);
    if (earlier)
      throw new InputError(
        `a second score row of "${row.observer}" for stimulus "${row.stimulus}" (the first at ${describe(earlier.at)})`,
        row.at,
      );
    const values = options.map((name) => {
      const k = row.categories.indexOf(name);
      if (k < 0)
        throw new InputError(`no score for category "${name}", a category of the trials; expected a score for every category`, row.at);
      return row.probabilities[k];
    });
    vectors.set(t, { values, at: row.at });
  }
  for (let t = 0; t < table.length; t++) {
    if (scored.has(table.observer[t]) && !vectors.has(t)) {
      const missing = [...Array(table.length).keys()].filter((u) => table.observer[u] === table.observer[t] && !vectors.has(u)).length;
      throw new InputError(
        `${missing} trial(s) of "${table.observer[t]}" have no scores, e.g. stimulus "${table.stimulus[t]}" here; expected scores for every trial of an observer with a score file`,
        { file: table.file[t], line: table.line[t] },
      );
    }
  }
  return vectors;
}

/** The unit names of a table's items, in code-unit order. */
export function probabilityUnits(table: ProbabilityTable): string[] {
  return [...new Set(table.items.map((i) => i.unit))].sort(compareText);
}
