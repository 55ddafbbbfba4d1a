import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { METRIC_COLUMNS, metricPairs, metricSummaryPair } from "../../src/core/metric-pairs.ts";
import { ProbabilityTableBuilder, probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";

const close = (actual: unknown, expected: number, tolerance = 1e-12) =>
  assert.ok(typeof actual === "number" && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

/** Trials from "truth>response" strings per observer over stimuli s0, s1, ... in condition c. */
function trials(observers: Record<string, string[]>, condition = "c") {
  const builder = new TrialTableBuilder("hand");
  for (const [observer, answers] of Object.entries(observers)) {
    answers.forEach((answer, i) => {
      const [truth, response] = answer.split(">");
      builder.add({
        observer,
        condition,
        stimulus: `s${i}`,
        truth,
        response,
        correct: truth === response,
        missing: response === "na",
        file: "hand.csv",
        line: i + 2,
      });
    });
  }
  return builder.build();
}

describe("metric pairs from trials", () => {
  const table = trials({
    "subject-01": ["cat>cat", "cat>dog", "dog>bird", "bird>cat"],
    resnet: ["cat>cat", "cat>dog", "dog>cat", "bird>dog"],
  });

  test("capa-discrete on answers: the hand computation (f = 1/2 with the three categories)", () => {
    // Same answer on s0, s1: c_obs = 1/2; accuracies 1/4 and 1/4; c_exp = 1/16 + 1/2 * 9/16 = 11/32;
    // kappa_p = (16/32 - 11/32) / (21/32) = 5/21.
    const { rows } = metricPairs(probabilityTableFromTrials(table, false), { metric: "capa-discrete" });
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.deepEqual(Object.keys(row), METRIC_COLUMNS["capa-discrete"]);
    assert.equal(row.observer1, "resnet");
    assert.equal(row.observer2, "subject-01");
    assert.equal(row.pair_type, "model-human");
    assert.equal(row.condition, "all");
    assert.equal(row.n_trials, 4);
    close(row.acc1, 0.25);
    close(row.c_obs_p, 0.5);
    close(row.c_exp_p, 11 / 32);
    close(row.kappa_p, 5 / 21);
  });

  test("metricSummaryPair: the metric's value as the summary's kappa (null where undefined), CAPA's chance as its c_exp", () => {
    const probabilityTable = probabilityTableFromTrials(table, false);
    const [capaRow] = metricPairs(probabilityTable, { metric: "capa-discrete" }).rows;
    assert.deepEqual(metricSummaryPair(capaRow, "capa-discrete"), {
      dataset: capaRow.dataset,
      condition: "all",
      observer1: "resnet",
      observer2: "subject-01",
      pair_type: "model-human",
      kappa: capaRow.kappa_p,
      c_exp: capaRow.c_exp_p,
    });
    const [dmcRow] = metricPairs(probabilityTable, { metric: "dmc" }).rows;
    const summaryPair = metricSummaryPair(dmcRow, "dmc");
    assert.equal(summaryPair.kappa, dmcRow.dmc);
    assert.equal(summaryPair.c_exp, 0);
    assert.equal(metricSummaryPair({ ...dmcRow, dmc: NaN }, "dmc").kappa, null);
  });

  test("response-kappa and dmc columns on the same trials", () => {
    const probabilityTable = probabilityTableFromTrials(table, false);
    const [kappaRow] = metricPairs(probabilityTable, { metric: "response-kappa" }).rows;
    assert.deepEqual(Object.keys(kappaRow), METRIC_COLUMNS["response-kappa"]);
    // Answer shares (bird cat dog): resnet 0 .5 .5, subject .25 .5 .25; p_exp = 0 + .25 + .125 = .375.
    close(kappaRow.p_obs, 0.5);
    close(kappaRow.p_exp, 0.375);
    close(kappaRow.response_kappa, 0.2);
    close(kappaRow.n_both_wrong, 3);
    close(kappaRow.same_wrong, 1 / 3);
    const [dmcRow] = metricPairs(probabilityTable, { metric: "dmc" }).rows;
    // Share-correct margins 1 0 0 0 for both: identical, r = 1.
    close(dmcRow.dmc, 1);
  });

  test("with two categories capa-discrete equals the error consistency of computePairs", () => {
    const binary = trials({
      a: ["y>y", "y>n", "n>n", "n>n", "y>y", "n>y"],
      b: ["y>y", "y>y", "n>y", "n>n", "y>n", "n>y"],
    });
    const [row] = metricPairs(probabilityTableFromTrials(binary, false), { metric: "capa-discrete" }).rows;
    const [reference] = computePairs(binary).pairs;
    close(row.kappa_p, reference.kappa!);
    close(row.c_exp_p, reference.c_exp);
  });

  test("pairs with different item sets: skipped, intersected or an error, as for error consistency", () => {
    const builder = new ProbabilityTableBuilder("d");
    const q1 = builder.item({ unit: "all", key: "q1", options: ["a", "b"], truth: "a" }, {});
    const q2 = builder.item({ unit: "all", key: "q2", options: ["a", "b"], truth: "b" }, {});
    builder.probabilities("m1", q1, [0.9, 0.1], {});
    builder.probabilities("m1", q2, [0.3, 0.7], {});
    builder.probabilities("m2", q1, [0.6, 0.4], {});
    const probabilityTable = builder.build();
    const skipped = metricPairs(probabilityTable, { metric: "capa" });
    assert.equal(skipped.rows.length, 0);
    assert.equal(skipped.skipped[0].outcome, "skipped: stimulus sets differ");
    assert.equal(skipped.skipped[0].n_only_observer1, 1);
    const intersected = metricPairs(probabilityTable, { metric: "capa", mismatch: "intersect" });
    assert.equal(intersected.rows.length, 1);
    close(intersected.rows[0].c_obs_p, 0.9 * 0.6 + 0.1 * 0.4);
    assert.equal(intersected.intersected.length, 1);
    assert.throws(() => metricPairs(probabilityTable, { metric: "capa", mismatch: "strict" }), /different items: 1 common, 1 only "m1"/);
  });

  test("by condition: one unit per condition", () => {
    const builder = new TrialTableBuilder("hand");
    for (const [condition, response] of [
      ["c1", "x"],
      ["c2", "y"],
    ]) {
      for (const observer of ["a", "b"]) {
        builder.add({
          observer,
          condition,
          stimulus: "s",
          truth: "x",
          response,
          correct: response === "x",
          missing: false,
          file: "f",
          line: 1,
        });
        builder.add({ observer, condition, stimulus: "t", truth: "y", response: "y", correct: true, missing: false, file: "f", line: 2 });
      }
    }
    const { rows } = metricPairs(probabilityTableFromTrials(builder.build(), true), { metric: "capa-discrete" });
    assert.deepEqual(
      rows.map((r) => r.condition),
      ["c1", "c2"],
    );
  });
});

describe("probability table checks", () => {
  const at = { file: "p.csv", line: 3 };

  test("probabilities: how far the sum is off and where; negative values; option counts; truth", () => {
    const builder = new ProbabilityTableBuilder("d");
    const q = builder.item({ unit: "all", key: "q", options: ["a", "b", "c"], truth: "a" }, { file: "p.csv", line: 2 });
    assert.throws(
      () => builder.probabilities("m", q, [0.5, 0.3, 0.1], at),
      (e: unknown) => e instanceof InputError && /^p\.csv:3: probabilities sum to 0\.9 \(0\.1 below 1\)/.test(e.message),
    );
    assert.throws(() => builder.probabilities("m", q, [1.2, -0.2, 0], at), /p\.csv:3: probability 2 \(option "b"\) is negative \(-0\.2\)/);
    assert.throws(() => builder.probabilities("m", q, [0.5, 0.5], at), /p\.csv:3: 2 probabilities for an item with 3 options/);
    assert.throws(
      () => builder.item({ unit: "all", key: "q", options: ["a", "b"], truth: "a" }, at),
      /item "q" has 2 options here and 3 at p\.csv:2/,
    );
    assert.throws(
      () => builder.item({ unit: "all", key: "r", options: ["a", "b"], truth: "z" }, at),
      /p\.csv:3: the correct option "z" is not one of the item's options \(a, b\)/,
    );
    assert.throws(
      () => builder.item({ unit: "all", key: "q", options: ["a", "b", "c"], truth: "b" }, at),
      /correct option "b" here and "a" at p\.csv:2/,
    );
    builder.probabilities("m", q, [0.5, 0.25, 0.25], at);
    assert.throws(
      () => builder.probabilities("m", q, [0.5, 0.25, 0.25], { file: "p.csv", line: 9 }),
      /second probability vector of observer "m" for item "q" \(the first at p\.csv:3\)/,
    );
    assert.throws(() => builder.answer("m", q, "a", at), /has answers and probability vectors/);
  });

  test("sums within 1e-4 of 1 (six-decimal text) are accepted and divided by their sum", () => {
    const builder = new ProbabilityTableBuilder("d");
    const q = builder.item({ unit: "all", key: "q", options: ["a", "b", "c", "d"], truth: "a" }, {});
    builder.probabilities("m", q, [0.8, 0.066667, 0.066667, 0.066667], {});
    const [observer] = builder.build().observers;
    close(
      observer.values.reduce((s, v) => s + v, 0),
      1,
    );
    close(observer.values[0], 0.8 / 1.000001);
    assert.throws(
      () => builder.probabilities("n", q, [0.8, 0.07, 0.07, 0.07], {}),
      /sum to 1\.01 \(0\.01 above 1\); expected a sum of 1 within 0\.0001/,
    );
  });

  test("trials with only correctness cannot give response-level metrics", () => {
    const builder = new TrialTableBuilder("d");
    builder.add({
      observer: "a",
      condition: "c",
      stimulus: "s",
      truth: null,
      response: null,
      correct: true,
      missing: false,
      file: "t.csv",
      line: 4,
    });
    assert.throws(
      () => probabilityTableFromTrials(builder.build(), false),
      /t\.csv:4: response-level metrics need each trial's true category and response/,
    );
  });
});
