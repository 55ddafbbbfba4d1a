// `trialwise reproduce geirhos2020` on the published data: numbers, tables, figures, report.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { type FigureFormat, reproduceGeirhos2020 } from "../../src/reproduce/run.ts";
import { parseCsv } from "../../src/io/csv.ts";
import { roundsTo } from "../../src/reproduce/geirhos2020.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../helpers.ts";

const ARTIFACTS = join(REPO, "test-artifacts");

type Numbers = Record<string, any>;

function near(actual: unknown, expected: number, tolerance: number, what: string) {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

describe("trialwise reproduce geirhos2020", { skip: NO_SHARED_DATA }, () => {
  let work: string;
  let out: string;
  let numbers: Numbers;
  let figureIds: string[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "trialwise-reproduce-"));
    out = join(work, "report");
    const formats: FigureFormat[] = ["svg", "png"];
    await reproduceGeirhos2020({ dataDir: RAW_DATA, outDir: out, formats, cacheDir: join(work, "cache"), version: "test" });
    numbers = JSON.parse(await readFile(join(out, "numbers.json"), "utf8"));
    figureIds = (await readdir(join(out, "figures"))).filter((f) => f.endsWith(".svg")).map((f) => f.slice(0, -4));
  });
  after(async () => rm(work, { recursive: true, force: true }));

  test("numbers.json: the exact all-trials values of geirhos2020.md within 1e-6", () => {
    const cc = numbers["texture-shape_cue-conflict"];
    const e = numbers["texture-shape_edges"];
    const s = numbers["texture-shape_silhouettes"];
    near(cc.groups["human-human"].mean, 0.331052, 1e-6, "CC human-human");
    assert.equal(cc.groups["human-human"].n, 45);
    near(e.groups["human-human"].mean, 0.318436, 1e-6, "E human-human");
    near(s.groups["human-human"].mean, 0.475709, 1e-6, "S human-human");
    near(cc.models.resnet50.mean_kappa_vs_humans, 0.067997, 1e-6, "resnet50");
    near(cc.models["cornet-s"].mean_kappa_vs_humans, 0.066464, 1e-6, "cornet-s");
    near(cc.models.alexnet.mean_kappa_vs_humans, 0.080446, 1e-6, "alexnet");
    assert.equal(cc.groups["cnn-cnn"].n, 120);
    near(cc.groups["cnn-cnn"].mean, 0.603164, 1e-6, "CC CNN-CNN");
    near(cc.groups["cnn-cnn"].ci95, 0.013066, 1e-6, "CC CNN-CNN half-width");
    near(e.groups["cnn-cnn"].mean, 0.471034, 1e-6, "E CNN-CNN");
    near(s.groups["cnn-cnn"].mean, 0.626662, 1e-6, "S CNN-CNN");
    assert.equal(cc.groups["cnn-human"].n, 160);
    near(cc.groups["cnn-human"].mean, 0.067142, 1e-6, "CC CNN-human");
    near(e.groups["cnn-human"].mean, 0.053096, 1e-6, "E CNN-human");
    near(s.groups["cnn-human"].mean, 0.324814, 1e-6, "S CNN-human");
    assert.deepEqual([e.max_cnn_pair.observer1, e.max_cnn_pair.observer2], ["densenet121", "resnet18"]);
    near(e.max_cnn_pair.kappa, 0.765343, 1e-6, "E resnet18 vs densenet121");
    const sin = {
      resnet50: [21.3924, 0.067997],
      "resnet50-trained-on-SIN": [81.3673, 0.194952],
      "resnet50-trained-on-SIN-and-IN": [34.6509, 0.09803],
      "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN": [20.5426, 0.065628],
    };
    for (const [model, [bias, kappa]] of Object.entries(sin)) {
      near(100 * cc.models[model].shape_bias, bias, 1e-4, `${model} shape bias`);
      near(cc.models[model].mean_kappa_vs_humans, kappa, 1e-6, `${model} kappa`);
    }
  });

  test("numbers.json: regression statistics as printed (R², F, p) for cue-conflict and silhouettes", () => {
    const cc = numbers["texture-shape_cue-conflict"].regression_top5;
    const s = numbers["texture-shape_silhouettes"].regression_top5;
    assert.equal(cc.n, 160);
    assert.equal(cc.df2, 158);
    for (const [value, printed] of [
      [cc.r2, "0.0005459"],
      [cc.f, "0.08631"],
      [cc.p, "0.7693"],
      [s.r2, "0.253"],
      [s.f, "53.53"],
      [s.p, "1.21e-11"],
    ] as const) {
      assert.ok(roundsTo(value, printed), `${value} should round to ${printed}`);
    }
    for (const key of ["slope", "intercept", "r2", "f", "p"]) {
      assert.equal(typeof numbers["texture-shape_edges"].regression_top1[key], "number", key);
    }
  });

  test("numbers.json: every model of every dataset, shape bias on cue-conflict", () => {
    for (const dataset of ["texture-shape_cue-conflict", "texture-shape_edges", "texture-shape_silhouettes"]) {
      const models = numbers[dataset].models;
      assert.equal(Object.keys(models).length, 25, dataset);
      for (const [name, m] of Object.entries<any>(models)) {
        for (const key of ["accuracy", "mean_kappa_vs_humans", "ci95"]) assert.equal(typeof m[key], "number", `${dataset} ${name} ${key}`);
        assert.equal(typeof m.shape_bias === "number", dataset === "texture-shape_cue-conflict", `${dataset} ${name} shape_bias`);
      }
    }
  });

  test("the paper's subset of trials gives its published values exactly: 0.618842 ± 0.012365 (CC), 0.793103 (E maximum)", () => {
    const cc = numbers["texture-shape_cue-conflict"].paper_subset;
    assert.deepEqual(cc.rows_mod4, [0, 1]);
    near(cc.cnn_cnn.mean, 0.618842, 1e-6, "CC subset mean");
    near(cc.cnn_cnn.ci95, 0.012365, 1e-6, "CC subset half-width");
    const e = numbers["texture-shape_edges"].paper_subset.max_cnn_pair;
    near(e.kappa, 0.793103, 1e-6, "E subset maximum");
    assert.deepEqual([e.observer1, e.observer2], ["densenet121", "resnet18"]);
  });

  test("paper vs recomputed: what matches, and why the rest differs", async () => {
    const text = await readFile(join(out, "tables/paper-vs-recomputed.csv"), "utf8");
    const { columns, rows } = parseCsv(text, "paper-vs-recomputed.csv");
    const field = (row: readonly string[], name: string) => row[columns.indexOf(name)];
    const differs = rows
      .filter((r) => field(r, "verdict") === "differs")
      .map((r) => field(r, "id"))
      .sort();
    assert.deepEqual(differs, ["cc.cnn-cnn.mean", "e.cnn-cnn.ci95", "e.cnn-cnn.mean", "e.max-cnn-pair", "s.cnn-cnn.mean"]);
    for (const row of rows.filter((r) => field(r, "verdict") === "differs")) {
      assert.match(field(row, "explanation"), /on that subset trialwise obtains the printed value/, field(row, "id"));
      assert.ok(roundsTo(Number(field(row, "recomputed_subset")), field(row, "paper")), field(row, "id"));
    }
    assert.ok(rows.length >= 30);
  });

  test("tables: pairs, observers, groups, models, regressions as CSV", async () => {
    const tables = await readdir(join(out, "tables"));
    for (const name of [
      "pairs.csv",
      "observers.csv",
      "groups.csv",
      "models.csv",
      "regressions.csv",
      "shape-bias.csv",
      "noise-accuracy.csv",
      "chance-region-160-trials.csv",
      "chance-region-1280-trials.csv",
    ]) {
      assert.ok(tables.includes(name), name);
    }
    const pairs = csvObjects(await readFile(join(out, "tables/pairs.csv"), "utf8"));
    assert.equal(pairs.length, 3 * 595);
  });

  test("every figure exists as valid SVG and as PNG at twice its size, with its axis labels", async () => {
    const expected = [
      ...["cue-conflict", "edges", "silhouettes"].flatMap((d) => [
        `kappa-vs-top5_${d}`,
        `kappa-vs-top1_${d}`,
        `c-obs-vs-c-exp_${d}`,
        `kappa-vs-c-exp_${d}`,
        `four-networks_c-obs_${d}`,
        `four-networks_kappa_${d}`,
        `cornet-s_${d}`,
        `kappa-matrix_${d}`,
      ]),
      "kappa-vs-brain-score_cue-conflict",
      "shape-bias_cue-conflict",
      "shape-bias-vs-kappa_cue-conflict",
      "shape-bias-by-category_pytorch-models",
      "shape-bias-by-category_cornet-s",
      "c-exp-density",
      "chance-band-diagnostic_160",
      "chance-band-diagnostic_1280",
      ...["contrast-png", "eidolon-I", "eidolon-II", "eidolon-III", "high-pass", "low-pass", "phase-scrambling", "uniform-noise"].flatMap(
        (p) => [`noise-accuracy_${p}`, `noise-model-consistency_${p}`],
      ),
    ];
    assert.deepEqual([...figureIds].sort(), [...expected].sort());
    const axisTitles: [RegExp, string[]][] = [
      [/^kappa-vs-top5/, ["ImageNet validation accuracy, top-5 (%)", "Error consistency κ"]],
      [/^c-obs-vs-c-exp/, ["Observed error overlap, c_obs", "Error overlap expected by chance, c_exp"]],
      [/^kappa-vs-c-exp/, ["Error consistency κ", "Error overlap expected by chance, c_exp"]],
      [/^four-networks_c-obs/, ["Observed error overlap, c_obs", "Error overlap expected by chance, c_exp"]],
      [/^four-networks_kappa/, ["Error consistency κ", "Error overlap expected by chance, c_exp"]],
      [/^kappa-vs-brain-score/, ["Brain-Score: behaviour score", "Error consistency κ"]],
      [/^chance-band-diagnostic/, ["Observed error overlap, c_obs", "Error consistency κ"]],
      [/^noise-accuracy/, ["Classification accuracy"]],
      [/^shape-bias_/, ["Shape bias (fraction of shape decisions)"]],
    ];
    for (const id of figureIds) {
      const svg = await readFile(join(out, "figures", `${id}.svg`), "utf8");
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, id);
      assert.ok(svg.trimEnd().endsWith("</svg>"), id);
      const width = Number(svg.match(/<svg[^>]*width="([\d.]+)"/)![1]);
      const png = await sharp(join(out, "figures", `${id}.png`)).metadata();
      assert.equal(png.format, "png", id);
      assert.ok(Math.abs(png.width! - 2 * width) <= 2, `${id}: PNG ${png.width} px for an SVG ${width} wide`);
      for (const [pattern, titles] of axisTitles) {
        if (pattern.test(id)) for (const title of titles) assert.ok(svg.includes(`>${title}<`), `${id}: axis title "${title}"`);
      }
    }
  });

  test("index.html is self-contained: every figure inline, no external resources", async () => {
    const html = await readFile(join(out, "index.html"), "utf8");
    for (const id of figureIds) assert.ok(html.includes(`<figure id="${id}">`), id);
    assert.equal(html.match(/<svg/g)!.length, figureIds.length);
    assert.doesNotMatch(html, /<(script|link|img|iframe)\b/i);
    assert.doesNotMatch(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, ""), /(src|href)="https?:/);
    assert.match(html, /Paper vs recomputed/);
  });

  test("the report opens in Chromium without console errors and shows every figure", { skip: NO_CHROMIUM }, async () => {
    const browser = await launchChromium(["--disable-component-update", "--disable-sync", "--no-first-run"]);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
      await page.goto(`file://${join(out, "index.html")}`, { waitUntil: "load" });
      assert.deepEqual(problems, []);
      const shown = await page.$$eval(
        "figure svg",
        (svgs) => svgs.filter((s) => s.getBoundingClientRect().width > 100 && s.getBoundingClientRect().height > 100).length,
      );
      assert.equal(shown, figureIds.length);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report-top.png") });
      await page.locator("#kappa-vs-top5_cue-conflict").screenshot({ path: join(ARTIFACTS, "report-figure-1.png") });
    } finally {
      await browser.close();
    }
  });
});

describe("trialwise reproduce: usage and input errors", () => {
  test("unknown study and bad --format exit 2", async () => {
    const study = await cli("reproduce", "geirhos2021");
    assert.equal(study.code, 2);
    assert.match(study.stderr, /unknown study "geirhos2021"; known: geirhos2020/);
    const format = await cli("reproduce", "geirhos2020", "--format", "pdf", "--data", ".");
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format: expected svg, png or svg,png/);
  });

  test("--data that does not exist, or is not the published data, exits 1 with a clear message", async () => {
    const missing = await cli("reproduce", "geirhos2020", "--data", join(tmpdir(), "no-such-folder-trialwise"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--data/);
    const work = await mkdtemp(join(tmpdir(), "trialwise-wrong-"));
    try {
      const wrong = await cli(
        "reproduce",
        "geirhos2020",
        "--data",
        join(REPO, "test/fixtures/mini-cue-conflict"),
        "--out",
        join(work, "out"),
        "--cache",
        join(work, "cache"),
      );
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /does not look like the published geirhos2020 raw-data folder/);
      assert.deepEqual(await readdir(work).then((f) => f.filter((x) => x.startsWith("out"))), [], "no partial output");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
