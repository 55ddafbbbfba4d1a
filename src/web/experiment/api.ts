/** The experiment server's JSON API, as the browser app uses it. */
import type { Protocol } from "../../experiment/protocol.ts";
import type { CalibrationMeasurement } from "../../experiment/calibration.ts";
import type { StartRequest, TrialSubmission } from "../../experiment/validation.ts";

export interface ExperimentInfo {
  dataset: string;
  /** The protocol without its recruitment fields (the completion code comes only at the end). */
  protocol: Omit<Protocol, "completionCode" | "completionUrl">;
  categories: string[];
  keys: string[];
  /** Main trials per participant, attention checks included. */
  trialsPerParticipant: number;
  /** Practice trials a new participant does (the plan's, which may be fewer than the protocol asks). */
  practiceTrials: number;
  /** Consent and debrief screens (HTML), or null for none. */
  consentHtml: string | null;
  debriefHtml: string | null;
}

export interface ParticipantState {
  name: string;
  seed: number;
  conditions: string[];
  /** Stimulus ids of the main trials, in order. */
  trials: string[];
  practice: { stimulus: string; category: string }[];
  /** Index of the next main trial not yet stored. */
  next: number;
  finished: boolean;
  /** The recruitment id the participant started with (PROLIFIC_PID or ?participant=), or null. */
  externalId: string | null;
  /** Stimulus side from the participant's calibration, CSS pixels; null before a calibration (or without one). */
  stimulusPx: number | null;
}

export interface Session {
  name: string;
  token: string;
  /** The recruitment id it started with, so that a link with another id starts a new participant. */
  externalId?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, session?: Session, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  // keepalive: a trial being sent when the tab closes still reaches the server.
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    keepalive: method === "POST",
  });
  const payload = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new ApiError(response.status, payload.error ?? response.statusText);
  return payload;
}

export const api = {
  experiment: () => call<ExperimentInfo>("GET", "/api/experiment"),
  start: (ids: StartRequest) => call<ParticipantState & { token: string }>("POST", "/api/participants", undefined, ids),
  resume: (session: Session) => call<ParticipantState>("GET", `/api/participants/${encodeURIComponent(session.name)}`, session),
  calibrate: (session: Session, measurement: CalibrationMeasurement) =>
    call<{ stimulusPx: number }>("POST", `/api/participants/${encodeURIComponent(session.name)}/calibration`, session, measurement),
  finish: (session: Session) =>
    call<{ finished: boolean; redirect: string | null }>(
      "POST",
      `/api/participants/${encodeURIComponent(session.name)}/finish`,
      session,
      {},
    ),
};

/**
 * Sends trials one at a time, in order, while the experiment goes on. A failed send (network,
 * server error) is retried with growing delays; a rejection (4xx) is final and kept in
 * `rejected`, and nothing after it is sent.
 */
export class TrialSender {
  private chain: Promise<void> = Promise.resolve();
  readonly stored: number[] = [];
  readonly rejected: { trial: number; status: number; reason: string }[] = [];

  constructor(private readonly session: Session) {}

  send(result: TrialSubmission): void {
    this.chain = this.chain.then(() => this.deliver(result));
  }

  /** Resolves once every trial handed to `send` is stored or rejected. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async deliver(result: TrialSubmission): Promise<void> {
    // After a refusal every later trial would be refused as out of order.
    if (this.rejected.length > 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await call("POST", `/api/participants/${encodeURIComponent(this.session.name)}/trials`, this.session, result);
        this.stored.push(result.trial);
        return;
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          this.rejected.push({ trial: result.trial, status: error.status, reason: error.message });
          console.error(`trial ${result.trial} rejected: ${error.message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
      }
    }
  }
}
