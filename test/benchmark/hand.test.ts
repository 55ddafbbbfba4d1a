import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pandasColumnText, pythonFloatText } from "../../src/benchmark/labels.ts";
import { cli } from "../helpers.ts";

/**
 * Small human data and models whose every number is worked out by hand below. Each condition
 * has 4 stimuli; a bit string is one observer's correct (1) / wrong (0) answers on them.
 */
type Answers = Record<string, string>;

async function writeObserver(dir: string, dataset: string, file: string, subj: string, answers: Answers): Promise<void> {
  const lines = ["subj,Session,trial,rt,object_response,category,condition,imagename"];
  let trial = 0;
  for (const [condition, bits] of Object.entries(answers)) {
    [...bits].forEach((bit, s) => {
      trial++;
      const category = ["airplane", "bear", "boat", "car"][s];
      lines.push(
        `${subj},1,${trial},0.5,${bit === "1" ? category : "knife"},${category},${condition},${String(trial).padStart(4, "0")}_x_s01_${condition}_${category}_10_n0${condition.toLowerCase().replace(/\W/g, "")}_${s}.png`,
      );
    });
  }
  await mkdir(join(dir, dataset), { recursive: true });
  await writeFile(join(dir, dataset, file), `${lines.join("\n")}\n`);
}

describe("benchmark score: hand-computed values", () => {
  let root: string;
  let humans: string;
  let models: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "trialwise-benchmark-hand-"));
    humans = join(root, "raw-data");
    models = join(root, "models");
    // rotation: condition 0 is excluded; 90, 180, 270 count.
    await writeObserver(humans, "rotation", "rotation_subject-01_session_1.csv", "subject-01", {
      "0": "1111",
      "90": "1100",
      "180": "1111",
      "270": "0000",
    });
    await writeObserver(humans, "rotation", "rotation_subject-02_session_1.csv", "subject-02", {
      "0": "1111",
      "90": "1110",
      "180": "1111",
      "270": "1000",
    });
    await writeObserver(models, "rotation", "rotation_model-a_session-1.csv", "model-a", {
      "0": "0000",
      "90": "1010",
      "180": "1111",
      "270": "0000",
    });
    // false-colour: the people's files say true/false, the model's True/False (pandas reads both as True/False); True is excluded.
    await writeObserver(humans, "false-colour", "false-colour_subject-01_session_1.csv", "subject-01", { true: "1111", false: "1100" });
    await writeObserver(humans, "false-colour", "false-colour_subject-02_session_1.csv", "subject-02", { true: "1111", false: "1110" });
    await writeObserver(models, "false-colour", "false-colour_model-a_session-1.csv", "model-a", { True: "1111", False: "1010" });
  });
  after(() => rm(root, { recursive: true, force: true }));

  const run = (...extra: string[]) =>
    cli(
      "benchmark",
      "model-vs-human",
      "score",
      models,
      "--humans",
      humans,
      "--datasets",
      "rotation,false-colour",
      "--bootstrap",
      "0",
      ...extra,
    );

  test("model-vs-human's metrics with its kappa = 1 rule, exclusions, averaging order; Brain-Score's ceiling, raw and ceiled", async () => {
    const out = join(root, "out-one");
    const result = await run("--out", out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /kappa = 1 where c_obs = 1, as model-vs-human/);
    const json = JSON.parse(await readFile(join(out, "benchmark.json"), "utf8"));
    const r = json.datasets.rotation;
    const m = r.models["model-a"];
    // 90: kappa(a, s1) = 0, kappa(a, s2) = 0.5; 180: all correct, c_obs = 1 -> 1 (rule); 270: a and s1 all wrong -> 1 (rule), kappa(a, s2) = 0.
    // Per person over conditions: s1 (0 + 1 + 1) / 3, s2 (0.5 + 1 + 0) / 3; then over people.
    close(m.error_consistency, (2 / 3 + 0.5) / 2);
    // c_obs: s1 (0.5, 1, 1), s2 (0.75, 1, 0.75).
    close(m.observed_consistency, 5 / 6);
    // (a_m - a_h)^2: s1 (0, 0, 0), s2 (0.0625, 0, 0.0625).
    close(m.accuracy_difference, 0.125 / 6);
    // Pooled over the 12 included trials (condition 0 left out): 2 + 4 + 0.
    close(m.ood_accuracy, 0.5);
    close(m.chance_observed_consistency, (0.5 + 1 + 1 + 0.5 + 1 + 0.75) / 6);
    // Brain-Score: no rule, undefined kappas left out: s1 (0), s2 (0.5, 0) -> (0 + 0.25) / 2; ceiling: pair (0.5, 0) -> 0.25.
    close(m.brain_score_raw, 0.125);
    close(r.human_ceiling, 0.25);
    close(m.brain_score_ceiled, 0.5);
    // The human row with the rule: (0.5 + 1 + 0) / 3; pooled accuracy 14 / 24.
    close(r.humans_row.error_consistency, 0.5);
    close(r.humans_row.ood_accuracy, 14 / 24);
    // false-colour: only False counts: a = 1010 vs 1100 (kappa 0) and 1110 (kappa 0.5).
    close(json.datasets["false-colour"].models["model-a"].error_consistency, 0.25);
    close(json.datasets["false-colour"].human_ceiling, 0.5);
    // The benchmark: means over the two datasets.
    close(json.models["model-a"].error_consistency, ((2 / 3 + 0.5) / 2 + 0.25) / 2);
    close(json.humans.error_consistency, (0.5 + 0.5) / 2);
    assert.equal(json.models["model-a"].mean_rank, 1);
    assert.deepEqual(json.leaderboard, ["model-a"]);
    const files = (await readdir(out)).sort();
    assert.deepEqual(files, [".trialwise-output", "benchmark.json", "comparisons.csv", "index.html", "leaderboard.csv"]);
    const csv = (await readFile(join(out, "leaderboard.csv"), "utf8")).trimEnd().split("\n");
    assert.match(csv[0], /^rank,model,mean_rank,mean_rank_lower,mean_rank_upper,ood_accuracy,/);
    assert.match(csv[1], /^1,model-a,1,,,/);
    assert.match(csv[2], /^,humans,/);
    const html = await readFile(join(out, "index.html"), "utf8");
    assert.match(html, /<svg/);
    assert.match(html, /model-a/);
  });

  test("--kappa-undefined: kappas with c_obs = c_exp = 1 are left out of the means instead", async () => {
    const out = join(root, "out-undefined");
    const result = await run("--out", out, "--kappa-undefined");
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(await readFile(join(out, "benchmark.json"), "utf8"));
    // s1: (0) only; s2: (0.5, 0).
    close(json.datasets.rotation.models["model-a"].error_consistency, (0 + 0.25) / 2);
    close(json.datasets.rotation.humans_row.error_consistency, 0.25);
    assert.match(json.about.conventions.kappa_rule, /undefined where c_exp = 1/);
  });

  test("intervals: seeded, reproducible, around the point value", async () => {
    const a = join(root, "out-boot-a");
    const b = join(root, "out-boot-b");
    assert.equal(
      (
        await cli(
          "benchmark",
          "model-vs-human",
          "score",
          models,
          "--humans",
          humans,
          "--datasets",
          "rotation,false-colour",
          "--bootstrap",
          "200",
          "--seed",
          "7",
          "--out",
          a,
        )
      ).code,
      0,
    );
    assert.equal(
      (
        await cli(
          "benchmark",
          "model-vs-human",
          "score",
          models,
          "--humans",
          humans,
          "--datasets",
          "rotation,false-colour",
          "--bootstrap",
          "200",
          "--seed",
          "7",
          "--out",
          b,
        )
      ).code,
      0,
    );
    const ja = await readFile(join(a, "benchmark.json"), "utf8");
    assert.equal(ja, await readFile(join(b, "benchmark.json"), "utf8"));
    const json = JSON.parse(ja);
    const [lower, upper] = json.models["model-a"].intervals.ood_accuracy;
    assert.ok(lower < 0.5 && 0.5 < upper, `${lower} ${upper}`);
    assert.equal(json.about.intervals.replicates, 200);
  });

  test("bad input: a clear message and nothing written", async () => {
    const cases: [string[], RegExp, number][] = [
      [["--datasets", "rotation,nope"], /--datasets: unknown dataset "nope"/, 2],
      [["--datasets", "rotation,colour"], /the human data lack dataset colour/, 1],
    ];
    for (const [flags, message, code] of cases) {
      const out = join(root, "out-bad");
      const result = await cli(
        "benchmark",
        "model-vs-human",
        "score",
        models,
        "--humans",
        humans,
        "--bootstrap",
        "0",
        "--out",
        out,
        ...flags,
      );
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(existsSync(out), false);
    }
    // A model file covering part of a condition; two files for one model and dataset; a model missing a dataset.
    const partial = join(root, "partial");
    await writeObserver(partial, "rotation", "rotation_model-a_session-1.csv", "model-a", { "90": "1010", "180": "111", "270": "0000" });
    await writeObserver(partial, "false-colour", "false-colour_model-a_session-1.csv", "model-a", { False: "1010" });
    const two = join(root, "two");
    await writeObserver(two, "rotation", "rotation_model-a_session-1.csv", "model-a", { "90": "1010", "180": "1111", "270": "0000" });
    await writeObserver(two, "rotation", "rotation_model-a_session-2.csv", "model-a", { "90": "1010" });
    const lacking = join(root, "lacking");
    await writeObserver(lacking, "rotation", "rotation_model-b_session-1.csv", "model-b", { "90": "1010", "180": "1111", "270": "0000" });
    const badLabel = join(root, "bad-label");
    await writeObserver(badLabel, "rotation", "rotation_model-c_session-1.csv", "model-c", {
      "90.0": "1010",
      "180.0": "1111",
      "270.0": "0000",
    });
    const more: [string, RegExp][] = [
      [
        partial,
        /model "model-a" \(.*rotation_model-a_session-1.csv\) answered 3 of the 4 images of condition "180" of rotation \(missing "n0180_3.png"\)/,
      ],
      [two, /two files hold trials of model "model-a" on dataset rotation/],
      [lacking, /model "model-b" has no trials on false-colour/],
      [badLabel, /condition "90.0" is not a condition of rotation; expected one of "0", "90", "180", "270"/],
    ];
    for (const [path, message] of more) {
      const out = join(root, "out-bad");
      const result = await cli(
        "benchmark",
        "model-vs-human",
        "score",
        path,
        "--humans",
        humans,
        "--datasets",
        "rotation,false-colour",
        "--bootstrap",
        "0",
        "--out",
        out,
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.equal(existsSync(out), false);
    }
  });
});

test("condition labels read as pandas reads a file's column", () => {
  assert.deepEqual(pandasColumnText(["0.00", "0.03", "0.90"]), ["0.0", "0.03", "0.9"]);
  assert.deepEqual(pandasColumnText(["inf", "3", "1", "0.4"]), ["inf", "3.0", "1.0", "0.4"]);
  assert.deepEqual(pandasColumnText(["0", "90", "007"]), ["0", "90", "7"]);
  assert.deepEqual(pandasColumnText(["0", "", "90"]), ["0.0", "nan", "90.0"]);
  assert.deepEqual(pandasColumnText(["true", "FALSE", "True"]), ["True", "False", "True"]);
  assert.deepEqual(pandasColumnText(["0", "pow"]), ["0", "pow"]);
  assert.deepEqual(pandasColumnText(["c100", "NaN"]), ["c100", "nan"]);
  assert.deepEqual(pandasColumnText(["NaN", "nan"]), ["nan", "nan"]);
  for (const [value, text] of [
    [0.03, "0.03"],
    [3, "3.0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e16, "1e+16"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1.5e-7, "1.5e-07"],
    [-2.5, "-2.5"],
    [Infinity, "inf"],
  ] as const) {
    assert.equal(pythonFloatText(value), text, String(value));
  }
});

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} vs ${expected}`);
}
