import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../src/core/errors.ts";
import { geirhosTrials, longFormatTrials } from "../src/core/trials.ts";
import { parseCsv } from "../src/io/csv.ts";

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
