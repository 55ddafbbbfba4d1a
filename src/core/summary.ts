import type { PairRow, PairType } from "./pairs.ts";
import { mean, normalHalfWidth95, sampleSd } from "./statistics.ts";
import { compareText } from "./trials.ts";

/**
 * One row of `trialwise summary`: a mean of pair kappas with its normal 95% half-width.
 * kind "group": all pairs of one type (`name` = human-human, model-model or model-human).
 * kind "model": one model's pairs with every human (`name` = the model).
 */
export interface SummaryRow {
  dataset: string;
  condition: string;
  kind: "group" | "model";
  name: string;
  /** Pairs with a defined kappa, averaged. */
  n_pairs: number;
  /** Pairs left out because their kappa is undefined (c_exp = 1). */
  n_undefined: number;
  mean: number | null;
  sd: number | null;
  /** Half-width H = 1.959964 * sd / sqrt(n_pairs); the interval is mean ± H. */
  ci95: number | null;
}

export const SUMMARY_COLUMNS = [
  "dataset",
  "condition",
  "kind",
  "name",
  "n_pairs",
  "n_undefined",
  "mean",
  "sd",
  "ci95",
] as const satisfies readonly (keyof SummaryRow)[];

export const PAIR_TYPES: readonly PairType[] = ["human-human", "model-model", "model-human"];

/** Mean, sd and 95% half-width of the defined kappas among `pairs` (null where undefined). */
export function summarizeKappas(pairs: readonly PairRow[]): Pick<SummaryRow, "n_pairs" | "n_undefined" | "mean" | "sd" | "ci95"> {
  const values = pairs.flatMap((p) => (p.kappa === null ? [] : [p.kappa]));
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    n_pairs: values.length,
    n_undefined: pairs.length - values.length,
    mean: finite(mean(values)),
    sd: finite(sampleSd(values)),
    ci95: finite(normalHalfWidth95(values)),
  };
}

/** The model of a model-human pair. */
function modelOf(pair: PairRow, isHuman: (observer: string) => boolean): string {
  return isHuman(pair.observer1) ? pair.observer2 : pair.observer1;
}

/** The pairs behind one summary row. */
export interface SummaryGroup {
  dataset: string;
  condition: string;
  kind: SummaryRow["kind"];
  name: string;
  pairs: PairRow[];
}

/**
 * The pairs behind each row of {@link summarizePairs}, in its order: per dataset and condition,
 * all pairs of each type, then each model's pairs with the humans. `models`, when given,
 * restricts which models take part (humans always do).
 */
export function summaryGroups(
  pairs: readonly PairRow[],
  isHuman: (observer: string) => boolean,
  models?: ReadonlySet<string>,
): SummaryGroup[] {
  const included = (observer: string) => isHuman(observer) || !models || models.has(observer);
  const units = new Map<string, PairRow[]>();
  for (const pair of pairs) {
    if (!included(pair.observer1) || !included(pair.observer2)) continue;
    const key = `${pair.dataset}\u0000${pair.condition}`;
    const list = units.get(key);
    if (list) list.push(pair);
    else units.set(key, [pair]);
  }
  const groups: SummaryGroup[] = [];
  for (const unitPairs of units.values()) {
    const { dataset, condition } = unitPairs[0];
    for (const type of PAIR_TYPES) {
      const ofType = unitPairs.filter((p) => p.pair_type === type);
      if (ofType.length === 0) continue;
      groups.push({ dataset, condition, kind: "group", name: type, pairs: ofType });
    }
    const byModel = new Map<string, PairRow[]>();
    for (const pair of unitPairs) {
      if (pair.pair_type !== "model-human") continue;
      const model = modelOf(pair, isHuman);
      const list = byModel.get(model);
      if (list) list.push(pair);
      else byModel.set(model, [pair]);
    }
    for (const model of [...byModel.keys()].sort(compareText)) {
      groups.push({ dataset, condition, kind: "model", name: model, pairs: byModel.get(model)! });
    }
  }
  return groups;
}

/**
 * Group summaries (per dataset and condition, per pair type) and each model's mean kappa with
 * the humans. `models`, when given, restricts which models take part (humans always do).
 */
export function summarizePairs(
  pairs: readonly PairRow[],
  isHuman: (observer: string) => boolean,
  models?: ReadonlySet<string>,
): SummaryRow[] {
  return summaryGroups(pairs, isHuman, models).map(({ pairs: groupPairs, ...row }) => ({ ...row, ...summarizeKappas(groupPairs) }));
}
