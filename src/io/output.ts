/**
 * Every output file trialwise writes goes through here, under one rule:
 *
 * - A regular file, or a name that does not exist yet, is written atomically: to a temporary
 *   file beside it, renamed over it when complete, so readers never see a partial file.
 * - A symbolic link is followed: its final target gets that treatment (the link stays a link).
 * - A FIFO, a character device (/dev/null, a terminal) or an open descriptor
 *   (/dev/stdout, /proc/self/fd/N) is written through, never replaced; a descriptor is appended
 *   to, so `>> log` stays an append.
 * - Anything else (a folder, a block device, a socket) is refused with an InputError.
 */
import { type WriteStream, constants, createReadStream, createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, realpath, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError, UsageError } from "../core/errors.ts";
import type { OutputFormat } from "./format.ts";

/** Where an output goes. */
export interface OutputTarget {
  /** The path as given (for messages). */
  path: string;
  /** The file written: the path with its symbolic links followed. */
  file: string;
  /** True: written straight into `file` (FIFO, device, open descriptor); false: replaced atomically. */
  direct: boolean;
}

/** A folder of open descriptors (/proc/<pid>/fd, what /dev/fd and /dev/stdout lead to). */
const DESCRIPTOR_FOLDER = /^\/proc\/[^/]+\/(task\/[^/]+\/)?fd$/;
/** Symbolic links followed at most (as Linux's MAXSYMLINKS). */
const MAX_LINKS = 40;
/** Write-through opens an existing file for appending, never creating one. */
const WRITE_THROUGH = constants.O_WRONLY | constants.O_APPEND;

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message.split("\n")[0] : String(error));
}

/** The InputError for a failed write, naming the file and the system's reason. */
export function outputError(path: string, error: unknown): InputError {
  if (error instanceof InputError) return error;
  return new InputError(`cannot write output (${errorCode(error)})`, { file: path });
}

/** Decides how `path` is written (see the module comment); nothing is written. */
export async function outputTarget(path: string): Promise<OutputTarget> {
  let current = resolve(path);
  for (let links = 0; links <= MAX_LINKS; links++) {
    const folder = await realpath(dirname(current)).catch(() => dirname(current));
    current = join(folder, basename(current));
    // An open descriptor: its link text ("pipe:[123]", a file) is no path to rename over.
    if (DESCRIPTOR_FOLDER.test(folder)) return { path, file: current, direct: true };
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { path, file: current, direct: false };
      throw outputError(path, error);
    }
    if (info.isSymbolicLink()) {
      current = resolve(folder, await readlink(current));
      continue;
    }
    if (info.isFile()) return { path, file: current, direct: false };
    if (info.isFIFO() || info.isCharacterDevice()) return { path, file: current, direct: true };
    if (info.isDirectory()) throw new InputError("cannot write output: it is a folder; give a file name", { file: path });
    throw new InputError(
      "cannot write output: not a regular file, FIFO or character device, and trialwise replaces no other kind of file",
      { file: path },
    );
  }
  throw new InputError(`cannot write output: more than ${MAX_LINKS} symbolic links`, { file: path });
}

/** `<base>.<pid>.<milliseconds>.<6 hex digits>`: the stem of every temporary name of one output (`<stem>.tmp`, `<stem>.<role>.tmp`). */
function temporaryStem(base: string): string {
  // Math.random, not node:crypto: the digits only keep two outputs of one process apart, and
  // loading node:crypto costs every command several milliseconds at start-up.
  const digits = Math.floor(Math.random() * 0x1000000)
    .toString(16)
    .padStart(6, "0");
  return `${base}.${process.pid}.${Date.now()}.${digits}`;
}

/** A temporary name trialwise gives beside `base` (earlier versions: without the random part); group 1 is the writer's pid. */
function temporaryPattern(base: string): RegExp {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped}\\.(\\d+)\\.\\d{13}(?:\\.[0-9a-z]{1,6})?(?:\\.[a-z]+)?\\.tmp$`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Removes what an earlier, killed trialwise left beside `file`: files and folders named as
 * `temporaryStem` names them for this very file, whose writer's pid is no longer alive.
 * Returns the names removed. Never throws (it is housekeeping).
 */
export async function removeStaleTemporaries(file: string): Promise<string[]> {
  const pattern = temporaryPattern(basename(file));
  const folder = dirname(file);
  const names = await readdir(folder).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const match = pattern.exec(name);
    return match !== null && !isAlive(Number(match[1]));
  });
  for (const name of stale) await rm(join(folder, name), { recursive: true, force: true }).catch(() => undefined);
  return stale;
}

/** Undo actions for outputs being written, run by `removeTemporaryOutputs` (on a signal). */
const pendingCleanups = new Set<() => void>();
const pendingListeners = new Set<(pending: boolean) => void>();

function addPending(cleanup: () => void): () => void {
  pendingCleanups.add(cleanup);
  if (pendingCleanups.size === 1) for (const listener of pendingListeners) listener(true);
  return () => {
    if (pendingCleanups.delete(cleanup) && pendingCleanups.size === 0) for (const listener of pendingListeners) listener(false);
  };
}

/**
 * Synchronously removes every temporary file and folder of the outputs being written now (and
 * puts back a folder moved aside), e.g. when the process is interrupted; the process should
 * exit right after. Never throws.
 */
export function removeTemporaryOutputs(): void {
  for (const cleanup of pendingCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the next run removes what is left (removeStaleTemporaries).
    }
  }
  pendingCleanups.clear();
}

/**
 * Calls `listener(true)` when outputs start being written (temporaries exist) and
 * `listener(false)` when none are left; the CLI uses it to handle Ctrl-C only while there is
 * something to clean up. Returns a function that stops the calls.
 */
export function watchTemporaryOutputs(listener: (pending: boolean) => void): () => void {
  pendingListeners.add(listener);
  if (pendingCleanups.size > 0) listener(true);
  return () => void pendingListeners.delete(listener);
}

/** A temporary file for an output, then put in place (`commit`) or removed (`discard`). */
export interface StagedOutput {
  readonly target: OutputTarget;
  /** The temporary file to write (new; beside the target, or in the system's temporary folder for a direct target). */
  readonly path: string;
  /** Another temporary path of this output (e.g. a folder of parts), named after `path`; removed by `commit` and `discard`. */
  scratch(role: string): string;
  /** Renames the file over the target, or copies it into a direct target; then removes the temporaries. */
  commit(): Promise<void>;
  /** Removes the temporaries; never throws. */
  discard(): Promise<void>;
}

/**
 * A temporary file for `target`: beside it (`<file>.<pid>.<ms>.<hex>.tmp`, renamed over it by
 * `commit`), or, for a direct target, in the system's temporary folder (copied into it by `commit`).
 */
export async function stageOutput(target: OutputTarget): Promise<StagedOutput> {
  const base = target.direct ? join(tmpdir(), `trialwise-${basename(target.file)}`) : target.file;
  await removeStaleTemporaries(base);
  const stem = temporaryStem(base);
  const path = `${stem}.tmp`;
  const scratch: string[] = [];
  const release = addPending(() => {
    for (const p of [path, ...scratch]) rmSync(p, { recursive: true, force: true });
  });
  const removeAll = async () => {
    for (const p of [path, ...scratch]) await rm(p, { recursive: true, force: true }).catch(() => undefined);
    release();
  };
  return {
    target,
    path,
    scratch(role) {
      const name = `${stem}.${role}.tmp`;
      scratch.push(name);
      return name;
    },
    async commit() {
      if (target.direct) {
        const handle = await open(target.file, WRITE_THROUGH);
        // Loaded here, not at the top: every command loads this module, few take this path.
        const { pipeline } = await import("node:stream/promises");
        await pipeline(createReadStream(path), handle.createWriteStream());
      } else {
        await rename(path, target.file);
      }
      await removeAll();
    },
    discard: removeAll,
  };
}

/** A stream into an output: `finish` completes it (and renames it into place), `discard` removes what it wrote. */
export interface OutputStream {
  readonly stream: WriteStream;
  finish(): Promise<void>;
  discard(): Promise<void>;
}

/** Opens a write stream on `target`: a new temporary file beside it, or the target itself when direct. */
export async function openOutputStream(target: OutputTarget): Promise<OutputStream> {
  const staged = target.direct ? undefined : await stageOutput(target);
  let stream: WriteStream;
  if (staged) {
    stream = createWriteStream(staged.path, { flags: "wx" });
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    }).catch(async (error) => {
      stream.destroy();
      await staged.discard();
      throw error;
    });
  } else {
    stream = (await open(target.file, WRITE_THROUGH)).createWriteStream();
  }
  // Errors surface through `finish` (and the writer's own checks), never as an unhandled event.
  let failure: Error | undefined;
  stream.on("error", (error) => (failure ??= error));
  return {
    stream,
    async finish() {
      if (failure) throw failure;
      await new Promise<void>((resolve, reject) => {
        stream.once("close", () => (failure ? reject(failure) : resolve()));
        stream.end();
      });
      await staged?.commit();
    },
    async discard() {
      if (!stream.destroyed) {
        await new Promise<void>((resolve) => {
          stream.once("close", () => resolve());
          stream.destroy();
        });
      }
      await staged?.discard();
    },
  };
}

/**
 * Writes a file by the module's rule: atomically where it is (or will be) a regular file, so
 * readers never see a partial one; straight into a FIFO, device or open descriptor.
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const target = await outputTarget(path);
  try {
    if (target.direct) {
      const handle = await open(target.file, WRITE_THROUGH);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      return;
    }
    const staged = await stageOutput(target);
    try {
      // With a mode, the file is created with it (never readable by others, not even before a chmod).
      await writeFile(staged.path, text, { flag: "wx", ...(options.mode === undefined ? {} : { mode: options.mode }) });
      await staged.commit();
    } catch (error) {
      await staged.discard();
      throw error;
    }
  } catch (error) {
    throw outputError(path, error);
  }
}

/** The file trialwise leaves in every folder it writes as a whole (a report): its permission to replace that folder later. */
export const OUTPUT_FOLDER_MARKER = ".trialwise-output";
const MARKER_TEXT = "This folder was written by trialwise, which replaces it as a whole when asked to write it again.\n";

/** `path` with every symbolic link resolved, also where its last parts do not exist yet. */
async function physicalPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    const parent = dirname(absolute);
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || parent === absolute) return absolute;
    return join(await physicalPath(parent), basename(absolute));
  }
}

/** Whether `inner` is `outer` or lies inside it (both physical paths). */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Checks that `dir` may be replaced by a folder trialwise writes, and returns it with its
 * links resolved (a link to a folder stays, the folder it points to is replaced). Allowed: a
 * folder that does not exist, an empty one, or one trialwise wrote (holding
 * OUTPUT_FOLDER_MARKER), never one that is, holds or lies inside any of `inputs`. Anything else
 * (someone's files, a file) is an InputError naming `dir` and saying why.
 */
export async function checkOutputFolder(dir: string, inputs: readonly string[] = []): Promise<string> {
  const target = await physicalPath(dir);
  for (const input of inputs) {
    const source = await physicalPath(input);
    if (within(target, source)) {
      throw new InputError(
        `cannot write the output folder here: it ${target === source ? "is" : "lies inside"} the input ${input}; give a folder outside it`,
        { file: dir },
      );
    }
    if (within(source, target))
      throw new InputError(`cannot write the output folder here: it holds the input ${input}; give a folder outside it`, { file: dir });
  }
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw outputError(dir, error);
  });
  if (!info) return target;
  if (!info.isDirectory())
    throw new InputError("cannot write the output folder here: it is a file, not a folder; give a folder name", { file: dir });
  const entries = await readdir(target);
  if (entries.length === 0) return target;
  const marker = await lstat(join(target, OUTPUT_FOLDER_MARKER)).catch(() => undefined);
  if (marker?.isFile()) return target;
  throw new InputError(
    `cannot replace this folder: it holds files trialwise did not write (no ${OUTPUT_FOLDER_MARKER}, the file trialwise leaves in every folder it writes); ` +
      "give a new or empty folder, or remove this one first",
    { file: dir },
  );
}

/**
 * Writes a whole folder so that it appears complete or not at all, if `checkOutputFolder`
 * allows it (the same `inputs`): the files and OUTPUT_FOLDER_MARKER go into a staging folder
 * beside the target, which then replaces the target (an earlier folder there is moved aside
 * first and removed after).
 */
export async function writeDirectoryAtomic(
  dir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
  options: { inputs?: readonly string[] } = {},
): Promise<void> {
  const target = await checkOutputFolder(dir, options.inputs);
  await removeStaleTemporaries(target);
  const stem = temporaryStem(target);
  const staging = `${stem}.tmp`;
  const previous = `${stem}.old.tmp`;
  let movedAside = false;
  const release = addPending(() => {
    if (movedAside && !existsSync(target)) renameSync(previous, target);
    rmSync(staging, { recursive: true, force: true });
  });
  try {
    await mkdir(staging);
    await writeFile(join(staging, OUTPUT_FOLDER_MARKER), MARKER_TEXT);
    for (const [path, content] of files) {
      const file = join(staging, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    movedAside = await rename(target, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return false;
        throw error;
      },
    );
    await rename(staging, target);
  } catch (error) {
    if (movedAside) await rename(previous, target).catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    release();
    throw new InputError(`cannot write output folder (${errorCode(error)})`, { file: dir });
  }
  movedAside = false;
  release();
  await rm(previous, { recursive: true, force: true });
}

/** What an output can be written as: the text formats, and Parquet where a command writes it. */
export type OutputFileFormat = OutputFormat | "parquet";

const FORMAT_NAMES: Record<OutputFileFormat, string> = { csv: "CSV", json: "JSON", table: "an aligned text table", parquet: "Parquet" };
/** The format an output file's extension says. */
const EXTENSION_FORMATS: Readonly<Record<string, OutputFileFormat>> = {
  ".csv": "csv",
  ".json": "json",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".txt": "table",
};
/** Text formats a .txt file may hold (--format chooses; the aligned table without it). */
const TEXT_FORMATS: readonly OutputFileFormat[] = ["table", "csv", "json"];
/** Data-file extensions trialwise does not write (rather than writing something else under their name). */
const UNWRITTEN_EXTENSIONS = new Set([".tsv", ".tab", ".jsonl", ".ndjson", ".xlsx", ".xls", ".ods", ".arrow", ".feather"]);

function extensionOf(path: string): string {
  const match = /\.[^./\\]+$/.exec(path);
  return match ? match[0].toLowerCase() : "";
}

/**
 * The format of a command's output, the rule every command follows: an output file's
 * extension decides (.csv CSV, .json JSON, .txt an aligned table, or what --format says among
 * the text formats, .parquet/.pq Parquet), and --format must then agree with it; a file without
 * one of these extensions (or standard output) gets --format, else the aligned table when
 * standard output is a terminal, else `formats[0]`, the command's default. `formats`: what the
 * command can write. A conflict, a format the command cannot write, or an extension of a
 * format trialwise does not write (.tsv, .jsonl, .xlsx, ...) is a UsageError naming `flag`
 * (default --output).
 */
export function outputFormat<F extends OutputFileFormat>(
  flags: { format?: OutputFormat; output?: string },
  options: { formats: readonly F[]; isTTY?: boolean; flag?: string },
): F {
  const { formats } = options;
  const flag = options.flag ?? "--output";
  const writes = (format: OutputFileFormat): format is F => (formats as readonly OutputFileFormat[]).includes(format);
  const offered = () =>
    `it writes ${formats.map((f) => FORMAT_NAMES[f]).join(", ")} (${formats.map((f) => (f === "table" ? "-o *.txt" : f === "parquet" ? "-o *.parquet" : `-o *.${f}`)).join(", ")})`;
  const extension = flags.output ? extensionOf(flags.output) : "";
  if (UNWRITTEN_EXTENSIONS.has(extension)) {
    throw new UsageError(`${flag} ${flags.output}: trialwise does not write ${extension} files; ${offered()}`);
  }
  const byExtension = EXTENSION_FORMATS[extension];
  if (byExtension) {
    const allowed = byExtension === "table" ? TEXT_FORMATS : [byExtension];
    const format = flags.format ?? byExtension;
    if (!allowed.includes(format)) {
      throw new UsageError(
        `--format ${flags.format} conflicts with ${flag} ${flags.output}: a ${extension} file holds ${allowed.map((f) => FORMAT_NAMES[f]).join(" or ")}`,
      );
    }
    if (!writes(format)) throw new UsageError(`${flag} ${flags.output}: this command does not write ${FORMAT_NAMES[format]}; ${offered()}`);
    return format;
  }
  if (flags.format) {
    if (!writes(flags.format))
      throw new UsageError(`--format ${flags.format}: this command does not write ${FORMAT_NAMES[flags.format]}; ${offered()}`);
    return flags.format;
  }
  const table: OutputFileFormat = "table";
  if (!flags.output && options.isTTY && writes(table)) return table;
  return formats[0];
}
