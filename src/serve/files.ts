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
  if (path.split("/").some((segment) => segment === ".." || segment === "." || segment === "")) return "path segments '..', '.' and empty ones are not allowed";
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

/**
 * Image URLs of stimuli by id: the trial files' stimulus ids are file names
 * (`airplane1-bicycle2.png`), found anywhere in the folder (e.g. `<category>/<file>`); an id
 * may also be a relative path itself. Names found twice are ambiguous and get no image.
 */
export function stimulusLocator(index: FileIndex | undefined): (stimulus: string) => string | null {
  if (!index) return () => null;
  const byName = new Map<string, string | null>();
  for (const path of index.files.keys()) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    byName.set(name, byName.has(name) ? null : path);
  }
  const url = (path: string) => `/stimuli/${path.split("/").map(encodeURIComponent).join("/")}`;
  return (stimulus) => {
    if (index.files.has(stimulus)) return url(stimulus);
    const path = byName.get(stimulus);
    return path ? url(path) : null;
  };
}
