import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resampleWeights } from "../../src/core/math/samplers.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { metricObserver, metricValue, type ResponseMetric, tableLayout } from "../../src/core/metric-pairs.ts";
import { ReplicateMetricPairs, pairAgreements } from "../../src/core/metric-replicates.ts";
import { resampledItems } from "../../src/core/metric-bootstrap.ts";
import { ProbabilityTableBuilder } from "../../src/core/probability-table.ts";
import { randomTable } from "./probability-table-fixtures.ts";

/** Each pair's value on `replicates` joint replicates, fast and by the metric's own function on the resampled items. */
function bothWays(table: ReturnType<typeof randomTable>, metric: ResponseMetric, replicates: number, maxAgreements?: number) {
  const layout = tableLayout(table);
  const prepared = table.observers.map((o) => metricObserver(layout, o, metric));
  // The unit's items in another order than the table's: positions index this list.
  const items = table.items.map((_, i) => table.items.length - 1 - i);
  const allPositions = items.map((_, s) => s);
  const pairs: [number, number][] = [];
  for (let a = 0; a < prepared.length; a++) for (let b = a + 1; b < prepared.length; b++) pairs.push([a, b]);
  const fast = new ReplicateMetricPairs(metric, layout, prepared, items, pairs, maxAgreements);
  const S = items.length;
  const weights = new Float64Array(S);
  const positions = new Int32Array(S);
  const resampled = new Int32Array(S);
  const rng = new SeededRandom(5);
  const out: { fast: number; reference: number }[] = [];
  for (let r = 0; r < replicates; r++) {
    resampleWeights(rng, S, weights);
    const count = resampledItems(allPositions, weights, positions);
    resampledItems(items, weights, resampled);
    fast.resample(positions.subarray(0, count));
    pairs.forEach(([a, b], p) =>
      out.push({ fast: fast.value(p), reference: metricValue(metric, layout, prepared[a], prepared[b], resampled) }),
    );
  }
  return out;
}

describe("ReplicateMetricPairs: a pair's value on a replicate equals the metric's own function on the resampled items", () => {
  for (const metric of ["capa", "capa-discrete", "response-kappa", "dmc"] as const) {
    test(`${metric}, models' probabilities and people's shares of 3 trials: equal to 1e-12`, () => {
      const values = bothWays(randomTable(1, 40, 3, 3, 3), metric, 30);
      for (const { fast, reference } of values) {
        if (Number.isNaN(reference)) assert.ok(Number.isNaN(fast), `expected NaN, got ${fast}`);
        else assert.ok(Math.abs(fast - reference) <= 1e-12, `expected ${reference}, got ${fast}`);
      }
      assert.ok(values.some(({ reference }) => !Number.isNaN(reference)));
    });
  }

  for (const metric of ["capa-discrete", "response-kappa"] as const) {
    test(`${metric}, one trial per item (integer agreements): the same bits`, () => {
      const values = bothWays(randomTable(2, 60, 4, 4, 1), metric, 30);
      for (const { fast, reference } of values) assert.ok(Object.is(fast, reference), `expected ${reference}, got ${fast}`);
    });
  }

  test("dmc, models' probabilities and people's shares: the same bits", () => {
    for (const { fast, reference } of bothWays(randomTable(4, 40, 3, 3, 3), "dmc", 30)) {
      assert.ok(Object.is(fast, reference), `expected ${reference}, got ${fast}`);
    }
  });

  test("beyond maxAgreements each pair is the metric's own function: the same bits", () => {
    for (const { fast, reference } of bothWays(randomTable(3, 30, 3, 2, 3), "capa", 10, 0)) {
      assert.ok(Object.is(fast, reference), `expected ${reference}, got ${fast}`);
    }
  });

  test("an undefined value stays NaN: two observers always right (chance agreement 1)", () => {
    const builder = new ProbabilityTableBuilder("d");
    const items = [0, 1, 2].map((k) => builder.item({ unit: "all", key: `q${k}`, options: ["A", "B"], truth: "A" }, {}));
    for (const o of ["m1", "m2"]) for (const i of items) builder.answer(o, i, "A", {});
    const table = builder.build();
    const layout = tableLayout(table);
    for (const metric of ["capa-discrete", "response-kappa"] as const) {
      const fast = new ReplicateMetricPairs(
        metric,
        layout,
        table.observers.map((o) => metricObserver(layout, o, metric)),
        [0, 1, 2],
        [[0, 1]],
      );
      fast.resample([0, 2, 2]);
      assert.ok(Number.isNaN(fast.value(0)), metric);
    }
  });
});

describe("pairAgreements", () => {
  test("per pair and item, sum over the item's options of v_a(o) v_b(o)", () => {
    const layout = { offsets: [0, 2, 5], truth: [0, 1], category: [0, 1, 0, 1, 2], categories: 3 };
    const vectors = [
      [0.5, 0.5, 0.2, 0.3, 0.5],
      [1, 0, 0, 1, 0],
      [0.25, 0.75, 0.5, 0.5, 0],
    ];
    const out = pairAgreements(
      layout,
      vectors,
      [1, 0],
      [
        [0, 1],
        [1, 2],
      ],
    );
    // Pair (0, 1): item 1 -> 0.3, item 0 -> 0.5; pair (1, 2): item 1 -> 0.5, item 0 -> 0.25.
    assert.deepEqual([...out], [0.3, 0.5, 0.5, 0.25]);
  });
});
