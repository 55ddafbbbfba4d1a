// The unit's stimulus set: "the set most observers saw; ties: the larger set, then the set of
// the first such observer in code-unit order". One rule, applied alike by the core's outcome
// matrix, the DuckDB reader and the dashboard's bootstrap.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { modelKappaIntervals } from "../../src/core/mean-intervals.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";
import { bitRowSets, excludedObserver, groupByStimulusSet, listSets, unitStimulusSet } from "../../src/core/stimulus-sets.ts";
import { readPackedTrials } from "../../src/io/duckdb.ts";
import { datasetPayload, tableDataset } from "../../src/serve/datasets.ts";
import { decodeUnit, pairMatrix, rankingBootstrap } from "../../src/web/dashboard/compute.ts";

/** Observer name -> the stimuli it saw, with its 0/1 outcome on each. */
type Design = Record<string, Record<string, number>>;

/**
 * Two groups of two observers (a human and a model each) with different stimulus sets: a tie
 * in the number of observers. `larger`: the second group's set has one stimulus more.
 */
const LARGER_SET_WINS: Design = {
  alexnet: { s0: 1, s1: 0, s2: 0, s3: 1 },
  "subject-01": { s0: 1, s1: 1, s2: 0, s3: 0 },
  "subject-02": { s0: 1, s1: 0, s2: 1, s3: 0, s4: 1 },
  vgg: { s0: 1, s1: 0, s2: 0, s3: 0, s4: 1 },
};

/** Two groups of two observers, sets of equal size: the set of "alexnet", first by name, wins. */
const FIRST_OBSERVER_WINS: Design = {
  alexnet: { s1: 1, s2: 0, s3: 0, s4: 1 },
  "subject-01": { s1: 1, s2: 1, s3: 0, s4: 0 },
  "subject-02": { s0: 1, s1: 0, s2: 1, s3: 0 },
  vgg: { s0: 1, s1: 0, s2: 0, s3: 1 },
};

function tableOf(design: Design): TrialTable {
  const builder = new TrialTableBuilder("ties");
  let line = 2;
  for (const [observer, outcomes] of Object.entries(design)) {
    for (const [stimulus, correct] of Object.entries(outcomes)) {
      builder.add({
        observer,
        condition: "0",
        stimulus,
        truth: "cat",
        response: correct ? "cat" : "dog",
        correct: correct === 1,
        missing: false,
        file: "ties.csv",
        line: line++,
      });
    }
  }
  return builder.build();
}

const CASES: [string, Design, string[]][] = [
  ["equal numbers of observers: the larger set", LARGER_SET_WINS, ["subject-02", "vgg"]],
  ["equal numbers and sizes: the set of the first observer by name", FIRST_OBSERVER_WINS, ["alexnet", "subject-01"]],
];

describe("the rule", () => {
  test("groups observers by identical set, in order of their first member", () => {
    const groups = groupByStimulusSet(listSets([["a", "b"], ["a"], ["a", "b"], ["b"], ["a"]]));
    assert.deepEqual(groups, [
      { members: [0, 2], size: 2 },
      { members: [1, 4], size: 1 },
      { members: [3], size: 1 },
    ]);
  });

  test("bit rows group as lists do", () => {
    // Rows 0 and 3 saw stimuli 0 and 33 (two words a row); row 1 stimulus 0; row 2 stimuli 0 and 33 but is not asked.
    const bits = Uint32Array.of(1, 2, 1, 0, 1, 2, 1, 2);
    assert.deepEqual(groupByStimulusSet(bitRowSets(bits, 2, [0, 1, 3])), [
      { members: [0, 2], size: 2 },
      { members: [1], size: 1 },
    ]);
  });

  test("most observers first; ties: the larger set, then the smallest first member", () => {
    assert.deepEqual(
      unitStimulusSet([
        { members: [0], size: 9 },
        { members: [1, 2], size: 3 },
      ])!.members,
      [1, 2],
    );
    assert.deepEqual(
      unitStimulusSet([
        { members: [0, 3], size: 4 },
        { members: [1, 2], size: 5 },
      ])!.members,
      [1, 2],
    );
    assert.deepEqual(
      unitStimulusSet([
        { members: [1, 2], size: 5 },
        { members: [0, 3], size: 5 },
      ])!.members,
      [0, 3],
    );
    assert.deepEqual(
      unitStimulusSet([
        { members: [0, 3], size: 5 },
        { members: [1, 2], size: 5 },
      ])!.members,
      [0, 3],
    );
    assert.equal(unitStimulusSet([]), undefined);
  });

  test("an excluded observer's counts", () => {
    assert.deepEqual(excludedObserver("m", "model", 7, 5, 6), {
      observer: "m",
      kind: "model",
      n_stimuli: 7,
      n_common: 5,
      n_only_observer: 2,
      n_missing: 1,
    });
  });
});

describe("ties between stimulus sets", () => {
  for (const [name, design, kept] of CASES) {
    test(`outcomeMatrix: ${name}`, () => {
      assert.deepEqual(outcomeMatrix(tableOf(design)).observers, kept);
    });

    test(`the dashboard's bootstrap, whatever the order of the chosen observers: ${name}`, async () => {
      const table = tableOf(design);
      const payload = datasetPayload(tableDataset("ties", table, "test"));
      const unit = decodeUnit(payload, payload.units[0]);
      const model = kept.find((o) => !table.humans.has(o))!;
      for (const order of [Object.keys(design), Object.keys(design).reverse(), ["subject-02", "vgg", "subject-01", "alexnet"]]) {
        const chosen = order.map((o) => unit.observers.indexOf(o));
        const matrix = await pairMatrix(unit, chosen, { mismatch: "intersect" });
        const { intervals } = rankingBootstrap(unit, matrix, 100);
        assert.deepEqual([...intervals.keys()], [model], `chosen in the order ${order.join(", ")}`);
      }
      assert.deepEqual(
        modelKappaIntervals(outcomeMatrix(table), { replicates: 100 }).models.map((m) => m.model),
        [model],
      );
    });
  }

  describe("readPackedTrials", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "trialwise-stimulus-sets-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    for (const [name, design, kept] of CASES) {
      test(name, async () => {
        const lines = ["observer,stimulus,correct"];
        for (const [observer, outcomes] of Object.entries(design)) {
          for (const [stimulus, correct] of Object.entries(outcomes)) lines.push(`${observer},${stimulus},${correct}`);
        }
        const file = join(dir, `${kept[0]}.csv`);
        await writeFile(file, `${lines.join("\n")}\n`);
        const [unit] = (await readPackedTrials(file, { threads: 1 })).units;
        assert.deepEqual(unit.packed.observers, kept);
        assert.deepEqual(unit.stimuli, outcomeMatrix(tableOf(design)).stimuli);
        assert.deepEqual(
          unit.excluded.map((e) => e.observer),
          Object.keys(design).filter((o) => !kept.includes(o)),
        );
      });
    }
  });
});
