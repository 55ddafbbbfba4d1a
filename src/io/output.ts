import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";

/**
 * Writes a file so that readers never see a partial one: the text goes to a temporary file
 * beside the target, which is then renamed over it.
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    // With a mode, the file is created with it (never readable by others, not even before a chmod).
    await writeFile(temporary, text, options.mode === undefined ? {} : { mode: options.mode, flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new InputError(`cannot write output (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      file: path,
    });
  }
}

/**
 * Writes a whole folder so that it appears complete or not at all: the files go into a
 * staging folder beside the target, which then replaces the target (an earlier folder there
 * is moved aside first and removed after).
 */
export async function writeDirectoryAtomic(dir: string, files: ReadonlyMap<string, string | Uint8Array>): Promise<void> {
  const target = resolve(dir);
  const stamp = `${process.pid}.${Date.now()}`;
  const staging = `${target}.${stamp}.tmp`;
  const previous = `${target}.${stamp}.old`;
  let movedAside = false;
  try {
    await mkdir(staging, { recursive: true });
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
    throw new InputError(`cannot write output folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: dir });
  }
  if (movedAside) await rm(previous, { recursive: true, force: true });
}
