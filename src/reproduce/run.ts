/** `trialwise reproduce geirhos2020`: from the published data to the report folder. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import { CHANCE_DEFAULTS, CHANCE_EXACT_MAX_TRIALS, type ChanceBandRow, GEIRHOS2020_GRID_EDGES } from "../core/chance.ts";
import { cachedChanceRegion } from "../io/chance-cache.ts";
import { loadDatasets } from "../io/datasets.ts";
import { toJson } from "../io/format.ts";
import { checkOutputFolder, writeDirectoryAtomic } from "../io/output.ts";
import { renderSvg, svgToPng } from "../report/render.ts";
import type { ChanceBand } from "../figures/consistency.ts";
import type { ResponseMetric } from "../core/metric-pairs.ts";
import { BRAIN_SCORE_FILE, parseBrainScoreBehaviour } from "./brain-score.ts";
import { checkGeirhos2020Copy } from "./data-check.ts";
import { authorsBandFile, parseAuthorsBand } from "./reference.ts";
import { type Figure, geirhos2020Figures } from "./figures.ts";
import { analyseGeirhos2020, noiseModelDetails } from "./geirhos2020.ts";
import { type RenderedFigure, geirhos2020Html, geirhos2020Numbers, geirhos2020Tables } from "./report.ts";

export type FigureFormat = "svg" | "png";

export interface ReproduceOptions {
  /** The raw-data folder of the published repository. */
  dataDir: string;
  outDir: string;
  formats: readonly FigureFormat[];
  /** Where simulated chance regions are kept between runs; none: simulate every time. */
  cacheDir?: string;
  version: string;
  /** A response-level metric to set beside error kappa (./metric-section.ts); none: error kappa only. */
  metric?: ResponseMetric;
  /** Progress: a step starts (`total` set for countable steps) or advances. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface ReproduceResult {
  outDir: string;
  figures: number;
  files: number;
  seconds: number;
}

/** How the chance regions of the report are obtained, for its methods section. */
function chanceNote(trialCounts: readonly number[]): string {
  const how = trialCounts
    .map((n) =>
      n <= CHANCE_EXACT_MAX_TRIALS
        ? `N = ${n}: computed exactly (the limit of infinitely many simulated pairs: each observer's correct count follows the grid-averaged binomial, and the count both get right is then hypergeometric)`
        : `N = ${n}: simulated, one pair per grid point, seed ${CHANCE_DEFAULTS.seed}`,
    )
    .join("; ");
  return (
    "Two independent observers, true accuracies on a grid of " +
    `${CHANCE_DEFAULTS.gridSteps} values each (a third on each of [0, e], [e, 1 − e], [1 − e, 1], with the edge e the 2020 analysis used for that trial count: ` +
    `${Object.entries(GEIRHOS2020_GRID_EDGES)
      .map(([n, e]) => `${e} for ${n} trials`)
      .join(", ")}), N trials each; ` +
    "observed c_exp, c_obs and κ per pair, binned by c_exp into 100 bins of width 1/99; the band is the 2.5% to 97.5% quantile range of c_obs and κ per bin. " +
    how
  );
}

/**
 * Reads the data, analyses it, renders every figure and writes the report folder atomically
 * (a folder that is missing, empty or a report trialwise wrote; never the data folder, see
 * `checkOutputFolder`).
 */
export async function reproduceGeirhos2020(options: ReproduceOptions): Promise<ReproduceResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  // Refused folders (someone's files, the data itself) are refused before the work, not after it.
  const inputs = [options.dataDir];
  await checkOutputFolder(options.outDir, inputs);
  // Every published trial file the report needs, and no other, before anything is read.
  await checkGeirhos2020Copy(options.dataDir);
  progress("loading trial data", 0, 0);
  const { datasets } = await loadDatasets(options.dataDir);
  const brainScoreFile = join(options.dataDir, BRAIN_SCORE_FILE);
  let brainScoreText: string;
  try {
    brainScoreText = await readFile(brainScoreFile, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read the Brain-Score table the report plots kappa against (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { file: brainScoreFile },
    );
  }
  const brainScore = { behaviour: parseBrainScoreBehaviour(brainScoreText, brainScoreFile), file: brainScoreFile };
  progress("analysing", 0, 0);
  let analysis;
  try {
    analysis = analyseGeirhos2020(datasets, brainScore);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`this does not look like the published geirhos2020 raw-data folder (${(error as Error).message})`, {
      file: options.dataDir,
    });
  }
  progress("simulating chance regions", 0, 0);
  const chance = new Map<number, ChanceBandRow[]>();
  const trialCounts = [...analysis.textureShape.values()]
    .map((a) => a.trialsPerObserver)
    .concat(analysis.noiseModelConsistency.map((p) => p.n_trials));
  for (const trials of new Set(trialCounts)) {
    chance.set(trials, await cachedChanceRegion({ trials, gridEdge: GEIRHOS2020_GRID_EDGES[trials] }, options.cacheDir));
  }
  const bandFor = (trials: number) => chance.get(trials)!;
  const authorsBands = new Map<number, ChanceBand[]>();
  for (const trials of Object.keys(GEIRHOS2020_GRID_EDGES).map(Number)) {
    const file = join(options.dataDir, "..", "reference", authorsBandFile(trials));
    const text = await readFile(file, "utf8").catch(() => null);
    if (text !== null) authorsBands.set(trials, parseAuthorsBand(text, file));
  }
  const noiseDetails = noiseModelDetails(
    analysis,
    datasets.filter((d) => d.dataset.startsWith("noise-generalisation_")),
    bandFor,
  );
  const figures: Figure[] = geirhos2020Figures(analysis, { band: bandFor, authorsBands, noiseDetails });
  const files = new Map<string, string | Uint8Array>();
  const rendered: RenderedFigure[] = [];
  // PNGs are rasterised on libuv's thread pool while the next SVG is laid out here.
  const rasterising: Promise<void>[] = [];
  for (const [i, figure] of figures.entries()) {
    progress("rendering figures", i, figures.length);
    const svg = await renderSvg(figure.spec);
    const names: string[] = [];
    if (options.formats.includes("svg")) {
      files.set(`figures/${figure.id}.svg`, svg);
      names.push(`figures/${figure.id}.svg`);
    }
    if (options.formats.includes("png")) {
      const name = `figures/${figure.id}.png`;
      rasterising.push(svgToPng(svg, 2).then((png) => void files.set(name, png)));
      names.push(name);
    }
    rendered.push({ ...figure, svg, files: names });
  }
  await Promise.all(rasterising);
  progress("rendering figures", figures.length, figures.length);
  progress("writing the report", 0, 0);
  const extraSections = [];
  if (options.metric) {
    const { metricBesideKappa, metricBesideKappaCsv, metricBesideKappaHtml } = await import("./metric-section.ts");
    progress(`computing ${options.metric}`, 0, 0);
    const rows = metricBesideKappa(datasets, options.metric);
    const file = `tables/${options.metric}.csv`;
    files.set(file, metricBesideKappaCsv(rows));
    extraSections.push({ id: "metric", name: `${options.metric} beside κ`, html: metricBesideKappaHtml(rows, options.metric, file) });
  }
  const meta = { dataDir: options.dataDir, version: options.version, chanceNote: chanceNote([...chance.keys()]), extraSections };
  for (const [name, text] of geirhos2020Tables(analysis, chance, noiseDetails)) files.set(`tables/${name}`, text);
  files.set("numbers.json", toJson(geirhos2020Numbers(analysis, { generator: `trialwise ${options.version}`, data: options.dataDir })));
  files.set("index.html", geirhos2020Html(analysis, rendered, meta));
  await writeDirectoryAtomic(options.outDir, files, { inputs });
  return { outDir: options.outDir, figures: figures.length, files: files.size, seconds: (performance.now() - started) / 1000 };
}
