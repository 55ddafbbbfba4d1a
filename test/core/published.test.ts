// The all-trials numbers of section 7 of ../shared/docs/geirhos2020.md, recomputed from the
// published trial data (Geirhos, Meding & Wichmann 2020).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { linearRegression } from "../../src/core/math/regression.ts";
import { type PairResult, computePairs } from "../../src/core/pairs.ts";
import { shapeBias } from "../../src/core/shape-bias.ts";
import { summarizePairs } from "../../src/core/summary.ts";
import type { TrialTable } from "../../src/core/trials.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { NO_SHARED_DATA, RAW_DATA, SHARED } from "../helpers.ts";

const PYTORCH_16 = new Set([
  "alexnet",
  "vgg11-bn",
  "vgg13-bn",
  "vgg16-bn",
  "vgg19-bn",
  "squeezenet1-0",
  "squeezenet1-1",
  "densenet121",
  "densenet169",
  "densenet201",
  "inception-v3",
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "resnet152",
]);
const SIN_VARIANTS = [
  "resnet50",
  "resnet50-trained-on-SIN",
  "resnet50-trained-on-SIN-and-IN",
  "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN",
];

/** Asserts |actual - expected| <= tolerance, with a readable message. */
function near(actual: number | null | undefined, expected: number, tolerance = 1e-6, what = "") {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

/** Asserts agreement to the significant digits a number was published with. */
function nearSignificant(actual: number, published: string, what: string) {
  const expected = Number(published);
  const digits = published
    .replace(/^[-0.]+/, "")
    .replace(/e.*$/, "")
    .replace(".", "").length;
  const tolerance = 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(expected))) - digits + 1);
  near(actual, expected, tolerance * 1.0001, what);
}

describe("published numbers (all trials)", { skip: NO_SHARED_DATA }, () => {
  const tables = new Map<string, TrialTable>();
  const pairs = new Map<string, PairResult>();
  const DATASETS = { CC: "texture-shape_cue-conflict", E: "texture-shape_edges", S: "texture-shape_silhouettes" };

  before(async () => {
    const { datasets } = await loadDatasets(RAW_DATA);
    for (const table of datasets) {
      tables.set(table.dataset, table);
      pairs.set(table.dataset, computePairs(table));
    }
  });

  const summary = (key: keyof typeof DATASETS, models?: Set<string>) => {
    const name = DATASETS[key];
    const table = tables.get(name)!;
    return summarizePairs(pairs.get(name)!.pairs, (o) => table.humans.has(o), models);
  };
  const group = (key: keyof typeof DATASETS, type: string, models?: Set<string>) =>
    summary(key, models).find((r) => r.kind === "group" && r.name === type)!;
  const modelMean = (key: keyof typeof DATASETS, model: string) => summary(key).find((r) => r.kind === "model" && r.name === model)!;
  const pair = (key: keyof typeof DATASETS, a: string, b: string) =>
    pairs.get(DATASETS[key])!.pairs.find((p) => (p.observer1 === a && p.observer2 === b) || (p.observer1 === b && p.observer2 === a))!;

  test("the texture-shape datasets: 35 observers (10 humans), 595 pairs, all computed", () => {
    for (const [key, trials] of [
      ["CC", 1280],
      ["E", 160],
      ["S", 160],
    ] as const) {
      const result = pairs.get(DATASETS[key])!;
      assert.equal(result.pairs.length, 595, key);
      assert.equal(result.skipped.length, 0, key);
      assert.equal(tables.get(DATASETS[key])!.humans.size, 10, key);
      assert.ok(
        result.pairs.every((p) => p.n_trials === trials),
        `${key}: ${trials} trials per pair`,
      );
    }
  });

  test("mean human-human kappa, 45 pairs: CC 0.331052, E 0.318436, S 0.475709", () => {
    for (const [key, value] of [
      ["CC", 0.331052],
      ["E", 0.318436],
      ["S", 0.475709],
    ] as const) {
      const row = group(key, "human-human");
      assert.equal(row.n_pairs, 45);
      near(row.mean, value, 1e-6, key);
    }
    // The E and S intervals printed in the paper: 0.32 ± 0.04 and 0.48 ± 0.03.
    near(group("E", "human-human").ci95, 0.04, 0.005, "E half-width");
    near(group("S", "human-human").ci95, 0.03, 0.005, "S half-width");
  });

  test("CC mean kappa with humans: ResNet-50 0.067997, CORnet-S 0.066464, AlexNet 0.080446", () => {
    near(modelMean("CC", "resnet50").mean, 0.067997, 1e-6, "resnet50");
    near(modelMean("CC", "cornet-s").mean, 0.066464, 1e-6, "cornet-s");
    near(modelMean("CC", "alexnet").mean, 0.080446, 1e-6, "alexnet");
    assert.equal(modelMean("CC", "resnet50").n_pairs, 10);
  });

  test("CC ResNet-50 vs CORnet-S: 0.710662", () => {
    near(pair("CC", "resnet50", "cornet-s").kappa, 0.710662);
  });

  test("16 PyTorch models: CNN-CNN (120 pairs) and CNN-human (160 pairs) means", () => {
    const cc = group("CC", "model-model", PYTORCH_16);
    assert.equal(cc.n_pairs, 120);
    near(cc.mean, 0.603164, 1e-6, "CC CNN-CNN mean");
    near(cc.ci95, 0.013066, 1e-6, "CC CNN-CNN half-width");
    near(group("E", "model-model", PYTORCH_16).mean, 0.471034, 1e-6, "E CNN-CNN");
    near(group("S", "model-model", PYTORCH_16).mean, 0.626662, 1e-6, "S CNN-CNN");
    for (const [key, value] of [
      ["CC", 0.067142],
      ["E", 0.053096],
      ["S", 0.324814],
    ] as const) {
      const row = group(key, "model-human", PYTORCH_16);
      assert.equal(row.n_pairs, 160);
      near(row.mean, value, 1e-6, `${key} CNN-human`);
    }
  });

  test("E resnet18 vs densenet121 on all trials: 0.765343", () => {
    near(pair("E", "resnet18", "densenet121").kappa, 0.765343);
  });

  test("regression of CNN-human kappa on ImageNet top-5 accuracy over the 160 points", () => {
    const csv = readFileSync(join(SHARED, "data/geirhos2020/reference/imagenet-accuracy-pytorch-zoo.csv"), "utf8");
    const top5 = new Map(
      csv
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => {
          const [name, , five] = line.split(",");
          return [name, Number(five)] as const;
        }),
    );
    const fit = (key: keyof typeof DATASETS) => {
      const table = tables.get(DATASETS[key])!;
      const points = pairs
        .get(DATASETS[key])!
        .pairs.filter((p) => p.pair_type === "model-human")
        .map((p) => ({ model: table.humans.has(p.observer1) ? p.observer2 : p.observer1, kappa: p.kappa! }))
        .filter((p) => PYTORCH_16.has(p.model));
      assert.equal(points.length, 160);
      return linearRegression(
        points.map((p) => top5.get(p.model)!),
        points.map((p) => p.kappa),
      );
    };
    const cc = fit("CC");
    assert.equal(cc.df2, 158);
    nearSignificant(cc.r2, "0.0005459", "CC R^2");
    nearSignificant(cc.f, "0.08631", "CC F");
    nearSignificant(cc.p, "0.7693", "CC p");
    const s = fit("S");
    nearSignificant(s.r2, "0.253", "S R^2");
    nearSignificant(s.f, "53.53", "S F");
    nearSignificant(s.p, "1.21e-11", "S p");
  });

  test("CC shape bias of the four ResNet-50 training variants: 21.3924%, 81.3673%, 34.6509%, 20.5426%", () => {
    const rows = shapeBias(tables.get(DATASETS.CC)!);
    const expected = [21.3924, 81.3673, 34.6509, 20.5426];
    SIN_VARIANTS.forEach((model, i) => {
      const row = rows.find((r) => r.observer === model)!;
      assert.equal(row.n_excluded, 80, model);
      near(row.shape_bias! * 100, expected[i], 1e-4, model);
    });
  });

  test("CC mean kappa with humans of the same four: 0.067997, 0.194952, 0.098030, 0.065628", () => {
    const expected = [0.067997, 0.194952, 0.09803, 0.065628];
    SIN_VARIANTS.forEach((model, i) => near(modelMean("CC", model).mean, expected[i], 1e-6, model));
  });
});
