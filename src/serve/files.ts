/**
 * The files `trialwise serve` may send: its own browser bundle and the images of the stimulus
 * folder given with --stimuli. Both are listed once, at start, by walking the folder (symbolic
 * links are followed only where their target lies inside it); a request is answered only when
 * its path is one of the listed names. No part of a request is ever joined to a file-system
 * path, so `..`, encoded dots or slashes, backslashes and absolute paths cannot reach anything
 * else; they are also refused outright, so the answer says why.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { InputError } from "../core/errors.ts";

/** Files under one folder by their relative path, "/"-separated. */
export interface FileIndex {
  root: string;
  files: Map<string, string>;
}

/** Walks `root` (resolved to its real path) and lists every regular file inside it. */
export async function indexFolder(root: string, what: string): Promise<FileIndex> {
  let real: string;
  try {
    real = await realpath(root);
    if (!(await stat(real)).isDirectory()) throw new Error("not a folder");
  } catch {
    throw new InputError(`no such folder; expected ${what}`, { file: root });
  }
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      let path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined);
        if (target === undefined || !isInside(real, target)) continue;
        path = target;
      }
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory() && entry.isDirectory()) await walk(path);
      else if (info?.isFile()) files.set(relative(real, join(dir, entry.name)).split(sep).join("/"), path);
    }
  };
  await walk(real);
  return { root: real, files };
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/**
 * Why a requested relative path is refused, or null when it is well-formed: it must be
 * non-empty, relative, without `..` or `.` segments, backslashes, NUL or percent signs (left
 * after the one decoding the server does, so double-encoded dots are refused too).
 */
export function refusedPath(path: string): string | null {
  if (path === "") return "empty path";
  if (path.includes("\\")) return "backslashes are not allowed";
  if (path.includes("\u0000")) return "NUL is not allowed";
  if (path.includes("%")) return "encoded characters are not allowed after decoding";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "absolute paths are not allowed";
  if (path.split("/").some((segment) => segment === ".." || segment === "." || segment === ""))
    return "path segments '..', '.' and empty ones are not allowed";
  return null;
}

/** Decodes one URL path once; null when it is malformed. */
export function decodePath(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Where a stimulus image was found, or why not. */
export type StimulusImage = { url: string } | { url: null; why: "not found" | "ambiguous" };

/**
 * Image URLs of stimuli by id, per dataset: the trial files' stimulus ids are file names
 * (`airplane1-bicycle2.png`), found anywhere in the folder (e.g. `<set>/<category>/<file>`);
 * an id may also be a relative path itself. Datasets reuse file names (edges and silhouettes
 * both have `airplane1.png`), so a dataset looks first under the folders named like a part of
 * its name ("texture-shape_edges" looks under any folder "edges", "texture-shape" or
 * "texture-shape_edges"), then anywhere. A name found twice where it is looked up is
 * ambiguous and gets no image; the answer says why.
 */
export function stimulusLocator(index: FileIndex | undefined): (stimulus: string, dataset?: string) => StimulusImage {
  if (!index) return () => ({ url: null, why: "not found" });
  const byName = new Map<string, string[]>();
  for (const path of index.files.keys()) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const list = byName.get(name);
    if (list) list.push(path);
    else byName.set(name, [path]);
  }
  const url = (path: string) => `/stimuli/${path.split("/").map(encodeURIComponent).join("/")}`;
  return (stimulus, dataset) => {
    if (index.files.has(stimulus)) return { url: url(stimulus) };
    const paths = byName.get(stimulus) ?? [];
    const parts = dataset ? new Set([dataset, ...dataset.split(/[_]/)]) : new Set<string>();
    const inDataset = paths.filter((p) =>
      p
        .split("/")
        .slice(0, -1)
        .some((folder) => parts.has(folder)),
    );
    const candidates = inDataset.length > 0 ? inDataset : paths;
    if (candidates.length === 1) return { url: url(candidates[0]) };
    return { url: null, why: candidates.length === 0 ? "not found" : "ambiguous" };
  };
}
