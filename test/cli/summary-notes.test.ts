import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, csvObjects } from "../helpers.ts";

const LONG = ["--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];

describe("summary: why a row has no bootstrap interval", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-summary-notes-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function data(name: string, lines: string[]): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, `who,stim,hit\n${lines.join("\n")}\n`);
    return file;
  }

  test("observers all correct: undefined kappa is named, with the count and --undefined-kappa one", async () => {
    // m1 and m2 all correct: their pair's kappa is undefined; each model-human pair is defined.
    const file = await data("perfect.csv", ["m1,a,1", "m1,b,1", "m2,a,1", "m2,b,1", "subject-1,a,1", "subject-1,b,0"]);
    const { code, stdout, stderr } = await cli("summary", file, ...LONG, "--bootstrap", "50");
    assert.equal(code, 0, stderr);
    const modelModel = csvObjects(stdout).find((r) => r.name === "model-model")!;
    assert.deepEqual([modelModel.n_pairs, modelModel.n_undefined, modelModel.mean, modelModel.boot_lower], ["0", "1", "", ""]);
    assert.doesNotMatch(stderr, /stimulus sets differ/);
    assert.match(
      stderr,
      /perfect: 1 summary row\(s\) have no mean and no bootstrap interval: all 1 of their pair\(s\) have undefined kappa \(c_exp = 1[^)]*\); --undefined-kappa one sets such kappas to 1/,
    );
  });

  test("with --undefined-kappa one: the mean counts them as 1 and the bootstrap leaves them out, said so", async () => {
    const file = await data("perfect-one.csv", ["m1,a,1", "m1,b,1", "m2,a,1", "m2,b,1", "subject-1,a,1", "subject-1,b,0"]);
    const { code, stdout, stderr } = await cli("summary", file, ...LONG, "--bootstrap", "50", "--undefined-kappa", "one");
    assert.equal(code, 0, stderr);
    const modelModel = csvObjects(stdout).find((r) => r.name === "model-model")!;
    assert.deepEqual([modelModel.mean, modelModel.boot_lower], ["1", ""]);
    assert.doesNotMatch(stderr, /stimulus sets differ/);
    assert.match(
      stderr,
      /perfect-one: 1 summary row\(s\) without a bootstrap interval: their means count 1 pair\(s\) with undefined kappa \(c_exp = 1\) as 1, as --undefined-kappa one asks; the bootstrap leaves such pairs out/,
    );
  });

  test("observers who saw other stimuli are still named as the cause", async () => {
    // m3 saw a stimulus the others did not: it is left out of the bootstrap, and the pairs
    // (m1, m3), (m2, m3) skipped, so only their group's rows compare.
    const file = await data("differ.csv", [
      "m1,a,1",
      "m1,b,0",
      "m1,c,1",
      "m2,a,0",
      "m2,b,1",
      "m2,c,1",
      "subject-1,a,1",
      "subject-1,b,1",
      "subject-1,c,0",
      "subject-2,a,1",
      "subject-2,b,0",
      "subject-2,c,0",
      "m3,a,1",
      "m3,b,0",
      "m3,d,0",
    ]);
    const { code, stderr } = await cli("summary", file, ...LONG, "--bootstrap", "50", "--intersect");
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /differ: \d+ summary row\(s\) without a bootstrap interval: their pairs include observers whose stimulus sets differ from the rest/,
    );
    assert.doesNotMatch(stderr, /undefined kappa/);
  });
});
