import assert from "node:assert/strict";
import { test } from "node:test";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { noiseAccuracy, noiseModelConsistency } from "../../src/reproduce/geirhos2020.ts";

test("noise figures: humans pooled with the range of individuals, models as they are, by hand", () => {
  const b = new TrialTableBuilder("noise-generalisation_test");
  const add = (observer: string, condition: string, outcomes: string, prefix: string) =>
    [...outcomes].forEach((c, i) =>
      b.add({
        observer,
        condition,
        stimulus: `${prefix}${i}`,
        truth: "x",
        response: c === "1" ? "x" : "y",
        correct: c === "1",
        missing: false,
        file: "f",
        line: i + 2,
      }),
    );
  add("subject-01", "c1", "1100", "h1-");
  add("subject-02", "c1", "1111", "h2-");
  add("resnet50", "c1", "1000", "m-");
  add("cornet-s", "c1", "1001", "m-");
  const rows = noiseAccuracy(b.build());
  const humans = rows.find((r) => r.observer === "humans")!;
  // Pooled: 6 of 8 correct; individuals 0.5 and 1.
  assert.deepEqual([humans.accuracy, humans.n_trials, humans.min, humans.max, humans.n_observers], [0.75, 8, 0.5, 1, 2]);
  assert.equal(rows.find((r) => r.observer === "resnet50")!.accuracy, 0.25);
  // ResNet-50 1000 vs CORnet-S 1001: n 4, both correct 1, both wrong 2: c_obs 3/4, c_exp 0.25*0.5+0.75*0.5 = 0.5, kappa 0.5.
  const [pair] = noiseModelConsistency(b.build());
  assert.equal(pair.condition, "c1");
  assert.ok(Math.abs(pair.kappa! - 0.5) < 1e-12);
});
