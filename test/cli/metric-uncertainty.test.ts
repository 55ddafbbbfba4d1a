import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pairMetricInterval } from "../../src/core/metric-bootstrap.ts";
import { pairSeed } from "../../src/core/pair-intervals.ts";
import { readLmEvalSamples } from "../../src/io/lm-eval.ts";
import { cli, csvObjects, seededRandom } from "../helpers.ts";
import { writeLmEvalFixture } from "../io/lm-eval-fixture.ts";

let root: string;

/**
 * Trials in the model-vs-human schema: 3 humans and 3 models on 40 stimuli of `categories`,
 * conditions "a" and "b" (models only in "b" where `modelsOnlyIn` says so).
 */
function trialFile(categories: string[], seed: number): string {
  const next = seededRandom(seed);
  const lines = ["subj,session,trial,rt,object_response,category,condition,imagename"];
  const observers = ["subject-01", "subject-02", "subject-03", "alexnet", "resnet", "vgg"];
  const accuracy = [0.8, 0.7, 0.75, 0.55, 0.85, 0.65];
  for (let s = 0; s < 40; s++) {
    const truth = categories[s % categories.length];
    const hard = next() < 0.3;
    observers.forEach((observer, o) => {
      let response = truth;
      if (next() >= (hard ? accuracy[o] - 0.4 : accuracy[o])) {
        const wrong = categories.filter((c) => c !== truth);
        response = wrong[Math.floor(next() * wrong.length)];
      }
      const id = `${String(s + 1).padStart(4, "0")}`;
      const image = observer.startsWith("subject") ? `${id}_s${o}_${truth}${s}.png` : `${id}_${truth}${s}.png`;
      lines.push([observer, 1, s + 1, observer.startsWith("subject") ? 500 : "NaN", response, truth, s < 20 ? "a" : "b", image].join(","));
    });
  }
  return lines.join("\n") + "\n";
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "trialwise-metric-ci-"));
  await writeLmEvalFixture(join(root, "lm"));
  await writeFile(join(root, "binary.csv"), trialFile(["cat", "dog"], 5));
  await writeFile(join(root, "sixteen.csv"), trialFile(["airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat"], 6));
});
after(async () => rm(root, { recursive: true, force: true }));

const number = (v: string | undefined) => Number(v);

describe("trialwise ci --metric", () => {
  test("capa on lm-evaluation-harness samples: documented columns, the core's interval with the pair's seed", async () => {
    const run = await cli(
      "ci",
      join(root, "lm"),
      "--pair",
      "org__model-a,org__model-b",
      "--metric",
      "capa",
      "--bootstrap",
      "500",
      "--format",
      "csv",
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout.split("\n")[0],
      "dataset,condition,observer1,observer2,metric,n_trials,kappa_p,lower,upper,method,level,replicates,undefined_replicates,seed",
    );
    const [row] = csvObjects(run.stdout);
    const [table] = await readLmEvalSamples(join(root, "lm"));
    const expected = pairMetricInterval(table, "capa", "org__model-a", "org__model-b", [0, 1, 2, 3], {
      method: "percentile",
      level: 0.95,
      replicates: 500,
      seed: pairSeed(1, "org__model-a", "org__model-b"),
    });
    assert.equal(row.dataset, "arc_easy");
    assert.equal(row.n_trials, "4");
    assert.equal(number(row.kappa_p), expected.value);
    assert.equal(number(row.lower), expected.lower);
    assert.equal(number(row.upper), expected.upper);
    assert.equal(row.seed, "1");
  });

  test("seeded: the same seed gives the same output, another seed another; the pair in either order the same interval", async () => {
    const args = ["ci", join(root, "sixteen.csv"), "--metric", "response-kappa", "--bootstrap", "300", "--format", "json"];
    const first = await cli(...args, "--pair", "resnet,subject-01");
    const again = await cli(...args, "--pair", "resnet,subject-01");
    const other = await cli(...args, "--pair", "resnet,subject-01", "--seed", "2");
    const reversed = await cli(...args, "--pair", "subject-01,resnet");
    assert.equal(first.code, 0, first.stderr);
    assert.equal(again.stdout, first.stdout);
    assert.notEqual(other.stdout, first.stdout);
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(reversed.stdout);
    assert.deepEqual([b.response_kappa, b.lower, b.upper], [a.response_kappa, a.lower, a.upper]);
    assert.ok(a.lower <= a.response_kappa && a.response_kappa <= a.upper);
  });

  test("--condition: the pair's items in that condition only", async () => {
    const run = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "dmc", "--condition", "a");
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.condition, "a");
    assert.equal(result.n_trials, 20);
    const missing = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "dmc", "--condition", "z");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--condition: dataset "sixteen" has no condition "z"; found a, b/);
  });

  test("--metric error-kappa is today's ci, byte for byte", async () => {
    const args = [
      "ci",
      join(root, "binary.csv"),
      "--pair",
      "resnet,subject-01",
      "--method",
      "bca",
      "--bootstrap",
      "400",
      "--format",
      "json",
    ];
    const plain = await cli(...args);
    const named = await cli(...args, "--metric", "error-kappa");
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(named.stdout, plain.stdout);
    assert.ok("kappa" in JSON.parse(plain.stdout));
  });

  test("bad input and flags: capa without probabilities, an unknown metric, methods the metric lacks; nothing written", async () => {
    const out = join(root, "ci.json");
    const noScores = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "capa", "-o", out);
    assert.equal(noScores.code, 1);
    assert.match(
      noScores.stderr,
      /^trialwise: error: .*sixteen\.csv: --metric capa compares probabilities, but no observer of dataset "sixteen" has any .*--metric capa-discrete/,
    );
    assert.equal(existsSync(out), false);
    const unknown = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "kappa-p");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /error-kappa, capa, capa-discrete, dmc, response-kappa/);
    const analytic = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "dmc", "--method", "analytic");
    assert.equal(analytic.code, 2);
    assert.match(analytic.stderr, /--method analytic is not available with --metric dmc; use percentile or bca/);
    const unbiased = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,subject-01", "--metric", "dmc", "--unbiased");
    assert.equal(unbiased.code, 2);
    const unknownObserver = await cli("ci", join(root, "sixteen.csv"), "--pair", "resnet,nobody", "--metric", "dmc");
    assert.equal(unknownObserver.code, 2);
    assert.match(unknownObserver.stderr, /--pair: no observer "nobody"/);
  });
});

describe("trialwise ci --metric: pairs with different items", () => {
  test("an item only one model answered: an error naming --intersect; with it, the common items and a note", async () => {
    const dir = join(root, "lm-missing");
    await writeLmEvalFixture(dir);
    const file = join(dir, "org__model-c", "samples_arc_easy_2024-05-01T10-20-30.123456.jsonl");
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    await writeFile(file, lines.slice(0, 3).join("\n") + "\n");
    const pair = ["ci", dir, "--pair", "org__model-a,org__model-c", "--metric", "capa-discrete", "--bootstrap", "50"];
    const refused = await cli(...pair);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /answered different items \(conditions pooled\) \(3 common, 1 only "org__model-a", 0 only "org__model-c"\); --intersect/,
    );
    const intersected = await cli(...pair, "--intersect", "--format", "json");
    assert.equal(intersected.code, 0, intersected.stderr);
    assert.equal(JSON.parse(intersected.stdout).n_trials, 3);
    assert.match(intersected.stderr, /note: computed on the 3 items both observers answered/);
  });
});

describe("trialwise summary --metric with bootstrap intervals", () => {
  test("bad input and flags: capa without probabilities, an unknown model; nothing written", async () => {
    const out = join(root, "summary.csv");
    const noScores = await cli("summary", join(root, "sixteen.csv"), "--metric", "capa", "-o", out);
    assert.equal(noScores.code, 1);
    assert.match(noScores.stderr, /--metric capa compares probabilities, but no observer of dataset "sixteen" has any/);
    const unknown = await cli("summary", join(root, "sixteen.csv"), "--metric", "dmc", "--models", "resnet,subject-01,nobody", "-o", out);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--models: "subject-01", "nobody" are not models of .*; known: alexnet, resnet, vgg/);
    assert.equal(existsSync(out), false);
  });

  test("with two categories, capa-discrete's boot_lower/boot_upper equal error kappa's (same seed, also hierarchical)", async () => {
    for (const extra of [[], ["--hierarchical"]]) {
      const args = ["summary", join(root, "binary.csv"), "--bootstrap", "300", "--seed", "3", "--format", "csv", ...extra];
      const kappa = csvObjects((await cli(...args)).stdout);
      const run = await cli(...args, "--metric", "capa-discrete");
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.split("\n")[0], "dataset,condition,kind,name,n_pairs,n_undefined,mean,sd,ci95,boot_lower,boot_upper");
      const metric = csvObjects(run.stdout);
      assert.equal(metric.length, kappa.length);
      metric.forEach((row, k) => {
        assert.equal(row.name, kappa[k].name);
        for (const column of ["mean", "boot_lower", "boot_upper"])
          assert.ok(
            Math.abs(number(row[column]) - number(kappa[k][column])) < 1e-12,
            `${row.name} ${column}: ${row[column]} vs ${kappa[k][column]}`,
          );
      });
    }
  });

  test("--bootstrap 0 leaves the intervals out; json says how they were computed; --by condition bootstraps each condition", async () => {
    const none = await cli("summary", join(root, "sixteen.csv"), "--metric", "dmc", "--bootstrap", "0", "--format", "csv");
    assert.equal(none.stdout.split("\n")[0], "dataset,condition,kind,name,n_pairs,n_undefined,mean,sd,ci95");
    const json = await cli(
      "summary",
      join(root, "sixteen.csv"),
      "--metric",
      "dmc",
      "--bootstrap",
      "50",
      "--by",
      "condition",
      "--format",
      "json",
    );
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.metric, "dmc");
    assert.deepEqual(parsed.bootstrap, {
      method: "joint stimulus bootstrap",
      interval: "percentile",
      replicates: 50,
      seed: 1,
      level: 0.95,
      hierarchical: false,
    });
    assert.deepEqual([...new Set(parsed.summary.map((r: { condition: string }) => r.condition))], ["a", "b"]);
    for (const row of parsed.summary) assert.ok(row.boot_lower <= row.mean && row.mean <= row.boot_upper, JSON.stringify(row));
  });
});

describe("trialwise compare --metric", () => {
  test("with two categories, capa-discrete's comparison equals error kappa's (all models, and a pair)", async () => {
    for (const models of ["all", "vgg,resnet"]) {
      const args = ["compare", join(root, "binary.csv"), "--models", models, "--bootstrap", "200", "--format", "json"];
      const kappa = JSON.parse((await cli(...args)).stdout);
      const run = await cli(...args, "--metric", "capa-discrete");
      assert.equal(run.code, 0, run.stderr);
      const metric = JSON.parse(run.stdout);
      assert.equal(metric.metric, "capa-discrete");
      delete metric.metric;
      const rounded = (value: unknown): unknown =>
        JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "number" ? Number(v.toPrecision(12)) : v)));
      assert.deepEqual(rounded(metric), rounded(kappa));
    }
  });

  test("--humans restricts the humans; a model with other items is named in a note", async () => {
    const run = await cli(
      "compare",
      join(root, "sixteen.csv"),
      "--models",
      "alexnet,vgg",
      "--metric",
      "response-kappa",
      "--humans",
      "subject-01,subject-02",
      "--bootstrap",
      "50",
      "--format",
      "json",
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.n_humans, 2);
    assert.equal(result.model_a, "alexnet");
    assert.ok(result.p > 0 && result.p <= 1);
    const human = await cli("compare", join(root, "sixteen.csv"), "--models", "alexnet,subject-01", "--metric", "dmc");
    assert.equal(human.code, 2);
    assert.match(human.stderr, /"subject-01" is not a model/);
  });
});

describe("trialwise summary --hierarchical (error kappa)", () => {
  test("a condition without humans gets a note, not a stack trace (failed before)", async () => {
    const lines = (await readFile(join(root, "binary.csv"), "utf8")).trimEnd().split("\n");
    const kept = lines.filter((line, i) => i === 0 || !(line.startsWith("subject") && line.includes(",b,")));
    await writeFile(join(root, "no-humans-in-b.csv"), kept.join("\n") + "\n");
    const run = await cli(
      "summary",
      join(root, "no-humans-in-b.csv"),
      "--by",
      "condition",
      "--hierarchical",
      "--bootstrap",
      "50",
      "--format",
      "csv",
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /\[b\]: no bootstrap intervals \(no humans to resample \(--hierarchical\)\)/);
    const rows = csvObjects(run.stdout).filter((r) => r.condition === "b");
    assert.ok(rows.length > 0 && rows.every((r) => r.boot_lower === ""));
  });
});
