// Fixtures of the tests that build small trial tables from listed trials (pairs, observers).
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";

export interface Trial {
  observer: string;
  stimulus: string;
  correct: boolean;
  condition?: string;
  missing?: boolean;
}

/** A trial table of the dataset "test" (condition "c" unless given) from listed trials. */
export function tableOf(trials: Trial[]): TrialTable {
  const builder = new TrialTableBuilder("test");
  trials.forEach((t, i) =>
    builder.add({
      observer: t.observer,
      condition: t.condition ?? "c",
      stimulus: t.stimulus,
      truth: "x",
      response: t.missing ? "na" : t.correct ? "x" : "y",
      correct: t.correct,
      missing: t.missing ?? false,
      file: "test.csv",
      line: i + 2,
    }),
  );
  return builder.build();
}
