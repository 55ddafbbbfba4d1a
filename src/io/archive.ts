/**
 * model-vs-human's stimuli (Node only): the 17 archives its release v0.1 publishes, one
 * `<dataset>.tar.gz` per dataset (its own download code fetches
 * `https://github.com/bethgelab/model-vs-human/releases/download/v0.1/<dataset>.tar.gz` and
 * unpacks it into its datasets folder). Cache layout:
 *
 * - `<cache>/model-vs-human/stimuli/<dataset>/`: the extracted images (what
 *   `benchmark model-vs-human run` reads by default);
 * - `<cache>/model-vs-human/stimulus-archives/<dataset>.tar.gz`: the archives, kept so that a
 *   dataset can be extracted again without the network, and `<dataset>.tar.gz.part` while one
 *   downloads (kept when a download breaks off: the next run asks for the rest with an HTTP
 *   range request);
 * - `<cache>/model-vs-human/stimulus-archives/sha256.json`: model-vs-human publishes no
 *   checksums, so the sha256 and size of each archive are recorded on its first download (trust
 *   on first use); every later download, cached archive or local copy is checked against them
 *   before it is extracted, and a mismatch is an error.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BENCHMARK_DATASET_NAMES } from "../benchmark/datasets.ts";
import { InputError, UsageError } from "../core/errors.ts";
import { type ExtractResult, extractTarGz, removeStaleExtractions } from "./extract.ts";
import { DownloadError, type Env, type FetchProgress, cacheDir, downloadToPart, fsStep, isRunning } from "./fetch.ts";
import { writeFileAtomic } from "./output.ts";

/** The release of bethgelab/model-vs-human whose assets are the stimulus archives. */
export const MODEL_VS_HUMAN_STIMULI_RELEASE = "v0.1";
/** Where the archives are downloaded from: `<base>/<dataset>.tar.gz`. */
export const MODEL_VS_HUMAN_STIMULI_URL = `https://github.com/bethgelab/model-vs-human/releases/download/${MODEL_VS_HUMAN_STIMULI_RELEASE}`;
/** Environment variable that overrides {@link MODEL_VS_HUMAN_STIMULI_URL} (as `--url` does). */
export const STIMULI_URL_ENV = "TRIALWISE_MODEL_VS_HUMAN_STIMULI_URL";
/** The record of the archives' checksums, in the archives folder. */
export const STIMULI_MANIFEST = "sha256.json";

const LABEL = "model-vs-human stimuli";

/**
 * Where `trialwise data fetch model-vs-human --stimuli` puts the stimuli, one folder per
 * dataset: `<cache>/model-vs-human/stimuli` (`cache`, else {@link cacheDir}).
 */
export function modelVsHumanStimuliDir(cache?: string, env: Env = process.env): string {
  return join(cache === undefined ? cacheDir(env) : resolve(cache), "model-vs-human", "stimuli");
}

/** Where the downloaded archives and their checksums are kept: `<cache>/model-vs-human/stimulus-archives`. */
export function stimulusArchivesDir(cache?: string, env: Env = process.env): string {
  return join(cache === undefined ? cacheDir(env) : resolve(cache), "model-vs-human", "stimulus-archives");
}

/** A dataset's archive file name. */
export function stimulusArchiveName(dataset: string): string {
  return `${dataset}.tar.gz`;
}

/**
 * The datasets asked for, each once, in the benchmark's order; none means all 17. An unknown
 * name is a UsageError listing the known ones.
 */
export function stimulusDatasets(names: readonly string[] = []): string[] {
  const unknown = names.filter((n) => !BENCHMARK_DATASET_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `--stimuli: unknown dataset${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${BENCHMARK_DATASET_NAMES.join(", ")}`,
    );
  }
  return names.length === 0 ? [...BENCHMARK_DATASET_NAMES] : BENCHMARK_DATASET_NAMES.filter((n) => names.includes(n));
}

/** One archive's sums, as recorded on its first download. */
export interface ArchiveRecord {
  readonly sha256: string;
  readonly size: number;
  /** The URL or local file it was first read from. */
  readonly source: string;
  readonly recorded_at: string;
}

/** sha256.json: the archives' records, and which archive (by sha256) each dataset folder was extracted from. */
export interface StimuliManifest {
  archives: Record<string, ArchiveRecord>;
  extracted: Record<string, string>;
}

/** Reads the manifest; a missing one is empty, a damaged one an InputError naming it. */
export async function readStimuliManifest(path: string): Promise<StimuliManifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { archives: {}, extracted: {} };
    throw new InputError(`cannot read the checksum record (${(error as NodeJS.ErrnoException).code})`, { file: path });
  }
  const damaged = (why: string) =>
    new InputError(
      `the checksum record is damaged (${why}); remove it to record the sums again on the next download (the archives are then trusted as they are)`,
      { file: path },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  const manifest = value as Partial<StimuliManifest> | null;
  if (typeof manifest?.archives !== "object" || manifest.archives === null) throw damaged('no "archives" object');
  for (const [name, record] of Object.entries(manifest.archives)) {
    if (!/^[0-9a-f]{64}$/.test(String(record?.sha256)) || !Number.isSafeInteger(record?.size))
      throw damaged(`"archives.${name}" needs a sha256 of 64 hex digits and a size`);
  }
  return { archives: manifest.archives, extracted: typeof manifest.extracted === "object" && manifest.extracted ? manifest.extracted : {} };
}

/**
 * Whether a dataset's stimuli are in place: its folder exists and was extracted from the
 * archive whose sha256 is recorded.
 */
async function isExtracted(dir: string, dataset: string, manifest: StimuliManifest): Promise<boolean> {
  const sum = manifest.archives[stimulusArchiveName(dataset)]?.sha256;
  return (
    sum !== undefined &&
    manifest.extracted[dataset] === sum &&
    (await stat(join(dir, dataset)).catch(() => undefined))?.isDirectory() === true
  );
}

/** The datasets (default: all 17) whose stimuli are not extracted in the cache yet. */
export async function missingStimuli(datasets: readonly string[] = [], cache?: string, env: Env = process.env): Promise<string[]> {
  const manifest = await readStimuliManifest(join(stimulusArchivesDir(cache, env), STIMULI_MANIFEST));
  const dir = modelVsHumanStimuliDir(cache, env);
  const missing: string[] = [];
  for (const dataset of stimulusDatasets(datasets)) if (!(await isExtracted(dir, dataset, manifest))) missing.push(dataset);
  return missing;
}

/** What a stimulus fetch does, for progress bars and notes. */
export interface StimuliFetchOptions {
  /** Dataset names (default: all 17); unknown ones are a UsageError. */
  datasets?: readonly string[];
  /** Cache folder (default: cacheDir(env)). */
  cache?: string;
  /** Base URL of the archives: `<baseUrl>/<dataset>.tar.gz`. Default: env TRIALWISE_MODEL_VS_HUMAN_STIMULI_URL, else {@link MODEL_VS_HUMAN_STIMULI_URL}. */
  baseUrl?: string;
  /** A local folder holding `<dataset>.tar.gz` archives to check and extract instead of downloading. */
  archives?: string;
  env?: Env;
  /** Byte counts grow as downloads report their sizes (no sizes are published). */
  onProgress?: (progress: FetchProgress) => void;
  /** One line per archive done, in words. */
  onNote?: (note: string) => void;
  fetchImpl?: typeof fetch;
  /** Datasets worked on at once (default 2). */
  concurrency?: number;
  /** Give up on a download when no data arrives for this long (default 30 000 ms). */
  timeoutMs?: number;
  /** Stops the work; a partial download is kept for the next run. */
  signal?: AbortSignal;
}

export interface StimuliFetchResult {
  /** The stimuli folder (one folder per dataset). */
  readonly dir: string;
  /** The archives folder, and the checksum record in it. */
  readonly archivesDir: string;
  readonly manifest: string;
  readonly total: number;
  /** Datasets already extracted from an archive with the recorded sum. */
  readonly present: number;
  /** Archives downloaded now (whole or the rest of a partial one), and the bytes that arrived. */
  readonly downloaded: number;
  readonly downloadedBytes: number;
  /** Datasets extracted now. */
  readonly extracted: number;
  /** Datasets whose archive's sha256 was recorded now (its first download). */
  readonly recorded: readonly string[];
}

const DEFAULT_CONCURRENCY = 2;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Downloads (or, with `archives`, reads from a local folder) the stimulus archives of the
 * datasets that are not extracted yet, checks each against the sha256 recorded on its first
 * download (recording it then), and extracts it safely ({@link extractTarGz}) into
 * `<stimuli>/<dataset>`. A dataset folder is complete or absent: never half extracted. A
 * download that breaks off keeps its part for the next run, which asks only for the rest.
 */
export async function fetchStimuli(options: StimuliFetchOptions = {}): Promise<StimuliFetchResult> {
  const env = options.env ?? process.env;
  const datasets = stimulusDatasets(options.datasets);
  const dir = modelVsHumanStimuliDir(options.cache, env);
  const archivesDir = stimulusArchivesDir(options.cache, env);
  const manifestPath = join(archivesDir, STIMULI_MANIFEST);
  const baseUrl = (options.baseUrl ?? (env[STIMULI_URL_ENV] || MODEL_VS_HUMAN_STIMULI_URL)).replace(/\/+$/, "");
  const local = options.archives === undefined ? undefined : await existingFolder(options.archives);
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  for (const folder of [dir, archivesDir]) await fsStep(folder, () => mkdir(folder, { recursive: true }));

  const manifest = new ManifestFile(manifestPath);
  const recordedAtStart = await manifest.read();
  const isPresent = (dataset: string, m: StimuliManifest) => isExtracted(dir, dataset, m);
  const todo: string[] = [];
  for (const dataset of datasets) if (!(await isPresent(dataset, recordedAtStart))) todo.push(dataset);

  const total = datasets.length;
  const present = total - todo.length;
  let filesDone = 0;
  let bytesToFetch = 0;
  let bytesDone = 0;
  let downloaded = 0;
  const recorded: string[] = [];
  const report = (event: FetchProgress["event"], path?: string) =>
    options.onProgress?.({ event, path, total, present, filesToFetch: todo.length, filesDone, bytesToFetch, bytesDone });
  report("start");

  const stop = new AbortController();
  const interrupt = () => stop.abort(new Error("interrupted"));
  options.signal?.addEventListener("abort", interrupt);
  let failure: unknown;
  let next = 0;

  const prepare = async (dataset: string) => {
    const name = stimulusArchiveName(dataset);
    const release = await lockDataset(archivesDir, dataset);
    try {
      // Another process may have finished it meanwhile.
      if (await isPresent(dataset, await manifest.read())) return;
      let archive: string;
      let source: string;
      let sum: { sha256: string; size: number };
      let fresh = false;
      if (local) {
        archive = join(local, name);
        source = archive;
        if (!(await stat(archive).catch(() => undefined))?.isFile())
          throw new InputError(`no ${name} in the archives folder; expected model-vs-human's ${name}`, { file: local });
        sum = await fileSha256(archive);
      } else {
        archive = join(archivesDir, name);
        source = `${baseUrl}/${encodeURIComponent(name)}`;
        if ((await stat(archive).catch(() => undefined))?.isFile()) sum = await fileSha256(archive);
        else {
          const expected = (await manifest.read()).archives[name];
          const part = `${archive}.part`;
          sum = await downloadArchive(
            source,
            part,
            expected?.size,
            { fetchImpl, timeoutMs, stop: stop.signal },
            (n) => {
              bytesToFetch += n;
              report("data", name);
            },
            (n) => {
              bytesDone += n;
              report("data", name);
            },
          );
          downloaded++;
          fresh = true;
          // A download that does not match the record is not kept: the next run starts afresh.
          await checkSum(manifest, name, sum, source, archive, true).catch(async (error: unknown) => {
            await rm(part, { force: true });
            throw error;
          });
          await fsStep(archive, () => rename(part, archive));
        }
      }
      if (!fresh) await checkSum(manifest, name, sum, source, archive, false);
      options.signal?.throwIfAborted();
      const target = join(dir, dataset);
      await removeStaleExtractions(target);
      let extracted: ExtractResult;
      try {
        extracted = await extractTarGz(archive, target, { topFolder: dataset, signal: stop.signal });
      } catch (error) {
        // A download that cannot be extracted (refused, damaged) is not kept, and its sum not
        // recorded: the next run downloads it afresh. A local archive stays where it is.
        if (fresh) await rm(archive, { force: true });
        if (error instanceof InputError && !local)
          error.message += fresh ? " (the download was not kept)" : "; remove the archive to download it again";
        throw error;
      }
      // The sum is recorded once the archive proved to be a whole, safe .tar.gz.
      if (await manifest.record(name, sum, source)) recorded.push(dataset);
      await manifest.markExtracted(dataset, sum.sha256);
      filesDone++;
      options.onNote?.(
        `${dataset}: ${fresh ? `downloaded ${megabytes(sum.size)} MB, ` : ""}sha256 ${recorded.includes(dataset) ? "recorded" : "verified"}, ` +
          `${extracted.files} files extracted into ${target}`,
      );
      report("file", name);
    } finally {
      await release();
    }
  };
  const worker = async () => {
    while (failure === undefined && !stop.signal.aborted && next < todo.length) {
      const dataset = todo[next++];
      try {
        await prepare(dataset);
      } catch (error) {
        if (failure === undefined) {
          failure = error;
          stop.abort();
        }
      }
    }
  };
  try {
    if (options.signal?.aborted) interrupt();
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  } finally {
    options.signal?.removeEventListener("abort", interrupt);
  }
  if (options.signal?.aborted && filesDone < todo.length) failure = new DownloadError(`fetching the ${LABEL} interrupted`);
  if (failure !== undefined) {
    const done = present + filesDone;
    // Network and server failures get the way out; checksum, archive and file-system errors say what they are.
    if (failure instanceof DownloadError && !(failure instanceof StimulusChecksumError)) {
      throw new DownloadError(
        `${failure.message}\n` +
          `  ${done} of ${total} datasets are in ${dir}; running the command again resumes where it stopped (partial downloads are kept).\n` +
          "  To use archives downloaded elsewhere, pass --archives DIR (a folder of <dataset>.tar.gz); " +
          "`trialwise benchmark model-vs-human run --stimuli DIR` reads extracted stimuli from any folder.",
      );
    }
    throw failure;
  }
  report("done");
  return {
    dir,
    archivesDir,
    manifest: manifestPath,
    total,
    present,
    downloaded,
    downloadedBytes: bytesDone,
    extracted: filesDone,
    recorded: datasets.filter((d) => recorded.includes(d)),
  };
}

/** An archive whose sha256 differs from the one recorded on its first download. */
export class StimulusChecksumError extends DownloadError {
  constructor(
    file: string,
    source: string,
    recordedSum: ArchiveRecord,
    actual: { sha256: string; size: number },
    manifest: string,
    downloaded: boolean,
  ) {
    super(
      `checksum mismatch for ${file}${downloaded ? ` (downloaded from ${source})` : ""}: its first download (from ${recordedSum.source}, ${recordedSum.recorded_at}) ` +
        `recorded sha256 ${recordedSum.sha256} (${recordedSum.size} bytes) in ${manifest}, this one has ${actual.sha256} (${actual.size} bytes); ` +
        (downloaded
          ? "the download was not kept and nothing was extracted"
          : "nothing was extracted; remove the archive to download it again (checked against the same record)"),
    );
    this.name = "StimulusChecksumError";
  }
}

/** Checks an archive's sum against its record, if there is one. */
async function checkSum(
  manifest: ManifestFile,
  name: string,
  sum: { sha256: string; size: number },
  source: string,
  file: string,
  downloaded: boolean,
): Promise<void> {
  const record = (await manifest.read()).archives[name];
  if (record && (record.sha256 !== sum.sha256 || record.size !== sum.size))
    throw new StimulusChecksumError(downloaded ? name : file, source, record, sum, manifest.path, downloaded);
}

/** sha256.json, read afresh before each change and written whole (atomically); changes in this process one at a time. */
class ManifestFile {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  read(): Promise<StimuliManifest> {
    return readStimuliManifest(this.path);
  }

  /** Records an archive's sum unless one is recorded; true when it was recorded now. */
  record(name: string, sum: { sha256: string; size: number }, source: string): Promise<boolean> {
    return this.change((m) => {
      if (m.archives[name]) return false;
      m.archives[name] = { sha256: sum.sha256, size: sum.size, source, recorded_at: new Date().toISOString() };
      return true;
    });
  }

  markExtracted(dataset: string, sha256: string): Promise<boolean> {
    return this.change((m) => {
      m.extracted[dataset] = sha256;
      return true;
    });
  }

  private change(update: (m: StimuliManifest) => boolean): Promise<boolean> {
    const run = this.queue.then(async () => {
      const manifest = await this.read();
      if (!update(manifest)) return false;
      await writeFileAtomic(this.path, `${JSON.stringify(manifest, null, 2)}\n`);
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The sha256 and size of a file, read as a stream. */
async function fileSha256(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  const size = await hashFile(hash, path);
  return { sha256: hash.digest("hex"), size };
}

/** Feeds a file to `hash`; returns its size. */
async function hashFile(hash: Hash, path: string): Promise<number> {
  return fsStep(path, async () => {
    let size = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return size;
  });
}

interface DownloadContext {
  fetchImpl: typeof fetch;
  timeoutMs: number;
  stop: AbortSignal;
}

/**
 * Downloads `url` into `part`, continuing a part left by an earlier run with an HTTP range
 * request (a server that ignores the range sends the whole file, which is then written afresh);
 * returns the sha256 and size of the whole file. `expectedSize` (the recorded size, if any)
 * tells a complete part from a partial one. `onLength` gets the bytes the response will send,
 * `onBytes` each chunk's. On any failure the part is kept, for the next run to continue.
 */
async function downloadArchive(
  url: string,
  part: string,
  expectedSize: number | undefined,
  context: DownloadContext,
  onLength: (bytes: number) => void,
  onBytes: (bytes: number) => void,
): Promise<{ sha256: string; size: number }> {
  for (let attempt = 0; ; attempt++) {
    let offset = (await stat(part).catch(() => undefined))?.size ?? 0;
    if (expectedSize !== undefined && offset > expectedSize) {
      await fsStep(part, () => rm(part, { force: true }));
      offset = 0;
    }
    if (expectedSize !== undefined && offset === expectedSize && offset > 0) return fileSha256(part);
    const hash = createHash("sha256");
    if (offset > 0) await hashFile(hash, part);
    const outcome = await downloadToPart({ url, name: LABEL, part, offset, hash, ...context, onLength, onBytes });
    if (outcome !== "restart") return outcome;
    // The server could not continue the part (416, or a range other than the one asked for): start afresh, once.
    await fsStep(part, () => rm(part, { force: true }));
    if (attempt > 0) throw new DownloadError(`download of ${LABEL} failed: ${url} answered range requests wrongly twice`);
  }
}

/**
 * Takes `<archives>/<dataset>.lock` (holding this process's id) so that two runs never write
 * one archive or folder at once; a lock whose process is gone is taken over. Returns its release.
 */
async function lockDataset(archivesDir: string, dataset: string): Promise<() => Promise<void>> {
  const path = join(archivesDir, `${dataset}.lock`);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0)
        throw new InputError(`cannot take the lock (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
    }
    const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder))
      throw new InputError(`another trialwise process (pid ${holder}) is fetching the ${dataset} stimuli; wait for it to end`, {
        file: path,
      });
    await rm(path, { force: true });
  }
}

async function existingFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory())
    throw new InputError("--archives: no such folder; expected a folder of <dataset>.tar.gz archives", { file: path });
  return resolve(path);
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
