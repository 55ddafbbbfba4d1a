/**
 * Shared machinery of the property suites (test/property-*.test.ts): fast-check settings, a CLI
 * runner on a worker thread with a time limit per run, folder snapshots, and the checks every
 * run must pass whatever its input (no stack trace, a located one-line message, no stray files).
 */
import { createHash } from "node:crypto";
import { readFile, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { Worker } from "node:worker_threads";
import type fc from "fast-check";
import type { RunReply } from "./property-cli-worker.ts";

/**
 * Seed of every property (TRIALWISE_PROPERTY_SEED, default fixed so that runs repeat); fast-check
 * prints it, with the path to the counterexample, when a property fails.
 */
export const PROPERTY_SEED = Number(process.env.TRIALWISE_PROPERTY_SEED ?? 20260611);
/** Multiplies every property's number of runs (TRIALWISE_PROPERTY_RUNS, default 1). */
const RUN_SCALE = Number(process.env.TRIALWISE_PROPERTY_RUNS ?? 1);

/**
 * fast-check parameters: the suite's seed, `runs` scaled, and a time limit after which a
 * property stops (shrinking included: a found counterexample is still reported, as shrunk as
 * it got), so that runs which hang until their timeout cannot stall the suite.
 */
export function propertyParameters<T>(runs: number, timeLimitMs = 30_000): fc.Parameters<T> {
  return {
    seed: PROPERTY_SEED,
    numRuns: Math.max(1, Math.round(runs * RUN_SCALE)),
    interruptAfterTimeLimit: timeLimitMs * Math.max(1, RUN_SCALE),
    markInterruptAsFailure: false,
    includeErrorInReport: true,
  };
}

/** How one CLI run ended: an exit code, an exception out of runCli, a timeout, or a dead worker. */
export type CliOutcome =
  | Omit<Extract<RunReply, { kind: "exit" }>, "id">
  | Omit<Extract<RunReply, { kind: "threw" }>, "id">
  | { kind: "timeout"; ms: number }
  | { kind: "crashed"; message: string };

function startWorker(): Promise<Worker> {
  // Node 20 applies no --import loader to workers: the worker registers tsx itself.
  const tsx = import.meta.resolve("tsx/esm/api");
  const module = new URL("./property-cli-worker.ts", import.meta.url).href;
  const source = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
  // A heap limit: a run that allocates without bound ends its worker, not the test process.
  const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1536 } });
  return new Promise((resolve, reject) => {
    const onMessage = (message: { ready?: boolean }) => {
      if (!message.ready) return;
      worker.off("error", reject);
      worker.off("message", onMessage);
      resolve(worker);
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
  });
}

/**
 * Runs the CLI (`runCli`, in a worker thread) one command at a time. A run that passes its time
 * limit is stopped by terminating the worker; the next run gets a spare worker started then.
 */
export class CliSandbox {
  private current: Promise<Worker> | undefined;
  private spare: Promise<Worker> | undefined;
  private nextId = 0;
  /** Every run that timed out, as its command line, for the report. */
  readonly timedOut: string[] = [];

  async run(argv: readonly string[], timeoutMs = 15_000): Promise<CliOutcome> {
    this.current ??= startWorker();
    const worker = await this.current;
    const id = ++this.nextId;
    return new Promise<CliOutcome>((resolve) => {
      const finish = (outcome: CliOutcome, discard: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (discard) this.discard(worker);
        resolve(outcome);
      };
      const onMessage = (reply: RunReply) => {
        if (reply.id !== id) return;
        const { id: _, ...outcome } = reply;
        finish(outcome, false);
      };
      const onError = (error: Error) => finish({ kind: "crashed", message: String(error?.stack ?? error) }, true);
      const onExit = (code: number) => finish({ kind: "crashed", message: `the worker exited with code ${code}` }, true);
      const timer = setTimeout(() => {
        this.timedOut.push(commandLine(argv));
        finish({ kind: "timeout", ms: timeoutMs }, true);
      }, timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, argv: [...argv] });
    });
  }

  private discard(worker: Worker): void {
    void worker.terminate();
    this.current = this.spare ?? startWorker();
    this.spare = startWorker();
  }

  async close(): Promise<void> {
    const workers = [this.current, this.spare].filter((w): w is Promise<Worker> => w !== undefined);
    this.current = this.spare = undefined;
    await Promise.all(workers.map(async (w) => (await w.catch(() => undefined))?.terminate()));
  }
}

/** The command line as one would type it (single-quoted where needed), for reproductions. */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return `trialwise ${argv.map(quote).join(" ")}`;
}

/** A file's bytes for a reproduction: a JSON string when they are UTF-8 text, else hex. */
export function showBytes(bytes: Uint8Array): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return JSON.stringify(text);
  } catch {
    return `hex ${Buffer.from(bytes).toString("hex")}`;
  }
}

/** Every file under `dir` (relative path -> sha256 of its bytes); folders only as their files. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) files.set(relative(dir, path), `symlink to ${await readlink(path)}`);
      else if (entry.isFile())
        files.set(
          relative(dir, path),
          createHash("sha256")
            .update(await readFile(path))
            .digest("hex"),
        );
      // A FIFO or other special file: its presence only (reading it could block).
      else files.set(relative(dir, path), "special");
    }
  };
  await walk(dir);
  return files;
}

export function sameSnapshot(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Text that a user must never see for a mistake of theirs: a stack frame or a JavaScript error name. */
const STACK_TRACE = /^\s+at \S|\b(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError)\b|\bError: /m;
/** Control characters other than tab and line feed: a message holding them shows garbage on a terminal. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Lines a run may print on standard error besides its error message: notes and progress. */
function isChatter(line: string): boolean {
  return /^trialwise: note: /.test(line) || /^trialwise [a-z-]+( [a-z-]+)?: /.test(line) || line.trim() === "";
}

/** The message of a failed run, checked for form; throws with a description where the form is wrong. */
export interface FailureMessage {
  /** The message line. */
  line: string;
  /** "trialwise" for `trialwise: ...`, "commander" for the option parser's own `error: ...` (plus its help hint). */
  form: "trialwise" | "commander";
}

/**
 * Checks what every run must satisfy whatever the input: it returned an exit code (no exception
 * out of runCli, no timeout, no dead worker), 0, 1 or 2, without a stack trace; a failed run
 * prints exactly one message line (`trialwise: error: ...` for 1, `trialwise: ...` or the option
 * parser's `error: ...` for 2) after any notes, without control characters. Returns the message.
 */
export function checkWellBehaved(outcome: CliOutcome, what: string): FailureMessage | undefined {
  if (outcome.kind === "timeout") throw new Error(`${what}\nran past its ${outcome.ms} ms limit (a hang or unbounded work)`);
  if (outcome.kind === "crashed") throw new Error(`${what}\nthe worker running the CLI died: ${outcome.message}`);
  if (outcome.kind === "threw") {
    throw new Error(
      `${what}\nrunCli threw ${outcome.name} (the binary prints a stack trace): ${outcome.message}\n${outcome.stack.split("\n").slice(0, 6).join("\n")}\nstderr: ${outcome.stderr}`,
    );
  }
  const { code, stderr } = outcome;
  if (STACK_TRACE.test(stderr)) throw new Error(`${what}\nexit ${code} with a stack trace or error name on stderr:\n${stderr}`);
  if (code === 0) return undefined;
  if (code !== 1 && code !== 2) throw new Error(`${what}\nexit code ${code}; expected 0, 1 or 2`);
  const lines = stderr.split("\n").filter((l) => !isChatter(l));
  let message: FailureMessage;
  if (lines.length === 1 && (code === 1 ? /^trialwise: error: \S/ : /^trialwise: (?!error: |note: )\S/).test(lines[0])) {
    message = { line: lines[0], form: "trialwise" };
  } else if (code === 2 && lines.length === 2 && /^error: \S/.test(lines[0]) && lines[1] === "(run with --help for usage)") {
    message = { line: lines[0], form: "commander" };
  } else {
    throw new Error(
      `${what}\nexit ${code}: expected one message line (${code === 1 ? "trialwise: error: ..." : "trialwise: ..."}), got:\n${stderr}`,
    );
  }
  if (CONTROL.test(message.line)) throw new Error(`${what}\nthe message holds control characters: ${JSON.stringify(message.line)}`);
  return message;
}

/**
 * Parses CSV as trialwise writes it (RFC 4180, LF line ends, a final line end): the reference
 * reader of the suites' CSV output, independent of the CLI's own parser.
 */
export function parseOutputCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || record.length > 0) throw new Error(`CSV output does not end with a line end: ${JSON.stringify(text.slice(-80))}`);
  const [header, ...rows] = records;
  for (const row of rows)
    if (row.length !== header.length) throw new Error(`CSV output row with ${row.length} fields, header has ${header.length}`);
  return rows.map((row) => Object.fromEntries(header.map((name, k) => [name, row[k]])));
}
