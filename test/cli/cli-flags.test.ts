/**
 * Flag values at the command line: every bad value is a usage error (exit 2) whose message
 * names the flag, the value and what was expected, never a stack trace, a silently changed
 * value or a run that cannot finish.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, cli } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const PAIR = ["--pair", "subject-01,alexnet"];

/** Runs the CLI and checks a usage error: exit 2, the message, no stack trace. */
async function usage(args: string[], message: RegExp): Promise<string> {
  const run = await cli(...args);
  assert.equal(run.code, 2, `exit code of ${args.join(" ")}; stderr: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  assert.equal(run.stdout, "");
  return run.stderr;
}

async function json(...args: string[]) {
  const run = await cli(...args, "--format", "json");
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe("--seed", () => {
  test('"" is an error in every command that takes a seed', async () => {
    const expected = /--seed: expected a whole number from 0 to 9007199254740991, not ""/;
    await usage(["ci", MINI, ...PAIR, "--seed", ""], expected);
    await usage(["test", MINI, ...PAIR, "--method", "beta", "--seed", ""], expected);
    await usage(["compare", MINI, "--models", "alexnet,resnet50", "--seed", ""], expected);
    await usage(["summary", MINI, "--seed", ""], expected);
    await usage(["pairs", MINI, "--ci", "percentile", "--seed", ""], expected);
    await usage(["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.05", "--seed", ""], expected);
    await usage(["bench", "kernel", "--observers", "2", "--trials", "10", "--seed", ""], expected);
  });

  test("1e3 is the seed 1000; 2^53 - 1 is the largest; 2^53 + 1 is refused, not rounded", async () => {
    const a = await json("ci", MINI, ...PAIR, "--bootstrap", "200", "--seed", "1e3");
    assert.equal(a.seed, 1000);
    assert.deepEqual(await json("ci", MINI, ...PAIR, "--bootstrap", "200", "--seed", "1000"), a);
    assert.equal((await json("ci", MINI, ...PAIR, "--bootstrap", "200", "--seed", "9007199254740991")).seed, 9007199254740991);
    await usage(
      ["ci", MINI, ...PAIR, "--seed", "9007199254740993"],
      /--seed: "9007199254740993" is more than 9007199254740991, the largest allowed/,
    );
    await usage(["ci", MINI, ...PAIR, "--seed", "1.0000000000000001"], /--seed: expected a whole number/);
    await usage(["ci", MINI, ...PAIR, "--seed", "0x10"], /--seed: expected a whole number/);
    await usage(["ci", MINI, ...PAIR, "--seed", "-1"], /--seed: expected a whole number from 0/);
  });
});

describe("--bootstrap", () => {
  test("not whole, negative or zero", async () => {
    await usage(["ci", MINI, ...PAIR, "--bootstrap", "2.5"], /--bootstrap: expected a whole number from 1 to 1000000, not "2\.5"/);
    await usage(["ci", MINI, ...PAIR, "--bootstrap", "-1"], /--bootstrap: expected a whole number from 1 to 1000000, not "-1"/);
    await usage(
      ["compare", MINI, "--models", "alexnet,resnet50", "--bootstrap", "0"],
      /--bootstrap: expected a whole number from 1 to 1000000, not "0"/,
    );
    await usage(["summary", MINI, "--bootstrap", "-1"], /--bootstrap: expected a whole number from 0 to 1000000, not "-1"/);
    await usage(["pairs", MINI, "--ci", "bca", "--bootstrap", "2.5"], /--bootstrap: expected a whole number from 1 to 1000000/);
  });

  test("1e12 and 3e9: refused with the largest allowed and why, in ci, compare, summary and pairs --ci", async () => {
    const why = /--bootstrap: "(1e12|3e9)" is more than 1000000, the largest allowed: .*Monte-Carlo error/;
    for (const value of ["1e12", "3e9"]) {
      await usage(["ci", MINI, ...PAIR, "--bootstrap", value], why);
      await usage(["compare", MINI, "--models", "alexnet,resnet50", "--bootstrap", value], why);
      await usage(["summary", MINI, "--bootstrap", value], why);
      await usage(["pairs", MINI, "--ci", "percentile", "--bootstrap", value], why);
    }
  });

  describe("compare: the replicates of many models must fit in memory", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "trialwise-flags-"));
      const lines = ["who,stim,hit"];
      const observers = [...Array.from({ length: 30 }, (_, i) => `model${i}`), "subject-01", "subject-02"];
      observers.forEach((o, i) => {
        for (let s = 0; s < 4; s++) lines.push(`${o},s${s},${(i + s) % 3 === 0 ? 0 : 1}`);
      });
      await writeFile(join(dir, "many.csv"), `${lines.join("\n")}\n`);
    });
    after(() => rm(dir, { recursive: true, force: true }));

    test("30 models at 10^6 replicates need 3.5 GiB: refused, with the replicates that fit", async () => {
      const columns = ["--observer-col", "who", "--stimulus-col", "stim", "--correct-col", "hit"];
      await usage(
        ["compare", join(dir, "many.csv"), ...columns, "--models", "all", "--bootstrap", "1e6"],
        /--bootstrap: 1000000 replicates of 466 series \(the bootstrap means of 30 models, the null differences of their 435 pairs, and one pair's differences\) need 3\.5 GiB of memory, more than the 2 GiB allowed for replicates; at most 576041 replicates fit/,
      );
    });
  });
});

describe("--level and other probabilities", () => {
  test("0 and 1 are not confidence levels", async () => {
    await usage(["ci", MINI, ...PAIR, "--level", "1"], /--level: expected a number above 0 and below 1, not "1"/);
    await usage(
      ["compare", MINI, "--models", "alexnet,resnet50", "--level", "0"],
      /--level: expected a number above 0 and below 1, not "0"/,
    );
    await usage(["summary", MINI, "--level", "95"], /--level: expected a number above 0 and below 1, not "95"/);
    await usage(["pairs", MINI, "--ci", "analytic", "--level", "1"], /--level: expected a number above 0 and below 1, not "1"/);
    await usage(
      ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--delta", "0.1", "--power", "1"],
      /--power: expected a number above 0 and below 1, not "1"/,
    );
  });
});

describe("options a command does not use", () => {
  test("test has no --level", async () => {
    await usage(["test", MINI, ...PAIR, "--level", "7"], /unknown option '--level'/);
  });

  test("flags the chosen method ignores are errors, not silently dropped", async () => {
    await usage(["test", MINI, ...PAIR, "--draws", "100"], /--draws: not used by the exact test \(--method beta uses it\)/);
    await usage(["test", MINI, ...PAIR, "--seed", "5"], /--seed: not used by the exact test \(--method beta uses it\)/);
    await usage(["ci", MINI, ...PAIR, "--method", "analytic", "--bootstrap", "100"], /--bootstrap: not used by the analytic interval/);
    await usage(["ci", MINI, ...PAIR, "--method", "analytic", "--seed", "3"], /--seed: not used by the analytic interval/);
    await usage(["pairs", MINI, "--bootstrap", "500"], /--bootstrap: not used without --ci/);
    await usage(["pairs", MINI, "--level", "0.9"], /--level: not used without --ci/);
    await usage(["pairs", MINI, "--ci", "analytic", "--seed", "2"], /--seed: not used by --ci analytic/);
    await usage(["summary", MINI, "--bootstrap", "0", "--seed", "3"], /--seed: not used with --bootstrap 0/);
    await usage(["summary", MINI, "--bootstrap", "0", "--hierarchical"], /--hierarchical: not used with --bootstrap 0/);
    await usage(
      ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.05", "--power", "0.9"],
      /--power: not used with --half-width/,
    );
    await usage(
      ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "0.05", "--humans", "4"],
      /--humans: not used with --half-width/,
    );
  });

  test("the defaults still apply where the flags are used", async () => {
    const exact = await json("test", MINI, "--pair", "subject-01,subject-02");
    assert.equal(exact.method, "exact");
    const beta = await json("test", MINI, "--pair", "subject-01,subject-02", "--method", "beta");
    assert.equal(beta.draws, 10000);
    assert.equal(beta.seed, 1);
    const analytic = await json("ci", MINI, ...PAIR, "--method", "analytic");
    assert.equal(analytic.seed, null);
    assert.equal(analytic.level, 0.95);
  });
});

describe("lists", () => {
  test('"" is never "none"', async () => {
    await usage(["summary", MINI, "--models", ""], /--models: expected a comma-separated list, not ""/);
    await usage(["pairs", MINI, "--observers", ""], /--observers: expected a comma-separated list, not ""/);
    await usage(["compare", MINI, "--models", ""], /--models: expected a comma-separated list, not ""/);
    await usage(["compare", MINI, "--models", "alexnet,resnet50", "--humans", ""], /--humans: expected a comma-separated list, not ""/);
    await usage(
      ["plan", "--accuracy", "", "--kappa", "0.3", "--half-width", "0.05"],
      /--accuracy: expected a comma-separated list, not ""/,
    );
  });

  test("empty items and duplicates", async () => {
    await usage(["pairs", MINI, "--observers", "alexnet,,resnet50"], /--observers: item 2 of "alexnet,,resnet50" is empty/);
    await usage(["compare", MINI, "--models", "alexnet,alexnet"], /--models: "alexnet" is named twice in "alexnet,alexnet"/);
    await usage(["summary", MINI, "--models", "alexnet,alexnet"], /--models: "alexnet" is named twice/);
    await usage(["ci", MINI, "--pair", "alexnet,alexnet"], /--pair: "alexnet" is named twice/);
    await usage(
      ["plan", "--accuracy", "0.7,,0.4", "--kappa", "0.3", "--half-width", "0.05"],
      /--accuracy: item 2 of "0\.7,,0\.4" is empty/,
    );
  });
});

describe("long work is bounded", () => {
  test("test --draws 1e12 is refused at once, saying the largest allowed and why", async () => {
    await usage(
      ["test", MINI, ...PAIR, "--method", "beta", "--draws", "1e12"],
      /--draws: "1e12" is more than 10000000, the largest allowed: .*standard error of p/,
    );
  });

  test("plan --half-width 1e-6 is refused at once: it needs about 2.2e12 trials", async () => {
    const start = performance.now();
    await usage(
      ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3", "--half-width", "1e-6"],
      /half-width 0\.000001 needs about 2\.2e\+12 trials by the large-sample formula, more than the 10000000 trials a plan may have/,
    );
    assert.ok(performance.now() - start < 5000);
  });

  test("plan --simulations and --humans have a largest value", async () => {
    const plan = ["plan", "--accuracy", "0.7,0.4", "--kappa", "0.3"];
    await usage(
      [...plan, "--half-width", "0.05", "--simulations", "1e9"],
      /--simulations: "1e9" is more than 1000000, the largest allowed/,
    );
    await usage(
      [...plan, "--half-width", "0.05", "--simulations", "99"],
      /--simulations: expected a whole number from 100 to 1000000, not "99"/,
    );
    await usage([...plan, "--delta", "0.1", "--humans", "1e6"], /--humans: "1e6" is more than 1000, the largest allowed/);
  });
});

describe("servers, bench and evaluate", () => {
  test("serve: port and upload size", async () => {
    await usage(["serve", MINI, "--port", ""], /--port: expected a whole number from 0 to 65535, not ""/);
    await usage(["serve", MINI, "--port", "65536"], /--port: expected a whole number from 0 to 65535, not "65536"/);
    await usage(["serve", MINI, "--max-upload", "0"], /--max-upload: expected a size in MB above 0 and at most \d+, not "0"/);
    await usage(
      ["serve", MINI, "--max-upload", "1e10"],
      /--max-upload: "1e10" is more than \d+, the largest allowed: an upload is held in memory whole/,
    );
    await usage(["serve", MINI, "--max-upload", "0x10"], /--max-upload: expected a size in MB/);
  });

  test("experiment serve: seed and port", async () => {
    const stimuli = join(FIXTURES, "experiment");
    await usage(["experiment", "serve", stimuli, "--seed", ""], /--seed: expected a whole number from 0 to 9007199254740991, not ""/);
    await usage(["experiment", "serve", stimuli, "--seed", "1.5"], /--seed: expected a whole number/);
    await usage(["experiment", "serve", stimuli, "--port", "70000"], /--port: expected a whole number from 0 to 65535, not "70000"/);
    await usage(
      ["experiment", "serve", stimuli, "--trials-per-subject", "2.5"],
      /--trials-per-subject: expected a whole number of at least 1, not "2\.5"/,
    );
    await usage(["experiment", "serve", stimuli, "--stimulus-ms", "0x10"], /--stimulus-ms: expected a number, not "0x10"/);
    await usage(["experiment", "serve", stimuli, "--conditions", "a,a"], /--conditions: "a" is named twice/);
  });

  test("bench kernel: the generated data must fit in memory", async () => {
    await usage(
      ["bench", "kernel", "--observers", "1e6", "--trials", "1e6"],
      /--observers, --trials: 1000000 observers x 1000000 trials need 116\.4 GiB as bits, more than the 2 GiB bench kernel allows/,
    );
    await usage(["bench", "kernel", "--observers", "1", "--trials", "10"], /--observers: expected a whole number of at least 2, not "1"/);
    await usage(
      ["bench", "kernel", "--observers", "4", "--trials", "10", "--tile-size", "3"],
      /--tile-size: expected an even number, not "3"/,
    );
    await usage(
      ["bench", "kernel", "--observers", "4", "--trials", "10", "--tile-size", "8192"],
      /--tile-size: expected a whole number from 2 to 4096/,
    );
  });

  test("evaluate: batch and decoders", async () => {
    await usage(["evaluate", "model.onnx", MINI, "--batch", "2.5"], /--batch: expected a whole number from 1 to 1024, not "2\.5"/);
    await usage(["evaluate", "model.onnx", MINI, "--batch", ""], /--batch: expected a whole number from 1 to 1024, not ""/);
    await usage(["evaluate", "model.onnx", MINI, "--decoders", "1e3"], /--decoders: "1e3" is more than 64, the largest allowed/);
    await usage(
      ["evaluate", "model.onnx", MINI, "--shard", "1/99999999999999999999"],
      /--shard: "99999999999999999999" is more than 9007199254740991/,
    );
    await usage(["evaluate", "model.onnx", MINI, "--identity", "cat,,dog"], /--identity: item 2 of "cat,,dog" is empty/);
  });
});
