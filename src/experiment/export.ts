/**
 * Export of a trial store to the model-vs-human schema: one CSV per participant,
 * `<dataset>_subject-01_session_1.csv`, which `trialwise pairs` and the other analyses read as
 * they are. Node only.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import { checkName } from "../core/file-names.ts";
import { SCHEMA_COLUMNS } from "../core/trials.ts";
import { toCsv, toJson } from "../io/format.ts";
import { writeFileAtomic } from "../io/output.ts";
import { type Sidecar, readStoreData } from "./admin.ts";
import type { ParticipantInfo, StoredTrial } from "./store.ts";

/** The schema's columns, then how the answer was given and the timing measurements (extra columns the readers ignore). */
export const EXPORT_COLUMNS = [...SCHEMA_COLUMNS, "response_source", "stimulus_ms", "mask_ms", "frame_ms", "timing_ok"] as const;

/**
 * One exported row: `trial` 1-based, `rt` in seconds (`NaN` for a missing answer, as the
 * published human files write it), `timing_ok` 1 when both measured durations were within
 * the protocol's tolerance, else 0.
 */
export function exportRow(participant: ParticipantInfo, t: StoredTrial): Record<string, string | number> {
  return {
    subj: participant.name,
    session: 1,
    trial: t.trial + 1,
    rt: t.rtMs === null ? "NaN" : microseconds(t.rtMs) / 1000,
    object_response: t.response,
    category: t.category,
    condition: t.condition,
    imagename: t.imagename,
    response_source: t.source ?? "NaN",
    stimulus_ms: microseconds(t.stimulusMs),
    mask_ms: microseconds(t.maskMs),
    frame_ms: microseconds(t.frameMs),
    timing_ok: t.timingOk ? 1 : 0,
  };
}

/**
 * Milliseconds rounded to whole microseconds: browsers report times at 5 to 100 microsecond
 * resolution, and the float noise of their differences (16.699999999999818) is not data.
 */
function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The CSV file name of a participant: `<dataset>_subject-01_session_1.csv`. */
export function participantFileName(dataset: string, participant: ParticipantInfo): string {
  return `${dataset}_${participant.name}_session_1.csv`;
}

export interface ExportResult {
  files: string[];
  /** Participants left out: without `partial` those who did not complete the main block; with it, those without stored trials. */
  incomplete: ParticipantInfo[];
  trials: number;
  flagged: number;
}

/**
 * Writes one CSV per participant (each atomically) into `folder`, plus
 * `<dataset>_participants.json` (each participant's seed, conditions, times, trial counts) that
 * the trial readers do not read. Only participants who completed every main trial, unless
 * `partial`: a partial participant saw fewer stimuli, so pairs with them would be skipped.
 * While a server holds the store, the data come from that server (`onServer` is told).
 */
export async function exportStore(storePath: string, folder: string, options: { partial?: boolean; onServer?: (sidecar: Sidecar) => void } = {}): Promise<ExportResult> {
  const { settings, participants, trials } = await readStoreData(storePath, "export", options.onServer);
  const { dataset, trialsPerParticipant } = settings;
  checkName(dataset, { file: storePath, what: "the store's dataset name" });
  const complete = (p: ParticipantInfo) => p.storedTrials === trialsPerParticipant;
  const chosen = participants.filter((p) => p.storedTrials > 0 && (options.partial || complete(p)));
  if (chosen.length === 0) {
    // --partial only helps when some participant has stored trials.
    const anyStored = participants.some((p) => p.storedTrials > 0);
    throw new InputError(
      participants.length === 0
        ? "no participants yet; nothing to export"
        : !anyStored
          ? `no participant has stored a trial yet (${participants.length} started); nothing to export`
          : `no participant has completed all ${trialsPerParticipant} trials yet (--partial exports incomplete ones)`,
      { file: storePath },
    );
  }
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  let count = 0;
  let flagged = 0;
  for (const p of chosen) {
    const rows = trials.filter((t) => t.participant === p.number);
    count += rows.length;
    flagged += rows.filter((t) => !t.timingOk).length;
    const file = join(folder, participantFileName(dataset, p));
    await writeFileAtomic(file, toCsv(rows.map((t) => exportRow(p, t)), EXPORT_COLUMNS));
    files.push(file);
  }
  const summary = participants.map((p) => ({
    subj: p.name,
    seed: p.seed,
    conditions: p.conditions,
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    trials_stored: p.storedTrials,
    trials_flagged: p.flaggedTrials,
    exported: chosen.includes(p),
    user_agent: p.userAgent,
  }));
  await writeFileAtomic(join(folder, `${dataset}_participants.json`), toJson({ dataset, trials_per_participant: trialsPerParticipant, participants: summary }));
  return { files, incomplete: participants.filter((p) => !complete(p) && !chosen.includes(p)), trials: count, flagged };
}
