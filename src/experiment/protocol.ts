/**
 * The trial protocol (timing and display) of the experiment, its defaults and their checks.
 * Isomorphic: the server validates it, the browser runs it.
 */
import { InputError } from "../core/errors.ts";

export type ResponseLayout = "labels" | "icons";

export interface Protocol {
  /** Fixation square before the stimulus. */
  fixationMs: number;
  /** Stimulus presentation. */
  stimulusMs: number;
  /** 1/f (pink) noise mask right after the stimulus. */
  maskMs: number;
  /** Time to answer on the response screen; no answer within it is recorded as `na`. */
  responseMs: number;
  /** Blank screen between the end of one trial and the next fixation. */
  interTrialMs: number;
  /** Feedback display after each practice trial (main trials have none). */
  feedbackMs: number;
  /** Practice trials with feedback before the main block. */
  practiceTrials: number;
  /** A break screen after every this many main trials (0: no breaks). */
  breakEvery: number;
  /** A trial is flagged when a measured stimulus or mask duration is off its target by more than this. */
  toleranceMs: number;
  /** Side of the square stimulus and mask on screen, in CSS pixels. */
  sizePx: number;
  /** Response buttons: category names, or icons (`--icons` folder with one image per category). */
  responseLayout: ResponseLayout;
  /** Keys for the response grid, row by row (one character per category; empty: mouse only). */
  responseKeys: string;
  /** Screen background (the mean grey of the noise mask). */
  background: string;
  /** Ask the browser for fullscreen when the participant starts (and after each break). */
  fullscreen: boolean;
  /**
   * Stimulus side in degrees of visual angle (0: use `sizePx`). When set, each participant
   * calibrates the screen first (a bank card matched on screen gives pixels per cm, and the
   * viewing distance is stated), and the stimulus is drawn 2 d tan(deg / 2) cm wide.
   */
  stimulusDeg: number;
  /** The viewing distance asked for (and proposed) in the calibration, in cm (57 cm: 1 cm on screen is about 1 degree). */
  viewingDistanceCm: number;
  /** Attention checks mixed into each participant's main block (the stimulus names the answer); 0: none. */
  catchTrials: number;
  /** Prolific's completion code: a finished participant is sent to Prolific's completion address with it ("": no redirect, unless `completionUrl`). */
  completionCode: string;
  /**
   * Where a finished participant is sent ("": Prolific's address when there is a completion code,
   * else nowhere). `{code}` is replaced by the completion code, `{participant}` by the id the
   * participant came with (PROLIFIC_PID or `?participant=`), URL-encoded. Must be https (or http
   * to localhost).
   */
  completionUrl: string;
}

/** Protocol fields that do not change what is measured (where a finished participant goes): left out of a store's settings, so they can change during a study, and never sent to browsers before the end. */
export const RECRUITMENT_FIELDS = ["completionCode", "completionUrl"] as const;

/** Prolific's completion address; `{code}` is the study's completion code. */
export const PROLIFIC_COMPLETION_URL = "https://app.prolific.com/submissions/complete?cc={code}";

/**
 * The lab protocol of the published experiments (model-vs-human; Geirhos et al.): fixation
 * 300 ms, stimulus 200 ms, pink noise mask 200 ms, up to 1500 ms to answer on a 4x4 grid,
 * mid-grey background. Practice length, breaks, feedback and inter-trial times are this
 * tool's choices, not published values.
 */
export const DEFAULT_PROTOCOL: Readonly<Protocol> = Object.freeze({
  fixationMs: 300,
  stimulusMs: 200,
  maskMs: 200,
  responseMs: 1500,
  interTrialMs: 300,
  feedbackMs: 1000,
  practiceTrials: 10,
  breakEvery: 256,
  toleranceMs: 10,
  sizePx: 224,
  responseLayout: "labels",
  responseKeys: "1234qwerasdfzxcv",
  background: "#808080",
  fullscreen: true,
  stimulusDeg: 0,
  viewingDistanceCm: 57,
  catchTrials: 0,
  completionCode: "",
  completionUrl: "",
});

const DURATIONS = ["fixationMs", "stimulusMs", "maskMs", "responseMs", "interTrialMs", "feedbackMs", "toleranceMs"] as const;
const COUNTS = ["practiceTrials", "breakEvery", "catchTrials"] as const;

/**
 * The protocol from `overrides` (a parsed JSON object, or flags) on top of `base`; every field
 * checked. Unknown fields are errors, so a misspelt field cannot be silently ignored.
 */
export function parseProtocol(overrides: unknown, source: string, base: Readonly<Protocol> = DEFAULT_PROTOCOL): Protocol {
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw new InputError("expected a JSON object of protocol fields", { file: source });
  }
  const protocol: Protocol = { ...base };
  for (const [field, value] of Object.entries(overrides)) {
    const at = { file: source, column: field };
    if (!(field in base)) throw new InputError(`unknown protocol field; expected one of ${Object.keys(base).join(", ")}`, at);
    if ((DURATIONS as readonly string[]).includes(field)) {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 60_000) {
        throw new InputError(`${JSON.stringify(value)} is not a duration; expected milliseconds from 0 to 60000`, at);
      }
    } else if ((COUNTS as readonly string[]).includes(field) || field === "sizePx") {
      if (!Number.isInteger(value) || (value as number) < 0 || (field === "sizePx" && (value as number) < 16)) {
        throw new InputError(
          `${JSON.stringify(value)} is not valid; expected a whole number${field === "sizePx" ? " of at least 16" : " of 0 or more"}`,
          at,
        );
      }
    } else if (field === "stimulusDeg" || field === "viewingDistanceCm") {
      const [low, high] = field === "stimulusDeg" ? [0, 60] : [20, 300];
      if (typeof value !== "number" || !(value >= low && value <= high) || (field === "viewingDistanceCm" && value === 0)) {
        throw new InputError(
          `${JSON.stringify(value)} is not valid; expected a number from ${low} to ${high}${field === "stimulusDeg" ? " (degrees; 0: sizePx)" : " (cm)"}`,
          at,
        );
      }
    } else if (field === "responseLayout") {
      if (value !== "labels" && value !== "icons")
        throw new InputError(`${JSON.stringify(value)} is not a layout; expected "labels" or "icons"`, at);
    } else if (field === "fullscreen") {
      if (typeof value !== "boolean") throw new InputError(`${JSON.stringify(value)} is not valid; expected true or false`, at);
    } else if (typeof value !== "string") {
      throw new InputError(`${JSON.stringify(value)} is not valid; expected a text`, at);
    }
    (protocol as unknown as Record<string, unknown>)[field] = value;
  }
  for (const field of ["stimulusMs", "maskMs", "responseMs"] as const) {
    if (protocol[field] === 0) throw new InputError("must be more than 0 ms", { file: source, column: field });
  }
  if (!/^[A-Za-z0-9]{0,32}$/.test(protocol.completionCode)) {
    throw new InputError(`${JSON.stringify(protocol.completionCode)} is not a completion code; expected up to 32 letters and digits`, {
      file: source,
      column: "completionCode",
    });
  }
  if (protocol.completionUrl !== "" && !isCompletionUrl(protocol.completionUrl)) {
    throw new InputError(
      `${JSON.stringify(protocol.completionUrl)} is not a completion address; expected an https:// URL (http:// only to localhost)`,
      { file: source, column: "completionUrl" },
    );
  }
  const keys = [...protocol.responseKeys.toLowerCase()];
  if (new Set(keys).size !== keys.length)
    throw new InputError(`"${protocol.responseKeys}" repeats a key; expected distinct keys`, { file: source, column: "responseKeys" });
  return protocol;
}

/** The response keys for `categories` (grid order), or an error when there are too few. */
export function responseKeys(protocol: Protocol, categories: readonly string[]): string[] {
  if (protocol.responseKeys === "") return [];
  const keys = [...protocol.responseKeys.toLowerCase()];
  if (keys.length < categories.length) {
    throw new InputError(`${keys.length} response keys for ${categories.length} categories; give one key per category or none`, {
      column: "responseKeys",
    });
  }
  return keys.slice(0, categories.length);
}

function isCompletionUrl(url: string): boolean {
  if (!URL.canParse(url.replace(/\{(code|participant)\}/g, "x"))) return false;
  const parsed = new URL(url.replace(/\{(code|participant)\}/g, "x"));
  return parsed.protocol === "https:" || (parsed.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname));
}

/**
 * Where a finished participant is sent, or null for nowhere: `completionUrl` with `{code}` and
 * `{participant}` filled in (URL-encoded), else Prolific's completion address when there is a
 * completion code.
 */
export function completionRedirect(
  protocol: Pick<Protocol, "completionCode" | "completionUrl">,
  participantId: string | null,
): string | null {
  const template = protocol.completionUrl !== "" ? protocol.completionUrl : protocol.completionCode !== "" ? PROLIFIC_COMPLETION_URL : null;
  if (template === null) return null;
  return template
    .replace(/\{code\}/g, encodeURIComponent(protocol.completionCode))
    .replace(/\{participant\}/g, encodeURIComponent(participantId ?? ""));
}

/** The protocol without its recruitment fields: what a store records and what browsers get. */
export function measurementProtocol(protocol: Protocol): Omit<Protocol, (typeof RECRUITMENT_FIELDS)[number]> {
  const { completionCode: _code, completionUrl: _url, ...rest } = protocol;
  return rest;
}
