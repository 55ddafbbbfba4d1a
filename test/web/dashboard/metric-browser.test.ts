// The matrix's metric selector (issue 16) in Debian's Chromium, on the published cue-conflict
// data: hidden where the dataset comes without its answers (correctness-only data; simulated here
// by removing them from the server's answer); where the payload carries them (as `trialwise
// serve` sends them), response-kappa and capa-discrete replace error kappa in the matrix with the
// values of `trialwise pairs --metric`, and the choice goes into the URL. On a small fixture with
// the models' score files (`trialwise serve --scores`), capa and dmc show `trialwise pairs
// --metric capa|dmc --scores`'s values; without the scores they are not offered and the page
// says why. Screenshots go to test-artifacts/dashboard/.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type RunningServer, startServer } from "../../../src/serve/server.ts";
import type { DatasetPayload } from "../../../src/serve/protocol.ts";
import { FIXTURES, NO_SHARED_DATA, RAW_DATA, REPO, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../../helpers.ts";
import { ensureBundle } from "../../fixtures/serve/bundle.ts";
import { loadDatasets } from "../../../src/io/datasets.ts";
import { writeScoreFiles } from "../../serve/score-fixtures.ts";

const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");
const ARTIFACTS = join(REPO, "test-artifacts/dashboard");
const SKIP = NO_SHARED_DATA || NO_CHROMIUM;

async function settled(page: Page): Promise<void> {
  // Page functions are written as text: this file is type-checked without the DOM's types.
  await page.waitForFunction("window.__trialwise?.settled === true", null, { timeout: 90_000 });
}

/** The heatmap's cell of observers a (row) and b (column), as the figure was drawn. */
function cell(page: Page, a: string, b: string): Promise<{ kappa: number | null; value_text?: string; n: number | null } | null> {
  return page.evaluate(`(() => {
    const spec = window.__trialwise.figure("heatmap");
    const panel = spec.vconcat?.find((p) => p.name === "heatmap") ?? spec;
    return panel.data.values.find((c) => c.row === ${JSON.stringify(a)} && c.col === ${JSON.stringify(b)}) ?? null;
  })()`) as Promise<{ kappa: number | null; value_text?: string; n: number | null } | null>;
}

describe("the matrix's metric selector in Chromium", { skip: SKIP }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({ paths: [CUE_CONFLICT], port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("without the answers in the payload the page offers error kappa alone", async () => {
    const route = "**/api/datasets/texture-shape_cue-conflict";
    await page.route(route, async (answer) => {
      const payload = (await (await answer.fetch()).json()) as DatasetPayload;
      assert.ok(payload.responses, "trialwise serve sends the answers");
      await answer.fulfill({ json: { ...payload, responses: undefined } });
    });
    await page.goto(server.url);
    await settled(page);
    assert.equal(await page.locator("#metric-label").isVisible(), false);
    await page.unroute(route);
  });

  test("with them (as trialwise serve sends them), response-kappa and capa-discrete fill the matrix with trialwise pairs --metric's values", async () => {
    await page.goto(server.url);
    await settled(page);
    assert.equal(await page.locator("#metric-label").isVisible(), true);
    const errorKappa = await cell(page, "resnet50", "cornet-s");
    for (const [metric, column] of [
      ["response-kappa", "response_kappa"],
      ["capa-discrete", "kappa_p"],
    ] as const) {
      const run = await cli("pairs", CUE_CONFLICT, "--metric", metric, "--observers", "resnet50,cornet-s,subject-01", "--format", "csv");
      assert.equal(run.code, 0, run.stderr);
      const rows = csvObjects(run.stdout);
      await page.selectOption("#metric", metric);
      await settled(page);
      assert.equal(new URL(page.url()).searchParams.get("metric"), metric);
      for (const row of rows) {
        for (const [a, b] of [
          [row.observer1, row.observer2],
          [row.observer2, row.observer1],
        ]) {
          const shown = (await cell(page, a, b))!;
          assert.equal(shown.kappa, Number(row[column]), `${metric}: ${a} – ${b}`);
          assert.equal(shown.n, Number(row.n_trials));
        }
      }
      assert.notEqual((await cell(page, "resnet50", "cornet-s"))!.kappa, errorKappa!.kappa, "not error kappa");
      assert.match(await page.locator("#heatmap-note").innerText(), new RegExp(`trialwise pairs --metric ${metric}`));
      await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, `metric-${metric}.png`) });
    }
    // Back to error kappa: the clustered matrix of the analysis again.
    await page.selectOption("#metric", "error-kappa");
    await settled(page);
    assert.equal((await cell(page, "resnet50", "cornet-s"))!.kappa, errorKappa!.kappa);
    assert.equal(new URL(page.url()).searchParams.get("metric"), null);
    assert.deepEqual(pageErrors, []);
  });
});

describe("capa and dmc in Chromium, with the models' scores (trialwise serve --scores)", { skip: NO_CHROMIUM }, () => {
  const MINI = join(FIXTURES, "mini-cue-conflict");
  let dir: string;
  let scores: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), "trialwise-metric-browser-"));
    scores = await writeScoreFiles(join(dir, "scores"), (await loadDatasets(MINI)).datasets[0], ["alexnet", "resnet50"]);
    server = await startServer({ paths: [MINI], port: 0, scores: { path: scores } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.setDefaultTimeout(30_000);
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("without the scores in the payload capa and dmc are not offered, and the page says why", { timeout: 120_000 }, async () => {
    const route = "**/api/datasets/mini-cue-conflict";
    await page.route(route, async (answer) => {
      const payload = (await (await answer.fetch()).json()) as DatasetPayload;
      assert.ok(payload.scores, "trialwise serve --scores sends the scores");
      await answer.fulfill({ json: { ...payload, scores: undefined, noScores: "no scores here" } });
    });
    await page.goto(server.url);
    await settled(page);
    assert.equal(await page.locator("#metric-label").isVisible(), true);
    assert.equal(await page.locator('#metric option[value="capa"]').isDisabled(), true);
    assert.equal(await page.locator('#metric option[value="dmc"]').isDisabled(), true);
    assert.equal(await page.locator('#metric option[value="capa-discrete"]').isDisabled(), false);
    assert.equal(await page.locator("#metric-note").innerText(), "Matrix: no scores here.");
    await page.unroute(route);
  });

  test(
    "with them, capa and dmc fill the matrix with trialwise pairs --metric capa|dmc --scores's values",
    { timeout: 120_000 },
    async () => {
      await page.goto(server.url);
      await settled(page);
      assert.equal(await page.locator("#metric-note").isVisible(), false);
      for (const [metric, column] of [
        ["capa", "kappa_p"],
        ["dmc", "dmc"],
      ] as const) {
        const run = await cli("pairs", MINI, "--metric", metric, "--scores", scores, "--format", "csv");
        assert.equal(run.code, 0, run.stderr);
        const rows = csvObjects(run.stdout);
        assert.equal(rows.length, 6);
        await page.selectOption("#metric", metric);
        await settled(page);
        assert.equal(new URL(page.url()).searchParams.get("metric"), metric);
        for (const row of rows) {
          const shown = (await cell(page, row.observer1, row.observer2))!;
          const expected = Number(row[column]);
          if (metric === "capa") assert.equal(shown.kappa, expected, `${metric}: ${row.observer1} – ${row.observer2}`);
          // dmc's margins take Math.log, which ECMAScript leaves approximate: Chromium's and Node's
          // differ in the last bit for some inputs (Node itself gives the CLI's values exactly:
          // ./metric-matrix.test.ts), so here the values agree to 1e-12.
          else
            assert.ok(
              Math.abs(shown.kappa! - expected) <= 1e-12,
              `${metric}: ${row.observer1} – ${row.observer2}: ${shown.kappa} vs ${expected}`,
            );
          assert.equal(shown.n, Number(row.n_trials));
        }
        assert.match(await page.locator("#heatmap-note").innerText(), new RegExp(`trialwise pairs --metric ${metric} --scores`));
        await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, `metric-${metric}-scores.png`) });
      }
      assert.deepEqual(pageErrors, []);
    },
  );
});
