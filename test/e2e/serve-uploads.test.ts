// Uploads in Debian's Chromium (issue 18): several files chosen at once make one dataset,
// observers added to a served dataset, a long-format upload offered the model-vs-human
// stimulus-id rule, and "no pairs" explained with what to change. Screenshots go to
// test-artifacts/serve/.
import assert from "node:assert/strict";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { NO_SHARED_DATA, REPO, SHARED, NO_CHROMIUM, launchChromium } from "../helpers.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";

const ARTIFACTS = join(REPO, "test-artifacts/serve");
const COLOUR = join(SHARED, "data/model-vs-human/raw-data/colour");
const SKIP = NO_SHARED_DATA || NO_CHROMIUM;

async function ready(page: Page): Promise<void> {
  await page.waitForFunction("window.__trialwise?.ready === true", null, { timeout: 60_000 });
}

/** The model-vs-human colour files of the four people, as files to choose. */
async function colourFiles(rename: (text: string) => string = (t) => t) {
  const names = (await readdir(COLOUR)).filter((n) => n.endsWith(".csv")).sort();
  return Promise.all(
    names.map(async (name) => ({ name, mimeType: "text/csv", buffer: Buffer.from(rename(await readFile(join(COLOUR, name), "utf8"))) })),
  );
}

describe("trialwise serve in Chromium: uploads", { skip: SKIP }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({ paths: [join(REPO, "test/fixtures/mini-cue-conflict")], port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await ready(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("four files chosen at once become one dataset of four observers with their six pairs", async () => {
    const files = await colourFiles();
    assert.equal(files.length, 4);
    await page.setInputFiles("#upload", files);
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'colour_subject-01_session_1'");
    await ready(page);
    assert.equal(await page.locator("#dataset option").count(), 2, "one dataset added, not four");
    assert.equal(await page.locator("#observers tbody tr").count(), 4);
    assert.match(await page.locator("#status").innerText(), /^4 observers, 6 pairs computed/);
    assert.equal(await page.locator("#no-pairs").isVisible(), false);
    assert.deepEqual(pageErrors, []);
  });

  test("observers added to the dataset shown: a command-line dataset gets a copy with them, removable like an upload", async () => {
    await page.selectOption("#dataset", "mini-cue-conflict");
    await ready(page);
    const extra = (await readFile(join(REPO, "test/fixtures/mini-cue-conflict/mini_resnet50session-1.csv"), "utf8")).replaceAll(
      "resnet50,",
      "vgg16,",
    );
    await page.selectOption("#upload-target", "shown");
    await page.setInputFiles("#upload", { name: "vgg16.csv", mimeType: "text/csv", buffer: Buffer.from(extra) });
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'mini-cue-conflict-uploads'");
    await ready(page);
    assert.equal(await page.locator("#observers tbody tr").count(), 5);
    assert.equal(await page.locator("#observers tbody tr[data-observer='vgg16']").count(), 1);
    assert.equal(await page.locator("#remove-dataset").isVisible(), true);
    assert.equal(await page.locator("#upload-target").inputValue(), "new", "the next files make a new dataset again");
    // The same observer again is refused by the readers' rule, and said.
    await page.selectOption("#upload-target", "shown");
    await page.setInputFiles("#upload", { name: "again.csv", mimeType: "text/csv", buffer: Buffer.from(extra) });
    await page.locator("#error").waitFor({ state: "visible" });
    assert.match(
      await page.locator("#error-text").innerText(),
      /observer "vgg16" saw stimulus "airplane1-bicycle2\.png" twice in condition "NaN"/,
    );
    await page.selectOption("#upload-target", "new");
  });

  test("a long-format upload of model-vs-human files is offered the stimulus-id rule; without it the page says why there are no pairs", async () => {
    // The model-vs-human columns renamed, so the page asks which column holds what.
    const long = await colourFiles((t) =>
      t.replace(
        /^subj,Session,trial,rt,object_response,category,condition,imagename/,
        "person,session,trial,rt,answer,truth,condition,imagename",
      ),
    );
    const choose = async (rule: string) => {
      await page.setInputFiles("#upload", long);
      await page.locator("#mapping[open]").waitFor();
      assert.equal(await page.locator('#mapping select[name="stimulus"]').inputValue(), "imagename");
      assert.equal(
        await page.locator('#mapping select[name="stimulusIds"]').inputValue(),
        "model-vs-human",
        "offered at once for an imagename column",
      );
      await page.selectOption('#mapping select[name="observer"]', "person");
      await page.selectOption('#mapping select[name="truth"]', "truth");
      await page.selectOption('#mapping select[name="response"]', "answer");
      await page.selectOption('#mapping select[name="stimulusIds"]', rule);
      await page.locator("#mapping").screenshot({ path: join(ARTIFACTS, "upload-mapping.png") });
      await page.click('#mapping button[value="read"]');
    };
    await choose("");
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'colour_subject-01_session_1-2'");
    await ready(page);
    assert.equal(await page.locator("#observers tbody tr").count(), 4, "the mapping was used for all four files");
    await page.locator("#no-pairs").waitFor({ state: "visible" });
    assert.match(
      await page.locator("#no-pairs").innerText(),
      /^no pairs in dataset "colour_subject-01_session_1": .*What to change: no two observers share a stimulus id/,
    );
    await page.screenshot({ path: join(ARTIFACTS, "no-pairs.png") });
    await choose("model-vs-human");
    await page.waitForFunction("new URL(location.href).searchParams.get('d') === 'colour_subject-01_session_1-3'");
    await ready(page);
    assert.match(await page.locator("#status").innerText(), /^4 observers, 6 pairs computed/);
    assert.equal(await page.locator("#no-pairs").isVisible(), false);
    assert.deepEqual(pageErrors, []);
  });

  test("on a small matrix the κ legend reads -1, -0.5, 0, 0.5, 1; grouping keeps the picks, so “show only picked” still works", async () => {
    await page.goto(`${server.url}?d=mini-cue-conflict`);
    await ready(page);
    const legend = await page.locator("#heatmap .role-legend-label text").evaluateAll((list) => list.map((t) => t.textContent));
    assert.deepEqual(legend, ["−1.0", "−0.5", "0.0", "0.5", "1.0"]);
    await page.click("#observers tbody tr[data-observer='alexnet'] button");
    await page.click("#observers tbody tr[data-observer='resnet50'] button");
    await page.fill("#group-name", "models");
    await page.click("#group-form button[type=submit]");
    await ready(page);
    assert.deepEqual(await page.evaluate("window.__trialwise.picked"), ["alexnet", "resnet50"]);
    await page.click("#show-only");
    await ready(page);
    assert.equal(await page.locator("#error").isVisible(), false);
    assert.deepEqual(((await page.evaluate("window.__trialwise.state.hidden")) as string[]).sort(), ["subject-01", "subject-02"]);
    await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, "small-legend-group.png") });
  });
});
