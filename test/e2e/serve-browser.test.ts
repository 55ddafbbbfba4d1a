// The dashboard end to end in Debian's Chromium: the server on the published cue-conflict data,
// the 35 x 35 heatmap, the values of ResNet-50 vs CORnet-S against `trialwise pairs`, hover,
// selection (and its URL), grouping, exports, and an uploaded malformed CSV. Screenshots go to
// test-artifacts/serve/.
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, SHARED, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../helpers.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";
import { compareConditions } from "../../src/core/condition-order.ts";

const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");
const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");
const ARTIFACTS = join(REPO, "test-artifacts/serve");
const SKIP = NO_SHARED_DATA || NO_CHROMIUM;

interface Exposed {
  ready: boolean;
  error: string | null;
  heatmap: { kind: string; cells: number } | null;
  cellCentre(a: string, b: string): [number, number] | null;
}

async function ready(page: Page): Promise<void> {
  // Page functions are written as text: this file is type-checked without the DOM's types.
  await page.waitForFunction("window.__trialwise?.ready === true", null, { timeout: 60_000 });
}

function exposed<T>(page: Page, read: (state: Exposed) => T): Promise<T> {
  return page.evaluate(`(${read.toString()})(window.__trialwise)`) as Promise<T>;
}

describe("trialwise serve in Chromium", { skip: SKIP }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let cliPair: Record<string, string>;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({ paths: [CUE_CONFLICT, CONTRAST], port: 0, stimuli: join(SHARED, "data/stimuli") });
    const run = await cli("pairs", CUE_CONFLICT, "--observers", "resnet50,cornet-s", "--format", "csv");
    assert.equal(run.code, 0, run.stderr);
    [cliPair] = csvObjects(run.stdout);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 }, acceptDownloads: true });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await ready(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the heatmap has 35 x 35 cells, and the observer list 35 observers", async () => {
    assert.equal(cliPair.observer1, "cornet-s");
    assert.deepEqual(await exposed(page, (t) => t.heatmap), { kind: "vega", cells: 35 * 35 });
    assert.equal(await page.locator("#heatmap .heatmap_marks path").count(), 35 * 35, "one SVG path per cell");
    // The report's clustered heatmap: the dendrogram (3 segments per merge) and the human/model strip.
    assert.equal(await page.locator("#heatmap .dendrogram_marks line, #heatmap .dendrogram_marks path").count(), 3 * 34);
    assert.equal(await page.locator("#heatmap .observer_kind_marks path").count(), 35);
    assert.equal(await page.locator("#observers tbody tr").count(), 35);
    assert.equal(await page.locator("#observers tbody button.human").count(), 10);
    await page.screenshot({ path: join(ARTIFACTS, "overview.png") });
    assert.deepEqual(pageErrors, []);
  });

  test("hovering the ResNet-50 / CORnet-S cell shows the CLI's values", async () => {
    const centre = await exposed(page, (t) => t.cellCentre("resnet50", "cornet-s"));
    assert.ok(centre, "the cell is on the page");
    await page.mouse.move(centre[0], centre[1]);
    const tooltip = page.locator("#vg-tooltip-element");
    await tooltip.waitFor({ state: "visible" });
    const values = Object.fromEntries(
      await tooltip
        .locator("tr")
        .evaluateAll((rows) =>
          rows.map((row) => [row.querySelector(".key")?.textContent ?? "", row.querySelector(".value")?.textContent ?? ""]),
        ),
    ) as Record<string, string>;
    const three = (field: string) => Number(cliPair[field]).toFixed(3);
    assert.equal(values["observer 1"], "resnet50");
    assert.equal(values["observer 2"], "cornet-s");
    // The row is ResNet-50, so its accuracy comes first (the CLI's acc2: cornet-s sorts first).
    assert.equal(values["accuracy 1"], three("acc2"));
    assert.equal(values["accuracy 2"], three("acc1"));
    assert.equal(values.c_obs, three("c_obs"));
    assert.equal(values.c_exp, three("c_exp"));
    assert.equal(values["κ"], three("kappa"));
    assert.equal(values["n trials"], cliPair.n_trials);
    assert.match(values["κ 95% CI (analytic)"], /^\[0\.\d{3}, 0\.\d{3}\]$/);
    await page.screenshot({ path: join(ARTIFACTS, "hover-resnet50-cornet-s.png") });
  });

  test("clicking the cell selects the pair: its values as the CLI gives them, its trials with images, and the URL", async () => {
    const centre = (await exposed(page, (t) => t.cellCentre("resnet50", "cornet-s")))!;
    await page.mouse.click(centre[0], centre[1]);
    await page.locator("#trial-table").waitFor();
    const field = (name: string) => page.locator(`#pair-summary dd[data-field="${name}"]`).innerText();
    const four = (name: string) => Number(cliPair[name]).toFixed(4);
    for (const name of ["acc1", "acc2", "c_obs", "c_exp", "kappa"]) assert.equal(await field(name), four(name), name);
    assert.equal(await field("n_trials"), cliPair.n_trials);
    assert.equal(await field("bounds"), `[${four("kappa_min")}, ${four("kappa_max")}]`);
    // Both intervals as `trialwise pairs --ci analytic` and `--ci bca` give them.
    for (const [method, name] of [
      ["analytic", "interval"],
      ["bca", "bca"],
    ]) {
      const [ci] = csvObjects(
        (await cli("pairs", CUE_CONFLICT, "--observers", "resnet50,cornet-s", "--ci", method, "--format", "csv")).stdout,
      );
      const expected = `[${Number(ci.ci_lower).toFixed(4)}, ${Number(ci.ci_upper).toFixed(4)}]`;
      await page.waitForFunction(
        `document.querySelector('#pair-summary dd[data-field="${name}"]')?.textContent === ${JSON.stringify(expected)}`,
        null,
        { timeout: 20_000 },
      );
    }
    const disagreements = Number(cliPair.n_trials) - Number(cliPair.n_both_correct) - Number(cliPair.n_both_wrong);
    assert.equal(
      await page.locator("#trial-count").innerText(),
      `${disagreements} of ${cliPair.n_trials} common trials: one right, the other wrong`,
    );
    assert.equal(await page.locator("#trial-table tbody tr").count(), disagreements);
    // The scatters ring the pair: their last layer holds its one point.
    for (const figure of ["#scatter-cobs", "#scatter-kappa"])
      assert.equal(await page.locator(`${figure} .mark-symbol.role-mark`).last().locator("path").count(), 1, figure);
    const image = page.locator("#trial-table tbody img").first();
    await image.scrollIntoViewIfNeeded();
    await page.waitForFunction("document.querySelector('#trial-table tbody img')?.naturalWidth === 224");
    assert.match((await image.getAttribute("src"))!, /^\/stimuli\/cue-conflict\/[a-z]+\/[a-z]+\d+-[a-z]+\d+\.png$/);
    const url = new URL(page.url());
    assert.deepEqual(url.searchParams.getAll("pair"), ["cornet-s", "resnet50"]);
    await page.locator("#pair-section").screenshot({ path: join(ARTIFACTS, "pair-trials.png") });

    await page.selectOption("#trial-filter", "both-wrong");
    assert.equal(await page.locator("#trial-table tbody tr").count(), Math.min(300, Number(cliPair.n_both_wrong)));
    assert.equal(new URL(page.url()).searchParams.get("trials"), "both-wrong");

    // The URL restores the view in a new page.
    const second = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    await second.goto(page.url());
    await ready(second);
    await second.locator("#trial-table").waitFor();
    assert.equal(await second.locator('#pair-summary dd[data-field="kappa"]').innerText(), four("kappa"));
    assert.equal(await second.locator("#trial-filter").inputValue(), "both-wrong");
    await second.close();
  });

  test("exports: the pair table as CSV with the CLI's full-precision numbers, figures as SVG and PNG", async () => {
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click('button[data-export="pairs.csv"]')]);
    const path = join(ARTIFACTS, "pairs.csv");
    await csv.saveAs(path);
    const rows = csvObjects(await readFile(path, "utf8"));
    assert.equal(rows.length, (35 * 34) / 2);
    const row = rows.find((r) => r.observer1 === "cornet-s" && r.observer2 === "resnet50")!;
    for (const name of ["n_trials", "n_both_correct", "n_both_wrong", "acc1", "acc2", "c_obs", "c_exp", "kappa", "kappa_min", "kappa_max"])
      assert.equal(row[name], cliPair[name], name);

    const [svg] = await Promise.all([page.waitForEvent("download"), page.click('button[data-export="heatmap.svg"]')]);
    await svg.saveAs(join(ARTIFACTS, "heatmap.svg"));
    const svgText = await readFile(join(ARTIFACTS, "heatmap.svg"), "utf8");
    assert.match(svgText, /^<svg/);
    assert.equal(svgText.match(/<path /g)!.length >= 35 * 35, true);
    const [png] = await Promise.all([page.waitForEvent("download"), page.click('button[data-export="c-obs-vs-c-exp.png"]')]);
    await png.saveAs(join(ARTIFACTS, "c-obs-vs-c-exp.png"));
    const bytes = await readFile(join(ARTIFACTS, "c-obs-vs-c-exp.png"));
    assert.equal(bytes.subarray(1, 4).toString(), "PNG");
  });

  test("picking and grouping observers regroups the summaries and goes into the URL", async () => {
    await page.click("#observers tbody tr[data-observer='resnet50'] button");
    await page.click("#ranking-table tbody tr[data-model='cornet-s']");
    assert.deepEqual(await page.evaluate("window.__trialwise.picked"), ["resnet50", "cornet-s"]);
    // The matrix fades every cell outside the picked observers' rows and columns.
    await page.waitForFunction(`document.querySelectorAll('#heatmap .heatmap_marks path[opacity="0.25"]').length === ${33 * 33}`);
    assert.equal(await page.locator("#observers tbody tr.picked").count(), 2);
    assert.equal(await page.locator("#ranking-table tbody tr.picked").count(), 2);
    await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, "picked.png") });
    await page.fill("#group-name", "my models");
    await page.click("#group-form button[type=submit]");
    await ready(page);
    const groups = await page.locator("#group-table tbody td:first-child").allInnerTexts();
    assert.ok(groups.includes("my models – my models"), groups.join(", "));
    const pair = await page.locator("#group-table tbody tr", { hasText: "my models – my models" }).locator("td").allInnerTexts();
    assert.equal(pair[2], Number(cliPair.kappa).toFixed(4), "the group's only pair is ResNet-50 / CORnet-S");
    assert.deepEqual(new URL(page.url()).searchParams.getAll("group"), ["my models:resnet50|cornet-s"]);
    // The navigation scrolls to a view and keeps it in the URL; the URL brings it back.
    await page.click('nav a[data-view="groups"]');
    assert.equal(new URL(page.url()).searchParams.get("view"), "groups");
    const again = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    await again.goto(page.url());
    // The ranking, drawn last, makes the page long enough for the section to reach the top.
    await again.waitForFunction("window.__trialwise?.settled === true", null, { timeout: 60_000 });
    assert.ok(await again.locator("#groups-section").isVisible());
    const top = await again.evaluate("document.getElementById('groups-section').getBoundingClientRect().top");
    assert.ok((top as number) >= 0 && (top as number) < 200, `the groups section is at the top (${top})`);
    assert.equal(await again.locator("#group-table tbody td", { hasText: "my models – my models" }).count(), 1);
    await again.close();
    assert.equal(await page.locator("#ranking-table tbody tr").count(), 25);
    await page.locator("#groups-section").screenshot({ path: join(ARTIFACTS, "groups.png") });
  });

  test("hiding an observer takes it out of the matrix at once; the ranking follows its deferred bootstrap, as trialwise summary; showing it brings both back", async () => {
    const models = await page
      .locator("#ranking-table tbody tr[data-model]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-model")!));
    const before = await page.locator("#ranking-table tbody").innerText();
    await page.click("#observers tbody tr[data-observer='resnet50'] input");
    await ready(page);
    assert.deepEqual(await exposed(page, (t) => t.heatmap), { kind: "vega", cells: 34 * 34 });
    assert.equal(await page.locator("#heatmap .heatmap_marks path").count(), 34 * 34);
    await page.waitForFunction("window.__trialwise.settled === true", null, { timeout: 20_000 });
    assert.equal(await page.locator("#ranking-table tbody tr[data-model='resnet50']").count(), 0);
    const others = models.filter((m) => m !== "resnet50");
    const run = await cli("summary", CUE_CONFLICT, "--models", others.join(","), "--format", "csv");
    assert.equal(run.code, 0, run.stderr);
    const expected = csvObjects(run.stdout).filter((r) => r.kind === "model");
    assert.equal(expected.length, others.length);
    for (const row of expected) {
      const cells = await page.locator(`#ranking-table tbody tr[data-model="${row.name}"] td`).allInnerTexts();
      assert.equal(cells[2], Number(row.mean).toFixed(4), `${row.name} mean`);
      assert.equal(
        cells[3],
        `[${Number(row.boot_lower).toFixed(3)}, ${Number(row.boot_upper).toFixed(3)}]`,
        `${row.name} bootstrap interval`,
      );
    }
    assert.equal(await page.locator("#ranking-section.updating").count(), 0);
    await page.click("#observers tbody tr[data-observer='resnet50'] input");
    await ready(page);
    assert.equal(await page.locator("#heatmap .heatmap_marks path").count(), 35 * 35);
    await page.waitForFunction("window.__trialwise.settled === true");
    assert.equal(await page.locator("#ranking-table tbody").innerText(), before, "the ranking as before, with ResNet-50");
    assert.deepEqual(pageErrors, []);
  });

  test("per-condition curves on noise data: accuracy of each observer and the pair's kappa per condition, as trialwise pairs --by condition", async () => {
    const run = await cli("pairs", CONTRAST, "--by", "condition", "--observers", "cornet-s,resnet50", "--format", "csv");
    const expected = csvObjects(run.stdout).sort((a, b) => compareConditions(a.condition, b.condition));
    assert.equal(expected.length, 8);
    const noise = await browser.newPage({ viewport: { width: 1500, height: 1100 }, acceptDownloads: true });
    await noise.goto(`${server.url}?d=noise-generalisation_contrast-png&c=all&pair=resnet50&pair=cornet-s`);
    await ready(noise);
    assert.equal(await noise.locator("#condition option").count(), 1 + 8);
    // Pooled, the humans saw other images than the models: those 9 pairs (18 cells) are grey, not missing.
    assert.equal(await noise.locator("#heatmap .heatmap_marks path").count(), 25);
    assert.equal(await noise.locator('#heatmap .heatmap_marks path[fill="#d4d4d8"]').count(), 18);
    await noise.locator("#conditions-section").scrollIntoViewIfNeeded();
    await noise.locator("#curves-kappa svg").waitFor();
    const [download] = await Promise.all([noise.waitForEvent("download"), noise.click('button[data-export="kappa-per-condition.csv"]')]);
    const path = join(ARTIFACTS, "kappa-per-condition.csv");
    await download.saveAs(path);
    const rows = csvObjects(await readFile(path, "utf8"));
    assert.deepEqual(
      rows.map((r) => [r.condition, r.value]),
      expected.map((r) => [r.condition, r.kappa]),
    );
    await noise.locator("#conditions-section").screenshot({ path: join(ARTIFACTS, "conditions.png") });
    // One condition as the analysis unit.
    await noise.selectOption("#condition", "c50");
    await ready(noise);
    assert.equal(
      await noise.locator('#pair-summary dd[data-field="kappa"]').innerText(),
      Number(expected.find((r) => r.condition === "c50")!.kappa).toFixed(4),
    );
    await noise.close();
  });

  test("an uploaded malformed CSV shows an error naming file, line and field; the session keeps working", async () => {
    const header = "subj,session,trial,rt,object_response,category,condition,imagename\n";
    await page.setInputFiles("#upload", {
      name: "broken.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`${header}alexnet,1,1,NaN,cat,cat,NaN,a.png\n,1,2,NaN,dog,cat,NaN,b.png\n`),
    });
    await page.locator("#error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#error-text").innerText(), 'broken.csv:3: column "subj": empty value; expected a non-empty text');
    await page.screenshot({ path: join(ARTIFACTS, "upload-error.png") });
    // Still working: the heatmap is there and a good file can be added after the bad one.
    assert.equal(await page.locator("#heatmap .heatmap_marks path").count(), 35 * 35);
    await page.setInputFiles("#upload", {
      name: "long.csv",
      mimeType: "text/csv",
      buffer: await readFile(join(REPO, "test/fixtures/mini-long.csv")),
    });
    await page.locator("#mapping[open]").waitFor();
    assert.equal(await page.locator('#mapping select[name="observer"]').inputValue(), "model");
    assert.equal(await page.locator('#mapping select[name="stimulus"]').inputValue(), "image");
    await page.selectOption('#mapping select[name="truth"]', "label");
    await page.selectOption('#mapping select[name="response"]', "answer");
    await page.click('#mapping button[value="read"]');
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'long'");
    await ready(page);
    assert.equal(await page.locator("#observers tbody tr").count(), 4);
    assert.equal(await exposed(page, (t) => t.heatmap?.cells), 16);
    assert.deepEqual(pageErrors, []);
  });

  test("a server without datasets invites uploads and refuses one over its limit with the limit named", async () => {
    const small = await startServer({ paths: [], port: 0, maxUploadBytes: 1000 });
    const empty = await browser.newPage();
    try {
      await empty.goto(small.url);
      await ready(empty);
      assert.match(await empty.locator("#status").innerText(), /^no datasets yet: drop trial files onto the page/);
      await empty.setInputFiles("#upload", { name: "big.csv", mimeType: "text/csv", buffer: Buffer.alloc(2000, 0x61) });
      await empty.locator("#error").waitFor({ state: "visible" });
      assert.equal(
        await empty.locator("#error-text").innerText(),
        'upload refused: "big.csv" is larger than the upload limit of 1000 bytes (start trialwise serve with --max-upload to raise it)',
      );
    } finally {
      await empty.close();
      await small.close();
    }
  });

  test("a file dropped onto the page becomes a dataset", async () => {
    const text = await readFile(join(REPO, "test/fixtures/mini-cue-conflict/mini_resnet50session-1.csv"), "utf8");
    const dataTransfer = await page.evaluateHandle(
      `(() => { const d = new DataTransfer(); d.items.add(new File([${JSON.stringify(text)}], "dropped.csv", { type: "text/csv" })); return d; })()`,
    );
    await page.dispatchEvent("main", "drop", { dataTransfer });
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'dropped'");
    await ready(page);
    assert.equal(await page.locator("#observers tbody tr").count(), 1);
    assert.match(await page.locator("#dataset option:checked").innerText(), /^dropped \(1 observers, 6 trials\)$/);
    assert.deepEqual(pageErrors, []);
  });
});

describe("trialwise serve in Chromium: removing uploads", { skip: NO_CHROMIUM }, () => {
  const fixture = (name: string) => readFile(join(REPO, "test/fixtures/mini-cue-conflict", name));
  const heldOnServer = async (server: RunningServer) =>
    ((await (await fetch(`${server.url}api/datasets`)).json()) as { heldUploadBytes: number }).heldUploadBytes;

  test("an uploaded dataset has a remove button that frees its bytes on the server; beyond --max-held the page says to remove one", async () => {
    ensureBundle();
    const alexnet = await fixture("mini_alexnetsession-1.csv");
    const resnet = await fixture("mini_resnet50session-1.csv");
    // Room for two of the files, not three.
    const server = await startServer({
      paths: [join(REPO, "test/fixtures/mini-cue-conflict")],
      port: 0,
      maxUploadBytes: 500,
      maxHeldBytes: 800,
    });
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(server.url);
      await ready(page);
      assert.equal(await page.locator("#remove-dataset").isVisible(), false, "a dataset given on the command line has no remove button");

      await page.setInputFiles("#upload", { name: "a.csv", mimeType: "text/csv", buffer: alexnet });
      await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'a'");
      await ready(page);
      await page.setInputFiles("#upload", { name: "r.csv", mimeType: "text/csv", buffer: resnet });
      await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'r'");
      await ready(page);
      assert.equal(await page.locator("#remove-dataset").isVisible(), true);
      assert.equal(await heldOnServer(server), alexnet.length + resnet.length);

      await page.setInputFiles("#upload", { name: "third.csv", mimeType: "text/csv", buffer: alexnet });
      await page.locator("#error").waitFor({ state: "visible" });
      assert.match(
        await page.locator("#error-text").innerText(),
        /^upload refused: "third\.csv" \(369 bytes\) would take the uploads held to 1\.1 kB, over the limit of 800 bytes; remove an uploaded dataset first/,
      );

      await page.click("#remove-dataset");
      await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'mini-cue-conflict'");
      await ready(page);
      assert.equal(await page.locator("#status").innerText(), "removed r (uploads held: 369 bytes of 800 bytes)");
      assert.deepEqual(
        await page.locator("#dataset option").evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value)),
        ["mini-cue-conflict", "a"],
      );
      assert.equal(await heldOnServer(server), alexnet.length);
      assert.equal((await fetch(`${server.url}api/datasets/r`)).status, 404);
      assert.equal(await page.locator("#remove-dataset").isVisible(), false);

      await page.setInputFiles("#upload", { name: "third.csv", mimeType: "text/csv", buffer: alexnet });
      await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'third'");
      await ready(page);
      assert.equal(await page.locator("#observers tbody tr").count(), 1, "room again after the removal");
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  test("removing the only dataset leaves the page inviting uploads again", async () => {
    ensureBundle();
    const server = await startServer({ paths: [], port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await ready(page);
      await page.setInputFiles("#upload", { name: "only.csv", mimeType: "text/csv", buffer: await fixture("mini_alexnetsession-1.csv") });
      await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'only'");
      await ready(page);
      await page.click("#remove-dataset");
      await page.waitForFunction("document.querySelector('#status')?.textContent?.startsWith('no datasets yet')");
      assert.equal(new URL(page.url()).search, "");
      assert.equal(await page.locator("#observers tbody tr").count(), 0);
      assert.equal(await heldOnServer(server), 0);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
