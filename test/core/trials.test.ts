// Trial tables (src/core/trials.ts): the builder (human observers by name, one trial per
// observer, condition and stimulus), the model-vs-human schema and the long format from parsed
// rows, and their errors, which name the file, line and column.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import {
  NO_CONDITION,
  type RawTable,
  TrialTableBuilder,
  compareText,
  conditionNames,
  geirhosTrials,
  longFormatTrials,
  observerNames,
  trialAt,
} from "../../src/core/trials.ts";

/** A parsed file whose rows start on line 2. */
const raw = (file: string, columns: string[], rows: string[][]): RawTable => ({
  file,
  columns,
  rows,
  lines: rows.map((_, i) => i + 2),
});

/** Asserts that `run` throws an InputError with exactly this message. */
function throwsInput(run: () => unknown, message: string) {
  assert.throws(run, (e: Error) => e instanceof InputError && e.message === message, message);
}

const trial = (observer: string, condition: string, stimulus: string, line: number) => ({
  observer,
  condition,
  stimulus,
  truth: "cat",
  response: "cat",
  correct: true,
  missing: false,
  file: "t.csv",
  line,
});

describe("TrialTableBuilder", () => {
  test("a stimulus once per observer and condition: a second time is an error naming both lines", () => {
    const builder = new TrialTableBuilder("d");
    builder.add(trial("m", "0", "s1", 2));
    builder.add(trial("m", "1", "s1", 3)); // another condition: allowed
    builder.add(trial("n", "0", "s1", 4)); // another observer: allowed
    throwsInput(
      () => builder.add(trial("m", "0", "s1", 5)),
      't.csv:5: observer "m" saw stimulus "s1" twice in condition "0" (first at t.csv:2); expected each stimulus once per observer and condition',
    );
    const table = builder.build();
    assert.equal(table.length, 3);
    assert.deepEqual([...table.line], [2, 3, 4]);
  });

  test("humans are the observers whose name matches the pattern (default: contains subject)", () => {
    const add = (builder: TrialTableBuilder) => {
      for (const [i, name] of ["subject-01", "alexnet", "person-2", "subject-03"].entries()) builder.add(trial(name, "0", "s", i + 2));
      return builder.build();
    };
    assert.deepEqual([...add(new TrialTableBuilder("d")).humans].sort(), ["subject-01", "subject-03"]);
    // A global pattern keeps its lastIndex between test() calls; the builder resets it.
    assert.deepEqual([...add(new TrialTableBuilder("d", /^(subject|person)/g)).humans].sort(), ["person-2", "subject-01", "subject-03"]);
  });

  test("observer and condition names in code-unit order, the same in every locale", () => {
    const builder = new TrialTableBuilder("d");
    ["b", "B", "a", "b"].forEach((name, i) => builder.add(trial(name, ["10", "9", "10", "9"][i], `s${i}`, i + 2)));
    const table = builder.build();
    assert.deepEqual(observerNames(table), ["B", "a", "b"]);
    assert.deepEqual(conditionNames(table), ["10", "9"]);
    assert.deepEqual([compareText("a", "b"), compareText("b", "a"), compareText("a", "a"), compareText("Z", "a")], [-1, 1, 0, -1]);
  });

  test("trialAt gives back each trial as it was added (missing answers, wrong ones, null truth)", () => {
    const added = [
      trial("m", "0", "s1", 2),
      { ...trial("m", "0", "s2", 3), response: "dog", correct: false },
      { ...trial("subject-1", "0", "s1", 4), response: null, correct: false, missing: true },
      { ...trial("n", "1", "s3", 5), truth: null, file: "u.csv" },
    ];
    const builder = new TrialTableBuilder("d");
    for (const t of added) builder.add(t);
    const table = builder.build();
    assert.deepEqual(
      Array.from({ length: table.length }, (_, t) => trialAt(table, t)),
      added,
    );
  });
});

describe("the model-vs-human schema", () => {
  const COLUMNS = ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"];

  test("correct iff response = category, na is wrong and missing, stimulus by stimulusId", () => {
    const table = geirhosTrials(
      [
        raw("a.csv", COLUMNS, [
          ["subject-01", "1", "1", "0.5", "cat", "cat", "0", "0001_cc_s01_0_cat_00_cat1-dog2.png"],
          ["subject-01", "1", "2", "0.5", "na", "dog", "0", "0002_cc_s01_0_dog_00_dog1-cat2.png"],
          ["subject-01", "1", "3", "0.5", "cat", "oven", "5", "0003_eid_s01_5_oven_10_n04111531_6454.png"],
        ]),
      ],
      "d",
    );
    assert.deepEqual(table.stimulus, ["cat1-dog2.png", "dog1-cat2.png", "n04111531_6454.png"]);
    assert.deepEqual([...table.correct], [1, 0, 0]);
    assert.deepEqual([...table.missing], [0, 1, 0]);
    assert.deepEqual(table.condition, ["0", "0", "5"]);
    assert.deepEqual(table.truth, ["cat", "dog", "oven"]);
    assert.deepEqual([...table.humans], ["subject-01"]);
  });

  test("missing columns and empty values: errors naming the file, line and column", () => {
    throwsInput(
      () => geirhosTrials([raw("b.csv", ["subj", "Category", "condition"], [])], "d"),
      'b.csv:1: missing columns "object_response", "imagename"; the model-vs-human trial schema needs "subj", "condition", "object_response", "category", "imagename" (found "subj", "Category", "condition")',
    );
    throwsInput(
      () => geirhosTrials([raw("c.csv", COLUMNS, [["subject-01", "1", "1", "0.5", "cat", " ", "0", "x.png"]])], "d"),
      'c.csv:2: column "category": empty value; expected a non-empty text',
    );
  });
});

describe("the long format", () => {
  test("a 0/1 (or true/false) column, without conditions: every trial in condition all", () => {
    const table = longFormatTrials(
      [
        raw(
          "l.csv",
          ["who", "stim", "hit"],
          [
            ["m", "a", "1"],
            ["m", "b", " TRUE "],
            ["m", "c", "0"],
            ["m", "d", "false"],
          ],
        ),
      ],
      "l",
      { observer: "who", stimulus: "stim", correct: "hit" },
    );
    assert.deepEqual([...table.correct], [1, 1, 0, 0]);
    assert.deepEqual(table.condition, [NO_CONDITION, NO_CONDITION, NO_CONDITION, NO_CONDITION]);
    assert.equal(NO_CONDITION, "all");
    assert.deepEqual([table.truth[0], table.response[0]], [null, null]);
    throwsInput(
      () =>
        longFormatTrials([raw("l.csv", ["who", "stim", "hit"], [["m", "a", "yes"]])], "l", {
          observer: "who",
          stimulus: "stim",
          correct: "hit",
        }),
      'l.csv:2: column "hit": "yes" is not a correctness value; expected 0 or 1',
    );
  });

  test("truth and response compared exactly; na missing; a condition column", () => {
    const table = longFormatTrials(
      [
        raw(
          "r.csv",
          ["who", "stim", "truth", "response", "level"],
          [
            ["m", "a", "cat", "cat", "low"],
            ["m", "b", "cat", "Cat", "low"],
            ["m", "c", "cat", "na", "high"],
          ],
        ),
      ],
      "r",
      { observer: "who", stimulus: "stim", truth: "truth", response: "response", condition: "level" },
    );
    assert.deepEqual([...table.correct], [1, 0, 0]);
    assert.deepEqual([...table.missing], [0, 0, 1]);
    assert.deepEqual(table.condition, ["low", "low", "high"]);
  });

  test("either a correct column or both truth and response", () => {
    const file = [raw("x.csv", ["who", "stim", "hit", "truth"], [])];
    throwsInput(
      () => longFormatTrials(file, "x", { observer: "who", stimulus: "stim", correct: "hit", truth: "truth" }),
      "the long format needs either a correct column, or both a truth and a response column",
    );
    throwsInput(
      () => longFormatTrials(file, "x", { observer: "who", stimulus: "stim" }),
      "the long format needs either a correct column, or both a truth and a response column",
    );
    throwsInput(
      () => longFormatTrials(file, "x", { observer: "who", stimulus: "stim", truth: "truth" }),
      "the long format needs both a truth and a response column",
    );
  });
});
