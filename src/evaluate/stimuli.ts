/**
 * Stimulus sets: a folder laid out `<category>/<image>` or a manifest CSV
 * `file,category[,condition]`, as `trialwise evaluate`, `merge` and `experiment serve` read them.
 * Node only (file system).
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import { compareText, findColumns, requiredField, stimulusId } from "../core/trials.ts";
import { readRawTable } from "../io/datasets.ts";

const IMAGE = /\.(png|jpe?g|bmp|webp|tiff?)$/i;
const IMAGE_EXTENSIONS = ".png, .jpg, .jpeg, .bmp, .webp, .tif or .tiff";

/** Files that operating systems and file managers leave in folders: hidden ones (".DS_Store", "._x.png"), Thumbs.db, desktop.ini. */
function isSystemFile(name: string): boolean {
  return name.startsWith(".") || /^(thumbs\.db|desktop\.ini)$/i.test(name);
}

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

/** A folder's entries, sorted by name, as files or folders (symbolic links followed), without system files. */
async function folderEntries(folder: string): Promise<{ name: string; path: string; isFolder: boolean }[]> {
  const entries = (await readdir(folder, { withFileTypes: true }))
    .filter((e) => !isSystemFile(e.name))
    .sort((a, b) => compareText(a.name, b.name));
  return Promise.all(
    entries.map(async (e) => {
      const path = join(folder, e.name);
      const isFolder = e.isSymbolicLink() ? (await stat(path).catch(() => undefined))?.isDirectory() === true : e.isDirectory();
      return { name: e.name, path, isFolder };
    }),
  );
}

/**
 * A stimulus folder laid out `<category>/<file>`: every image, sorted by category then name.
 * Anything else that would be skipped is an error naming its path: an empty category folder, a
 * folder inside a category folder, an image beside the category folders, a file in a category
 * folder that is not an image. Ignored: hidden files and folders (a name starting with ".", such
 * as .DS_Store), Thumbs.db and desktop.ini anywhere, and files other than images beside the
 * category folders (a README, a manifest).
 */
export async function listStimuli(folder: string): Promise<Stimulus[]> {
  let top;
  try {
    top = await folderEntries(folder);
  } catch {
    throw new InputError("no such folder; expected a stimulus folder laid out <category>/<image>", { file: folder });
  }
  const stimuli: Stimulus[] = [];
  for (const entry of top) {
    if (!entry.isFolder) {
      if (IMAGE.test(entry.name))
        throw new InputError("an image outside a category folder; expected <category>/<image>", { file: entry.path });
      continue;
    }
    const files = await folderEntries(entry.path);
    if (files.length === 0)
      throw new InputError(
        "an empty category folder; expected at least one image in every category folder (remove the folder if the category has none)",
        { file: entry.path },
      );
    for (const file of files) {
      if (file.isFolder)
        throw new InputError("a folder inside a category folder; expected the images directly in <category>/", { file: file.path });
      if (!IMAGE.test(file.name))
        throw new InputError(`not an image file; expected ${IMAGE_EXTENSIONS} in a category folder`, { file: file.path });
      stimuli.push({ path: file.path, name: file.name, category: entry.name, condition: "NaN" });
    }
  }
  if (stimuli.length === 0)
    throw new InputError("no images found; expected a stimulus folder laid out <category>/<image>", { file: folder });
  return stimuli;
}

/**
 * A manifest CSV `file,category[,condition]` (paths relative to the manifest's folder), in its
 * order; or, for a folder, {@link listStimuli}.
 */
export async function readStimuli(path: string): Promise<Stimulus[]> {
  if (!/\.csv$/i.test(path)) {
    const stimuli = await listStimuli(path);
    checkDistinctIds(stimuli, path);
    return stimuli;
  }
  const table = await readRawTable(path);
  const col = findColumns(table, { file: "file", category: "category" }, "a stimulus manifest");
  const condition = table.columns.findIndex((c) => c.trim().toLowerCase() === "condition");
  const seen = new Map<string, number>();
  const stimuli = table.rows.map((_, r) => {
    const file = requiredField(table, r, col.file);
    const name = basename(file);
    const key = `${name}\u0000${condition < 0 ? "" : table.rows[r][condition]}`;
    if (seen.has(key)) {
      throw new InputError(`image "${name}" is listed twice (first at line ${seen.get(key)}); expected each image once per condition`, {
        file: path,
        line: table.lines[r],
      });
    }
    seen.set(key, table.lines[r]);
    return {
      path: resolve(dirname(path), file),
      name,
      category: requiredField(table, r, col.category),
      condition: condition < 0 ? "NaN" : requiredField(table, r, condition),
    };
  });
  checkDistinctIds(stimuli, path, table.lines);
  return stimuli;
}

/**
 * Refuses two stimuli of one condition with the same stimulus id ({@link stimulusId}, the
 * model-vs-human rule by which trial files identify a stimulus): every reader would reject their
 * trials as one stimulus seen twice. `lines`: the manifest line of each stimulus.
 */
export function checkDistinctIds(stimuli: readonly Stimulus[], source: string, lines?: ArrayLike<number>): void {
  const first = new Map<string, number>();
  stimuli.forEach((s, i) => {
    const id = stimulusId(s.name);
    // NUL cannot occur in a condition read from a file or a folder name.
    const key = `${s.condition}\u0000${id}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      return;
    }
    const inCondition = s.condition === "NaN" ? "" : ` in condition "${s.condition}"`;
    const firstPath = lines ? `${stimuli[earlier].path} (line ${lines[earlier]})` : stimuli[earlier].path;
    throw new InputError(
      `two images have the stimulus id "${id}"${inCondition}, by which trial files identify a stimulus: ${firstPath} and ${s.path}; expected a distinct id for every image (rename one)`,
      { file: source, line: lines?.[i] },
    );
  });
}
