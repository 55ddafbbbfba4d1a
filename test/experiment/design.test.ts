// The experiment's design (same stimuli per condition, counterbalancing), protocol checks,
// validation of submitted trials, timing flags and pink-noise masks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { build } from "esbuild";
import { InputError } from "../../src/core/errors.ts";
import {
  CATEGORIES_16,
  type DesignStimulus,
  balancedSelection,
  latinSquareCycle,
  latinSquareRow,
  participantDesign,
  isStudyId,
  participantName,
  participantNumber,
  planExperiment,
  studyIdFromStore,
  seededShuffle,
} from "../../src/experiment/design.ts";
import { fftSide, pinkNoise, pinkNoiseField } from "../../src/experiment/noise.ts";
import { DEFAULT_PROTOCOL, parseProtocol, responseKeys } from "../../src/experiment/protocol.ts";
import { RT_SLACK_MS, timingWithinTolerance, validateSubmission } from "../../src/experiment/validation.ts";
import { REPO } from "../helpers.ts";

/** `perCategory` images of each of the 16 categories in each condition, ids in set order. */
function stimulusSet(perCategory: number, conditions: string[]): DesignStimulus[] {
  const out: DesignStimulus[] = [];
  for (const condition of conditions) {
    for (const category of CATEGORIES_16) {
      for (let k = 1; k <= perCategory; k++) out.push({ id: String(out.length), name: `${category}${k}.png`, category, condition });
    }
  }
  return out;
}

const ids = (stimuli: readonly { id: string }[]) => stimuli.map((s) => s.id);

test("the default protocol is the published lab protocol", () => {
  assert.equal(DEFAULT_PROTOCOL.fixationMs, 300);
  assert.equal(DEFAULT_PROTOCOL.stimulusMs, 200);
  assert.equal(DEFAULT_PROTOCOL.maskMs, 200);
  assert.equal(DEFAULT_PROTOCOL.responseMs, 1500);
  assert.equal(DEFAULT_PROTOCOL.responseLayout, "labels");
  assert.equal(DEFAULT_PROTOCOL.fullscreen, true);
  assert.equal(CATEGORIES_16.length, 16);
  assert.deepEqual([...CATEGORIES_16].sort(), [...CATEGORIES_16], "grid in alphabetical order");
  assert.equal(responseKeys(DEFAULT_PROTOCOL, CATEGORIES_16).length, 16);
});

test("protocol overrides are checked field by field with the field named", () => {
  const p = parseProtocol({ stimulusMs: 100, breakEvery: 4, responseLayout: "icons" }, "p.json");
  assert.equal(p.stimulusMs, 100);
  assert.equal(p.breakEvery, 4);
  assert.equal(p.maskMs, 200, "untouched fields keep their defaults");
  const error = (value: unknown) => {
    try {
      parseProtocol(value, "p.json");
    } catch (e) {
      assert.ok(e instanceof InputError);
      return e.message;
    }
    assert.fail("expected an InputError");
  };
  assert.match(error({ stimulusMS: 100 }), /^p\.json: column "stimulusMS": unknown protocol field/);
  assert.match(error({ maskMs: -1 }), /column "maskMs": -1 is not a duration/);
  assert.match(error({ stimulusMs: 0 }), /column "stimulusMs": must be more than 0 ms/);
  assert.match(error({ breakEvery: 2.5 }), /column "breakEvery": 2.5 is not valid/);
  assert.match(error({ responseLayout: "grid" }), /expected "labels" or "icons"/);
  assert.match(error({ responseKeys: "aab" }), /repeats a key/);
  assert.match(error({ fullscreen: "yes" }), /column "fullscreen": "yes" is not valid; expected true or false/);
  assert.equal(parseProtocol({ fullscreen: false }, "p.json").fullscreen, false);
  assert.match(error([1]), /expected a JSON object/);
  assert.throws(() => responseKeys({ ...DEFAULT_PROTOCOL, responseKeys: "abc" }, CATEGORIES_16), /3 response keys for 16 categories/);
});

test("seeded shuffles are permutations, reproducible, and differ between seeds", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = seededShuffle(items, 7);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    items,
  );
  assert.deepEqual(seededShuffle(items, 7), a);
  assert.notDeepEqual(seededShuffle(items, 8), a);
  assert.notDeepEqual(a, items);
});

test("the stimulus selection is balanced over categories and the same for every participant", () => {
  const pool = stimulusSet(10, ["NaN"]);
  for (const n of [1, 8, 16, 20, 47, 160]) {
    const chosen = balancedSelection(pool, n, 3);
    assert.equal(chosen.length, n);
    assert.equal(new Set(chosen).size, n);
    const counts = CATEGORIES_16.map((c) => chosen.filter((s) => s.category === c).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `n=${n}: counts ${counts}`);
    assert.deepEqual(ids(chosen), ids([...chosen].sort((x, y) => Number(x.id) - Number(y.id))), "in pool order");
  }
  // 8 of 16 categories: 8 distinct categories.
  assert.equal(new Set(balancedSelection(pool, 8, 3).map((s) => s.category)).size, 8);
  const plan = planExperiment(pool, { seed: 11, trialsPerParticipant: 20, categories: CATEGORIES_16 });
  const sets = [1, 2, 3, 4, 5].map((p) => ids(participantDesign(plan, p).trials.map((t) => t.stimulus)));
  for (const set of sets) assert.deepEqual([...set].sort(), [...sets[0]].sort(), "same stimuli for everyone");
  assert.equal(new Set(sets.map((s) => s.join())).size, 5, "each participant has an own order");
  assert.deepEqual(ids(participantDesign(plan, 3).trials.map((t) => t.stimulus)), sets[2], "the order is reproducible");
  assert.notEqual(participantDesign(plan, 1).seed, participantDesign(plan, 2).seed);
  assert.deepEqual(
    participantDesign(plan, 1).trials.map((t) => t.index),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test("balanced Latin squares: each condition once per row, at each position equally often, after each other equally often", () => {
  for (const n of [1, 2, 3, 4, 5, 6]) {
    const cycle = latinSquareCycle(n);
    assert.equal(cycle, n % 2 === 0 || n === 1 ? n : 2 * n);
    const rows = Array.from({ length: cycle }, (_, r) => latinSquareRow(n, r));
    for (const row of rows)
      assert.deepEqual(
        [...row].sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
      );
    for (let position = 0; position < n; position++) {
      for (let c = 0; c < n; c++) assert.equal(rows.filter((row) => row[position] === c).length, cycle / n);
    }
    const follows = new Map<string, number>();
    for (const row of rows)
      for (let j = 1; j < n; j++) follows.set(`${row[j - 1]}>${row[j]}`, (follows.get(`${row[j - 1]}>${row[j]}`) ?? 0) + 1);
    if (n > 1) {
      assert.equal(follows.size, n * (n - 1), `n=${n}: every ordered pair occurs`);
      assert.ok(
        [...follows.values()].every((k) => k === cycle / n),
        `n=${n}: equally often`,
      );
    }
    assert.deepEqual(latinSquareRow(n, cycle), rows[0], "rows repeat with the cycle");
  }
  // Hand-computed: the first row for 4 conditions is 0, 1, 3, 2; the second adds 1.
  assert.deepEqual(latinSquareRow(4, 0), [0, 1, 3, 2]);
  assert.deepEqual(latinSquareRow(4, 1), [1, 2, 0, 3]);
  assert.deepEqual(latinSquareRow(3, 3), [2, 1, 0]);
});

test("conditions are counterbalanced across participants; within a condition the stimuli are the same", () => {
  const conditions = ["c05", "c10", "c50", "c100"];
  const pool = stimulusSet(2, conditions);
  const plan = planExperiment(pool, {
    seed: 5,
    trialsPerParticipant: 32,
    conditions,
    conditionsPerParticipant: 2,
    categories: CATEGORIES_16,
  });
  const designs = Array.from({ length: 8 }, (_, i) => participantDesign(plan, i + 1));
  // Participant p gets the first two conditions of Latin-square row p - 1 (base order c05, c10, c50, c100).
  assert.deepEqual(designs[0].conditions, ["c05", "c10"]);
  assert.deepEqual(designs[1].conditions, ["c10", "c50"]);
  assert.deepEqual(designs[2].conditions, ["c50", "c100"]);
  assert.deepEqual(designs[3].conditions, ["c100", "c05"]);
  assert.deepEqual(designs[4].conditions, designs[0].conditions, "the cycle repeats after 4 participants");
  for (const c of conditions) assert.equal(designs.slice(0, 4).filter((d) => d.conditions.includes(c)).length, 2, `${c} seen by half`);
  for (const d of designs) {
    assert.equal(d.trials.length, 32);
    // Blocked: the first 16 trials are the first condition.
    assert.ok(d.trials.slice(0, 16).every((t) => t.stimulus.condition === d.conditions[0]));
    assert.ok(d.trials.slice(16).every((t) => t.stimulus.condition === d.conditions[1]));
  }
  for (const c of conditions) {
    const seen = designs
      .filter((d) => d.conditions.includes(c))
      .map((d) =>
        ids(d.trials.filter((t) => t.stimulus.condition === c).map((t) => t.stimulus))
          .sort()
          .join(),
      );
    assert.equal(new Set(seen).size, 1, `${c}: one stimulus set for all who see it`);
    assert.equal(seen[0].split(",").length, 16);
  }
  const interleaved = participantDesign(
    planExperiment(pool, {
      seed: 5,
      trialsPerParticipant: 32,
      conditionsPerParticipant: 2,
      conditionOrder: "interleaved",
      categories: CATEGORIES_16,
    }),
    1,
  );
  assert.ok(
    interleaved.trials.slice(0, 16).some((t) => t.stimulus.condition === "c10"),
    "interleaved mixes the conditions",
  );
});

test("practice uses stimuli outside the main block, the same for everyone", () => {
  const pool = stimulusSet(2, ["NaN"]);
  const plan = planExperiment(pool, { seed: 2, trialsPerParticipant: 16, practiceTrials: 5, categories: CATEGORIES_16 });
  const main = new Set(ids(plan.stimuliByCondition.get("NaN")!));
  assert.equal(plan.practice.length, 5);
  assert.ok(plan.practice.every((s) => !main.has(s.id)));
  assert.deepEqual(ids(participantDesign(plan, 1).practice).sort(), ids(plan.practice).sort());
  assert.equal(
    planExperiment(pool, { seed: 2, practiceTrials: 5, categories: CATEGORIES_16 }).practice.length,
    0,
    "no stimuli left for practice",
  );
});

test("planning errors name what was expected", () => {
  const pool = stimulusSet(2, ["a", "b"]);
  const opts = { seed: 1, categories: CATEGORIES_16 };
  assert.throws(() => planExperiment(pool, { ...opts, trialsPerParticipant: 33 }), /a positive multiple of the 2 condition/);
  assert.throws(
    () => planExperiment(pool, { ...opts, trialsPerParticipant: 66 }),
    /need 33 stimuli per condition, but a condition has only 32/,
  );
  assert.throws(() => planExperiment(pool, { ...opts, conditions: ["a", "z"] }), /no stimuli in condition "z"; the set's conditions: a, b/);
  assert.throws(() => planExperiment(pool, { ...opts, conditionsPerParticipant: 3 }), /from 1 to 2/);
  assert.throws(
    () => planExperiment([{ id: "0", name: "x.png", category: "zebra", condition: "NaN" }], opts, "set"),
    /^InputError: set: stimulus "x\.png" has category "zebra"/,
  );
  assert.throws(
    () => planExperiment([...pool, { id: "x", name: "x.png", category: "cat", condition: "b" }], opts),
    /different numbers of stimuli \(a: 32, b: 33\)/,
  );
  assert.throws(
    () => planExperiment(pool, { ...opts, practiceStimuli: [{ id: "p0", name: "p.png", category: "zebra", condition: "NaN" }] }),
    /stimulus "p\.png" has category "zebra"/,
  );
});

test("participant names carry the study id, are human by the model-vs-human rule, and read back to their numbers", () => {
  assert.equal(participantName(3, "pilot"), "pilot-subject-03");
  assert.equal(participantName(123, "edges2"), "edges2-subject-123");
  assert.equal(participantNumber("pilot-subject-03", "pilot"), 3);
  assert.equal(participantNumber("pilot-subject-123", "pilot"), 123);
  for (const other of [
    "subject-03",
    "pilot-subject-3",
    "pilot-subject-003",
    "pilot-subject-00",
    "pilot2-subject-03",
    "pilot-subject-03x",
  ]) {
    assert.equal(participantNumber(other, "pilot"), undefined, other);
  }
  assert.equal(studyIdFromStore("/data/edges.duckdb"), "edges");
  assert.equal(studyIdFromStore("runs/my store (2).duckdb"), "my-store-2-");
  assert.equal(studyIdFromStore("experiment.duckdb"), "experiment");
  assert.equal(studyIdFromStore("/x/__.duckdb"), "study");
  assert.equal(studyIdFromStore("a_b.duckdb"), "a-b");
  assert.ok(isStudyId("pilot.2026+a"));
  for (const bad of ["", "_x", "a_b", "-x", "x/y", "x".repeat(41)]) assert.equal(isStudyId(bad), false, bad);
});

const plan4 = planExperiment(stimulusSet(1, ["NaN"]), { seed: 9, trialsPerParticipant: 4, categories: CATEGORIES_16 });
const design4 = participantDesign(plan4, 1);
const good = () => ({
  trial: 0,
  stimulus: design4.trials[0].stimulus.id,
  response: "cat",
  rt: 640.5,
  source: "key",
  stimulusMs: 200.1,
  maskMs: 199.8,
  frameMs: 16.7,
});

test("a valid submission is accepted with its stimulus and timing flag", () => {
  const verdict = validateSubmission(good(), design4, 0, DEFAULT_PROTOCOL, CATEGORIES_16);
  assert.ok(verdict.ok);
  assert.equal(verdict.trial.stimulusInfo, design4.trials[0].stimulus);
  assert.equal(verdict.trial.timingOk, true);
  const na = validateSubmission({ ...good(), response: "na", rt: null, source: null }, design4, 0, DEFAULT_PROTOCOL, CATEGORIES_16);
  assert.ok(na.ok);
  const late = validateSubmission(
    { ...good(), trial: 1, stimulus: design4.trials[1].stimulus.id, rt: DEFAULT_PROTOCOL.responseMs + RT_SLACK_MS },
    design4,
    1,
    DEFAULT_PROTOCOL,
    CATEGORIES_16,
  );
  assert.ok(late.ok, "the slack is inclusive");
  const dropped = validateSubmission({ ...good(), stimulusMs: 216.7 }, design4, 0, DEFAULT_PROTOCOL, CATEGORIES_16);
  assert.ok(dropped.ok);
  assert.equal(dropped.trial.timingOk, false, "one extra 60 Hz frame is flagged");
});

test("invalid submissions are rejected with the reason", () => {
  const reject = (change: Record<string, unknown>, stored = 0) => {
    const verdict = validateSubmission({ ...good(), ...change }, design4, stored, DEFAULT_PROTOCOL, CATEGORIES_16);
    assert.equal(verdict.ok, false, JSON.stringify(change));
    return verdict as { ok: false; status: number; reason: string };
  };
  const other = design4.trials[1].stimulus.id;
  assert.match(reject({ trial: 4 }).reason, /trial: 4 is out of range; expected 0 to 3/);
  assert.match(reject({ trial: -1 }).reason, /out of range/);
  assert.match(reject({ trial: "0" }).reason, /expected an integer index/);
  assert.deepEqual({ status: reject({}, 1).status, reason: reject({}, 1).reason }, { status: 409, reason: "trial 0 is already stored" });
  assert.match(reject({ trial: 2, stimulus: design4.trials[2].stimulus.id }, 1).reason, /ahead of the next trial 1/);
  assert.equal(reject({ stimulus: other }).status, 400);
  assert.match(reject({ stimulus: other }).reason, new RegExp(`shows stimulus ${design4.trials[0].stimulus.id}, not "${other}"`));
  assert.match(reject({ response: "zebra" }).reason, /response: "zebra" is not a category/);
  assert.match(reject({ response: "Cat" }).reason, /not a category/);
  assert.match(reject({ response: "na", rt: 500, source: null }).reason, /rt: expected null for a missing answer/);
  assert.match(reject({ response: "na", rt: null }).reason, /source: expected null for a missing answer \(na\), got "key"/);
  assert.match(reject({ source: "voice" }).reason, /source: "voice" is not how an answer is given; expected "key" or "mouse"/);
  assert.match(reject({ source: null }).reason, /source: null is not how/);
  assert.match(reject({ rt: null }).reason, /rt: null is not a plausible response time; expected milliseconds in \(0, 1600\]/);
  assert.match(reject({ rt: 0 }).reason, /not a plausible/);
  assert.match(reject({ rt: 1600.5 }).reason, /not a plausible/);
  assert.match(reject({ stimulusMs: undefined }).reason, /stimulusMs: undefined is not a measured duration/);
  assert.match(reject({ maskMs: -3 }).reason, /maskMs: -3/);
  assert.match(reject({ frameMs: "16" }).reason, /frameMs/);
  assert.match(
    (validateSubmission([], design4, 0, DEFAULT_PROTOCOL, CATEGORIES_16) as { reason: string }).reason,
    /expected a JSON object/,
  );
});

test("timing tolerance: within means |measured - target| <= tolerance for stimulus and mask", () => {
  const p = { stimulusMs: 200, maskMs: 200, toleranceMs: 10 };
  assert.equal(timingWithinTolerance({ stimulusMs: 210, maskMs: 190 }, p), true);
  assert.equal(timingWithinTolerance({ stimulusMs: 210.01, maskMs: 200 }, p), false);
  assert.equal(timingWithinTolerance({ stimulusMs: 200, maskMs: 183.3 }, p), false);
  assert.equal(timingWithinTolerance({ stimulusMs: 191.7, maskMs: 208.3 }, p), true, "half a 60 Hz frame either way");
});

test("pink noise: seeded, full contrast, power falling as 1/f^2", () => {
  assert.equal(fftSide(224), 256);
  assert.equal(fftSide(256), 256);
  const mask = pinkNoise(224, 42);
  assert.equal(mask.length, 224 * 224);
  assert.deepEqual(pinkNoise(224, 42), mask);
  assert.notDeepEqual(pinkNoise(224, 43), mask);
  assert.equal(Math.min(...mask), 0);
  assert.equal(Math.max(...mask), 255);
  // Radially averaged power of the field's own FFT, fitted in log-log over 2..64 cycles per image.
  const n = 128;
  const field = pinkNoiseField(n, 7);
  const power = new Float64Array(n);
  const count = new Float64Array(n);
  for (let fy = 0; fy < n; fy++) {
    for (let fx = 0; fx < n; fx++) {
      let re = 0;
      let im = 0;
      // A direct DFT of a few radii suffices; restrict to the axes and diagonals to keep it quick.
      if (!(fy === 0 || fx === 0 || fx === fy) || fx > 64 || fy > 64) continue;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const angle = (-2 * Math.PI * (fx * x + fy * y)) / n;
          re += field[y * n + x] * Math.cos(angle);
          im += field[y * n + x] * Math.sin(angle);
        }
      }
      const f = Math.round(Math.sqrt(fx * fx + fy * fy));
      power[f] += re * re + im * im;
      count[f]++;
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let f = 2; f <= 64; f++) {
    if (count[f] === 0) continue;
    xs.push(Math.log(f));
    ys.push(Math.log(power[f] / count[f]));
  }
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  assert.ok(Math.abs(slope + 2) < 0.35, `log-log slope of the power spectrum ${slope}, expected about -2`);
});

// esbuild for the browser fails on a Node built-in, so this keeps the modules isomorphic.
test("the design, protocol, validation and noise modules bundle for the browser without Node built-ins", async () => {
  const bundle = await build({
    stdin: {
      contents: ["design", "protocol", "validation", "noise"].map((m) => `export * from "./src/experiment/${m}.ts";`).join("\n"),
      resolveDir: REPO,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const text = bundle.outputFiles[0].text;
  assert.doesNotMatch(text, /from "node:|require\("node:/);
  assert.match(text, /airplane/);
});

test("attention checks: spread over the block (one per part, never first), asking for response categories; the real trials keep their order", () => {
  const pool = stimulusSet(2, ["NaN"]);
  const without = participantDesign(planExperiment(pool, { seed: 4, trialsPerParticipant: 32, categories: CATEGORIES_16 }), 3);
  const plan = planExperiment(pool, { seed: 4, trialsPerParticipant: 32, categories: CATEGORIES_16, catchTrials: 4 });
  const withChecks = participantDesign(plan, 3);
  assert.equal(withChecks.trials.length, 36);
  assert.deepEqual(
    withChecks.trials.map((t, i) => t.index === i),
    Array(36).fill(true),
  );
  const checks = withChecks.trials.filter((t) => t.stimulus.catchTrial === true);
  assert.equal(checks.length, 4);
  assert.ok(withChecks.trials[0].stimulus.catchTrial !== true);
  for (const c of checks) {
    assert.ok((CATEGORIES_16 as readonly string[]).includes(c.stimulus.category));
    assert.equal(c.stimulus.id, `catch:${c.stimulus.category}`);
    assert.equal(c.stimulus.condition, "catch");
  }
  // One check in each quarter of the 32 real trials (positions counted among the real trials before it).
  const before = checks.map((c) => withChecks.trials.slice(0, c.index).filter((t) => t.stimulus.catchTrial !== true).length);
  before.forEach((n, k) => assert.ok(n >= Math.max(1, k * 8) && n < (k + 1) * 8 + 1, `check ${k} after ${n} trials`));
  assert.deepEqual(
    withChecks.trials.filter((t) => t.stimulus.catchTrial !== true).map((t) => t.stimulus.id),
    without.trials.map((t) => t.stimulus.id),
  );
  assert.deepEqual(participantDesign(plan, 3), withChecks, "reproducible");
});
