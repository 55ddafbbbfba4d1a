/**
 * The `trialwise serve` web server (fastify): the dashboard page and its bundle, the datasets
 * it was given as JSON for the page's worker, the trials behind a pair, stimulus images from
 * --stimuli, and uploads (size-limited, parsed by the same readers as the CLI, errors as
 * readable JSON naming file, line and field). The uploads held are limited too (the sum of
 * their files' sizes, --max-held); DELETE /api/datasets/<id> removes an uploaded dataset and
 * frees its memory. Binds 127.0.0.1 unless told otherwise.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { InputError, UsageError } from "../core/errors.ts";
import {
  DEFAULT_HUMAN_PATTERN,
  type LongFormatColumns,
  type RawTable,
  SCHEMA_READ_COLUMNS,
  type TrialTable,
  TrialTableBuilder,
  geirhosTrials,
  longFormatTrials,
  stimulusId,
  trialAt,
} from "../core/trials.ts";
import { contentType } from "../io/content-type.ts";
import { type LoadOptions, loadDatasets, parseRawTable } from "../io/datasets.ts";
import { type PackedTrials, readPackedTrials } from "../io/duckdb.ts";
import { trialFileKind } from "../io/trial-files.ts";
import { parquetColumns, readParquetTable } from "../io/table-parquet.ts";
import { type ScoresAs, readScoresForTrials } from "../io/scores.ts";
import { probabilityTableFromTrials } from "../core/probability-table.ts";
import { type DatasetListResponse, type ErrorResponse, type RemoveResponse, type UploadResponse, formatBytes } from "./protocol.ts";
import { BENCHMARK_FILES, type ServedBenchmark, benchmarkPage, isBenchmarkFolder, loadBenchmark } from "./benchmark.ts";
import { type ServedDataset, datasetId, datasetPayload, packedDataset, pairTrials, tableDataset } from "./datasets.ts";
import { type FileIndex, decodePath, indexFolder, refusedPath, stimulusLocator } from "./files.ts";
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_UPLOAD_BYTES } from "./limits.ts";

/** Where the dashboard's bundle is: build/web/dashboard at the repository root, from src/serve and from dist/serve alike. */
export const BUNDLE_DIR = fileURLToPath(new URL("../../build/web/dashboard/", import.meta.url));

export { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_UPLOAD_BYTES } from "./limits.ts";

export interface ServeOptions {
  /** Trial files or folders to serve, read as the CLI reads them (`loadDatasets`; Parquet through DuckDB). */
  paths: readonly string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folder of stimulus images (searched by file name). */
  stimuli?: string;
  /** Scored benchmark folders (`benchmark model-vs-human score --out`), each shown at /benchmark/<id>/. */
  benchmarks?: readonly string[];
  maxUploadBytes?: number;
  /**
   * Limit on the uploaded datasets held, as the sum of their files' sizes; an upload beyond it
   * is refused (507) until one is removed. Default: {@link DEFAULT_MAX_HELD_BYTES}, or the
   * upload limit where that is larger.
   */
  maxHeldBytes?: number;
  /** Reader settings for the given paths (long-format columns, human pattern). */
  load?: LoadOptions;
  /**
   * Score files of `trialwise evaluate --scores` (a file or folder) for the one dataset given, read
   * and matched to its trials as `trialwise pairs --metric capa --scores` reads them (a bad file
   * is its located error, before the server listens), so that the matrix offers capa and dmc.
   */
  scores?: { path: string; as?: ScoresAs };
  /** The bundle folder; default {@link BUNDLE_DIR}. */
  bundleDir?: string;
  /** Where failures of the server itself (HTTP 500) are reported; default: nowhere. */
  log?: (text: string) => void;
}

export interface RunningServer {
  url: string;
  datasets: ServedDataset[];
  benchmarks: readonly ServedBenchmark[];
  /** What was left out while loading, in words. */
  notes: string[];
  close(): Promise<void>;
}

/** A request refused with a status of its own and a readable message. */
class Refusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** What an upload was read into, before it gets its id. */
type ReadUpload =
  | { kind: "table"; table: TrialTable }
  | { kind: "packed"; packed: PackedTrials; notes: string[] }
  | { needsMapping: true; file: string; columns: string[] };

const DEFAULT_PARQUET_COLUMNS: LongFormatColumns = { observer: "observer", stimulus: "stimulus", correct: "correct" };

/** A line above the dashboard that leads to the scored benchmarks, if any. */
function benchmarkLinks(benchmarks: readonly ServedBenchmark[]): string {
  if (benchmarks.length === 0) return "";
  const links = benchmarks.map(
    (b) =>
      `<a href="/benchmark/${encodeURIComponent(b.id)}/">${escapeText(b.id)}</a> (${b.models.length} model${b.models.length === 1 ? "" : "s"}, ${b.datasets.length} dataset${b.datasets.length === 1 ? "" : "s"})`,
  );
  return `<nav class="benchmarks" style="padding:0.4rem 1rem;font:14px sans-serif;background:#fff;border-bottom:1px solid #e4e4e7">Scored benchmark${benchmarks.length === 1 ? "" : "s"}: ${links.join(" · ")}</nav>\n`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The dashboard page: a shell that loads the bundle, with links to the scored benchmarks. */
function pageHtml(benchmarks: readonly ServedBenchmark[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trialwise dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
${benchmarkLinks(benchmarks)}<div id="app"><p>Loading the trialwise dashboard…</p></div>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
`;
}

/**
 * Parquet trials as bitsets: pooled over conditions and, with a condition column, also per
 * condition (two scans); where conditions cannot be pooled, per condition only, with a note.
 */
async function readParquet(
  path: string,
  options: { columns: LongFormatColumns; humanPattern?: RegExp; dataset?: string; threads?: number },
): Promise<{ packed: PackedTrials; notes: string[] }> {
  const read = (byCondition: boolean) => readPackedTrials(path, { ...options, byCondition });
  if (options.columns.condition === undefined) return { packed: await read(false), notes: [] };
  const byCondition = await read(true);
  if (byCondition.units.length < 2) return { packed: byCondition, notes: [] };
  try {
    const pooled = await read(false);
    return { packed: { ...pooled, units: [...pooled.units, ...byCondition.units] }, notes: [] };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { packed: byCondition, notes: [`conditions cannot be pooled: ${error.message}`] };
  }
}

async function loadPath(path: string, load: LoadOptions, taken: Set<string>): Promise<{ datasets: ServedDataset[]; notes: string[] }> {
  // Parquet streams into bitsets in the long format (given columns, or observer/stimulus/correct);
  // a model-vs-human Parquet file is read as every command reads it.
  if (trialFileKind(path) === "parquet" && (load.format?.kind === "long" || !hasColumns(await parquetColumns(path), SCHEMA_READ_COLUMNS))) {
    const columns = load.format?.kind === "long" ? load.format.columns : DEFAULT_PARQUET_COLUMNS;
    const { packed, notes } = await readParquet(path, { columns, humanPattern: load.humanPattern });
    const id = datasetId(packed.dataset, taken);
    taken.add(id);
    return { datasets: [packedDataset(id, packed, path, notes)], notes: [] };
  }
  const { datasets, notes } = await loadDatasets(path, load);
  return {
    datasets: datasets.map((table) => {
      const id = datasetId(table.dataset, taken);
      taken.add(id);
      return tableDataset(id, table, path);
    }),
    notes,
  };
}

/**
 * Reads `--scores` for the one dataset served and checks every row against its trials, as
 * `trialwise pairs --metric capa --scores` does (per condition, where no pooling rule can get
 * in the way: the rows' matching does not depend on it); the rows then travel with the dataset.
 */
async function attachScores(datasets: readonly ServedDataset[], scores: { path: string; as?: ScoresAs }): Promise<void> {
  const packed = datasets.find((d) => d.kind === "packed");
  if (packed)
    throw new UsageError(
      `--scores goes with trials that have their answers (CSV, JSON Lines, model-vs-human Parquet), not with "${packed.summary.source}" (read from Parquet as bitsets: correctness only)`,
    );
  const tables = datasets.flatMap((d) => (d.kind === "table" ? [d] : []));
  const rows = await readScoresForTrials(
    scores.path,
    tables.map((d) => d.table),
    scores.as,
  );
  probabilityTableFromTrials(tables[0].table, true, rows);
  tables[0].scores = rows;
}

/** Whether a header holds every one of `columns` (compared trimmed, case-insensitively). */
function hasColumns(header: readonly string[], columns: readonly string[]): boolean {
  const names = new Set(header.map((c) => c.trim().toLowerCase()));
  return columns.every((c) => names.has(c.toLowerCase()));
}

/** A request's query parameters, each given at most once (the hook in startServer refuses the rest). */
type Query = Readonly<Record<string, string | undefined>>;

/** The first query parameter given more than once, as an error; null when each is given once. */
function repeatedParameter(query: unknown): InputError | null {
  for (const [key, value] of Object.entries(query ?? {})) {
    if (Array.isArray(value))
      return new InputError(`query parameter "${key.slice(0, 100)}" is given ${value.length} times; expected one value`);
  }
  return null;
}

/** Long-format columns from an upload's query (`format=long&observer=...`), or undefined. */
function mappingFrom(query: Query): LongFormatColumns | undefined {
  if (query.format === undefined) return undefined;
  if (query.format !== "long") throw new InputError(`query parameter "format": expected "long", not "${query.format.slice(0, 100)}"`);
  const pick = (key: string) => (query[key] && query[key]!.trim() !== "" ? query[key] : undefined);
  const observer = pick("observer");
  const stimulus = pick("stimulus");
  if (!observer || !stimulus) throw new InputError("the column mapping needs an observer and a stimulus column");
  const columns: LongFormatColumns = { observer, stimulus };
  for (const key of ["truth", "response", "correct", "condition"] as const) {
    const value = pick(key);
    if (value) columns[key] = value;
  }
  return columns;
}

/** Whether an upload's stimulus ids are model-vs-human file names to cut to their id (`stimulusIds=model-vs-human`, long format only). */
function stimulusIdRule(query: Query): boolean {
  if (query.stimulusIds === undefined) return false;
  if (query.stimulusIds !== "model-vs-human")
    throw new InputError(`query parameter "stimulusIds": expected "model-vs-human", not "${query.stimulusIds.slice(0, 100)}"`);
  if (query.format !== "long")
    throw new InputError(
      'query parameter "stimulusIds" needs format=long (the model-vs-human schema cuts its imagename to the id already)',
    );
  return true;
}

/** A raw table whose `column` holds model-vs-human image names, with each cut to its stimulus id (`stimulusId`, the rule of the model-vs-human schema). */
function withStimulusIds(raw: RawTable, column: string): RawTable {
  const index = raw.columns.findIndex((c) => c.trim().toLowerCase() === column.trim().toLowerCase());
  if (index < 0) return raw;
  return { ...raw, rows: raw.rows.map((row) => row.map((value, k) => (k === index && value !== undefined ? stimulusId(value) : value))) };
}

/** Two trial tables as one (the first's name), every trial checked again as the readers check it. */
function mergedTables(first: TrialTable, second: TrialTable, humanPattern: RegExp): TrialTable {
  const builder = new TrialTableBuilder(first.dataset, humanPattern);
  for (const table of [first, second]) {
    for (let t = 0; t < table.length; t++) {
      builder.add(trialAt(table, t));
    }
  }
  return builder.build();
}

/** Whether a host name or address means this machine only. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What a listen error's code means, for the messages below. */
const HOST_FAILURES: Record<string, string> = {
  ENOTFOUND: "no such host name",
  EAI_AGAIN: "the host name could not be looked up",
  EAI_FAIL: "the host name could not be looked up",
  EADDRNOTAVAIL: "not an address of this machine",
  EAFNOSUPPORT: "this machine does not support that kind of address",
  EINVAL: "not a usable address",
};

/**
 * Why the server could not listen on `host`:`port`, as the error to report: an unusable host
 * is a usage error (exit 2); a port in use, or one that needs privileges, is an InputError
 * (exit 1), as is any other failure, named by its code. Nothing of a failed start is left open.
 */
export function listenFailure(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  const where = `port ${port} on ${host}`;
  if (code === "EADDRINUSE") return new InputError(`${where} is in use: give another --port N, or --port 0 for a free one`);
  if (code === "EACCES")
    return new InputError(
      `${where} needs privileges this process does not have (EACCES): give --port 1024 or above, or --port 0 for a free one`,
    );
  if (code in HOST_FAILURES) return new UsageError(`--host: cannot bind "${host}" (${code}: ${HOST_FAILURES[code]})`);
  return new InputError(`cannot listen on ${where} (${code || (error as Error).message})`);
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  // An empty host would bind every interface and print a URL without a host.
  if (host.trim() === "") throw new UsageError('--host: expected an address or host name, e.g. 127.0.0.1 (this machine only), not ""');
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const maxHeld = options.maxHeldBytes ?? Math.max(DEFAULT_MAX_HELD_BYTES, maxUpload);
  if (maxHeld < maxUpload)
    throw new UsageError(
      `--max-held (${formatBytes(maxHeld)}) is smaller than --max-upload (${formatBytes(maxUpload)}): one upload could never be held; raise --max-held`,
    );
  const load = options.load ?? {};
  const humanPattern = load.humanPattern ?? DEFAULT_HUMAN_PATTERN;
  const bundle = await indexFolder(options.bundleDir ?? BUNDLE_DIR, "the dashboard's browser bundle").catch(() => undefined);
  if (!bundle || !bundle.files.has("app.js") || !bundle.files.has("worker.js")) {
    throw new InputError(
      `the dashboard's browser bundle is missing (${options.bundleDir ?? BUNDLE_DIR}app.js); run \`npm run build\` (or \`npm run build:web\`) first`,
    );
  }
  const stimuli: FileIndex | undefined = options.stimuli
    ? await indexFolder(options.stimuli, "a folder of stimulus images (--stimuli)")
    : undefined;
  const locateImage = stimuli ? stimulusLocator(stimuli) : null;

  // A benchmark folder given as trials would be read as its CSV files: say what to do instead.
  for (const path of options.paths) {
    if (await isBenchmarkFolder(path))
      throw new UsageError(`"${path}" is a scored benchmark (it holds benchmark.json); show it with --benchmark ${path}`);
  }
  const benchmarks: ServedBenchmark[] = [];
  for (const dir of options.benchmarks ?? []) benchmarks.push(await loadBenchmark(dir, new Set(benchmarks.map((b) => b.id))));

  const datasets: ServedDataset[] = [];
  const notes: string[] = [];
  const taken = new Set<string>();
  for (const path of options.paths) {
    const loaded = await loadPath(path, load, taken);
    datasets.push(...loaded.datasets);
    notes.push(...loaded.notes);
  }
  if (options.scores) await attachScores(datasets, options.scores);

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: maxUpload });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxUpload }, (_request, body, done) => done(null, body));

  const fail = (reply: FastifyReply, status: number, error: string) =>
    reply
      .code(status)
      .type("application/json; charset=utf-8")
      .send({ error } satisfies ErrorResponse);

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE" || error.statusCode === 413) {
      const name = (request.query as Query).name;
      return fail(
        reply,
        413,
        `upload refused: ${name ? `"${basename(name)}" is` : "the file is"} larger than the upload limit of ${formatBytes(maxUpload)} (start trialwise serve with --max-upload to raise it)`,
      );
    }
    if (error instanceof Refusal) return fail(reply, error.statusCode, error.message);
    if (error instanceof InputError) return fail(reply, 400, error.message);
    if (!(error.statusCode && error.statusCode < 500))
      options.log?.(`trialwise serve: internal error on ${request.method} ${request.url}: ${error.stack ?? error.message}\n`);
    return fail(
      reply,
      error.statusCode && error.statusCode < 500 ? error.statusCode : 500,
      `${error.statusCode && error.statusCode < 500 ? "" : "internal error: "}${error.message}`,
    );
  });
  // Bound to this machine only, answer only requests addressed to it: a web page elsewhere whose
  // domain name resolves to 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused.
  if (isLoopback(host)) {
    app.addHook("onRequest", async (request, reply) => {
      const name = (request.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
      if (!isLoopback(name))
        return fail(reply, 403, `refused: this dashboard answers requests to 127.0.0.1 or localhost only, not to "${name}"`);
    });
  }
  // The API reads its query parameters as single strings: repeated ones are refused before
  // anything else is read. (The page's own URL repeats some, e.g. pair=a&pair=b: its script reads them.)
  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/api/")) return;
    const repeated = repeatedParameter(request.query);
    if (repeated) return fail(reply, 400, repeated.message);
  });
  app.setNotFoundHandler((request, reply) => fail(reply, 404, `not found: ${request.url.slice(0, 200)}`));

  app.get("/", (_request, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(pageHtml(benchmarks)));

  const sendIndexed = (index: FileIndex, raw: string, reply: FastifyReply) => {
    const path = decodePath(raw);
    const refused = path === null ? "malformed encoding" : refusedPath(path);
    if (refused !== null) return fail(reply, 400, `refused path: ${refused}`);
    const file = index.files.get(path!);
    if (!file) return fail(reply, 404, `not found: ${path}`);
    return reply.type(contentType(file)).send(createReadStream(file));
  };
  // The raw URL, before any normalisation, so that refused paths are refused rather than rewritten.
  const rawTail = (url: string, prefix: string) => url.slice(prefix.length).split("?")[0];
  app.get("/assets/*", (request, reply) => sendIndexed(bundle, rawTail(request.raw.url ?? "", "/assets/"), reply));
  app.get("/stimuli/*", (request, reply) =>
    stimuli
      ? sendIndexed(stimuli, rawTail(request.raw.url ?? "", "/stimuli/"), reply)
      : fail(reply, 404, "no stimulus folder was given (trialwise serve --stimuli DIR)"),
  );

  // Scored benchmarks: /benchmark/<id>/ is the report page, /benchmark/<id>/<file> its listed
  // files, from memory. The page has no script of its own, and the policy lets none run.
  const findBenchmark = (id: string) => {
    const benchmark = benchmarks.find((b) => b.id === id);
    if (!benchmark)
      throw new Refusal(404, `no benchmark "${id.slice(0, 100)}"${benchmarks.length === 0 ? " (trialwise serve --benchmark DIR)" : ""}`);
    return benchmark;
  };
  app.get("/api/benchmarks", () => ({
    benchmarks: benchmarks.map((b) => ({
      id: b.id,
      url: `/benchmark/${encodeURIComponent(b.id)}/`,
      source: b.source,
      models: b.models,
      datasets: b.datasets,
    })),
  }));
  app.get("/benchmark/*", (request, reply) => {
    const tail = decodePath(rawTail(request.raw.url ?? "", "/benchmark/"));
    const slash = tail === null ? -1 : tail.indexOf("/");
    const id = tail === null ? "" : slash < 0 ? tail : tail.slice(0, slash);
    const refused = tail === null ? "malformed encoding" : refusedPath(id);
    if (refused !== null) return fail(reply, 400, `refused path: ${refused}`);
    const benchmark = findBenchmark(id);
    // Without the slash the report's relative links would leave its folder.
    if (slash < 0) return reply.redirect(`/benchmark/${encodeURIComponent(id)}/`, 308);
    const file = tail!.slice(slash + 1);
    if (file !== "" && refusedPath(file) !== null) return fail(reply, 400, `refused path: ${refusedPath(file)}`);
    if (file === "" || file === "index.html")
      return reply
        .type(BENCHMARK_FILES["index.html"].type)
        .header("cache-control", "no-store")
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(benchmarkPage(benchmark));
    const bytes = benchmark.files.get(file);
    if (!bytes) return fail(reply, 404, `not found: ${file.slice(0, 200)}; a benchmark serves ${[...benchmark.files.keys()].join(", ")}`);
    return reply.type(BENCHMARK_FILES[file].type).header("cache-control", "no-store").send(bytes);
  });

  // The bytes of the uploads held, and of those being read (reserved first, so that uploads
  // arriving together cannot pass the limit together).
  let heldBytes = 0;
  app.get("/api/datasets", (): DatasetListResponse => ({
    datasets: datasets.map((d) => d.summary),
    notes,
    maxUploadBytes: maxUpload,
    heldUploadBytes: heldBytes,
    maxHeldBytes: maxHeld,
    stimuli: stimuli !== undefined,
  }));

  const findDataset = (id: string) => {
    const dataset = datasets.find((d) => d.summary.id === id);
    if (!dataset) throw new Refusal(404, `no dataset "${id}"`);
    return dataset;
  };
  app.get("/api/datasets/:id", (request) => datasetPayload(findDataset((request.params as { id: string }).id)));
  // An uploaded dataset can be removed, and its memory freed; its id is not given out again, so
  // a saved link to it answers 404 instead of showing another dataset.
  app.delete("/api/datasets/:id", (request): RemoveResponse => {
    const dataset = findDataset((request.params as { id: string }).id);
    const bytes = dataset.summary.uploadedBytes;
    if (bytes === null)
      throw new Refusal(403, `dataset "${dataset.summary.id}" was given on the command line; only uploaded datasets can be removed`);
    datasets.splice(datasets.indexOf(dataset), 1);
    heldBytes -= bytes;
    return { removed: dataset.summary.id, heldUploadBytes: heldBytes, maxHeldBytes: maxHeld };
  });
  app.get("/api/datasets/:id/trials", (request) => {
    const query = request.query as Query;
    if (!query.observer1 || !query.observer2) throw new InputError("give observer1 and observer2");
    return pairTrials(
      findDataset((request.params as { id: string }).id),
      query.observer1,
      query.observer2,
      query.condition ?? "all",
      locateImage,
    );
  });

  /** An upload's trials, read as the CLI reads its files; or the question which column holds what. */
  const readUpload = async (
    name: string,
    body: Buffer,
    mapping: LongFormatColumns | undefined,
    modelVsHumanIds = false,
  ): Promise<ReadUpload> => {
    const dataset = name.replace(/\.[^.]*$/, "") || name;
    if (trialFileKind(name) !== "parquet") {
      const raw = parseRawTable(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), name);
      if (mapping)
        return {
          kind: "table",
          table: longFormatTrials([modelVsHumanIds ? withStimulusIds(raw, mapping.stimulus) : raw], dataset, mapping, humanPattern),
        };
      if (hasColumns(raw.columns, SCHEMA_READ_COLUMNS)) return { kind: "table", table: geirhosTrials([raw], dataset, humanPattern) };
      return { needsMapping: true, file: name, columns: [...raw.columns] };
    }
    const dir = await mkdtemp(join(tmpdir(), "trialwise-upload-"));
    try {
      const file = join(dir, name);
      await writeFile(file, body);
      // Name the file as the user knows it, not by its temporary copy.
      const asUploaded = (error: unknown) => {
        if (error instanceof Error) error.message = error.message.replaceAll(`${dir}/`, "");
        throw error;
      };
      const columns = await parquetColumns(file).catch(asUploaded);
      if (!mapping && hasColumns(columns, SCHEMA_READ_COLUMNS)) {
        // The model-vs-human schema (e.g. `trialwise evaluate -o trials.parquet`): read like CSV.
        const raw = await readParquetTable(file).catch(asUploaded);
        return { kind: "table", table: geirhosTrials([{ ...raw, file: name }], dataset, humanPattern) };
      }
      if (!mapping && !hasColumns(columns, Object.values(DEFAULT_PARQUET_COLUMNS))) return { needsMapping: true, file: name, columns };
      const { packed, notes } = await readParquet(file, {
        columns: mapping ?? DEFAULT_PARQUET_COLUMNS,
        humanPattern,
        dataset,
        threads: 2,
      }).catch(asUploaded);
      return { kind: "packed", packed, notes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  app.post("/api/upload", async (request): Promise<UploadResponse> => {
    const query = request.query as Query;
    const name = basename((query.name ?? "upload.csv").replaceAll("\\", "/")).slice(0, 200) || "upload.csv";
    const body = request.body;
    if (!(body instanceof Buffer) || body.length === 0) throw new InputError("empty upload; expected the file's contents", { file: name });
    const mapping = mappingFrom(query);
    const modelVsHumanIds = stimulusIdRule(query);
    const into = query.into === undefined ? undefined : findDataset(query.into);
    if (into && into.kind !== "table")
      throw new InputError(
        `observers can be added to a dataset read from CSV or JSON Lines files, not to "${into.summary.id}" (read from Parquet as bitsets)`,
      );
    if (heldBytes + body.length > maxHeld) {
      throw new Refusal(
        507,
        `upload refused: "${name}" (${formatBytes(body.length)}) would take the uploads held to ${formatBytes(heldBytes + body.length)}, over the limit of ${formatBytes(maxHeld)}; ` +
          "remove an uploaded dataset first (its remove button, or DELETE /api/datasets/<id>), or start trialwise serve with a larger --max-held",
      );
    }
    heldBytes += body.length;
    let kept = false;
    try {
      const read = await readUpload(name, body, mapping, modelVsHumanIds);
      if ("needsMapping" in read) return read;
      if (into) {
        if (read.kind !== "table")
          throw new InputError(`"${name}" is read from Parquet as bitsets; only CSV or JSON Lines trials can be added to a dataset`);
        const served = addObservers(into as ServedDataset & { kind: "table" }, read.table, name, body.length);
        kept = true;
        return { dataset: served.summary, notes: [] };
      }
      // The id is chosen and taken at once, after the (possibly slow) reading.
      const id = datasetId(read.kind === "table" ? read.table.dataset : read.packed.dataset, taken);
      taken.add(id);
      const served =
        read.kind === "table"
          ? tableDataset(id, read.table, `upload: ${name}`, body.length)
          : packedDataset(id, read.packed, `upload: ${name}`, read.notes, body.length);
      datasets.push(served);
      kept = true;
      return { dataset: served.summary, notes: [] };
    } finally {
      if (!kept) heldBytes -= body.length;
    }
  });

  /**
   * Adds an upload's observers to a dataset: an uploaded one grows in place (its bytes held
   * grow too); one given on the command line stays as it is and a copy with the new observers
   * becomes a new upload ("<name> + uploads"), removable like any upload. An observer already
   * there with a stimulus it answered again in the same condition is refused (as by every reader).
   */
  const addObservers = (into: ServedDataset & { kind: "table" }, added: TrialTable, file: string, bytes: number): ServedDataset => {
    const merged = mergedTables(into.table, added, humanPattern);
    if (into.summary.uploadedBytes !== null) {
      const grown = tableDataset(into.summary.id, merged, `${into.summary.source}, ${file}`, into.summary.uploadedBytes + bytes);
      datasets.splice(datasets.indexOf(into), 1, grown);
      return grown;
    }
    const id = datasetId(`${into.summary.id}-uploads`, taken);
    taken.add(id);
    const copy = tableDataset(
      id,
      { ...merged, dataset: `${into.summary.name} + uploads` },
      `${into.summary.source} + upload: ${file}`,
      bytes,
    );
    datasets.push(copy);
    return copy;
  };

  const requestedPort = options.port ?? 8080;
  try {
    await app.listen({ host, port: requestedPort });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw listenFailure(error, host, requestedPort);
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : requestedPort;
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return { url: `http://${shown}:${port}/`, datasets, benchmarks, notes, close: () => app.close() };
}
