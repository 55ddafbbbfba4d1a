import assert from "node:assert/strict";
import { test } from "node:test";
import { PAIR_INTERVAL_DEFAULTS, pairInterval, pairSeed } from "../../../src/core/pair-intervals.ts";
import { longFormatTrials } from "../../../src/core/trials.ts";
import { datasetPayload, tableDataset } from "../../../src/serve/datasets.ts";
import { decodeUnit } from "../../../src/web/dashboard/compute.ts";
import { conditionCurves } from "../../../src/web/dashboard/condition-curves.ts";

/** a and b in conditions c5, c10 and c100 (b not in c10), 8 stimuli each. */
function dataset() {
  const rows: string[][] = [];
  const outcomes: Record<string, Record<string, string>> = {
    a: { c5: "11010011", c10: "10101010", c100: "11111100" },
    b: { c5: "11000111", c100: "11101100" },
  };
  for (const [observer, byCondition] of Object.entries(outcomes)) {
    for (const [condition, bits] of Object.entries(byCondition))
      [...bits].forEach((bit, s) => rows.push([observer, `${condition}-s${s}`, condition, bit]));
  }
  const table = longFormatTrials(
    [{ file: "t.csv", columns: ["observer", "stimulus", "condition", "correct"], rows, lines: rows.map((_, i) => i + 2) }],
    "t",
    { observer: "observer", stimulus: "stimulus", condition: "condition", correct: "correct" },
  );
  const payload = datasetPayload(tableDataset("t", table, "test"));
  return { payload, units: payload.units.filter((u) => u.condition !== "all").map((u) => decodeUnit(payload, u)) };
}

test("per-condition curves: natural order, n on every point, the pair's interval from pairInterval, a gap where an observer is missing", async () => {
  const { payload, units } = dataset();
  assert.deepEqual(payload.conditions, ["c5", "c10", "c100"]);
  assert.equal(payload.defaultCondition, "c5", "several conditions within observers: per condition by default");
  const curves = await conditionCurves(units, ["a", "b"], ["a", "b"], "identical");
  assert.deepEqual(
    curves.accuracy.map((p) => [p.condition, p.series, p.value, p.n]),
    [
      ["c5", "a", 5 / 8, 8],
      ["c5", "b", 5 / 8, 8],
      ["c10", "a", 4 / 8, 8],
      ["c10", "b", null, 0],
      ["c100", "a", 6 / 8, 8],
      ["c100", "b", 5 / 8, 8],
    ],
  );
  assert.deepEqual(
    curves.kappa.map((p) => p.condition),
    ["c5", "c10", "c100"],
  );
  assert.equal(curves.kappa[1].value, null);
  assert.equal(curves.kappa[1].missing, "b has no trials in this condition");
  // c5: a 11010011, b 11000111: both right 4, a only 1, b only 1, both wrong 2.
  const c5 = curves.kappa[0];
  const expected = pairInterval(
    { trials: 8, correct1: 5, correct2: 5, bothCorrect: 4 },
    { method: PAIR_INTERVAL_DEFAULTS.method, seed: pairSeed(1, "a", "b") },
  );
  assert.deepEqual([c5.value, c5.n, c5.lower, c5.upper], [expected.kappa, 8, expected.lower, expected.upper]);
  assert.ok(c5.lower! < c5.value! && c5.value! < c5.upper!);
});
