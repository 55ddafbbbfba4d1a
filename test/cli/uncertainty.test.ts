import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FIXTURES, NO_SHARED_DATA, RAW_DATA, cli, csvObjects } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");

async function json(...argv: string[]) {
  const run = await cli(...argv, "--format", "json");
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe("trialwise ci", () => {
  test("JSON contract: kappa, lower, upper, method, n_trials; the same seed gives the same interval", async () => {
    const a = await json("ci", MINI, "--pair", "subject-01,alexnet", "--bootstrap", "2000", "--seed", "7");
    for (const key of ["kappa", "lower", "upper", "method", "n_trials"]) assert.ok(key in a, key);
    assert.ok(Math.abs(a.kappa - 0.4) < 1e-12);
    assert.equal(a.n_trials, 6);
    assert.equal(a.method, "percentile");
    assert.ok(a.lower <= a.kappa && a.kappa <= a.upper);
    assert.deepEqual(await json("ci", MINI, "--pair", "subject-01,alexnet", "--bootstrap", "2000", "--seed", "7"), a);
    const other = await json("ci", MINI, "--pair", "subject-01,alexnet", "--bootstrap", "2000", "--seed", "8");
    assert.equal(other.kappa, a.kappa);
  });

  test("analytic and BCa, and the small-sample kappa when asked", async () => {
    const analytic = await json("ci", MINI, "--pair", "alexnet,subject-01", "--method", "analytic", "--unbiased");
    assert.equal(analytic.method, "analytic");
    // n κ / ((n − 1) + κ) with n = 6, κ = 0.4.
    assert.ok(Math.abs(analytic.kappa_unbiased - (6 * 0.4) / (5 + 0.4)) < 1e-12);
    // The interval's ends through the same increasing map n k / ((n - 1) + k).
    assert.ok(Math.abs(analytic.kappa_unbiased_lower - (6 * analytic.lower) / (5 + analytic.lower)) < 1e-12);
    assert.ok(Math.abs(analytic.kappa_unbiased_upper - (6 * analytic.upper) / (5 + analytic.upper)) < 1e-12);
    const bca = await json("ci", MINI, "--pair", "alexnet,subject-01", "--method", "bca", "--bootstrap", "2000");
    assert.equal(bca.method, "bca");
  });

  test("usage errors: unknown observer, one observer, several datasets without --dataset", async () => {
    assert.equal((await cli("ci", MINI, "--pair", "alexnet,nobody")).code, 2);
    assert.equal((await cli("ci", MINI, "--pair", "alexnet")).code, 2);
    assert.equal((await cli("ci", MINI, "--pair", "alexnet,subject-01", "--level", "95")).code, 2);
  });

  test("on the published data: ResNet-50 vs subject-01 on cue-conflict", { skip: NO_SHARED_DATA }, async () => {
    const collection = await cli("ci", RAW_DATA, "--pair", "resnet50,subject-01");
    assert.equal(collection.code, 2);
    assert.match(collection.stderr, /choose one with --dataset/);
    const r = await json("ci", RAW_DATA, "--dataset", "texture-shape_cue-conflict", "--pair", "resnet50,subject-01");
    assert.equal(r.n_trials, 1280);
    assert.ok(r.lower > 0 && r.upper < 0.15 && r.lower < r.kappa && r.kappa < r.upper, JSON.stringify(r));
  });
});

describe("trialwise test", () => {
  test("exact: the hypergeometric p-values of a hand-computed table", async () => {
    // subject-01 vs subject-02: n = 6, 4 and 4 correct, 2 both. X ~ Hypergeometric:
    // P(X=2) = 6/15, P(X=3) = 8/15, P(X=4) = 1/15.
    const r = await json("test", MINI, "--pair", "subject-01,subject-02");
    assert.ok(Math.abs(r.p_less - 6 / 15) < 1e-12, String(r.p_less));
    assert.ok(Math.abs(r.p_greater - 1) < 1e-12, String(r.p_greater));
    assert.ok(Math.abs(r.p_two_sided - 7 / 15) < 1e-12, String(r.p_two_sided));
  });

  test("beta: a p-value from seeded null draws", async () => {
    const r = await json("test", MINI, "--pair", "subject-01,subject-02", "--method", "beta", "--draws", "2000", "--seed", "3");
    assert.equal(r.method, "beta");
    assert.ok(r.p > 0 && r.p <= 1, String(r.p));
    assert.equal(r.draws, 2000);
    assert.deepEqual(await json("test", MINI, "--pair", "subject-01,subject-02", "--method", "beta", "--draws", "2000", "--seed", "3"), r);
  });
});

describe("trialwise compare", { skip: NO_SHARED_DATA }, () => {
  test("two models: difference, interval and swap-test p", async () => {
    const r = await json("compare", CUE_CONFLICT, "--models", "resnet50,cornet-s", "--bootstrap", "300");
    assert.ok(Math.abs(r.difference - (0.067997 - 0.066464)) < 2e-6);
    assert.ok(r.lower < r.difference && r.difference < r.upper);
    assert.ok(r.p > 0.05, "ResNet-50 and CORnet-S do not differ detectably");
    assert.equal(r.n_humans, 10);
  });

  test("several models: adjusted all-pairs table and ranking with rank intervals", async () => {
    const r = await json("compare", CUE_CONFLICT, "--models", "resnet50,cornet-s,alexnet,vgg11-bn", "--bootstrap", "300");
    assert.equal(r.comparisons.length, 6);
    // Adjusted p-values never fall below the raw ones (up to rounding of p m / m).
    for (const c of r.comparisons) assert.ok(c.p_holm >= c.p - 1e-12 && c.p_bh >= c.p - 1e-12, JSON.stringify(c));
    assert.equal(r.ranking.length, 4);
    assert.ok(r.ranking.every((m: { rank_lower: number; rank_upper: number }) => m.rank_lower <= m.rank_upper));
    const table = await cli("compare", CUE_CONFLICT, "--models", "resnet50,cornet-s,alexnet", "--bootstrap", "200", "--format", "csv");
    assert.match(table.stdout.split("\n")[0], /^model,n_humans,mean,lower,upper,rank,rank_lower,rank_upper$/);
  });

  test("--humans restricts the humans; a human is not a model", async () => {
    const r = await json(
      "compare",
      CUE_CONFLICT,
      "--models",
      "resnet50,cornet-s",
      "--humans",
      "subject-01,subject-02",
      "--bootstrap",
      "200",
    );
    assert.equal(r.n_humans, 2);
    assert.equal((await cli("compare", CUE_CONFLICT, "--models", "resnet50,subject-01")).code, 2);
  });
});

describe("trialwise plan", () => {
  test("half-width: trials needed, the closed-form guess and the curve; a figure on request", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-plan-"));
    try {
      const figure = join(dir, "plan.svg");
      const r = await json("plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.05", "--figure", figure);
      assert.equal(r.goal, "half-width");
      assert.ok(r.trials > 500 && r.trials < 1200, String(r.trials));
      assert.ok(Array.isArray(r.curve) && r.curve.length >= 5);
      const svg = await readFile(figure, "utf8");
      assert.match(svg, /^<svg/);
      assert.ok(svg.includes(">Trials<"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("difference: power with humans, and the stated assumption", async () => {
    const r = await json(
      "plan",
      "--accuracy",
      "0.7,0.4",
      "--kappa",
      "0.3",
      "--delta",
      "0.1",
      "--power",
      "0.8",
      "--humans",
      "10",
      "--simulations",
      "1000",
    );
    assert.equal(r.goal, "difference");
    assert.equal(r.humans, 10);
    assert.ok(r.trials > 40 && r.trials < 200, String(r.trials));
    assert.match(r.assumption, /independent/);
  });

  test("usage errors: both goals, neither, impossible kappa", async () => {
    assert.equal((await cli("plan", "--accuracy", "0.7,0.4", "--kappa", "0.3")).code, 2);
    assert.equal((await cli("plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.05", "--delta", "0.1")).code, 2);
    const impossible = await cli("plan", "--accuracy", "0.9,0.2", "--kappa", "0.9", "--half-width", "0.05");
    assert.equal(impossible.code, 2);
    // accuracies 0.9 and 0.2: c_exp = 0.18 + 0.08 = 0.26; agreement at most 1 - |0.9 - 0.2| = 0.3 and at
    // least 1 - min(1.1, 0.9) = 0.1, so kappa lies in [(0.1 - 0.26) / 0.74, (0.3 - 0.26) / 0.74]
    assert.match(
      impossible.stderr,
      /^trialwise: --kappa: 0\.9 is outside the range \[-0\.216216, 0\.0540541\] that --accuracy 0\.9,0\.2 allows/,
    );
    const tooFar = await cli("plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--delta", "0.3");
    assert.equal(tooFar.code, 2);
    // 0.7 and 0.4: c_exp = 0.28 + 0.18 = 0.46, kappa_max = (0.7 - 0.46) / 0.54 = 0.444444, so --delta may be at most 0.144444
    assert.match(tooFar.stderr, /^trialwise: --delta: .*0\.6, above the largest kappa 0\.444444 .*at most 0\.144444/);
    const undefinedKappa = await cli("plan", "--accuracy", "1,1", "--kappa", "0", "--half-width", "0.05");
    assert.equal(undefinedKappa.code, 2);
    assert.match(undefinedKappa.stderr, /^trialwise: --accuracy: kappa is undefined/);
    // One observer always right: every trial's agreement is the other's accuracy, kappa is 0 whatever the trials.
    for (const kappa of ["0", "0.3"]) {
      const degenerate = await cli("plan", "--accuracy", "1,0.4", "--kappa", kappa, "--half-width", "0.05");
      assert.equal(degenerate.code, 2);
      assert.match(degenerate.stderr, /^trialwise: --accuracy: with an accuracy of 0 or 1, kappa is 0 whatever the trials/);
    }
  });
});

describe("trialwise pairs --ci and --normalized", () => {
  test("appended columns; each pair's interval is the one `trialwise ci` gives", async () => {
    const run = await cli("pairs", MINI, "--ci", "percentile", "--bootstrap", "500", "--seed", "4", "--normalized");
    assert.equal(run.code, 0, run.stderr);
    const [header, ...lines] = run.stdout.trimEnd().split("\n");
    assert.match(header, /,kappa_min,kappa_max,ci_lower,ci_upper,kappa_normalized$/);
    const columns = header.split(",");
    const row = lines
      .map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i], v])))
      .find((r) => r.observer1 === "alexnet" && r.observer2 === "subject-01")!;
    const single = await json("ci", MINI, "--pair", "subject-01,alexnet", "--bootstrap", "500", "--seed", "4");
    assert.equal(Number(row.ci_lower), single.lower);
    assert.equal(Number(row.ci_upper), single.upper);
    assert.ok(Math.abs(Number(row.kappa_normalized) - Number(row.kappa) / Number(row.kappa_max)) < 1e-15);
  });
});

describe("trialwise summary: bootstrap interval columns", () => {
  test("boot_lower and boot_upper from the joint stimulus bootstrap; --bootstrap 0 leaves them out", async () => {
    const run = await cli("summary", MINI, "--bootstrap", "300", "--seed", "2");
    assert.equal(run.code, 0, run.stderr);
    const [header, ...lines] = run.stdout.trimEnd().split("\n");
    assert.equal(header, "dataset,condition,kind,name,n_pairs,n_undefined,mean,sd,ci95,boot_lower,boot_upper");
    const columns = header.split(",");
    const rows = lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i], v])));
    for (const row of rows) {
      assert.ok(
        Number(row.boot_lower) <= Number(row.mean) + 1e-12 && Number(row.mean) <= Number(row.boot_upper) + 1e-12,
        JSON.stringify(row),
      );
    }
    const json = JSON.parse((await cli("summary", MINI, "--bootstrap", "300", "--seed", "2", "--format", "json")).stdout);
    assert.equal(json.bootstrap.method, "joint stimulus bootstrap");
    assert.equal(json.bootstrap.replicates, 300);
    const off = await cli("summary", MINI, "--bootstrap", "0");
    assert.equal(off.stdout.split("\n")[0], "dataset,condition,kind,name,n_pairs,n_undefined,mean,sd,ci95");
  });

  test("on the published data: the human-human interval of cue-conflict brackets 0.331052", { skip: NO_SHARED_DATA }, async () => {
    const json = JSON.parse((await cli("summary", CUE_CONFLICT, "--format", "json", "--bootstrap", "500")).stdout);
    const hh = json.summary.find((r: { name: string }) => r.name === "human-human");
    assert.ok(hh.boot_lower < 0.331052 && 0.331052 < hh.boot_upper, JSON.stringify(hh));
    assert.ok(hh.boot_upper - hh.boot_lower < 0.1);
  });
});

describe("ci and test on real selections (issue 14, part 2)", () => {
  const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");

  for (const command of ["ci", "test"]) {
    test(
      `${command}: a condition one of the pair lacks is a usage error naming each observer's conditions, not a crash`,
      { skip: NO_SHARED_DATA },
      async () => {
        const model = await cli(command, CUE_CONFLICT, "--pair", "resnet50,subject-01", "--condition", "0");
        assert.equal(model.code, 2, model.stderr);
        assert.doesNotMatch(model.stderr, /TypeError|n_trials/);
        assert.match(
          model.stderr,
          /^trialwise: --condition: the pair resnet50,subject-01 has no trials in condition "0": "resnet50" has trials under "NaN" only, "subject-01" under "0" only\n$/,
        );
        const human = await cli(command, CUE_CONFLICT, "--pair", "subject-01,resnet50", "--condition", "NaN");
        assert.equal(human.code, 2, human.stderr);
        assert.match(human.stderr, /no trials in condition "NaN": "subject-01" has trials under "0" only, "resnet50" under "NaN" only/);
      },
    );
  }

  test(
    "ci --condition on a noise dataset: the message names the condition and the flags given, and says what would help",
    { skip: NO_SHARED_DATA },
    async () => {
      const run = await cli("ci", CONTRAST, "--pair", "resnet50,subject-01", "--condition", "c05");
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /condition "all"|--strict/);
      assert.match(
        run.stderr,
        /observers "resnet50" and "subject-01" saw different stimuli in condition "c05" \(9 common, 1111 only "resnet50", 151 only "subject-01"\); --intersect computes the pair on its 9 common trials/,
      );
      const strict = await cli("ci", CONTRAST, "--pair", "resnet50,subject-01", "--condition", "c05", "--strict");
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /in condition "c05" .*--strict expects identical stimulus sets/);
      assert.equal((await cli("ci", CONTRAST, "--pair", "resnet50,subject-01", "--intersect", "--strict")).code, 2);
    },
  );

  test(
    "ci and test --intersect: a model-human pair of the noise data, per condition and pooled within conditions, with notes",
    { skip: NO_SHARED_DATA },
    async () => {
      const c05 = await cli(
        "ci",
        CONTRAST,
        "--pair",
        "resnet50,subject-01",
        "--condition",
        "c05",
        "--intersect",
        "--method",
        "analytic",
        "--format",
        "json",
      );
      assert.equal(c05.code, 0, c05.stderr);
      const interval = JSON.parse(c05.stdout);
      assert.equal(interval.condition, "c05");
      assert.equal(interval.n_trials, 9);
      const pairs = await cli(
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
      const row = pairs.stdout
        .split("\n")
        .find((line) => line.includes(",c05,"))!
        .split(",");
      assert.equal(interval.kappa, Number(row[12]));
      assert.match(
        c05.stderr,
        /note: computed on the 9 trials both observers saw in condition "c05" \(1111 only "resnet50", 151 only "subject-01" left out\)/,
      );
      assert.match(c05.stderr, /note: resnet50 vs subject-01 is on 9 trials only \(under 30\)/);

      const pooled = await cli("test", CONTRAST, "--pair", "resnet50,subject-01", "--intersect", "--format", "json");
      assert.equal(pooled.code, 0, pooled.stderr);
      const result = JSON.parse(pooled.stdout);
      assert.equal(result.condition, "all");
      assert.equal(result.n_trials, 48);
      assert.match(
        pooled.stderr,
        /note: conditions pooled, trials matched within conditions: 48 matched; 278 stimuli both saw only under different conditions were not matched/,
      );
      assert.doesNotMatch(pooled.stderr, /under 30/);
    },
  );
});

describe("trialwise ci and pairs --ci: the Jeffreys posterior interval", () => {
  test("ci --method jeffreys brackets kappa, and pairs --ci jeffreys gives each pair the same interval", async () => {
    const single = await json("ci", MINI, "--pair", "subject-01,alexnet", "--method", "jeffreys", "--bootstrap", "2000", "--seed", "4");
    assert.equal(single.method, "jeffreys");
    assert.ok(single.lower < single.kappa && single.kappa < single.upper, JSON.stringify(single));
    const run = await cli("pairs", MINI, "--ci", "jeffreys", "--bootstrap", "2000", "--seed", "4");
    assert.equal(run.code, 0, run.stderr);
    const row = csvObjects(run.stdout).find((r) => r.observer1 === "alexnet" && r.observer2 === "subject-01")!;
    assert.equal(Number(row.ci_lower), single.lower);
    assert.equal(Number(row.ci_upper), single.upper);
  });
});
