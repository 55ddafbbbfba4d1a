// Issue 14, part 1, through the CLI: `pairs` and `summary` with conditions pooled match a
// model-human pair of the noise data within conditions and say what was left unmatched and
// which pairs rest on few trials.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NO_SHARED_DATA, RAW_DATA, cli, csvObjects } from "../helpers.ts";

const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");

test(
  "pairs --intersect, conditions pooled: resnet50 vs subject-01 on the 48 trials matched within conditions, with notes",
  { skip: NO_SHARED_DATA },
  async () => {
    const run = await cli("pairs", CONTRAST, "--observers", "resnet50,subject-01", "--intersect", "--format", "csv");
    assert.equal(run.code, 0, run.stderr);
    const [row] = csvObjects(run.stdout);
    assert.deepEqual([row.condition, row.n_trials, row.n_both_correct], ["all", "48", "29"]);
    assert.match(
      run.stderr,
      /note: noise-generalisation_contrast-png: conditions pooled, trials matched within conditions \(an observer has trials under several\): 1 pair\(s\) share stimuli seen only under different conditions \(278 in all\), left unmatched \(e\.g\. resnet50 vs subject-01: 48 matched within conditions, 278 would have crossed\); --by condition analyses each condition alone/,
    );
    assert.doesNotMatch(run.stderr, /fewer than 30 trials/);
  },
);

test(
  "pairs --by condition: pairs on few trials are named; --skipped lists the stimuli that crossed conditions",
  { skip: NO_SHARED_DATA },
  async () => {
    const byCondition = await cli(
      "pairs",
      CONTRAST,
      "--observers",
      "resnet50,subject-01",
      "--by",
      "condition",
      "--intersect",
      "--format",
      "csv",
    );
    assert.equal(byCondition.code, 0, byCondition.stderr);
    assert.equal(csvObjects(byCondition.stdout).length, 8);
    assert.match(
      byCondition.stderr,
      /note: noise-generalisation_contrast-png: 8 pair\(s\) computed on fewer than 30 trials \(fewest: 4, resnet50 vs subject-01 in condition "c10"\); their kappas are imprecise/,
    );
    assert.doesNotMatch(byCondition.stderr, /would have crossed/);

    const dir = await mkdtemp(join(tmpdir(), "trialwise-pairs-conditions-"));
    try {
      const skippedFile = join(dir, "skipped.csv");
      const run = await cli("pairs", CONTRAST, "--observers", "resnet50,subject-01", "--skipped", skippedFile, "--format", "csv");
      assert.equal(run.code, 0, run.stderr);
      const [skipped] = csvObjects(await readFile(skippedFile, "utf8"));
      assert.deepEqual([skipped.n_common, skipped.n_crossing_conditions, skipped.outcome], ["48", "278", "skipped: stimulus sets differ"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("summary: the same notes on what crossed conditions and on pairs under 30 trials", { skip: NO_SHARED_DATA }, async () => {
  const run = await cli("summary", CONTRAST, "--intersect", "--bootstrap", "0", "--format", "csv");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /9 pair\(s\) share stimuli seen only under different conditions \(1822 in all\)/);
  assert.match(run.stderr, /3 pair\(s\) computed on fewer than 30 trials \(fewest: 4, subject-01 vs subject-05\)/);
  const humans = csvObjects(run.stdout).find((r) => r.name === "human-human")!;
  assert.equal(humans.n_pairs, "3");
});
