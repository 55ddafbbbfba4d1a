import { constants as bufferConstants } from "node:buffer";
import { spawn } from "node:child_process";
import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import type { ScoresAs } from "../io/scores.ts";
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_UPLOAD_BYTES } from "../serve/limits.ts";
import type { RunningServer } from "../serve/server.ts";
import { configureCommand } from "./command.ts";
import { megabytes, portNumber } from "./flags.ts";
import type { CliIO } from "./io.ts";
import { type InputFlags, addInputOptions, loadOptions } from "./options.ts";
import { untilInterrupted } from "./signals.ts";
import { EXAMPLE_DATA } from "./examples.ts";

interface ServeFlags extends InputFlags {
  port: string;
  host: string;
  open?: boolean;
  stimuli?: string;
  benchmark: string[];
  maxUpload: string;
  maxHeld?: string;
  scores?: string;
  scoresAs?: ScoresAs;
}

/** Opens a URL in the desktop's browser; quietly does nothing where no opener exists. */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const [command, args] =
    platform === "darwin" ? ["open", [url]] : platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No opener: the URL is printed anyway.
  }
}

/** The largest --max-upload: an upload is one buffer, and Node's buffers have a largest size. */
const MAX_UPLOAD = {
  max: Math.floor(bufferConstants.MAX_LENGTH / 2 ** 20),
  why: "an upload is held in memory whole, as one buffer, and Node's buffers hold no more",
};

/**
 * Registers `trialwise serve`. `waitForStop` resolves when the server should stop (default: on
 * Ctrl-C or SIGTERM); tests pass their own.
 */
export function addServeCommand(
  program: Command,
  io: CliIO,
  waitForStop: (server: RunningServer) => Promise<void> = untilInterrupted,
): void {
  addInputOptions(
    configureCommand(program.command("serve"), io, [
      `trialwise serve ${EXAMPLE_DATA} --stimuli stimuli/ --open`,
      `trialwise serve ${EXAMPLE_DATA}/texture-shape_cue-conflict --port 0`,
      "trialwise serve runs.parquet --observer-col model --stimulus-col image --correct-col hit",
      'trialwise serve --benchmark scored/ "$(trialwise data path model-vs-human)"/colour',
      "trialwise serve trials/ --scores scores/ --scores-as normalize",
    ]),
  )
    .description(
      "A local dashboard in the browser: the observers, the clustered kappa matrix, kappa vs accuracy and c_obs vs c_exp with the chance region, " +
        "per-condition curves, a ranking of models by mean kappa with the humans, and the trials behind any pair. Datasets come from the paths " +
        "given and from files dropped onto the page; figures export as SVG and PNG, tables as CSV, and the URL keeps the view. " +
        "With --benchmark, a scored benchmark's page too (leaderboard with intervals, figures), linked from the dashboard.",
    )
    .argument("[path...]", "trial files, folders of trial files (datasets) or folders of datasets; Parquet files are read with DuckDB")
    .option("--port <n>", "port to listen on (0: any free port)", "8080")
    .option("--host <address>", "address to bind (127.0.0.1: this machine only)", "127.0.0.1")
    .option("--open", "open the dashboard in the browser")
    .option("--stimuli <dir>", "folder of stimulus images (found by file name, e.g. <category>/<file>), shown beside a pair's trials")
    .option(
      "--benchmark <dir>",
      "a scored benchmark to show at /benchmark/<name>/: the --out folder of `trialwise benchmark model-vs-human score` (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--max-upload <MB>",
      `largest file the page may upload (at most ${MAX_UPLOAD.max})`,
      String(DEFAULT_MAX_UPLOAD_BYTES / 1024 / 1024),
    )
    .option(
      "--max-held <MB>",
      `most uploaded data kept at once, as the sum of the uploaded files' sizes (the trials take a few times that in memory); ` +
        `beyond it an upload is refused until an uploaded dataset is removed (default: ${DEFAULT_MAX_HELD_BYTES / 1024 / 1024}, or --max-upload if larger)`,
    )
    .option(
      "--scores <path>",
      "score files of trialwise evaluate --scores (a file or folder; one per model, named after it) for the one dataset given, as pairs --scores reads them: the matrix then offers capa and dmc",
    )
    .addOption(
      new Option(
        "--scores-as <how>",
        "with --scores: scores are probabilities (checked), logits (softmaxed) or normalize (divided by their sum)",
      ).choices(["probabilities", "logits", "normalize"]),
    )
    .action(async (paths: string[], flags: ServeFlags) => {
      if (flags.scoresAs !== undefined && flags.scores === undefined) throw new UsageError("--scores-as needs --scores");
      const { startServer } = await import("../serve/server.ts");
      const server = await startServer({
        paths,
        host: flags.host,
        port: portNumber("--port", flags.port),
        stimuli: flags.stimuli,
        benchmarks: flags.benchmark,
        maxUploadBytes: megabytes("--max-upload", flags.maxUpload, MAX_UPLOAD),
        maxHeldBytes: flags.maxHeld === undefined ? undefined : megabytes("--max-held", flags.maxHeld),
        load: loadOptions(flags),
        ...(flags.scores !== undefined ? { scores: { path: flags.scores, as: flags.scoresAs } } : {}),
        log: io.stderr,
      });
      for (const note of server.notes) io.stderr(`trialwise: note: ${note}\n`);
      const count = server.datasets.length;
      io.stderr(
        `trialwise serve: ${count} dataset${count === 1 ? "" : "s"}${count === 0 ? " (drop trial files onto the page)" : ""}; Ctrl-C stops\n`,
      );
      for (const benchmark of server.benchmarks)
        io.stderr(
          `trialwise serve: benchmark ${benchmark.id} (${benchmark.models.length} model${benchmark.models.length === 1 ? "" : "s"}) at ${server.url}benchmark/${encodeURIComponent(benchmark.id)}/\n`,
        );
      io.stdout(`${server.url}\n`);
      if (flags.open) openInBrowser(server.url);
      await waitForStop(server);
      await server.close();
    });
}
