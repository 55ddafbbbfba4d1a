/**
 * Chance regions kept on disk between runs, so that a report does not recompute them.
 * Node only (the computation itself is in ../core/chance.ts).
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ChanceBandRow, type ChanceRegionOptions, chanceKey, chanceRegion, resolveChanceOptions } from "../core/chance.ts";
import { InputError } from "../core/errors.ts";

/** What a cache file holds: the key, the options in full and the rows. */
interface ChanceCacheFile {
  key: string;
  options: unknown;
  rows: ChanceBandRow[];
}

/** The file for these options: `<cacheDir>/chance/<key>.json`, the key from {@link chanceKey}. */
export function chanceCachePath(options: ChanceRegionOptions, cacheDir: string): string {
  return join(cacheDir, "chance", `${chanceKey(options)}.json`);
}

/**
 * {@link chanceRegion}, kept as JSON in `<cacheDir>/chance/<key>.json`: read from there when the
 * file exists and holds the same key; otherwise computed and written there atomically (to a
 * temporary file in the same folder, then renamed), the folder created as needed. A missing,
 * unreadable or malformed file is recomputed and replaced. Without `cacheDir` it only computes
 * (chanceRegion still keeps results in memory). The key names the method, every parameter and
 * the algorithm version, so a changed computation never reads an old file.
 *
 * @throws InputError naming the file when the cache cannot be written.
 */
export async function cachedChanceRegion(options: ChanceRegionOptions, cacheDir?: string): Promise<ChanceBandRow[]> {
  if (cacheDir === undefined) return chanceRegion(options);
  const key = chanceKey(options);
  const path = chanceCachePath(options, cacheDir);
  const stored = await readCacheFile(path, key);
  if (stored !== undefined) return stored;
  const rows = chanceRegion(options);
  const file: ChanceCacheFile = { key, options: resolveChanceOptions(options), rows };
  await writeAtomically(path, JSON.stringify(file, null, 1) + "\n");
  return rows;
}

async function readCacheFile(path: string, key: string): Promise<ChanceBandRow[] | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined; // absent or unreadable: compute it
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { key: storedKey, rows } = parsed as Partial<ChanceCacheFile>;
  if (storedKey !== key || !Array.isArray(rows) || !rows.every(isRow)) return undefined;
  return rows;
}

function isRow(value: unknown): value is ChanceBandRow {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  const numOrNull = (x: unknown) => x === null || num(x);
  return (
    num(r.bin) &&
    num(r.c_exp_mean) &&
    num(r.n) &&
    num(r.c_obs_low) &&
    num(r.c_obs_high) &&
    numOrNull(r.kappa_low) &&
    numOrNull(r.kappa_high)
  );
}

let writes = 0;

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.${writes++}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new InputError(`cannot write the chance-region cache (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      file: path,
    });
  }
}
