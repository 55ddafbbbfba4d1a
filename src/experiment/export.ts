/**
 * Export of a trial store to the model-vs-human schema: one CSV per participant,
 * `<dataset>_subject-01_session_1.csv`, which `trialwise pairs` and the other analyses read as
 * they are. Node only.
 */
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
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
 * One exported row: `trial` 1-based, `rt` in seconds rounded to whole microseconds (at most six
 * decimals, `0.9942`, never `0.9942000000000001`; `NaN` for a missing answer, as the published
 * human files write it), `timing_ok` 1 when both measured durations were within the protocol's
 * tolerance, else 0.
 */
export function exportRow(participant: ParticipantInfo, t: StoredTrial): Record<string, string | number> {
  return {
    subj: participant.name,
    session: 1,
    trial: t.trial + 1,
    rt: t.rtMs === null ? "NaN" : seconds(t.rtMs),
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

/**
 * Milliseconds as seconds rounded to whole microseconds. One division of the whole number of
 * microseconds gives the double nearest the decimal, which prints as that decimal; dividing the
 * rounded milliseconds by 1000 again would round twice and print float noise.
 */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
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
  /** Exported participants who answered an attention check wrongly (or not at all). */
  failedChecks: { name: string; passed: number; of: number }[];
}

/**
 * Writes one CSV per participant (each atomically) into `folder`, plus
 * `<dataset>_participants.json` (each participant's seed, conditions, times, trial counts) that
 * the trial readers do not read. Only participants who completed every main trial, unless
 * `partial`: a partial participant saw fewer stimuli, so pairs with them would be skipped.
 * While a server holds the store, the data come from that server (`onServer` is told).
 */
export async function exportStore(
  storePath: string,
  folder: string,
  options: { partial?: boolean; distinctFrom?: string; onServer?: (sidecar: Sidecar) => void } = {},
): Promise<ExportResult> {
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
  if (options.distinctFrom !== undefined) await checkNamesDistinct(chosen, dataset, options.distinctFrom);
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  let count = 0;
  let flagged = 0;
  for (const p of chosen) {
    // Attention checks are no stimuli of the set: they go to the summary, not into the trials the analyses read.
    const rows = trials.filter((t) => t.participant === p.number && !t.catchTrial);
    count += rows.length;
    flagged += rows.filter((t) => !t.timingOk).length;
    const file = join(folder, participantFileName(dataset, p));
    await writeFileAtomic(
      file,
      toCsv(
        rows.map((t) => exportRow(p, t)),
        EXPORT_COLUMNS,
      ),
    );
    files.push(file);
  }
  const failedChecks: ExportResult["failedChecks"] = [];
  const summary = participants.map((p) => {
    const checks = trials.filter((t) => t.participant === p.number && t.catchTrial);
    const passed = checks.filter((t) => t.response === t.category).length;
    if (passed < checks.length && chosen.includes(p)) failedChecks.push({ name: p.name, passed, of: checks.length });
    return {
      subj: p.name,
      seed: p.seed,
      conditions: p.conditions,
      started_at: p.startedAt,
      finished_at: p.finishedAt,
      trials_stored: p.storedTrials,
      trials_flagged: p.flaggedTrials,
      exported: chosen.includes(p),
      user_agent: p.userAgent,
      prolific_pid: p.external?.source === "prolific" ? p.external.id : null,
      prolific_study_id: p.external?.studyId ?? null,
      prolific_session_id: p.external?.sessionId ?? null,
      link_participant: p.external?.source === "link" ? p.external.id : null,
      catch_trials: checks.map((t) => ({
        trial: t.trial + 1,
        asked: t.category,
        response: t.response,
        rt: t.rtMs === null ? "NaN" : seconds(t.rtMs),
      })),
      catch_passed: passed,
      attention_ok: checks.length === 0 ? null : passed === checks.length,
      calibration:
        p.calibration === null
          ? null
          : {
              px_per_cm: p.calibration.pxPerCm,
              viewing_distance_cm: p.calibration.viewingDistanceCm,
              stimulus_px: p.calibration.stimulusPx,
              device_pixel_ratio: p.calibration.devicePixelRatio,
              screen_width_px: p.calibration.screenWidthPx,
              screen_height_px: p.calibration.screenHeightPx,
            },
    };
  });
  await writeFileAtomic(
    join(folder, `${dataset}_participants.json`),
    toJson({ dataset, study: settings.study ?? null, trials_per_participant: trialsPerParticipant, participants: summary }),
  );
  return { files, incomplete: participants.filter((p) => !complete(p) && !chosen.includes(p)), trials: count, flagged, failedChecks };
}

/**
 * Refuses an export whose participant names are observers of the trials at `path` (a trial file
 * or folder, e.g. the published humans the export will be merged with): merged, two people of
 * one name would be one observer, and the readers would report that observer's trials as
 * contradicting each other, or silently join them. A name is no collision in the very file this
 * export writes for it (an earlier export of the same store in that folder).
 */
export async function checkNamesDistinct(participants: readonly ParticipantInfo[], dataset: string, path: string): Promise<void> {
  const { loadDatasets } = await import("../io/datasets.ts");
  const { datasets } = await loadDatasets(path);
  const ours = new Map(participants.map((p) => [p.name, participantFileName(dataset, p)]));
  const taken = new Map<string, string>();
  for (const table of datasets) {
    for (let t = 0; t < table.length; t++) {
      const name = table.observer[t];
      const own = ours.get(name);
      if (own !== undefined && basename(table.file[t]) !== own && !taken.has(name)) taken.set(name, table.file[t]);
    }
  }
  if (taken.size === 0) return;
  const list = [...taken].map(([name, file]) => `"${name}" (${file})`);
  const more = list.length > 5 ? ` and ${list.length - 5} more` : "";
  throw new InputError(
    `${taken.size} participant name(s) of the store are already observers here: ${list.slice(0, 5).join(", ")}${more}; ` +
      "expected names that differ (participants are named <study>-subject-NN; serve a new store with another --study)",
    { file: path },
  );
}
