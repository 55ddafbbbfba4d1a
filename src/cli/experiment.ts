import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import { CATEGORIES_16, type ConditionOrder } from "../experiment/design.ts";
import type { Sidecar } from "../experiment/admin.ts";
import { DEFAULT_PROTOCOL, type Protocol, parseProtocol } from "../experiment/protocol.ts";
import type { OutputFormat } from "../io/format.ts";
import { configureCommand } from "./command.ts";
import type { CliIO } from "./io.ts";
import { nameList, portNumber, realNumber, seed as seedFlag, wholeNumber } from "./flags.ts";
import { untilInterrupted } from "./signals.ts";

/** Protocol flags: flag name (without --), protocol field, and whether it takes a number. */
const PROTOCOL_FLAGS: { flag: string; field: keyof Protocol; help: string; numeric: boolean }[] = [
  { flag: "fixation-ms", field: "fixationMs", help: "fixation square before the stimulus", numeric: true },
  { flag: "stimulus-ms", field: "stimulusMs", help: "stimulus presentation", numeric: true },
  { flag: "mask-ms", field: "maskMs", help: "1/f noise mask after the stimulus", numeric: true },
  { flag: "response-ms", field: "responseMs", help: "response window; no answer within it is recorded as na", numeric: true },
  { flag: "inter-trial-ms", field: "interTrialMs", help: "blank screen before each trial", numeric: true },
  { flag: "feedback-ms", field: "feedbackMs", help: "feedback after each practice trial", numeric: true },
  { flag: "practice", field: "practiceTrials", help: "practice trials with feedback before the main block", numeric: true },
  { flag: "break-every", field: "breakEvery", help: "a break after every this many main trials (0: none)", numeric: true },
  {
    flag: "tolerance-ms",
    field: "toleranceMs",
    help: "flag trials whose measured stimulus or mask duration is off by more",
    numeric: true,
  },
  { flag: "size", field: "sizePx", help: "side of stimulus and mask in CSS pixels", numeric: true },
  {
    flag: "catch-trials",
    field: "catchTrials",
    help: "attention checks mixed into each participant's main block (exported in the participants' summary)",
    numeric: true,
  },
  {
    flag: "stimulus-deg",
    field: "stimulusDeg",
    help: "stimulus side in degrees of visual angle (each participant calibrates the screen first; 0: use --size)",
    numeric: true,
  },
  { flag: "viewing-distance-cm", field: "viewingDistanceCm", help: "viewing distance asked for in the calibration, cm", numeric: true },
  {
    flag: "completion-code",
    field: "completionCode",
    help: "Prolific completion code: finished participants are sent to Prolific with it",
    numeric: false,
  },
  {
    flag: "completion-url",
    field: "completionUrl",
    help: "send finished participants here ({code}, {participant} filled in; https)",
    numeric: false,
  },
  { flag: "keys", field: "responseKeys", help: 'response keys, one per category in grid order ("" for mouse only)', numeric: false },
  { flag: "background", field: "background", help: "screen background colour", numeric: false },
];

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The protocol: defaults, then a --protocol JSON file, then single flags. */
async function protocolFrom(flags: ServeFlags): Promise<Protocol> {
  let protocol: Protocol = { ...DEFAULT_PROTOCOL };
  if (flags.protocol !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.protocol, "utf8");
    } catch {
      throw new InputError("cannot read the protocol file; expected a JSON object of protocol fields", { file: flags.protocol });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InputError(`invalid JSON (${(error as Error).message})`, { file: flags.protocol });
    }
    protocol = parseProtocol(json, flags.protocol);
  }
  for (const { flag, field, numeric } of PROTOCOL_FLAGS) {
    const value = flags[camel(flag)];
    if (typeof value !== "string") continue;
    // The protocol's own rules (parseProtocol) then check the number's range.
    const parsed = numeric ? realNumber(`--${flag}`, value) : value;
    try {
      protocol = parseProtocol({ [field]: parsed }, "command line", protocol);
    } catch (error) {
      if (error instanceof InputError) throw new UsageError(`--${flag}: ${error.message.replace(/^command line: column "[^"]*": /, "")}`);
      throw error;
    }
  }
  if (flags.icons !== undefined) protocol.responseLayout = "icons";
  if (flags.fullscreen === false) protocol.fullscreen = false;
  return protocol;
}

function integerFlag(name: string, value: string | undefined, min: number): number | undefined {
  return value === undefined ? undefined : wholeNumber(`--${name}`, value, { min });
}

interface ServeFlags {
  store: string;
  port: string;
  host: string;
  seed: string;
  order: ConditionOrder;
  fullscreen: boolean;
  name?: string;
  protocol?: string;
  trialsPerSubject?: string;
  conditions?: string;
  conditionsPerSubject?: string;
  practiceStimuli?: string;
  categories?: string;
  icons?: string;
  study?: string;
  consent?: string;
  debrief?: string;
  trustProxy?: boolean;
  maxStartsPerHour?: string;
  maxSubmissionsPerMinute?: string;
  /** The protocol flags (PROTOCOL_FLAGS), by their camel-case names. */
  [protocolFlag: string]: string | boolean | undefined;
}

/** The one line export and status write when a running server answers for its store. */
function throughServer(io: CliIO, command: string): (sidecar: Sidecar) => void {
  return (sidecar) =>
    io.stderr(`trialwise experiment ${command}: the store is held by a running server (pid ${sidecar.pid}); read through it\n`);
}

/** Registers `trialwise experiment serve|export|status`. `untilStopped` resolves when serving should end (default: Ctrl+C or SIGTERM). */
export function addExperimentCommand(program: Command, io: CliIO, untilStopped: () => Promise<void> = untilInterrupted): void {
  const configure = (command: Command, examples: string[]) => configureCommand(command, io, examples);
  const experiment = configure(
    program
      .command("experiment")
      .description(
        "Collect human decisions in the browser: a masked 16-way object recognition experiment on a stimulus folder, every trial stored as it happens, exported in the model-vs-human schema.",
      ),
    [
      "trialwise experiment serve stimuli/edges --trials-per-subject 160   # a folder of <category>/<image> files",
      "trialwise experiment export --store experiment.duckdb -o humans/",
      "trialwise pairs humans/",
    ],
  );

  const serve = configure(
    experiment
      .command("serve")
      .description(
        "Serve the experiment: participants open the printed address, each gets an id (<study>-subject-01, ...) and a design: the same stimuli per condition for everyone in an own seeded order, conditions counterbalanced by a balanced Latin square. Protocol defaults: fixation 300 ms, stimulus 200 ms, 1/f noise mask 200 ms, up to 1500 ms to answer on a 4x4 grid (no answer: na), 10 practice trials with feedback, a break every 256 trials. Every trial is validated and stored in the DuckDB file as it arrives.",
      )
      .argument("<stimuli>", "stimulus folder laid out <category>/<image>, or a manifest CSV file,category[,condition]")
      .option("--store <file>", "trial store (DuckDB file; created if missing, resumed if it holds this experiment)", "experiment.duckdb")
      .option("--name <dataset>", "dataset name of the exported files (default: the stimulus folder's name)")
      .option(
        "--trials-per-subject <n>",
        "main trials per participant, split evenly over its conditions (default: every stimulus of its conditions)",
      )
      .option("--conditions <list>", "only these conditions of the manifest, in this order (comma-separated)")
      .option("--conditions-per-subject <k>", "each participant sees k of the conditions, rotated across participants (default: all)")
      .addOption(
        new Option("--order <how>", "conditions in counterbalanced blocks, or all trials shuffled together")
          .choices(["blocked", "interleaved"])
          .default("blocked"),
      )
      .option("--practice-stimuli <path>", "stimuli for practice (default: stimuli of the set not in the main block)")
      .option("--seed <n>", "seed of the stimulus selection and of every participant's order, 0 to 2^53 - 1", "1")
      .option(
        "--protocol <file>",
        "protocol JSON: any of fixationMs, stimulusMs, maskMs, responseMs, interTrialMs, feedbackMs, practiceTrials, breakEvery, toleranceMs, sizePx, responseLayout, responseKeys, background, fullscreen",
      )
      .option("--categories <list>", "response categories in grid order (default: the 16 of the published experiments)")
      .option("--icons <folder>", "respond on icons: one image per category, <category>.png (or .svg, .jpg)")
      .option("--study <id>", "study id, the prefix of participant names (<study>-subject-01; default: the store's file name)")
      .option("--consent <file>", "consent screen before the start (HTML or Markdown); declining ends the page, nothing stored")
      .option("--debrief <file>", "debrief screen after the last trial (HTML or Markdown)")
      .option(
        "--host <host>",
        "address to listen on (0.0.0.0 for other machines; put a TLS reverse proxy in front for online studies)",
        "127.0.0.1",
      )
      .option("--port <n>", "port to listen on", "8080")
      .option("--trust-proxy", "take client addresses from X-Forwarded-For (only behind a reverse proxy that sets it)")
      .option("--max-starts-per-hour <n>", "new participants per client address per hour", "60")
      .option("--max-submissions-per-minute <n>", "trials, calibrations and finishes per client address per minute", "600")
      .option("--no-fullscreen", "do not ask the browser for fullscreen when the participant starts"),
    [
      "trialwise experiment serve stimuli/edges",
      "trialwise experiment serve stimuli.csv --conditions c05,c10,c50 --conditions-per-subject 1 --trials-per-subject 160",
      "trialwise experiment serve stimuli/silhouettes --protocol protocol.json --host 0.0.0.0 --port 9000",
    ],
  );
  for (const { flag, help, numeric } of PROTOCOL_FLAGS) serve.option(`--${flag} <${numeric ? "n" : "text"}>`, help);
  serve.action(async (stimuli: string, flags: ServeFlags) => {
    const protocol = await protocolFrom(flags);
    const port = portNumber("--port", flags.port);
    const seed = seedFlag("--seed", flags.seed);
    const { startExperimentServer } = await import("../experiment/server.ts");
    const limits = {
      startsPerHour: wholeNumber("--max-starts-per-hour", flags.maxStartsPerHour ?? "60", { min: 1 }),
      submissionsPerMinute: wholeNumber("--max-submissions-per-minute", flags.maxSubmissionsPerMinute ?? "600", { min: 1 }),
    };
    const server = await startExperimentServer({
      stimuli,
      dataset: flags.name,
      study: flags.study,
      consent: flags.consent,
      debrief: flags.debrief,
      trustProxy: flags.trustProxy === true,
      limits,
      store: flags.store,
      protocol,
      categories: nameList("--categories", flags.categories) ?? CATEGORIES_16,
      seed,
      trialsPerParticipant: integerFlag("trials-per-subject", flags.trialsPerSubject, 1),
      conditions: nameList("--conditions", flags.conditions),
      conditionsPerParticipant: integerFlag("conditions-per-subject", flags.conditionsPerSubject, 1),
      conditionOrder: flags.order,
      practiceStimuli: flags.practiceStimuli,
      icons: flags.icons,
      host: flags.host,
      port,
      log: (line) => io.stderr(`trialwise experiment: ${line}\n`),
    });
    const { plan } = server;
    const perCondition = [...plan.stimuliByCondition.values()][0].length;
    const checks = plan.catchTrials > 0 ? ` and ${plan.catchTrials} attention checks` : "";
    io.stderr(
      `trialwise experiment: ${server.store.settings.dataset}: ${server.store.settings.trialsPerParticipant} trials per participant ` +
        `(${plan.conditionsPerParticipant} of ${plan.conditions.length} condition(s), ${perCondition} stimuli each${checks}), ${plan.practice.length} practice trials; ` +
        `participants ${server.study}-subject-01, ...; store ${flags.store}\n` +
        `trialwise experiment: open ${server.url}/ (add ?new to start the next participant in the same browser; ?PROLIFIC_PID=...&STUDY_ID=...&SESSION_ID=... or ?participant=ID links a recruitment id); Ctrl+C stops\n`,
    );
    if (plan.practice.length < protocol.practiceTrials) {
      io.stderr(
        `trialwise experiment: note: ${plan.practice.length} of ${protocol.practiceTrials} practice trials: the main block uses ${plan.practice.length === 0 ? "every" : "almost every"} stimulus; --practice-stimuli DIR gives practice images\n`,
      );
    }
    await untilStopped();
    await server.close();
    io.stderr("trialwise experiment: stopped\n");
  });

  configure(
    experiment
      .command("export")
      .description(
        "Write the store's trials in the model-vs-human schema, one CSV per participant (<dataset>_<study>-subject-01_session_1.csv, written atomically), with response_source (key, mouse) and the measured stimulus_ms, mask_ms, frame_ms and timing_ok (1: within tolerance) as extra columns, and <dataset>_participants.json (seeds, conditions, times). The folder is ready for trialwise pairs. While trialwise experiment serve runs on the store, the data come from that server.",
      )
      .requiredOption("--store <file>", "the trial store written by trialwise experiment serve")
      .requiredOption("-o, --output <folder>", "folder to write the CSV files into (created if missing)")
      .option("--partial", "also export participants who have not completed the main block")
      .option(
        "--distinct-from <trials>",
        "refuse to export when a participant name is an observer of these trials (a file or folder, e.g. the published data to merge with)",
      ),
    [
      "trialwise experiment export --store experiment.duckdb -o humans/",
      "trialwise experiment export --store experiment.duckdb -o humans/ --partial",
    ],
  ).action(async (flags: { store: string; output: string; partial?: boolean; distinctFrom?: string }) => {
    const { exportStore } = await import("../experiment/export.ts");
    const result = await exportStore(flags.store, flags.output, {
      partial: flags.partial,
      distinctFrom: flags.distinctFrom,
      onServer: throughServer(io, "export"),
    });
    for (const p of result.incomplete) {
      const why = p.storedTrials === 0 ? "no trials stored" : `${p.storedTrials} trials stored, not complete; --partial exports it`;
      io.stderr(`trialwise experiment export: note: left out ${p.name} (${why})\n`);
    }
    for (const f of result.failedChecks) {
      io.stderr(
        `trialwise experiment export: note: ${f.name} passed ${f.passed} of ${f.of} attention checks (attention_ok false in the participants' summary)\n`,
      );
    }
    io.stderr(
      `trialwise experiment export: ${result.files.length} participant file(s), ${result.trials} trials (${result.flagged} with timing outside tolerance) written to ${flags.output}\n`,
    );
  });

  configure(
    experiment
      .command("status")
      .description(
        "One row per participant of a store: trials stored, trials with timing outside tolerance, started and finished times; rejected submissions are counted on standard error (--rejections lists them). Works while trialwise experiment serve runs on the store (read through that server).",
      )
      .requiredOption("--store <file>", "the trial store")
      .option("--rejections", "list the rejected submissions with their reasons instead")
      .addOption(
        new Option("--format <format>", "output format (default: table on a terminal, else csv)").choices(["csv", "json", "table"]),
      )
      .option("-o, --output <file>", "write to this file (atomically) instead of standard output"),
    [
      "trialwise experiment status --store experiment.duckdb",
      "trialwise experiment status --store experiment.duckdb --rejections --format table",
    ],
  ).action(async (flags: { store: string; rejections?: boolean; format?: OutputFormat; output?: string }) => {
    const [{ readStoreData }, { toCsv, toJson, toTable }, { outputFormat, writeFileAtomic }] = await Promise.all([
      import("../experiment/admin.ts"),
      import("../io/format.ts"),
      import("../io/output.ts"),
    ]);
    const { settings, participants, rejections } = await readStoreData(flags.store, "status", throughServer(io, "status"));
    const names = new Map(participants.map((p) => [p.number, p]));
    const [rows, columns] = flags.rejections
      ? [
          rejections.map((r) => ({
            at: r.at,
            subj: r.participant === null ? null : (names.get(r.participant)?.name ?? null),
            reason: r.reason,
            body: r.body,
          })),
          ["at", "subj", "reason", "body"],
        ]
      : [
          participants.map((p) => ({
            subj: p.name,
            trials: p.storedTrials,
            of: settings.trialsPerParticipant,
            flagged: p.flaggedTrials,
            conditions: p.conditions.join(" "),
            started: p.startedAt,
            finished: p.finishedAt,
          })),
          ["subj", "trials", "of", "flagged", "conditions", "started", "finished"],
        ];
    const format = outputFormat(flags, { formats: ["csv", "json", "table"], isTTY: io.isTTY });
    const text =
      format === "json" ? toJson({ dataset: settings.dataset, rows }) : format === "table" ? toTable(rows, columns) : toCsv(rows, columns);
    if (flags.output) await writeFileAtomic(flags.output, text);
    else io.stdout(text);
    if (!flags.rejections)
      io.stderr(
        `trialwise experiment status: ${rejections.length} rejected submission(s)${rejections.length > 0 ? " (--rejections lists them)" : ""}\n`,
      );
  });
}
