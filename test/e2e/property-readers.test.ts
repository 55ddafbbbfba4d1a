/**
 * Property-based tests of the readers through the CLI (`observers`, `pairs`): random valid
 * datasets (model-vs-human schema, long-format CSV, JSON Lines) in every layout, style and
 * encoding the README allows give exactly the numbers of an independent reference written
 * here; random corruptions of them either give the numbers of what the corrupted file still
 * means, or exit 1 with a message naming the file and the line (and column where there is one).
 * Never a stack trace, never a file left in the output folder after a failure, never a changed
 * input. Seed: TRIALWISE_PROPERTY_SEED; more runs: TRIALWISE_PROPERTY_RUNS (a factor).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { seededRandom } from "../helpers.ts";
import {
  type CliOutcome,
  CliSandbox,
  checkWellBehaved,
  commandLine,
  parseOutputCsv,
  propertyParameters,
  sameSnapshot,
  showBytes,
  snapshot,
} from "./property-support.ts";

// ---------------------------------------------------------------------------------------------
// What a file means: a header and rows of values, each row with its line number.

/** One data file as the reference reads it. */
interface MeaningFile {
  path: string;
  header: string[];
  rows: string[][];
  lines: number[];
}

interface MeaningDataset {
  name: string;
  /** The dataset's folder in a collection (for "left out" and "no data" rules), else undefined. */
  files: MeaningFile[];
}

/** How trials are read: the model-vs-human schema, or the long format with named columns. */
type Format =
  | { kind: "geirhos" }
  | { kind: "long"; observer: string; stimulus: string; truth?: string; response?: string; correct?: string; condition?: string };

interface Flags {
  by: boolean;
  mismatch: "identical" | "intersect" | "strict";
  undefinedKappa: "undefined" | "one";
  observers?: string[];
  humanPattern?: string;
  output: "json" | "csv";
}

/** Where an error message may point: a file (and line, and one of some columns), or a dataset's pair. */
interface Location {
  file?: string;
  line?: number;
  lineAtLeast?: number;
  columns?: string[];
  dataset?: string;
  observers?: string[];
}

interface ObserverRow {
  dataset: string;
  condition: string;
  observer: string;
  kind: "human" | "model";
  n_trials: number;
  n_correct: number;
  n_na: number;
  accuracy: number;
}

interface PairRow {
  dataset: string;
  condition: string;
  observer1: string;
  observer2: string;
  pair_type: string;
  n_trials: number;
  n_both_correct: number;
  n_both_wrong: number;
  acc1: number;
  acc2: number;
  c_obs: number;
  c_exp: number;
  kappa: number | null;
  kappa_min: number | null;
  kappa_max: number | null;
}

interface Mismatch {
  dataset: string;
  condition: string;
  observer1: string;
  observer2: string;
  n_common: number;
  n_only_observer1: number;
  n_only_observer2: number;
}

interface PairsReference {
  pairs: PairRow[];
  skipped: Mismatch[];
  intersected: Mismatch[];
  undefinedKappa: number;
}

/** Results, or where reading fails, or a flag that names something the data lacks (exit 2). */
type Reference<T> = Outcome<T> | { usage: string };
/** Results, or where reading fails. */
type Outcome<T> = { ok: T } | { errors: Location[] };

// ---------------------------------------------------------------------------------------------
// The reference: README's rules, written out plainly.

/** README: split on `_`; none: the whole name; second-to-last piece starting `n0`: the last two; else the last. */
function referenceStimulusId(imagename: string): string {
  const pieces = imagename.split("_");
  if (pieces.length === 1) return imagename;
  const [secondToLast, last] = pieces.slice(-2);
  return secondToLast.startsWith("n0") ? `${secondToLast}_${last}` : last;
}

interface Trial {
  observer: string;
  condition: string;
  stimulus: string;
  correct: boolean;
  na: boolean;
  file: string;
  line: number;
}

const GEIRHOS_USED = ["subj", "object_response", "category", "condition", "imagename"];

function usedColumns(format: Format): string[] {
  if (format.kind === "geirhos") return GEIRHOS_USED;
  return [format.observer, format.stimulus, format.truth, format.response, format.correct, format.condition].filter(
    (c): c is string => c !== undefined,
  );
}

function columnIndex(file: MeaningFile, name: string): number {
  return file.header.findIndex((h) => h.trim().toLowerCase() === name.trim().toLowerCase());
}

/** The trials of a dataset, or every place where reading it fails. */
function readTrials(dataset: MeaningDataset, format: Format): Outcome<Trial[]> {
  const errors: Location[] = [];
  const trials: Trial[] = [];
  const seen = new Map<string, number>();
  for (const file of dataset.files) {
    const used = usedColumns(format);
    const missing = used.filter((c) => columnIndex(file, c) < 0);
    if (missing.length > 0) {
      errors.push({ file: file.path, line: 1 });
      continue;
    }
    const at = (name: string) => columnIndex(file, name);
    file.rows.forEach((row, r) => {
      const line = file.lines[r];
      const empty = used.filter((c) => (row[at(c)] ?? "").trim() === "");
      if (empty.length > 0) {
        errors.push({ file: file.path, line, columns: empty.map((c) => file.header[at(c)]) });
        return;
      }
      let trial: Omit<Trial, "file" | "line">;
      if (format.kind === "geirhos") {
        const response = row[at("object_response")];
        trial = {
          observer: row[at("subj")],
          condition: row[at("condition")],
          stimulus: referenceStimulusId(row[at("imagename")]),
          correct: response === row[at("category")],
          na: response === "na",
        };
      } else {
        let correct: boolean;
        let na = false;
        if (format.correct !== undefined) {
          const value = row[at(format.correct)].trim().toLowerCase();
          if (value !== "1" && value !== "0" && value !== "true" && value !== "false") {
            errors.push({ file: file.path, line, columns: [file.header[at(format.correct)]] });
            return;
          }
          correct = value === "1" || value === "true";
        } else {
          const response = row[at(format.response!)];
          correct = response === row[at(format.truth!)];
          na = response === "na";
        }
        trial = {
          observer: row[at(format.observer)],
          condition: format.condition === undefined ? "all" : row[at(format.condition)],
          stimulus: row[at(format.stimulus)],
          correct,
          na,
        };
      }
      const key = JSON.stringify([trial.observer, trial.condition, trial.stimulus]);
      if (seen.has(key)) {
        errors.push({ file: file.path, line });
        return;
      }
      seen.set(key, trials.length);
      trials.push({ ...trial, file: file.path, line });
    });
  }
  return errors.length > 0 ? { errors } : { ok: trials };
}

/** Datasets that take part: in a collection, a folder none of whose files has the columns is left out. */
function presentDatasets(datasets: MeaningDataset[], format: Format, collectionRoot: string | undefined): Outcome<MeaningDataset[]> {
  if (collectionRoot === undefined) return { ok: datasets };
  const kept = datasets.filter((d) => d.files.some((f) => usedColumns(format).every((c) => columnIndex(f, c) >= 0)));
  return kept.length > 0 ? { ok: kept } : { errors: [{ file: collectionRoot }] };
}

const codeUnitOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isHuman(name: string, pattern: string | undefined): boolean {
  return new RegExp(pattern ?? "subject").test(name);
}

function units(trials: Trial[], byCondition: boolean): [string, Trial[]][] {
  if (!byCondition) return [["all", trials]];
  const conditions = [...new Set(trials.map((t) => t.condition))].sort(codeUnitOrder);
  return conditions.map((c) => [c, trials.filter((t) => t.condition === c)]);
}

function referenceObservers(datasets: MeaningDataset[], format: Format, flags: Flags, root: string | undefined): Reference<ObserverRow[]> {
  const present = presentDatasets(datasets, format, root);
  if ("errors" in present) return present;
  const rows: ObserverRow[] = [];
  const errors: Location[] = [];
  for (const dataset of present.ok) {
    const read = readTrials(dataset, format);
    if ("errors" in read) {
      errors.push(...read.errors);
      continue;
    }
    for (const [condition, trials] of units(read.ok, flags.by)) {
      const names = [...new Set(trials.map((t) => t.observer))].sort(codeUnitOrder);
      for (const observer of names) {
        const own = trials.filter((t) => t.observer === observer);
        const correct = own.filter((t) => t.correct).length;
        rows.push({
          dataset: dataset.name,
          condition,
          observer,
          kind: isHuman(observer, flags.humanPattern) ? "human" : "model",
          n_trials: own.length,
          n_correct: correct,
          n_na: own.filter((t) => t.na).length,
          accuracy: correct / own.length,
        });
      }
    }
  }
  return errors.length > 0 ? { errors } : { ok: rows };
}

/** README's formulas for one pair from its 2x2 counts. */
function pairNumbers(n: number, k1: number, k2: number, both: number, policy: Flags["undefinedKappa"]) {
  const p1 = k1 / n;
  const p2 = k2 / n;
  const bothWrong = n - k1 - k2 + both;
  const cObs = (both + bothWrong) / n;
  const cExp = p1 * p2 + (1 - p1) * (1 - p2);
  const undefinedKappa = (k1 === n && k2 === n) || (k1 === 0 && k2 === 0);
  const kappaOf = (c: number) => (undefinedKappa ? null : (c - cExp) / (1 - cExp));
  const cMax = Math.min(p1, p2) + Math.min(1 - p1, 1 - p2);
  const cMin = 1 - (Math.min(p1, 1 - p2) + Math.min(1 - p1, p2));
  return {
    n_trials: n,
    n_both_correct: both,
    n_both_wrong: bothWrong,
    acc1: p1,
    acc2: p2,
    c_obs: cObs,
    c_exp: cExp,
    kappa: undefinedKappa && policy === "one" ? 1 : kappaOf(cObs),
    kappa_min: kappaOf(cMin),
    kappa_max: kappaOf(cMax),
    undefinedKappa,
  };
}

function referencePairs(datasets: MeaningDataset[], format: Format, flags: Flags, root: string | undefined): Reference<PairsReference> {
  const present = presentDatasets(datasets, format, root);
  if ("errors" in present) return present;
  const result: PairsReference = { pairs: [], skipped: [], intersected: [], undefinedKappa: 0 };
  const readErrors: Location[] = [];
  const pairErrors: Location[] = [];
  const keep = flags.observers && new Set(flags.observers);
  const known = new Set<string>();
  for (const dataset of present.ok) {
    const read = readTrials(dataset, format);
    if ("errors" in read) {
      readErrors.push(...read.errors);
      continue;
    }
    // Pooled, trials are matched within conditions where some observer of the dataset has several (issue 14), else by stimulus.
    const conditionsOf = new Map<string, Set<string>>();
    for (const t of read.ok) conditionsOf.set(t.observer, (conditionsOf.get(t.observer) ?? new Set()).add(t.condition));
    const withinConditions = !flags.by && [...conditionsOf.values()].some((c) => c.size > 1);
    for (const [condition, trials] of units(read.ok, flags.by)) {
      for (const t of trials) known.add(t.observer);
      const names = [...new Set(trials.map((t) => t.observer))].filter((o) => !keep || keep.has(o)).sort(codeUnitOrder);
      const outcomes = new Map<string, Map<string, boolean>>();
      for (const name of names) {
        const byStimulus = new Map<string, boolean>();
        for (const t of trials.filter((u) => u.observer === name))
          byStimulus.set(withinConditions ? JSON.stringify([t.condition, t.stimulus]) : t.stimulus, t.correct);
        outcomes.set(name, byStimulus);
      }
      for (let i = 0; i < names.length; i++) {
        for (let j = i + 1; j < names.length; j++) {
          const a = outcomes.get(names[i])!;
          const b = outcomes.get(names[j])!;
          const common = [...a.keys()].filter((s) => b.has(s));
          const mismatch: Mismatch = {
            dataset: dataset.name,
            condition,
            observer1: names[i],
            observer2: names[j],
            n_common: common.length,
            n_only_observer1: a.size - common.length,
            n_only_observer2: b.size - common.length,
          };
          if (mismatch.n_only_observer1 + mismatch.n_only_observer2 > 0) {
            if (flags.mismatch === "strict") {
              pairErrors.push({ dataset: dataset.name, observers: [names[i], names[j]] });
              continue;
            }
            if (flags.mismatch === "identical" || common.length === 0) {
              result.skipped.push(mismatch);
              continue;
            }
            result.intersected.push(mismatch);
          }
          const k1 = common.filter((s) => a.get(s)).length;
          const k2 = common.filter((s) => b.get(s)).length;
          const both = common.filter((s) => a.get(s) && b.get(s)).length;
          const { undefinedKappa, ...numbers } = pairNumbers(common.length, k1, k2, both, flags.undefinedKappa);
          if (undefinedKappa) result.undefinedKappa++;
          const humans = [names[i], names[j]].filter((o) => isHuman(o, flags.humanPattern)).length;
          result.pairs.push({
            dataset: dataset.name,
            condition,
            observer1: names[i],
            observer2: names[j],
            pair_type: humans === 2 ? "human-human" : humans === 1 ? "model-human" : "model-model",
            ...numbers,
          });
        }
      }
    }
  }
  if (readErrors.length > 0) return { errors: readErrors };
  // --observers must name observers of the data (as read: a corruption may have renamed one).
  if (flags.observers?.some((o) => !known.has(o))) return { usage: "--observers" };
  if (pairErrors.length > 0) return { errors: pairErrors };
  return { ok: result };
}

// ---------------------------------------------------------------------------------------------
// Writing a meaning as bytes: CSV in every allowed style, or JSON Lines.

interface CsvStyle {
  eol: "\n" | "\r\n" | "\r";
  encoding: "utf8" | "utf16le" | "utf16be";
  bom: boolean;
  quoting: "minimal" | "all" | "some";
  finalEol: boolean;
  blankLines: boolean;
}

/** A rendered file: its text, and per record (header first) its line and the text span of each field. */
interface Rendered {
  text: string;
  /** Line of each record (index 0: the header). */
  lines: number[];
  /** [start, end) of each field's text, quotes included, per record. */
  fields: [number, number][][];
  quoted: boolean[][];
}

function needsQuotes(value: string): boolean {
  return /[",\r\n]/.test(value) || value !== value.trim();
}

function renderCsv(header: string[], rows: string[][], style: CsvStyle, random: () => number): Rendered {
  let text = "";
  let line = 1;
  const lines: number[] = [];
  const fields: [number, number][][] = [];
  const quoted: boolean[][] = [];
  [header, ...rows].forEach((record, k) => {
    if (k > 0) {
      text += style.eol;
      line++;
      if (style.blankLines && random() < 0.25) {
        text += style.eol;
        line++;
      }
    }
    lines.push(line);
    const spans: [number, number][] = [];
    const quotes: boolean[] = [];
    record.forEach((value, f) => {
      if (f > 0) text += ",";
      const quote = needsQuotes(value) || style.quoting === "all" || (style.quoting === "some" && random() < 0.3);
      const body = value.replace(/\n/g, style.eol);
      const start = text.length;
      text += quote ? `"${body.replace(/"/g, '""')}"` : body;
      spans.push([start, text.length]);
      quotes.push(quote);
      line += body.split(style.eol).length - 1;
    });
    fields.push(spans);
    quoted.push(quotes);
  });
  if (style.finalEol) text += style.eol;
  if (style.blankLines && random() < 0.5) text += style.eol + style.eol;
  return { text, lines, fields, quoted };
}

function encode(text: string, encoding: CsvStyle["encoding"], bom: boolean): Uint8Array {
  if (encoding === "utf8") return Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, "utf8")]);
  const le = Buffer.from(text, "utf16le");
  if (encoding === "utf16le") return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.from(le);
  be.swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
}

// ---------------------------------------------------------------------------------------------
// Random valid datasets.

const CATEGORIES = [
  "airplane",
  "bear",
  "bicycle",
  "bird",
  "boat",
  "bottle",
  "car",
  "cat",
  "chair",
  "clock",
  "dog",
  "elephant",
  "keyboard",
  "knife",
  "oven",
  "truck",
];
const HUMANS = ["subject-01", "subject-02", "subject-03", "subject-04", "subject-05", "subject-10", "mysubjective"];
/** Models, some named to catch naive rules: case (SUBJECT is not subject), commas, quotes, non-ASCII. */
const MODELS = [
  "alexnet",
  "resnet50",
  "vgg16-bn",
  "cornet-s",
  "Subject-99",
  "SUBJECT-07",
  "model, v2",
  'say "cheese"',
  "modèle-ä",
  "模型",
  "na",
  "NaN",
];
const CONDITIONS = ["0", "NaN", "c1", "inf", "30", "all", "1.5"];
/** Pieces of imagename prefixes; none starts with n0 (that would make an ImageNet id). */
const PREFIX_PIECES = ["0001", "cc", "s01", "0", "bird", "00", "dl", "hp", "inf", "n1", "x"];

interface GeirhosParams {
  seed: number;
  observers: number;
  stimuli: number;
  conditions: number;
  conditionPerTrial: boolean;
  partialSets: boolean;
  repeat: boolean;
  stimulusKind: "cue" | "imagenet" | "plain";
  dropOptional: boolean;
  extraColumn: boolean;
  shuffleColumns: boolean;
  headerCase: "lower" | "upper" | "title" | "mixed";
  shuffleRows: boolean;
}

const geirhosParams: fc.Arbitrary<GeirhosParams> = fc.record({
  seed: fc.nat(),
  observers: fc.integer({ min: 1, max: 5 }),
  stimuli: fc.integer({ min: 1, max: 6 }),
  conditions: fc.integer({ min: 1, max: 3 }),
  conditionPerTrial: fc.boolean(),
  partialSets: fc.boolean(),
  repeat: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  stimulusKind: fc.constantFrom("cue", "imagenet", "plain"),
  dropOptional: fc.boolean(),
  extraColumn: fc.boolean(),
  shuffleColumns: fc.boolean(),
  headerCase: fc.constantFrom("lower", "upper", "title", "mixed"),
  shuffleRows: fc.boolean(),
});

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function caseVariant(name: string, how: GeirhosParams["headerCase"], random: () => number): string {
  if (how === "upper") return name.toUpperCase();
  if (how === "title") return name[0].toUpperCase() + name.slice(1);
  if (how === "mixed") return [...name].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join("");
  return name;
}

/** A dataset's trials in the model-vs-human schema: header and rows. */
function geirhosTable(p: GeirhosParams, salt: number): { header: string[]; rows: string[][] } {
  const random = seededRandom(p.seed * 7919 + salt);
  const observers = shuffle(random, [...HUMANS, ...MODELS]).slice(0, p.observers);
  const conditions = shuffle(random, [...CONDITIONS]).slice(0, p.conditions);
  const stimuli = Array.from({ length: p.stimuli }, (_, s) => {
    const shape = pick(random, CATEGORIES);
    const id =
      p.stimulusKind === "cue"
        ? `${shape}${s + 1}-${pick(random, CATEGORIES)}${s + 2}.png`
        : p.stimulusKind === "imagenet"
          ? `n0${1000000 + s * 7}_${s + 10}.JPEG`
          : `img${s + 1}.png`;
    return { id, category: shape, condition: pick(random, conditions) };
  });
  const imagename = (id: string, trial: number) => {
    const pieces = Array.from({ length: Math.floor(random() * 4) }, () => pick(random, PREFIX_PIECES));
    if (pieces.length > 0) pieces[0] = String(trial).padStart(4, "0");
    const name = [...pieces, id].join("_");
    assert.equal(referenceStimulusId(name), id, "the generator's imagename keeps its stimulus id");
    return name;
  };
  const response = (category: string) => {
    const r = random();
    if (r < 0.55) return category;
    if (r < 0.75)
      return pick(
        random,
        CATEGORIES.filter((c) => c !== category),
      );
    if (r < 0.85) return "na";
    if (r < 0.92) return "NaN";
    return category.toUpperCase();
  };
  const trials: { subj: string; condition: string; stimulus: (typeof stimuli)[number] }[] = [];
  for (const subj of observers) {
    const seen = stimuli.filter(() => !p.partialSets || random() < 0.7);
    for (const stimulus of seen.length > 0 ? seen : [stimuli[0]]) {
      trials.push({ subj, condition: p.conditionPerTrial ? pick(random, conditions) : stimulus.condition, stimulus });
    }
  }
  if (p.repeat) {
    // One observer sees a stimulus again: in another condition a second trial (pooled: matched within conditions); in the same one a duplicate.
    const again = pick(random, trials);
    trials.push({ ...again, condition: pick(random, conditions) });
  }
  if (p.shuffleRows) shuffle(random, trials);
  const schema = ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"];
  let columns = p.dropOptional ? schema.filter((c) => !["session", "trial", "rt"].includes(c) || random() < 0.5) : [...schema];
  if (p.extraColumn) columns.push("notes");
  if (p.shuffleColumns) columns = shuffle(random, columns);
  const rows = trials.map((t, k) => {
    const value: Record<string, string> = {
      subj: t.subj,
      session: "1",
      trial: String(k + 1),
      rt: random() < 0.5 ? "NaN" : (200 + random() * 800).toFixed(2),
      object_response: response(t.stimulus.category),
      category: t.stimulus.category,
      condition: t.condition,
      imagename: imagename(t.stimulus.id, k + 1),
      notes: pick(random, ["ok", "two\nlines", 'said "hm", then left', "é"]),
    };
    return columns.map((c) => value[c]);
  });
  return { header: columns.map((c) => caseVariant(c, p.headerCase, random)), rows };
}

interface LongParams {
  seed: number;
  observers: number;
  stimuli: number;
  byCorrectness: boolean;
  conditionColumn: boolean;
  partialSets: boolean;
  jsonLines: boolean;
}

const longParams: fc.Arbitrary<LongParams> = fc.record({
  seed: fc.nat(),
  observers: fc.integer({ min: 1, max: 5 }),
  stimuli: fc.integer({ min: 1, max: 6 }),
  byCorrectness: fc.boolean(),
  conditionColumn: fc.boolean(),
  partialSets: fc.boolean(),
  jsonLines: fc.boolean(),
});

/** A long-format dataset: its column names (as flags name them and as the header writes them) and rows. */
function longTable(
  p: LongParams,
  salt: number,
): { format: Extract<Format, { kind: "long" }>; header: string[]; rows: string[][]; jsonValues: unknown[][] } {
  // Column names from the seed alone: both datasets of a collection have the columns the flags name.
  const naming = seededRandom(p.seed);
  const random = seededRandom(p.seed * 104729 + salt);
  const pickName = (options: string[]) => pick(naming, options);
  const names = {
    observer: pickName(["who", "model", "Observer", "participant id"]),
    stimulus: pickName(["stim", "image", "Stimulus", "file"]),
    truth: pickName(["truth", "label", "Target"]),
    response: pickName(["resp", "answer", "Choice"]),
    correct: pickName(["hit", "correct", "Is_Correct"]),
    condition: pickName(["cond", "noise", "Condition"]),
  };
  const format: Extract<Format, { kind: "long" }> = { kind: "long", observer: names.observer, stimulus: names.stimulus };
  if (p.byCorrectness) format.correct = names.correct;
  else {
    format.truth = names.truth;
    format.response = names.response;
  }
  if (p.conditionColumn) format.condition = names.condition;
  const observers = shuffle(random, [...HUMANS, ...MODELS]).slice(0, p.observers);
  const stimuli = Array.from({ length: p.stimuli }, (_, s) => ({
    id: pick(random, [`img_${s}.png`, `s${s}`, `${s}`, `n0_${s}_x`, `stimulus ${s}`, `ü-${s}`]),
    truth: pick(random, CATEGORIES),
    condition: pick(random, CONDITIONS),
  }));
  let columns = [
    format.observer,
    format.stimulus,
    ...(p.byCorrectness ? [names.correct] : [names.truth, names.response]),
    ...(p.conditionColumn ? [names.condition] : []),
  ];
  if (random() < 0.5) columns.push("extra");
  columns = shuffle(random, columns);
  const rows: string[][] = [];
  const jsonValues: unknown[][] = [];
  for (const observer of observers) {
    const seen = stimuli.filter(() => !p.partialSets || random() < 0.7);
    for (const s of seen.length > 0 ? seen : [stimuli[0]]) {
      const correct = random() < 0.6;
      const response = correct
        ? s.truth
        : random() < 0.5
          ? "na"
          : pick(
              random,
              CATEGORIES.filter((c) => c !== s.truth),
            );
      const hit = pick(random, correct ? ["1", "true", "TRUE", "True", 1, true] : ["0", "false", "FALSE", 0, false]);
      const value: Record<string, unknown> = {
        [format.observer]: observer,
        [format.stimulus]: s.id,
        [names.correct]: hit,
        [names.truth]: s.truth,
        [names.response]: response,
        [names.condition]: s.condition,
        extra: pick(random, ["x", 3.5, "a,b", null]),
      };
      jsonValues.push(columns.map((c) => value[c]));
      rows.push(columns.map((c) => (value[c] === null ? "" : String(value[c]))));
    }
  }
  // Column names compare case-insensitively: the header may spell them otherwise than the flags.
  const header = random() < 0.3 ? columns.map((c) => c.toUpperCase()) : columns;
  return { format, header, rows, jsonValues };
}

function renderJsonLines(header: string[], values: unknown[][], eol: CsvStyle["eol"], random: () => number): Rendered {
  let text = "";
  let line = 1;
  const lines: number[] = [];
  const fields: [number, number][][] = [];
  values.forEach((record, k) => {
    if (k > 0) {
      text += eol;
      line++;
      if (random() < 0.15) {
        text += eol;
        line++;
      }
    }
    lines.push(line);
    const start = text.length;
    // A key with a null value still names a column (an empty field).
    text += JSON.stringify(Object.fromEntries(header.map((h, i) => [h, record[i]])));
    fields.push([[start, text.length]]);
  });
  text += eol;
  return { text, lines, fields, quoted: [] };
}

// ---------------------------------------------------------------------------------------------
// A scenario: datasets written as files in a layout, read with some flags.

type Layout = "file" | "folder" | "collection";

interface WrittenFile {
  /** Path relative to the scenario's input folder. */
  relative: string;
  bytes: Uint8Array;
  /** A symbolic link to this path (relative to the input folder) instead of bytes. */
  linkTo?: string;
}

interface Scenario {
  files: WrittenFile[];
  /** The path given to the CLI, relative to the input folder. */
  target: string;
  format: Format;
  flags: Flags;
  /** What the input means: the datasets with their files (paths relative; made absolute when run). */
  meaning: MeaningDataset[] | null;
  /** The input cannot be read as anything: the run must fail at `allowed`. */
  collectionRoot?: string;
  /** Where else an error may be located (the corruption's place). */
  allowed: Location[];
  /** What was done to the input, for the report. */
  note: string;
  /** How fast-check prints the scenario as a counterexample. */
  [fc.toStringMethod]?: () => string;
}

const flagsArbitrary: fc.Arbitrary<Omit<Flags, "observers"> & { filter: boolean }> = fc.record({
  by: fc.boolean(),
  mismatch: fc.constantFrom("identical", "intersect", "strict"),
  undefinedKappa: fc.constantFrom("undefined", "one"),
  filter: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  humanPattern: fc.option(fc.constantFrom("^subject", "SUBJECT|modèle", "(?:)", "^[^a]"), { nil: undefined, freq: 4 }),
  output: fc.constantFrom("json", "csv"),
});

const styleArbitrary: fc.Arbitrary<CsvStyle> = fc.record({
  eol: fc.constantFrom("\n", "\r\n", "\r"),
  encoding: fc.oneof(
    { weight: 4, arbitrary: fc.constant("utf8" as const) },
    { weight: 1, arbitrary: fc.constantFrom("utf16le" as const, "utf16be" as const) },
  ),
  bom: fc.boolean(),
  quoting: fc.constantFrom("minimal", "all", "some"),
  finalEol: fc.boolean(),
  blankLines: fc.boolean(),
});

const layoutArbitrary = fc.record({
  layout: fc.constantFrom<Layout>("file", "folder", "collection"),
  filesPerDataset: fc.integer({ min: 1, max: 3 }),
  upperExtension: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  distractor: fc.boolean(),
});

/** One file's text, before encoding, with where each record and field is. */
interface SourceFile {
  relative: string;
  header: string[];
  rows: string[][];
  rendered: Rendered;
  style: CsvStyle;
  jsonLines: boolean;
}

/**
 * Lays datasets out as files: one file (layout "file"), one folder of files, or a collection
 * of folders. Rows are split over a dataset's files in blocks, so each file has a header.
 */
function layOut(
  tables: { header: string[]; rows: string[][]; jsonValues?: unknown[][] }[],
  layout: typeof layoutArbitrary extends fc.Arbitrary<infer L> ? L : never,
  style: CsvStyle,
  jsonLines: boolean,
  random: () => number,
): { sources: SourceFile[]; target: string; datasetNames: string[]; collection: boolean } {
  const sources: SourceFile[] = [];
  const ext = jsonLines ? (random() < 0.5 ? ".jsonl" : ".ndjson") : layout.upperExtension ? ".CSV" : ".csv";
  const datasetNames =
    layout.layout === "collection"
      ? tables.map((_, d) => ["ds-a", "ds b", "ds-ç"][d])
      : [layout.layout === "file" ? "my trials" : "dataset"];
  const used = layout.layout === "collection" ? tables : tables.slice(0, 1);
  used.forEach((table, d) => {
    const folder = layout.layout === "collection" ? `root/${datasetNames[d]}` : layout.layout === "folder" ? "dataset" : "";
    const parts = layout.layout === "file" ? 1 : Math.min(layout.filesPerDataset, Math.max(1, table.rows.length));
    const size = Math.ceil(table.rows.length / parts);
    for (let k = 0; k < parts; k++) {
      const rows = table.rows.slice(k * size, (k + 1) * size);
      const values = table.jsonValues?.slice(k * size, (k + 1) * size);
      if (rows.length === 0) continue;
      const name = layout.layout === "file" ? `my trials${ext}` : `part-${k + 1}${ext}`;
      const rendered = jsonLines ? renderJsonLines(table.header, values!, style.eol, random) : renderCsv(table.header, rows, style, random);
      sources.push({ relative: folder ? `${folder}/${name}` : name, header: table.header, rows, rendered, style, jsonLines });
    }
    if (layout.distractor && folder)
      sources.push({
        relative: `${folder}/README.txt`,
        header: [],
        rows: [],
        rendered: { text: "not data\n", lines: [], fields: [], quoted: [] },
        style,
        jsonLines: false,
      });
  });
  const target = layout.layout === "collection" ? "root" : layout.layout === "folder" ? "dataset" : sources[0].relative;
  return { sources, target, datasetNames, collection: layout.layout === "collection" };
}

function isData(source: SourceFile): boolean {
  return !source.relative.endsWith(".txt");
}

/** The meaning of laid-out sources: per dataset its data files, sorted by name as a folder lists them. */
function meaningOf(sources: SourceFile[], datasetNames: string[], collection: boolean, layout: Layout): MeaningDataset[] {
  return datasetNames.map((name) => {
    const files = sources
      .filter((s) => isData(s) && (!collection || s.relative.startsWith(`root/${name}/`)))
      .sort((a, b) => codeUnitOrder(a.relative, b.relative))
      .map((s) => ({
        path: s.relative,
        header: s.jsonLines ? s.header : s.header.map((h) => h.trim()),
        rows: s.rows.map((r) => (s.jsonLines ? r : r.map((v) => v.trim()))),
        lines: s.rendered.lines.slice(s.jsonLines ? 0 : 1),
      }));
    return { name: layout === "file" ? name : name, files };
  });
}

// ---------------------------------------------------------------------------------------------
// Running a scenario through the CLI and comparing with the reference.

const sandbox = new CliSandbox();
let workRoot: string;

function flagArgs(format: Format, flags: Flags, command: "observers" | "pairs"): string[] {
  const args: string[] = [];
  if (format.kind === "long") {
    args.push("--observer-col", format.observer, "--stimulus-col", format.stimulus);
    if (format.correct !== undefined) args.push("--correct-col", format.correct);
    else args.push("--truth-col", format.truth!, "--response-col", format.response!);
    if (format.condition !== undefined) args.push("--condition-col", format.condition);
  }
  if (flags.humanPattern !== undefined) args.push("--human-pattern", flags.humanPattern);
  if (flags.by) args.push("--by", "condition");
  if (command === "pairs") {
    if (flags.mismatch !== "identical") args.push(`--${flags.mismatch}`);
    if (flags.undefinedKappa === "one") args.push("--undefined-kappa", "one");
    if (flags.observers) args.push("--observers", flags.observers.join(","));
  }
  return args;
}

/** Whether an error line is located at `location` (its file an absolute path). */
function matches(line: string, location: Location): boolean {
  const prefix = "trialwise: error: ";
  if (!line.startsWith(prefix)) return false;
  const message = line.slice(prefix.length);
  if (location.file !== undefined) {
    const file = location.file;
    if (!message.startsWith(file)) return false;
    const rest = message.slice(file.length);
    if (location.line !== undefined && !rest.startsWith(`:${location.line}: `)) return false;
    if (location.lineAtLeast !== undefined) {
      const found = /^:(\d+): /.exec(rest);
      if (!found || Number(found[1]) < location.lineAtLeast) return false;
    }
    if (location.line === undefined && location.lineAtLeast === undefined && !/^[:\s]/.test(rest)) return false;
  }
  if (location.columns && !location.columns.some((c) => message.toLowerCase().includes(`column "${c.toLowerCase()}"`))) return false;
  if (location.dataset !== undefined && !message.includes(`dataset "${location.dataset}"`)) return false;
  if (location.observers && !location.observers.every((o) => message.includes(`"${o}"`))) return false;
  return true;
}

function near(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-12;
}

function compareRows<T extends object>(actual: T[], expected: T[], key: (row: T) => string, what: string): void {
  const byKey = (rows: T[]) => new Map(rows.map((r) => [key(r), r]));
  const a = byKey(actual);
  const e = byKey(expected);
  assert.equal(a.size, actual.length, `${what}: rows repeated in the output`);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), `${what}: which rows`);
  for (const [k, want] of e) {
    const got = a.get(k)! as Record<string, unknown>;
    for (const [field, value] of Object.entries(want)) {
      const ok =
        typeof value === "number" || value === null ? near(got[field] as number | null, value as number | null) : got[field] === value;
      assert.ok(ok, `${what} ${k}: ${field} is ${JSON.stringify(got[field])}, expected ${JSON.stringify(value)}`);
    }
  }
}

const NUMBER_FIELDS = new Set([
  "n_trials",
  "n_correct",
  "n_na",
  "accuracy",
  "n_both_correct",
  "n_both_wrong",
  "acc1",
  "acc2",
  "c_obs",
  "c_exp",
  "kappa",
  "kappa_min",
  "kappa_max",
]);

function fromCsv(text: string): Record<string, unknown>[] {
  return parseOutputCsv(text).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, NUMBER_FIELDS.has(k) ? (v === "" ? null : Number(v)) : v])),
  );
}

/** Runs `observers` and `pairs` on a scenario written under a fresh folder and checks every rule. */
async function checkScenario(scenario: Scenario): Promise<void> {
  const dir = await mkdtemp(join(workRoot, "case-"));
  try {
    const input = join(dir, "in");
    for (const file of scenario.files) {
      const path = join(input, file.relative);
      await mkdir(join(path, ".."), { recursive: true });
      if (file.linkTo !== undefined) await symlink(join(input, file.linkTo), path);
      else await writeFile(path, file.bytes);
    }
    const before = await snapshot(input);
    const absolute = (d: MeaningDataset[]) => d.map((ds) => ({ ...ds, files: ds.files.map((f) => ({ ...f, path: join(input, f.path) })) }));
    const meaning = scenario.meaning && absolute(scenario.meaning);
    const root = scenario.collectionRoot === undefined ? undefined : join(input, scenario.collectionRoot);
    for (const command of ["observers", "pairs"] as const) {
      const out = join(dir, `out-${command}`);
      await mkdir(out);
      const result = join(out, `result.${scenario.flags.output}`);
      const argv = [
        command,
        join(input, scenario.target),
        ...flagArgs(scenario.format, scenario.flags, command),
        "--format",
        scenario.flags.output,
        "-o",
        result,
      ];
      const repro = [
        `${commandLine(argv)}   (${scenario.note})`,
        ...scenario.files.map((f) => `  ${f.relative}: ${f.linkTo !== undefined ? `symbolic link to ${f.linkTo}` : showBytes(f.bytes)}`),
      ].join("\n");
      const outcome: CliOutcome = await sandbox.run(argv);
      const message = checkWellBehaved(outcome, repro);
      assert.ok(sameSnapshot(before, await snapshot(input)), `${repro}\nthe input changed`);
      assert.equal(outcome.kind, "exit");
      if (outcome.kind !== "exit") return;
      const reference =
        meaning === null
          ? { errors: [] as Location[] }
          : command === "observers"
            ? referenceObservers(meaning, scenario.format, scenario.flags, root)
            : referencePairs(meaning, scenario.format, scenario.flags, root);
      const listing = await readdir(out);
      if ("usage" in reference) {
        assert.ok(
          outcome.code === 2 && message!.line.includes(reference.usage),
          `${repro}\nexit ${outcome.code}; expected exit 2 naming ${reference.usage}\n${outcome.stderr}`,
        );
        assert.deepEqual(listing, [], `${repro}\nexit 2 but the output folder holds ${JSON.stringify(listing)}`);
        continue;
      }
      if (outcome.code === 0) {
        assert.ok(
          "ok" in reference,
          `${repro}\nexit 0, but the input ${meaning === null ? "cannot be read" : "has errors"}; expected exit 1 at ${JSON.stringify("errors" in reference ? reference.errors.slice(0, 3) : [])}${scenario.allowed.length ? ` or ${JSON.stringify(scenario.allowed)}` : ""}\nstdout: ${outcome.stdout.slice(0, 300)}`,
        );
        assert.deepEqual(listing, [`result.${scenario.flags.output}`], `${repro}\nthe output folder holds ${JSON.stringify(listing)}`);
        assert.equal(outcome.stdout, "", `${repro}\nstandard output with -o`);
        const text = await readFile(result, "utf8");
        if (!("ok" in reference)) return;
        if (command === "observers") {
          const rows = scenario.flags.output === "json" ? JSON.parse(text).observers : fromCsv(text);
          compareRows(
            rows as ObserverRow[],
            reference.ok as ObserverRow[],
            (r) => JSON.stringify([r.dataset, r.condition, r.observer]),
            `${repro}\nobservers`,
          );
        } else {
          const expected = reference.ok as PairsReference;
          const parsed = scenario.flags.output === "json" ? JSON.parse(text) : { pairs: fromCsv(text) };
          const pairs = parsed.pairs as PairRow[];
          for (const p of pairs)
            assert.ok(p.observer1 < p.observer2, `${repro}\nobserver1 "${p.observer1}" does not sort before observer2 "${p.observer2}"`);
          const pairKey = (r: { dataset: string; condition: string; observer1: string; observer2: string }) =>
            JSON.stringify([r.dataset, r.condition, r.observer1, r.observer2]);
          compareRows(pairs, expected.pairs, pairKey, `${repro}\npairs`);
          if (scenario.flags.output === "json") {
            const counts = (rows: Mismatch[]) =>
              rows.map((m) => ({
                dataset: m.dataset,
                condition: m.condition,
                observer1: m.observer1,
                observer2: m.observer2,
                n_common: m.n_common,
                n_only_observer1: m.n_only_observer1,
                n_only_observer2: m.n_only_observer2,
              }));
            compareRows(counts(parsed.skipped_pairs), expected.skipped, pairKey, `${repro}\nskipped_pairs`);
            compareRows(counts(parsed.intersected_pairs), expected.intersected, pairKey, `${repro}\nintersected_pairs`);
            assert.equal(parsed.undefined_kappa, expected.undefinedKappa, `${repro}\nundefined_kappa`);
          }
        }
      } else {
        assert.equal(outcome.code, 1, `${repro}\nexit ${outcome.code} on a data problem (expected 1)\n${outcome.stderr}`);
        assert.deepEqual(listing, [], `${repro}\nexit 1 but the output folder holds ${JSON.stringify(listing)}`);
        const allowed = [
          ...scenario.allowed.map((l) => (l.file === undefined ? l : { ...l, file: join(input, l.file) })),
          ...("errors" in reference ? reference.errors : []),
        ];
        assert.ok(
          allowed.some((location) => matches(message!.line, location)),
          `${repro}\nexit 1 with ${JSON.stringify(message!.line)}; expected ${allowed.length === 0 ? "exit 0: the input is valid" : `a message located at one of ${JSON.stringify(allowed.slice(0, 4))} (paths under ${input})`}`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Building scenarios.

interface Built {
  sources: SourceFile[];
  target: string;
  datasetNames: string[];
  collection: boolean;
  layout: Layout;
  format: Format;
  flags: Flags;
}

/** Some observers of the datasets for --observers, or undefined (no filter). */
function chooseObservers(datasets: MeaningDataset[], format: Format, filter: boolean, seed: number): string[] | undefined {
  if (!filter) return undefined;
  const random = seededRandom(seed);
  const names = new Set<string>();
  for (const file of datasets.flatMap((d) => d.files)) {
    const col = columnIndex(file, format.kind === "geirhos" ? "subj" : format.observer);
    for (const row of file.rows) names.add(row[col]);
  }
  // listFlag splits on commas and trims: only names it can carry.
  const usable = [...names]
    .sort(codeUnitOrder)
    .filter((n) => !n.includes(",") && n === n.trim())
    .filter(() => random() < 0.6);
  return usable.length > 0 ? usable : undefined;
}

const geirhosScenario = fc
  .record({ params: geirhosParams, second: geirhosParams, style: styleArbitrary, layout: layoutArbitrary, flags: flagsArbitrary })
  .map(({ params, second, style, layout, flags }): Built => {
    const tables = [geirhosTable(params, 1), geirhosTable({ ...second, seed: params.seed + 1 }, 2)];
    const format: Format = { kind: "geirhos" };
    const laid = layOut(tables, layout, style, false, seededRandom(params.seed + 3));
    const { filter, ...rest } = flags;
    return {
      ...laid,
      layout: layout.layout,
      format,
      flags: {
        ...rest,
        observers: chooseObservers(meaningOf(laid.sources, laid.datasetNames, laid.collection, layout.layout), format, filter, params.seed),
      },
    };
  });

const longScenario = fc
  .record({ params: longParams, style: styleArbitrary, layout: layoutArbitrary, flags: flagsArbitrary })
  .map(({ params, style, layout, flags }): Built => {
    const tables = [longTable(params, 1), longTable(params, 2)];
    const laid = layOut(
      tables,
      layout,
      { ...style, encoding: params.jsonLines ? "utf8" : style.encoding },
      params.jsonLines,
      seededRandom(params.seed + 5),
    );
    const { filter, ...rest } = flags;
    const format = tables[0].format;
    return {
      ...laid,
      layout: layout.layout,
      format,
      flags: {
        ...rest,
        observers: chooseObservers(meaningOf(laid.sources, laid.datasetNames, laid.collection, layout.layout), format, filter, params.seed),
      },
    };
  });

/** A source's text as bytes in its encoding (JSON Lines: UTF-8, with or without byte-order mark). */
function bytesOf(source: SourceFile, text: string): Uint8Array {
  if (!isData(source)) return Buffer.from(text, "utf8");
  return encode(text, source.jsonLines ? "utf8" : source.style.encoding, source.style.bom);
}

/** A scenario as fast-check prints a counterexample: the commands and the files' bytes. */
function describeScenario(this: Scenario): string {
  const commands = (["observers", "pairs"] as const).map((c) =>
    commandLine([
      c,
      `in/${this.target}`,
      ...flagArgs(this.format, this.flags, c),
      "--format",
      this.flags.output,
      "-o",
      `out/result.${this.flags.output}`,
    ]),
  );
  const files = this.files.map(
    (f) => `in/${f.relative}: ${f.linkTo !== undefined ? `symbolic link to in/${f.linkTo}` : showBytes(f.bytes)}`,
  );
  return [`(${this.note})`, ...commands, ...files].join("\n  ");
}

function toScenario(built: Built, note = "valid"): Scenario {
  return {
    [fc.toStringMethod]: describeScenario,
    files: built.sources.map((s) => ({ relative: s.relative, bytes: bytesOf(s, s.rendered.text) })),
    target: built.target,
    format: built.format,
    flags: built.flags,
    meaning: meaningOf(built.sources, built.datasetNames, built.collection, built.layout),
    collectionRoot: built.collection ? "root" : undefined,
    allowed: [],
    note,
  };
}

// ---------------------------------------------------------------------------------------------
// Corruptions: each takes a valid scenario and returns what the corrupted input means (if
// anything) and where an error may be located; null where it does not apply.

interface Corruption {
  name: string;
  /** Whether it applies to JSON Lines files (else CSV only). */
  jsonLines: boolean;
  apply: (built: Built, source: SourceFile, at: number, random: () => number) => Scenario | null;
}

/** The scenario with one source's records (header first) replaced, re-rendered in its style. */
function withRecords(
  built: Built,
  source: SourceFile,
  header: string[],
  rows: string[][],
  note: string,
  allowed: Location[] = [],
): Scenario {
  const random = seededRandom(rows.length * 31 + header.length);
  const rendered = renderCsv(header, rows, { ...source.style, blankLines: false }, random);
  const changed: SourceFile = { ...source, header, rows, rendered };
  const sources = built.sources.map((s) => (s === source ? changed : s));
  return { ...toScenario({ ...built, sources }, note), allowed };
}

/** The scenario with one source's bytes replaced and its meaning given (null: it means nothing). */
function withBytes(
  built: Built,
  source: SourceFile,
  bytes: Uint8Array,
  note: string,
  meaningRows: { header: string[]; rows: string[][]; lines: number[] } | null,
  allowed: Location[],
): Scenario {
  const base = toScenario(built, note);
  base.files = base.files.map((f) => (f.relative === source.relative ? { ...f, bytes } : f));
  if (meaningRows === null) base.meaning = null;
  else {
    base.meaning = base.meaning!.map((d) => ({
      ...d,
      files: d.files.map((f) =>
        f.path === source.relative ? { ...f, header: meaningRows.header, rows: meaningRows.rows, lines: meaningRows.lines } : f,
      ),
    }));
  }
  base.allowed = allowed;
  return base;
}

/** Line of a record (CSV: 0 is the header; JSON Lines: 0 is the first object). */
const recordLine = (source: SourceFile, record: number) => source.rendered.lines[record];
/** Record index of data row `row`. */
const dataRecord = (source: SourceFile, row: number) => (source.jsonLines ? row : row + 1);
/** Line of a text offset: 1 + the line ends before it (CRLF, LF or CR). */
const lineAt = (text: string, offset: number) => 1 + (text.slice(0, offset).match(/\r\n|\r|\n/g)?.length ?? 0);

const trimAll = (source: SourceFile, values: string[]) => (source.jsonLines ? values : values.map((v) => v.trim()));

const CORRUPTIONS: Corruption[] = [
  {
    name: "a row loses a field (ragged)",
    jsonLines: false,
    apply: (built, source, at) => {
      if (source.header.length < 2) return null;
      const r = at % source.rows.length;
      const rows = source.rows.map((row, k) => (k === r ? row.slice(0, -1) : row));
      const scenario = withRecords(built, source, source.header, rows, `row ${r + 1} lost its last field`);
      scenario.meaning = null;
      scenario.allowed = [
        { file: source.relative, line: renderCsv(source.header, rows, { ...source.style, blankLines: false }, () => 0).lines[r + 1] },
      ];
      return scenario;
    },
  },
  {
    name: "a row gains a field (ragged)",
    jsonLines: false,
    apply: (built, source, at) => {
      const r = at % source.rows.length;
      const rows = source.rows.map((row, k) => (k === r ? [...row, row[0]] : row));
      const scenario = withRecords(built, source, source.header, rows, `row ${r + 1} has its first field twice`);
      scenario.meaning = null;
      scenario.allowed = [
        { file: source.relative, line: renderCsv(source.header, rows, { ...source.style, blankLines: false }, () => 0).lines[r + 1] },
      ];
      return scenario;
    },
  },
  {
    name: "a value is replaced by an empty one",
    jsonLines: true,
    apply: (built, source, at, random) => {
      const r = at % source.rows.length;
      const c = Math.floor(random() * source.header.length);
      const rows = source.rows.map((row, k) => (k === r ? row.map((v, i) => (i === c ? "" : v)) : row));
      if (source.jsonLines) {
        const values = rows.map((row) => row.map((v) => v));
        const rendered = renderJsonLines(source.header, values, source.style.eol, () => 1);
        const changed: SourceFile = { ...source, rows, rendered };
        return toScenario(
          { ...built, sources: built.sources.map((s) => (s === source ? changed : s)) },
          `row ${r + 1} column "${source.header[c]}" emptied`,
        );
      }
      return withRecords(built, source, source.header, rows, `row ${r + 1} column "${source.header[c]}" emptied`);
    },
  },
  {
    name: "a trial appears twice",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const r = at % source.rows.length;
      const position = r + 1 + Math.floor(random() * (source.rows.length - r));
      const rows = [...source.rows.slice(0, position), source.rows[r], ...source.rows.slice(position)];
      const lines = renderCsv(source.header, rows, { ...source.style, blankLines: false }, () => 0).lines;
      return withRecords(built, source, source.header, rows, `row ${r + 1} copied to row ${position + 1}`, [
        { file: source.relative, line: lines[position + 1] },
      ]);
    },
  },
  {
    name: "the header line is missing",
    jsonLines: false,
    apply: (built, source) => {
      if (source.rows.length < 2) return null;
      const [first, ...rest] = source.rows;
      const scenario = withRecords(built, source, first, rest, "header removed");
      // Read as a file whose first trial is its header: the schema's columns are missing.
      scenario.allowed = [{ file: source.relative, line: 1 }];
      return scenario;
    },
  },
  {
    name: "a second header line in the middle (files concatenated)",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const r = at % (source.rows.length + 1);
      const second = random() < 0.5 ? source.header.map((h) => h.toUpperCase()) : source.header;
      const rows = [...source.rows.slice(0, r), second, ...source.rows.slice(r)];
      const lines = renderCsv(source.header, rows, { ...source.style, blankLines: false }, () => 0).lines;
      const scenario = withRecords(built, source, source.header, rows, `header repeated before row ${r + 1}`);
      scenario.meaning = null;
      scenario.allowed = [{ file: source.relative, line: lines[r + 1] }];
      return scenario;
    },
  },
  {
    name: "a column appears twice (whole column)",
    jsonLines: false,
    apply: (built, source, at) => {
      const c = at % source.header.length;
      const header = [...source.header, source.header[c]];
      const rows = source.rows.map((row) => [...row, row[c]]);
      return withRecords(built, source, header, rows, `column "${source.header[c]}" duplicated`, [{ file: source.relative, line: 1 }]);
    },
  },
  {
    name: "spaces after commas",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const { text, fields, lines } = source.rendered;
      const records = new Set<number>();
      let out = "";
      let last = 0;
      fields.forEach((spans, k) => {
        spans.forEach(([start], f) => {
          if (f > 0 && (k === at % fields.length || random() < 0.2)) {
            out += text.slice(last, start) + " ";
            last = start;
            records.add(k);
          }
        });
      });
      out += text.slice(last);
      if (records.size === 0) return null;
      // Meaning: the values without the spaces (README: fields are trimmed); or an error at a changed line.
      const allowed = [...records].map((k) => ({ file: source.relative, line: lines[k] }));
      return withBytes(
        built,
        source,
        bytesOf(source, out),
        "spaces after commas",
        { header: source.header.map((h) => h.trim()), rows: source.rows.map((r) => trimAll(source, r)), lines: lines.slice(1) },
        allowed,
      );
    },
  },
  {
    name: "a stray double quote inside a value",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const r = 1 + (at % source.rows.length);
      const f = Math.floor(random() * source.header.length);
      if (source.rendered.quoted[r][f]) return null;
      const [start, end] = source.rendered.fields[r][f];
      if (end - start < 2) return null;
      const cut = start + 1 + Math.floor(random() * (end - start - 1));
      const text = source.rendered.text.slice(0, cut) + '"' + source.rendered.text.slice(cut);
      const rows = source.rows.map((row, k) =>
        k === r - 1 ? row.map((v, i) => (i === f ? v.slice(0, cut - start) + '"' + v.slice(cut - start) : v)) : row,
      );
      // A quote inside an unquoted field is text (RFC 4180 readers differ: an error at that line is fine too).
      return withBytes(
        built,
        source,
        bytesOf(source, text),
        `quote inserted in row ${r} field ${f + 1}`,
        {
          header: source.header.map((h) => h.trim()),
          rows: rows.map((row) => trimAll(source, row)),
          lines: source.rendered.lines.slice(1),
        },
        [{ file: source.relative, line: recordLine(source, r) }],
      );
    },
  },
  {
    name: "an unclosed double quote",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const r = 1 + (at % source.rows.length);
      const f = Math.floor(random() * source.header.length);
      const [start] = source.rendered.fields[r][f];
      if (source.rendered.text.slice(start).includes('"')) return null;
      const text = source.rendered.text.slice(0, start) + '"' + source.rendered.text.slice(start);
      return withBytes(built, source, bytesOf(source, text), `quote opened in row ${r} field ${f + 1}, never closed`, null, [
        { file: source.relative, line: recordLine(source, r) },
      ]);
    },
  },
  {
    name: "the file is cut off in the middle of a line",
    jsonLines: true,
    apply: (built, source, at, random) => {
      const row = at % source.rows.length;
      const r = dataRecord(source, row);
      const spans = source.rendered.fields[r];
      const [start] = spans[0];
      const end = spans[spans.length - 1][1];
      const chars = [...source.rendered.text.slice(start, end)];
      if (chars.length < 2) return null;
      const keep = 1 + Math.floor(random() * (chars.length - 1));
      const text = source.rendered.text.slice(0, start) + chars.slice(0, keep).join("");
      const line = recordLine(source, r);
      const note = `cut after ${keep} characters of line ${line}`;
      const allowed = [{ file: source.relative, line }];
      // A cut JSON object is never valid; a cut CSV row means something only when the cut falls
      // in its last field, unquoted (or right after the comma before it: an empty last value).
      const last = spans.length - 1;
      const [lastStart] = spans[last];
      if (source.jsonLines || text.length < lastStart || (text.length > lastStart && source.rendered.quoted[r][last])) {
        return withBytes(built, source, bytesOf(source, text), note, null, allowed);
      }
      const rows = [...source.rows.slice(0, row), [...source.rows[row].slice(0, last), text.slice(lastStart)]];
      return withBytes(
        built,
        source,
        bytesOf(source, text),
        note,
        {
          header: source.header.map((h) => h.trim()),
          rows: rows.map((values) => trimAll(source, values)),
          lines: source.rendered.lines.slice(1, r + 1),
        },
        allowed,
      );
    },
  },
  {
    name: "a byte that is not UTF-8",
    jsonLines: true,
    apply: (built, source, at, random) => {
      if (!source.jsonLines && source.style.encoding !== "utf8") return null;
      const r = dataRecord(source, at % source.rows.length);
      const [start, end] = source.rendered.fields[r][0];
      const cut = start + Math.floor(random() * (end - start));
      const before = Buffer.from(source.rendered.text.slice(0, cut), "utf8");
      const after = Buffer.from(source.rendered.text.slice(cut), "utf8");
      const bad = pick(random, [[0xff], [0xe9], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]);
      const bytes = Buffer.concat([source.style.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), before, Buffer.from(bad), after]);
      const line = lineAt(source.rendered.text, cut);
      return withBytes(built, source, bytes, `bytes ${Buffer.from(bad).toString("hex")} inserted on line ${line}`, null, [
        { file: source.relative, line },
      ]);
    },
  },
  {
    name: "a zero byte (NUL) in a value",
    jsonLines: true,
    apply: (built, source, at, random) => {
      if (!source.jsonLines && source.style.encoding !== "utf8") return null;
      const r = dataRecord(source, at % source.rows.length);
      const spans = source.rendered.fields[r];
      const [start, end] = spans[Math.floor(random() * spans.length)];
      const cut = start + 1 + Math.floor(random() * (end - start - 1));
      const text = source.rendered.text.slice(0, cut) + "\u0000" + source.rendered.text.slice(cut);
      const line = lineAt(source.rendered.text, cut);
      return withBytes(built, source, bytesOf(source, text), `NUL inserted on line ${line}`, null, [{ file: source.relative, line }]);
    },
  },
  {
    name: "another encoding: UTF-16 without byte-order mark, UTF-32, Latin-1",
    jsonLines: false,
    apply: (built, source, at, random) => {
      const kind = pick(random, ["utf16le-no-bom", "utf16be-no-bom", "utf32le", "utf32be", "latin1"] as const);
      const text = source.rendered.text;
      let bytes: Buffer;
      let line = 1;
      if (kind === "latin1") {
        const first = [...text].findIndex((c) => c.charCodeAt(0) > 0x7f);
        if (first < 0 || [...text].some((c) => c.charCodeAt(0) > 0xff)) return null;
        bytes = Buffer.from(text, "latin1");
        line =
          1 +
          ([...text]
            .slice(0, first)
            .join("")
            .match(/\r\n|\r|\n/g)?.length ?? 0);
      } else if (kind.startsWith("utf16")) {
        bytes = Buffer.from(text, "utf16le");
        if (kind === "utf16be-no-bom") bytes.swap16();
      } else {
        const points = [0xfeff, ...[...text].map((c) => c.codePointAt(0)!)];
        bytes = Buffer.alloc(points.length * 4);
        points.forEach((p, i) => (kind === "utf32le" ? bytes.writeUInt32LE(p, i * 4) : bytes.writeUInt32BE(p, i * 4)));
      }
      // Latin-1: the line of the first byte that is not UTF-8; UTF-16/32: the whole file is foreign, any line will do.
      return withBytes(built, source, bytes, `written as ${kind}`, null, [
        kind === "latin1" ? { file: source.relative, line } : { file: source.relative, lineAtLeast: 1 },
      ]);
    },
  },
  {
    name: "a line of only spaces",
    jsonLines: false,
    apply: (built, source, at) => {
      const r = 1 + (at % source.rows.length);
      const [start] = source.rendered.fields[r][0];
      const text = source.rendered.text.slice(0, start) + "   " + source.style.eol + source.rendered.text.slice(start);
      const line = recordLine(source, r);
      const lines = source.rendered.lines.slice(1).map((l) => (l >= line ? l + 1 : l));
      // Blank, so skipped (or an error naming it).
      return withBytes(
        built,
        source,
        bytesOf(source, text),
        `spaces-only line inserted as line ${line}`,
        { header: source.header.map((h) => h.trim()), rows: source.rows.map((row) => trimAll(source, row)), lines },
        [{ file: source.relative, line }],
      );
    },
  },
  {
    name: "a JSON line that is not an object, or holds an object value",
    jsonLines: true,
    apply: (built, source, at, random) => {
      if (!source.jsonLines) return null;
      const r = at % source.rows.length;
      const [[start, end]] = source.rendered.fields[r];
      const replacement = pick(random, [
        "[1,2]",
        "42",
        '"text"',
        "null",
        `{"${source.header[0]}":{"nested":1}}`,
        source.rendered.text.slice(start, end) + " trailing",
      ]);
      const text = source.rendered.text.slice(0, start) + replacement + source.rendered.text.slice(end);
      return withBytes(
        built,
        source,
        Buffer.from(text, "utf8"),
        `line ${recordLine(source, r)} replaced by ${replacement.slice(0, 40)}`,
        null,
        [{ file: source.relative, line: recordLine(source, r) }],
      );
    },
  },
  {
    name: "a 0/1 correctness value that is neither",
    jsonLines: true,
    apply: (built, source, at, random) => {
      if (built.format.kind !== "long" || built.format.correct === undefined) return null;
      const c = source.header.indexOf(built.format.correct);
      const r = at % source.rows.length;
      const value = pick(random, ["2", "yes", "-1", "0.5", "t", "1 1"]);
      const rows = source.rows.map((row, k) => (k === r ? row.map((v, i) => (i === c ? value : v)) : row));
      if (source.jsonLines) {
        const rendered = renderJsonLines(source.header, rows, source.style.eol, () => 1);
        return toScenario(
          { ...built, sources: built.sources.map((s) => (s === source ? { ...source, rows, rendered } : s)) },
          `row ${r + 1} correctness "${value}"`,
        );
      }
      return withRecords(built, source, source.header, rows, `row ${r + 1} correctness "${value}"`);
    },
  },
];

/**
 * A corruption applied to a valid scenario (null where it does not apply: skipped with fc.pre).
 * Errors the scenario had before the corruption (a repeated trial elsewhere, --strict) stay
 * allowed: they may be met first.
 */
function corrupted(corruption: Corruption, scenarios: fc.Arbitrary<Built>) {
  return fc.record({ built: scenarios, at: fc.nat(), seed: fc.nat() }).map(({ built, at, seed }) => {
    const random = seededRandom(seed);
    const candidates = built.sources.filter((s) => isData(s) && s.rows.length > 0 && (corruption.jsonLines || !s.jsonLines));
    if (candidates.length === 0) return null;
    const scenario = corruption.apply(built, candidates[at % candidates.length], at, random);
    if (scenario === null) return null;
    const original = toScenario(built);
    const root = original.collectionRoot;
    for (const reference of [
      referenceObservers(original.meaning!, built.format, built.flags, root),
      referencePairs(original.meaning!, built.format, built.flags, root),
    ]) {
      if ("errors" in reference) scenario.allowed.push(...reference.errors);
    }
    return scenario;
  });
}

// ---------------------------------------------------------------------------------------------

describe("property: readers through observers and pairs", () => {
  before(async () => {
    workRoot = await mkdtemp(join(tmpdir(), "trialwise-property-readers-"));
  });
  after(async () => {
    await sandbox.close();
    await rm(workRoot, { recursive: true, force: true });
  });

  test("valid model-vs-human data: observers and pairs equal the reference", async () => {
    await fc.assert(
      fc.asyncProperty(
        geirhosScenario.map((built) => toScenario(built)),
        checkScenario,
      ),
      propertyParameters(70),
    );
  });

  test("valid long-format CSV and JSON Lines: observers and pairs equal the reference", async () => {
    await fc.assert(
      fc.asyncProperty(
        longScenario.map((built) => toScenario(built)),
        checkScenario,
      ),
      propertyParameters(50),
    );
  });

  test("a data file or dataset folder reached through a symbolic link is read like the real one (or refused naming the link)", async () => {
    const scenarios = fc
      .record({ built: geirhosScenario, which: fc.nat(), folderLink: fc.boolean() })
      .map(({ built, which, folderLink }) => {
        const scenario = toScenario(built, "valid, through a link");
        const data = scenario.files.filter((f) => !f.relative.endsWith(".txt"));
        if (folderLink && built.collection) {
          // The collection's first dataset folder becomes a link to a folder outside the collection.
          const folder = data[which % data.length].relative.split("/").slice(0, 2).join("/");
          const moved = scenario.files.map((f) =>
            f.relative.startsWith(`${folder}/`) ? { ...f, relative: `elsewhere/${f.relative.slice("root/".length)}` } : f,
          );
          const linked: WrittenFile = { relative: folder, bytes: new Uint8Array(), linkTo: `elsewhere/${folder.slice("root/".length)}` };
          return { ...scenario, files: [...moved, linked], allowed: [{ file: folder }], note: `${folder} is a symbolic link to a folder` };
        }
        const file = data[which % data.length];
        const real = `elsewhere/real-${file.relative.split("/").pop()}`;
        const files = [
          ...scenario.files.filter((f) => f !== file),
          { ...file, relative: real },
          { relative: file.relative, bytes: new Uint8Array(), linkTo: real },
        ];
        return { ...scenario, files, allowed: [{ file: file.relative }], note: `${file.relative} is a symbolic link to ${real}` };
      });
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => checkScenario(scenario)),
      propertyParameters(25),
    );
  });

  for (const corruption of CORRUPTIONS) {
    test(`corrupted input, ${corruption.name}: the numbers of what it means, or exit 1 naming file and line`, async () => {
      const scenarios = fc.oneof(corrupted(corruption, geirhosScenario), corrupted(corruption, longScenario));
      await fc.assert(
        fc.asyncProperty(scenarios, async (scenario) => {
          fc.pre(scenario !== null);
          await checkScenario(scenario!);
        }),
        { ...propertyParameters(20), maxSkipsPerRun: 100 },
      );
    });
  }
});
