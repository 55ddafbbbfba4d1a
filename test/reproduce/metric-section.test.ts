// `trialwise reproduce geirhos2020 --metric`: a response-level metric beside error kappa.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { metricPairs } from "../../src/core/metric-pairs.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { TrialTableBuilder } from "../../src/core/trials.ts";
import { metricBesideKappa } from "../../src/reproduce/metric-section.ts";
import { reproduceGeirhos2020 } from "../../src/reproduce/run.ts";
import { NO_SHARED_DATA, RAW_DATA, cli } from "../helpers.ts";

/** A texture-shape dataset (by name) of two humans and two models on four stimuli, answers as "truth>response". */
function dataset(name: string) {
  const builder = new TrialTableBuilder(name);
  const answers: Record<string, string[]> = {
    "subject-01": ["cat>cat", "dog>dog", "cat>dog", "dog>cat"],
    "subject-02": ["cat>cat", "dog>cat", "cat>dog", "dog>dog"],
    alexnet: ["cat>dog", "dog>dog", "cat>cat", "dog>cat"],
    resnet: ["cat>cat", "dog>dog", "cat>dog", "dog>dog"],
  };
  for (const [observer, list] of Object.entries(answers)) {
    list.forEach((answer, s) => {
      const [truth, response] = answer.split(">");
      builder.add({
        observer,
        condition: "0",
        stimulus: `s${s}`,
        truth,
        response,
        correct: truth === response,
        missing: false,
        file: "t.csv",
        line: s + 2,
      });
    });
  }
  return builder.build();
}

describe("metricBesideKappa", () => {
  test("groups and models under both measures, the metric's from metricPairs, ranks 1 = highest; other datasets left out", () => {
    const table = dataset("texture-shape_edges");
    const rows = metricBesideKappa([table, dataset("noise-generalisation_colour")], "response-kappa");
    assert.deepEqual(
      rows.map((r) => [r.dataset, r.kind, r.name]),
      [
        ["texture-shape_edges", "group", "human-human"],
        ["texture-shape_edges", "group", "model-model"],
        ["texture-shape_edges", "group", "model-human"],
        ["texture-shape_edges", "model", "alexnet"],
        ["texture-shape_edges", "model", "resnet"],
      ],
    );
    const metric = metricPairs(probabilityTableFromTrials(table, false), { metric: "response-kappa" }).rows;
    const kappa = computePairs(table).pairs;
    const metricOf = (b: string) => metric.find((p) => p.observer1 === "resnet" && p.observer2 === b)!.response_kappa as number;
    const kappaOf = (b: string) => kappa.find((p) => p.observer1 === "resnet" && p.observer2 === b)!.kappa!;
    const resnetMetric = (metricOf("subject-01") + metricOf("subject-02")) / 2;
    const resnetKappa = (kappaOf("subject-01") + kappaOf("subject-02")) / 2;
    const resnet = rows.find((r) => r.name === "resnet")!;
    assert.ok(Math.abs(resnet.mean_metric! - resnetMetric) < 1e-12);
    assert.ok(Math.abs(resnet.mean_kappa! - resnetKappa) < 1e-12);
    const alexnet = rows.find((r) => r.name === "alexnet")!;
    assert.deepEqual([resnet.rank_kappa, alexnet.rank_kappa], resnet.mean_kappa! > alexnet.mean_kappa! ? [1, 2] : [2, 1]);
    assert.deepEqual([resnet.rank_metric, alexnet.rank_metric], resnet.mean_metric! > alexnet.mean_metric! ? [1, 2] : [2, 1]);
    assert.equal(rows[0].rank_kappa, null);
  });
});

describe("trialwise reproduce geirhos2020 --metric", { skip: NO_SHARED_DATA }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "trialwise-reproduce-metric-"));
  });
  after(async () => rm(work, { recursive: true, force: true }));

  test("adds tables/<metric>.csv and a section with its nav link; the rest of the report is unchanged", async () => {
    const cache = join(work, "cache");
    await reproduceGeirhos2020({ dataDir: RAW_DATA, outDir: join(work, "plain"), formats: ["svg"], cacheDir: cache, version: "test" });
    await reproduceGeirhos2020({
      dataDir: RAW_DATA,
      outDir: join(work, "dmc"),
      formats: ["svg"],
      cacheDir: cache,
      version: "test",
      metric: "dmc",
    });
    const plain = await readFile(join(work, "plain", "index.html"), "utf8");
    const withMetric = await readFile(join(work, "dmc", "index.html"), "utf8");
    const section = withMetric.match(/\n<section id="metric">[\s\S]*?<\/section>/)![0];
    const nav = '<li><a href="#metric">dmc beside κ</a></li>';
    assert.ok(withMetric.includes(nav));
    // Vega numbers clip paths and gradients per process, so the second report's ids run on: compare without them.
    const renderIds = (html: string) => html.replace(/(clip|gradient_)\d+/g, "$1");
    assert.equal(renderIds(withMetric.replace(section, "").replace(nav, "")), renderIds(plain));
    assert.match(section, /<h3>cue-conflict<\/h3>[\s\S]*<h3>edges<\/h3>[\s\S]*<h3>silhouettes<\/h3>/);
    const table = await readFile(join(work, "dmc", "tables", "dmc.csv"), "utf8");
    const lines = table.trimEnd().split("\n");
    assert.equal(lines[0], "dataset,kind,name,n_pairs,mean_kappa,mean_metric,rank_kappa,rank_metric");
    // The human-human mean kappa on cue-conflict is Brain-Score's ceiling (../shared/docs/related-methods.md).
    const humans = lines.find((l) => l.startsWith("texture-shape_cue-conflict,group,human-human,45,"))!;
    assert.ok(Math.abs(Number(humans.split(",")[4]) - 0.33105) < 5e-6);
  });

  test("--metric capa is a usage error (the published trials hold no probabilities)", async () => {
    const run = await cli("reproduce", "geirhos2020", "--data", RAW_DATA, "--out", join(work, "capa"), "--metric", "capa");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--metric.*capa-discrete, dmc, response-kappa/);
  });
});
