/**
 * Extracting a downloaded .tar.gz archive safely (Node only, with the `tar` package). An
 * archive comes from the network, so it is read twice: first every entry is checked and the
 * whole archive refused at the first entry that could write outside its folder or is not a
 * plain file or folder (absolute paths, drive letters, `..`, backslashes, symbolic and hard
 * links, devices, FIFOs), naming that entry; only then is it extracted, into a temporary folder
 * beside the target that replaces the target by a rename once complete. A refused or broken
 * archive leaves nothing behind and the target as it was.
 */
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type ReadEntry, extract, list } from "tar";
import { InputError } from "../core/errors.ts";

/** Entry types that are extracted: regular files and folders. */
const SAFE_TYPES: ReadonlySet<string> = new Set(["File", "OldFile", "ContiguousFile", "Directory"]);

/** An archive refused because of one of its entries. */
export class UnsafeArchiveError extends InputError {
  readonly entry: string;

  constructor(archive: string, entry: string, why: string) {
    super(`refused: archive entry "${entry}" ${why}; nothing was extracted`, { file: archive });
    this.name = "UnsafeArchiveError";
    this.entry = entry;
  }
}

/**
 * Why an archive entry would not stay inside its folder, or null when it is a plain file or
 * folder at a relative path. `.` segments are allowed (`./colour/a.png`); everything that can
 * point elsewhere is not.
 */
export function unsafeEntry(type: string, path: string): string | null {
  if (type === "SymbolicLink" || type === "Link") return `is a ${type === "Link" ? "hard" : "symbolic"} link`;
  if (!SAFE_TYPES.has(type)) return `is a ${type} entry, not a file or folder`;
  if (path.includes("\0")) return "has a NUL in its name";
  if (path.includes("\\")) return "has a backslash in its name";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "has an absolute path";
  if (path.split("/").includes("..")) return "has a '..' segment (it would be written outside the folder)";
  return null;
}

/** An entry's path without `.` segments and empty ones ("./a//b/" -> "a/b"). */
function cleanPath(path: string): string {
  return path
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

export interface ExtractOptions {
  /**
   * When every entry lies inside a top folder of this name (as `colour.tar.gz` holds
   * `colour/...`), its content becomes the target; otherwise the archive's top level does.
   */
  topFolder?: string;
  /** Checked before and after the extraction (not within it): once aborted, the temporary folder is removed and nothing replaced. */
  signal?: AbortSignal;
}

export interface ExtractResult {
  /** Regular files extracted, and their bytes. */
  readonly files: number;
  readonly bytes: number;
}

/**
 * Checks every entry of the .tar.gz `archive` ({@link unsafeEntry}; an UnsafeArchiveError
 * names the first bad one), then extracts it into `target`, replacing any folder there only
 * once the extraction is complete. The temporary folder is made beside `target` (same file
 * system, so the rename is atomic) with a name starting with a dot.
 */
export async function extractTarGz(archive: string, target: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const entries = await listEntries(archive, options.signal);
  const files = entries.filter((e) => e.type !== "Directory");
  if (files.length === 0) throw new InputError("the archive holds no files; expected a .tar.gz of stimulus images", { file: archive });
  const top = options.topFolder;
  const inTopFolder = top !== undefined && entries.every((e) => e.path === top || e.path.startsWith(`${top}/`));

  options.signal?.throwIfAborted();
  const parent = dirname(target);
  let refusal: UnsafeArchiveError | undefined;
  const temporary = await mkdtemp(join(parent, `.${basename(target)}.extracting-`)).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot write the folder (${error.code ?? error.message})`, { file: parent });
  });
  try {
    await read(archive, () =>
      extract({
        file: archive,
        cwd: temporary,
        strict: true,
        preserveOwner: false,
        // The entries were checked above; checked again here so that nothing unchecked is ever
        // written (the archive file could have changed in between).
        filter: (path, entry) => {
          const why = unsafeEntry((entry as ReadEntry).type, path);
          if (why !== null) refusal ??= new UnsafeArchiveError(archive, path, why);
          return why === null;
        },
      }),
    );
    if (refusal) throw refusal;
    options.signal?.throwIfAborted();
    await replaceFolder(inTopFolder ? join(temporary, top) : temporary, target);
  } finally {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
  }
  return { files: files.length, bytes: files.reduce((sum, e) => sum + e.size, 0) };
}

/** Every entry of the archive, checked; the first unsafe one is an UnsafeArchiveError. */
async function listEntries(archive: string, signal: AbortSignal | undefined): Promise<{ type: string; path: string; size: number }[]> {
  const entries: { type: string; path: string; size: number }[] = [];
  let refusal: UnsafeArchiveError | undefined;
  await read(archive, () =>
    list({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        const why = refusal ? null : unsafeEntry(entry.type, entry.path);
        if (why !== null) refusal = new UnsafeArchiveError(archive, entry.path, why);
        const path = cleanPath(entry.path);
        if (path !== "") entries.push({ type: entry.type, path, size: entry.size });
      },
    }),
  );
  if (refusal) throw refusal;
  signal?.throwIfAborted();
  return entries;
}

/** Runs a read of the archive; a corrupt or unreadable archive becomes an InputError naming it. */
async function read(archive: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (error instanceof InputError || (error as Error).name === "AbortError") throw error;
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") throw new InputError("no such archive", { file: archive });
    throw new InputError(`cannot read the archive as .tar.gz (${code ?? ""}${code ? ": " : ""}${message})`, { file: archive });
  }
}

/** Puts `source` in the place of `target`: the old folder is moved aside first and removed after. */
async function replaceFolder(source: string, target: string): Promise<void> {
  const old = `${dirname(target)}/.${basename(target)}.old-${process.pid}`;
  const existing = await stat(target).catch(() => undefined);
  try {
    if (existing) {
      await rm(old, { recursive: true, force: true });
      await rename(target, old);
    }
    await rename(source, target);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new InputError(`cannot put the extracted folder in place (${code ?? message})`, { file: target });
  }
  if (existing) await rm(old, { recursive: true, force: true });
}

/** Folders a killed extraction left beside `target` (`.<name>.extracting-*`, `.<name>.old-*`). */
export async function removeStaleExtractions(target: string): Promise<void> {
  const name = basename(target);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = entry.startsWith(`.${name}.old-`) || entry.startsWith(`.${name}.extracting-`);
    if (match) await rm(join(dirname(target), entry), { recursive: true, force: true });
  }
}
