/** `trialwise copy-model`, through a program with only this command (addCopyModelCommand). */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Command, CommanderError } from "commander";
import { addCopyModelCommand } from "../../src/cli/copy-model.ts";
import { COPY_PROBABILITY_DEFAULTS, copyProbability, latentAccuracy } from "../../src/core/copy-model.ts";
import { UsageError } from "../../src/core/errors.ts";
import { unbiasedKappa } from "../../src/core/pair-intervals.ts";
import { NO_SHARED_DATA, RAW_DATA } from "../helpers.ts";

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false };
  const program = new Command("trialwise").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addCopyModelCommand(program, io);
  try {
    await program.parseAsync(["copy-model", ...argv], { from: "user" });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, stdout, stderr: stderr + error.message };
    if (error instanceof CommanderError) return { code: 2, stdout, stderr };
    throw error;
  }
}

const EDGES = join(RAW_DATA, "texture-shape_edges");

/** A dataset in the model-vs-human schema from [observer, condition, stimulus, correct] rows. */
async function dataset(rows: [string, string, string, boolean][]): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "trialwise-copy-model-"));
  const lines = ["subj,session,trial,rt,object_response,category,condition,imagename"];
  rows.forEach(([observer, condition, stimulus, correct], i) =>
    lines.push(`${observer},1,${i + 1},0.5,${correct ? "cat" : "dog"},cat,${condition},0001_x_${observer}_${condition}_cat_00_${stimulus}`),
  );
  await writeFile(join(dir, "trials.csv"), `${lines.join("\n")}\n`);
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

describe("trialwise copy-model", () => {
  test("help defaults are the core's", () => {
    assert.equal(COPY_PROBABILITY_DEFAULTS.method, "jeffreys");
    assert.equal(COPY_PROBABILITY_DEFAULTS.replicates, 10_000);
    assert.equal(COPY_PROBABILITY_DEFAULTS.seed, 1);
    assert.equal(COPY_PROBABILITY_DEFAULTS.level, 0.95);
  });

  test(
    "edges, resnet50 vs subject-01: c from the pair's accuracies and kappa, its interval, the leader",
    { skip: NO_SHARED_DATA },
    async () => {
      const r = await run(EDGES, "--pair", "resnet50,subject-01", "--format", "json");
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.n_trials, 160);
      assert.ok(Math.abs(out.c - copyProbability(out.acc1, out.acc2, out.kappa)) < 1e-12, `c ${out.c}`);
      assert.ok(Math.abs(out.latent_accuracy - latentAccuracy(out.acc1, out.acc2, out.c)) < 1e-12);
      assert.ok(Math.abs(out.kappa_unbiased - unbiasedKappa(out.kappa, 160)) < 1e-15);
      assert.ok(out.c_lower < out.c && out.c < out.c_upper, `${out.c_lower} < ${out.c} < ${out.c_upper}`);
      assert.equal(out.leader, out.acc1 >= out.acc2 ? out.observer1 : out.observer2);
      assert.deepEqual([out.method, out.level, out.replicates, out.seed], ["jeffreys", 0.95, 10_000, 1]);
      const again = await run(EDGES, "--pair", "subject-01,resnet50", "--format", "json");
      assert.deepEqual(JSON.parse(again.stdout).c_lower, out.c_lower, "the same seed for the pair in either order");
      const boot = JSON.parse(
        (await run(EDGES, "--pair", "resnet50,subject-01", "--format", "json", "--method", "percentile", "--bootstrap", "2000")).stdout,
      );
      assert.equal(boot.method, "percentile");
      assert.equal(boot.c, out.c);
      assert.notEqual(boot.c_lower, out.c_lower);
    },
  );

  test("bad pairs: unknown observer, one name, a condition one of them lacks, differing stimulus sets (and --intersect)", async () => {
    const data = await dataset([
      ["a", "c1", "s1.png", true],
      ["a", "c1", "s2.png", false],
      ["a", "c1", "s3.png", true],
      ["a", "c2", "s4.png", true],
      ["b", "c1", "s1.png", true],
      ["b", "c1", "s2.png", false],
      ["b", "c1", "s3.png", false],
      ["b", "c1", "s5.png", true],
    ]);
    try {
      const unknown = await run(data.dir, "--pair", "a,zed");
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /--pair: no observer "zed"/);
      assert.match((await run(data.dir, "--pair", "a")).stderr, /--pair: expected two different observers/);
      const lacking = await run(data.dir, "--pair", "a,b", "--condition", "c2");
      assert.equal(lacking.code, 2);
      assert.match(lacking.stderr, /no trials in condition "c2".*a has "c1", "c2", b has "c1"/);
      const differ = await run(data.dir, "--pair", "a,b", "--condition", "c1");
      assert.equal(differ.code, 2);
      assert.match(differ.stderr, /stimulus sets of a and b differ \(3 common stimuli, 0 only a saw, 1 only b saw\); add --intersect/);
      const out = await run(data.dir, "--pair", "a,b", "--condition", "c1", "--intersect", "--format", "json");
      assert.equal(out.code, 0, out.stderr);
      const r = JSON.parse(out.stdout);
      assert.deepEqual([r.n_trials, r.acc1, r.acc2, r.condition], [3, 2 / 3, 1 / 3, "c1"]);
      // Cells 1, 1, 0, 1: c = (1*1 - 1*0) / (2 * 1) = 0.5.
      assert.equal(r.c, 0.5);
    } finally {
      await data.done();
    }
  });

  test("-o writes the file; flags are checked", async () => {
    const data = await dataset([
      ["a", "c1", "s1.png", true],
      ["a", "c1", "s2.png", false],
      ["b", "c1", "s1.png", true],
      ["b", "c1", "s2.png", true],
    ]);
    try {
      const file = join(data.dir, "out.csv");
      const r = await run(data.dir, "--pair", "a,b", "--format", "csv", "-o", file);
      assert.equal(r.code, 0, r.stderr);
      const [header, line] = (await readFile(file, "utf8")).trimEnd().split("\n");
      assert.ok(
        header.startsWith("dataset,condition,observer1,observer2,n_trials,acc1,acc2,kappa,kappa_unbiased,leader,c,c_lower,c_upper"),
        header,
      );
      // b is always right: kappa 0, kappa_unbiased 0, b leads, c 0.
      assert.match(line, /,2,0\.5,1,0,0,b,0,/);
      assert.match((await run(data.dir, "--pair", "a,b", "--level", "1")).stderr, /--level/);
      assert.match((await run(data.dir, "--pair", "a,b", "--bootstrap", "0")).stderr, /--bootstrap/);
      assert.equal((await run(data.dir, "--pair", "a,b", "--method", "bca")).code, 2);
    } finally {
      await data.done();
    }
  });
});
