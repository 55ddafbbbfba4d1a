/**
 * Checks of one submitted trial and of its timing (isomorphic: pure functions of the
 * submission, the participant's design and the protocol).
 */
import { NO_ANSWER } from "../core/trials.ts";
import type { DesignStimulus, ParticipantDesign } from "./design.ts";
import type { Protocol } from "./protocol.ts";

/** What the browser sends after each main trial (JSON; times in milliseconds). */
export interface TrialSubmission {
  /** 0-based index in the participant's main block. */
  trial: number;
  /** Stimulus id the browser showed. */
  stimulus: string;
  /** A category, or `na` when no answer came within the response window. */
  response: string;
  /** Response time from the onset of the response screen; null for `na`. */
  rt: number | null;
  /** How the answer was given; null for `na`. */
  source: "key" | "mouse" | null;
  /** Measured on-screen durations of stimulus and mask (from animation-frame timestamps). */
  stimulusMs: number;
  maskMs: number;
  /** The display's measured frame interval. */
  frameMs: number;
}

/** A trial that passed the checks, ready for the store. */
export interface AcceptedTrial extends TrialSubmission {
  stimulusInfo: DesignStimulus;
  /** Both measured durations within the protocol's tolerance of their targets. */
  timingOk: boolean;
}

export type Verdict = { ok: true; trial: AcceptedTrial } | { ok: false; status: 400 | 409; reason: string };

/**
 * How much later than the response window an answer may be timed: the window closes on a
 * timer, and a click or key handled in the same task can carry a timestamp slightly past it.
 */
export const RT_SLACK_MS = 100;

/** Longest measured duration accepted as a measurement at all (a tab in the background pauses frames). */
export const MAX_MEASURED_MS = 60_000;

/**
 * Whether measured stimulus and mask durations are within `toleranceMs` of their targets.
 * The browser switches screens on the frame nearest each target, so on a steady display the
 * error is at most half a frame (8.3 ms at 60 Hz); a dropped or extra frame exceeds the
 * default 10 ms tolerance at 60 Hz and is flagged.
 */
export function timingWithinTolerance(
  measured: { stimulusMs: number; maskMs: number },
  protocol: Pick<Protocol, "stimulusMs" | "maskMs" | "toleranceMs">,
): boolean {
  return (
    Math.abs(measured.stimulusMs - protocol.stimulusMs) <= protocol.toleranceMs &&
    Math.abs(measured.maskMs - protocol.maskMs) <= protocol.toleranceMs
  );
}

/**
 * Accepts a submission only when it is the participant's next trial (`storedCount` trials are
 * stored: trials arrive in order, none twice), shows the stimulus the design put at that index,
 * answers with a response category or `na`, and carries plausible times: an rt in
 * (0, responseMs + RT_SLACK_MS] and a source (key or mouse) for an answer, both null for `na`, measured durations and frame
 * interval finite and in (0, MAX_MEASURED_MS]. Returns the reason of the first failed check.
 */
export function validateSubmission(
  body: unknown,
  design: ParticipantDesign,
  storedCount: number,
  protocol: Protocol,
  categories: readonly string[],
): Verdict {
  const bad = (reason: string): Verdict => ({ ok: false, status: 400, reason });
  if (typeof body !== "object" || body === null || Array.isArray(body)) return bad("expected a JSON object");
  const b = body as Record<string, unknown>;
  if (!Number.isInteger(b.trial)) return bad(`trial: expected an integer index, got ${JSON.stringify(b.trial)}`);
  const index = b.trial as number;
  if (index < 0 || index >= design.trials.length) return bad(`trial: ${index} is out of range; expected 0 to ${design.trials.length - 1}`);
  if (index < storedCount) return { ok: false, status: 409, reason: `trial ${index} is already stored` };
  if (index > storedCount)
    return { ok: false, status: 409, reason: `trial ${index} is ahead of the next trial ${storedCount}; trials are stored in order` };
  const expected = design.trials[index].stimulus;
  if (b.stimulus !== expected.id) return bad(`stimulus: trial ${index} shows stimulus ${expected.id}, not ${JSON.stringify(b.stimulus)}`);
  if (typeof b.response !== "string" || (b.response !== NO_ANSWER && !categories.includes(b.response))) {
    return bad(`response: ${JSON.stringify(b.response)} is not a category; expected one of ${categories.join(", ")} or ${NO_ANSWER}`);
  }
  if (b.response === NO_ANSWER) {
    if (b.rt !== null) return bad(`rt: expected null for a missing answer (${NO_ANSWER}), got ${JSON.stringify(b.rt)}`);
    if (b.source !== null) return bad(`source: expected null for a missing answer (${NO_ANSWER}), got ${JSON.stringify(b.source)}`);
  } else {
    const limit = protocol.responseMs + RT_SLACK_MS;
    if (typeof b.rt !== "number" || !(b.rt > 0 && b.rt <= limit))
      return bad(`rt: ${JSON.stringify(b.rt)} is not a plausible response time; expected milliseconds in (0, ${limit}]`);
    if (b.source !== "key" && b.source !== "mouse")
      return bad(`source: ${JSON.stringify(b.source)} is not how an answer is given; expected "key" or "mouse"`);
  }
  for (const field of ["stimulusMs", "maskMs", "frameMs"] as const) {
    const value = b[field];
    if (typeof value !== "number" || !(value > 0 && value <= MAX_MEASURED_MS))
      return bad(`${field}: ${JSON.stringify(value)} is not a measured duration; expected milliseconds in (0, ${MAX_MEASURED_MS}]`);
  }
  const submission: TrialSubmission = {
    trial: index,
    stimulus: expected.id,
    response: b.response,
    rt: b.rt as number | null,
    source: b.source as "key" | "mouse" | null,
    stimulusMs: b.stimulusMs as number,
    maskMs: b.maskMs as number,
    frameMs: b.frameMs as number,
  };
  return { ok: true, trial: { ...submission, stimulusInfo: expected, timingOk: timingWithinTolerance(submission, protocol) } };
}

/** An id from a recruitment link: letters, digits, _ and -, 1 to 64 characters (Prolific's ids are 24 hexadecimal digits). */
const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What the page sends to start a participant: the ids of the link it was opened with, if any. */
export interface StartRequest {
  /** Prolific's URL parameters. */
  PROLIFIC_PID?: string;
  STUDY_ID?: string;
  SESSION_ID?: string;
  /** A generic link's `?participant=` id. */
  participant?: string;
}

/**
 * The external id of a start request ({@link StartRequest}): Prolific's when PROLIFIC_PID is
 * given (STUDY_ID and SESSION_ID optional), else the generic `participant`, else none (null).
 * A malformed id, or both kinds at once, is refused with the reason.
 */
export function parseStartRequest(
  body: unknown,
):
  | { ok: true; external: { source: "prolific" | "link"; id: string; studyId: string | null; sessionId: string | null } | null }
  | { ok: false; reason: string } {
  if (body === undefined || body === null) return { ok: true, external: null };
  if (typeof body !== "object" || Array.isArray(body)) return { ok: false, reason: "expected a JSON object" };
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "participant"].includes(k));
  if (unknown.length > 0)
    return { ok: false, reason: `${unknown[0]}: unknown field; expected PROLIFIC_PID, STUDY_ID, SESSION_ID or participant` };
  for (const field of ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "participant"]) {
    const value = b[field];
    if (value !== undefined && (typeof value !== "string" || !EXTERNAL_ID.test(value))) {
      return {
        ok: false,
        reason: `${field}: ${JSON.stringify(value).slice(0, 80)} is not an id; expected 1 to 64 letters, digits, _ or -`,
      };
    }
  }
  if (b.PROLIFIC_PID !== undefined && b.participant !== undefined)
    return { ok: false, reason: "PROLIFIC_PID and participant both given; expected one id" };
  if (b.PROLIFIC_PID === undefined && (b.STUDY_ID !== undefined || b.SESSION_ID !== undefined))
    return { ok: false, reason: "STUDY_ID or SESSION_ID without PROLIFIC_PID" };
  if (b.PROLIFIC_PID !== undefined) {
    return {
      ok: true,
      external: {
        source: "prolific",
        id: b.PROLIFIC_PID as string,
        studyId: (b.STUDY_ID as string | undefined) ?? null,
        sessionId: (b.SESSION_ID as string | undefined) ?? null,
      },
    };
  }
  if (b.participant !== undefined)
    return { ok: true, external: { source: "link", id: b.participant as string, studyId: null, sessionId: null } };
  return { ok: true, external: null };
}
