// The dashboard at 1,000 observers x 10,000 trials (a benchmark, not a timed test: it prints
// the times and asserts only what was computed). The data are made up by DuckDB as Parquet
// (10 million trial rows), served by `trialwise serve`, computed by the dashboard's worker
// code in Node and, in Chromium, by the page's web worker, which draws the canvas heatmap.
// BENCHMARKS.md quotes its output.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { datasetPayload } from "../../src/serve/datasets.ts";
import {
  chanceFor,
  decodeUnit,
  groupSummaries,
  heatmapOrder,
  modelRanking,
  pairDetails,
  pairMatrix,
} from "../../src/web/dashboard/compute.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";
import { REPO, NO_CHROMIUM, launchChromium } from "../helpers.ts";

const OBSERVERS = 1000;
const HUMANS = 50;
const STIMULI = 10_000;
const ARTIFACTS = join(REPO, "test-artifacts/serve");

/**
 * N observers (the first 50 named subject-…, so human) on M stimuli: stimulus s has an
 * easiness e_s, observer o a skill a_o; o is correct on s when a mix of e_s and a per-trial
 * draw is below a_o, so errors gather on hard stimuli and pairs have positive kappa.
 */
async function writeTrials(path: string): Promise<void> {
  const duck = await DuckDBInstance.create(":memory:");
  const connection = await duck.connect();
  await connection.run(`
    COPY (
      SELECT CASE WHEN o < ${HUMANS} THEN printf('subject-%03d', o) ELSE printf('model-%04d', o) END AS observer,
             printf('stimulus-%05d', s) AS stimulus,
             0.6 * ((hash(s) % 1000) / 1000.0) + 0.4 * ((hash(o * ${STIMULI} + s) % 1000) / 1000.0) < 0.35 + 0.5 * ((hash(o + 7) % 1000) / 1000.0) AS correct
      FROM range(${OBSERVERS}) t(o), range(${STIMULI}) u(s)
    ) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

describe("the dashboard at 1,000 observers x 10,000 trials", () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    ensureBundle();
    dir = await mkdtemp(join(tmpdir(), "trialwise-serve-large-"));
    const parquet = join(dir, "large.parquet");
    let started = performance.now();
    await writeTrials(parquet);
    console.log(`# made ${OBSERVERS} x ${STIMULI} trials as Parquet in ${seconds(performance.now() - started)}`);
    started = performance.now();
    server = await startServer({ paths: [parquet], port: 0 });
    console.log(`# server read them (DuckDB, bitsets) in ${seconds(performance.now() - started)}`);
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("the worker's computation, in Node", async () => {
    let started = performance.now();
    const payload = datasetPayload(server.datasets[0]);
    const unit = decodeUnit(payload, payload.units[0]);
    const payloadMs = performance.now() - started;
    started = performance.now();
    const matrix = await pairMatrix(
      unit,
      unit.observers.map((_, i) => i),
      { mismatch: "identical" },
    );
    const pairsMs = performance.now() - started;
    started = performance.now();
    const order = heatmapOrder(matrix);
    const chance = chanceFor(matrix);
    const groups = groupSummaries(matrix, []);
    const ranking = modelRanking(unit, matrix);
    const restMs = performance.now() - started;
    console.log(
      `# payload ${seconds(payloadMs)}; all ${((OBSERVERS * (OBSERVERS - 1)) / 2).toLocaleString("en")} pairs (kernel ${matrix.kernel}) ${seconds(pairsMs)}; order, chance region, group means, ranking ${seconds(restMs)}`,
    );

    assert.equal(matrix.size, OBSERVERS);
    assert.equal(matrix.skipped, 0);
    assert.equal(chance?.trials, STIMULI);
    assert.equal(order.clustered, false);
    assert.deepEqual(
      groups.map((g) => [g.label, g.n_pairs + g.n_undefined]),
      [
        ["humans – humans", (HUMANS * (HUMANS - 1)) / 2],
        ["humans – models", HUMANS * (OBSERVERS - HUMANS)],
        ["models – models", ((OBSERVERS - HUMANS) * (OBSERVERS - HUMANS - 1)) / 2],
      ],
    );
    assert.ok(
      groups.every((g) => g.mean! > 0.05),
      "errors gather on hard stimuli: positive mean kappa",
    );
    assert.equal(ranking.models.length, OBSERVERS - HUMANS);
    const pair = pairDetails(matrix, 0, 1)!;
    assert.equal(pair.n_trials, STIMULI);
  });

  test("in Chromium: the page's worker computes it and the canvas heatmap hovers and selects", { skip: NO_CHROMIUM }, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const started = performance.now();
      await page.goto(server.url);
      await page.waitForFunction("window.__trialwise?.ready === true", null, { timeout: 110_000 });
      const loadedMs = performance.now() - started;
      const timing = (await page.evaluate("window.__trialwise.timing")) as { countMs: number; totalMs: number };
      console.log(
        `# browser: page ready (payload, worker analysis, figures, ranking) in ${seconds(loadedMs)}; worker: pair counts ${seconds(timing.countMs)}, analysis ${seconds(timing.totalMs)}`,
      );
      assert.deepEqual(await page.evaluate("window.__trialwise.heatmap"), { kind: "canvas", cells: OBSERVERS * OBSERVERS });

      const centre = (await page.evaluate("window.__trialwise.cellCentre('model-0500', 'subject-003')")) as [number, number];
      await page.mouse.move(centre[0], centre[1]);
      const tooltip = page.locator(".canvas-tooltip");
      await tooltip.waitFor({ state: "visible" });
      assert.match(
        await tooltip.innerText(),
        /^model-0500 – subject-003 \(model-human\)\naccuracy 0\.\d{3} \/ 0\.\d{3}\nc_obs 0\.\d{3}, c_exp 0\.\d{3}\nκ -?0\.\d{3} \[-?0\.\d{3}, -?0\.\d{3}\]\nn 10000$/,
      );
      const hoverStarted = performance.now();
      await page.mouse.move(centre[0] + 3, centre[1] + 3);
      await page.mouse.move(centre[0], centre[1]);
      console.log(`# browser: hover on the canvas answers in ${(performance.now() - hoverStarted).toFixed(0)} ms (two moves)`);
      await page.mouse.click(centre[0], centre[1]);
      await page.locator("#trial-table").waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('#pair-summary dd[data-field="n_trials"]').innerText(), String(STIMULI));
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "large-1000x10000.png") });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
