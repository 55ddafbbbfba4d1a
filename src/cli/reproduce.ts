import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import { type Env, cacheDir, resolveGeirhos2020Data } from "../io/fetch.ts";
import { checkOutputFolder } from "../io/output.ts";
import type { FigureFormat } from "../reproduce/run.ts";
import { VERSION } from "../version.ts";
import { configureCommand } from "./command.ts";
import { nameList } from "./flags.ts";
import type { CliIO } from "./io.ts";
import { stepReporter } from "./progress.ts";

interface ReproduceFlags {
  metric?: string;
  data?: string;
  out: string;
  format: string;
  cache?: string;
}

const STUDIES = ["geirhos2020"];
const FORMATS: FigureFormat[] = ["svg", "png"];

/** Registers `trialwise reproduce <study>`. `env` defaults to process.env. */
export function addReproduceCommand(program: Command, io: CliIO, env: Env = process.env): void {
  configureCommand(program.command("reproduce"), io, [
    "trialwise reproduce geirhos2020 --data raw-data           # a local copy of the published raw-data folder",
    "trialwise reproduce geirhos2020 --out paper-report --format svg",
    "trialwise reproduce geirhos2020          # downloads the data first",
  ])
    .description(
      "Reproduce a published error-consistency study from its trial data: every figure (SVG, PNG), the tables, numbers.json, " +
        "and index.html, a self-contained report that sets the paper's numbers beside trialwise's and explains every difference. " +
        "Without --data or TRIALWISE_DATA the data is downloaded (checked, cached) on first use.",
    )
    .argument("<study>", `the study: ${STUDIES.join(", ")}`)
    .option("--data <dir>", "a local copy of the study's raw-data folder (default: $TRIALWISE_DATA, else the cache)")
    .option(
      "--out <dir>",
      "report folder, replaced as a whole when done: a new or empty folder, or a report trialwise wrote (never a folder of other files, nor the data)",
      "./trialwise-report",
    )
    .option("--format <list>", "figure files to write: svg, png or both", "svg,png")
    .addOption(
      new Option(
        "--metric <name>",
        "also set a response-level metric beside error kappa (a report section and tables/<name>.csv): capa-discrete, dmc or response-kappa (the published trials hold answers, not probabilities, so not capa)",
      ).choices(["capa-discrete", "dmc", "response-kappa"]),
    )
    .option(
      "--cache <dir>",
      "cache folder for downloads and simulations (default: $TRIALWISE_CACHE, else $XDG_CACHE_HOME/trialwise, else ~/.cache/trialwise)",
    )
    .action(async (study: string, flags: ReproduceFlags) => {
      if (!STUDIES.includes(study)) throw new UsageError(`unknown study "${study}"; known: ${STUDIES.join(", ")}`);
      const formats = nameList("--format", flags.format);
      const unknown = formats.filter((f) => !(FORMATS as string[]).includes(f));
      if (unknown.length > 0 || formats.length === 0) throw new UsageError(`--format: expected svg, png or svg,png, not "${flags.format}"`);
      // Before a download: a folder that can never be replaced is refused at once.
      const data = flags.data ?? env.TRIALWISE_DATA;
      await checkOutputFolder(flags.out, data ? [data] : []);
      const progress = stepReporter(io, `trialwise reproduce ${study}`);
      try {
        const dataDir = await resolveGeirhos2020Data({
          data: flags.data,
          env,
          cache: flags.cache,
          fetchIfMissing: true,
          onProgress: (p) => progress.onProgress("downloading the published data", p.filesDone, p.filesToFetch),
        });
        const { reproduceGeirhos2020 } = await import("../reproduce/run.ts");
        const result = await reproduceGeirhos2020({
          dataDir,
          outDir: flags.out,
          formats: formats as FigureFormat[],
          cacheDir: flags.cache ?? cacheDir(env),
          version: VERSION,
          ...(flags.metric ? { metric: flags.metric as "capa-discrete" | "dmc" | "response-kappa" } : {}),
          onProgress: progress.onProgress,
        });
        progress.stop();
        io.stderr(
          `trialwise reproduce ${study}: ${result.figures} figures, ${result.files} files in ${result.outDir} (${result.seconds.toFixed(1)} s)\n`,
        );
        io.stdout(`${result.outDir}/index.html\n`);
      } finally {
        progress.stop();
      }
    });
}
