/**
 * The per-condition curves of the dashboard (run in its worker; isomorphic): each chosen
 * observer's accuracy and the selected pair's kappa in every condition, in the conditions'
 * natural order (../../core/condition-order.ts), each point with its trial count n, kappa with the
 * pair's interval (`pairInterval` with its default method, Jeffreys: 10,000 draws, the seed
 * derived from seed 1 and the pair's names, as every pair's interval is seeded). A
 * condition where an observer (or the pair) has no value gets a point with value null, so the
 * figure leaves a gap there instead of drawing a line across it.
 */
import { PAIR_INTERVAL_DEFAULTS, pairInterval, pairSeed } from "../../core/pair-intervals.ts";
import { type DashboardMismatch, PAIR_STATUS, type Unit, isComputed, pairCountsOf, pairMatrix } from "./compute.ts";
import { compareConditions } from "../../core/condition-order.ts";

/** One point of a per-condition curve; value null: no value in that condition (a gap), with `missing` saying why. */
export interface ConditionValue {
  condition: string;
  series: string;
  value: number | null;
  /** Trials behind the value: the observer's trials in the condition, or the pair's common trials. */
  n: number;
  /** 95% interval (kappa only; null for accuracy and where kappa is undefined). */
  lower: number | null;
  upper: number | null;
  missing: string | null;
}

const gap = (condition: string, series: string, missing: string): ConditionValue => ({
  condition,
  series,
  value: null,
  n: 0,
  lower: null,
  upper: null,
  missing,
});

/**
 * Per condition unit (natural order): the accuracy of each chosen observer present there and,
 * for the selected pair, its kappa with interval on the trials both saw in that condition
 * (through `pairMatrix`, so the mismatch rule applies as in the matrix).
 */
export async function conditionCurves(
  units: readonly Unit[],
  chosen: readonly string[],
  pair: readonly [string, string] | null,
  mismatch: DashboardMismatch,
): Promise<{ accuracy: ConditionValue[]; kappa: ConditionValue[] }> {
  const accuracy: ConditionValue[] = [];
  const kappa: ConditionValue[] = [];
  const pairSeries = pair ? `${pair[0]} – ${pair[1]}` : "";
  for (const unit of [...units].sort((a, b) => compareConditions(a.condition, b.condition))) {
    const wanted = new Set([...chosen, ...(pair ?? [])]);
    const present = unit.observers.flatMap((o, i) => (wanted.has(o) ? [i] : []));
    const matrix = present.length > 0 ? await pairMatrix(unit, present, { mismatch }) : null;
    const at = (name: string) => matrix?.observers.indexOf(name) ?? -1;
    for (const name of chosen) {
      const i = at(name);
      if (i < 0) accuracy.push(gap(unit.condition, name, "no trials in this condition"));
      else
        accuracy.push({
          condition: unit.condition,
          series: name,
          value: matrix!.accuracy[i],
          n: matrix!.trials[i * matrix!.size + i],
          lower: null,
          upper: null,
          missing: null,
        });
    }
    if (!pair) continue;
    const a = at(pair[0]);
    const b = at(pair[1]);
    if (a < 0 || b < 0) {
      kappa.push(gap(unit.condition, pairSeries, `${a < 0 ? pair[0] : pair[1]} has no trials in this condition`));
      continue;
    }
    const m = matrix!;
    if (!isComputed(m, a, b)) {
      const status = m.status[a * m.size + b];
      kappa.push(
        gap(
          unit.condition,
          pairSeries,
          status === PAIR_STATUS.noCommon ? "no common stimuli" : "stimulus sets differ (choose “paired on common stimuli”)",
        ),
      );
      continue;
    }
    const counts = pairCountsOf(m, a, b);
    const [first, second] = pair[0] < pair[1] ? pair : [pair[1], pair[0]];
    const interval = pairInterval(counts, {
      method: PAIR_INTERVAL_DEFAULTS.method,
      seed: pairSeed(PAIR_INTERVAL_DEFAULTS.seed, first, second),
    });
    if (interval.kappa === null) kappa.push({ ...gap(unit.condition, pairSeries, "κ undefined (c_exp = 1)"), n: counts.trials });
    else
      kappa.push({
        condition: unit.condition,
        series: pairSeries,
        value: interval.kappa,
        n: counts.trials,
        lower: interval.lower,
        upper: interval.upper,
        missing: null,
      });
  }
  return { accuracy, kappa };
}
