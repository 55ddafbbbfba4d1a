/**
 * Stimulus sets: a folder laid out `<category>/<image>` or a manifest CSV
 * `file,category[,condition]`, as `trialwise evaluate`, `merge` and `experiment serve` read them.
 * Node only (file system).
 */
import { readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import { compareText, findColumns, requiredField } from "../core/trials.ts";
import { readRawTable } from "../io/datasets.ts";

const IMAGE = /\.(png|jpe?g|bmp|webp|tiff?)$/i;

export interface Stimulus {
  /** The image's path. */
  path: string;
  /** File name, the trial's `imagename`. */
  name: string;
  /** The true category: the image's folder, or the manifest's category. */
  category: string;
  /** The manifest's condition; "NaN" (as the published files) when there is none. */
  condition: string;
}

/** A stimulus folder laid out `<category>/<file>`: every image, sorted by category then name. */
export async function listStimuli(folder: string): Promise<Stimulus[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    throw new InputError("no such folder; expected a stimulus folder laid out <category>/<image>", { file: folder });
  }
  const stimuli: Stimulus[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => compareText(a.name, b.name))) {
    const files = (await readdir(join(folder, entry.name))).filter((f) => IMAGE.test(f)).sort(compareText);
    for (const name of files) stimuli.push({ path: join(folder, entry.name, name), name, category: entry.name, condition: "NaN" });
  }
  if (stimuli.length === 0) throw new InputError("no images found; expected a stimulus folder laid out <category>/<image>", { file: folder });
  return stimuli;
}

/**
 * A manifest CSV `file,category[,condition]` (paths relative to the manifest's folder), in its
 * order; or, for a folder, {@link listStimuli}.
 */
export async function readStimuli(path: string): Promise<Stimulus[]> {
  if (!/\.csv$/i.test(path)) return listStimuli(path);
  const table = await readRawTable(path);
  const col = findColumns(table, { file: "file", category: "category" }, "a stimulus manifest");
  const condition = table.columns.findIndex((c) => c.trim().toLowerCase() === "condition");
  const seen = new Map<string, number>();
  return table.rows.map((_, r) => {
    const file = requiredField(table, r, col.file);
    const name = basename(file);
    const key = `${name}\u0000${condition < 0 ? "" : table.rows[r][condition]}`;
    if (seen.has(key)) {
      throw new InputError(`image "${name}" is listed twice (first at line ${seen.get(key)}); expected each image once per condition`, { file: path, line: table.lines[r] });
    }
    seen.set(key, table.lines[r]);
    return {
      path: resolve(dirname(path), file),
      name,
      category: requiredField(table, r, col.category),
      condition: condition < 0 ? "NaN" : requiredField(table, r, condition),
    };
  });
}
