import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { IMAGENET16, argmaxFirst, categoryOrder, categoryScores, checkLabelMap, decide, softmax } from "../../src/evaluate/decisions.ts";
import { SHARED } from "../helpers.ts";

const MAPPING = join(SHARED, "data/imagenet/imagenet16-mapping.json");

describe("the imagenet16 mapping the package carries", () => {
  test("207 indices over 16 categories (dog 109, bird 49, airplane, knife and oven 1 each)", () => {
    const sizes = Object.fromEntries(Object.entries(IMAGENET16.categories).map(([k, v]) => [k, v.length]));
    assert.equal(Object.keys(sizes).length, 16);
    assert.equal(
      Object.values(sizes).reduce((a, b) => a + b, 0),
      207,
    );
    assert.deepEqual([sizes.dog, sizes.bird, sizes.airplane, sizes.knife, sizes.oven], [109, 49, 1, 1, 1]);
    assert.doesNotThrow(() => checkLabelMap(IMAGENET16, "package"));
  });

  test("equals the published mapping in ../shared", { skip: existsSync(MAPPING) ? false : `no ${MAPPING}` }, () => {
    const shared = JSON.parse(readFileSync(MAPPING, "utf8"));
    assert.deepEqual(JSON.parse(JSON.stringify(IMAGENET16.categories)), shared.categories);
  });
});

describe("from outputs to decisions", () => {
  test("softmax by hand: logits (0, ln 2, ln 3) give (1/6, 2/6, 3/6); large logits do not overflow", () => {
    const p = softmax([0, Math.log(2), Math.log(3)]);
    [1 / 6, 2 / 6, 3 / 6].forEach((v, k) => assert.ok(Math.abs(p[k] - v) < 1e-15));
    const big = softmax([1000, 1000]);
    assert.deepEqual([...big], [0.5, 0.5]);
  });

  test("mean, sum and max aggregation on a hand-made probability vector", () => {
    const map = { classes: 6, categories: { cat: [0, 1, 2], dog: [3], bird: [4, 5] } };
    const p = [0.1, 0.1, 0.1, 0.25, 0.2, 0.25];
    assert.deepEqual(categoryOrder(map), ["bird", "cat", "dog"]);
    // mean: bird 0.225, cat 0.1, dog 0.25 -> dog; sum: bird 0.45, cat 0.3, dog 0.25 -> bird;
    // max: bird 0.25, cat 0.1, dog 0.25 -> tie, alphabetically first: bird.
    const mean = categoryScores(p, map, "mean");
    assert.ok(Math.abs(mean[0] - 0.225) < 1e-15 && Math.abs(mean[1] - 0.1) < 1e-15 && mean[2] === 0.25);
    assert.equal(decide(p, { map, outputsAre: "probabilities" }).category, "dog");
    assert.equal(decide(p, { map, outputsAre: "probabilities", aggregation: "sum" }).category, "bird");
    assert.equal(decide(p, { map, outputsAre: "probabilities", aggregation: "max" }).category, "bird");
  });

  test("ties go to the alphabetically first category, in any output order", () => {
    assert.equal(argmaxFirst([1, 3, 3, 2]), 1);
    const map = { classes: 3, categories: { zebra: [0], apple: [2], mango: [1] } };
    assert.equal(decide([0.4, 0.2, 0.4], { map, outputsAre: "probabilities" }).category, "apple");
    assert.equal(decide([5, 5, 1], { map: { identity: ["zebra", "mango", "apple"] } }).category, "mango");
  });

  test("a 1000-class output peaked on a dog class decides dog; on knife's single class, knife", () => {
    const logits = new Float64Array(1000);
    logits[IMAGENET16.categories.dog[5]] = 20;
    assert.equal(decide(logits, { map: IMAGENET16 }).category, "dog");
    logits.fill(0);
    logits[IMAGENET16.categories.knife[0]] = 5;
    assert.equal(decide(logits, { map: IMAGENET16 }).category, "knife");
    // Equal logits: every category's mean probability is 1/1000 (up to rounding of the sums).
    const flat = decide(new Float64Array(1000), { map: IMAGENET16 });
    assert.ok(flat.scores.every((v) => Math.abs(v - 0.001) < 1e-15));
  });

  test("output size mismatches and bad label maps are clear errors", () => {
    assert.throws(() => decide([1, 2], { map: IMAGENET16 }), /2 outputs, the label map expects 1000/);
    assert.throws(
      () => checkLabelMap({ classes: 3, categories: { a: [0], b: [0] } }, "map.json"),
      (e: InputError) => /belongs to both "a" and "b"/.test(e.message) && e.location.file === "map.json",
    );
    assert.throws(() => checkLabelMap({ classes: 3, categories: { a: [3] } }, "map.json"), /not an output index 0..2/);
    assert.throws(() => checkLabelMap([], "map.json"), /"classes" must be a positive integer/);
  });
});
