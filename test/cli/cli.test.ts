import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { PAIR_COLUMNS } from "../../src/core/pairs.ts";
import { FIXTURES, NO_SHARED_DATA, RAW_DATA, REPO, cli, csvObjects } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");

describe("trialwise pairs", () => {
  test("CSV columns exactly in the contract's order, full precision, condition all", async () => {
    const { code, stdout, stderr } = await cli("pairs", MINI);
    assert.equal(code, 0, stderr);
    const [header] = stdout.split("\n");
    assert.equal(header, PAIR_COLUMNS.join(","));
    assert.equal(
      header,
      "dataset,condition,observer1,observer2,pair_type,n_trials,n_both_correct,n_both_wrong,acc1,acc2,c_obs,c_exp,kappa,kappa_min,kappa_max",
    );
    const rows = csvObjects(stdout);
    assert.equal(rows.length, 6);
    const humans = rows.find((r) => r.pair_type === "human-human")!;
    assert.equal(humans.condition, "all");
    assert.ok(Math.abs(Number(humans.kappa) + 0.5) < 1e-15, humans.kappa);
    assert.equal(humans.acc1, "0.6666666666666666", "full double precision");
    const alex = rows.find((r) => r.observer1 === "alexnet" && r.observer2 === "subject-01")!;
    assert.ok(Math.abs(Number(alex.kappa) - 0.4) < 1e-15);
  });

  test("JSON output: null for an undefined kappa, and the skipped pairs", async () => {
    const { stdout } = await cli(
      "pairs",
      join(FIXTURES, "mini-long.jsonl"),
      "--observer-col",
      "who",
      "--stimulus-col",
      "stim",
      "--correct-col",
      "hit",
      "--format",
      "json",
    );
    const parsed = JSON.parse(stdout);
    assert.equal(parsed.pairs.length, 6);
    assert.deepEqual(parsed.skipped_pairs, []);
    assert.ok(Math.abs(parsed.pairs.find((p: { pair_type: string }) => p.pair_type === "human-human").kappa + 0.5) < 1e-15);
  });

  test("undefined kappa: empty in CSV and a warning; --undefined-kappa one gives 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-cli-"));
    try {
      const file = join(dir, "perfect.csv");
      const { writeFile } = await import("node:fs/promises");
      await writeFile(file, "who,stim,hit\nm1,a,1\nm1,b,1\nm2,a,1\nm2,b,1\n");
      const args = ["pairs", file, "--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];
      const plain = await cli(...args);
      assert.equal(plain.code, 0);
      const [row] = csvObjects(plain.stdout);
      assert.equal(row.kappa, "");
      assert.equal(row.c_exp, "1");
      assert.match(plain.stderr, /1 pair\(s\) have undefined kappa/);
      const one = await cli(...args, "--undefined-kappa", "one");
      assert.equal(csvObjects(one.stdout)[0].kappa, "1");
      const json = JSON.parse((await cli(...args, "--format", "json")).stdout);
      assert.equal(json.pairs[0].kappa, null);
      assert.equal(json.undefined_kappa, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("usage errors exit 2 with a message; bad input exits 1 naming the file", async () => {
    const unknown = await cli("pairs", MINI, "--observers", "alexnet,nobody");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--observers: unknown observer "nobody"; known: alexnet, resnet50, subject-01, subject-02/);
    const badFormat = await cli("pairs", MINI, "--format", "xml");
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /argument 'xml' is invalid/);
    const both = await cli("pairs", MINI, "--intersect", "--strict");
    assert.equal(both.code, 2);
    const missing = await cli("pairs", join(FIXTURES, "does-not-exist"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^trialwise: error: .*does-not-exist: no such file or folder/);
    const longHalf = await cli("pairs", MINI, "--observer-col", "subj");
    assert.equal(longHalf.code, 2);
    assert.match(longHalf.stderr, /needs --observer-col and --stimulus-col/);
    assert.equal((await cli("frobnicate")).code, 2);
  });

  test("--help on every command, with examples", async () => {
    for (const command of ["observers", "pairs", "summary", "shape-bias"]) {
      const { code, stdout } = await cli(command, "--help");
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`Usage: trialwise ${command}`));
      assert.match(stdout, /Examples:\n {2}\$ trialwise /);
    }
    assert.equal((await cli("--help")).code, 0);
  });

  describe("--output writes atomically", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "trialwise-out-"));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test("the file appears whole and no temporary file is left", async () => {
      const target = join(dir, "pairs.csv");
      const run = await cli("pairs", MINI, "--output", target);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, "");
      assert.equal((await readFile(target, "utf8")).split("\n").length, 8);
      assert.deepEqual(await readdir(dir), ["pairs.csv"]);
    });

    test("a failing input leaves no output file", async () => {
      const target = join(dir, "none.csv");
      const run = await cli("pairs", join(FIXTURES, "does-not-exist"), "--output", target);
      assert.equal(run.code, 1);
      assert.deepEqual(await readdir(dir), ["pairs.csv"]);
    });

    test("an unwritable place is an input error, not a stack trace", async () => {
      const run = await cli("pairs", MINI, "--output", join(dir, "no/such/folder/x.csv"));
      assert.equal(run.code, 1);
      assert.match(run.stderr, /cannot write output \(ENOENT\)/);
    });
  });
});

describe("trialwise observers, summary, shape-bias", () => {
  test("observers: one row per dataset and observer", async () => {
    const { stdout } = await cli("observers", MINI);
    const rows = csvObjects(stdout);
    assert.deepEqual(Object.keys(rows[0]), ["dataset", "condition", "observer", "kind", "n_trials", "n_correct", "n_na", "accuracy"]);
    const s1 = rows.find((r) => r.observer === "subject-01")!;
    assert.deepEqual([s1.kind, s1.n_trials, s1.n_correct, s1.n_na], ["human", "6", "4", "1"]);
    const byCondition = csvObjects((await cli("observers", MINI, "--by", "condition")).stdout);
    assert.deepEqual(byCondition.map((r) => r.condition).sort(), ["0", "0", "NaN", "NaN"]);
  });

  test("summary: groups and models in one table", async () => {
    const rows = csvObjects((await cli("summary", MINI)).stdout);
    const hh = rows.find((r) => r.kind === "group" && r.name === "human-human")!;
    assert.deepEqual([hh.n_pairs, hh.sd, hh.ci95], ["1", "", ""]);
    assert.ok(Math.abs(Number(hh.mean) + 0.5) < 1e-15);
    const restricted = csvObjects((await cli("summary", MINI, "--models", "alexnet")).stdout);
    assert.deepEqual(
      restricted.filter((r) => r.kind === "model").map((r) => r.name),
      ["alexnet"],
    );
    assert.equal(
      restricted.find((r) => r.name === "model-model"),
      undefined,
    );
    const unknown = await cli("summary", MINI, "--models", "subject-01");
    assert.equal(unknown.code, 2, "a human is not a model");
  });

  test("shape-bias: per observer and pooled humans", async () => {
    const rows = csvObjects((await cli("shape-bias", MINI)).stdout);
    assert.deepEqual(
      rows.map((r) => [r.observer, r.shape_bias]),
      [
        ["alexnet", "0.2"],
        ["resnet50", "0.6"],
        ["subject-01", "0.75"],
        ["subject-02", "0.6"],
        ["humans", "0.6666666666666666"],
      ],
    );
  });

  test("the published collection: every pair of every dataset, skips reported", { skip: NO_SHARED_DATA }, async () => {
    const { code, stdout, stderr } = await cli("pairs", RAW_DATA);
    assert.equal(code, 0);
    const rows = csvObjects(stdout);
    assert.equal(rows.filter((r) => r.dataset === "texture-shape_cue-conflict").length, 595);
    assert.match(stderr, /left out folder "brain-score_metrics"/);
    assert.match(stderr, /noise-generalisation_eidolon: skipped \d+ pair\(s\) whose stimulus sets differ/);
    const rc = rows.find((r) => r.dataset === "texture-shape_cue-conflict" && r.observer1 === "cornet-s" && r.observer2 === "resnet50")!;
    assert.ok(Math.abs(Number(rc.kappa) - 0.710662) < 1e-6);
  });

  test("--by condition on a noise dataset: model-model pairs per condition", { skip: NO_SHARED_DATA }, async () => {
    const { stdout } = await cli(
      "pairs",
      join(RAW_DATA, "noise-generalisation_high-pass"),
      "--by",
      "condition",
      "--observers",
      "resnet50,cornet-s",
    );
    const rows = csvObjects(stdout);
    assert.equal(rows.length, 8, "eight filter conditions");
    assert.ok(rows.every((r) => r.pair_type === "model-model" && Number(r.n_trials) > 0));
  });

  test("the installed command: npx-style bin runs, exit codes survive", { skip: NO_SHARED_DATA }, async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(REPO, "src/cli/bin.ts"), "pairs", CUE_CONFLICT, "--observers", "resnet50,cornet-s"],
      { cwd: REPO },
    );
    assert.match(stdout, /cornet-s,resnet50,model-model,1280,/);
    await assert.rejects(
      run(process.execPath, ["--import", "tsx", join(REPO, "src/cli/bin.ts"), "pairs"], { cwd: REPO }),
      (error: { code: number; stderr: string }) => error.code === 2 && /missing required argument 'path'/.test(error.stderr),
    );
  });
});
