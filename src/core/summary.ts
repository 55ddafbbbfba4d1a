import { mean, normalHalfWidth95, sampleSd } from "./math/descriptive.ts";
import type { PairRow, PairType } from "./pairs.ts";
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
  return kappaStatistics(values, pairs.length - values.length);
}

/** Mean, sd and 95% half-width of defined kappas (null where undefined), with the count of undefined ones. */
function kappaStatistics(
  values: readonly number[],
  undefinedCount: number,
): Pick<SummaryRow, "n_pairs" | "n_undefined" | "mean" | "sd" | "ci95"> {
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    n_pairs: values.length,
    n_undefined: undefinedCount,
    mean: finite(mean(values)),
    sd: finite(sampleSd(values)),
    ci95: finite(normalHalfWidth95(values)),
  };
}

/** What the summary reads of a pair. */
export type SummaryPair = Pick<PairRow, "dataset" | "condition" | "observer1" | "observer2" | "pair_type" | "kappa" | "c_exp">;

/** The kappas behind one summary row: the defined ones in pair order, how many were null, how many had c_exp = 1. */
interface Kappas {
  values: number[];
  undefinedCount: number;
  cExpOne: number;
}

type RowKey = Pick<SummaryRow, "dataset" | "condition" | "kind" | "name">;

/**
 * The summary of {@link summarizePairs} gathered pair by pair, so that streamed pairs need not
 * be kept: per dataset and condition, each pair type's kappas and each model's kappas with the
 * humans (8 bytes a pair, not the pair). `add` every pair, in order; then `rows()`.
 */
export class PairSummarizer {
  private readonly units = new Map<
    string,
    { dataset: string; condition: string; types: Map<PairType, Kappas>; models: Map<string, Kappas> }
  >();

  constructor(
    private readonly isHuman: (observer: string) => boolean,
    private readonly models?: ReadonlySet<string>,
  ) {}

  private included(observer: string): boolean {
    return this.isHuman(observer) || !this.models || this.models.has(observer);
  }

  add(pair: SummaryPair): void {
    if (!this.included(pair.observer1) || !this.included(pair.observer2)) return;
    const key = unitKey(pair.dataset, pair.condition);
    let unit = this.units.get(key);
    if (!unit) this.units.set(key, (unit = { dataset: pair.dataset, condition: pair.condition, types: new Map(), models: new Map() }));
    const push = (map: Map<string, Kappas>, name: string) => {
      let kappas = map.get(name);
      if (!kappas) map.set(name, (kappas = { values: [], undefinedCount: 0, cExpOne: 0 }));
      if (pair.c_exp === 1) kappas.cExpOne++;
      if (pair.kappa === null) kappas.undefinedCount++;
      else kappas.values.push(pair.kappa);
    };
    push(unit.types, pair.pair_type);
    if (pair.pair_type === "model-human") push(unit.models, this.isHuman(pair.observer1) ? pair.observer2 : pair.observer1);
  }

  /**
   * Pairs behind a row whose kappa is undefined (c_exp = 1), also where --undefined-kappa one
   * set it to 1 (then n_undefined does not count them).
   */
  undefinedKappa(row: RowKey): number {
    const unit = this.units.get(unitKey(row.dataset, row.condition));
    const kappas = row.kind === "group" ? unit?.types.get(row.name as PairType) : unit?.models.get(row.name);
    return kappas?.cExpOne ?? 0;
  }

  /** Per unit (in order of first pair): the pair types present, then the models by name. */
  rows(): SummaryRow[] {
    const rows: SummaryRow[] = [];
    for (const { dataset, condition, types, models } of this.units.values()) {
      for (const type of PAIR_TYPES) {
        const kappas = types.get(type);
        if (kappas) rows.push({ dataset, condition, kind: "group", name: type, ...kappaStatistics(kappas.values, kappas.undefinedCount) });
      }
      for (const model of [...models.keys()].sort(compareText)) {
        const kappas = models.get(model)!;
        rows.push({ dataset, condition, kind: "model", name: model, ...kappaStatistics(kappas.values, kappas.undefinedCount) });
      }
    }
    return rows;
  }
}

function unitKey(dataset: string, condition: string): string {
  return `${dataset}\u0000${condition}`;
}

/**
 * Group summaries (per dataset and condition, per pair type) and each model's mean kappa with
 * the humans. `models`, when given, restricts which models take part (humans always do).
 *
 * @example
 * const pair = (model, counts) => ({ dataset: "d", condition: "all", observer1: model,
 *   observer2: "subject-01", pair_type: "model-human", ...pairMetrics(counts) });
 * const pairs = [pair("alexnet", { trials: 10, correct1: 7, correct2: 6, bothCorrect: 5 }),
 *   pair("vgg", { trials: 10, correct1: 8, correct2: 6, bothCorrect: 6 })];
 * summarizePairs(pairs, (observer) => observer.startsWith("subject"))[0].mean // => 0.4466...
 */
export function summarizePairs(
  pairs: readonly PairRow[],
  isHuman: (observer: string) => boolean,
  models?: ReadonlySet<string>,
): SummaryRow[] {
  const summarizer = new PairSummarizer(isHuman, models);
  for (const pair of pairs) summarizer.add(pair);
  return summarizer.rows();
}
