/**
 * What the `trialwise serve` server sends the dashboard, and what the dashboard's worker
 * answers the page. Isomorphic (no Node or DOM APIs): the server (src/serve) builds these
 * payloads, the page and the worker (src/web/dashboard) read them. It lives beside the server,
 * as src/experiment/protocol.ts does beside its server, because browser code may import an
 * app's Node-free modules while nothing outside src/web may import src/web (.dependency-cruiser.cjs).
 *
 * A dataset travels as bitsets, one analysis unit (all trials pooled, or one condition) at a
 * time: per observer of the unit, which of the unit's S stimuli it saw and which of those it
 * answered correctly, each in the layout of the all-pairs kernel (src/kernel/packed.ts: bit s
 * of row i, 2 * ceil(S / 64) 32-bit words per row). 1,000 observers on 10,000 stimuli take
 * 2.5 MB this way, where one JSON object per trial would take hundreds.
 */
import type { TrialScores } from "../core/probability-table.ts";
import { NO_ANSWER, type TrialTable } from "../core/trials.ts";

/** One observer of a dataset as `trialwise observers` reports it (pooled over conditions). */
export interface ObserverInfo {
  name: string;
  kind: "human" | "model";
  n_trials: number;
  n_correct: number;
  /** Trials without an answer; null where the source does not tell (Parquet read as bitsets). */
  n_na: number | null;
  accuracy: number;
}

/** One analysis unit as bitsets (see the module comment). */
export interface UnitPayload {
  /** The condition, or "all" for every trial pooled. */
  condition: string;
  /** Stimuli S of the unit (the union of what its observers saw). */
  stimuli: number;
  /** Indices into the dataset's observer list, ascending (code-unit order of names). */
  observers: number[];
  /** 32-bit words per observer row: 2 * ceil(S / 64). */
  wordsPerObserver: number;
  /** Base64 of the little-endian Uint32 rows of the stimuli each observer saw. */
  seen: string;
  /** Base64 of the rows of the stimuli each observer answered correctly (a subset of seen). */
  correct: string;
}

/** A dataset as the page lists it. */
export interface DatasetSummary {
  id: string;
  name: string;
  /** Where it came from: a path given on the command line, or "upload: <file name>". */
  source: string;
  observers: number;
  trials: number;
  conditions: string[];
  /** The uploaded file's size in bytes (counted against the server's --max-held); null for a path given on the command line, which cannot be removed. */
  uploadedBytes: number | null;
}

/** The server's list of datasets (GET /api/datasets), with its limits and what the uploads hold. */
export interface DatasetListResponse {
  datasets: DatasetSummary[];
  /** What was left out while loading the paths given, in words. */
  notes: string[];
  /** The largest file an upload may be (--max-upload). */
  maxUploadBytes: number;
  /** The uploads held now, as the sum of their files' sizes. */
  heldUploadBytes: number;
  /** The limit on that sum (--max-held); an upload beyond it is refused until one is removed. */
  maxHeldBytes: number;
  /** Whether a stimulus folder was given (--stimuli). */
  stimuli: boolean;
}

/** The server's answer to removing an uploaded dataset (DELETE /api/datasets/<id>). */
export interface RemoveResponse {
  removed: string;
  heldUploadBytes: number;
  maxHeldBytes: number;
}

/** Everything the worker needs to analyse one dataset. */
export interface DatasetPayload extends DatasetSummary {
  observerInfo: ObserverInfo[];
  /** The pooled unit ("all", when trials can be matched across conditions) and one per condition where conditions vary within observers. */
  units: UnitPayload[];
  /** Whether per-condition curves make sense: several conditions and some observer in more than one. */
  conditionCurves: boolean;
  /**
   * The unit the page opens on: the first condition in natural order where conditions vary
   * within observers (per-condition analysis, said on the page), else "all".
   */
  defaultCondition: string;
  /** What was left out or could not be done, in words. */
  notes: string[];
  /**
   * Every trial with its true category and response, for the response-level metrics
   * (`trialwise pairs --metric response-kappa|capa-discrete`); absent where the server did not
   * send them (Parquet read as bitsets, correctness-only data): then the page offers error
   * kappa alone. Built by {@link encodeResponses}.
   */
  responses?: ResponsesPayload;
  /**
   * The models' score vectors (`trialwise serve --scores`), for the metrics that compare
   * probabilities (`trialwise pairs --metric capa|dmc --scores`); sent with `responses` only.
   * Built by {@link encodeScores}.
   */
  scores?: ScoresPayload;
  /** Why `scores` is absent, in words, for the page to say beside its metric selector; absent where scores are sent. */
  noScores?: string;
}

/**
 * The rows of score files (`trialwise evaluate --scores`) as the CLI reads them: per row its
 * observer (an index into the dataset's `observerInfo`), stimulus and true category (indices
 * into `strings`) and its category list (an index into `categorySets`), each column the base64
 * of little-endian Uint32 words; the probabilities, row after row in its categories' order, as
 * the base64 of little-endian Float64 values, so that the page computes from the very numbers
 * the CLI reads.
 */
export interface ScoresPayload {
  strings: string[];
  categorySets: string[][];
  observer: string;
  stimulus: string;
  category: string;
  categorySet: string;
  probabilities: string;
}

/**
 * A trial table's answers, one entry per trial: the observer (an index into the dataset's
 * `observerInfo`) and its condition, stimulus, true category and response as indices into
 * `strings`, each column the base64 of little-endian Uint32 words ({@link encodeWords}).
 */
export interface ResponsesPayload {
  strings: string[];
  observer: string;
  condition: string;
  stimulus: string;
  truth: string;
  response: string;
}

/** One trial of a pair, for the "trials behind a pair" table. */
export interface PairTrial {
  stimulus: string;
  /** The first observer's condition of the trial. */
  condition: string;
  /** The second observer's (differs from `condition` only where pooled trials are matched by stimulus alone, e.g. texture-shape's humans "0", models "NaN"). */
  condition2: string;
  /** True category, where known. */
  truth: string | null;
  response1: string | null;
  response2: string | null;
  correct1: boolean;
  correct2: boolean;
  /** URL of the stimulus image under --stimuli, when one was found. */
  image: string | null;
}

export interface PairTrialsResponse {
  observer1: string;
  observer2: string;
  condition: string;
  trials: PairTrial[];
  /** Where --stimuli was given and some images were not found (or found twice), what and how many, in words; else null. */
  imageNote: string | null;
}

/** The server's answer to an upload. */
export type UploadResponse =
  | { dataset: DatasetSummary; notes: string[] }
  /** The file has no model-vs-human columns: the page asks which column holds what. */
  | { needsMapping: true; file: string; columns: string[] };

/** The server's answer to any failed request: one readable sentence naming file, line and field where known. */
export interface ErrorResponse {
  error: string;
}

/** Each distinct text's index, in order of first appearance (`[...strings.keys()]` lists them). */
function stringIndex(): { strings: Map<string, number>; indexOf: (text: string) => number } {
  const strings = new Map<string, number>();
  const indexOf = (text: string) => {
    let k = strings.get(text);
    if (k === undefined) strings.set(text, (k = strings.size));
    return k;
  };
  return { strings, indexOf };
}

/**
 * The answers of a trial table for {@link DatasetPayload.responses}; null where some trial has
 * no true category or response (data given as correctness only). `observers`: the payload's
 * observer names, in `observerInfo` order.
 */
export function encodeResponses(table: TrialTable, observers: readonly string[]): ResponsesPayload | null {
  const { strings, indexOf } = stringIndex();
  const observerIndex = new Map(observers.map((o, i) => [o, i]));
  const columns = {
    observer: new Uint32Array(table.length),
    condition: new Uint32Array(table.length),
    stimulus: new Uint32Array(table.length),
    truth: new Uint32Array(table.length),
    response: new Uint32Array(table.length),
  };
  for (let t = 0; t < table.length; t++) {
    const truth = table.truth[t];
    const response = table.response[t];
    if (truth === null || response === null) return null;
    columns.observer[t] = observerIndex.get(table.observer[t])!;
    columns.condition[t] = indexOf(table.condition[t]);
    columns.stimulus[t] = indexOf(table.stimulus[t]);
    columns.truth[t] = indexOf(truth);
    columns.response[t] = indexOf(response);
  }
  return {
    strings: [...strings.keys()],
    observer: encodeWords(columns.observer),
    condition: encodeWords(columns.condition),
    stimulus: encodeWords(columns.stimulus),
    truth: encodeWords(columns.truth),
    response: encodeWords(columns.response),
  };
}

/**
 * The trial table {@link encodeResponses} encoded, as the readers give it (correct where the
 * response is the true category, `na` missing); trials are located as "<dataset>, trial <k>".
 */
export function decodeResponses(payload: DatasetPayload, responses: ResponsesPayload): TrialTable {
  const [observer, condition, stimulus, truth, response] = [
    responses.observer,
    responses.condition,
    responses.stimulus,
    responses.truth,
    responses.response,
  ].map(decodeWords);
  const text = (column: Uint32Array) => Array.from(column, (k) => responses.strings[k]);
  const responseText = text(response);
  const truthText = text(truth);
  const names = payload.observerInfo.map((o) => o.name);
  return {
    dataset: payload.name,
    length: observer.length,
    observer: Array.from(observer, (k) => names[k]),
    condition: text(condition),
    stimulus: text(stimulus),
    truth: truthText,
    response: responseText,
    correct: Uint8Array.from(responseText, (r, t) => (r === truthText[t] ? 1 : 0)),
    missing: Uint8Array.from(responseText, (r) => (r === NO_ANSWER ? 1 : 0)),
    file: Array.from(observer, () => payload.name),
    line: Int32Array.from(observer, (_, t) => t + 1),
    humans: new Set(payload.observerInfo.filter((o) => o.kind === "human").map((o) => o.name)),
  };
}

/** Score rows for {@link DatasetPayload.scores}; `observers`: the payload's observer names, in `observerInfo` order (every row's observer among them). */
export function encodeScores(rows: readonly TrialScores[], observers: readonly string[]): ScoresPayload {
  const { strings, indexOf } = stringIndex();
  const sets = new Map<string, number>();
  const categorySets: string[][] = [];
  const observerIndex = new Map(observers.map((o, i) => [o, i]));
  const columns = {
    observer: new Uint32Array(rows.length),
    stimulus: new Uint32Array(rows.length),
    category: new Uint32Array(rows.length),
    categorySet: new Uint32Array(rows.length),
  };
  const probabilities = new Float64Array(rows.reduce((sum, row) => sum + row.probabilities.length, 0));
  let at = 0;
  rows.forEach((row, r) => {
    const key = row.categories.join("\u0000");
    let set = sets.get(key);
    if (set === undefined) {
      sets.set(key, (set = categorySets.length));
      categorySets.push([...row.categories]);
    }
    columns.observer[r] = observerIndex.get(row.observer)!;
    columns.stimulus[r] = indexOf(row.stimulus);
    columns.category[r] = indexOf(row.category);
    columns.categorySet[r] = set;
    probabilities.set(row.probabilities, at);
    at += row.probabilities.length;
  });
  return {
    strings: [...strings.keys()],
    categorySets,
    observer: encodeWords(columns.observer),
    stimulus: encodeWords(columns.stimulus),
    category: encodeWords(columns.category),
    categorySet: encodeWords(columns.categorySet),
    probabilities: encodeWords(new Uint32Array(probabilities.buffer)),
  };
}

/** The score rows {@link encodeScores} encoded, located as "<dataset> scores, row <k>". */
export function decodeScores(payload: DatasetPayload, scores: ScoresPayload): TrialScores[] {
  const [observer, stimulus, category, categorySet] = [scores.observer, scores.stimulus, scores.category, scores.categorySet].map(
    decodeWords,
  );
  const probabilities = new Float64Array(decodeWords(scores.probabilities).buffer);
  const rows: TrialScores[] = [];
  let at = 0;
  for (let r = 0; r < observer.length; r++) {
    const categories = scores.categorySets[categorySet[r]];
    rows.push({
      observer: payload.observerInfo[observer[r]].name,
      stimulus: scores.strings[stimulus[r]],
      category: scores.strings[category[r]],
      probabilities: Array.from(probabilities.subarray(at, at + categories.length)),
      categories,
      at: { file: `${payload.name} scores`, line: r + 1 },
    });
    at += categories.length;
  }
  return rows;
}

/** A size in words: "200 MB", "3.9 kB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/** The digits of standard base64, as character codes. */
const BASE64_DIGITS = Uint8Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", (c) => c.charCodeAt(0));
const PAD = "=".charCodeAt(0);

/**
 * Base64 of a Uint32Array's bytes (little-endian, as every platform trialwise runs on): each 3
 * bytes b0 b1 b2 as the digits of v = b0·2¹⁶ + b1·2⁸ + b2 taken 6 bits at a time, the last group
 * padded with "=". The digits are written into bytes and read as text at once: building the
 * text with String.fromCharCode for btoa took 1.4 s for 4 MB in Node 20 (where the server
 * encodes), this about 45 ms (BENCHMARKS.md, "Dashboard payload").
 */
export function encodeWords(words: Uint32Array): string {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const n = bytes.length;
  const out = new Uint8Array(4 * Math.ceil(n / 3));
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = BASE64_DIGITS[v >>> 18];
    out[o++] = BASE64_DIGITS[(v >>> 12) & 63];
    out[o++] = BASE64_DIGITS[(v >>> 6) & 63];
    out[o++] = BASE64_DIGITS[v & 63];
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    out[o++] = BASE64_DIGITS[v >>> 18];
    out[o++] = BASE64_DIGITS[(v >>> 12) & 63];
    out[o++] = two ? BASE64_DIGITS[(v >>> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return new TextDecoder().decode(out);
}

/** The Uint32Array encoded by {@link encodeWords}. */
export function decodeWords(text: string): Uint32Array {
  const binary = atob(text);
  const words = new Uint32Array(binary.length >>> 2);
  const bytes = new Uint8Array(words.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
  return words;
}
