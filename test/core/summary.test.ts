// Summaries of pairs (src/core/summary.ts): group and model means, sd and half-width, undefined
// kappas counted apart, restricting the models.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PairRow } from "../../src/core/pairs.ts";
import { summarizePairs } from "../../src/core/summary.ts";

describe("summaries", () => {
  const pair = (observer1: string, observer2: string, pair_type: PairRow["pair_type"], kappa: number | null): PairRow => ({
    dataset: "d",
    condition: "all",
    observer1,
    observer2,
    pair_type,
    kappa,
    n_trials: 10,
    n_both_correct: 0,
    n_both_wrong: 0,
    acc1: 0,
    acc2: 0,
    c_obs: 0,
    c_exp: 0,
    kappa_min: null,
    kappa_max: null,
  });
  const isHuman = (o: string) => o.startsWith("h");
  const pairs = [
    pair("h1", "h2", "human-human", 0.3),
    pair("h1", "h3", "human-human", 0.5),
    pair("h2", "h3", "human-human", 0.4),
    pair("a", "h1", "model-human", 0.1),
    pair("a", "h2", "model-human", 0.2),
    pair("a", "h3", "model-human", null),
    pair("b", "h1", "model-human", 0.0),
    pair("a", "b", "model-model", 0.6),
  ];

  test("group means, sd (n - 1) and the 1.959964 sd / sqrt(n) half-width; undefined kappas counted apart", () => {
    const rows = summarizePairs(pairs, isHuman);
    const hh = rows.find((r) => r.name === "human-human")!;
    assert.equal(hh.n_pairs, 3);
    assert.ok(Math.abs(hh.mean! - 0.4) < 1e-15);
    assert.ok(Math.abs(hh.sd! - 0.1) < 1e-15);
    assert.ok(Math.abs(hh.ci95! - (1.959964 * 0.1) / Math.sqrt(3)) < 1e-15);
    const mh = rows.find((r) => r.name === "model-human")!;
    assert.deepEqual([mh.n_pairs, mh.n_undefined], [3, 1]);
    const a = rows.find((r) => r.kind === "model" && r.name === "a")!;
    assert.deepEqual([a.n_pairs, a.n_undefined], [2, 1]);
    assert.ok(Math.abs(a.mean! - 0.15) < 1e-15);
    const b = rows.find((r) => r.kind === "model" && r.name === "b")!;
    assert.deepEqual([b.n_pairs, b.mean, b.sd, b.ci95], [1, 0, null, null], "one pair: no spread");
  });

  test("restricting the models drops their pairs from every group", () => {
    const rows = summarizePairs(pairs, isHuman, new Set(["b"]));
    assert.equal(
      rows.find((r) => r.name === "model-model"),
      undefined,
    );
    assert.equal(rows.find((r) => r.name === "model-human")!.n_pairs, 1);
    assert.equal(rows.find((r) => r.name === "human-human")!.n_pairs, 3);
    assert.deepEqual(
      rows.filter((r) => r.kind === "model").map((r) => r.name),
      ["b"],
    );
  });
});
