import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { capa, capaOf, mostProbableAnswers } from "../../src/core/capa.ts";
import { kappaFromCounts } from "../../src/core/metrics.ts";
import { seededRandom } from "../helpers.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

/**
 * CAPA as lm-sim defines it (Goel et al. 2025; lmsim's probabilistic kappa class, read, not
 * copied), written out literally as a second implementation: observed = mean over items of the
 * dot product of the two vectors (discrete: 1 where the two one-hot vectors are identical);
 * p_hat = mean of each vector's value at the ground-truth index; frac = mean of 1/(len - 1);
 * expected = p_hat_a p_hat_b + frac (1 - p_hat_a)(1 - p_hat_b); kappa = (obs - exp)/(1 - exp).
 */
function lmSimReference(a: number[][], b: number[][], gt: number[], discrete: boolean): number {
  const oneHot = (v: number[]) => v.map((_, k) => (k === v.indexOf(Math.max(...v)) ? 1 : 0));
  const va = discrete ? a.map(oneHot) : a;
  const vb = discrete ? b.map(oneHot) : b;
  let observed = 0;
  for (let i = 0; i < va.length; i++) {
    if (discrete) observed += va[i].every((x, k) => x === vb[i][k]) ? 1 : 0;
    else observed += va[i].reduce((s, x, k) => s + x * vb[i][k], 0);
  }
  observed /= va.length;
  const phatA = va.reduce((s, v, i) => s + v[gt[i]], 0) / va.length;
  const phatB = vb.reduce((s, v, i) => s + v[gt[i]], 0) / vb.length;
  const frac = va.reduce((s, v) => s + 1 / (v.length - 1), 0) / va.length;
  const expected = phatA * phatB + frac * (1 - phatA) * (1 - phatB);
  return (observed - expected) / (1 - expected);
}

function randomVector(random: () => number, options: number): number[] {
  const raw = Array.from({ length: options }, () => random() ** 3);
  const sum = raw.reduce((s, x) => s + x, 0);
  return raw.map((x) => x / sum);
}

describe("CAPA (kappa_p)", () => {
  // Three items: A and B with 3 options, C with 2.
  //   A (correct 0): p1 = .6 .3 .1   p2 = .5 .25 .25   sum p1 p2 = .30 + .075 + .025 = .40
  //   B (correct 2): p1 = .2 .2 .6   p2 = .1 .7  .2    sum p1 p2 = .02 + .14  + .12  = .28
  //   C (correct 1): p1 = .5 .5      p2 = 0  1         sum p1 p2 = 0   + .5          = .50
  // c_obs_p = 1.18 / 3 = 0.39333...; p_hat1 = (.6 + .6 + .5) / 3 = 1.7 / 3; p_hat2 = (.5 + .2 + 1) / 3 = 1.7 / 3;
  // f = (1/2 + 1/2 + 1) / 3 = 2/3; c_exp_p = (1.7/3)^2 + 2/3 (1.3/3)^2 = (8.67 + 3.38) / 27 = 12.05 / 27;
  // kappa_p = (10.62/27 - 12.05/27) / (14.95/27) = -1.43 / 14.95 = -0.0956521...
  const p1 = [
    [0.6, 0.3, 0.1],
    [0.2, 0.2, 0.6],
    [0.5, 0.5],
  ];
  const p2 = [
    [0.5, 0.25, 0.25],
    [0.1, 0.7, 0.2],
    [0, 1],
  ];
  const truth = [0, 2, 1];

  test("equals the hand computation", () => {
    const r = capa(p1, p2, truth);
    assert.equal(r.n_items, 3);
    close(r.c_obs_p, 1.18 / 3);
    close(r.p_hat1, 1.7 / 3);
    close(r.p_hat2, 1.7 / 3);
    close(r.f, 2 / 3);
    close(r.c_exp_p, 12.05 / 27);
    close(r.kappa_p, -1.43 / 14.95);
  });

  test("equals lm-sim's definition on the worked example and on random tables, both variants (1e-12)", () => {
    close(capa(p1, p2, truth).kappa_p, lmSimReference(p1, p2, truth, false));
    const random = seededRandom(16);
    for (let trial = 0; trial < 50; trial++) {
      const items = 5 + Math.floor(random() * 60);
      const options = Array.from({ length: items }, () => 2 + Math.floor(random() * 9));
      const a = options.map((k) => randomVector(random, k));
      const b = options.map((k) => randomVector(random, k));
      const gt = options.map((k) => Math.floor(random() * k));
      const layout = { offsets: [0], truth: gt };
      for (const k of options) layout.offsets.push(layout.offsets[layout.offsets.length - 1] + k);
      const all = Array.from({ length: items }, (_, i) => i);
      close(capa(a, b, gt).kappa_p, lmSimReference(a, b, gt, false));
      const seen = new Uint32Array(items).fill(1);
      const discrete = capaOf(layout, mostProbableAnswers(layout, a.flat(), seen), mostProbableAnswers(layout, b.flat(), seen), all);
      close(discrete.kappa_p, lmSimReference(a, b, gt, true));
    }
  });

  test("discrete variant on the worked example: answers 0, 2, 0 and 0, 1, 1", () => {
    // Most probable options: p1 -> A:0 B:2 C:0 (tie .5/.5: the first), p2 -> A:0 B:1 C:1.
    // Same answer on A only: c_obs = 1/3; accuracies 2/3 (A, B) and 2/3 (A, C); f = 2/3;
    // c_exp = 4/9 + 2/3 * 1/9 = 14/27; kappa = (9/27 - 14/27) / (13/27) = -5/13.
    const layout = { offsets: [0, 3, 6, 8], truth };
    const seen = [1, 1, 1];
    const a = mostProbableAnswers(layout, p1.flat(), seen);
    const b = mostProbableAnswers(layout, p2.flat(), seen);
    assert.deepEqual(Array.from(a), [1, 0, 0, 0, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(b), [1, 0, 0, 0, 1, 0, 0, 1]);
    const r = capaOf(layout, a, b, [0, 1, 2]);
    close(r.c_obs_p, 1 / 3);
    close(r.c_exp_p, 14 / 27);
    close(r.kappa_p, -5 / 13);
  });

  test("with two options, the discrete variant is the error consistency (Cohen's kappa on correct/wrong)", () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 10 + Math.floor(random() * 50);
      const c1: number[] = Array.from({ length: n }, () => (random() < 0.7 ? 1 : 0));
      const c2: number[] = Array.from({ length: n }, (_, i) => (random() < 0.5 ? c1[i] : random() < 0.6 ? 1 : 0));
      // Correct option 0; a wrong answer is option 1.
      const vector = (c: number) => (c ? [1, 0] : [0, 1]);
      const r = capa(c1.map(vector), c2.map(vector), new Array(n).fill(0));
      const correct1 = c1.reduce((s, x) => s + x, 0);
      const correct2 = c2.reduce((s, x) => s + x, 0);
      const both = c1.reduce((s, x, i) => s + (x & c2[i]), 0);
      const expected = kappaFromCounts(n, correct1, correct2, both);
      if (Number.isNaN(expected)) assert.ok(Number.isNaN(r.kappa_p));
      else close(r.kappa_p, expected);
    }
  });

  test("kappa_p is undefined (NaN) where c_exp_p = 1: both always certain and right", () => {
    const r = capa([[1, 0]], [[1, 0]], [0]);
    assert.equal(r.c_exp_p, 1);
    assert.ok(Number.isNaN(r.kappa_p));
  });

  test("an observer with itself: c_obs_p is the mean of sum p^2, below 1 for uncertain probabilities", () => {
    const r = capa(p1, p1, truth);
    // sum p^2 per item: .46, .44, .5 -> c_obs = 1.4 / 3, below 1: probabilistic answers rarely coincide.
    close(r.c_obs_p, 1.4 / 3);
    assert.ok(r.kappa_p < 1);
  });
});
