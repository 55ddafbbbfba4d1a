import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { capa } from "../../src/core/capa.ts";
import { groupKappaIntervals, modelKappaIntervals } from "../../src/core/mean-intervals.ts";
import { metricMatrix, metricMeanIntervals, pairMetricInterval, resampledItems } from "../../src/core/metric-bootstrap.ts";
import { normalCdf, normalQuantile } from "../../src/core/math/normal.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { ProbabilityTableBuilder, probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";

const close = (actual: number, expected: number, tolerance = 1e-12, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected}, got ${actual}`);

/** A probability table of models over items with `options` options each, truth option 0 unless given. */
function probabilityTable(observers: Record<string, number[][]>, truth?: number[]) {
  const builder = new ProbabilityTableBuilder("d");
  const names = Object.values(observers)[0].map((vector) => vector.map((_, k) => String.fromCharCode(65 + k)));
  const items = names.map((options, i) =>
    builder.item({ unit: "all", key: `q${String(i).padStart(3, "0")}`, options, truth: options[truth?.[i] ?? 0] }, {}),
  );
  for (const [name, vectors] of Object.entries(observers)) vectors.forEach((v, i) => builder.probabilities(name, items[i], v, {}));
  return builder.build();
}

/** R's type-7 quantile of sorted values, written out here to check the core's. */
function type7(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

// Two models, six items of three options, correct option A.
const ONE = [
  [0.7, 0.2, 0.1],
  [0.2, 0.5, 0.3],
  [0.6, 0.3, 0.1],
  [0.1, 0.1, 0.8],
  [0.5, 0.25, 0.25],
  [0.3, 0.6, 0.1],
];
const TWO = [
  [0.8, 0.1, 0.1],
  [0.3, 0.6, 0.1],
  [0.2, 0.5, 0.3],
  [0.2, 0.2, 0.6],
  [0.4, 0.4, 0.2],
  [0.9, 0.05, 0.05],
];

describe("pairMetricInterval: one pair's item bootstrap", () => {
  const table = probabilityTable({ one: ONE, two: TWO });
  const items = [0, 1, 2, 3, 4, 5];

  test("percentile interval = type-7 quantiles of CAPA on items resampled by hand with the same generator", () => {
    const replicates = 200;
    const rng = new SeededRandom(7);
    const values: number[] = [];
    for (let r = 0; r < replicates; r++) {
      const draw = Array.from({ length: 6 }, () => Math.floor(rng.uniform() * 6));
      const kappa = capa(
        draw.map((i) => ONE[i]),
        draw.map((i) => TWO[i]),
        draw.map(() => 0),
      ).kappa_p;
      values.push(kappa);
    }
    const defined = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const result = pairMetricInterval(table, "capa", "one", "two", items, { method: "percentile", level: 0.9, replicates, seed: 7 });
    close(result.value, capa(ONE, TWO, [0, 0, 0, 0, 0, 0]).kappa_p);
    close(result.lower, type7(defined, 0.05), 1e-12, "lower");
    close(result.upper, type7(defined, 0.95), 1e-12, "upper");
    assert.equal(result.undefined_replicates, values.length - defined.length);
    assert.equal(result.n_trials, 6);
    assert.equal(result.replicates, replicates);
  });

  test("BCa: the percentile ends moved by z0 and the jackknife acceleration, as the BCa formula says", () => {
    const replicates = 400;
    const level = 0.9;
    const rng = new SeededRandom(3);
    const values: number[] = [];
    for (let r = 0; r < replicates; r++) {
      const draw = Array.from({ length: 6 }, () => Math.floor(rng.uniform() * 6));
      values.push(
        capa(
          draw.map((i) => ONE[i]),
          draw.map((i) => TWO[i]),
          draw.map(() => 0),
        ).kappa_p,
      );
    }
    const estimate = capa(ONE, TWO, [0, 0, 0, 0, 0, 0]).kappa_p;
    const loo = items.map((k) => {
      const keep = items.filter((i) => i !== k);
      return capa(
        keep.map((i) => ONE[i]),
        keep.map((i) => TWO[i]),
        keep.map(() => 0),
      ).kappa_p;
    });
    const meanLoo = loo.reduce((s, v) => s + v, 0) / loo.length;
    const d = loo.map((v) => meanLoo - v);
    const a = d.reduce((s, x) => s + x ** 3, 0) / (6 * d.reduce((s, x) => s + x * x, 0) ** 1.5);
    const sorted = values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
    const below = sorted.filter((v) => v < estimate).length + sorted.filter((v) => v === estimate).length / 2;
    const z0 = normalQuantile(below / sorted.length);
    const adjusted = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
    const bca = pairMetricInterval(table, "capa", "one", "two", items, { method: "bca", level, replicates, seed: 3 });
    close(bca.value, estimate);
    assert.notEqual(a, 0);
    close(bca.lower, type7(sorted, adjusted(normalQuantile(0.05))), 1e-12, "lower");
    close(bca.upper, type7(sorted, adjusted(normalQuantile(0.95))), 1e-12, "upper");
  });

  test("the same seed gives the same interval; another seed another", () => {
    const options = { method: "percentile" as const, level: 0.95, replicates: 300, seed: 11 };
    const first = pairMetricInterval(table, "dmc", "one", "two", items, options);
    const again = pairMetricInterval(table, "dmc", "one", "two", items, options);
    const other = pairMetricInterval(table, "dmc", "one", "two", items, { ...options, seed: 12 });
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
  });

  test("an undefined value (constant margins) gives NaN ends and draws nothing", () => {
    const flat = probabilityTable({
      one: ONE.map(() => [0.6, 0.2, 0.2]),
      two: TWO,
    });
    const result = pairMetricInterval(flat, "dmc", "one", "two", items, { method: "percentile", level: 0.95, replicates: 50, seed: 1 });
    assert.ok(Number.isNaN(result.value) && Number.isNaN(result.lower) && Number.isNaN(result.upper));
    assert.equal(result.replicates, 0);
  });
});

/** Items drawn from five item types with known vectors: the population CAPA is CAPA over the five types. */
const TYPES_ONE = [
  [0.8, 0.1, 0.05, 0.05],
  [0.1, 0.7, 0.1, 0.1],
  [0.4, 0.3, 0.2, 0.1],
  [0.25, 0.25, 0.25, 0.25],
  [0.05, 0.05, 0.1, 0.8],
];
const TYPES_TWO = [
  [0.6, 0.2, 0.1, 0.1],
  [0.2, 0.6, 0.1, 0.1],
  [0.7, 0.1, 0.1, 0.1],
  [0.1, 0.1, 0.1, 0.7],
  [0.1, 0.1, 0.2, 0.6],
];
function simulated(n: number, rng: SeededRandom) {
  const types = Array.from({ length: n }, () => Math.floor(rng.uniform() * 5));
  return probabilityTable({ one: types.map((t) => TYPES_ONE[t]), two: types.map((t) => TYPES_TWO[t]) });
}

describe("pairMetricInterval: properties", () => {
  test("contains the estimate and narrows with more items (about 1/sqrt(n))", () => {
    const rng = new SeededRandom(5);
    const width = (n: number) => {
      const table = simulated(n, rng);
      const items = Array.from({ length: n }, (_, i) => i);
      const r = pairMetricInterval(table, "capa", "one", "two", items, { method: "percentile", level: 0.95, replicates: 400, seed: 1 });
      assert.ok(r.lower <= r.value && r.value <= r.upper, `n = ${n}: ${r.lower} <= ${r.value} <= ${r.upper}`);
      return r.upper - r.lower;
    };
    const small = width(50);
    const large = width(800);
    assert.ok(large < small / 2.5 && large > small / 6, `widths ${small} (50 items) and ${large} (800 items)`);
  });

  test("coverage of CAPA's true value on simulated experiments is near 95%", () => {
    const truth = capa(TYPES_ONE, TYPES_TWO, [0, 0, 0, 0, 0]).kappa_p;
    const rng = new SeededRandom(2024);
    const experiments = 300;
    let covered = 0;
    for (let e = 0; e < experiments; e++) {
      const table = simulated(120, rng);
      const items = Array.from({ length: 120 }, (_, i) => i);
      const r = pairMetricInterval(table, "capa", "one", "two", items, { method: "percentile", level: 0.95, replicates: 300, seed: e });
      if (r.lower <= truth && truth <= r.upper) covered++;
    }
    const coverage = covered / experiments;
    assert.ok(coverage >= 0.9 && coverage <= 0.99, `coverage ${coverage}`);
  });
});

describe("resampledItems", () => {
  test("lists item s weights[s] times, in item order", () => {
    const out = new Int32Array(5);
    assert.equal(resampledItems([7, 3, 9], [2, 0, 3], out), 5);
    assert.deepEqual([...out], [7, 7, 9, 9, 9]);
  });
});

/** Trials with two categories: capa-discrete then equals error kappa (tested in capa.test.ts), so its intervals must too. */
function binaryTrials() {
  const builder = new TrialTableBuilder("binary");
  const rng = new SeededRandom(99);
  const observers = ["subject-01", "subject-02", "subject-03", "alexnet", "resnet", "vgg"];
  const accuracy = [0.8, 0.7, 0.75, 0.6, 0.85, 0.65];
  for (let s = 0; s < 40; s++) {
    const truth = s % 2 === 0 ? "cat" : "dog";
    const hard = rng.uniform() < 0.3;
    observers.forEach((observer, o) => {
      const right = rng.uniform() < (hard ? accuracy[o] - 0.4 : accuracy[o]);
      builder.add({
        observer,
        condition: "c",
        stimulus: `s${String(s).padStart(2, "0")}`,
        truth,
        response: right ? truth : truth === "cat" ? "dog" : "cat",
        correct: right,
        missing: false,
        file: "binary.csv",
        line: s + 2,
      });
    });
  }
  return builder.build();
}

describe("metricMeanIntervals: the joint item bootstrap", () => {
  const trials = binaryTrials();
  const table = probabilityTableFromTrials(trials, false);

  for (const hierarchical of [false, true]) {
    test(`with two options, capa-discrete's group and model intervals equal error kappa's (same seed${hierarchical ? ", humans resampled too" : ""})`, () => {
      const settings = { replicates: 300, seed: 4, level: 0.9, hierarchical };
      const metric = metricMeanIntervals(metricMatrix(table, "capa-discrete", "all"), settings);
      const matrix = outcomeMatrix(trials);
      const groups = groupKappaIntervals(matrix, settings).groups;
      const models = modelKappaIntervals(matrix, settings).models;
      assert.equal(metric.method, hierarchical ? "hierarchical: stimuli and humans" : "joint stimulus bootstrap");
      assert.deepEqual(
        metric.groups.map((g) => [g.group, g.n_pairs]),
        groups.map((g) => [g.group, g.n_pairs]),
      );
      metric.groups.forEach((g, k) => {
        close(g.mean, groups[k].mean, 1e-12, `${g.group} mean`);
        close(g.lower, groups[k].lower, 1e-12, `${g.group} lower`);
        close(g.upper, groups[k].upper, 1e-12, `${g.group} upper`);
      });
      assert.deepEqual(
        metric.models.map((m) => [m.model, m.n_humans]),
        models.map((m) => [m.model, m.n_humans]),
      );
      metric.models.forEach((m, k) => {
        close(m.lower, models[k].lower, 1e-12, `${m.model} lower`);
        close(m.upper, models[k].upper, 1e-12, `${m.model} upper`);
      });
    });
  }

  test("--models restricts the models; an observer with other items is left out and listed", () => {
    const builder = new ProbabilityTableBuilder("d", (o) => o.startsWith("subject"));
    const item = (k: number) => builder.item({ unit: "all", key: `q${k}`, options: ["A", "B"], truth: "A" }, {});
    const keys = [0, 1, 2, 3].map(item);
    for (const o of ["subject-01", "subject-02", "m1", "m2"])
      keys.forEach((i, k) => builder.answer(o, i, (k + o.length) % 3 ? "A" : "B", {}));
    builder.answer("m3", keys[0], "A", {});
    const matrix = metricMatrix(builder.build(), "response-kappa", "all");
    assert.deepEqual(matrix.observers, ["m1", "m2", "subject-01", "subject-02"]);
    assert.deepEqual(matrix.excluded, [{ observer: "m3", kind: "model", n_stimuli: 1, n_common: 1, n_only_observer: 0, n_missing: 3 }]);
    const result = metricMeanIntervals(matrix, { replicates: 20, seed: 1, level: 0.95, models: ["m2"] });
    assert.deepEqual(
      result.models.map((m) => m.model),
      ["m2"],
    );
    assert.deepEqual(
      result.groups.map((g) => g.group),
      ["human-human", "model-human"],
    );
  });
});
