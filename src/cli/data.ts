import type CliProgress from "cli-progress";
import type { Command } from "commander";
import { UsageError } from "../core/errors.ts";
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
}

interface PathFlags {
  cache?: string;
  data?: string;
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
        "Download the raw trial data of Geirhos, Meding & Wichmann (2020) into the cache, checking each file's sha256. " +
          "Files already there with the right sum are kept, so running it again resumes an interrupted download. " +
          "Prints the data folder on standard output, progress on standard error.",
      )
      .argument("<name>", `dataset: ${KNOWN_DATASETS.join(", ")}`)
      .option("--cache <dir>", CACHE_HELP)
      .option(
        "--url <url>",
        `base URL of the raw-data/ folder (default: $TRIALWISE_GEIRHOS2020_URL, else ${GEIRHOS2020_URL}; for model-vs-human $TRIALWISE_MODEL_VS_HUMAN_URL, else ${MODEL_VS_HUMAN_URL})`,
      ),
    [
      "trialwise data fetch geirhos2020",
      "trialwise data fetch geirhos2020 --cache ./trialwise-cache",
      "trialwise data fetch model-vs-human",
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
        "  TRIALWISE_DATA             a local raw-data folder that commands read instead of the cache\n",
    )
    .action(async (name: string, flags: FetchFlags) => {
      checkName(name);
      if (flags.url !== undefined) checkUrl(flags.url);
      const dir = dataCacheDir(name, flags.cache, env);
      const progress = reporter(io, name, dir);
      // Ctrl-C stops the downloads cleanly (no .part files left, the terminal restored); a second one kills.
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      let result: FetchResult;
      try {
        result = await fetchData(DATA_SOURCES[name], {
          cache: flags.cache,
          baseUrl: flags.url,
          env,
          onProgress: progress.onProgress,
          signal: interrupt.signal,
        });
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
        progress.stop();
      }
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
      .option("--data <dir>", "a local copy of the raw-data folder (must exist)"),
    ["trialwise data path geirhos2020", 'trialwise summary "$(trialwise data path geirhos2020)" --format table'],
  ).action(async (name: string, flags: PathFlags) => {
    checkName(name);
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

/**
 * Progress on standard error: a bar with ETA on a terminal; otherwise a start line and one line
 * per tenth of the bytes.
 */
function reporter(io: CliIO, name: string, dir: string): { onProgress: (p: FetchProgress) => void; stop: () => void } {
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
              format: `${name} {bar} {percentage}% | {mb}/{totalMb} MB | {files}/{filesTotal} files | ETA {eta_formatted}`,
              etaBuffer: 50,
            },
            Presets.shades_classic,
          );
          bar.start(Math.max(p.bytesToFetch, 1), 0, payload(p));
        } else bar?.update(p.bytesDone, payload(p));
      },
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
          io.stderr(
            `trialwise: ${name}: downloading ${p.filesToFetch} file${p.filesToFetch === 1 ? "" : "s"} (${megabytes(p.bytesToFetch)} MB) ` +
              `into ${dir}${p.present > 0 ? `, ${p.present} already present` : ""}\n`,
          );
        }
      } else if (p.event === "file" && p.bytesToFetch > 0) {
        const tenth = Math.floor((10 * p.bytesDone) / p.bytesToFetch);
        if (tenth > shownTenth) {
          shownTenth = tenth;
          io.stderr(
            `trialwise: ${name}: ${tenth * 10}% (${p.filesDone} of ${p.filesToFetch} files, ${megabytes(p.bytesDone)} of ${megabytes(p.bytesToFetch)} MB)\n`,
          );
        }
      }
    },
    stop: () => undefined,
  };
}
