import { accuracy } from "./metrics.ts";
import { conditionGroups } from "./pairs.ts";
import { type ObserverKind, type TrialTable, compareText, observerKind } from "./trials.ts";

/** One row of `trialwise observers`. */
export interface ObserverRow {
  dataset: string;
  condition: string;
  observer: string;
  kind: ObserverKind;
  n_trials: number;
  n_correct: number;
  /** Trials without an answer (`na`); they are wrong and count in n_trials. */
  n_na: number;
  accuracy: number;
}

export const OBSERVER_COLUMNS = [
  "dataset",
  "condition",
  "observer",
  "kind",
  "n_trials",
  "n_correct",
  "n_na",
  "accuracy",
] as const satisfies readonly (keyof ObserverRow)[];

/** Trials, correct answers, `na` answers and accuracy = correct / trials of every observer. */
export function observerStats(table: TrialTable, byCondition = false): ObserverRow[] {
  const rows: ObserverRow[] = [];
  for (const [condition, trials] of conditionGroups(table, byCondition)) {
    const tally = new Map<string, { trials: number; correct: number; na: number }>();
    for (const t of trials) {
      const name = table.observer[t];
      let entry = tally.get(name);
      if (!entry) tally.set(name, (entry = { trials: 0, correct: 0, na: 0 }));
      entry.trials++;
      entry.correct += table.correct[t];
      entry.na += table.missing[t];
    }
    for (const name of [...tally.keys()].sort(compareText)) {
      const { trials: n, correct, na } = tally.get(name)!;
      rows.push({
        dataset: table.dataset,
        condition,
        observer: name,
        kind: observerKind(table, name),
        n_trials: n,
        n_correct: correct,
        n_na: na,
        accuracy: accuracy(correct, n),
      });
    }
  }
  return rows;
}
