// User errors (src/core/errors.ts): the location prefix of an input error's message, and the
// errors' names and fields.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError, UsageError, formatLocation } from "../../src/core/errors.ts";

describe("formatLocation", () => {
  test('file, line and column in the order file:line: column "x": ', () => {
    assert.equal(formatLocation({ file: "trials.csv", line: 12, column: "subj" }), 'trials.csv:12: column "subj": ');
    assert.equal(formatLocation({ file: "trials.csv", line: 12 }), "trials.csv:12: ");
    assert.equal(formatLocation({ file: "<upload>" }), "<upload>: ");
    assert.equal(formatLocation({ file: "trials.csv", column: "subj" }), 'trials.csv: column "subj": ');
  });

  test("a line without a file is written as `line N`; nothing known gives no prefix", () => {
    assert.equal(formatLocation({ line: 3 }), "line 3: ");
    assert.equal(formatLocation({ line: 3, column: "rt" }), 'line 3: column "rt": ');
    assert.equal(formatLocation({ column: "rt" }), 'column "rt": ');
    assert.equal(formatLocation({}), "");
    // Line 0 and an empty file name are still given, not dropped as falsy.
    assert.equal(formatLocation({ file: "a.csv", line: 0 }), "a.csv:0: ");
    assert.equal(formatLocation({ file: "", line: 4 }), "line 4: ");
  });
});

describe("InputError and UsageError", () => {
  test("an InputError's message starts with its location, which it keeps", () => {
    const error = new InputError("empty value; expected a non-empty text", { file: "t.csv", line: 5, column: "category" });
    assert.ok(error instanceof Error);
    assert.equal(error.name, "InputError");
    assert.equal(error.message, 't.csv:5: column "category": empty value; expected a non-empty text');
    assert.deepEqual(error.location, { file: "t.csv", line: 5, column: "category" });
    const bare = new InputError("no trials");
    assert.equal(bare.message, "no trials");
    assert.deepEqual(bare.location, {});
  });

  test("a UsageError keeps its message as given", () => {
    const error = new UsageError("--seed: expected an integer");
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof InputError));
    assert.equal(error.name, "UsageError");
    assert.equal(error.message, "--seed: expected an integer");
  });
});
