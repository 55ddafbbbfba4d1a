/**
 * Property-based tests of every command's flags: random values (valid ones, negative, zero,
 * huge, fractional, NaN, "", "abc", "0x10", 2^53 + 1, empty and repeated lists, unknown names,
 * unknown choices) on a tiny dataset. Each value is judged here, from the README and --help,
 * as valid (the run must exit 0), a usage error (exit 2 with one `trialwise: ...` line naming
 * the flag), refused for the data (exit 1 or 2), or open (any of those); a value written in
 * another form than plain digits, if accepted, must give the same output as the plain one.
 * Every run: no stack trace, within its time limit, nothing left in the output folder unless
 * it succeeded, the input unchanged. Seed: TRIALWISE_PROPERTY_SEED; more runs:
 * TRIALWISE_PROPERTY_RUNS (a factor).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants } from "node:fs";
import { lstat, mkdir, mkdtemp, open, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { seededRandom } from "../helpers.ts";
import {
  CliSandbox,
  checkWellBehaved,
  commandLine,
  parseOutputCsv,
  propertyParameters,
  sameSnapshot,
  snapshot,
} from "./property-support.ts";

/**
 * What a flag value must lead to: "valid" exit 0; "usage" exit 2 naming the flag; "refused"
 * exit 1 or 2 (the data cannot be used as asked); "open" any of 0, 1, 2.
 */
type Verdict = "valid" | "usage" | "refused" | "open";

/** One flag as given, with its verdict and, for another spelling of a valid value, the plain one. */
interface Given {
  flag: string;
  value?: string;
  verdict: Verdict;
  canonical?: string;
}

interface Case {
  command: string;
  /** Arguments before the flags (paths, subcommand). */
  head: string[];
  given: Given[];
  /** Files the run writes into the output folder when it succeeds. */
  outputs: string[];
  /** Output format of -o (json, csv, table) or stdout JSON for bench; undefined: not parsed. */
  parse?: "json" | "csv";
  /** Verdicts of combinations (both --intersect and --strict, ...), added after the values'. */
  rules: Given[];
  /** Whether the output is the same on a rerun (bench prints timings: not). */
  deterministic: boolean;
  [fc.toStringMethod]?: () => string;
}

const OUT = "<out>";
const DATA = "<data>";

function argvOf(c: Case, data: string, out: string, canonical = false): string[] {
  const place = (s: string) => s.replaceAll(OUT, out).replaceAll(DATA, data);
  const args = c.head.map(place);
  for (const g of c.given) {
    args.push(g.flag);
    if (g.value !== undefined) args.push(place(canonical && g.canonical !== undefined ? g.canonical : g.value));
  }
  return args;
}

function describeCase(this: Case): string {
  const verdicts = [...this.given, ...this.rules].filter((g) => g.verdict !== "valid").map((g) => `${g.flag}: ${g.verdict}`);
  return `${commandLine(argvOf(this, "data", "out"))}   [${verdicts.join("; ") || "all valid"}]`;
}

// ---------------------------------------------------------------------------------------------
// Values and their verdicts.

/** Whole-number texts and what each is: its exact value, or why it is none. */
const WHOLE_TEXTS: [string, number | "not a number" | "not whole" | "too large"][] = [
  ["0", 0],
  ["1", 1],
  ["2", 2],
  ["3", 3],
  ["7", 7],
  ["100", 100],
  ["250", 250],
  ["1000", 1000],
  ["-1", -1],
  ["-7", -7],
  ["-0", 0],
  ["+3", 3],
  [" 7 ", 7],
  ["2.0", 2],
  ["1e3", 1000],
  ["1e2", 100],
  ["007", 7],
  ["1.5", "not whole"],
  [".5", "not whole"],
  ["1.0000000000000001", "not whole"],
  ["2.5e0", "not whole"],
  ["abc", "not a number"],
  ["", "not a number"],
  ["  ", "not a number"],
  ["NaN", "not a number"],
  ["Infinity", "not a number"],
  ["-Infinity", "not a number"],
  ["0x10", "not a number"],
  ["0b11", "not a number"],
  ["5abc", "not a number"],
  ["1_000", "not a number"],
  ["1,000", "not a number"],
  ["1e400", "too large"],
  ["4294967296", 4294967296],
  ["1e12", 1e12],
  ["9007199254740991", 9007199254740991],
  ["9007199254740993", "too large"],
  ["99999999999999999999", "too large"],
];

/**
 * A whole-number flag: `min` and the largest value that is cheap here (`cheap`); values above
 * it up to 2^53 - 1 are open (a limit may refuse them; accepted, the run must still end in
 * time), above 2^53 - 1 a usage error (not exact).
 */
function whole(flag: string, min: number, cheap: number, cheapValues: string[]): fc.Arbitrary<Given> {
  const judge = (text: string): Given => {
    // Plain digits mean their value; every other spelling is in the table.
    const meaning = /^\d+$/.test(text) ? Number(text) : WHOLE_TEXTS.find(([t]) => t === text)![1];
    if (typeof meaning !== "number" || meaning < min || (text.trim().startsWith("-") && meaning !== 0))
      return { flag, value: text, verdict: "usage" };
    if (meaning > cheap) return { flag, value: text, verdict: "open" };
    if (/^\d+$/.test(text)) return { flag, value: text, verdict: "valid" };
    return { flag, value: text, verdict: "open", canonical: String(meaning) };
  };
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...cheapValues) },
      { weight: 2, arbitrary: fc.constantFrom(...WHOLE_TEXTS.map(([t]) => t)) },
    )
    .map(judge);
}

const REAL_TEXTS: [string, number | "not a number"][] = [
  ["0.95", 0.95],
  ["0.5", 0.5],
  ["0.9", 0.9],
  ["0.8", 0.8],
  ["0.05", 0.05],
  ["0.1", 0.1],
  ["0.2", 0.2],
  ["0.3", 0.3],
  ["0", 0],
  ["1", 1],
  ["-0.1", -0.1],
  ["-0.5", -0.5],
  ["1.5", 1.5],
  ["2", 2],
  ["-1", -1],
  ["5e-1", 0.5],
  [".5", 0.5],
  ["+0.5", 0.5],
  [" 0.9 ", 0.9],
  ["1e-300", 1e-300],
  ["0.999999", 0.999999],
  ["NaN", "not a number"],
  ["", "not a number"],
  ["abc", "not a number"],
  ["Infinity", "not a number"],
  ["0x1", "not a number"],
  ["1e400", "not a number"],
  ["0.95abc", "not a number"],
  ["50%", "not a number"],
  ["0,5", "not a number"],
];

/** A real-number flag in a range; `cheap` says which in-range values surely run fast here. */
function real(
  flag: string,
  range: { min: number; max: number; minOpen?: boolean; maxOpen?: boolean },
  cheapValues: string[],
  cheap: (x: number) => boolean = () => true,
): fc.Arbitrary<Given> {
  const judge = (text: string): Given => {
    const x = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : REAL_TEXTS.find(([t]) => t === text)![1];
    if (typeof x !== "number") return { flag, value: text, verdict: "usage" };
    const inside = (range.minOpen ? x > range.min : x >= range.min) && (range.maxOpen ? x < range.max : x <= range.max);
    if (!inside) return { flag, value: text, verdict: "usage" };
    if (!cheap(x)) return { flag, value: text, verdict: "open" };
    if (/^-?\d+(\.\d+)?$/.test(text)) return { flag, value: text, verdict: "valid" };
    return { flag, value: text, verdict: "open", canonical: String(x) };
  };
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...cheapValues) },
      { weight: 2, arbitrary: fc.constantFrom(...REAL_TEXTS.map(([t]) => t)) },
    )
    .map(judge);
}

/** One of a flag's choices, or something else (another case: open; anything else: usage). */
function choice(flag: string, choices: string[]): fc.Arbitrary<Given> {
  const others = ["xml", "", " ", choices[0].toUpperCase(), `${choices[0]} `, "none"];
  return fc
    .oneof({ weight: 4, arbitrary: fc.constantFrom(...choices) }, { weight: 1, arbitrary: fc.constantFrom(...others) })
    .map((text): Given => {
      if (choices.includes(text)) return { flag, value: text, verdict: "valid" };
      if (choices.includes(text.toLowerCase())) return { flag, value: text, verdict: "open", canonical: text.toLowerCase() };
      return { flag, value: text, verdict: "usage" };
    });
}

/**
 * A comma-separated list of names from `known`: valid when every item is known and the count
 * fits; an empty list or item, or an unknown name: usage; a name twice: open (same as once);
 * blanks around names: open (same without).
 */
function names(flag: string, known: string[], count: { min: number; max: number }, extra: string[] = []): fc.Arbitrary<Given> {
  const samples = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.shuffledSubarray(known, { minLength: count.min, maxLength: Math.min(count.max, known.length) }).map((l) => l.join(",")),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "",
        ",",
        " , ",
        "nobody",
        `${known[0]},nobody`,
        `${known[0]},,${known[1]}`,
        `${known[0]},${known[0]}`,
        `${known[0]},${known[1]},${known[0]}`,
        ` ${known[0]} , ${known[1]} `,
        `${known[0]},`,
        ...extra,
      ),
    },
  );
  return samples.map((text): Given => {
    const items = text.split(",").map((s) => s.trim());
    const distinct = [...new Set(items)];
    if (
      items.every((s) => s === "") ||
      items.includes("") ||
      items.some((s) => !known.includes(s)) ||
      distinct.length < count.min ||
      distinct.length > count.max
    ) {
      return { flag, value: text, verdict: "usage" };
    }
    const plain = distinct.join(",");
    if (plain !== text) return { flag, value: text, verdict: "open", canonical: plain };
    return { flag, value: text, verdict: "valid" };
  });
}

const present = (flag: string): Given => ({ flag, verdict: "valid" });

/** An optional flag: absent (undefined) most of the time. */
function maybe<T>(arbitrary: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined, freq });
}

// ---------------------------------------------------------------------------------------------
// The dataset: 2 humans and 3 models on 8 cue-conflict stimuli in conditions c1 and c2, one file
// per observer, and "partial-net", which saw 6 of them (its pairs need --intersect).

const HUMANS = ["subject-01", "subject-02"];
const FULL_MODELS = ["alexnet", "resnet50", "vgg16-bn"];
const PARTIAL = "partial-net";
const OBSERVERS = [...HUMANS, ...FULL_MODELS, PARTIAL];
const CATEGORIES = ["airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat"];

async function writeData(root: string): Promise<void> {
  const random = seededRandom(11);
  const stimuli = CATEGORIES.map((shape, i) => ({
    shape,
    id: `${shape}${i + 1}-${CATEGORIES[(i + 3) % 8]}${i + 2}.png`,
    texture: CATEGORIES[(i + 3) % 8],
    condition: i % 2 === 0 ? "c1" : "c2",
  }));
  await mkdir(join(root, "ds"), { recursive: true });
  for (const observer of OBSERVERS) {
    const seen = observer === PARTIAL ? stimuli.slice(0, 6) : stimuli;
    const rows = seen.map((s, t) => {
      const r = random();
      const response = r < 0.5 ? s.shape : r < 0.8 ? s.texture : r < 0.9 ? "na" : "dog";
      return [observer, "1", String(t + 1), "NaN", response, s.shape, s.condition, `${String(t + 1).padStart(4, "0")}_cc_s01_${s.id}`].join(
        ",",
      );
    });
    await writeFile(
      join(root, "ds", `${observer}.csv`),
      `subj,session,trial,rt,object_response,category,condition,imagename\n${rows.join("\n")}\n`,
    );
  }
  // A stimulus folder and a file that is no ONNX model, for evaluate's flags.
  for (const category of ["cat", "dog"]) {
    await mkdir(join(root, "stimuli", category), { recursive: true });
    await writeFile(join(root, "stimuli", category, `${category}1.png`), "not a png");
  }
  await writeFile(join(root, "model.onnx"), "not an onnx model");
}

// ---------------------------------------------------------------------------------------------
// Commands.

const FORMATS = choice("--format", ["json", "csv", "table"]);
const SEED = whole("--seed", 0, Number.MAX_SAFE_INTEGER, ["0", "1", "42", "4294967295", "4294967296", "9007199254740991"]);
const LEVEL = real("--level", { min: 0, max: 1, minOpen: true, maxOpen: true }, ["0.95", "0.9", "0.5", "0.99"]);

/** The long-format column flags on the schema's columns: none, a complete set, or a broken one. */
const LONG_FLAGS: fc.Arbitrary<{ given: Given[]; rules: Given[] }> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constant<{ given: Given[]; rules: Given[] }>({ given: [], rules: [] }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        {
          flags: ["--observer-col", "subj", "--stimulus-col", "imagename", "--truth-col", "category", "--response-col", "object_response"],
          verdict: "valid" as Verdict,
        },
        {
          flags: [
            "--observer-col",
            "SUBJ",
            "--stimulus-col",
            "imagename",
            "--truth-col",
            "category",
            "--response-col",
            "object_response",
            "--condition-col",
            "condition",
          ],
          verdict: "valid" as Verdict,
        },
        { flags: ["--observer-col", "subj"], verdict: "usage" as Verdict },
        { flags: ["--observer-col", "subj", "--stimulus-col", "imagename"], verdict: "usage" as Verdict },
        { flags: ["--observer-col", "subj", "--stimulus-col", "imagename", "--truth-col", "category"], verdict: "usage" as Verdict },
        {
          flags: [
            "--observer-col",
            "subj",
            "--stimulus-col",
            "imagename",
            "--correct-col",
            "rt",
            "--truth-col",
            "category",
            "--response-col",
            "object_response",
          ],
          verdict: "usage" as Verdict,
        },
        // Columns that are not there, or a correctness column that holds no 0/1: the file cannot be read so.
        { flags: ["--observer-col", "nope", "--stimulus-col", "imagename", "--correct-col", "trial"], verdict: "refused" as Verdict },
        { flags: ["--observer-col", "subj", "--stimulus-col", "imagename", "--correct-col", "category"], verdict: "refused" as Verdict },
      ),
    },
  )
  .map((chosen): { given: Given[]; rules: Given[] } => {
    if (!("flags" in chosen)) return chosen;
    const given: Given[] = [];
    for (let i = 0; i < chosen.flags.length; i += 2) given.push({ flag: chosen.flags[i], value: chosen.flags[i + 1], verdict: "valid" });
    // A broken set is the set's fault: a message may name any of the long-format flags, given or missing.
    const group = ["--observer-col", "--stimulus-col", "--truth-col", "--response-col", "--correct-col", "--condition-col"];
    return {
      given,
      rules: chosen.verdict === "valid" ? [] : group.map((flag, i) => ({ flag, verdict: i === 0 ? chosen.verdict : ("open" as Verdict) })),
    };
  });

const HUMAN_PATTERN = fc.constantFrom("^subject", "net$", "", "(", "[a-", "a{2,1}", "(?<name>").map((text): Given => {
  let valid = true;
  try {
    new RegExp(text);
  } catch {
    valid = false;
  }
  // An empty pattern matches every name: allowed, or refused as a likely mistake.
  return { flag: "--human-pattern", value: text, verdict: !valid ? "usage" : text === "" ? "open" : "valid" };
});

function outputOf(
  format: Given | undefined,
  base: string,
  fallback: "json" | "csv",
): { given: Given[]; outputs: string[]; parse?: "json" | "csv" } {
  const value = format?.verdict === "valid" ? format.value : format === undefined ? fallback : undefined;
  const name = `${base}.${value ?? "out"}`;
  return {
    given: [...(format ? [format] : []), { flag: "-o", value: `${OUT}/${name}`, verdict: "valid" }],
    outputs: [name],
    parse: value === "json" || value === "csv" ? value : undefined,
  };
}

function compact(list: (Given | undefined)[]): Given[] {
  return list.filter((g): g is Given => g !== undefined);
}

/** A flag the command would not use in this mode: an error or ignored, the project's choice (open). */
function unused(given: (Given | undefined)[]): Given[] {
  return compact(given).map((g) => ({ flag: g.flag, verdict: "open" as Verdict }));
}

function makeCase(c: Omit<Case, typeof fc.toStringMethod>): Case {
  return { ...c, [fc.toStringMethod]: describeCase };
}

const observersCase = fc
  .record({ by: maybe(choice("--by", ["condition"])), format: maybe(FORMATS), pattern: maybe(HUMAN_PATTERN, 4), long: LONG_FLAGS })
  .map(({ by, format, pattern, long }) => {
    const out = outputOf(format, "observers", "csv");
    return makeCase({
      command: "observers",
      head: ["observers", `${DATA}/ds`],
      given: [...compact([by, pattern]), ...long.given, ...out.given],
      outputs: out.outputs,
      parse: out.parse,
      rules: long.rules,
      deterministic: true,
    });
  });

const pairsCase = fc
  .record({
    by: maybe(choice("--by", ["condition"]), 4),
    intersect: maybe(fc.constant(present("--intersect")), 4),
    strict: maybe(fc.constant(present("--strict")), 5),
    undefinedKappa: maybe(choice("--undefined-kappa", ["undefined", "one"]), 4),
    observers: maybe(names("--observers", OBSERVERS, { min: 1, max: OBSERVERS.length })),
    skipped: maybe(fc.constant({ flag: "--skipped", value: `${OUT}/skipped.csv`, verdict: "valid" as Verdict }), 4),
    ci: maybe(choice("--ci", ["percentile", "bca", "analytic"])),
    bootstrap: maybe(whole("--bootstrap", 1, 2000, ["1", "10", "200", "2000"])),
    seed: maybe(SEED, 4),
    level: maybe(LEVEL, 4),
    normalized: maybe(fc.constant(present("--normalized")), 4),
    format: maybe(FORMATS),
    long: LONG_FLAGS,
  })
  .map((f) => {
    const rules: Given[] = [...f.long.rules];
    if (f.intersect && f.strict) rules.push({ flag: "--intersect", verdict: "usage" }, { flag: "--strict", verdict: "usage" });
    const ci = f.ci?.verdict === "usage" ? undefined : (f.ci?.canonical ?? f.ci?.value);
    if (!f.ci) rules.push(...unused([f.bootstrap, f.seed, f.level]));
    else if (ci === "analytic") rules.push(...unused([f.bootstrap, f.seed]));
    // partial-net's stimulus set differs from the others': --strict refuses the data where it pairs with anyone.
    const chosen = f.observers?.verdict === "usage" ? undefined : (f.observers?.canonical ?? f.observers?.value)?.split(",");
    if (f.strict && !f.intersect && (!chosen || (chosen.includes(PARTIAL) && chosen.length > 1)))
      rules.push({ flag: "--strict", verdict: "refused" });
    const out = outputOf(f.format, "pairs", "csv");
    const given = [
      ...compact([f.by, f.intersect, f.strict, f.undefinedKappa, f.observers, f.skipped, f.ci, f.bootstrap, f.seed, f.level, f.normalized]),
      ...f.long.given,
      ...out.given,
    ];
    return makeCase({
      command: "pairs",
      head: ["pairs", `${DATA}/ds`],
      given,
      outputs: [...out.outputs, ...(f.skipped ? ["skipped.csv"] : [])],
      parse: out.parse,
      rules,
      deterministic: true,
    });
  });

const summaryCase = fc
  .record({
    by: maybe(choice("--by", ["condition"]), 4),
    intersect: maybe(fc.constant(present("--intersect")), 4),
    strict: maybe(fc.constant(present("--strict")), 6),
    undefinedKappa: maybe(choice("--undefined-kappa", ["undefined", "one"]), 4),
    models: maybe(names("--models", [...FULL_MODELS, PARTIAL], { min: 1, max: 4 }, ["subject-01", `alexnet,subject-01`])),
    bootstrap: maybe(whole("--bootstrap", 0, 300, ["0", "1", "20", "300"])),
    hierarchical: maybe(fc.constant(present("--hierarchical")), 4),
    seed: maybe(SEED, 4),
    level: maybe(LEVEL, 4),
    format: maybe(FORMATS),
  })
  .map((f) => {
    const rules: Given[] = [];
    if (f.intersect && f.strict) rules.push({ flag: "--intersect", verdict: "usage" }, { flag: "--strict", verdict: "usage" });
    else if (f.strict) rules.push({ flag: "--strict", verdict: "refused" });
    // Without a bootstrap, its settings are not used; the default bootstrap (1000) is not cheap: pass one.
    const bootstrap = f.bootstrap ?? { flag: "--bootstrap", value: "50", verdict: "valid" as Verdict };
    if (bootstrap.verdict !== "usage" && Number(bootstrap.canonical ?? bootstrap.value) === 0)
      rules.push(...unused([f.seed, f.level, f.hierarchical]));
    const out = outputOf(f.format, "summary", "csv");
    const given = [
      ...compact([f.by, f.intersect, f.strict, f.undefinedKappa, f.models, bootstrap, f.hierarchical, f.seed, f.level]),
      ...out.given,
    ];
    return makeCase({
      command: "summary",
      head: ["summary", `${DATA}/ds`],
      given,
      outputs: out.outputs,
      parse: out.parse,
      rules,
      deterministic: true,
    });
  });

const shapeBiasCase = fc.record({ format: maybe(FORMATS), pattern: maybe(HUMAN_PATTERN) }).map(({ format, pattern }) => {
  const out = outputOf(format, "shape-bias", "csv");
  return makeCase({
    command: "shape-bias",
    head: ["shape-bias", `${DATA}/ds`],
    given: [...compact([pattern]), ...out.given],
    outputs: out.outputs,
    parse: out.parse,
    rules: [],
    deterministic: true,
  });
});

/** --pair: two different observers; one with partial-net is refused (their stimulus sets differ). */
const PAIR = names("--pair", OBSERVERS, { min: 2, max: 2 }, ["alexnet", "alexnet,resnet50,vgg16-bn", "alexnet,alexnet"]).map((g): Given => {
  if (g.verdict !== "usage" && (g.canonical ?? g.value)!.split(",").length !== 2) return { ...g, verdict: "usage" };
  return g;
});
const CONDITION = fc.constantFrom("c1", "c2", "c3", "", "C1").map((text): Given => ({
  flag: "--condition",
  value: text,
  verdict: text === "c1" || text === "c2" ? "valid" : text === "" ? "open" : "usage",
}));
const DATASET = fc
  .constantFrom("ds", "nope", "")
  .map((text): Given => ({ flag: "--dataset", value: text, verdict: text === "ds" ? "valid" : text === "" ? "open" : "usage" }));

function pairRules(pair: Given): Given[] {
  const chosen = pair.verdict === "usage" ? [] : (pair.canonical ?? pair.value)!.split(",");
  return chosen.includes(PARTIAL) ? [{ flag: "--pair", verdict: "refused" }] : [];
}

const ciCase = fc
  .record({
    pair: PAIR,
    method: maybe(choice("--method", ["percentile", "bca", "analytic"])),
    bootstrap: maybe(whole("--bootstrap", 1, 2000, ["1", "100", "2000"])),
    seed: maybe(SEED, 4),
    level: maybe(LEVEL, 4),
    unbiased: maybe(fc.constant(present("--unbiased")), 4),
    condition: maybe(CONDITION, 4),
    dataset: maybe(DATASET, 4),
    format: maybe(FORMATS),
  })
  .map((f) => {
    const method = f.method?.verdict === "usage" ? undefined : (f.method?.canonical ?? f.method?.value);
    const rules = [...pairRules(f.pair), ...(method === "analytic" ? unused([f.bootstrap, f.seed]) : [])];
    // The default of 10000 replicates is cheap (one multinomial draw each), so no --bootstrap is passed by default.
    const out = outputOf(f.format, "ci", "json");
    const given = [...compact([f.pair, f.method, f.bootstrap, f.seed, f.level, f.unbiased, f.condition, f.dataset]), ...out.given];
    return makeCase({
      command: "ci",
      head: ["ci", `${DATA}/ds`],
      given,
      outputs: out.outputs,
      parse: out.parse,
      rules,
      deterministic: true,
    });
  });

const testCase = fc
  .record({
    pair: PAIR,
    method: maybe(choice("--method", ["exact", "beta"])),
    draws: maybe(whole("--draws", 1, 2000, ["1", "100", "2000"])),
    seed: maybe(SEED, 4),
    condition: maybe(CONDITION, 4),
    dataset: maybe(DATASET, 4),
    format: maybe(FORMATS),
  })
  .map((f) => {
    const method = f.method?.verdict === "usage" ? undefined : (f.method?.canonical ?? f.method?.value ?? "exact");
    const rules = [...pairRules(f.pair), ...(method === "exact" ? unused([f.draws, f.seed]) : [])];
    // The beta test's default 10000 draws are not cheap here: pass a small number unless fuzzed.
    const draws = f.draws ?? (method === "beta" ? { flag: "--draws", value: "200", verdict: "valid" as Verdict } : undefined);
    const out = outputOf(f.format, "test", "json");
    const given = [...compact([f.pair, f.method, draws, f.seed, f.condition, f.dataset]), ...out.given];
    return makeCase({
      command: "test",
      head: ["test", `${DATA}/ds`],
      given,
      outputs: out.outputs,
      parse: out.parse,
      rules,
      deterministic: true,
    });
  });

const compareCase = fc
  .record({
    models: fc.oneof(
      { weight: 1, arbitrary: fc.constant<Given>({ flag: "--models", value: "all", verdict: "valid" }) },
      { weight: 4, arbitrary: names("--models", FULL_MODELS, { min: 2, max: 3 }, ["alexnet", "subject-01,alexnet", `alexnet,${PARTIAL}`]) },
    ),
    humans: maybe(
      fc.oneof(
        fc.constant<Given>({ flag: "--humans", value: "all", verdict: "valid" }),
        names("--humans", HUMANS, { min: 1, max: 2 }, ["alexnet"]),
      ),
    ),
    bootstrap: maybe(whole("--bootstrap", 1, 300, ["1", "20", "300"])),
    seed: maybe(SEED, 4),
    level: maybe(LEVEL, 4),
    condition: maybe(CONDITION, 4),
    dataset: maybe(DATASET, 4),
    format: maybe(FORMATS),
  })
  .map((f) => {
    const bootstrap = f.bootstrap ?? { flag: "--bootstrap", value: "50", verdict: "valid" as Verdict };
    const out = outputOf(f.format, "compare", "json");
    const given = [...compact([f.models, f.humans, bootstrap, f.seed, f.level, f.condition, f.dataset]), ...out.given];
    return makeCase({
      command: "compare",
      head: ["compare", `${DATA}/ds`],
      given,
      outputs: out.outputs,
      parse: out.parse,
      rules: [],
      deterministic: true,
    });
  });

/** README: kappa_min and kappa_max of two accuracies (null where c_exp = 1). */
function kappaRange(p1: number, p2: number): [number, number] | null {
  const cExp = p1 * p2 + (1 - p1) * (1 - p2);
  if (cExp === 1) return null;
  const cMax = Math.min(p1, p2) + Math.min(1 - p1, 1 - p2);
  const cMin = 1 - (Math.min(p1, 1 - p2) + Math.min(1 - p1, p2));
  return [(cMin - cExp) / (1 - cExp), (cMax - cExp) / (1 - cExp)];
}

const ACCURACY = fc
  .constantFrom(
    "0.7,0.4",
    "0.6,0.5",
    "0.8,0.7",
    "0.5,0.5",
    "1,1",
    "0,0",
    "0,0.5",
    "0.7",
    "0.7,0.4,0.2",
    "1.2,0.5",
    ",0.5",
    "",
    "abc,0.5",
    " 0.7 , 0.4 ",
    "0.7;0.4",
  )
  .map((text): Given & { pair?: [number, number] } => {
    const items = text.split(",").map((s) => s.trim());
    const numbers = items.map((s) => (/^\d*\.?\d+$/.test(s) ? Number(s) : NaN));
    if (items.length !== 2 || numbers.some((x) => !(x >= 0 && x <= 1))) return { flag: "--accuracy", value: text, verdict: "usage" };
    const pair = numbers as [number, number];
    const plain = items.join(",");
    return plain === text
      ? { flag: "--accuracy", value: text, verdict: "valid", pair }
      : { flag: "--accuracy", value: text, verdict: "open", canonical: plain, pair };
  });

const planCase = fc
  .record({
    accuracy: ACCURACY,
    kappa: real("--kappa", { min: -1, max: 1 }, ["0.3", "0.2", "0.1", "0", "-0.1"]),
    goal: fc.constantFrom("half-width", "delta", "both", "neither"),
    halfWidth: real("--half-width", { min: 0, max: 1, minOpen: true, maxOpen: true }, ["0.05", "0.1", "0.2"], (x) => x >= 0.05),
    delta: real("--delta", { min: 0, max: 2, minOpen: true, maxOpen: true }, ["0.1", "0.2", "0.3"], (x) => x >= 0.1),
    power: maybe(
      real("--power", { min: 0, max: 1, minOpen: true, maxOpen: true }, ["0.8", "0.5", "0.9"], (x) => x <= 0.9),
      3,
    ),
    humans: maybe(whole("--humans", 1, 30, ["1", "5", "10"]), 3),
    level: maybe(LEVEL, 4),
    simulations: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Given>({ flag: "--simulations", value: "100", verdict: "valid" }) },
      { weight: 1, arbitrary: whole("--simulations", 100, 300, ["100", "250"]) },
    ),
    seed: maybe(SEED, 4),
    figure: maybe(
      fc.constantFrom<Given>(
        { flag: "--figure", value: `${OUT}/plan.svg`, verdict: "valid" },
        { flag: "--figure", value: `${OUT}/plan.txt`, verdict: "usage" },
      ),
      4,
    ),
    format: maybe(FORMATS),
  })
  .map((f) => {
    const rules: Given[] = [];
    const goal: Given[] = [];
    if (f.goal === "half-width" || f.goal === "both") goal.push(f.halfWidth);
    if (f.goal === "delta" || f.goal === "both") goal.push(f.delta);
    if (f.goal === "both") rules.push({ flag: "--half-width", verdict: "usage" }, { flag: "--delta", verdict: "usage" });
    if (f.goal === "neither") rules.push({ flag: "--half-width", verdict: "usage" }, { flag: "--delta", verdict: "usage" });
    if (f.goal === "half-width") rules.push(...unused([f.power, f.humans]));
    // The kappa (and kappa + delta) must be one the accuracies allow; near a bound, or at extreme accuracies, the plan may need more trials than any limit: open.
    const kappa = f.kappa.verdict === "usage" ? undefined : Number(f.kappa.canonical ?? f.kappa.value);
    const delta = f.goal === "delta" && f.delta.verdict !== "usage" ? Number(f.delta.canonical ?? f.delta.value) : 0;
    if (f.accuracy.pair && kappa !== undefined) {
      const range = kappaRange(...f.accuracy.pair);
      const extreme = f.accuracy.pair.some((p) => p < 0.2 || p > 0.8);
      if (range === null) rules.push({ flag: "--accuracy", verdict: "open" });
      else if (kappa < range[0] - 1e-9 || kappa + delta > range[1] + 1e-9)
        rules.push({ flag: "--kappa", verdict: "usage" }, { flag: "--accuracy", verdict: "open" }, { flag: "--delta", verdict: "open" });
      else if (extreme || kappa - range[0] < 0.05 || range[1] - (kappa + delta) < 0.05) rules.push({ flag: "--kappa", verdict: "open" });
    }
    const out = outputOf(f.format, "plan", "json");
    const given = [f.accuracy, f.kappa, ...goal, ...compact([f.power, f.humans, f.level, f.simulations, f.seed, f.figure]), ...out.given];
    const { pair: _, ...accuracy } = f.accuracy;
    given[0] = accuracy;
    return makeCase({
      command: "plan",
      head: ["plan"],
      given,
      outputs: [...out.outputs, ...(f.figure?.verdict === "valid" ? ["plan.svg"] : [])],
      parse: out.parse,
      rules,
      deterministic: true,
    });
  });

const benchCase = fc
  .record({
    observers: whole("--observers", 2, 40, ["2", "3", "7", "40"]),
    trials: whole("--trials", 1, 300, ["1", "7", "100", "300"]),
    threads: maybe(whole("--threads", 1, 4, ["1", "2", "4"])),
    kernel: maybe(choice("--kernel", ["wasm", "ts", "auto"])),
    seed: maybe(SEED, 4),
    tileSize: maybe(
      fc.constantFrom("2", "4", "64", "128", "4096", "3", "0", "-2", "4098", "1e12", "abc").map((text): Given => {
        const n = Number(text);
        if (!/^\d+$/.test(text) || n % 2 !== 0 || n < 2) return { flag: "--tile-size", value: text, verdict: "usage" };
        return { flag: "--tile-size", value: text, verdict: n <= 4096 ? "valid" : "open" };
      }),
    ),
    json: fc.boolean(),
  })
  .map((f) => {
    const given = [...compact([f.observers, f.trials, f.threads, f.kernel, f.seed, f.tileSize]), ...(f.json ? [present("--json")] : [])];
    return makeCase({
      command: "bench kernel",
      head: ["bench", "kernel"],
      given,
      outputs: [],
      parse: f.json ? "json" : undefined,
      rules: [],
      deterministic: false,
    });
  });

const SHARD = fc
  .constantFrom(
    "1/2",
    "2/2",
    "1/1",
    "0/2",
    "3/2",
    "1/0",
    "a/b",
    "1/2/3",
    "",
    "-1/2",
    " 1/2",
    "01/02",
    "1.5/2",
    "9007199254740993/9007199254740993",
  )
  .map((text): Given => {
    const match = /^(\d+)\/(\d+)$/.exec(text);
    if (!match) return { flag: "--shard", value: text, verdict: text.trim() !== text && /^\d+\/\d+$/.test(text.trim()) ? "open" : "usage" };
    const [k, n] = [Number(match[1]), Number(match[2])];
    if (k < 1 || n < 1 || k > n || !Number.isSafeInteger(n)) return { flag: "--shard", value: text, verdict: "usage" };
    return { flag: "--shard", value: text, verdict: /^0/.test(match[1]) || /^0/.test(match[2]) ? "open" : "valid" };
  });

/** evaluate on a file that is no model: flags are checked (exit 2) or the model is refused (exit 1). */
const evaluateCase = fc
  .record({
    batch: maybe(whole("--batch", 1, 64, ["1", "16", "64"])),
    decoders: maybe(whole("--decoders", 1, 4, ["1", "2", "4"])),
    shard: maybe(SHARD),
    aggregation: maybe(choice("--aggregation", ["mean", "sum", "max"])),
    outputs: maybe(choice("--outputs", ["logits", "probabilities"])),
    identity: maybe(
      fc.constantFrom<Given>(
        { flag: "--identity", value: "cat,dog", verdict: "valid" },
        { flag: "--identity", value: "", verdict: "usage" },
        { flag: "--identity", value: "cat,,dog", verdict: "usage" },
        { flag: "--identity", value: "cat,cat,dog", verdict: "refused" },
      ),
    ),
    providers: maybe(
      fc.constantFrom<Given>(
        { flag: "--providers", value: "cpu", verdict: "valid" },
        { flag: "--providers", value: "cuda,cpu", verdict: "valid" },
        { flag: "--providers", value: "", verdict: "usage" },
        { flag: "--providers", value: "cpu,cpu", verdict: "open" },
        { flag: "--providers", value: "quantum", verdict: "open" },
      ),
    ),
    name: maybe(
      fc.constantFrom<Given>(
        { flag: "--name", value: "resnet50", verdict: "valid" },
        { flag: "--name", value: "my model", verdict: "open" },
        { flag: "--name", value: "", verdict: "refused" },
        { flag: "--name", value: "a/b", verdict: "open" },
      ),
    ),
    scores: maybe(
      fc.constantFrom<Given>(
        { flag: "--scores", value: `${OUT}/scores.csv`, verdict: "valid" },
        { flag: "--scores", value: `${OUT}/scores.parquet`, verdict: "valid" },
      ),
    ),
  })
  .map((f) => {
    const given = [
      ...compact([f.batch, f.decoders, f.shard, f.aggregation, f.outputs, f.identity, f.providers, f.name, f.scores]),
      { flag: "-o", value: `${OUT}/trials.csv`, verdict: "valid" as Verdict },
    ];
    // The model file is no ONNX model: with every flag valid the run must still fail, on the model (1).
    const rules: Given[] = [{ flag: "<model.onnx>", verdict: "refused" }];
    // Categories given directly are not aggregated from ImageNet classes: --aggregation has no use with --identity.
    if (f.identity && f.aggregation) rules.push({ flag: "--identity", verdict: "usage" }, { flag: "--aggregation", verdict: "usage" });
    if (f.identity && f.outputs) rules.push({ flag: "--outputs", verdict: "open" });
    return makeCase({
      command: "evaluate",
      head: ["evaluate", `${DATA}/model.onnx`, `${DATA}/stimuli`],
      given,
      outputs: [],
      rules,
      deterministic: true,
    });
  });

// ---------------------------------------------------------------------------------------------
// Running a case.

const sandbox = new CliSandbox();
let workRoot: string;
let data: string;
let dataSnapshot: Map<string, string>;

/** Exit codes the case allows, and the flags an exit-2 message may name. */
function expectation(c: Case): { codes: Set<number>; culprits: string[] } {
  const all = [...c.given, ...c.rules];
  const has = (v: Verdict) => all.some((g) => g.verdict === v);
  const culprits = [...new Set(all.filter((g) => g.verdict !== "valid").map((g) => g.flag))];
  if (has("usage")) return { codes: new Set(has("refused") ? [1, 2] : [2]), culprits };
  if (has("refused")) return { codes: new Set([1, 2]), culprits };
  if (has("open")) return { codes: new Set([0, 1, 2]), culprits };
  return { codes: new Set([0]), culprits };
}

async function runCase(c: Case): Promise<void> {
  const out = await mkdtemp(join(workRoot, "out-"));
  try {
    const argv = argvOf(c, data, out);
    const what = `${commandLine(argv)}\n  verdicts: ${[...c.given, ...c.rules].map((g) => `${g.flag}=${g.verdict}`).join(", ")}`;
    const outcome = await sandbox.run(argv, 20_000);
    const message = checkWellBehaved(outcome, what);
    if (outcome.kind !== "exit") return;
    assert.ok(sameSnapshot(dataSnapshot, await snapshot(data)), `${what}\nthe input data changed`);
    const { codes, culprits } = expectation(c);
    const listing = (await readdir(out)).sort();
    assert.ok(codes.has(outcome.code), `${what}\nexit ${outcome.code}, expected ${[...codes].join(" or ")}\nstderr: ${outcome.stderr}`);
    if (outcome.code !== 0) {
      assert.deepEqual(listing, [], `${what}\nexit ${outcome.code} but the output folder holds ${JSON.stringify(listing)}`);
      if (outcome.code === 2) {
        assert.ok(
          culprits.some((flag) => flag.startsWith("-") && message!.line.includes(flag)),
          `${what}\nexit 2 with ${JSON.stringify(message!.line)}: it names none of ${JSON.stringify(culprits)}`,
        );
      }
      return;
    }
    assert.deepEqual(listing, [...c.outputs].sort(), `${what}\nexit 0: the output folder holds ${JSON.stringify(listing)}`);
    const text = c.outputs.length > 0 ? await readFile(join(out, c.outputs[0]), "utf8") : outcome.stdout;
    if (c.outputs.length > 0) assert.equal(outcome.stdout, "", `${what}\nstandard output with -o`);
    if (c.parse === "json") assert.doesNotThrow(() => JSON.parse(text), `${what}\nthe JSON output does not parse`);
    if (c.parse === "csv") assert.doesNotThrow(() => parseOutputCsv(text), `${what}\nthe CSV output does not parse`);
    // Another spelling of a valid value, accepted, must mean the same: the output equals the plain spelling's.
    const respelled = c.given.filter((g) => g.canonical !== undefined);
    if (
      c.deterministic &&
      respelled.length > 0 &&
      c.outputs.length > 0 &&
      c.given.every((g) => g.verdict === "valid" || g.canonical !== undefined)
    ) {
      const plainOut = await mkdtemp(join(workRoot, "plain-"));
      try {
        const plainArgv = argvOf(c, data, plainOut, true);
        const plain = await sandbox.run(plainArgv, 20_000);
        checkWellBehaved(plain, commandLine(plainArgv));
        assert.ok(
          plain.kind === "exit" && plain.code === 0,
          `${commandLine(plainArgv)}\nthe plain spelling fails where ${respelled.map((g) => `${g.flag} "${g.value}"`).join(", ")} passed`,
        );
        const plainText = await readFile(join(plainOut, c.outputs[0]), "utf8");
        assert.equal(
          text.replaceAll(out, "<out>"),
          plainText.replaceAll(plainOut, "<out>"),
          `${what}\nthe output differs from that of the plain spelling ${respelled.map((g) => `${g.flag} "${g.canonical}"`).join(", ")}`,
        );
      } finally {
        await rm(plainOut, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// merge: random shards of an evaluation, complete or not.

interface MergeCase {
  /** Shard files to pass, by index (a shard may be passed twice or not at all). */
  shards: number[];
  count: number;
  trials: number;
  output: "csv" | "parquet";
  stimuli: "none" | "matching" | "other";
  [fc.toStringMethod]?: () => string;
}

function mergeArgv(m: MergeCase, dir: string, out: string): string[] {
  const args = ["merge", ...m.shards.map((k) => join(dir, `shard-${k + 1}.csv`)), "-o", join(out, `merged.${m.output}`)];
  if (m.stimuli !== "none") args.push("--stimuli", join(dir, m.stimuli === "matching" ? "stimuli" : "other-stimuli"));
  return args;
}

const mergeCase = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    extra: fc.integer({ min: 0, max: 4 }),
    pick: fc.array(fc.nat({ max: 5 }), { maxLength: 5 }),
    complete: fc.boolean(),
    output: fc.constantFrom("csv" as const, "parquet" as const),
    stimuli: fc.constantFrom("none" as const, "matching" as const, "other" as const),
  })
  .map(({ count, extra, pick, complete, output, stimuli }): MergeCase => {
    // As many trials as shards at least: evaluate --shard k/n on fewer images than n is another matter.
    const trials = count + extra;
    const shards = complete ? Array.from({ length: count }, (_, k) => k) : pick.map((k) => k % count);
    return {
      shards,
      count,
      trials,
      output,
      stimuli,
      [fc.toStringMethod]: function (this: MergeCase) {
        return `${commandLine(mergeArgv(this, "data", "out"))} (shards of ${this.trials} trials in ${this.count})`;
      },
    };
  });

async function runMerge(m: MergeCase): Promise<void> {
  const dir = await mkdtemp(join(workRoot, "merge-"));
  try {
    const header = "subj,session,trial,rt,object_response,category,condition,imagename";
    const rows = Array.from({ length: m.trials }, (_, i) => ({
      trial: i + 1,
      line: `net,1,${i + 1},NaN,cat,${i % 2 ? "cat" : "dog"},NaN,img${i + 1}.png`,
    }));
    for (let k = 0; k < m.count; k++) {
      const mine = rows.filter((_, i) => i % m.count === k);
      await writeFile(join(dir, `shard-${k + 1}.csv`), `${header}\n${mine.map((r) => `${r.line}\n`).join("")}`);
    }
    // Stimulus folders: one with exactly the trials' images (sorted by category, then name), one with an image fewer.
    for (const [folder, n] of [
      ["stimuli", m.trials],
      ["other-stimuli", m.trials - 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await mkdir(join(dir, folder, "all"), { recursive: true });
        await writeFile(join(dir, folder, "all", `img${i + 1}.png`), "x");
      }
      if (n === 0) await mkdir(join(dir, folder), { recursive: true });
    }
    const inputs = await snapshot(dir);
    const out = join(dir, "out");
    await mkdir(out);
    const argv = mergeArgv(m, dir, out);
    const what = commandLine(argv);
    const outcome = await sandbox.run(argv, 20_000);
    const message = checkWellBehaved(outcome, what);
    if (outcome.kind !== "exit") return;
    const after = await snapshot(dir);
    for (const [path, hash] of inputs) assert.equal(after.get(path), hash, `${what}\nthe input ${path} changed`);
    const listing = await readdir(out);
    // What merge can know: trials passed twice, a gap, or (with --stimuli) a count or images that differ from the folder's.
    const merged = m.shards.flatMap((k) => rows.filter((_, i) => i % m.count === k).map((r) => r.trial)).sort((a, b) => a - b);
    const once = new Set(merged).size === merged.length;
    const contiguous = merged.every((t, i) => t === i + 1);
    const images = m.stimuli === "none" ? merged.length : m.stimuli === "matching" ? m.trials : m.trials - 1;
    const valid = m.shards.length > 0 && once && contiguous && merged.length === images;
    if (valid) {
      assert.equal(outcome.code, 0, `${what}\nexit ${outcome.code}: ${outcome.stderr}`);
      assert.deepEqual(listing, [`merged.${m.output}`], `${what}\nthe output folder holds ${JSON.stringify(listing)}`);
      if (m.output === "csv") {
        assert.deepEqual(
          parseOutputCsv(await readFile(join(out, "merged.csv"), "utf8")).map((r) => Number(r.trial)),
          merged,
          `${what}\nthe merged trials`,
        );
      }
    } else {
      assert.equal(
        outcome.code,
        m.shards.length === 0 ? 2 : 1,
        `${what}\nexit ${outcome.code}, expected ${m.shards.length === 0 ? 2 : 1}: ${outcome.stderr}`,
      );
      assert.deepEqual(listing, [], `${what}\nexit ${outcome.code} but the output folder holds ${JSON.stringify(listing)}`);
      if (outcome.code === 1)
        assert.match(
          message!.line,
          new RegExp(`^trialwise: error: ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(shard-\\d+\\.csv:\\d+: |(other-)?stimuli)`),
          `${what}\nnot located at a shard's line or the stimulus folder`,
        );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// -o destinations: a new file, a file to replace, a symbolic link, a folder, a missing folder, a FIFO.

type Destination = "new" | "existing" | "link" | "folder" | "missing folder" | "fifo";

interface OutputCase {
  destination: Destination;
  command: "observers" | "pairs" | "summary" | "ci" | "plan";
  failure: "none" | "usage" | "input";
  [fc.toStringMethod]?: () => string;
}

function outputArgs(c: Pick<OutputCase, "command" | "failure">, data: string, target: string): string[] {
  const path = c.failure === "input" ? join(data, "no-such-folder") : join(data, "ds");
  const args: Record<OutputCase["command"], string[]> = {
    observers: ["observers", path],
    pairs: ["pairs", path, "--format", "json"],
    summary: ["summary", path, "--bootstrap", "20"],
    ci: ["ci", path, "--pair", "alexnet,resnet50", "--bootstrap", "100"],
    plan: ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.1", "--simulations", "100"],
  };
  if (c.command === "plan" && c.failure === "input")
    return [...args.plan, "--figure", join(data, "no-such-folder", "plan.svg"), "-o", target];
  return [...args[c.command], ...(c.failure === "usage" ? ["--format", "xml"] : []), "-o", target];
}

const outputCase = fc
  .record({
    destination: fc.constantFrom<Destination>("new", "existing", "link", "folder", "missing folder", "fifo"),
    command: fc.constantFrom<OutputCase["command"]>("observers", "pairs", "summary", "ci", "plan"),
    failure: fc.constantFrom<OutputCase["failure"]>("none", "none", "usage", "input"),
  })
  .map((c): OutputCase => ({
    ...c,
    [fc.toStringMethod]: function (this: OutputCase) {
      return `${commandLine(outputArgs(this, "data", "out/result"))}   (-o is ${this.destination})`;
    },
  }));

async function runOutputCase(c: OutputCase): Promise<void> {
  const dir = await mkdtemp(join(workRoot, "dest-"));
  let reader: Promise<Buffer> | undefined;
  try {
    const out = join(dir, "out");
    const elsewhere = join(dir, "elsewhere");
    await mkdir(out);
    await mkdir(elsewhere);
    let target = join(out, "result");
    if (c.destination === "existing") await writeFile(target, "old\n");
    if (c.destination === "link") {
      await writeFile(join(elsewhere, "real"), "old\n");
      await symlink(join(elsewhere, "real"), target);
    }
    if (c.destination === "folder") {
      await mkdir(target);
      await writeFile(join(target, "keep"), "keep\n");
    }
    if (c.destination === "missing folder") target = join(out, "missing", "result");
    if (c.destination === "fifo") {
      execFileSync("mkfifo", [target]);
      // Opening a FIFO waits for the other end: read it in this thread while the CLI writes.
      reader = readFile(target);
    }
    // What the command writes to a plain new file.
    const reference = join(dir, "reference");
    if (c.failure === "none") {
      const plain = await sandbox.run(outputArgs(c, data, reference), 20_000);
      assert.ok(
        plain.kind === "exit" && plain.code === 0,
        `${commandLine(outputArgs(c, data, reference))} fails: ${JSON.stringify(plain)}`,
      );
    }
    const expected = c.failure === "none" ? await readFile(reference) : undefined;
    const before = await snapshot(out);
    const beforeElsewhere = await snapshot(elsewhere);
    const argv = outputArgs(c, data, target);
    const what = `${commandLine(argv)}   (-o is ${c.destination})`;
    const outcome = await sandbox.run(argv, 20_000);
    if (reader) {
      // Whatever happened, let the reader finish: open the writing end (refused when the CLI already closed it and nobody reads).
      await open(target, constants.O_WRONLY | constants.O_NONBLOCK).then(
        (fd) => fd.close(),
        () => undefined,
      );
    }
    const message = checkWellBehaved(outcome, what);
    if (outcome.kind !== "exit") return;
    const codes =
      c.failure === "usage"
        ? [2]
        : c.failure === "input"
          ? [1]
          : c.destination === "folder" || c.destination === "missing folder"
            ? [1]
            : [0];
    assert.ok(codes.includes(outcome.code), `${what}\nexit ${outcome.code}, expected ${codes.join(" or ")}\n${outcome.stderr}`);
    if (outcome.code !== 0) {
      assert.ok(
        sameSnapshot(before, await snapshot(out)),
        `${what}\nexit ${outcome.code} but the output folder changed: ${JSON.stringify([...(await snapshot(out)).keys()])}`,
      );
      assert.ok(sameSnapshot(beforeElsewhere, await snapshot(elsewhere)), `${what}\nexit ${outcome.code} but the link's target changed`);
      if (outcome.code === 1 && c.failure === "none")
        assert.ok(message!.line.includes(target), `${what}\nthe message does not name the destination: ${message!.line}`);
      return;
    }
    const written = c.destination === "fifo" ? await reader! : await readFile(c.destination === "link" ? join(elsewhere, "real") : target);
    assert.equal(written.toString("utf8"), expected!.toString("utf8"), `${what}\nthe destination holds other bytes than a new file gets`);
    const entries = [...(await snapshot(out)).keys()];
    assert.deepEqual(entries, ["result"], `${what}\nthe output folder holds ${JSON.stringify(entries)}`);
    if (c.destination === "link") assert.ok((await lstat(target)).isSymbolicLink(), `${what}\nthe link was replaced by a file`);
  } finally {
    if (reader) await reader.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

describe("property: every command's flags", () => {
  before(async () => {
    workRoot = await mkdtemp(join(tmpdir(), "trialwise-property-cli-"));
    data = join(workRoot, "data");
    await writeData(data);
    dataSnapshot = await snapshot(data);
  });
  after(async () => {
    await sandbox.close();
    await rm(workRoot, { recursive: true, force: true });
  });

  const commands: [string, fc.Arbitrary<Case>, number][] = [
    ["observers", observersCase, 40],
    ["pairs", pairsCase, 100],
    ["summary", summaryCase, 60],
    ["shape-bias", shapeBiasCase, 15],
    ["ci", ciCase, 80],
    ["test", testCase, 60],
    ["compare", compareCase, 60],
    ["plan", planCase, 80],
    ["bench kernel", benchCase, 60],
    ["evaluate (no model)", evaluateCase, 40],
  ];
  for (const [name, cases, runs] of commands) {
    test(`${name}: valid flags exit 0, bad ones exit 2 naming the flag; never a stack trace, a hang or a stray file`, async () => {
      await fc.assert(fc.asyncProperty(cases, runCase), propertyParameters(runs));
    });
  }

  test("-o to a new file, a file, a link, a FIFO: the same bytes as a new file; to a folder or a missing folder: exit 1; a failure leaves every destination as it was", async () => {
    await fc.assert(fc.asyncProperty(outputCase, runOutputCase), propertyParameters(30));
  });

  test("merge: complete shards give every trial once, in order; missing or doubled shards exit 1 naming a shard's line", async () => {
    await fc.assert(fc.asyncProperty(mergeCase, runMerge), propertyParameters(40));
  });
});
