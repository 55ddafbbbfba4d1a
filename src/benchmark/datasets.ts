/**
 * The 17 out-of-distribution datasets of model-vs-human (Geirhos et al. 2021, "Partial success
 * in closing the gap between human and machine vision") as its analysis code defines them:
 * the conditions of each parametric dataset, spelled as pandas prints them after reading the
 * published CSV files, the condition labels and axis title of its per-condition figures, and
 * the conditions its benchmark leaves out (the control condition without manipulation, and
 * conditions where the humans' mean accuracy is below 0.2). Brain-Score's Geirhos2021
 * benchmarks leave out the same trials. Facts, in our words. Isomorphic.
 */

/** Where a dataset's stimulus archive puts its images (model-vs-human's two layouts). */
export type StimulusLayout =
  /** `<dataset>/dnn/session-1/<nnnn>_<code>_dnn_<condition>_<category>_<...>.png`: condition and category in the name. */
  | "sessions"
  /** `<dataset>/<category>/<image>`: category from the folder, no condition. */
  | "categories";

export interface BenchmarkDataset {
  readonly name: string;
  /**
   * The conditions as model-vs-human lists them (its `data_conditions`), in its order; empty for
   * the five datasets without conditions (cue-conflict, edge, silhouette, sketch, stylized),
   * where every trial is one unit.
   */
  readonly conditions: readonly string[];
  /** How the per-condition figures label each condition (model-vs-human's `plotting_conditions`). */
  readonly conditionLabels: readonly string[];
  readonly xTitle: string;
  /** Conditions the benchmark leaves out before averaging. */
  readonly excluded: readonly string[];
  readonly layout: StimulusLayout;
}

const EIDOLON_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7"];
const EIDOLON_TITLE = "log2 of 'reach' parameter";
const reach = (coherence: string) => ["1", "2", "4", "8", "16", "32", "64", "128"].map((r) => `${r}-${coherence}-10`);

function parametric(name: string, conditions: string[], conditionLabels: string[], xTitle: string, excluded: string[]): BenchmarkDataset {
  return { name, conditions, conditionLabels, xTitle, excluded, layout: "sessions" };
}

function single(name: string, layout: StimulusLayout): BenchmarkDataset {
  return { name, conditions: [], conditionLabels: [], xTitle: "", excluded: [], layout };
}

/** The 17 datasets, in model-vs-human's default order (edge, silhouette, cue-conflict, the 12 noise datasets, sketch, stylized). */
export const BENCHMARK_DATASETS: readonly BenchmarkDataset[] = [
  single("edge", "categories"),
  single("silhouette", "categories"),
  single("cue-conflict", "categories"),
  parametric("colour", ["cr", "bw"], ["colour", "greyscale"], "Colour", ["cr"]),
  parametric(
    "contrast",
    ["c100", "c50", "c30", "c15", "c10", "c05", "c03", "c01"],
    ["100", "50", "30", "15", "10", "5", "3", "1"],
    "Contrast in percent",
    ["c100", "c03", "c01"],
  ),
  parametric(
    "high-pass",
    ["inf", "3.0", "1.5", "1.0", "0.7", "0.55", "0.45", "0.4"],
    ["inf", "3.0", "1.5", "1.0", ".7", ".55", ".45", ".4"],
    "Filter standard deviation",
    ["inf", "0.55", "0.45", "0.4"],
  ),
  parametric(
    "low-pass",
    ["0", "1", "3", "5", "7", "10", "15", "40"],
    ["0", "1", "3", "5", "7", "10", "15", "40"],
    "Filter standard deviation",
    ["0", "15", "40"],
  ),
  parametric(
    "phase-scrambling",
    ["0", "30", "60", "90", "120", "150", "180"],
    ["0", "30", "60", "90", "120", "150", "180"],
    "Phase noise width [°]",
    ["0", "150", "180"],
  ),
  parametric("power-equalisation", ["0", "pow"], ["original", "equalised"], "Power spectrum", ["0"]),
  parametric("false-colour", ["True", "False"], ["true", "opponent"], "Colour", ["True"]),
  parametric("rotation", ["0", "90", "180", "270"], ["0", "90", "180", "270"], "Rotation angle [°]", ["0"]),
  parametric("eidolonI", reach("10"), EIDOLON_LABELS, EIDOLON_TITLE, ["1-10-10", "64-10-10", "128-10-10"]),
  parametric("eidolonII", reach("3"), EIDOLON_LABELS, EIDOLON_TITLE, ["1-3-10", "32-3-10", "64-3-10", "128-3-10"]),
  parametric("eidolonIII", reach("0"), EIDOLON_LABELS, EIDOLON_TITLE, ["1-0-10", "16-0-10", "32-0-10", "64-0-10", "128-0-10"]),
  parametric(
    "uniform-noise",
    ["0.0", "0.03", "0.05", "0.1", "0.2", "0.35", "0.6", "0.9"],
    ["0.0", ".03", ".05", ".1", ".2", ".35", ".6", ".9"],
    "Uniform noise width",
    ["0.0", "0.6", "0.9"],
  ),
  single("sketch", "sessions"),
  single("stylized", "sessions"),
];

/** The dataset names, in the benchmark's order. */
export const BENCHMARK_DATASET_NAMES: readonly string[] = BENCHMARK_DATASETS.map((d) => d.name);

const BY_NAME = new Map(BENCHMARK_DATASETS.map((d) => [d.name, d]));

/** The dataset of this name, or undefined. */
export function benchmarkDataset(name: string): BenchmarkDataset | undefined {
  return BY_NAME.get(name);
}

/** model-vs-human's rule for who is a person: the observer's name starts with "subject-". */
export function isHumanObserver(name: string): boolean {
  return name.startsWith("subject-");
}
