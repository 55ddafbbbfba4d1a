/**
 * The order and layout of a dataset's conditions, one rule for the condition menu, the server's
 * condition lists and the per-condition figures. Isomorphic (no DOM or Node APIs).
 *
 * Natural order: a condition is read as runs of numbers ("0.45", "128", a leading "-" as a
 * sign) and of other text; runs are compared in turn, numbers by value and before text, text
 * by code units; equal runs everywhere fall back to code-unit order of the whole names. So
 * c01 < c05 < c10 < c100, 0.4 < 0.45 < 1 < inf, 1-0-10 < 2-0-10 < 128-0-10.
 */

type Run = number | string;

const RUNS = /^-?\d+(?:\.\d+)?|\d+(?:\.\d+)?|[^\d]+/g;

/** A condition cut into number and text runs (a "-" is a sign only at the very start). */
export function conditionRuns(condition: string): Run[] {
  const runs: Run[] = [];
  for (const match of condition.matchAll(RUNS)) {
    const text = match[0];
    runs.push(/\d/.test(text) && !/[^\d.-]/.test(text) ? Number(text) : text);
  }
  return runs;
}

function compareRuns(a: readonly Run[], b: readonly Run[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const x = a[k];
    const y = b[k];
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x < y ? -1 : 1;
    } else if (typeof x === "number") return -1;
    else if (typeof y === "number") return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Natural order of two conditions (see the module comment). */
export function compareConditions(a: string, b: string): number {
  return compareRuns(conditionRuns(a), conditionRuns(b)) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Conditions sorted in natural order (a new array). */
export function sortConditions(conditions: Iterable<string>): string[] {
  return [...conditions].sort(compareConditions);
}

/** Where one condition goes in the per-condition figures: its panel (family) and its label on the x axis. */
export interface ConditionPlace {
  condition: string;
  family: string;
  x: string;
}

/**
 * The per-condition figures' layout: one panel per family, conditions in natural order along a
 * categorical axis. Where every condition has the same two or more numbers separated by the
 * same text (eidolon's reach-coherence-grain, "1-0-10"), the number taking the most values is
 * the x axis and the others name the family ("coherence" panels: "·-0-10", "·-3-10", "·-10-10");
 * otherwise there is one family and x is the condition itself.
 */
export function conditionLayout(conditions: readonly string[]): { families: string[]; places: ConditionPlace[]; xTitle: string } {
  const ordered = sortConditions(conditions);
  const single = () => ({ families: [""], places: ordered.map((c) => ({ condition: c, family: "", x: c })), xTitle: "condition" });
  const runs = ordered.map(conditionRuns);
  const shape = (r: Run[]) => r.map((x) => (typeof x === "number" ? "#" : x)).join("\u0000");
  if (runs.length < 2 || new Set(runs.map(shape)).size !== 1) return single();
  const numeric = runs[0].flatMap((x, k) => (typeof x === "number" ? [k] : []));
  if (numeric.length < 2) return single();
  const distinct = numeric.map((k) => new Set(runs.map((r) => r[k])).size);
  const axis = numeric[distinct.indexOf(Math.max(...distinct))];
  if (distinct.filter((d) => d > 1).length < 2) return single();
  const familyOf = (r: Run[]) => r.map((x, k) => (k === axis ? "·" : String(x))).join("");
  const families = sortConditions(new Set(runs.map(familyOf)));
  return {
    families,
    places: ordered.map((condition, k) => ({ condition, family: familyOf(runs[k]), x: String(runs[k][axis]) })),
    xTitle: "condition",
  };
}
