import type CliProgress from "cli-progress";
import type { Command } from "commander";
import { UsageError } from "../core/errors.ts";
import {
  MODEL_VS_HUMAN_STIMULI_URL,
  STIMULI_URL_ENV,
  fetchStimuli,
  missingStimuli,
  modelVsHumanStimuliDir,
  stimulusDatasets,
} from "../io/archive.ts";
import {
  DATA_SOURCES,
  type Env,
  type FetchProgress,
  type FetchResult,
  GEIRHOS2020_URL,
  KNOWN_DATASETS,
  type KnownDataset,
  MODEL_VS_HUMAN_URL,
  dataCacheDir,
  fetchData,
  locateGeirhos2020Data,
  locateModelVsHuman,
} from "../io/fetch.ts";
import { configureCommand } from "./command.ts";
import type { CliIO } from "./io.ts";
import { progressBars } from "./progress.ts";

interface FetchFlags {
  cache?: string;
  url?: string;
  /** `--stimuli` alone: true (all datasets); with names: those. */
  stimuli?: true | string[];
  archives?: string;
}

interface PathFlags {
  cache?: string;
  data?: string;
  stimuli?: true;
}

const CACHE_HELP = "cache folder (default: $TRIALWISE_CACHE, else $XDG_CACHE_HOME/trialwise, else ~/.cache/trialwise)";

/**
 * Registers `trialwise data fetch <name>` (download the published trial data, checking every
 * file's sha256; resumes) and `trialwise data path <name>` (print the folder the data is read
 * from). `env` defaults to process.env.
 */
export function addDataCommand(program: Command, io: CliIO, env: Env = process.env): void {
  const configure = (command: Command, examples: string[]) => configureCommand(command, io, examples);

  const data = configure(
    program
      .command("data")
      .description(`The published trial data (${KNOWN_DATASETS.join(", ")}): download it with checksums, or show where it is.`),
    ["trialwise data fetch geirhos2020", 'trialwise summary "$(trialwise data path geirhos2020)" --format table'],
  );

  configure(
    data
      .command("fetch")
      .description(
        "Download the raw trial data of Geirhos, Meding & Wichmann (2020) or model-vs-human's human trials into the cache, checking each file's sha256. " +
          "Files already there with the right sum are kept, so running it again resumes an interrupted download. " +
          "With --stimuli (model-vs-human only): the stimulus archives of its release " +
          "(one .tar.gz per dataset; their sha256 is recorded on the first download and checked on every later one), extracted safely " +
          "into <cache>/model-vs-human/stimuli/<dataset>. " +
          "Prints the data folder on standard output, progress on standard error.",
      )
      .argument("<name>", `dataset: ${KNOWN_DATASETS.join(", ")}`)
      .option("--cache <dir>", CACHE_HELP)
      .option(
        "--url <url>",
        `base URL of the raw-data/ folder (default: $TRIALWISE_GEIRHOS2020_URL, else ${GEIRHOS2020_URL}; for model-vs-human $TRIALWISE_MODEL_VS_HUMAN_URL, else ${MODEL_VS_HUMAN_URL}); ` +
          `with --stimuli, of the archives (<url>/<dataset>.tar.gz; default: $${STIMULI_URL_ENV}, else ${MODEL_VS_HUMAN_STIMULI_URL})`,
      )
      .option(
        "--stimuli [datasets...]",
        "model-vs-human: download and extract the stimulus archives of these datasets (default: all 17) instead of the human trials",
      )
      .option(
        "--archives <dir>",
        "with --stimuli: check and extract the <dataset>.tar.gz archives in this folder instead of downloading them",
      ),
    [
      "trialwise data fetch geirhos2020",
      "trialwise data fetch geirhos2020 --cache ./trialwise-cache",
      "trialwise data fetch model-vs-human",
      "trialwise data fetch model-vs-human --stimuli",
      "trialwise data fetch model-vs-human --stimuli colour contrast",
      "trialwise data fetch model-vs-human --stimuli --archives ./downloads",
      "TRIALWISE_GEIRHOS2020_URL=http://mirror.example/raw-data trialwise data fetch geirhos2020",
    ],
  )
    .addHelpText(
      "after",
      "\nEnvironment:\n" +
        "  TRIALWISE_CACHE            cache folder; the data goes to <cache>/geirhos2020/raw-data\n" +
        "  XDG_CACHE_HOME             used as <XDG_CACHE_HOME>/trialwise when TRIALWISE_CACHE is not set\n" +
        "  TRIALWISE_GEIRHOS2020_URL  where to download geirhos2020 from (as --url)\n" +
        "  TRIALWISE_MODEL_VS_HUMAN_URL  where to download model-vs-human from (as --url)\n" +
        `  ${STIMULI_URL_ENV}  where to download the stimulus archives from (as --url with --stimuli)\n` +
        "  TRIALWISE_DATA             a local raw-data folder that commands read instead of the cache\n",
    )
    .action(async (name: string, flags: FetchFlags) => {
      checkName(name);
      if (flags.url !== undefined) checkUrl(flags.url);
      if (flags.archives !== undefined && flags.stimuli === undefined) throw new UsageError("--archives goes with --stimuli");
      if (flags.stimuli !== undefined) {
        if (name !== "model-vs-human") throw new UsageError(`--stimuli: only model-vs-human publishes stimulus archives, not ${name}`);
        if (flags.archives !== undefined && flags.url !== undefined)
          throw new UsageError("--archives and --url: give one (a local folder, or where to download from)");
        await fetchStimuliCommand(io, env, flags);
        return;
      }
      const dir = dataCacheDir(name, flags.cache, env);
      const progress = reporter(io, name, dir);
      // Ctrl-C stops the downloads cleanly (no .part files left, the terminal restored); a second one kills.
      const result: FetchResult = await untilDone(progress, (signal) =>
        fetchData(DATA_SOURCES[name], {
          cache: flags.cache,
          baseUrl: flags.url,
          env,
          onProgress: progress.onProgress,
          signal,
        }),
      );
      io.stderr(
        `trialwise: ${name}: fetched ${result.fetched} file${result.fetched === 1 ? "" : "s"} (${megabytes(result.fetchedBytes)} MB), ` +
          `${result.present} already present, all ${result.total} verified (sha256) in ${result.dir}\n`,
      );
      io.stdout(`${result.dir}\n`);
    });

  configure(
    data
      .command("path")
      .description(
        "Print the data folder commands read: --data if given, else $TRIALWISE_DATA, else the cache folder (with a note if files are missing there).",
      )
      .argument("<name>", `dataset: ${KNOWN_DATASETS.join(", ")}`)
      .option("--cache <dir>", CACHE_HELP)
      .option("--data <dir>", "a local copy of the raw-data folder (must exist)")
      .option("--stimuli", "model-vs-human: the folder of the extracted stimuli (one folder per dataset) instead"),
    [
      "trialwise data path geirhos2020",
      'trialwise summary "$(trialwise data path geirhos2020)" --format table',
      "trialwise data path model-vs-human --stimuli",
    ],
  ).action(async (name: string, flags: PathFlags) => {
    checkName(name);
    if (flags.stimuli) {
      if (name !== "model-vs-human") throw new UsageError(`--stimuli: only model-vs-human publishes stimulus archives, not ${name}`);
      if (flags.data !== undefined) throw new UsageError("--data and --stimuli: give one");
      const dir = modelVsHumanStimuliDir(flags.cache, env);
      const all = stimulusDatasets();
      const missing = await missingStimuli(all, flags.cache, env);
      if (missing.length > 0) {
        io.stderr(
          `trialwise: note: the stimuli of ${missing.length} of ${all.length} datasets are not in ${dir} yet (${missing.join(", ")}); ` +
            "`trialwise data fetch model-vs-human --stimuli` downloads them\n",
        );
      }
      io.stdout(`${dir}\n`);
      return;
    }
    const location =
      name === "model-vs-human"
        ? await locateModelVsHuman({ data: flags.data, env, cache: flags.cache })
        : await locateGeirhos2020Data({ data: flags.data, env, cache: flags.cache });
    if (location.missing > 0) {
      io.stderr(
        `trialwise: note: ${location.missing} of ${DATA_SOURCES[name].manifest().files.length} files are not in ${location.dir} yet; ` +
          `\`trialwise data fetch ${name}\` downloads them\n`,
      );
    }
    io.stdout(`${location.dir}\n`);
  });
}

/**
 * `data fetch model-vs-human --stimuli [datasets...]`: the archives downloaded (or read from
 * --archives), checked and extracted; one line per dataset done on standard error.
 */
async function fetchStimuliCommand(io: CliIO, env: Env, flags: FetchFlags): Promise<void> {
  const datasets = stimulusDatasets(flags.stimuli === true ? [] : flags.stimuli);
  const dir = modelVsHumanStimuliDir(flags.cache, env);
  const label = "model-vs-human stimuli";
  const progress = reporter(io, label, dir, "archive");
  const result = await untilDone(progress, (signal) =>
    fetchStimuli({
      datasets,
      cache: flags.cache,
      baseUrl: flags.url,
      archives: flags.archives,
      env,
      onProgress: progress.onProgress,
      onNote: progress.note,
      signal,
    }),
  );
  io.stderr(
    `trialwise: ${label}: ${result.extracted} dataset${result.extracted === 1 ? "" : "s"} extracted ` +
      `(${result.downloaded} archive${result.downloaded === 1 ? "" : "s"} downloaded, ${megabytes(result.downloadedBytes)} MB), ` +
      `${result.present} already present; ${result.total} in ${result.dir}` +
      (result.recorded.length > 0 ? `; sha256 of ${result.recorded.join(", ")} recorded in ${result.manifest}` : "") +
      "\n",
  );
  io.stdout(`${result.dir}\n`);
}

/**
 * Runs a fetch that Ctrl-C or SIGTERM stops cleanly (its signal aborts; the terminal is
 * restored); a second Ctrl-C kills. The progress display is stopped whatever happens.
 */
async function untilDone<T>(progress: { stop: () => void }, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await run(interrupt.signal);
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    progress.stop();
  }
}

function checkName(name: string): asserts name is KnownDataset {
  if (!(KNOWN_DATASETS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown dataset "${name}"; known: ${KNOWN_DATASETS.join(", ")}`);
  }
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(`--url: not a URL: "${url}"`);
  }
  if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`--url: only http and https URLs, not "${url}"`);
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Progress of a fetch, and where its notes go. */
interface Reporter {
  onProgress: (p: FetchProgress) => void;
  /** A line per item done: printed as it comes without a terminal (a bar would overwrite it). */
  note: (text: string) => void;
  stop: () => void;
}

/**
 * Progress on standard error: a bar with ETA on a terminal (its total grows where sizes are
 * learnt from the downloads, as for the stimulus archives); otherwise a start line and, for
 * files of known sizes, one line per tenth of the bytes; for archives, a note per archive.
 */
function reporter(io: CliIO, name: string, dir: string, unit: "file" | "archive" = "file"): Reporter {
  const plural = (n: number) => `${unit}${n === 1 ? "" : "s"}`;
  if (io.isTTY && process.stderr.isTTY) {
    let bar: CliProgress.SingleBar | undefined;
    const payload = (p: FetchProgress) => ({
      mb: megabytes(p.bytesDone),
      totalMb: megabytes(p.bytesToFetch),
      files: p.filesDone,
      filesTotal: p.filesToFetch,
    });
    return {
      onProgress: (p) => {
        if (p.event === "start") {
          if (p.filesToFetch === 0) return;
          const { SingleBar, Presets } = progressBars();
          bar = new SingleBar(
            {
              stream: process.stderr,
              format: `${name} {bar} {percentage}% | {mb}/{totalMb} MB | {files}/{filesTotal} ${unit}s | ETA {eta_formatted}`,
              etaBuffer: 50,
            },
            Presets.shades_classic,
          );
          bar.start(Math.max(p.bytesToFetch, 1), 0, payload(p));
        } else if (bar) {
          if (bar.getTotal() !== Math.max(p.bytesToFetch, 1)) bar.setTotal(Math.max(p.bytesToFetch, 1));
          bar.update(p.bytesDone, payload(p));
        }
      },
      note: () => undefined,
      stop: () => {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  let shownTenth = 0;
  return {
    onProgress: (p) => {
      if (p.event === "start") {
        if (p.filesToFetch > 0) {
          const size = unit === "file" ? ` (${megabytes(p.bytesToFetch)} MB)` : "";
          io.stderr(
            `trialwise: ${name}: ${unit === "file" ? "downloading" : "fetching and extracting"} ${p.filesToFetch} ${plural(p.filesToFetch)}${size} ` +
              `into ${dir}${p.present > 0 ? `, ${p.present} already present` : ""}\n`,
          );
        }
      } else if (unit === "file" && p.event === "file" && p.bytesToFetch > 0) {
        const tenth = Math.floor((10 * p.bytesDone) / p.bytesToFetch);
        if (tenth > shownTenth) {
          shownTenth = tenth;
          io.stderr(
            `trialwise: ${name}: ${tenth * 10}% (${p.filesDone} of ${p.filesToFetch} files, ${megabytes(p.bytesDone)} of ${megabytes(p.bytesToFetch)} MB)\n`,
          );
        }
      }
    },
    note: (text) => io.stderr(`trialwise: ${name}: ${text}\n`),
    stop: () => undefined,
  };
}
