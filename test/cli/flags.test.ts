import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/core/errors.ts";
import { betaIndependenceTest } from "../../src/core/independence-tests.ts";
import { compareModels, compareReplicateBytes } from "../../src/core/model-comparison.ts";
import { pairInterval } from "../../src/core/pair-intervals.ts";
import { PLAN_MAX_TRIALS, planDifference, planHalfWidth } from "../../src/core/plan.ts";
import {
  MAX_SEED,
  REPLICATE_MEMORY_BYTES,
  checkReplicateMemory,
  listItems,
  megabytes,
  nameList,
  notUsed,
  portNumber,
  probability,
  realNumber,
  seed,
  wholeNumber,
} from "../../src/cli/flags.ts";
import type { CliIO } from "../../src/cli/main.ts";
import { stepReporter } from "../../src/cli/progress.ts";

/** The UsageError `run` throws; fails when it throws nothing or something else. */
function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected a UsageError, got a value");
}

describe("wholeNumber", () => {
  const range = { min: 1, max: 1000 };

  test("decimal digits, with a fraction or exponent only where the value stays whole", () => {
    assert.equal(wholeNumber("--n", "17", range), 17);
    assert.equal(wholeNumber("--n", "1e3", range), 1000);
    assert.equal(wholeNumber("--n", "2.5e2", range), 250);
    assert.equal(wholeNumber("--n", "10.0", range), 10);
    assert.equal(wholeNumber("--n", "+7", range), 7);
    assert.equal(wholeNumber("--n", " 8 ", range), 8, "surrounding blanks are not part of the number");
  });

  test("everything else names the flag, the value and what was expected", () => {
    for (const value of [
      "",
      " ",
      "2.5",
      "-1",
      "0",
      "1001",
      "1e4",
      "0x10",
      "1_000",
      "Infinity",
      "NaN",
      "1e",
      "e3",
      ".",
      "1..2",
      "1,000",
      "ten",
    ]) {
      const message = usageError(() => wholeNumber("--n", value, range));
      assert.equal(message.startsWith(`--n: expected a whole number from 1 to 1000, not "${value}"`), true, message);
    }
  });

  test("exact: values a double would round are not taken for whole numbers", () => {
    const big = { min: 0, max: MAX_SEED };
    // Number("1.0000000000000001") === 1 and Number("9007199254740991.4") === 9007199254740991.
    usageError(() => wholeNumber("--n", "1.0000000000000001", big));
    usageError(() => wholeNumber("--n", "9007199254740991.4", big));
    assert.equal(wholeNumber("--n", "9007199254740991", big), 9007199254740991);
    // 2^53 + 1 rounds to 2^53 as a double; both are above the range.
    usageError(() => wholeNumber("--n", "9007199254740993", big));
    usageError(() => wholeNumber("--n", "9007199254740992", big));
  });

  test("huge exponents are refused at once, without building the number", () => {
    const start = performance.now();
    usageError(() => wholeNumber("--n", "1e999999999", range));
    usageError(() => wholeNumber("--n", "1e-999999999", range));
    usageError(() => wholeNumber("--n", "0.5e-999999999", range));
    assert.equal(wholeNumber("--n", "0e999999999", { min: 0, max: 5 }), 0);
    assert.ok(performance.now() - start < 500);
  });

  test("a maximum with a reason says the largest allowed value and why", () => {
    const message = usageError(() => wholeNumber("--bootstrap", "3e9", { min: 1, max: 1_000_000, why: "more is not more precise" }));
    assert.equal(message, '--bootstrap: "3e9" is more than 1000000, the largest allowed: more is not more precise');
  });
});

describe("seed", () => {
  test("0 to 2^53 - 1 exactly", () => {
    assert.equal(seed("--seed", "0"), 0);
    assert.equal(seed("--seed", "1e3"), 1000);
    assert.equal(seed("--seed", String(MAX_SEED)), MAX_SEED);
    assert.match(
      usageError(() => seed("--seed", "")),
      /^--seed: expected a whole number from 0 to 9007199254740991, not ""$/,
    );
    assert.match(
      usageError(() => seed("--seed", "-1")),
      /^--seed: expected a whole number from 0 to 9007199254740991, not "-1"$/,
    );
    assert.match(
      usageError(() => seed("--seed", "9007199254740993")),
      /^--seed: "9007199254740993" is more than 9007199254740991, the largest allowed: .*exactly/,
    );
  });
});

describe("realNumber and probability", () => {
  test("open and closed ends", () => {
    assert.equal(probability("--level", "0.95"), 0.95);
    assert.equal(probability("--level", ".5"), 0.5);
    assert.equal(probability("--level", "5e-1"), 0.5);
    for (const value of ["0", "1", "95", "-0.5", "", "1/2", "Infinity", "0x1"]) {
      assert.equal(
        usageError(() => probability("--level", value)),
        `--level: expected a number above 0 and below 1, not "${value}"`,
      );
    }
    const kappa = { min: -1, max: 1 };
    assert.equal(realNumber("--kappa", "-1", kappa), -1);
    assert.equal(realNumber("--kappa", "1", kappa), 1);
    assert.equal(
      usageError(() => realNumber("--kappa", "1.5", kappa)),
      '--kappa: expected a number from -1 to 1, not "1.5"',
    );
    assert.equal(
      usageError(() => realNumber("--delta", "0", { min: 0, max: 2, minOpen: true })),
      '--delta: expected a number above 0 and at most 2, not "0"',
    );
  });
});

describe("lists", () => {
  test("never silently empty, no empty items", () => {
    assert.deepEqual(listItems("--accuracy", "0.7, 0.7"), ["0.7", "0.7"]);
    assert.equal(
      usageError(() => listItems("--models", "")),
      '--models: expected a comma-separated list, not ""',
    );
    assert.equal(
      usageError(() => listItems("--models", " , ")),
      '--models: expected a comma-separated list, not " , "',
    );
    assert.equal(
      usageError(() => listItems("--models", "a,,b")),
      '--models: item 2 of "a,,b" is empty',
    );
    assert.equal(
      usageError(() => listItems("--models", "a,b,")),
      '--models: item 3 of "a,b," is empty',
    );
  });

  test("names: no duplicates", () => {
    assert.deepEqual(nameList("--models", "resnet50, alexnet"), ["resnet50", "alexnet"]);
    assert.equal(
      usageError(() => nameList("--models", "a,b,a")),
      '--models: "a" is named twice in "a,b,a"',
    );
  });
});

describe("ports, megabytes, unused flags", () => {
  test("port 0 to 65535", () => {
    assert.equal(portNumber("--port", "0"), 0);
    assert.equal(portNumber("--port", "65535"), 65535);
    for (const value of ["", "65536", "-1", "80.5", "http"]) {
      assert.equal(
        usageError(() => portNumber("--port", value)),
        `--port: expected a whole number from 0 to 65535, not "${value}"`,
      );
    }
  });

  test("megabytes become whole bytes, rounded up", () => {
    assert.equal(megabytes("--max-upload", "200", { max: 4096 }), 200 * 1024 * 1024);
    assert.equal(megabytes("--max-upload", "0.000000001", { max: 4096 }), 1);
    assert.equal(
      usageError(() => megabytes("--max-upload", "0", { max: 4096 })),
      '--max-upload: expected a size in MB above 0 and at most 4096, not "0"',
    );
    assert.match(
      usageError(() => megabytes("--max-upload", "5000", { max: 4096, why: "held in memory" })),
      /^--max-upload: "5000" is more than 4096, the largest allowed: held in memory$/,
    );
  });

  test("a flag the chosen mode does not use is an error, an absent one is not", () => {
    notUsed("--draws", undefined, "by the exact test");
    assert.equal(
      usageError(() => notUsed("--draws", 100, "by the exact test")),
      "--draws: not used by the exact test",
    );
  });
});

describe("checkReplicateMemory", () => {
  test("replicates x series x 8 bytes against the limit; the message says what fits", () => {
    const limitSeries = REPLICATE_MEMORY_BYTES / 8;
    checkReplicateMemory("--bootstrap", 1, limitSeries * 8, "series");
    const message = usageError(() => checkReplicateMemory("--bootstrap", 1_000_000, 466 * 8, "466 series (30 models and their 435 pairs)"));
    assert.equal(
      message,
      "--bootstrap: 1000000 replicates of 466 series (30 models and their 435 pairs) need 3.5 GiB of memory, more than the 2 GiB allowed for replicates; at most 576041 replicates fit",
    );
  });

  test("compareReplicateBytes: the models' means, the pairs' null differences and one pair's differences", () => {
    assert.equal(compareReplicateBytes(30, 1000), (30 + 435 + 1) * 1000 * 8);
  });
});

describe("progress callbacks of long core computations", () => {
  const counts = { trials: 200, correct1: 120, correct2: 90, bothCorrect: 60 };
  const recorder = () => {
    const calls: [number, number][] = [];
    return { calls, onProgress: (done: number, total: number) => void calls.push([done, total]) };
  };
  const checkCalls = (calls: [number, number][], total: number) => {
    assert.ok(calls.length >= 2 && calls.length <= 1002, String(calls.length));
    assert.deepEqual(calls.at(-1), [total, total]);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] > calls[i - 1][0]);
  };

  test("beta test: draws done of draws, at most about 1000 calls; the result does not change", () => {
    const { calls, onProgress } = recorder();
    const reported = betaIndependenceTest(counts, { draws: 5000, seed: 3, onProgress });
    checkCalls(calls, 5000);
    assert.deepEqual(reported, betaIndependenceTest(counts, { draws: 5000, seed: 3 }));
  });

  test("pair interval: replicates done", () => {
    const { calls, onProgress } = recorder();
    const reported = pairInterval(counts, { method: "bca", replicates: 3000, seed: 2, onProgress });
    checkCalls(calls, 3000);
    assert.deepEqual(reported, pairInterval(counts, { method: "bca", replicates: 3000, seed: 2 }));
  });

  test("compare: replicates done", () => {
    const matrix = {
      dataset: "d",
      condition: "all",
      stimuli: ["s1", "s2", "s3", "s4", "s5", "s6"],
      observers: ["m1", "m2", "h1", "h2"],
      correct: [
        Uint8Array.of(1, 1, 0, 1, 0, 1),
        Uint8Array.of(1, 0, 0, 1, 1, 1),
        Uint8Array.of(1, 1, 0, 0, 0, 1),
        Uint8Array.of(0, 1, 0, 1, 0, 1),
      ],
      humans: new Set(["h1", "h2"]),
      excluded: [],
    };
    const { calls, onProgress } = recorder();
    const reported = compareModels(matrix, { replicates: 400, seed: 5, onProgress });
    checkCalls(calls, 400);
    assert.deepEqual(reported, compareModels(matrix, { replicates: 400, seed: 5 }));
  });

  test("plan: the search (total unknown, 0) then the curve (8 trial counts x simulations)", () => {
    const phases: { phase: string; done: number; total: number }[] = [];
    const settings = { acc1: 0.7, acc2: 0.4, kappa: 0.3, simulations: 200, seed: 1 };
    const plan = planHalfWidth({
      ...settings,
      halfWidth: 0.1,
      onProgress: (phase, done, total) => void phases.push({ phase, done, total }),
    });
    assert.deepEqual(plan, planHalfWidth({ ...settings, halfWidth: 0.1 }));
    const search = phases.filter((p) => p.phase === "search");
    const curve = phases.filter((p) => p.phase === "curve");
    assert.ok(search.length > 0 && search.every((p) => p.total === 0));
    assert.ok(phases.indexOf(curve[0]) > phases.indexOf(search.at(-1)!), "the curve comes after the search");
    assert.deepEqual(curve.at(-1), { phase: "curve", done: 8 * 200, total: 8 * 200 });
    const power: string[] = [];
    planDifference({ ...settings, delta: 0.1, power: 0.8, humans: 2, onProgress: (phase) => void power.push(phase) });
    assert.ok(power.includes("search") && power.includes("curve"));
  });

  test("plan: a target beyond PLAN_MAX_TRIALS by the large-sample formula is refused before simulating", () => {
    const start = performance.now();
    assert.throws(
      () => planHalfWidth({ acc1: 0.7, acc2: 0.4, kappa: 0.3, halfWidth: 1e-6 }),
      (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(
          error.message,
          /half-width 0\.000001 needs about 2\.2e\+12 trials by the large-sample formula, more than the 10000000 trials a plan may have/,
        );
        return true;
      },
    );
    assert.throws(() => planDifference({ acc1: 0.7, acc2: 0.4, kappa: 0.3, delta: 1e-5, power: 0.8 }), /more than the 10000000 trials/);
    assert.ok(performance.now() - start < 1000);
    assert.equal(PLAN_MAX_TRIALS, 10_000_000);
  });
});

describe("stepReporter", () => {
  const io = () => {
    let stderr = "";
    const sink: CliIO = { stdout: () => undefined, stderr: (t) => void (stderr += t), isTTY: false };
    return { sink, text: () => stderr };
  };

  test("off a terminal: one line per step", () => {
    const out = io();
    const progress = stepReporter(out.sink, "trialwise test");
    progress.onProgress("drawing null tables", 0, 100);
    progress.onProgress("drawing null tables", 50, 100);
    progress.onProgress("finding the smallest trial count", 10, 0);
    progress.stop();
    assert.equal(out.text(), "trialwise test: drawing null tables (100)\ntrialwise test: finding the smallest trial count\n");
  });

  test("with a delay: nothing for short work; the step under way once the delay has passed", async () => {
    const out = io();
    const quick = stepReporter(out.sink, "trialwise ci", undefined, { delayMs: 60_000 });
    quick.onProgress("bootstrapping", 0, 10);
    quick.onProgress("bootstrapping", 10, 10);
    quick.stop();
    assert.equal(out.text(), "");
    const slow = stepReporter(out.sink, "trialwise ci", undefined, { delayMs: 20 });
    slow.onProgress("bootstrapping", 0, 10);
    await new Promise((resolve) => setTimeout(resolve, 40));
    slow.onProgress("bootstrapping", 5, 10);
    slow.onProgress("bootstrapping", 10, 10);
    slow.stop();
    assert.equal(out.text(), "trialwise ci: bootstrapping (10)\n");
  });
});
