// Shape bias on cue-conflict trials (src/core/shape-bias.ts), counted by hand on a small table;
// which tables are cue-conflict tables; the errors for other tables.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { POOLED_HUMANS, isCueConflict, shapeBias } from "../../src/core/shape-bias.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";

/** A table from [observer, stimulus, truth, response] rows (line = row index + 2). */
function tableOf(rows: [string, string, string | null, string | null][]): TrialTable {
  const builder = new TrialTableBuilder("cue");
  rows.forEach(([observer, stimulus, truth, response], i) =>
    builder.add({
      observer,
      condition: "0",
      stimulus,
      truth,
      response,
      correct: truth !== null && response === truth,
      missing: false,
      file: "cue.csv",
      line: i + 2,
    }),
  );
  return builder.build();
}

describe("shape bias", () => {
  const table = tableOf([
    ["subject-01", "cat1-dog2.png", "cat", "cat"], // shape
    ["subject-01", "dog1-cat2.png", "dog", "cat"], // texture
    ["subject-01", "car1-cat3.png", "car", "car"], // shape
    ["subject-01", "cat4-cat5.png", "cat", "cat"], // texture = shape: left out
    ["subject-01", "bird1-boat2.png", "bird", "knife"], // neither: drops out
    ["subject-02", "cat1-dog2.png", "cat", "dog"], // texture
    ["resnet", "cat4-cat5.png", "cat", "cat"], // left out: nothing decided
  ]);

  test("shape / (shape + texture) per observer, humans pooled, same-category stimuli left out", () => {
    const rows = shapeBias(table);
    assert.deepEqual(
      rows.map((r) => [r.observer, r.kind, r.n_trials, r.n_excluded, r.n_shape, r.n_texture, r.n_other, r.shape_bias]),
      [
        ["resnet", "model", 1, 1, 0, 0, 0, null],
        ["subject-01", "human", 5, 1, 2, 1, 1, 2 / 3],
        ["subject-02", "human", 1, 0, 0, 1, 0, 0],
        [POOLED_HUMANS, "humans-pooled", 6, 1, 2, 2, 1, 0.5],
      ],
    );
    assert.ok(rows.every((r) => r.dataset === "cue"));
  });

  test("no humans: no pooled row", () => {
    const rows = shapeBias(tableOf([["m", "cat1-dog2.png", "cat", "dog"]]));
    assert.deepEqual(
      rows.map((r) => [r.observer, r.shape_bias]),
      [["m", 0]],
    );
  });

  test("isCueConflict: every stimulus id names a texture, and there is a trial", () => {
    assert.equal(isCueConflict(table), true);
    assert.equal(
      isCueConflict(
        tableOf([
          ["m", "cat1-dog2.png", "cat", "cat"],
          ["m", "n04111531_6454.png", "oven", "oven"],
        ]),
      ),
      false,
    );
    assert.equal(isCueConflict(tableOf([])), false);
  });

  test("a stimulus that is no cue-conflict id, or trials without categories: an input error at the trial", () => {
    assert.throws(
      () =>
        shapeBias(
          tableOf([
            ["m", "cat1-dog2.png", "cat", "cat"],
            ["m", "n04111531_6454.png", "oven", "oven"],
          ]),
        ),
      (e: Error) =>
        e instanceof InputError &&
        e.message === 'cue.csv:3: stimulus "n04111531_6454.png" is not a cue-conflict stimulus; expected ids like "airplane1-bicycle2.png"',
    );
    assert.throws(
      () => shapeBias(tableOf([["m", "cat1-dog2.png", null, null]])),
      (e: Error) => e instanceof InputError && e.message === "cue.csv:2: shape bias needs categories and responses, not only correctness",
    );
  });
});
