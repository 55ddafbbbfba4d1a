/**
 * The datasets `trialwise serve` holds, and their forms for the dashboard: the bitset payload
 * its worker analyses (./protocol.ts) and the trials behind a pair. Built with
 * the readers and core functions every other command uses; nothing is computed here beyond
 * arranging trials into bit rows.
 */
import { observerStats } from "../core/observers.ts";
import type { TrialScores } from "../core/probability-table.ts";
import { type UnitOutcomes, conditionGroups, pairTrialMatch, unitOutcomes } from "../core/pairs.ts";
import { InputError } from "../core/errors.ts";
import { NO_CONDITION, type TrialTable, compareText } from "../core/trials.ts";
import type { PackedTrials } from "../io/duckdb.ts";
import type { StimulusImage } from "./files.ts";
import { wordsPerObserverFor } from "../kernel/packed.ts";
import {
  type DatasetPayload,
  type DatasetSummary,
  type ObserverInfo,
  type PairTrial,
  type PairTrialsResponse,
  type UnitPayload,
  encodeResponses,
  encodeScores,
  encodeWords,
} from "./protocol.ts";
import { compareConditions, sortConditions } from "../core/condition-order.ts";

/** A dataset held by the server: a trial table (CSV, JSON Lines) or bitsets read by DuckDB (Parquet). */
export type ServedDataset = {
  summary: DatasetSummary;
  /** What was found while reading it, in words (e.g. conditions that cannot be pooled). */
  notes: string[];
  /** Built once, on first request. */
  payload?: DatasetPayload;
} & (
  | {
      kind: "table";
      table: TrialTable;
      /** The models' score rows (`trialwise serve --scores`), checked against the trials when the server started. */
      scores?: readonly TrialScores[];
    }
  | { kind: "packed"; packed: PackedTrials }
);

/** A URL-safe id for a dataset name, unique among `taken`. */
export function datasetId(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "dataset";
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  return id;
}

/** A table's conditions in natural order (the dashboard's one rule: ../core/condition-order.ts). */
function conditionsOf(table: TrialTable): string[] {
  return sortConditions(new Set(table.condition));
}

/** Several conditions, and some observer answered in more than one: then curves per condition say something. */
function conditionsVaryWithinObservers(table: TrialTable): boolean {
  const first = new Map<string, string>();
  for (let t = 0; t < table.length; t++) {
    const seen = first.get(table.observer[t]);
    if (seen === undefined) first.set(table.observer[t], table.condition[t]);
    else if (seen !== table.condition[t]) return true;
  }
  return false;
}

/** A dataset read into a trial table; `uploadedBytes`: the uploaded file's size, null for a path given on the command line. */
export function tableDataset(id: string, table: TrialTable, source: string, uploadedBytes: number | null = null): ServedDataset {
  return {
    kind: "table",
    table,
    notes: [],
    summary: {
      id,
      name: table.dataset,
      source,
      observers: new Set(table.observer).size,
      trials: table.length,
      conditions: conditionsOf(table),
      uploadedBytes,
    },
  };
}

/** A dataset read as bitsets: its units pooled ("all") and/or per condition (../serve/server.ts readParquet). `uploadedBytes` as for {@link tableDataset}. */
export function packedDataset(
  id: string,
  packed: PackedTrials,
  source: string,
  notes: string[] = [],
  uploadedBytes: number | null = null,
): ServedDataset {
  const observers = new Set(packed.units.flatMap((u) => [...u.packed.observers, ...u.excluded.map((e) => e.observer)]));
  const conditions = packed.units.filter((u) => u.condition !== NO_CONDITION).map((u) => u.condition);
  return {
    kind: "packed",
    packed,
    notes,
    summary: {
      id,
      name: packed.dataset,
      source,
      observers: observers.size,
      trials: packed.rows,
      conditions: conditions.length > 0 ? sortConditions(conditions) : [NO_CONDITION],
      uploadedBytes,
    },
  };
}

/** Packs a unit's outcomes (-1 unseen, 0 wrong, 1 correct per stimulus) into seen and correct bit rows. */
function unitPayload(condition: string, unit: UnitOutcomes, index: Map<string, number>): UnitPayload {
  const stimuli = unit.outcomes[0]?.length ?? 0;
  const w = wordsPerObserverFor(stimuli);
  const seen = new Uint32Array(unit.observers.length * w);
  const correct = new Uint32Array(unit.observers.length * w);
  unit.outcomes.forEach((row, i) => {
    for (let s = 0; s < row.length; s++) {
      if (row[s] < 0) continue;
      seen[i * w + (s >>> 5)] |= 1 << (s & 31);
      if (row[s] === 1) correct[i * w + (s >>> 5)] |= 1 << (s & 31);
    }
  });
  return {
    condition,
    stimuli,
    observers: unit.observers.map((o) => index.get(o)!),
    wordsPerObserver: w,
    seen: encodeWords(seen),
    correct: encodeWords(correct),
  };
}

/**
 * Datasets of up to this many trials carry their answers in the payload (about 27 bytes a trial:
 * 1.2 MB for cue-conflict's 44,800), so that the dashboard's matrix can show response-level
 * metrics; larger ones show error kappa alone, with a note.
 */
export const MAX_RESPONSE_TRIALS = 500_000;

/**
 * Score rows travel with the answers while their probabilities number at most this many (8 bytes
 * each, about 12 MB of JSON with the rows' columns, as base64: cue-conflict's 1,280 images over
 * 16 categories are 20,480 per model, so 48 models; BENCHMARKS.md), so that the dashboard's
 * matrix can show capa and dmc; beyond it the page says so and names the command.
 */
export const MAX_SCORE_VALUES = 1_000_000;

/** The payload's scores, or why there are none (for the page, beside its metric selector). */
function scoresPayload(
  dataset: ServedDataset & { kind: "table" },
  observers: readonly string[],
): Pick<DatasetPayload, "scores" | "noScores"> {
  const { scores } = dataset;
  if (!scores || scores.length === 0)
    return {
      noScores:
        dataset.summary.uploadedBytes === null
          ? "capa and dmc compare the models' probabilities: start trialwise serve with --scores <file or folder> (the score files of trialwise evaluate --scores) to have them"
          : "capa and dmc compare the models' probabilities, which come with trialwise serve --scores for a dataset given on the command line; uploaded trials come without them",
    };
  const values = scores.reduce((sum, row) => sum + row.probabilities.length, 0);
  if (values > MAX_SCORE_VALUES)
    return {
      noScores: `capa and dmc are offered up to ${MAX_SCORE_VALUES.toLocaleString("en")} score values (scored trials × categories); this dataset's scores have ${values.toLocaleString("en")} (run trialwise pairs --metric capa --scores)`,
    };
  return { scores: encodeScores(scores, observers) };
}

function tablePayload(dataset: ServedDataset & { kind: "table" }): DatasetPayload {
  const { table } = dataset;
  const observerInfo: ObserverInfo[] = observerStats(table).map((r) => ({
    name: r.observer,
    kind: r.kind,
    n_trials: r.n_trials,
    n_correct: r.n_correct,
    n_na: r.n_na,
    accuracy: r.accuracy,
  }));
  const index = new Map(observerInfo.map((o, i) => [o.name, i]));
  const notes = [...dataset.notes];
  const units: UnitPayload[] = [];
  const [all] = conditionGroups(table, false).values();
  try {
    units.push(unitPayload(NO_CONDITION, unitOutcomes(table, all), index));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    notes.push(`conditions cannot be pooled: ${error.message}`);
  }
  const conditionCurves = dataset.summary.conditions.length > 1 && conditionsVaryWithinObservers(table);
  if (conditionCurves || units.length === 0) {
    const groups = conditionGroups(table, true);
    for (const condition of sortConditions(groups.keys()))
      units.push(unitPayload(condition, unitOutcomes(table, groups.get(condition)!), index));
  }
  let responses;
  if (table.length <= MAX_RESPONSE_TRIALS) responses = encodeResponses(table, [...index.keys()]) ?? undefined;
  else
    notes.push(
      `the matrix shows error kappa only: response-level metrics are offered up to ${MAX_RESPONSE_TRIALS.toLocaleString("en")} trials (run trialwise pairs --metric)`,
    );
  return withDefaultCondition({
    ...(responses ? scoresPayload(dataset, [...index.keys()]) : {}),
    ...dataset.summary,
    observerInfo,
    units,
    conditionCurves,
    notes,
    defaultCondition: NO_CONDITION,
    responses,
  });
}

function packedPayload(dataset: ServedDataset & { kind: "packed" }): DatasetPayload {
  const { packed } = dataset;
  // Parquet is read as bitsets: trials and correct answers per observer, no `na` count.
  const info = new Map<string, ObserverInfo>();
  // Trials per observer: from the pooled unit where there is one, else summed over conditions.
  const pooled = packed.units.filter((u) => u.condition === NO_CONDITION);
  for (const unit of pooled.length > 0 ? pooled : packed.units) {
    unit.packed.observers.forEach((name, i) => {
      const entry = info.get(name) ?? {
        name,
        kind: unit.humans.has(name) ? "human" : "model",
        n_trials: 0,
        n_correct: 0,
        n_na: null,
        accuracy: 0,
      };
      entry.n_trials += unit.stimuli.length;
      entry.n_correct += unit.correct[i];
      info.set(name, entry);
    });
  }
  const observerInfo = [...info.values()]
    .sort((a, b) => compareText(a.name, b.name))
    .map((o) => ({ ...o, accuracy: o.n_correct / o.n_trials }));
  const index = new Map(observerInfo.map((o, i) => [o.name, i]));
  const notes = [
    ...dataset.notes,
    ...packed.units.flatMap((u) =>
      u.excluded.map(
        (e) =>
          `${u.condition === NO_CONDITION ? "" : `condition ${u.condition}: `}left out ${e.kind} "${e.observer}": its stimulus set differs (${e.n_common} common, ${e.n_only_observer} only it saw, ${e.n_missing} it did not see)`,
      ),
    ),
  ];
  const ordered = [...packed.units].sort(
    (a, b) => Number(b.condition === NO_CONDITION) - Number(a.condition === NO_CONDITION) || compareConditions(a.condition, b.condition),
  );
  const units = ordered.map((u): UnitPayload => {
    const w = u.packed.wordsPerObserver;
    const seen = new Uint32Array(u.packed.observers.length * w);
    for (let i = 0; i < u.packed.observers.length; i++) for (let s = 0; s < u.stimuli.length; s++) seen[i * w + (s >>> 5)] |= 1 << (s & 31);
    return {
      condition: u.condition,
      stimuli: u.stimuli.length,
      observers: u.packed.observers.map((o) => index.get(o)!),
      wordsPerObserver: w,
      seen: encodeWords(seen),
      correct: encodeWords(u.packed.bits.subarray(0, u.packed.observers.length * w)),
    };
  });
  const conditionUnits = packed.units.filter((u) => u.condition !== NO_CONDITION);
  const spread =
    conditionUnits.length > 1 &&
    new Set(conditionUnits.flatMap((u) => u.packed.observers)).size < conditionUnits.reduce((sum, u) => sum + u.packed.observers.length, 0);
  return withDefaultCondition({ ...dataset.summary, observerInfo, units, conditionCurves: spread, notes, defaultCondition: NO_CONDITION });
}

/**
 * The unit the page opens a dataset on: with several conditions that vary within observers,
 * the first condition in natural order (per-condition analysis, as `trialwise pairs --by
 * condition`: pooling conditions mixes easy and hard trials); else the pooled unit, or the
 * first condition where conditions cannot be pooled.
 */
function withDefaultCondition(payload: DatasetPayload): DatasetPayload {
  const perCondition = payload.units.filter((u) => u.condition !== NO_CONDITION);
  const pooled = payload.units.some((u) => u.condition === NO_CONDITION);
  const defaultCondition = (payload.conditionCurves || !pooled) && perCondition.length > 0 ? perCondition[0].condition : NO_CONDITION;
  return { ...payload, defaultCondition };
}

/** The worker's payload of a dataset (built on first use, then kept). */
export function datasetPayload(dataset: ServedDataset): DatasetPayload {
  dataset.payload ??= dataset.kind === "table" ? tablePayload(dataset) : packedPayload(dataset);
  return dataset.payload;
}

/**
 * The trials two observers both answered in a condition ("all": every condition, matched as the
 * pairs are: by stimulus, or by condition and stimulus where some observer has trials under
 * several conditions, `pairTrialMatch`), in stimulus order, with both observers' conditions and
 * responses and, where `imageUrl` knows it, the image.
 */
export function pairTrials(
  dataset: ServedDataset,
  observer1: string,
  observer2: string,
  condition: string,
  locate: ((stimulus: string, dataset?: string) => StimulusImage) | null,
): PairTrialsResponse {
  const missing = { "not found": 0, ambiguous: 0 };
  const imageUrl = (stimulus: string): string | null => {
    if (!locate) return null;
    const found = locate(stimulus, dataset.summary.name);
    if (found.url === null) missing[found.why]++;
    return found.url;
  };
  const trials: PairTrial[] = [];
  if (dataset.kind === "table") {
    const { table } = dataset;
    const known = new Set(table.observer);
    for (const name of [observer1, observer2])
      if (!known.has(name)) throw new InputError(`no observer "${name}" in dataset "${table.dataset}"`);
    if (condition !== NO_CONDITION && !dataset.summary.conditions.includes(condition))
      throw new InputError(`no condition "${condition}" in dataset "${table.dataset}"`);
    const withinConditions = condition !== NO_CONDITION || pairTrialMatch(table, false) === "condition and stimulus";
    const keyOf = withinConditions ? (t: number) => `${table.condition[t]}\u0000${table.stimulus[t]}` : (t: number) => table.stimulus[t];
    const byKey = new Map<string, number>();
    const inUnit = (t: number) => condition === NO_CONDITION || table.condition[t] === condition;
    for (let t = 0; t < table.length; t++) if (table.observer[t] === observer2 && inUnit(t)) byKey.set(keyOf(t), t);
    for (let t = 0; t < table.length; t++) {
      if (table.observer[t] !== observer1 || !inUnit(t)) continue;
      const u = byKey.get(keyOf(t));
      if (u === undefined) continue;
      trials.push({
        stimulus: table.stimulus[t],
        condition: table.condition[t],
        condition2: table.condition[u],
        truth: table.truth[t],
        response1: table.response[t],
        response2: table.response[u],
        correct1: table.correct[t] === 1,
        correct2: table.correct[u] === 1,
        image: imageUrl(table.stimulus[t]),
      });
    }
  } else {
    const unit = dataset.packed.units.find((u) => u.condition === condition);
    if (!unit) throw new InputError(`no condition "${condition}" in dataset "${dataset.packed.dataset}"`);
    const rows = [observer1, observer2].map((name) => {
      const row = unit.packed.observers.indexOf(name);
      if (row < 0) throw new InputError(`no observer "${name}" in dataset "${dataset.packed.dataset}" (condition "${condition}")`);
      return row;
    });
    const w = unit.packed.wordsPerObserver;
    const bit = (row: number, s: number) => ((unit.packed.bits[row * w + (s >>> 5)] >>> (s & 31)) & 1) === 1;
    unit.stimuli.forEach((stimulus, s) =>
      trials.push({
        stimulus,
        condition: unit.conditions?.[s] ?? condition,
        condition2: unit.conditions?.[s] ?? condition,
        truth: null,
        response1: null,
        response2: null,
        correct1: bit(rows[0], s),
        correct2: bit(rows[1], s),
        image: imageUrl(stimulus),
      }),
    );
  }
  trials.sort((a, b) => compareText(a.stimulus, b.stimulus) || compareText(a.condition, b.condition));
  const notFound = [
    missing["not found"] > 0 ? `${missing["not found"]} not found` : null,
    missing.ambiguous > 0 ? `${missing.ambiguous} found in several folders (the folder named like the dataset has none of them)` : null,
  ].filter(Boolean);
  const imageNote =
    notFound.length > 0
      ? `stimulus images under --stimuli, looked up by file name (first in folders named like "${dataset.summary.name}" or a part of it): ${notFound.join(", ")}, of ${trials.length}`
      : null;
  return { observer1, observer2, condition, trials, imageNote };
}
