/**
 * Scored benchmarks that `trialwise serve --benchmark DIR` shows: the --out folder of
 * `trialwise benchmark model-vs-human score` (benchmark.json, leaderboard.csv, comparisons.csv,
 * index.html). The folder is checked and its files read once, at start; only those four names
 * are ever served, from memory, so nothing else in the folder (or reached through it) can be.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { InputError } from "../core/errors.ts";
import { datasetId } from "./datasets.ts";
import { indexFolder } from "./files.ts";

/** The files a scored benchmark folder may hold: whether each must be there, and its content type. */
export const BENCHMARK_FILES: Readonly<Record<string, { required: boolean; type: string }>> = {
  "benchmark.json": { required: true, type: "application/json; charset=utf-8" },
  "index.html": { required: true, type: "text/html; charset=utf-8" },
  // Shown as text in the browser rather than downloaded.
  "leaderboard.csv": { required: false, type: "text/plain; charset=utf-8" },
  "comparisons.csv": { required: false, type: "text/plain; charset=utf-8" },
};

/** A scored benchmark held by the server. */
export interface ServedBenchmark {
  /** URL-safe and unique among the server's benchmarks: the page is /benchmark/<id>/. */
  readonly id: string;
  /** The folder, as given. */
  readonly source: string;
  /** The models in leaderboard order, and the datasets scored. */
  readonly models: readonly string[];
  readonly datasets: readonly string[];
  /** File contents by name (the names of {@link BENCHMARK_FILES} that are there). */
  readonly files: ReadonlyMap<string, Buffer>;
}

const WHAT = "the --out folder of `trialwise benchmark model-vs-human score` (benchmark.json, index.html)";

/**
 * Reads a scored benchmark folder: benchmark.json and index.html must be there (an InputError
 * names the folder and what is missing), and benchmark.json must be a benchmark's (an object
 * with `leaderboard`, the model names, and `datasets`, `models`, `humans` objects).
 */
export async function loadBenchmark(dir: string, taken: ReadonlySet<string>): Promise<ServedBenchmark> {
  const index = await indexFolder(dir, WHAT);
  const files = new Map<string, Buffer>();
  for (const [name, { required }] of Object.entries(BENCHMARK_FILES)) {
    const path = index.files.get(name);
    if (!path) {
      if (required) throw new InputError(`no ${name} in the folder; expected ${WHAT}`, { file: dir });
      continue;
    }
    files.set(name, await readFile(path));
  }
  const jsonFile = join(dir, "benchmark.json");
  let json: unknown;
  try {
    json = JSON.parse(files.get("benchmark.json")!.toString("utf8"));
  } catch (error) {
    throw new InputError(`not JSON (${(error as Error).message}); expected the benchmark.json of a scored benchmark`, { file: jsonFile });
  }
  const benchmark = json as { leaderboard?: unknown; datasets?: unknown; models?: unknown; humans?: unknown } | null;
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(benchmark)) throw new InputError("expected a JSON object (the benchmark.json of a scored benchmark)", { file: jsonFile });
  if (!Array.isArray(benchmark!.leaderboard) || !benchmark!.leaderboard.every((name) => typeof name === "string"))
    throw new InputError("expected the model names in leaderboard order (an array of strings)", { file: jsonFile, column: "leaderboard" });
  for (const field of ["datasets", "models", "humans"] as const) {
    if (!isObject(benchmark![field])) throw new InputError("expected an object", { file: jsonFile, column: field });
  }
  const name = basename(index.root);
  return {
    id: datasetId(name, taken),
    source: dir,
    models: benchmark!.leaderboard as string[],
    datasets: Object.keys(benchmark!.datasets as object),
    files,
  };
}

/** Whether a folder given as trials is a scored benchmark instead (it holds a benchmark.json). */
export async function isBenchmarkFolder(path: string): Promise<boolean> {
  return (await stat(join(path, "benchmark.json")).catch(() => undefined))?.isFile() === true;
}

/**
 * The benchmark's page: its index.html with a line at the top that leads back to the dashboard
 * (the report's own links, to benchmark.json and the CSV files, are relative and stay in its folder).
 */
export function benchmarkPage(benchmark: ServedBenchmark): string {
  const html = benchmark.files.get("index.html")!.toString("utf8");
  const back = `<p class="trialwise-serve"><a href="/">← trialwise dashboard</a> · benchmark <code>${escapeText(benchmark.id)}</code></p>`;
  const body = /<body[^>]*>/i.exec(html);
  return body ? `${html.slice(0, body.index + body[0].length)}\n${back}${html.slice(body.index + body[0].length)}` : `${back}\n${html}`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
