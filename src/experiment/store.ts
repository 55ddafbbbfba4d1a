/**
 * The trial store of `trialwise experiment`: one DuckDB file holding the experiment's settings,
 * its participants, every accepted trial (inserted as it arrives) and every rejected submission
 * with its reason. Node only.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { InputError } from "../core/errors.ts";
import type { AcceptedTrial } from "./validation.ts";

/** What a store was created for; a server refuses a store made for other settings. */
export interface ExperimentSettings {
  /** Dataset name of the exported files (`<dataset>_<study>-subject-01_session_1.csv`). */
  dataset: string;
  /** Prefix of the participants' names (`<study>-subject-01`); absent in stores of earlier versions, whose participants are `subject-01`, ... */
  study?: string;
  /** Main trials each participant does. */
  trialsPerParticipant: number;
  /** Everything that fixes the participants' designs and the protocol (compared as JSON). */
  design: Record<string, unknown>;
}

/**
 * Who the participant is outside this store, as the link they came by said: Prolific's URL
 * parameters (`PROLIFIC_PID`, `STUDY_ID`, `SESSION_ID`), or a generic `?participant=` id.
 */
export interface ExternalId {
  source: "prolific" | "link";
  /** PROLIFIC_PID, or the `participant` parameter. */
  id: string;
  /** Prolific's STUDY_ID and SESSION_ID (null for a generic link, or when the link lacked them). */
  studyId: string | null;
  sessionId: string | null;
}

/** The screen as the participant's calibration measured it (see calibration.ts). */
export interface StoredCalibration {
  pxPerCm: number;
  viewingDistanceCm: number;
  /** Side of the stimulus in CSS pixels that the calibration gave. */
  stimulusPx: number;
  devicePixelRatio: number;
  screenWidthPx: number;
  screenHeightPx: number;
}

export interface ParticipantRecord {
  number: number;
  name: string;
  seed: number;
  conditions: string[];
  tokenHash: string;
  startedAt: string;
  finishedAt: string | null;
  userAgent: string;
  storedTrials: number;
  flaggedTrials: number;
  external: ExternalId | null;
  calibration: StoredCalibration | null;
}

/** What addParticipant gives when the external id has taken part already: that participant, unchanged. */
export interface DuplicateParticipant {
  duplicate: ParticipantRecord;
}

export interface StoredTrial {
  participant: number;
  /** 0-based index in the participant's main block. */
  trial: number;
  stimulus: string;
  imagename: string;
  category: string;
  condition: string;
  response: string;
  /** Null for a missing answer. */
  rtMs: number | null;
  /** "key" or "mouse"; null for a missing answer. */
  source: string | null;
  stimulusMs: number;
  maskMs: number;
  frameMs: number;
  timingOk: boolean;
  /** An attention check (its stimulus names the answer); exported in the participants' summary, not as a trial. */
  catchTrial: boolean;
}

/** A participant as export and status see it: without the token hash, which never leaves the server. */
export type ParticipantInfo = Omit<ParticipantRecord, "tokenHash">;

export interface Rejection {
  at: string;
  participant: number | null;
  reason: string;
  body: string;
}

/**
 * What `trialwise experiment export` reads from a store; the offline command and a running
 * server's admin endpoint both read it with `TrialStore.exportData`, so both write the same files.
 */
export interface ExportData {
  settings: ExperimentSettings;
  participants: ParticipantInfo[];
  trials: StoredTrial[];
}

/** What `trialwise experiment status` reads from a store (offline or through a running server). */
export interface StatusData {
  settings: ExperimentSettings;
  participants: ParticipantInfo[];
  rejections: Rejection[];
}

/** The store is held by another process; export and status then ask a running server instead. */
export class StoreLockedError extends InputError {}

/** SHA-256 of a participant's token, hex: the store never holds the token itself. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS experiment (settings VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
  number INTEGER PRIMARY KEY, name VARCHAR NOT NULL, seed BIGINT NOT NULL, conditions VARCHAR NOT NULL,
  token_sha256 VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
  finished_at TIMESTAMP, user_agent VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  participant INTEGER NOT NULL, trial INTEGER NOT NULL, stimulus VARCHAR NOT NULL, imagename VARCHAR NOT NULL,
  category VARCHAR NOT NULL, condition VARCHAR NOT NULL, response VARCHAR NOT NULL, rt_ms DOUBLE, source VARCHAR,
  stimulus_ms DOUBLE NOT NULL, mask_ms DOUBLE NOT NULL, frame_ms DOUBLE NOT NULL, timing_ok BOOLEAN NOT NULL,
  received_at TIMESTAMP NOT NULL DEFAULT current_timestamp, PRIMARY KEY (participant, trial));
CREATE TABLE IF NOT EXISTS rejections (
  rejected_at TIMESTAMP NOT NULL DEFAULT current_timestamp, participant INTEGER, reason VARCHAR NOT NULL, body VARCHAR NOT NULL);
ALTER TABLE participants ADD COLUMN IF NOT EXISTS external_source VARCHAR;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS external_id VARCHAR;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS external_study VARCHAR;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS external_session VARCHAR;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS calibration VARCHAR;
ALTER TABLE trials ADD COLUMN IF NOT EXISTS catch_trial BOOLEAN;
`;

/**
 * A DuckDB trial store. Writes go through one queue, so a check followed by an insert (the
 * next trial's index, the next participant's number) is never interleaved with another write.
 */
export class TrialStore {
  private queue: Promise<unknown> = Promise.resolve();
  /** Name and token hash by participant number: fixed once a participant exists, so kept (every request checks them). */
  private readonly identities = new Map<number, { name: string; tokenHash: string }>();
  /** Stored trials by participant, kept in step by storeTrial (the only writer of trials). */
  private readonly counts = new Map<number, number>();
  private readonly calibratedParticipants = new Set<number>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly path: string,
    readonly settings: ExperimentSettings,
    /** Columns added since the first version (external ids, calibration, catch trials): a store of an earlier version, read only, lacks them. */
    private readonly current = true,
  ) {}

  /**
   * Opens (or creates) the store at `path` for an experiment with `settings`; a store created
   * for other settings is refused, as its participants' designs would not be reproduced.
   */
  static async open(path: string, settings: ExperimentSettings): Promise<TrialStore> {
    await mkdir(dirname(path), { recursive: true });
    await checkDuckDbFile(path);
    const { instance, connection } = await connect(path, false);
    try {
      await connection.run(SCHEMA);
      // The tables written to the database file now, not left in the write-ahead log: DuckDB
      // fails to replay a log that adds a column to a table with a DEFAULT expression
      // ("GetDefaultDatabase with no default database set"), so a server killed before its
      // first checkpoint would leave a store that cannot be opened (tested with SIGKILL).
      await connection.run("CHECKPOINT");
      const rows = (await connection.runAndReadAll("SELECT settings FROM experiment")).getRowsJS();
      const wanted = JSON.stringify(settings);
      if (rows.length === 0) await connection.run("INSERT INTO experiment VALUES ($1)", [wanted]);
      else if (rows[0][0] !== wanted) {
        const stored = JSON.parse(rows[0][0] as string) as ExperimentSettings;
        throw new InputError(
          `this store holds an experiment with other settings (${differences(stored, settings).join("; ")}); give the same stimuli and options, or a new --store`,
          { file: path },
        );
      }
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new TrialStore(instance, connection, path, settings);
  }

  /** Opens an existing store to read (export, status). */
  static async read(path: string): Promise<TrialStore> {
    if (!existsSync(path))
      throw new InputError("no such file; expected a trial store (DuckDB file) written by trialwise experiment serve", { file: path });
    await checkDuckDbFile(path);
    const { instance, connection } = await connect(path, true);
    try {
      const rows = (await connection.runAndReadAll("SELECT settings FROM experiment")).getRowsJS();
      if (rows.length !== 1) throw new Error("no settings row");
      const columns = await connection.runAndReadAll(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'trials' AND column_name = 'catch_trial'",
      );
      return new TrialStore(
        instance,
        connection,
        path,
        JSON.parse(rows[0][0] as string) as ExperimentSettings,
        columns.getRowsJS().length > 0,
      );
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      if (error instanceof InputError) throw error;
      throw new InputError(`not a trialwise experiment store (${(error as Error).message.split("\n")[0]})`, { file: path });
    }
  }

  /** Runs `task` after every earlier queued write. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds the next participant (numbers 1, 2, ...): `describe` gives its seed and conditions from
   * its number. An external id (Prolific, a link) that has taken part already adds nobody: the
   * earlier participant comes back as `duplicate` (checked and inserted in one queued step, so
   * two simultaneous starts of one id never both count).
   */
  addParticipant(
    tokenHash: string,
    userAgent: string,
    describe: (number: number) => { name: string; seed: number; conditions: string[] },
    external: ExternalId | null = null,
  ): Promise<ParticipantRecord | DuplicateParticipant> {
    return this.serial(async () => {
      if (external) {
        const earlier = (
          await this.connection.runAndReadAll("SELECT number FROM participants WHERE external_source = $1 AND external_id = $2", [
            external.source,
            external.id,
          ])
        ).getRowsJS();
        if (earlier.length > 0) return { duplicate: (await this.participant(earlier[0][0] as number))! };
      }
      const next = (
        await this.connection.runAndReadAll("SELECT coalesce(max(number), 0) + 1 FROM participants")
      ).getRowsJS()[0][0] as number;
      const { name, seed, conditions } = describe(next);
      await this.connection.run(
        `INSERT INTO participants (number, name, seed, conditions, token_sha256, user_agent, external_source, external_id, external_study, external_session)
         VALUES ($1::INTEGER, $2, $3::BIGINT, $4, $5, $6, $7::VARCHAR, $8::VARCHAR, $9::VARCHAR, $10::VARCHAR)`,
        [
          next,
          name,
          seed,
          JSON.stringify(conditions),
          tokenHash,
          userAgent,
          external?.source ?? null,
          external?.id ?? null,
          external?.studyId ?? null,
          external?.sessionId ?? null,
        ],
      );
      return (await this.participant(next))!;
    });
  }

  /** Stores the participant's screen calibration (the latest one counts). */
  setCalibration(participant: number, calibration: StoredCalibration): Promise<void> {
    return this.serial(async () => {
      await this.connection.run("UPDATE participants SET calibration = $1 WHERE number = $2::INTEGER", [
        JSON.stringify(calibration),
        participant,
      ]);
      this.calibratedParticipants.add(participant);
    });
  }

  /** The participant's name and token hash (what every request checks), without reading its trials. */
  async identity(number: number): Promise<{ number: number; name: string; tokenHash: string } | undefined> {
    let found = this.identities.get(number);
    if (!found) {
      const rows = (
        await this.connection.runAndReadAll("SELECT name, token_sha256 FROM participants WHERE number = $1::INTEGER", [number])
      ).getRowsJS();
      if (rows.length === 0) return undefined;
      found = { name: rows[0][0] as string, tokenHash: rows[0][1] as string };
      this.identities.set(number, found);
    }
    return { number, ...found };
  }

  /** Whether the participant has a stored calibration. */
  async calibrated(number: number): Promise<boolean> {
    if (this.calibratedParticipants.has(number)) return true;
    const rows = (
      await this.connection.runAndReadAll("SELECT calibration IS NOT NULL FROM participants WHERE number = $1::INTEGER", [number])
    ).getRowsJS();
    if (rows.length > 0 && rows[0][0] === true) this.calibratedParticipants.add(number);
    return this.calibratedParticipants.has(number);
  }

  async participant(number: number): Promise<ParticipantRecord | undefined> {
    return (await this.participants(number))[0];
  }

  /** All participants (or one), by number, with their stored and flagged trial counts. */
  async participants(only?: number): Promise<ParticipantRecord[]> {
    const reader = await this.connection.runAndReadAll(
      `SELECT p.number, p.name, p.seed, p.conditions, p.token_sha256, strftime(p.started_at, '%Y-%m-%dT%H:%M:%SZ') AS started,
         strftime(p.finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished, p.user_agent,
         count(t.trial) AS stored, count(t.trial) FILTER (WHERE NOT t.timing_ok) AS flagged,
         ${this.current ? "p.external_source, p.external_id, p.external_study, p.external_session, p.calibration" : "NULL, NULL, NULL, NULL, NULL"}
       FROM participants p LEFT JOIN trials t ON t.participant = p.number
       ${only === undefined ? "" : "WHERE p.number = $1::INTEGER"}
       GROUP BY ALL ORDER BY p.number`,
      only === undefined ? [] : [only],
    );
    return reader.getRowsJS().map((r) => ({
      number: r[0] as number,
      name: r[1] as string,
      seed: Number(r[2]),
      conditions: JSON.parse(r[3] as string) as string[],
      tokenHash: r[4] as string,
      startedAt: r[5] as string,
      finishedAt: (r[6] as string | null) ?? null,
      userAgent: r[7] as string,
      storedTrials: Number(r[8]),
      flaggedTrials: Number(r[9]),
      external:
        r[10] === null
          ? null
          : {
              source: r[10] as ExternalId["source"],
              id: r[11] as string,
              studyId: (r[12] as string | null) ?? null,
              sessionId: (r[13] as string | null) ?? null,
            },
      calibration: r[14] === null ? null : (JSON.parse(r[14] as string) as StoredCalibration),
    }));
  }

  /**
   * Stores the participant's next trial after `check` accepts it, given the number of trials
   * already stored (checked and inserted in one queued step).
   */
  storeTrial<R extends { ok: true; trial: AcceptedTrial } | { ok: false }>(
    participant: number,
    check: (storedCount: number) => R,
  ): Promise<R> {
    return this.serial(async () => {
      const count = await this.storedCount(participant);
      const verdict = check(count);
      if (!verdict.ok) return verdict;
      const t = (verdict as { ok: true; trial: AcceptedTrial }).trial;
      await this.connection.run(
        `INSERT INTO trials (participant, trial, stimulus, imagename, category, condition, response, rt_ms, source, stimulus_ms, mask_ms, frame_ms, timing_ok, catch_trial)
         VALUES ($1::INTEGER, $2::INTEGER, $3, $4, $5, $6, $7, $8::DOUBLE, $9::VARCHAR, $10::DOUBLE, $11::DOUBLE, $12::DOUBLE, $13::BOOLEAN, $14::BOOLEAN)`,
        [
          participant,
          t.trial,
          t.stimulus,
          t.stimulusInfo.name,
          t.stimulusInfo.category,
          t.stimulusInfo.condition,
          t.response,
          t.rt,
          t.source,
          t.stimulusMs,
          t.maskMs,
          t.frameMs,
          t.timingOk,
          t.stimulusInfo.catchTrial === true,
        ],
      );
      this.counts.set(participant, count + 1);
      return verdict;
    });
  }

  /** Number of trials stored for a participant. */
  async storedCount(participant: number): Promise<number> {
    const known = this.counts.get(participant);
    if (known !== undefined) return known;
    const count = Number(
      (await this.connection.runAndReadAll("SELECT count(*) FROM trials WHERE participant = $1::INTEGER", [participant])).getRowsJS()[0][0],
    );
    // Set only if storeTrial did not count meanwhile (it starts from this same query's kind).
    if (!this.counts.has(participant)) this.counts.set(participant, count);
    return this.counts.get(participant)!;
  }

  markFinished(participant: number): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        "UPDATE participants SET finished_at = current_timestamp WHERE number = $1::INTEGER AND finished_at IS NULL",
        [participant],
      );
    });
  }

  /** Records a rejected submission and its reason. */
  reject(participant: number | null, reason: string, body: unknown): Promise<void> {
    return this.serial(async () => {
      await this.connection.run("INSERT INTO rejections (participant, reason, body) VALUES ($1::INTEGER, $2, $3)", [
        participant,
        reason,
        JSON.stringify(body) ?? "null",
      ]);
    });
  }

  async rejections(): Promise<Rejection[]> {
    const reader = await this.connection.runAndReadAll(
      "SELECT strftime(rejected_at, '%Y-%m-%dT%H:%M:%SZ'), participant, reason, body FROM rejections ORDER BY rejected_at",
    );
    return reader
      .getRowsJS()
      .map((r) => ({ at: r[0] as string, participant: (r[1] as number | null) ?? null, reason: r[2] as string, body: r[3] as string }));
  }

  /** Every stored trial, by participant and trial. */
  async trials(): Promise<StoredTrial[]> {
    const reader = await this.connection.runAndReadAll(
      `SELECT participant, trial, stimulus, imagename, category, condition, response, rt_ms, source, stimulus_ms, mask_ms, frame_ms, timing_ok, ${this.current ? "catch_trial" : "false"}
       FROM trials ORDER BY participant, trial`,
    );
    return reader.getRowsJS().map((r) => ({
      participant: r[0] as number,
      trial: r[1] as number,
      stimulus: r[2] as string,
      imagename: r[3] as string,
      category: r[4] as string,
      condition: r[5] as string,
      response: r[6] as string,
      rtMs: (r[7] as number | null) ?? null,
      source: (r[8] as string | null) ?? null,
      stimulusMs: r[9] as number,
      maskMs: r[10] as number,
      frameMs: r[11] as number,
      timingOk: r[12] as boolean,
      catchTrial: r[13] === true,
    }));
  }

  /** Export's data, read between two queued writes so that trial counts and trials agree. */
  exportData(): Promise<ExportData> {
    return this.serial(async () => ({
      settings: this.settings,
      participants: withoutTokens(await this.participants()),
      trials: await this.trials(),
    }));
  }

  /** Status's data, read between two queued writes. */
  statusData(): Promise<StatusData> {
    return this.serial(async () => ({
      settings: this.settings,
      participants: withoutTokens(await this.participants()),
      rejections: await this.rejections(),
    }));
  }

  async close(): Promise<void> {
    await this.queue;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Where a DuckDB database file carries its magic bytes "DUCK" (after an 8-byte checksum). */
const DUCKDB_MAGIC = { offset: 8, bytes: "DUCK" };

/**
 * Refuses an existing file that is not a DuckDB database. DuckDB itself opens a CSV, Parquet or
 * JSON file as an empty in-memory database: a server on it would store every trial in memory
 * and lose them all when it stops. A path that does not exist yet is fine (a new store).
 */
async function checkDuckDbFile(path: string): Promise<void> {
  const header = Buffer.alloc(DUCKDB_MAGIC.offset + DUCKDB_MAGIC.bytes.length);
  let bytesRead: number;
  try {
    const file = await open(path, "r");
    try {
      ({ bytesRead } = await file.read(header, 0, header.length, 0));
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new InputError(
      `cannot read the trial store (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a DuckDB file`,
      { file: path },
    );
  }
  if (bytesRead < header.length || header.toString("latin1", DUCKDB_MAGIC.offset) !== DUCKDB_MAGIC.bytes) {
    throw new InputError(
      "not a DuckDB file; expected a trial store written by trialwise experiment serve, or the name of a file to create",
      { file: path },
    );
  }
}

async function connect(path: string, readOnly: boolean): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : {});
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    if (/lock/i.test(message))
      throw new StoreLockedError("the store is in use by another process (a running `trialwise experiment serve`?); stop it first", {
        file: path,
      });
    throw new InputError(
      readOnly
        ? `cannot open the trial store (${message}); expected a DuckDB file written by trialwise experiment serve`
        : `cannot open or create the trial store (${message})`,
      { file: path },
    );
  }
  return { instance, connection: await instance.connect() };
}

function withoutTokens(participants: ParticipantRecord[]): ParticipantInfo[] {
  return participants.map(({ tokenHash: _, ...info }) => info);
}

/** Which top-level settings differ, for the refusal message. */
function differences(stored: ExperimentSettings, wanted: ExperimentSettings): string[] {
  const out: string[] = [];
  const a = { dataset: stored.dataset, trialsPerParticipant: stored.trialsPerParticipant, ...stored.design };
  const b = { dataset: wanted.dataset, trialsPerParticipant: wanted.trialsPerParticipant, ...wanted.design };
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = JSON.stringify((a as Record<string, unknown>)[key]);
    const y = JSON.stringify((b as Record<string, unknown>)[key]);
    if (x !== y) out.push(`${key}: stored ${shorten(x)}, now ${shorten(y)}`);
  }
  return out;
}

function shorten(text: string | undefined): string {
  if (text === undefined) return "none";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
