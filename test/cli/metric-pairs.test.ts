import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { capa } from "../../src/core/capa.ts";
import { softmaxOf } from "../../src/core/probability-table.ts";
import { cli, csvObjects } from "../helpers.ts";
import { LM_EVAL_MODELS, LM_EVAL_TARGETS, writeLmEvalFixture } from "../io/lm-eval-fixture.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "trialwise-metric-cli-"));
  await writeLmEvalFixture(join(root, "lm"));
  await writeFile(
    join(root, "trials.csv"),
    [
      "subj,session,trial,rt,object_response,category,condition,imagename",
      "resnet,1,1,NaN,cat,cat,0,0001_cat1.png",
      "resnet,1,2,NaN,cat,dog,0,0002_dog1.png",
      "resnet,1,3,NaN,bird,bird,0,0003_bird1.png",
      "subject-01,1,1,500,cat,cat,0,0001_s01_cat1.png",
      "subject-01,1,2,500,bird,dog,0,0002_s01_dog1.png",
      "subject-01,1,3,500,bird,bird,0,0003_s01_bird1.png",
      "",
    ].join("\n"),
  );
});
after(async () => rm(root, { recursive: true, force: true }));

describe("trialwise pairs --metric", () => {
  test("capa on lm-evaluation-harness samples: the documented columns and the core's values", async () => {
    const run = await cli("pairs", join(root, "lm"), "--metric", "capa");
    assert.equal(run.code, 0, run.stderr);
    const [header] = run.stdout.split("\n");
    assert.equal(header, "dataset,condition,observer1,observer2,pair_type,n_trials,acc1,acc2,p_hat1,p_hat2,c_obs_p,c_exp_p,kappa_p");
    const rows = csvObjects(run.stdout);
    assert.equal(rows.length, 3);
    const expected = capa(LM_EVAL_MODELS["org__model-a"].map(softmaxOf), LM_EVAL_MODELS["org__model-b"].map(softmaxOf), LM_EVAL_TARGETS);
    assert.equal(rows[0].observer1, "org__model-a");
    assert.equal(rows[0].observer2, "org__model-b");
    assert.equal(rows[0].dataset, "arc_easy");
    assert.ok(Math.abs(Number(rows[0].kappa_p) - expected.kappa_p) < 1e-12);
  });

  test("without --metric, and with --metric error-kappa, the output is today's", async () => {
    const plain = await cli("pairs", join(root, "trials.csv"));
    const named = await cli("pairs", join(root, "trials.csv"), "--metric", "error-kappa");
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(named.stdout, plain.stdout);
    assert.match(plain.stdout.split("\n")[0], /^dataset,condition,observer1,observer2,pair_type,n_trials,n_both_correct/);
  });

  test("response-kappa and capa-discrete on trials; summary --metric averages the metric", async () => {
    const kappaRun = await cli("pairs", join(root, "trials.csv"), "--metric", "response-kappa");
    assert.equal(kappaRun.code, 0, kappaRun.stderr);
    const [row] = csvObjects(kappaRun.stdout);
    // Same answers on items 1 and 3: p_obs = 2/3; answer shares (bird cat dog): resnet 1/3 2/3 0, person 2/3 1/3 0;
    // p_exp = 2/9 + 2/9 = 4/9; kappa = (6/9 - 4/9) / (5/9) = 0.4.
    assert.ok(Math.abs(Number(row.response_kappa) - 0.4) < 1e-12);
    assert.equal(row.n_both_wrong, "1");
    assert.equal(row.same_wrong, "0");
    const summary = await cli("summary", join(root, "trials.csv"), "--metric", "response-kappa");
    assert.equal(summary.code, 0, summary.stderr);
    const model = csvObjects(summary.stdout).find((r) => r.kind === "model");
    assert.equal(model?.name, "resnet");
    assert.ok(Math.abs(Number(model?.mean) - 0.4) < 1e-12);
  });

  test("--skipped: the same columns as error kappa's skipped pairs", async () => {
    // resnet misses stimulus 0003: the pair is skipped under both metrics.
    const file = join(root, "skipped-trials.csv");
    await writeFile(
      file,
      [
        "subj,session,trial,rt,object_response,category,condition,imagename",
        "resnet,1,1,NaN,cat,cat,0,0001_cat1.png",
        "resnet,1,2,NaN,cat,dog,0,0002_dog1.png",
        "subject-01,1,1,500,cat,cat,0,0001_s01_cat1.png",
        "subject-01,1,2,500,bird,dog,0,0002_s01_dog1.png",
        "subject-01,1,3,500,bird,bird,0,0003_s01_bird1.png",
        "",
      ].join("\n"),
    );
    const headers: string[] = [];
    for (const metric of ["error-kappa", "response-kappa"]) {
      const out = join(root, `skipped-${metric}.csv`);
      const run = await cli("pairs", file, "--metric", metric, "--skipped", out);
      assert.equal(run.code, 0, run.stderr);
      const text = await readFile(out, "utf8");
      headers.push(text.split("\n")[0]);
      assert.equal(csvObjects(text)[0].n_only_observer2, "1");
    }
    assert.equal(headers[1], headers[0]);
    assert.equal(
      headers[0],
      "dataset,condition,observer1,observer2,pair_type,n_common,n_only_observer1,n_only_observer2,n_crossing_conditions,outcome",
    );
  });

  test("--scores: a model's score file replaces its answers", async () => {
    await writeFile(
      join(root, "resnet.csv"),
      [
        "imagename,category,decision,score_bird,score_cat,score_dog",
        "0001_cat1.png,cat,cat,0.1,0.6,0.3",
        "0002_dog1.png,dog,cat,0.1,0.5,0.4",
        "0003_bird1.png,bird,bird,0.8,0.1,0.1",
        "",
      ].join("\n"),
    );
    const run = await cli("pairs", join(root, "trials.csv"), "--metric", "capa", "--scores", join(root, "resnet.csv"));
    assert.equal(run.code, 0, run.stderr);
    const [row] = csvObjects(run.stdout);
    const expected = capa(
      [
        [0.1, 0.6, 0.3],
        [0.1, 0.5, 0.4],
        [0.8, 0.1, 0.1],
      ],
      [
        [0, 1, 0],
        [1, 0, 0],
        [1, 0, 0],
      ],
      [1, 2, 0],
    );
    assert.ok(Math.abs(Number(row.kappa_p) - expected.kappa_p) < 1e-12);
  });

  test("bad input and flags: located errors, exit codes, nothing written", async () => {
    await mkdir(join(root, "bad"));
    await writeFile(
      join(root, "bad", "resnet.csv"),
      [
        "imagename,category,decision,score_bird,score_cat,score_dog",
        "0001_cat1.png,cat,cat,0.1,0.6,0.3",
        "0002_dog1.png,dog,cat,0.1,0.6,0.2",
        "0003_bird1.png,bird,bird,0.8,0.1,0.1",
        "",
      ].join("\n"),
    );
    const out = join(root, "out.csv");
    const bad = await cli("pairs", join(root, "trials.csv"), "--metric", "capa", "--scores", join(root, "bad"), "-o", out);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^trialwise: error: .*bad\/resnet\.csv:3: probabilities sum to 0\.9 \(0\.1 below 1\)/);
    assert.equal(existsSync(out), false);
    const noMetric = await cli("pairs", join(root, "trials.csv"), "--scores", join(root, "bad"));
    assert.equal(noMetric.code, 2);
    assert.match(noMetric.stderr, /--scores needs --metric/);
    const ci = await cli("pairs", join(root, "lm"), "--metric", "capa", "--ci", "bca");
    assert.equal(ci.code, 2);
    assert.match(ci.stderr, /--ci is not available with --metric capa/);
  });
});
