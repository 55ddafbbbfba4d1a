// Names that become part of file names (src/core/file-names.ts): what checkName accepts, and the
// usage or input error it gives otherwise.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError, UsageError } from "../../src/core/errors.ts";
import { NAME_MAX_LENGTH, NAME_RULE, checkName } from "../../src/core/file-names.ts";

describe("checkName", () => {
  test("accepts letters, digits and . _ - + not starting with a dot, up to 100 characters", () => {
    for (const name of ["resnet50", "vgg11-bn", "cue_conflict", "a.b", "x+y", "-lead", "_", "1", "a..b", "A".repeat(100)]) {
      assert.doesNotThrow(() => checkName(name, { flag: "--name" }), name);
    }
    assert.equal(NAME_MAX_LENGTH, 100);
  });

  test("refuses separators, dot names, hidden names, the empty name, spaces and 101 characters", () => {
    for (const name of ["a/b", "a\\b", "..", ".", ".hidden", "", "a b", "é", "a:b", "A".repeat(101)]) {
      assert.throws(() => checkName(name, { flag: "--name" }), UsageError, JSON.stringify(name));
    }
  });

  test("from a flag: a usage error naming the flag; from a file: an input error naming the file and the flag", () => {
    assert.throws(
      () => checkName("a/b", { flag: "--dataset" }),
      (e: Error) => e instanceof UsageError && e.message === `--dataset: "a/b" cannot be part of a file name; expected ${NAME_RULE}`,
    );
    assert.throws(
      () => checkName("..", { file: "card.json", what: 'model card "name"', flag: "--model-name" }),
      (e: Error) =>
        e instanceof InputError &&
        e.message === `card.json: model card "name": ".." cannot be part of a file name; expected ${NAME_RULE}; give --model-name` &&
        e.location.file === "card.json",
    );
    assert.throws(
      () => checkName("", { file: "card.json", what: 'model card "name"' }),
      (e: Error) =>
        e instanceof InputError && e.message === `card.json: model card "name": "" cannot be part of a file name; expected ${NAME_RULE}`,
    );
  });
});
