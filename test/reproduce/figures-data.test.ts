// The report's new figures plot exactly the numbers of its tables (real values, in-process).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { type ChanceBandRow, GEIRHOS2020_GRID_EDGES, chanceRegion } from "../../src/core/chance.ts";
import { InputError } from "../../src/core/errors.ts";
import { parseCsv } from "../../src/io/csv.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { BRAIN_SCORE_FILE, parseBrainScoreBehaviour } from "../../src/reproduce/brain-score.ts";
import { type Figure, geirhos2020Figures } from "../../src/reproduce/figures.ts";
import { type Geirhos2020Analysis, analyseGeirhos2020, noiseModelDetails } from "../../src/reproduce/geirhos2020.ts";
import { authorsBandFile, parseAuthorsBand } from "../../src/reproduce/reference.ts";
import { geirhos2020Tables } from "../../src/reproduce/report.ts";
import { NO_SHARED_DATA, RAW_DATA } from "../helpers.ts";

type Row = Record<string, string>;

function csvRows(text: string): Row[] {
  const { columns, rows } = parseCsv(text, "table");
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
}

/** Every inline data array of a spec (layers, nested layers and concatenated panels). */
function dataArrays(spec: unknown): Record<string, unknown>[][] {
  const found: Record<string, unknown>[][] = [];
  const walk = (node: any) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node.data?.values)) found.push(node.data.values);
    for (const key of ["layer", "hconcat", "vconcat"]) if (Array.isArray(node[key])) node[key].forEach(walk);
  };
  walk(spec);
  return found;
}

/** The one data array of a spec whose rows have all `keys`. */
function dataWith(spec: unknown, ...keys: string[]): Record<string, any>[] {
  const arrays = dataArrays(spec).filter((a) => a.length > 0 && keys.every((k) => k in a[0]));
  assert.ok(arrays.length >= 1, `a data array with ${keys.join(", ")}`);
  return arrays[arrays.length - 1] as Record<string, any>[];
}

const close = (a: number, b: number, what: string, tolerance = 1e-9) => assert.ok(Math.abs(a - b) <= tolerance, `${what}: ${a} vs ${b}`);

describe("the report's figures plot the numbers of its tables", { skip: NO_SHARED_DATA }, () => {
  let analysis: Geirhos2020Analysis;
  let tables: Map<string, string>;
  let figures: Map<string, Figure>;
  let authors160: ReturnType<typeof parseAuthorsBand>;

  before(async () => {
    const { datasets } = await loadDatasets(RAW_DATA);
    const file = join(RAW_DATA, BRAIN_SCORE_FILE);
    analysis = analyseGeirhos2020(datasets, { behaviour: parseBrainScoreBehaviour(await readFile(file, "utf8"), file), file });
    const chance = new Map<number, ChanceBandRow[]>();
    const band = (trials: number) => {
      if (!chance.has(trials)) chance.set(trials, chanceRegion({ trials, gridEdge: GEIRHOS2020_GRID_EDGES[trials] }));
      return chance.get(trials)!;
    };
    const reference = join(RAW_DATA, "../reference", authorsBandFile(160));
    authors160 = parseAuthorsBand(await readFile(reference, "utf8"), reference);
    const noiseDetails = noiseModelDetails(
      analysis,
      datasets.filter((d) => d.dataset.startsWith("noise-generalisation_")),
      band,
    );
    const list = geirhos2020Figures(analysis, { band, authorsBands: new Map([[160, authors160]]), noiseDetails });
    figures = new Map(list.map((f) => [f.id, f]));
    tables = geirhos2020Tables(analysis, chance, noiseDetails);
  });

  test("four networks: 45 human, 6 CNN and 40 CNN-human pairs, each equal to its row of pairs.csv; GoogLeNet is inception-v3, VGG-16 vgg16-bn", () => {
    const pairs = csvRows(tables.get("pairs.csv")!);
    for (const dataset of ["cue-conflict", "edges", "silhouettes"]) {
      for (const measure of ["c-obs", "kappa"]) {
        const points = dataWith(figures.get(`four-networks_${measure}_${dataset}`)!.spec, "series", "c_exp", "observer1");
        const count = (series: string) => points.filter((p) => p.series === series).length;
        assert.deepEqual(
          [
            "humans vs. humans",
            "CNNs vs. CNNs",
            "AlexNet vs. humans",
            "VGG-16 vs. humans",
            "GoogLeNet vs. humans",
            "ResNet-50 vs. humans",
          ].map(count),
          [45, 6, 10, 10, 10, 10],
          dataset,
        );
        for (const p of points) {
          const row = pairs.find(
            (r) => r.dataset === `texture-shape_${dataset}` && r.observer1 === p.observer1 && r.observer2 === p.observer2,
          )!;
          close(p.c_exp, Number(row.c_exp), `${p.observer1}-${p.observer2} c_exp`);
          close(p.c_obs, Number(row.c_obs), `${p.observer1}-${p.observer2} c_obs`);
          close(p.kappa, Number(row.kappa), `${p.observer1}-${p.observer2} kappa`);
        }
        const googlenet = points.filter((p) => p.series === "GoogLeNet vs. humans");
        assert.ok(googlenet.every((p) => p.observer1 === "inception-v3" || p.observer2 === "inception-v3"));
        assert.ok(points.filter((p) => p.series === "VGG-16 vs. humans").every((p) => [p.observer1, p.observer2].includes("vgg16-bn")));
      }
    }
    // The paper's edges figure: AlexNet's highest kappa with a human, 0.211 at c_exp 0.45.
    const alexnet = dataWith(figures.get("four-networks_kappa_edges")!.spec, "series", "c_exp").filter(
      (p) => p.series === "AlexNet vs. humans",
    );
    close(Math.max(...alexnet.map((p) => p.kappa)), 0.2108, "AlexNet edges max", 5e-4);
  });

  test("shape bias per category: every point is its row of shape-bias-by-category.csv, every line its row of shape-bias.csv", () => {
    const byCategory = csvRows(tables.get("shape-bias-by-category.csv")!);
    const overall = csvRows(tables.get("shape-bias.csv")!);
    const spec = figures.get("shape-bias-by-category_pytorch-models")!.spec;
    const points = dataWith(spec, "category", "series", "shape_bias");
    assert.equal(points.length, 17 * 16);
    for (const p of points) {
      const observer = p.series === "humans (pooled)" ? "humans" : p.series;
      const row = byCategory.find((r) => r.category === p.category && r.observer === observer)!;
      close(p.shape_bias, Number(row.shape_bias), `${observer} ${p.category}`);
      close(
        Number(row.shape_bias),
        Number(row.n_shape) / (Number(row.n_shape) + Number(row.n_texture)),
        `${observer} ${p.category} from counts`,
      );
    }
    const lines = dataArrays(spec).find((a) => a.length === 17 && !("category" in a[0]))!;
    for (const line of lines as { series: string; shape_bias: number }[]) {
      const row = overall.find((r) => r.observer === (line.series === "humans (pooled)" ? "humans" : line.series))!;
      close(line.shape_bias, Number(row.shape_bias), line.series);
    }
    // 16 categories, each with 75 stimuli whose texture differs: the pooled humans' counts add up to all of them.
    const humans = byCategory.filter((r) => r.observer === "humans");
    assert.equal(humans.length, 16);
    assert.equal(
      humans.reduce((s, r) => s + Number(r.n_excluded), 0),
      800,
    );
    const cornet = dataWith(figures.get("shape-bias-by-category_cornet-s")!.spec, "category", "series");
    assert.deepEqual([...new Set(cornet.map((p) => p.series))].sort(), ["CORnet-S", "ResNet-50", "humans (pooled)"]);
    close(overall.find((r) => r.observer === "resnet50")!.shape_bias as unknown as number, 0.213924, "ResNet-50 shape bias", 1e-6);
  });

  test("kappa vs Brain-Score: x from the Brain-Score table, y from models.csv; the paper's 0.63 ± 0.01 on its subset of trials", async () => {
    const spec = figures.get("kappa-vs-brain-score_cue-conflict")!.spec;
    const means = dataWith(spec, "model", "mean", "ci95");
    const models = csvRows(tables.get("models.csv")!).filter((r) => r.dataset === "texture-shape_cue-conflict");
    const brain = csvRows(tables.get("brain-score.csv")!);
    assert.equal(means.length, 14);
    const expected: Record<string, number> = {
      alexnet: 0.37,
      "squeezenet1-0": 0.263,
      "vgg16-bn": 0.461,
      "inception-v3": 0.481,
      resnet50: 0.526,
      resnet101: 0.561,
    };
    for (const [model, score] of Object.entries(expected))
      close(means.find((m) => m.model === model)!.accuracy, score, `${model} behaviour`);
    for (const m of means) {
      close(m.accuracy, Number(brain.find((r) => r.model === m.model)!.behaviour), `${m.model} x`);
      close(m.mean, Number(models.find((r) => r.model === m.model)!.mean_kappa_vs_humans), `${m.model} y`);
    }
    assert.equal(dataWith(spec, "model", "kappa").length, 140);
    const subset = analysis.brainScore.cnnCnnPaperSubset;
    assert.equal(subset.n, 91);
    close(subset.mean!, 0.6255, "paper subset mean", 5e-5);
    close(subset.ci95!, 0.0135, "paper subset half-width", 5e-5);
    const fit = csvRows(tables.get("regressions.csv")!).find((r) => r.predictor === "brain_score_behaviour")!;
    assert.equal(Number(fit.n), 140);
    close(Number(fit.slope), analysis.brainScore.regression.slope, "slope");
  });

  test("c_exp density: every cell is p_i p_j + (1 − p_i)(1 − p_j) at its centre; contours lie on their level", () => {
    const spec = figures.get("c-exp-density")!.spec;
    const cells = dataWith(spec, "p1", "p2", "c_exp");
    assert.equal(cells.length, 2500);
    for (const c of cells) {
      const p1 = (c.p1 + c.p1_end) / 2;
      const p2 = (c.p2 + c.p2_end) / 2;
      close(c.c_exp, p1 * p2 + (1 - p1) * (1 - p2), "cell");
    }
    close(cells.find((c) => c.p1 === 0 && c.p2 === 0)!.c_exp, 0.9802, "corner", 1e-12);
    for (const point of dataWith(spec, "p1", "p2", "level"))
      close(point.p1 * point.p2 + (1 - point.p1) * (1 - point.p2), point.level, "contour", 1e-9);
  });

  test("chance diagnostics: the bands are chance-region-160-trials.csv and the authors' file; the limits and the approximation by formula", () => {
    // One array per panel (c_obs, kappa).
    const curves = dataArrays(figures.get("chance-band-diagnostic_160")!.spec).flat() as Record<string, any>[];
    assert.deepEqual([...new Set(curves.map((c) => c.measure))], ["c_obs", "kappa"]);
    const band = csvRows(tables.get("chance-region-160-trials.csv")!);
    const ours = curves.filter((c) => c.curve.startsWith("chance band, trialwise") && c.measure === "kappa" && c.edge === "high");
    assert.equal(ours.length, band.filter((r) => r.kappa_high !== "").length);
    for (const c of ours) close(c.value, Number(band.find((r) => Number(r.c_exp_mean) === c.c_exp)!.kappa_high), `band at ${c.c_exp}`);
    const theirs = curves.filter((c) => c.curve === "chance band, authors' file" && c.measure === "kappa" && c.edge === "high");
    assert.equal(theirs.length, 99);
    close(theirs.find((c) => Math.abs(c.c_exp - 0.965724551973019) < 1e-12)!.value, 0.320594479830149, "authors' spike");
    const limit = curves.find(
      (c) => c.curve === "possible for any accuracies" && c.measure === "c_obs" && c.edge === "high" && c.c_exp === 0.25,
    )!;
    close(limit.value, 1 - Math.sqrt(0.5), "c_obs limit at 0.25");
    const approx = curves.find(
      (c) => c.curve.startsWith("normal approximation") && c.measure === "c_obs" && c.edge === "high" && c.c_exp === 0.5,
    )!;
    close(approx.value, 0.5 + 1.959964 * Math.sqrt(0.25 / 160), "approximation at 0.5");
    // The edges spike: the exact band's value, said in the captions.
    assert.match(figures.get("chance-band-diagnostic_160")!.caption, /reaches κ = 0\.321/);
    assert.match(figures.get("kappa-vs-c-exp_edges")!.caption, /reaches κ = 0\.321.*near 0\.55/);
  });

  test("ResNet-50 vs CORnet-S per condition: κ, interval, chance band and bounds as in noise-model-consistency-details.csv; low-pass 40 is a shared 'knife' bias", () => {
    const details = csvRows(tables.get("noise-model-consistency-details.csv")!);
    const figure = figures.get("noise-model-consistency_low-pass")!;
    const rows = dataWith(figure.spec, "kappa", "chance_low", "bound_high");
    assert.equal(rows.length, 7, "the unfiltered control is not drawn");
    for (const r of rows) {
      const d = details.find((x) => x.dataset === "noise-generalisation_low-pass" && x.condition === r.condition)!;
      for (const [field, column] of [
        ["kappa", "kappa"],
        ["lower", "ci_low"],
        ["upper", "ci_high"],
        ["chance_low", "chance_low"],
        ["chance_high", "chance_high"],
        ["bound_low", "kappa_min"],
        ["bound_high", "kappa_max"],
      ]) {
        close(r[field], Number(d[column]), `${r.condition} ${field}`);
      }
      assert.ok(r.lower <= r.kappa && r.kappa <= r.upper && r.bound_low <= r.kappa && r.kappa <= r.bound_high, r.condition);
    }
    const forty = details.find((x) => x.dataset === "noise-generalisation_low-pass" && x.condition === "40")!;
    close(Number(forty.kappa), 0.991, "kappa at 40", 5e-4);
    assert.deepEqual([forty.top_response_resnet50, forty.top_response_cornet_s], ["knife", "knife"]);
    close(Number(forty.top_share_resnet50), 958 / 960, "resnet50 knife share");
    close(Number(forty.top_share_cornet_s), 957 / 960, "cornet-s knife share");
    assert.match(figure.caption, /Shared response bias.*condition 40: ResNet-50 answers "knife" on 99\.8% of trials/);
  });
});

describe("the Brain-Score table reader", () => {
  test("reads the Behavior column, nan as missing; a short line is an InputError naming file and line", () => {
    const scores = parseBrainScoreBehaviour(
      "# name, avg., V1, V2, V4, IT, ITTemp, Behavior, Imagenet\nalexnet,.324,.213,.255,.582,.526,nan,.370,.577\nvggface,.232,.178,.225,.566,.346,nan,nan,\n",
      "bs.csv",
    );
    assert.deepEqual(
      [...scores],
      [
        ["alexnet", 0.37],
        ["vggface", null],
      ],
    );
    assert.throws(
      () => parseBrainScoreBehaviour("# header\nalexnet,.324,.213\n", "bs.csv"),
      (e: unknown) => e instanceof InputError && /bs\.csv.*2.*expected 9 columns/.test(e.message),
    );
    assert.throws(
      () => parseBrainScoreBehaviour("alexnet,.3,.2,.2,.5,.5,nan,high,.5\n", "bs.csv"),
      (e: unknown) => e instanceof InputError && /Behavior.*"high"/.test(e.message),
    );
  });
});
