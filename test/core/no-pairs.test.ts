import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  FEW_TRIALS,
  MatchingNotes,
  PairingTally,
  type UnitPairing,
  crossingNote,
  fewTrialsNote,
  noPairsReasons,
} from "../../src/core/no-pairs.ts";
import type { StimulusMismatch } from "../../src/core/pairs.ts";
import { FIXTURES, cli } from "../helpers.ts";

const LONG = ["--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];

/** A unit of dataset "d". */
function unit(condition: string, observers: string[], skipped = 0): UnitPairing {
  return { dataset: "d", condition, observers, skipped };
}

function mismatch(observer1: string, observer2: string, outcome: StimulusMismatch["outcome"]): StimulusMismatch {
  return {
    dataset: "d",
    condition: "all",
    observer1,
    observer2,
    pair_type: "model-model",
    n_common: 1,
    n_only_observer1: 1,
    n_only_observer2: 0,
    n_crossing_conditions: 0,
    outcome,
  };
}

describe("why there are no pairs: one rule", () => {
  test("one observer; one of those chosen; none of them", () => {
    assert.deepEqual(noPairsReasons([unit("all", ["m1"])]), ['no pairs in dataset "d": it has one observer ("m1")']);
    assert.deepEqual(noPairsReasons([unit("all", ["m2"])], true), ['no pairs in dataset "d": it has one observer of those chosen ("m2")']);
    assert.deepEqual(noPairsReasons([unit("all", [])], true), ['no pairs in dataset "d": it has none of the chosen observers']);
  });

  test("no condition has two observers", () => {
    assert.deepEqual(noPairsReasons([unit("x", ["m1"]), unit("y", ["m2"]), unit("z", ["m3"])]), [
      'no pairs in dataset "d": no condition has two observers (3 observers, each in other conditions)',
    ]);
  });

  test("every pair skipped because the stimulus sets differ, with the counts", () => {
    assert.deepEqual(noPairsReasons([unit("all", ["m1", "m2", "m3"], 3)]), [
      'no pairs in dataset "d": all 3 pair(s) of its 3 observers were skipped because their stimulus sets differ',
    ]);
    assert.deepEqual(noPairsReasons([unit("x", ["m1", "m2"], 1), unit("y", ["m3"])]), [
      'no pairs in dataset "d": all 1 pair(s) of its 3 observers were skipped because their stimulus sets differ',
    ]);
  });

  test("nothing for a dataset with a computed pair; per dataset", () => {
    assert.deepEqual(noPairsReasons([unit("all", ["m1", "m2", "m3"], 2)]), []);
    assert.deepEqual(noPairsReasons([unit("x", ["m1", "m2"]), unit("y", ["m3"])]), []);
    const other = { dataset: "other", condition: "all", observers: ["m9"], skipped: 0 };
    assert.deepEqual(noPairsReasons([unit("all", ["m1", "m2"]), other]), ['no pairs in dataset "other": it has one observer ("m9")']);
  });

  test("the tally counts skipped pairs, not intersected ones, among the included observers", () => {
    const tally = new PairingTally((o) => o !== "m3");
    tally.unit({ dataset: "d", condition: "all", observers: ["m1", "m2", "m3"] });
    tally.mismatch(mismatch("m1", "m2", "skipped: stimulus sets differ"));
    tally.mismatch(mismatch("m1", "m3", "skipped: no common stimuli"));
    assert.deepEqual(tally.units, [unit("all", ["m1", "m2"], 1)]);
    assert.deepEqual(noPairsReasons(tally.units), [
      'no pairs in dataset "d": all 1 pair(s) of its 2 observers were skipped because their stimulus sets differ',
    ]);
    const intersecting = new PairingTally();
    intersecting.unit({ dataset: "d", condition: "all", observers: ["m1", "m2"] });
    intersecting.mismatch(mismatch("m1", "m2", "computed on common stimuli"));
    assert.deepEqual(noPairsReasons(intersecting.units), []);
  });
});

describe("pairs and summary say on standard error why there are no pairs", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-no-pairs-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("pairs on a file with one observer", async () => {
    const { code, stdout, stderr } = await cli("pairs", join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv"));
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trimEnd().split("\n").length, 1, "the header only");
    assert.match(stderr, /trialwise: note: no pairs in dataset "mini_alexnetsession-1": it has one observer \("alexnet"\)/);
  });

  test("pairs --observers with one of a dataset's observers", async () => {
    const { code, stderr } = await cli("pairs", join(FIXTURES, "mini-cue-conflict"), "--observers", "alexnet");
    assert.equal(code, 0, stderr);
    assert.match(stderr, /no pairs in dataset "mini-cue-conflict": it has one observer of those chosen \("alexnet"\)/);
  });

  test("pairs and summary where every pair is skipped", async () => {
    const file = join(dir, "apart.csv");
    await writeFile(file, "who,stim,hit\nm1,a,1\nm1,b,0\nsubject-1,a,1\nsubject-1,c,0\n");
    for (const command of ["pairs", "summary"]) {
      const { code, stderr } = await cli(command, file, ...LONG);
      assert.equal(code, 0, stderr);
      assert.match(
        stderr,
        /no pairs in dataset "apart": all 1 pair\(s\) of its 2 observers were skipped because their stimulus sets differ/,
        command,
      );
    }
  });

  test("summary on one observer, and with --models leaving one", async () => {
    const one = await cli("summary", join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv"));
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /no pairs in dataset "mini_alexnetsession-1": it has one observer \("alexnet"\)/);
    const file = join(dir, "models.csv");
    await writeFile(file, "who,stim,hit\nm1,a,1\nm1,b,0\nm2,a,1\nm2,b,1\n");
    const chosen = await cli("summary", file, ...LONG, "--models", "m1");
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.match(chosen.stderr, /no pairs in dataset "models": it has one observer of those chosen \("m1"\)/);
  });
});

describe("how pairs were matched: stimuli seen under different conditions, pairs on few trials", () => {
  test("one pair: a note under 30 trials only; a crossing note only where stimuli crossed", () => {
    assert.equal(FEW_TRIALS, 30);
    assert.equal(fewTrialsNote("a", "b", 29), "a vs b is on 29 trials only (under 30): its kappa is imprecise");
    assert.equal(fewTrialsNote("a", "b", 1), "a vs b is on 1 trial only (under 30): its kappa is imprecise");
    assert.equal(fewTrialsNote("a", "b", 30), null);
    assert.equal(crossingNote({ n_common: 48, n_crossing_conditions: 0 }), null);
    assert.match(
      crossingNote({ n_common: 48, n_crossing_conditions: 278 })!,
      /^conditions pooled, trials matched within conditions: 48 matched; 278 stimuli both saw only under different conditions were not matched/,
    );
  });

  test("per dataset: pairs with stimuli left unmatched, and the pair on the fewest trials; only the included observers' pairs", () => {
    const notes = new MatchingNotes();
    notes.unit({ dataset: "d", condition: "all", observers: ["a", "b", "c"] });
    notes.mismatch({ ...mismatch("a", "b", "computed on common stimuli"), n_common: 48, n_crossing_conditions: 278 });
    notes.pair(0, 1, 48);
    notes.mismatch({ ...mismatch("a", "c", "skipped: stimulus sets differ"), n_common: 6, n_crossing_conditions: 2 });
    notes.mismatch(mismatch("b", "c", "computed on common stimuli"));
    notes.pair(1, 2, 1);
    notes.unit({ dataset: "d", condition: "c05", observers: ["a", "b"] });
    notes.pair(0, 1, 9);
    notes.unit({ dataset: "d", condition: "c10", observers: ["a", "b"] });
    notes.pair(0, 1, 30);
    assert.deepEqual(notes.notes(), [
      "d: conditions pooled, trials matched within conditions (an observer has trials under several): 2 pair(s) share stimuli seen only under different conditions (280 in all), left unmatched (e.g. a vs b: 48 matched within conditions, 278 would have crossed); --by condition analyses each condition alone",
      "d: 2 pair(s) computed on fewer than 30 trials (fewest: 1, b vs c); their kappas are imprecise",
    ]);
    const byCondition = new MatchingNotes((o) => o !== "c");
    byCondition.unit({ dataset: "e", condition: "c05", observers: ["a", "b", "c"] });
    byCondition.pair(0, 1, 9);
    byCondition.pair(0, 2, 2);
    byCondition.unit({ dataset: "e", condition: "c10", observers: ["a", "b"] });
    byCondition.pair(0, 1, 4);
    assert.deepEqual(byCondition.notes(), [
      'e: 2 pair(s) computed on fewer than 30 trials (fewest: 4, a vs b in condition "c10"); their kappas are imprecise',
    ]);
  });
});
