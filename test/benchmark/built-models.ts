/**
 * Test models for the benchmark, built from the human trial files, and an oracle that computes
 * model-vs-human's metrics the slow, literal way (filter, sort, compare), independently of
 * src/benchmark's weighted counts.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BENCHMARK_DATASETS, type BenchmarkDataset } from "../../src/benchmark/datasets.ts";
import { pandasColumnText } from "../../src/benchmark/labels.ts";
import { stimulusId } from "../../src/core/trials.ts";
import { seededRandom } from "../helpers.ts";

export const CATEGORIES = [
  "airplane",
  "bear",
  "bicycle",
  "bird",
  "boat",
  "bottle",
  "car",
  "cat",
  "chair",
  "clock",
  "dog",
  "elephant",
  "keyboard",
  "knife",
  "oven",
  "truck",
];

export interface Row {
  subj: string;
  response: string;
  category: string;
  condition: string;
  imagename: string;
}

/** The rows of a simple CSV (no quoted fields), the condition as pandas reads the file. */
export async function readRows(file: string): Promise<Row[]> {
  const [header, ...lines] = (await readFile(file, "utf8")).trimEnd().split("\n");
  const cols = header.split(",").map((c) => c.toLowerCase());
  const at = (name: string) => cols.indexOf(name);
  const fields = lines.map((l) => l.split(","));
  const labels = pandasColumnText(fields.map((f) => f[at("condition")]));
  return fields.map((f, i) => ({
    subj: f[at("subj")],
    response: f[at("object_response")],
    category: f[at("category")],
    condition: labels[i],
    imagename: f[at("imagename")],
  }));
}

export async function humanRows(humansDir: string, dataset: string): Promise<Row[]> {
  const folder = join(humansDir, dataset);
  const files = (await readdir(folder)).filter((f) => f.endsWith(".csv")).sort();
  return (await Promise.all(files.map((f) => readRows(join(folder, f))))).flat();
}

/** How a built model answers one human trial (of the person it copies). */
export type Answerer = (row: Row, random: () => number) => string;

export const copyModel =
  (share: number): Answerer =>
  (row, random) =>
    random() < share ? row.response : CATEGORIES[Math.floor(random() * 16)];
export const randomModel: Answerer = (_, random) => CATEGORIES[Math.floor(random() * 16)];
export const airplaneModel: Answerer = () => "airplane";

/**
 * Writes `<dataset>_<name>_session-1.csv` for every dataset into `dir`: one trial per trial of
 * `source` (a person), answered by `answer`; conditions written as in the human file unless
 * `spell` rewrites them.
 */
export async function writeModel(
  dir: string,
  humansDir: string,
  name: string,
  answer: Answerer,
  options: {
    seed: number;
    source?: string;
    datasets?: readonly BenchmarkDataset[];
    spell?: (condition: string, dataset: string) => string;
  },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const random = seededRandom(options.seed);
  for (const dataset of options.datasets ?? BENCHMARK_DATASETS) {
    const folder = join(humansDir, dataset.name);
    const file = (await readdir(folder)).filter((f) => f.endsWith(".csv")).sort()[0];
    const text = await readFile(join(folder, file), "utf8");
    const [, ...lines] = text.trimEnd().split("\n");
    const out = ["subj,session,trial,rt,object_response,category,condition,imagename"];
    lines.forEach((line, i) => {
      const f = line.split(",");
      const row = { subj: f[0], response: f[4], category: f[5], condition: f[6], imagename: f[7] };
      const condition = options.spell ? options.spell(row.condition, dataset.name) : row.condition;
      out.push([name, 1, i + 1, "NaN", answer(row, random), row.category, condition, row.imagename].join(","));
    });
    await writeFile(join(dir, `${dataset.name}_${name}_session-1.csv`), `${out.join("\n")}\n`);
  }
}

const mean = (values: number[]) => {
  const defined = values.filter((v) => !Number.isNaN(v));
  return defined.reduce((a, b) => a + b, 0) / defined.length;
};

interface PairValues {
  accDiff: number;
  cObs: number;
  kappa: number;
}

/** model-vs-human's analysis of two observers' trials (already of one condition): sort by image id, compare. */
function analysePair(a: Row[], b: Row[], rule: "one" | "undefined"): PairValues {
  if (a.length !== b.length) throw new Error("lengths differ");
  const sorted = (rows: Row[]) => rows.map((r) => ({ r, id: stimulusId(r.imagename) })).sort((x, y) => (x.id < y.id ? -1 : 1));
  const ia = sorted(a);
  const ib = sorted(b);
  ia.forEach((x, i) => {
    if (x.id !== ib[i].id) throw new Error("ids differ");
  });
  const sa = ia.map((x) => x.r);
  const sb = ib.map((x) => x.r);
  const ca = sa.map((r) => r.response === r.category);
  const cb = sb.map((r) => r.response === r.category);
  const n = ca.length;
  const p1 = ca.filter(Boolean).length / n;
  const p2 = cb.filter(Boolean).length / n;
  const cExp = p1 * p2 + (1 - p1) * (1 - p2);
  const cObs = ca.filter((c, i) => c === cb[i]).length / n;
  const kappa = rule === "one" && cObs === 1 ? 1 : cExp === 1 ? NaN : (cObs - cExp) / (1 - cExp);
  return { accDiff: (p1 - p2) ** 2, cObs, kappa };
}

export interface OracleDataset {
  ood: number;
  accDiff: number;
  cObs: number;
  kappa: number;
  /** Brain-Score's raw (before |.|) kappa mean: no kappa = 1 rule. */
  kappaNoRule: number;
}

/** A model's (or, for `model` = null, the humans') dataset values, as model-vs-human computes them. */
export function oracleDataset(dataset: BenchmarkDataset, humans: Row[], modelRows: Row[] | null, rule: "one" | "undefined"): OracleDataset {
  const included = (r: Row) =>
    dataset.conditions.length === 0 || (dataset.conditions.includes(r.condition) && !dataset.excluded.includes(r.condition));
  const conditions = dataset.conditions.length === 0 ? [null] : dataset.conditions.filter((c) => !dataset.excluded.includes(c));
  const people = [...new Set(humans.map((r) => r.subj))].sort();
  const cache = new Map<Row[], Map<string, Row[]>>();
  const of = (rows: Row[], subj: string | null, c: string | null) => {
    let groups = cache.get(rows);
    if (!groups) cache.set(rows, (groups = new Map()));
    const key = `${subj}\u0000${c}`;
    let found = groups.get(key);
    if (!found) groups.set(key, (found = rows.filter((r) => (subj === null || r.subj === subj) && (c === null || r.condition === c))));
    return found;
  };
  const accuracy = (rows: Row[]) => rows.filter((r) => r.response === r.category).length / rows.length;
  const analysed = new Map<string, PairValues>();
  let nextId = 0;
  const ids = new Map<Row[], number>();
  const idOf = (rows: Row[]) => ids.get(rows) ?? (ids.set(rows, nextId++), nextId - 1);
  const pair = (a: Row[], b: Row[], c: string | null, r: "one" | "undefined") => {
    const key = `${idOf(a)} ${idOf(b)} ${c} ${r}`;
    let values = analysed.get(key);
    if (!values) analysed.set(key, (values = analysePair(of(a, null, c), of(b, null, c), r)));
    return values;
  };
  const perPair = (a: Row[], b: Row[], key: keyof PairValues, r: "one" | "undefined") => mean(conditions.map((c) => pair(a, b, c, r)[key]));
  if (modelRows === null) {
    const pairs: [string, string][] = [];
    people.forEach((a, i) => people.slice(i + 1).forEach((b) => pairs.push([a, b])));
    const over = (key: keyof PairValues, r: "one" | "undefined") =>
      mean(pairs.map(([a, b]) => perPair(of(humans, a, null), of(humans, b, null), key, r)));
    return {
      ood: accuracy(humans.filter(included)),
      accDiff: over("accDiff", rule),
      cObs: over("cObs", rule),
      kappa: over("kappa", rule),
      kappaNoRule: over("kappa", "undefined"),
    };
  }
  const over = (key: keyof PairValues, r: "one" | "undefined") => mean(people.map((h) => perPair(modelRows, of(humans, h, null), key, r)));
  return {
    ood: accuracy(modelRows.filter(included)),
    accDiff: over("accDiff", rule),
    cObs: over("cObs", rule),
    kappa: over("kappa", rule),
    kappaNoRule: over("kappa", "undefined"),
  };
}
