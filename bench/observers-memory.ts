/**
 * Memory and time of `trialwise pairs` as observers grow (issue 12): N observers x 20 trials,
 * a long-format CSV (observer, stimulus, correct), every pair of observers written to a file.
 *
 *   node --import tsx bench/observers-memory.ts                       N = 1,000 and 3,000, CSV out
 *   node --import tsx bench/observers-memory.ts --sizes 1000,3000,10000 --base /tmp/tw-base
 *   node --import tsx bench/observers-memory.ts --sizes 10000 --out parquet --json
 *
 * Per size, in a temporary folder (removed at the end; see --keep):
 * 1. generate the trials (seeded; 1 in 20 observers human, each observer's skill drawn once,
 *    correct when skill beats a per-trial draw);
 * 2. `trialwise observers` on them (loading only: the fixed cost of reading the data);
 * 3. `trialwise pairs FILE ... -o pairs.csv` (or .parquet with --out parquet) with this
 *    checkout; with --base DIR also with the checkout in DIR (e.g. the committed HEAD before a
 *    change, `git worktree add /tmp/tw-base <commit>` with node_modules linked), run with a
 *    heap limit (--base-heap-mb, default 6144) so that the old in-memory path fails fast
 *    instead of taking the machine; sizes for the base run: --base-sizes (default 1000,3000);
 * 4. `trialwise summary --bootstrap 0` the same way (this checkout, and the base);
 * 5. a numpy baseline (where python3 has numpy): read the same CSV, the correct matrix C
 *    (N x 20, float32), both-correct counts C C^T (N x N): counting only, no pair table written.
 * Each command is a child process: wall time, and peak RSS from /usr/bin/time -v where present
 * (else process.resourceUsage().maxRSS reported by a preloaded module); a process that dies
 * (e.g. out of heap) has no peak RSS from /usr/bin/time ("n/a"). Outputs are checked:
 * C(N, 2) + 1 lines (CSV), and the base's file byte for byte equal (SHA-256) where both ran.
 * Each output is deleted as soon as it is measured. Runs are one at a time (--timeout s each,
 * default 1,200). Times include starting Node with tsx (about 5 s of CPU, ~200 MB: see the
 * loading row).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,3000" },
    trials: { type: "string", default: "20" },
    out: { type: "string", default: "csv" },
    base: { type: "string" },
    "base-sizes": { type: "string", default: "1000,3000" },
    "base-heap-mb": { type: "string", default: "6144" },
    timeout: { type: "string", default: "1200" },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const TRIALS = Number(args.trials);
const OUT = args.out === "parquet" ? "parquet" : "csv";
const BASE_SIZES = new Set(args["base-sizes"].split(",").map(Number));
const TIMEOUT_S = Number(args.timeout);
const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const LONG = ["--observer-col", "observer", "--stimulus-col", "stimulus", "--correct-col", "correct"];

const log = (text: string) => process.stderr.write(`observers-memory: ${text}\n`);

/** Writes N observers x TRIALS trials (deterministic). */
async function generate(file: string, observers: number): Promise<void> {
  let state = 12345 ^ observers;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const out = createWriteStream(file);
  let text = "observer,stimulus,correct\n";
  for (let o = 0; o < observers; o++) {
    const name = o % 20 === 0 ? `subject-${String(o).padStart(5, "0")}` : `model-${String(o).padStart(5, "0")}`;
    const skill = 0.3 + 0.6 * random();
    for (let t = 0; t < TRIALS; t++) text += `${name},img${t}.png,${random() < skill ? 1 : 0}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
      text = "";
    }
  }
  out.end(text);
  await new Promise<void>((r) => out.once("close", () => r()));
}

interface Measured {
  ok: boolean;
  seconds: number;
  peakRssMB: number | null;
  error?: string;
}

/** Runs a command as a child process: wall time and peak RSS. */
async function measure(command: string, argv: string[], cwd: string, preload: string): Promise<Measured> {
  const [file, list] = TIME ? [TIME, ["-v", command, ...argv]] : [command, ["--import", preload, ...argv]];
  const start = performance.now();
  // Its own process group, so that a timeout ends /usr/bin/time and the Node process under it.
  const child = spawn(file, list, { cwd, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
  });
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), TIMEOUT_S * 1000);
  const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
  clearTimeout(timer);
  const seconds = (performance.now() - start) / 1000;
  const rss = TIME ? /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] : /trialwise-max-rss-kb=(\d+)/.exec(stderr)?.[1];
  const peakRssMB = rss ? Number(rss) / 1024 : null;
  if (code === 0 && !/Command exited with non-zero status/.test(stderr)) return { ok: true, seconds, peakRssMB };
  const reason = /heap out of memory|Allocation failed/.test(stderr)
    ? "JavaScript heap out of memory"
    : seconds >= TIMEOUT_S
      ? `killed after ${TIMEOUT_S} s`
      : (stderr.split("\n").find((l) => /error/i.test(l)) ?? `exit ${code}`).trim();
  return { ok: false, seconds, peakRssMB, error: reason };
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    for (let k = bytes.indexOf(10); k >= 0; k = bytes.indexOf(10, k + 1)) lines++;
  }
  return lines;
}

const NUMPY = `
import csv, resource, sys, time
import numpy as np
path, trials = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
names, rows = {}, []
with open(path, newline="") as f:
    reader = csv.reader(f)
    next(reader)
    for observer, stimulus, correct in reader:
        i = names.setdefault(observer, len(names))
        if i == len(rows):
            rows.append([0] * trials)
        rows[i][int(stimulus[3:-4])] = int(correct)
C = np.array(rows, dtype=np.float32)
loaded = time.perf_counter()
both = C @ C.T
counted = time.perf_counter()
n = C.shape[0]
assert int(both[np.triu_indices(n, 1)].sum()) >= 0
print(loaded - start, counted - loaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
`;

function numpyPython(): string | undefined {
  for (const python of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(python, ["-c", "import numpy"], { encoding: "utf8" }).status === 0) return python;
  }
  return undefined;
}

interface Row {
  observers: number;
  pairs: number;
  inputMB: number;
  what: string;
  measured: Measured;
  outputMB?: number;
  note?: string;
}

const rows: Row[] = [];
const dir = await mkdtemp(join(tmpdir(), "trialwise-observers-"));
const preload = join(dir, "max-rss.mjs");
await writeFile(
  preload,
  `process.on("exit", () => process.stderr.write("trialwise-max-rss-kb=" + process.resourceUsage().maxRSS + "\\n"));\n`,
);
const python = numpyPython();
try {
  for (const n of SIZES) {
    const pairs = (n * (n - 1)) / 2;
    const input = join(dir, `trials-${n}x${TRIALS}.csv`);
    await generate(input, n);
    const inputMB = (await stat(input)).size / 2 ** 20;
    const row = (what: string, measured: Measured, extra: Partial<Row> = {}) => {
      rows.push({ observers: n, pairs, inputMB, what, measured, ...extra });
      log(
        `${n} observers, ${what}: ${measured.ok ? "" : `FAILED (${measured.error}) `}${measured.seconds.toFixed(1)} s, peak RSS ${measured.peakRssMB?.toFixed(0) ?? "?"} MB`,
      );
    };
    const cli = (checkout: string, heapMB?: number) => [
      ...(heapMB ? [`--max-old-space-size=${heapMB}`] : []),
      "--import",
      "tsx",
      join(checkout, "src/cli/bin.ts"),
    ];

    log(`${n} observers x ${TRIALS} trials (${inputMB.toFixed(1)} MB CSV): loading only`);
    row(
      "load only (trialwise observers)",
      await measure(process.execPath, [...cli(REPO), "observers", input, ...LONG, "-o", join(dir, "observers.csv")], REPO, preload),
    );

    const output = join(dir, `pairs.${OUT}`);
    log(`${n} observers: trialwise pairs -> ${OUT} (${pairs} pairs)`);
    const after = await measure(process.execPath, [...cli(REPO), "pairs", input, ...LONG, "-o", output], REPO, preload);
    let afterHash: string | undefined;
    let outputMB: number | undefined;
    let note: string | undefined;
    if (after.ok) {
      outputMB = (await stat(output)).size / 2 ** 20;
      if (OUT === "csv") {
        const lines = await countLines(output);
        note = lines === pairs + 1 ? "rows checked" : `WRONG: ${lines - 1} rows`;
      }
      if (args.base && BASE_SIZES.has(n)) afterHash = await sha256(output);
    }
    await rm(output, { force: true });
    row(`pairs, this checkout (${OUT})`, after, { outputMB, note });

    if (args.base && BASE_SIZES.has(n)) {
      log(`${n} observers: trialwise pairs with ${args.base}`);
      const heap = Number(args["base-heap-mb"]);
      const before = await measure(
        process.execPath,
        [...cli(resolve(args.base), heap), "pairs", input, ...LONG, "-o", output],
        resolve(args.base),
        preload,
      );
      let same: string | undefined;
      if (before.ok && OUT === "csv")
        same = afterHash === (await sha256(output)) ? "same bytes as this checkout" : "DIFFERENT bytes from this checkout";
      if (before.ok && OUT === "parquet") same = "the base writes CSV text for a .parquet name";
      await rm(output, { force: true });
      row(`pairs, ${args.base} (heap limit ${heap} MB)`, before, { note: same });
    }

    // summary (no bootstrap: its replicates cost time, not memory): the per-pair kappas only.
    const summary = join(dir, "summary.csv");
    log(`${n} observers: trialwise summary --bootstrap 0`);
    const summaryAfter = await measure(
      process.execPath,
      [...cli(REPO), "summary", input, ...LONG, "--bootstrap", "0", "-o", summary],
      REPO,
      preload,
    );
    const summaryHash = summaryAfter.ok ? await sha256(summary) : undefined;
    await rm(summary, { force: true });
    row("summary --bootstrap 0, this checkout", summaryAfter);
    if (args.base && BASE_SIZES.has(n)) {
      const heap = Number(args["base-heap-mb"]);
      const before = await measure(
        process.execPath,
        [...cli(resolve(args.base), heap), "summary", input, ...LONG, "--bootstrap", "0", "-o", summary],
        resolve(args.base),
        preload,
      );
      const same = before.ok
        ? (await sha256(summary)) === summaryHash
          ? "same bytes as this checkout"
          : "DIFFERENT bytes from this checkout"
        : undefined;
      await rm(summary, { force: true });
      row(`summary --bootstrap 0, ${args.base} (heap limit ${heap} MB)`, before, { note: same });
    }

    if (python) {
      const run = spawnSync(python, ["-c", NUMPY, input, String(TRIALS)], { encoding: "utf8", timeout: TIMEOUT_S * 1000 });
      if (run.status === 0) {
        const [load, count, rss] = run.stdout.trim().split(" ").map(Number);
        row(
          "numpy: read CSV, C C^T (counts only)",
          { ok: true, seconds: load + count, peakRssMB: rss },
          { note: `read ${load.toFixed(2)} s, C C^T ${count.toFixed(3)} s` },
        );
      } else
        row("numpy: read CSV, C C^T (counts only)", { ok: false, seconds: 0, peakRssMB: null, error: run.stderr.trim().split("\n").pop() });
    }
    if (!args.keep) await rm(input, { force: true });
  }
} finally {
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}

if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ trials: TRIALS, output: OUT, peakRss: TIME ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS", rows }, null, 2)}\n`,
  );
} else {
  const lines = [
    "| observers | pairs | run | wall s | peak RSS MB | output MB | note |",
    "|---:|---:|---|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.observers.toLocaleString("en")} | ${r.pairs.toLocaleString("en")} | ${r.what} | ${r.measured.seconds.toFixed(1)}${r.measured.ok ? "" : ` (failed: ${r.measured.error})`} | ` +
        `${r.measured.peakRssMB?.toFixed(0) ?? "n/a"} | ${r.outputMB?.toFixed(0) ?? ""} | ${r.note ?? ""} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
