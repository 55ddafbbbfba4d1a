// The dashboard on datasets with conditions, in Debian's Chromium (issue 18): the condition
// menu in natural order, per-condition analysis by default (and said), n and an interval on every
// per-condition κ, gaps, eidolon's families in panels, the chance band of each pair's own trial
// count, both observers' conditions in the trial table, few trials said, the opening dataset,
// and how fast small data opens. Screenshots go to test-artifacts/serve/.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { chanceBin } from "../../src/core/chance.ts";
import { PAIR_INTERVAL_DEFAULTS, pairInterval, pairSeed } from "../../src/core/pair-intervals.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { chanceBands } from "../../src/web/dashboard/pair-chance.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../helpers.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";

const ARTIFACTS = join(REPO, "test-artifacts/serve");
const SKIP = NO_SHARED_DATA || NO_CHROMIUM;
const DATASETS = [
  "noise-generalisation_colour",
  "noise-generalisation_contrast-png",
  "noise-generalisation_eidolon",
  "texture-shape_cue-conflict",
];

/** Waits until the page has drawn every view, the deferred ranking and chance regions included. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction("window.__trialwise?.settled === true", null, { timeout: 60_000 });
}

/** The data rows of a drawn figure's spec (its `data.values`), by the figure's export name. */
async function figureRows(page: Page, name: string): Promise<Record<string, unknown>[]> {
  return (await page.evaluate(`window.__trialwise.figure(${JSON.stringify(name)})?.data?.values ?? null`)) as Record<string, unknown>[];
}

/**
 * Milliseconds from choosing a dataset in the picker to the frame that paints its matrix (and
 * pair), and to the page being ready (scatters, κ vs accuracy and curves drawn too).
 */
async function switchTime(page: Page, id: string): Promise<{ matrix: number; ready: number }> {
  return (await page.evaluate(`(async () => {
    const t = window.__trialwise;
    const select = document.getElementById("dataset");
    const started = performance.now();
    const generation = t.generation;
    select.value = ${JSON.stringify(id)};
    select.dispatchEvent(new Event("change"));
    let matrix = null;
    while (!t.ready || matrix === null) {
      if (matrix === null && t.shown > generation) matrix = await new Promise((r) => requestAnimationFrame(() => r(performance.now() - started)));
      else await new Promise((r) => setTimeout(r, 1));
    }
    return { matrix, ready: performance.now() - started };
  })()`)) as { matrix: number; ready: number };
}

describe("trialwise serve in Chromium: datasets with conditions", { skip: SKIP }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({ paths: DATASETS.map((d) => join(RAW_DATA, d)), port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 }, acceptDownloads: true });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("without a dataset in the URL the page opens on the one with the most observers, not on noise-generalisation_colour", async () => {
    await page.goto(server.url);
    await settled(page);
    assert.equal(new URL(page.url()).searchParams.get("d"), "texture-shape_cue-conflict");
    assert.equal(
      await page.locator("#condition").inputValue(),
      "all",
      "cue-conflict's conditions (humans 0, models NaN) label observers: pooled",
    );
    assert.equal(await page.locator("#unit-note").count(), 0);
    assert.match(await page.locator("#status").innerText(), /^35 observers, 595 pairs computed in \d+ ms/);
  });

  test("contrast: the menu in natural order, per-condition analysis by default and said, c01 first", async () => {
    await page.goto(`${server.url}?d=noise-generalisation_contrast-png`);
    await settled(page);
    const options = await page
      .locator("#condition option")
      .evaluateAll((list) => list.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(options, ["all", "c01", "c03", "c05", "c10", "c15", "c30", "c50", "c100"]);
    assert.equal(await page.locator("#condition").inputValue(), "c01");
    assert.match(
      await page.locator("#unit-note").innerText(),
      /^Analysed per condition \(as trialwise pairs --by condition\), because observers answered in 8 conditions: showing condition c01/,
    );
    assert.match(await page.locator("#status").innerText(), /^5 observers, 1 pair computed in \d+ ms/, "one pair, not “1 pairs”");
    // Pooling is still one choice away.
    await page.selectOption("#condition", "all");
    await settled(page);
    assert.equal(new URL(page.url()).searchParams.get("c"), "all");
    assert.equal(await page.locator("#unit-note").count(), 0);
    assert.deepEqual(pageErrors, []);
  });

  test("per-condition κ: every point has n and the pair's Jeffreys interval (core pairInterval on the CLI's counts), a gap where κ is undefined, few trials said", async () => {
    const run = await cli(
      "pairs",
      join(RAW_DATA, "noise-generalisation_contrast-png"),
      "--by",
      "condition",
      "--intersect",
      "--observers",
      "resnet50,subject-01",
      "--format",
      "csv",
    );
    assert.equal(run.code, 0, run.stderr);
    const expected = csvObjects(run.stdout);
    await page.goto(`${server.url}?d=noise-generalisation_contrast-png&m=intersect&pair=resnet50&pair=subject-01`);
    await settled(page);
    await page.locator("#curves-kappa svg").waitFor();
    const rows = (await figureRows(page, "kappa-per-condition")) as {
      condition: string;
      value: number | null;
      n: number;
      lower: number | null;
      upper: number | null;
      x: string;
    }[];
    assert.deepEqual(
      rows.map((r) => r.condition),
      ["c01", "c03", "c05", "c10", "c15", "c30", "c50", "c100"],
      "natural order",
    );
    for (const row of rows) {
      const cli = expected.find((r) => r.condition === row.condition)!;
      assert.equal(row.n, Number(cli.n_trials), `${row.condition} n`);
      if (cli.kappa === "") {
        assert.equal(row.value, null, `${row.condition}: undefined κ is a gap, not a point`);
        continue;
      }
      assert.equal(row.value, Number(cli.kappa), `${row.condition} κ`);
      const counts = {
        trials: Number(cli.n_trials),
        correct1: Math.round(Number(cli.acc1) * Number(cli.n_trials)),
        correct2: Math.round(Number(cli.acc2) * Number(cli.n_trials)),
        bothCorrect: Number(cli.n_both_correct),
      };
      const interval = pairInterval(counts, { method: PAIR_INTERVAL_DEFAULTS.method, seed: pairSeed(1, "resnet50", "subject-01") });
      assert.deepEqual([row.lower, row.upper], [interval.lower, interval.upper], `${row.condition} interval`);
    }
    assert.ok(rows.some((r) => r.value === null) && rows.some((r) => r.value !== null));
    // The n is written on each point.
    const labels = await page.locator("#curves-kappa text").evaluateAll((list) => list.map((t) => t.textContent ?? ""));
    for (const row of rows.filter((r) => r.value !== null)) assert.ok(labels.includes(`n=${row.n}`), `n=${row.n} on the figure`);
    assert.match(await page.locator("#conditions-note").innerText(), /few trials behind κ in c01 \(6\)/);
    assert.match(await page.locator("#conditions-note").innerText(), /no κ \(gap\) in c10: κ undefined \(c_exp = 1\)/);
    // The pair on c01 has 6 common trials: its summary says how few.
    assert.equal(
      await page.locator("#few-trials").innerText(),
      `Only 6 common trials: κ is ${Number(expected[0].kappa).toFixed(2)} on so few that its interval below is wide; read it, not the point.`,
    );
    await page.locator("#conditions-section").screenshot({ path: join(ARTIFACTS, "conditions-contrast-intervals.png") });
  });

  test("the chance band follows each pair's trial count: 1,120 for the model pair, 6 for model-human pairs", async () => {
    // Still on contrast, c01, paired on common stimuli: pairs on 1,120, 6, 5 and 2 trials.
    const bars = (await figureRows(page, "kappa-vs-c-exp")) ?? [];
    const spec = (await page.evaluate(`window.__trialwise.figure("kappa-vs-c-exp")`)) as {
      layer: { data?: { name?: string; values?: { c_exp: number; kappa_low: number; kappa_high: number }[] } }[];
    };
    const chance = spec.layer.find((l) => l.data?.name === "chance_bars")!.data!.values!;
    const points = spec.layer.find(
      (l) => Array.isArray(l.data?.values) && (l.data!.values![0] as unknown as { observer1?: string })?.observer1 !== undefined,
    )?.data?.values as unknown as { observer1: string; observer2: string; c_exp: number; n: number }[];
    assert.equal(bars.length, 0, "the scatter's data are per layer");
    const modelPair = points.find((p) => p.observer1 === "cornet-s" && p.observer2 === "resnet50")!;
    assert.equal(modelPair.n, 1120);
    const band = chanceBands(1120).find((r) => r.bin === chanceBin(modelPair.c_exp))!;
    const bar = chance.find((b) => b.c_exp === modelPair.c_exp)!;
    assert.deepEqual(
      [bar.kappa_low, bar.kappa_high],
      [band.kappa_low, band.kappa_high],
      "the model pair's band is the one for 1,120 trials",
    );
    const human = points.find((p) => p.n === 6)!;
    const small = chanceBands(6).find((r) => r.bin === chanceBin(human.c_exp))!;
    const humanBar = chance.find((b) => b.c_exp === human.c_exp)!;
    assert.deepEqual(
      [humanBar.kappa_low, humanBar.kappa_high],
      [small.kappa_low, small.kappa_high],
      "a 6-trial pair's band is the one for 6 trials",
    );
    assert.ok(small.kappa_high! - small.kappa_low! > 3 * (band.kappa_high! - band.kappa_low!), "and much wider");
    assert.match(
      await page.locator("#scatter-note").innerText(),
      /pairs have 4 different trial counts \(4 pair\(s\) on 6, 2 pair\(s\) on 5, 1 pair\(s\) on 1120, 1 pair\(s\) on 2\); each is compared with the chance band for its own count/,
    );
    await page.locator("#scatter-section").screenshot({ path: join(ARTIFACTS, "chance-per-trial-count.png") });
  });

  test("eidolon: reach along the axis, one panel per coherence, menu in natural order", async () => {
    await page.goto(`${server.url}?d=noise-generalisation_eidolon&pair=resnet50&pair=cornet-s`);
    await settled(page);
    const options = await page
      .locator("#condition option")
      .evaluateAll((list) => list.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(options.slice(0, 7), ["all", "1-0-10", "1-3-10", "1-10-10", "2-0-10", "2-3-10", "2-10-10"]);
    assert.equal(options.at(-1), "128-10-10");
    await page.locator("#curves-kappa svg").waitFor();
    const spec = (await page.evaluate(`window.__trialwise.figure("kappa-per-condition")`)) as { facet: { column: { sort: string[] } } };
    assert.deepEqual(spec.facet.column.sort, ["·-0-10", "·-3-10", "·-10-10"]);
    const rows = (await figureRows(page, "kappa-per-condition")) as {
      condition: string;
      family: string;
      x: string;
      n: number;
      value: number;
    }[];
    assert.deepEqual(
      rows.filter((r) => r.family === "·-3-10").map((r) => r.x),
      ["1", "2", "4", "8", "16", "32", "64", "128"],
    );
    const run = await cli(
      "pairs",
      join(RAW_DATA, "noise-generalisation_eidolon"),
      "--by",
      "condition",
      "--observers",
      "resnet50,cornet-s",
      "--format",
      "csv",
    );
    const expected = new Map(csvObjects(run.stdout).map((r) => [r.condition, r]));
    assert.equal(rows.length, 24);
    for (const row of rows)
      assert.deepEqual(
        [row.n, row.value],
        [Number(expected.get(row.condition)!.n_trials), Number(expected.get(row.condition)!.kappa)],
        row.condition,
      );
    await page.locator("#conditions-section").screenshot({ path: join(ARTIFACTS, "conditions-eidolon.png") });
    assert.deepEqual(pageErrors, []);
  });

  test("the trial table shows both observers' conditions (cue-conflict pools humans' 0 with models' NaN)", async () => {
    await page.goto(`${server.url}?d=texture-shape_cue-conflict&pair=resnet50&pair=subject-01&trials=all`);
    await settled(page);
    await page.locator("#trial-table").waitFor();
    const headers = await page.locator("#trial-table thead th").allInnerTexts();
    assert.deepEqual(headers, ["image", "stimulus", "truth", "condition of resnet50", "resnet50", "condition of subject-01", "subject-01"]);
    assert.deepEqual([...new Set(await page.locator("#trial-table td.condition1").allInnerTexts())], ["NaN"]);
    assert.deepEqual([...new Set(await page.locator("#trial-table td.condition2").allInnerTexts())], ["0"]);
  });

  test("small data opens fast: switching to contrast or eidolon is ready well under a second (timings in the report)", async () => {
    await page.goto(`${server.url}?d=texture-shape_cue-conflict`);
    await settled(page);
    const times: Record<string, { matrix: number; ready: number }[]> = {};
    for (let round = 0; round < 3; round++) {
      for (const id of ["noise-generalisation_contrast-png", "noise-generalisation_eidolon", "texture-shape_cue-conflict"]) {
        (times[id] ??= []).push(await switchTime(page, id));
        await settled(page);
      }
    }
    const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
    for (const [id, xs] of Object.entries(times)) {
      console.log(
        `# switch to ${id} (ms, first/second/third): matrix painted ${xs.map((x) => Math.round(x.matrix)).join("/")}, ready ${xs.map((x) => Math.round(x.ready)).join("/")}`,
      );
    }
    // The first visit fetches the payload and draws figures of new shapes; later ones reuse them.
    for (const id of ["noise-generalisation_contrast-png", "noise-generalisation_eidolon"])
      assert.ok(median(times[id].map((x) => x.matrix)) < 400, `${id}: ${JSON.stringify(times[id])}`);
  });
});
