/**
 * Downloading published trial data with checksums (Node only). Each source has a manifest
 * listing every file of a repository folder at a pinned commit, with its size and sha256:
 * - geirhos2020: src/data/geirhos2020-raw-data.json, folder raw-data/ of
 *   wichmann-lab/error-consistency (scripts/make-geirhos2020-manifest.ts makes it), to
 *   `<cache>/geirhos2020/raw-data/`;
 * - model-vs-human: src/data/model-vs-human-raw-data.json, the human trial files of folder
 *   raw-data/ of bethgelab/model-vs-human (scripts/make-model-vs-human-manifest.ts), to
 *   `<cache>/model-vs-human/raw-data/`.
 */
import { type Hash, createHash } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import type Geirhos2020ManifestJson from "../data/geirhos2020-raw-data.json";
import type ModelVsHumanManifestJson from "../data/model-vs-human-raw-data.json";

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ManifestFile {
  /** Path relative to raw-data/, with `/` separators. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** sha256 of the content, lower-case hex. */
  readonly sha256: string;
}

export interface DataManifest {
  readonly name: string;
  /** GitHub `owner/name`. */
  readonly repository: string;
  readonly commit: string;
  /** The folder of the repository the files are in. */
  readonly folder: string;
  readonly files: readonly ManifestFile[];
}

/** Names `trialwise data` knows. */
export const KNOWN_DATASETS = ["geirhos2020", "model-vs-human"] as const;
export type KnownDataset = (typeof KNOWN_DATASETS)[number];

export const GEIRHOS2020_COMMIT = "eb53bdb5d8e48166c56b9201842b19e8259506c5";
/** Where the files are downloaded from: `<base>/<relative path>`. */
export const GEIRHOS2020_URL = `https://raw.githubusercontent.com/wichmann-lab/error-consistency/${GEIRHOS2020_COMMIT}/raw-data`;

export const MODEL_VS_HUMAN_COMMIT = "79ed7cd1d9ac3a114e71b6638f0a98bdd627316c";
export const MODEL_VS_HUMAN_URL = `https://raw.githubusercontent.com/bethgelab/model-vs-human/${MODEL_VS_HUMAN_COMMIT}/raw-data`;

/** What differs between the published data sets: names, manifest, where from, how to use a local copy instead. */
export interface DataSource {
  readonly name: KnownDataset;
  readonly manifest: () => DataManifest;
  readonly defaultUrl: string;
  /** Environment variable that overrides the default URL. */
  readonly urlEnv: string;
  /** How to read a local copy instead, for messages. */
  readonly localCopy: string;
}

// Manifests are loaded with require so that Node 20 before 20.10 (no import attributes) can
// run the CLI; the type-only imports above make tsc copy the JSON to dist/ beside the code.
const require = createRequire(import.meta.url);
let geirhos2020: DataManifest | undefined;
let modelVsHuman: DataManifest | undefined;

/** The manifest of the published raw data (read on first use). */
export function geirhos2020Manifest(): DataManifest {
  geirhos2020 ??= require("../data/geirhos2020-raw-data.json") as typeof Geirhos2020ManifestJson as DataManifest;
  return geirhos2020;
}

/** The manifest of model-vs-human's human trials (read on first use). */
export function modelVsHumanManifest(): DataManifest {
  modelVsHuman ??= require("../data/model-vs-human-raw-data.json") as typeof ModelVsHumanManifestJson as DataManifest;
  return modelVsHuman;
}

export const DATA_SOURCES: Readonly<Record<KnownDataset, DataSource>> = {
  geirhos2020: {
    name: "geirhos2020",
    manifest: geirhos2020Manifest,
    defaultUrl: GEIRHOS2020_URL,
    urlEnv: "TRIALWISE_GEIRHOS2020_URL",
    localCopy: "pass --data DIR or set TRIALWISE_DATA=DIR",
  },
  "model-vs-human": {
    name: "model-vs-human",
    manifest: modelVsHumanManifest,
    defaultUrl: MODEL_VS_HUMAN_URL,
    urlEnv: "TRIALWISE_MODEL_VS_HUMAN_URL",
    localCopy: "pass --humans DIR or set TRIALWISE_MODEL_VS_HUMAN_DATA=DIR",
  },
};

/**
 * The trialwise cache folder: `$TRIALWISE_CACHE` if set, else `$XDG_CACHE_HOME/trialwise`,
 * else `~/.cache/trialwise`.
 */
export function cacheDir(env: Env = process.env): string {
  if (env.TRIALWISE_CACHE) return resolve(env.TRIALWISE_CACHE);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, "trialwise");
  return join(homedir(), ".cache", "trialwise");
}

/** The folder a data set's raw data lives in, in a cache folder: `<cache>/<name>/raw-data`. */
export function dataCacheDir(name: KnownDataset, cache?: string, env: Env = process.env): string {
  return join(cache === undefined ? cacheDir(env) : resolve(cache), name, "raw-data");
}

/** The folder the geirhos2020 raw data lives in, in a cache folder: `<cache>/geirhos2020/raw-data`. */
export function geirhos2020CacheDir(cache?: string, env: Env = process.env): string {
  return dataCacheDir("geirhos2020", cache, env);
}

/** What a download is doing, for progress bars; byte counts are of the files to download. */
export interface FetchProgress {
  /** start: totals known; data: bytes arrived; file: a file verified and in place; done: finished. */
  readonly event: "start" | "data" | "file" | "done";
  /** The file of a `file` event. */
  readonly path?: string;
  /** Files in the manifest (after the `files` filter). */
  readonly total: number;
  /** Files that were already in the cache with the right sha256. */
  readonly present: number;
  /** Files to download, and how many of them are in place. */
  readonly filesToFetch: number;
  readonly filesDone: number;
  /** Bytes to download, and how many have arrived (a failed file's bytes are taken back). */
  readonly bytesToFetch: number;
  readonly bytesDone: number;
}

export interface FetchOptions {
  /** Cache folder (default: cacheDir(env)); the data goes to `<cache>/geirhos2020/raw-data`. */
  cache?: string;
  /**
   * URL of the raw-data folder: files are fetched from `<baseUrl>/<relative path>`. Default:
   * env TRIALWISE_GEIRHOS2020_URL, else GEIRHOS2020_URL.
   */
  baseUrl?: string;
  /** Environment (default: process.env): TRIALWISE_CACHE, XDG_CACHE_HOME, TRIALWISE_GEIRHOS2020_URL. */
  env?: Env;
  onProgress?: (progress: FetchProgress) => void;
  /** The fetch function (default: Node's global fetch). */
  fetchImpl?: typeof fetch;
  /** Only these files (relative paths, or a test on them); default: every file in the manifest. */
  files?: readonly string[] | ((path: string) => boolean);
  /** Downloads at once (default 4). */
  concurrency?: number;
  /** Give up on a download when no data arrives for this long (default 30 000 ms). */
  timeoutMs?: number;
  /** Stops the download (e.g. on Ctrl-C): `.part` files are removed, a DownloadError thrown. */
  signal?: AbortSignal;
}

export interface FetchResult {
  /** The raw-data folder in the cache. */
  readonly dir: string;
  /** Files in the manifest (after the `files` filter). */
  readonly total: number;
  /** Files downloaded now, and their bytes. */
  readonly fetched: number;
  readonly fetchedBytes: number;
  /** Files that were already present with the right sha256. */
  readonly present: number;
}

/**
 * A download that failed: the network (offline, refused, timed out), the server (HTTP status)
 * or a checksum. An InputError, so the CLI prints its message without a stack trace.
 */
export class DownloadError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** A file whose content does not have the manifest's sha256. */
export class ChecksumError extends DownloadError {
  readonly path: string;
  readonly expected: string;
  readonly actual: string;

  constructor(path: string, url: string, expected: string, actual: string, size: number, expectedSize: number) {
    super(
      `checksum mismatch for ${path} (downloaded from ${url}): expected sha256 ${expected}, got ${actual}` +
        (size === expectedSize ? "" : ` (${size} bytes, expected ${expectedSize})`) +
        "; the file was not kept",
    );
    this.name = "ChecksumError";
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Downloads every manifest file that is not already in the cache with the right sha256 and
 * returns what it did. Resumes at file granularity: verified files are kept, a file with a
 * wrong sum is removed and downloaded again. Each file is written to `<file>.<pid>.part` and
 * renamed into place only once its sha256 matches, so the folder never holds a partial file
 * under a data file's name; on any error the `.part` files are removed. Throws a ChecksumError
 * when a downloaded file has the wrong sum and a DownloadError when the network or the server
 * fails (the message says how many files are done and that running again resumes).
 */
export async function fetchGeirhos2020(options: FetchOptions = {}): Promise<FetchResult> {
  return fetchData(DATA_SOURCES.geirhos2020, options);
}

/** {@link fetchGeirhos2020} for model-vs-human's human trials (`TRIALWISE_MODEL_VS_HUMAN_URL` overrides the URL). */
export async function fetchModelVsHuman(options: FetchOptions = {}): Promise<FetchResult> {
  return fetchData(DATA_SOURCES["model-vs-human"], options);
}

/** Downloads a data source's manifest files into `<cache>/<name>/raw-data` (see {@link fetchGeirhos2020}). */
export async function fetchData(source: DataSource, options: FetchOptions = {}): Promise<FetchResult> {
  const env = options.env ?? process.env;
  const dir = dataCacheDir(source.name, options.cache, env);
  const baseUrl = (options.baseUrl ?? (env[source.urlEnv] || source.defaultUrl)).replace(/\/+$/, "");
  const fetchImpl = options.fetchImpl ?? fetch;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const files = selectFiles(source.manifest().files, options.files, source.name);

  await fsStep(dir, () => mkdir(dir, { recursive: true }));
  await removeStaleParts(dir);

  // Which files are missing or wrong; wrong ones go at once, so no later size-only check takes them.
  const missing: ManifestFile[] = [];
  for (const file of files) {
    const target = join(dir, ...file.path.split("/"));
    if (await hasSha256(target, file)) continue;
    await fsStep(target, () => rm(target, { force: true }));
    missing.push(file);
  }

  const total = files.length;
  const present = total - missing.length;
  const bytesToFetch = missing.reduce((sum, f) => sum + f.size, 0);
  let filesDone = 0;
  let bytesDone = 0;
  const report = (event: FetchProgress["event"], path?: string) =>
    options.onProgress?.({ event, path, total, present, filesToFetch: missing.length, filesDone, bytesToFetch, bytesDone });
  report("start");

  // A few workers take files from the queue; the first failure (or the caller's signal) stops the others.
  const stop = new AbortController();
  const interrupt = () => stop.abort(new Error("interrupted"));
  options.signal?.addEventListener("abort", interrupt);
  let failure: unknown;
  let next = 0;
  const worker = async () => {
    while (failure === undefined && !stop.signal.aborted && next < missing.length) {
      const file = missing[next++];
      let arrived = 0;
      try {
        await downloadFile(source.name, file, dir, baseUrl, fetchImpl, timeoutMs, stop.signal, (n) => {
          arrived += n;
          bytesDone += n;
          report("data", file.path);
        });
        filesDone++;
        report("file", file.path);
      } catch (error) {
        bytesDone -= arrived;
        if (failure === undefined) {
          failure = error;
          stop.abort();
        }
      }
    }
  };
  try {
    if (options.signal?.aborted) interrupt();
    await Promise.all(Array.from({ length: Math.min(concurrency, missing.length) }, worker));
  } finally {
    options.signal?.removeEventListener("abort", interrupt);
  }
  if (options.signal?.aborted && filesDone < missing.length) failure = new DownloadError(`download of ${source.name} interrupted`);

  if (failure !== undefined) {
    if (failure instanceof InputError) {
      const done = present + filesDone;
      // Checksum and file-system errors say what they are; network and server ones get the way out.
      throw failure instanceof DownloadError && !(failure instanceof ChecksumError)
        ? new DownloadError(
            `${failure.message}\n` +
              `  ${done} of ${total} files are in ${dir}, ${total - done} missing; running the command again resumes where it stopped.\n` +
              `  To use a local copy of the raw-data folder instead, ${source.localCopy}.`,
          )
        : failure;
    }
    throw failure;
  }
  report("done");
  return { dir, total, fetched: filesDone, fetchedBytes: bytesDone, present };
}

export interface ResolveOptions {
  /** `--data DIR`: a local raw-data folder; must exist. */
  data?: string;
  /** Environment: TRIALWISE_DATA, TRIALWISE_CACHE, XDG_CACHE_HOME, TRIALWISE_GEIRHOS2020_URL. */
  env: Env;
  /** Cache folder (default: cacheDir(env)). */
  cache?: string;
  /** Download what the cache lacks; otherwise a missing file is an InputError. */
  fetchIfMissing: boolean;
  onProgress?: (progress: FetchProgress) => void;
  /** Passed on to fetchGeirhos2020. */
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

/** Where the data would come from, without downloading anything. */
export interface DataLocation {
  readonly dir: string;
  readonly source: "--data" | "TRIALWISE_DATA" | "cache";
  /** Cache only: manifest files that are absent or have the wrong size. */
  readonly missing: number;
}

/**
 * The raw-data folder to use: `--data` if given, else env TRIALWISE_DATA (either must be an
 * existing folder), else the cache folder; `missing` counts the cache's absent or wrong-size
 * files (sizes only: fetchGeirhos2020 verifies the sums).
 */
export async function locateGeirhos2020Data(options: Pick<ResolveOptions, "data" | "env" | "cache">): Promise<DataLocation> {
  if (options.data !== undefined) return { dir: await existingDir(options.data, "--data"), source: "--data", missing: 0 };
  const fromEnv = options.env.TRIALWISE_DATA;
  if (fromEnv) return { dir: await existingDir(fromEnv, "TRIALWISE_DATA"), source: "TRIALWISE_DATA", missing: 0 };
  const dir = geirhos2020CacheDir(options.cache, options.env);
  let missing = 0;
  for (const file of geirhos2020Manifest().files) {
    const info = await stat(join(dir, ...file.path.split("/"))).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) missing++;
  }
  return { dir, source: "cache", missing };
}

/**
 * The raw-data folder `trialwise reproduce` reads: `--data` if given, else env TRIALWISE_DATA,
 * else the cache folder when every manifest file is there (with its size); else, with
 * fetchIfMissing, downloads what is missing and returns the cache folder, and without it
 * throws an InputError saying how to get the data.
 */
export async function resolveGeirhos2020Data(options: ResolveOptions): Promise<string> {
  const location = await locateGeirhos2020Data(options);
  if (location.missing === 0) return location.dir;
  if (!options.fetchIfMissing) {
    throw new InputError(
      `the geirhos2020 data is not in the cache (${location.dir}: ${location.missing} of ${geirhos2020Manifest().files.length} files missing); ` +
        "run `trialwise data fetch geirhos2020`, or pass --data DIR or set TRIALWISE_DATA=DIR to use a local copy of the raw-data folder",
    );
  }
  const result = await fetchGeirhos2020({
    cache: options.cache,
    env: options.env,
    baseUrl: options.baseUrl,
    fetchImpl: options.fetchImpl,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return result.dir;
}

/** Where model-vs-human's human trials would come from, without downloading anything. */
export interface ModelVsHumanLocation {
  readonly dir: string;
  readonly source: "--humans" | "TRIALWISE_MODEL_VS_HUMAN_DATA" | "cache";
  /** Cache only: manifest files that are absent or have the wrong size. */
  readonly missing: number;
}

/**
 * model-vs-human's raw-data folder: `data` (`--humans`) if given, else env
 * TRIALWISE_MODEL_VS_HUMAN_DATA (either must be an existing folder), else the cache folder,
 * with `missing` counting its absent or wrong-size files.
 */
export async function locateModelVsHuman(options: { data?: string; env: Env; cache?: string }): Promise<ModelVsHumanLocation> {
  if (options.data !== undefined) return { dir: await existingDir(options.data, "--humans"), source: "--humans", missing: 0 };
  const fromEnv = options.env.TRIALWISE_MODEL_VS_HUMAN_DATA;
  if (fromEnv)
    return { dir: await existingDir(fromEnv, "TRIALWISE_MODEL_VS_HUMAN_DATA"), source: "TRIALWISE_MODEL_VS_HUMAN_DATA", missing: 0 };
  const dir = dataCacheDir("model-vs-human", options.cache, options.env);
  let missing = 0;
  for (const file of modelVsHumanManifest().files) {
    const info = await stat(join(dir, ...file.path.split("/"))).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) missing++;
  }
  return { dir, source: "cache", missing };
}

/**
 * The human data `trialwise benchmark model-vs-human score` reads ({@link locateModelVsHuman});
 * a cache that lacks files is an InputError saying how to get them (nothing is downloaded
 * unasked).
 */
export async function locateModelVsHumanData(options: { data?: string; env: Env; cache?: string }): Promise<string> {
  const location = await locateModelVsHuman(options);
  if (location.missing === 0) return location.dir;
  throw new InputError(
    `the model-vs-human human data is not in the cache (${location.dir}: ${location.missing} of ${modelVsHumanManifest().files.length} files missing); ` +
      "run `trialwise data fetch model-vs-human`, or pass --humans DIR or set TRIALWISE_MODEL_VS_HUMAN_DATA=DIR to use a local copy of its raw-data folder",
  );
}

function selectFiles(files: readonly ManifestFile[], filter: FetchOptions["files"], name: string): ManifestFile[] {
  if (filter === undefined) return [...files];
  if (typeof filter === "function") return files.filter((f) => filter(f.path));
  const known = new Map(files.map((f) => [f.path, f]));
  const unknown = filter.filter((p) => !known.has(p));
  if (unknown.length > 0) throw new InputError(`not in the ${name} manifest: ${unknown.join(", ")}`);
  return [...new Set(filter)].map((p) => known.get(p)!);
}

async function existingDir(path: string, what: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`${what}: no such folder`, { file: path });
  if (!info.isDirectory()) throw new InputError(`${what}: not a folder`, { file: path });
  return resolve(path);
}

async function hasSha256(path: string, file: ManifestFile): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== file.size) return false;
  const bytes = await fsStep(path, () => readFile(path));
  return createHash("sha256").update(bytes).digest("hex") === file.sha256;
}

/** Runs a file-system step; its failure becomes an InputError naming the path. */
export async function fsStep<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot write the data cache (${code ?? (error as Error).message})`, { file: path });
  }
}

/** `.part` files left by a process that was killed mid-download (not by one still running). */
async function removeStaleParts(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const match = /\.(\d+)\.part$/.exec(entry.name);
    if (!entry.isFile() || !match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && isRunning(pid)) continue;
    await rm(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), { force: true });
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `<base>/<path>` with each path segment URL-encoded. */
function fileUrl(baseUrl: string, path: string): string {
  return `${baseUrl}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

async function downloadFile(
  name: string,
  file: ManifestFile,
  dir: string,
  baseUrl: string,
  fetchImpl: typeof fetch,
  timeoutMs: number,
  stop: AbortSignal,
  onBytes: (n: number) => void,
): Promise<void> {
  const target = join(dir, ...file.path.split("/"));
  const part = `${target}.${process.pid}.part`;
  const url = fileUrl(baseUrl, file.path);
  try {
    await fsStep(target, () => mkdir(dirname(target), { recursive: true }));
    // More than the manifest's size can never match: reading stops there.
    const outcome = await downloadToPart({ url, name, part, fetchImpl, timeoutMs, stop, maxSize: file.size, onBytes });
    if (outcome === "restart") throw new Error("unreachable: no range was requested");
    if (outcome.sha256 !== file.sha256 || outcome.size !== file.size) {
      throw new ChecksumError(file.path, url, file.sha256, outcome.sha256, outcome.size, file.size);
    }
    await fsStep(target, () => rename(part, target));
  } catch (error) {
    await rm(part, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** One request of {@link downloadToPart}. */
export interface PartDownload {
  url: string;
  /** What is downloaded, for messages ("geirhos2020", "model-vs-human stimuli"). */
  name: string;
  /** The file the bytes go to. */
  part: string;
  fetchImpl: typeof fetch;
  /** A download with no data for this long fails. */
  timeoutMs: number;
  /** The caller's stop (another download failed, Ctrl-C). */
  stop: AbortSignal;
  /** Bytes already in `part`, to continue with an HTTP range request (default 0: a new file). */
  offset?: number;
  /** The sha256 of those bytes so far (default: a new hash). */
  hash?: Hash;
  /** Reading stops once more than this many bytes have come (they can never match). */
  maxSize?: number;
  /** The bytes the response will send, when it says. */
  onLength?: (bytes: number) => void;
  /** Each chunk's bytes, as it is written. */
  onBytes: (bytes: number) => void;
}

/**
 * Streams `url` into `part` (appending to its first `offset` bytes where the server continues
 * them with 206, writing it afresh where it answers 200) and returns the whole file's sha256
 * and size, or "restart" where the server cannot continue the part (416, or another range). On
 * failure the part is left as it is, for the caller to keep or remove.
 */
export async function downloadToPart(request: PartDownload): Promise<{ sha256: string; size: number } | "restart"> {
  const { url, name, part, fetchImpl, timeoutMs, stop, maxSize = Infinity, onLength, onBytes } = request;
  let offset = request.offset ?? 0;
  let hash = request.hash ?? createHash("sha256");
  // Aborts when the caller stops or nothing arrived for timeoutMs. Every network wait below (the
  // response, each chunk) is raced against this signal instead of trusting the fetch to notice
  // it: Node's fetch leaves reader.read() pending for ever when the abort comes after undici has
  // received the whole body but before the reader has seen its end (Node 20.20 / undici 6.24
  // here; nodejs/node#56917 for 22 and 23), which is just what stopping the other downloads on a
  // failure or on Ctrl-C does; a hung download also kept the process alive.
  const controller = new AbortController();
  const signal = controller.signal;
  const onStop = () => controller.abort(stop.reason);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const armTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("timeout"));
    }, timeoutMs);
  };
  let response: Response | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let complete = false;
  try {
    if (stop.aborted) onStop();
    stop.addEventListener("abort", onStop);
    armTimer();
    const responding = fetchImpl(url, offset > 0 ? { signal, headers: { range: `bytes=${offset}-` } } : { signal });
    try {
      response = await untilAborted(responding, signal);
    } catch (error) {
      // A response that comes after all is not wanted: let its connection go.
      responding.then(
        (late) => late.body?.cancel().catch(() => undefined),
        () => undefined,
      );
      throw networkError(name, error, url, timedOut, timeoutMs);
    }
    let start = 0;
    if (offset > 0 && response.status === 206) start = Number(/^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1]);
    if (offset > 0 && (response.status === 416 || (response.status === 206 && start !== offset))) {
      response.body?.cancel().catch(() => undefined);
      return "restart";
    }
    if (!response.ok || !response.body) {
      throw new DownloadError(
        `download of ${name} failed: ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      );
    }
    // 200 to a range request: the whole file comes again, so the part is written afresh.
    if (start === 0 && offset > 0) {
      hash = createHash("sha256");
      offset = 0;
    }
    const length = Number(response.headers.get("content-length"));
    if (onLength && Number.isSafeInteger(length) && length >= 0) onLength(length);
    handle = await fsStep(part, () => open(part, start > 0 ? "a" : "w"));
    reader = response.body.getReader();
    let size = offset;
    while (size <= maxSize) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await untilAborted(reader.read(), signal);
      } catch (error) {
        throw networkError(name, error, url, timedOut, timeoutMs);
      }
      if (chunk.done) {
        complete = true;
        break;
      }
      armTimer();
      const bytes = chunk.value;
      hash.update(bytes);
      size += bytes.length;
      const writing = handle;
      await fsStep(part, () => writing.write(bytes));
      onBytes(bytes.length);
    }
    // Stopped at maxSize: the rest of the body is not wanted.
    if (!complete) reader.cancel().catch(() => undefined);
    const written = handle;
    handle = undefined;
    await fsStep(part, () => written.close());
    return { sha256: hash.digest("hex"), size };
  } catch (error) {
    if (!complete) {
      // Whatever failed (the network, the disk, a progress callback), the body is not read to the
      // end: cancel it so that the fetch closes its connection instead of keeping it for ever
      // (cancel is not awaited: the connection goes at once, and nothing here waits on it).
      controller.abort(error);
      const body = reader ?? (response?.body?.locked ? undefined : response?.body);
      body?.cancel(error).catch(() => undefined);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener("abort", onStop);
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as the signal aborts,
 * whether or not `promise` ever settles.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A failure of the network (DNS, refused connection, reset, timeout) as a DownloadError. */
export function networkError(name: string, error: unknown, url: string, timedOut: boolean, timeoutMs: number): DownloadError {
  if (timedOut) {
    return new DownloadError(`download of ${name} failed (offline?): no data from ${url} for ${timeoutMs / 1000} s`);
  }
  // Node's fetch throws TypeError("fetch failed") with the system error as its cause.
  let reason = error as { code?: string; message?: string; cause?: unknown } | undefined;
  const reasons: string[] = [];
  for (let depth = 0; reason && depth < 4; depth++, reason = reason.cause as typeof reason) {
    if (reason.code) reasons.push(reason.code);
    else if (reason.message && reason.message !== "fetch failed") reasons.push(reason.message);
  }
  const why = reasons.length > 0 ? reasons[reasons.length - 1] : "network error";
  return new DownloadError(`download of ${name} failed (offline?): cannot get ${url} (${why})`);
}
