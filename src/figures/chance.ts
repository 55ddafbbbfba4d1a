/**
 * Figures about chance agreement: c_exp over the two accuracies (the paper's CexpDensity), and
 * the chance band with what bounds it (the paper's DiagnosticPlotSimulateCobsKappa). No Node
 * APIs; data inline.
 */
import type { TopLevelSpec } from "vega-lite";
import { expectedConsistency } from "../core/metrics.ts";
import { Z_975 } from "../core/math/normal.ts";
import { type ChanceBand, SCHEMA } from "./consistency.ts";
import { FIGURE_CONFIG } from "./style.ts";

/** One cell of the c_exp map: accuracies at the cell's centre. */
export interface CExpCell {
  p1: number;
  p2: number;
  p1_end: number;
  p2_end: number;
  c_exp: number;
}

/** The c_exp map on a `steps` x `steps` grid of cells over [0, 1]^2 (value at each cell's centre). */
export function cExpCells(steps: number): CExpCell[] {
  const cells: CExpCell[] = [];
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      const p1 = (i + 0.5) / steps;
      const p2 = (j + 0.5) / steps;
      cells.push({ p1: i / steps, p2: j / steps, p1_end: (i + 1) / steps, p2_end: (j + 1) / steps, c_exp: expectedConsistency(p1, p2) });
    }
  }
  return cells;
}

/**
 * Points of the contour c_exp = level: p2 = (level − 1 + p1)/(2 p1 − 1), one branch on each
 * side of p1 = 1/2 (for level 1/2 the two lines p1 = 1/2 and p2 = 1/2).
 */
export function cExpContour(level: number, samples = 200): { p1: number; p2: number; branch: number }[] {
  if (level === 0.5) {
    return [
      { p1: 0.5, p2: 0, branch: 0 },
      { p1: 0.5, p2: 1, branch: 0 },
      { p1: 0, p2: 0.5, branch: 1 },
      { p1: 1, p2: 0.5, branch: 1 },
    ];
  }
  const points: { p1: number; p2: number; branch: number }[] = [];
  for (let k = 0; k <= samples; k++) {
    const p1 = k / samples;
    if (p1 === 0.5) continue;
    const p2 = (level - 1 + p1) / (2 * p1 - 1);
    if (p2 >= 0 && p2 <= 1) points.push({ p1, p2, branch: p1 < 0.5 ? 0 : 1 });
  }
  return points;
}

/** c_exp = p1 p2 + (1 − p1)(1 − p2) over both accuracies, with contours at 0.3, 0.5 and 0.7. */
export function cExpDensitySpec(steps = 50): TopLevelSpec {
  const levels = [0.3, 0.5, 0.7];
  const contours = levels.flatMap((level) => cExpContour(level).map((p) => ({ ...p, level, line: `${level}-${p.branch}` })));
  // A label per contour branch, at the branch's middle point.
  const labels = [...new Set(contours.map((c) => c.line))].map((line) => {
    const branch = contours.filter((c) => c.line === line);
    const middle = branch[Math.floor(branch.length / 2)];
    return { ...middle, text: middle.level.toFixed(1) };
  });
  const x = { type: "quantitative" as const, title: "Accuracy of observer i, p_i", scale: { domain: [0, 1], nice: false } };
  const y = { type: "quantitative" as const, title: "Accuracy of observer j, p_j", scale: { domain: [0, 1], nice: false } };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: "Error overlap expected by chance, c_exp",
    width: 340,
    height: 340,
    layer: [
      {
        data: { values: cExpCells(steps) },
        mark: { type: "rect" },
        encoding: {
          x: { field: "p1", ...x },
          x2: { field: "p1_end" },
          y: { field: "p2", ...y },
          y2: { field: "p2_end" },
          color: {
            field: "c_exp",
            type: "quantitative",
            title: "c_exp",
            scale: { scheme: "viridis", domain: [0, 1] },
            legend: { gradientLength: 300, values: [0, 0.25, 0.5, 0.75, 1] },
          },
          tooltip: [{ field: "c_exp", format: ".3f" }],
        },
      },
      {
        data: { values: contours },
        mark: { type: "line", color: "white", strokeWidth: 1.5 },
        encoding: { x: { field: "p1", ...x }, y: { field: "p2", ...y }, detail: { field: "line" }, order: { field: "p1" } },
      },
      {
        data: { values: labels },
        mark: { type: "text", color: "white", fontSize: 12, fontWeight: "bold", dx: 12, dy: -8 },
        encoding: { x: { field: "p1", ...x }, y: { field: "p2", ...y }, text: { field: "text" } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * The range of c_obs any two observers with expected overlap c can reach, whatever their
 * accuracies: c_obs ∈ [|p1 + p2 − 1|, 1 − |p1 − p2|] for given accuracies, and over all
 * accuracies with p1 p2 + (1 − p1)(1 − p2) = c: [0, 1 − √(1 − 2c)] for c < 1/2 and
 * [√(2c − 1), 1] for c ≥ 1/2.
 */
export function cObsLimits(cExp: number): { low: number; high: number } {
  return cExp < 0.5 ? { low: 0, high: 1 - Math.sqrt(1 - 2 * cExp) } : { low: Math.sqrt(2 * cExp - 1), high: 1 };
}

/** The half-width of the normal approximation of c_obs for independent observers: 1.96 √(c (1 − c) / N). */
export function binomialHalfWidth(cExp: number, trials: number): number {
  return Z_975 * Math.sqrt((cExp * (1 - cExp)) / trials);
}

export interface DiagnosticCurve {
  c_exp: number;
  value: number;
  curve: string;
  /** "low" or "high": which edge of the curve's region. */
  edge: string;
  measure: "c_obs" | "kappa";
}

export const DIAGNOSTIC_CURVES = {
  limits: "possible for any accuracies",
  approximation: "normal approximation c_exp ± 1.96√(c_exp(1−c_exp)/N)",
  trialwise: "chance band, trialwise (2.5%–97.5%)",
  authors: "chance band, authors' file",
} as const;

/** The curves of the diagnostic figure for N trials: limits, normal approximation, and the bands. */
export function diagnosticCurves(trials: number, band: readonly ChanceBand[], authors: readonly ChanceBand[] | null): DiagnosticCurve[] {
  const curves: DiagnosticCurve[] = [];
  const kappaOf = (value: number, c: number) => (value - c) / (1 - c);
  for (let k = 0; k <= 400; k++) {
    const c = k / 400;
    const limits = cObsLimits(c);
    const half = binomialHalfWidth(c, trials);
    for (const [edge, value] of [
      ["low", limits.low],
      ["high", limits.high],
    ] as const) {
      curves.push({ c_exp: c, value, curve: DIAGNOSTIC_CURVES.limits, edge, measure: "c_obs" });
      if (c < 1) curves.push({ c_exp: c, value: kappaOf(value, c), curve: DIAGNOSTIC_CURVES.limits, edge, measure: "kappa" });
    }
    for (const [edge, value] of [
      ["low", c - half],
      ["high", c + half],
    ] as const) {
      curves.push({ c_exp: c, value, curve: DIAGNOSTIC_CURVES.approximation, edge, measure: "c_obs" });
      if (c < 1) curves.push({ c_exp: c, value: kappaOf(value, c), curve: DIAGNOSTIC_CURVES.approximation, edge, measure: "kappa" });
    }
  }
  const addBand = (rows: readonly ChanceBand[], curve: string) => {
    for (const row of rows) {
      for (const edge of ["low", "high"] as const) {
        const cObs = row[`c_obs_${edge}`];
        const kappa = row[`kappa_${edge}`];
        if (cObs !== null) curves.push({ c_exp: row.c_exp_mean, value: cObs, curve, edge, measure: "c_obs" });
        if (kappa !== null) curves.push({ c_exp: row.c_exp_mean, value: kappa, curve, edge, measure: "kappa" });
      }
    }
  };
  addBand(band, DIAGNOSTIC_CURVES.trialwise);
  if (authors) addBand(authors, DIAGNOSTIC_CURVES.authors);
  return curves;
}

/** Two panels (c_obs and κ against c_exp) with the curves of {@link diagnosticCurves}. */
export function chanceDiagnosticSpec(o: { title: string; curves: readonly DiagnosticCurve[] }): TopLevelSpec {
  const names = Object.values(DIAGNOSTIC_CURVES).filter((name) => o.curves.some((c) => c.curve === name));
  const palette: Record<string, [string, number[]]> = {
    [DIAGNOSTIC_CURVES.limits]: ["#08519c", []],
    [DIAGNOSTIC_CURVES.approximation]: ["#d49a00", [7, 5]],
    [DIAGNOSTIC_CURVES.trialwise]: ["#222222", []],
    [DIAGNOSTIC_CURVES.authors]: ["#e377c2", [2, 2]],
  };
  const colour = { domain: names, range: names.map((n) => palette[n][0]) };
  const dash = { domain: names, range: names.map((n) => palette[n][1]) };
  const x = { field: "c_exp", type: "quantitative" as const, title: "Error overlap expected by chance, c_exp", scale: { domain: [0, 1] } };
  const panel = (measure: "c_obs" | "kappa", legend: object | null) => ({
    width: 330,
    height: 300,
    data: { values: o.curves.filter((c) => c.measure === measure) },
    mark: { type: "line", strokeWidth: 1.8, clip: true },
    encoding: {
      x,
      y: {
        field: "value",
        type: "quantitative",
        title: measure === "c_obs" ? "Observed error overlap, c_obs" : "Error consistency κ",
        scale: { domain: measure === "c_obs" ? [0, 1] : [-1, 1] },
      },
      color: { field: "curve", type: "nominal", scale: colour, legend },
      strokeDash: { field: "curve", type: "nominal", scale: dash, legend },
      detail: { field: "edge" },
      order: { field: "c_exp" },
    },
  });
  const legend = { orient: "bottom", direction: "vertical", title: null, labelFontSize: 12, labelLimit: 600 };
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: o.title,
    hconcat: [panel("c_obs", legend), panel("kappa", legend)],
    resolve: { legend: { color: "shared", strokeDash: "shared" } },
  } as TopLevelSpec;
}
