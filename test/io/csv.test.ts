import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { geirhosTrials, longFormatTrials } from "../../src/core/trials.ts";
import { parseCsv } from "../../src/io/csv.ts";

const HEADER = "subj,session,trial,rt,object_response,category,condition,imagename";

/** The InputError that parsing `text` as CSV (and reading it in the schema) raises. */
function csvError(text: string): InputError {
  try {
    geirhosTrials([parseCsv(text, "t.csv")], "t");
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    assert.equal(error.location.file, "t.csv");
    return error;
  }
  assert.fail("no error raised");
}

describe("a second header line (files joined with cat)", () => {
  const first = `${HEADER}\nsubject-01,1,1,NaN,cat,cat,0,a1-b2.png\nsubject-01,1,2,NaN,dog,cat,0,a2-b2.png\n`;
  const second = `${HEADER}\nalexnet,1,1,NaN,cat,cat,0,a1-b2.png\n`;

  test("is an error naming its line, not an observer called subj", () => {
    const error = csvError(first + second);
    assert.equal(error.location.line, 4);
    assert.match(error.message, /^t\.csv:4: a second header line; files concatenated\?/);
  });

  test("also with a byte-order mark, other letter case, spaces, CRLF or CR line ends", () => {
    const variants = [
      first + `\uFEFF${second}`,
      first + second.replace("subj,session", "Subj,Session"),
      first + second.replace(/,/g, ", "),
      (first + second).replace(/\n/g, "\r\n"),
      (first + second).replace(/\n/g, "\r"),
    ];
    for (const text of variants) assert.equal(csvError(text).location.line, 4, JSON.stringify(text.slice(0, 120)));
  });

  test("also in the long format, and with the columns in another order", () => {
    const long = "who,stim,hit\nm1,a,1\nm1,b,0\nstim,who,hit\nm2,a,1\n";
    assert.throws(
      () => longFormatTrials([parseCsv(long, "l.csv")], "l", { observer: "who", stimulus: "stim", correct: "hit" }),
      (error: InputError) => error.location.file === "l.csv" && error.location.line === 4 && /second header line/.test(error.message),
    );
  });

  test("a row that merely shares some values with the header is data", () => {
    const table = parseCsv("who,stim,hit\nwho,stim,1\n", "w.csv");
    assert.deepEqual(table.rows, [["who", "stim", "1"]]);
  });
});

describe("white space around CSV fields is ignored, in names and values alike", () => {
  const model = `${HEADER}\nalexnet,1,1,NaN,cat,cat,0,cat1-dog2.png\nalexnet,1,2,NaN,cat,dog,0,dog1-cat2.png\nalexnet,1,3,NaN,bird,bird,0,bird1-cat2.png\n`;
  const spaced =
    "subj, session, trial, rt, object_response, category, condition, imagename\n" +
    "subject-01, 1, 1, 0.5, cat, cat, 0, 0001_cc_s01_0_cat_00_cat1-dog2.png\n" +
    "subject-01 ,1,2,0.5,\tdog , dog,0, 0002_cc_s01_0_dog_00_dog1-cat2.png \n" +
    "subject-01, 1, 3, 0.5, cat, bird, 0, 0003_cc_s01_0_bird_00_bird1-cat2.png\n";

  test("model-vs-human schema: the human's trials match the model's and count as answered", () => {
    const table = geirhosTrials([parseCsv(model, "m.csv"), parseCsv(spaced, "h.csv")], "d");
    assert.deepEqual([...new Set(table.observer)].sort(), ["alexnet", "subject-01"]);
    assert.deepEqual([...table.correct.slice(3)], [1, 1, 0], '" cat" equals "cat"');
    const { pairs, skipped } = computePairs(table);
    assert.deepEqual(skipped, []);
    assert.equal(pairs.length, 1);
    // alexnet: right, wrong, right; subject-01: right, right, wrong -> c_obs 1/3, c_exp 5/9, kappa -1/2.
    assert.equal(pairs[0].n_trials, 3);
    assert.ok(Math.abs(pairs[0].kappa! + 0.5) < 1e-15, String(pairs[0].kappa));
  });

  test("the long format: observer, stimulus, truth, response and 0/1 values", () => {
    const columns = { observer: "who", stimulus: "stim" };
    const byTruth = longFormatTrials([parseCsv("who ,stim, truth,response\n m1, a.png ,cat, cat\nm1,b.png, dog ,cat \n", "l.csv")], "l", {
      ...columns,
      truth: "truth",
      response: "response",
    });
    assert.deepEqual(
      [byTruth.observer, byTruth.stimulus, [...byTruth.correct]],
      [
        ["m1", "m1"],
        ["a.png", "b.png"],
        [1, 0],
      ],
    );
    const byCorrect = longFormatTrials([parseCsv("who, stim, hit\nm1, a.png, 1\nm1, b.png,\t0\n", "c.csv")], "c", {
      ...columns,
      correct: "hit",
    });
    assert.deepEqual([...byCorrect.correct], [1, 0]);
  });

  test("a value of only white space is still an empty field, in both formats", () => {
    const schema = csvError(`${HEADER}\nsubject-01,1,1,NaN,cat,cat,0,a1-b2.png\nsubject-01,1,2,NaN,  ,cat,0,a2-b2.png\n`);
    assert.equal(schema.location.line, 3);
    assert.equal(schema.location.column, "object_response");
    assert.match(schema.message, /empty value/);
    assert.throws(
      () =>
        longFormatTrials([parseCsv("who,stim,hit\nm1,a,1\n\t,b,0\n", "w.csv")], "w", { observer: "who", stimulus: "stim", correct: "hit" }),
      (error: InputError) => error.location.line === 3 && error.location.column === "who" && /empty value/.test(error.message),
    );
  });

  test("a quoted field after white space is an error, not a value with quotes in it", () => {
    const error = csvError(`${HEADER}\nsubject-01,1,1,NaN, "cat",cat,0,a1-b2.png\n`);
    assert.equal(error.location.line, 2);
    assert.equal(error.location.column, "object_response");
    assert.match(error.message, /white space before a quoted field/);
    // The quoted text may itself hold a comma: the error comes before the field count is checked.
    assert.equal(csvError(`${HEADER}\nsubject-01,1,1,NaN, "cat, dog",cat,0,a1-b2.png\n`).location.line, 2);
  });

  test("quoted fields are trimmed too: one rule for every field", () => {
    const table = parseCsv('a,b\n" x y ","1"\n', "q.csv");
    assert.deepEqual(table.rows, [["x y", "1"]]);
  });
});
