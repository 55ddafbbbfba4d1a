/**
 * Whether a raw-data folder (`trialwise reproduce --data`) holds the trial files the report
 * compares with the paper: every file the manifest (src/data/geirhos2020-raw-data.json) lists
 * in the datasets the report analyses (the three texture-shape and the seven
 * noise-generalisation folders), and no other trial file there. A missing observer would fail
 * the analysis halfway or silently change a group's number, and an extra one would change it
 * too, so the folder is checked by file name before anything is read; what is inside the
 * files is checked by the readers and the analysis.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import { compareText } from "../core/trials.ts";
import { trialFileKind } from "../io/trial-files.ts";
import { geirhos2020Manifest } from "../io/fetch.ts";
import { TEXTURE_SHAPE_DATASETS } from "./geirhos2020-facts.ts";

/** Most file names listed per folder and kind of difference; the rest are counted. */
const NAMES_SHOWN = 8;

/** Whether the report analyses the dataset in this folder of the raw data. */
function isAnalysed(folder: string): boolean {
  return (TEXTURE_SHAPE_DATASETS as readonly string[]).includes(folder) || folder.startsWith("noise-generalisation_");
}

/** The observer a published trial file holds, from its name (`<prefix>_<observer>[_]session[-_]<n>.csv`). */
function observerOfFile(name: string): string | undefined {
  return /^.*_([^_]+?)_?session[-_]\d+\.csv$/.exec(name)?.[1];
}

function listed(names: readonly string[], describe: (name: string) => string = (n) => n): string {
  const shown = names.slice(0, NAMES_SHOWN).map(describe).join(", ");
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/** The published trial files of each analysed dataset folder, by folder. */
function publishedFiles(): Map<string, Set<string>> {
  const byFolder = new Map<string, Set<string>>();
  for (const { path } of geirhos2020Manifest().files) {
    const [folder, name] = path.split("/");
    if (name === undefined || !isAnalysed(folder)) continue;
    if (!byFolder.has(folder)) byFolder.set(folder, new Set());
    byFolder.get(folder)!.add(name);
  }
  return byFolder;
}

/**
 * Throws an InputError located at `dataDir` listing, per dataset folder, the published trial
 * files it lacks (with their observers), the folders that are missing, and the trial files
 * (CSV, Parquet) it holds that were not published.
 */
export async function checkGeirhos2020Copy(dataDir: string): Promise<void> {
  const problems: string[] = [];
  const published = [...publishedFiles()].sort(([a], [b]) => compareText(a, b));
  let foldersMissing = 0;
  for (const [folder, expected] of published) {
    let present: Set<string>;
    try {
      present = new Set((await readdir(join(dataDir, folder), { withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => e.name));
    } catch {
      problems.push(`  ${folder}: the folder is missing (${expected.size} trial files)`);
      foldersMissing++;
      continue;
    }
    const missing = [...expected].filter((name) => !present.has(name)).sort(compareText);
    const extra = [...present].filter((name) => !expected.has(name) && trialFileKind(name) !== undefined).sort(compareText);
    if (missing.length > 0) {
      problems.push(
        `  ${folder}: missing ${listed(missing, (name) => `${name}${observerOfFile(name) ? ` (observer ${observerOfFile(name)})` : ""}`)}`,
      );
    }
    if (extra.length > 0) problems.push(`  ${folder}: not published: ${listed(extra)}`);
  }
  if (problems.length === 0) return;
  if (foldersMissing === published.length) {
    const folders = published.map(([folder]) => folder);
    throw new InputError(
      `this does not look like the published geirhos2020 raw-data folder: none of its ${folders.length} dataset folders is here (${listed(folders)}); ` +
        "give --data the raw-data folder itself, or leave --data out to use the downloaded data",
      { file: dataDir },
    );
  }
  throw new InputError(
    "this copy of the geirhos2020 raw data is not the published one the report compares with the paper:\n" +
      `${problems.join("\n")}\n` +
      "Use the published data (`trialwise data fetch geirhos2020` downloads it and checks every file), or analyse this copy with `trialwise summary` instead.",
    { file: dataDir },
  );
}
