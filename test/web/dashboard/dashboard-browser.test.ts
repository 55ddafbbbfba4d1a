// The dashboard's group means, group strip, kappa-vs-accuracy fit label, ranking reference and
// colours in Debian's Chromium, on the published cue-conflict and contrast data (issue 18):
// group means carry `trialwise summary`'s joint-bootstrap intervals, groups colour the strip
// beside the matrix, the OLS label covers no point, the ranking has the human-human reference,
// and the page uses the report's colours (src/figures/style.ts). Screenshots go to
// test-artifacts/dashboard/.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { scheme } from "vega";
import { GROUP_PALETTE, HUMAN_COLOUR, KAPPA_COLOUR_SCALE } from "../../../src/figures/style.ts";
import { type RunningServer, startServer } from "../../../src/serve/server.ts";
import { NO_SHARED_DATA, RAW_DATA, REPO, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../../helpers.ts";
import { ensureBundle } from "../../fixtures/serve/bundle.ts";

const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");
const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");
const ARTIFACTS = join(REPO, "test-artifacts/dashboard");
const SKIP = NO_SHARED_DATA || NO_CHROMIUM;

/** `trialwise summary`'s pair types as the dashboard names the series of the kinds. */
const SERIES = { "human-human": "humans – humans", "model-model": "models – models", "model-human": "humans – models" } as const;

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

async function settled(page: Page): Promise<void> {
  // Page functions are written as text: this file is type-checked without the DOM's types.
  await page.waitForFunction("window.__trialwise?.settled === true", null, { timeout: 90_000 });
}

/** A CSS colour ("#rrggbb" or "rgb(r, g, b)") as its three channels. */
function rgbOf(css: string): number[] {
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) return [0, 2, 4].map((k) => parseInt(hex[1].slice(k, k + 2), 16));
  return css
    .match(/[\d.]+/g)!
    .slice(0, 3)
    .map(Number);
}

/** The fill of the element drawn at the centre of the matrix cell of observers a and b. */
function cellFill(page: Page, a: string, b: string): Promise<string | null> {
  return page.evaluate(`(() => {
    const [x, y] = window.__trialwise.cellCentre(${JSON.stringify(a)}, ${JSON.stringify(b)});
    return document.elementFromPoint(x, y)?.getAttribute("fill") ?? null;
  })()`) as Promise<string | null>;
}

describe("the dashboard's group means, strip, fit label, ranking reference and colours in Chromium", { skip: SKIP }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let summary: Record<string, string>[];
  const pageErrors: string[] = [];

  before(async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({ paths: [CUE_CONFLICT, CONTRAST], port: 0 });
    // The CLI's defaults: 1,000 replicates, seed 1, level 0.95 (the dashboard's too).
    const run = await cli("summary", CUE_CONFLICT, "--format", "csv");
    assert.equal(run.code, 0, run.stderr);
    summary = csvObjects(run.stdout);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}?d=texture-shape_cue-conflict`);
    await settled(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("group means show trialwise summary's joint-bootstrap interval (same seed and replicates), not mean ± 1.96 sd/√n", async () => {
    for (const [type, label] of Object.entries(SERIES)) {
      const row = summary.find((r) => r.kind === "group" && r.name === type)!;
      const cells = await page.locator(`#group-table tbody tr[data-label="${label}"] td`).allInnerTexts();
      assert.equal(cells[1], row.n_pairs, `${label}: n`);
      assert.equal(cells[2], Number(row.mean).toFixed(4), `${label}: mean`);
      assert.equal(cells[4], `[${Number(row.boot_lower).toFixed(4)}, ${Number(row.boot_upper).toFixed(4)}]`, `${label}: interval`);
    }
    assert.match(await page.locator("#group-note").innerText(), /joint stimulus bootstrap \(1000 replicates, seed 1/);
    // The reference bands of κ vs accuracy carry the same intervals.
    const bands = (await page.evaluate(`(() => {
      const spec = window.__trialwise.figure("kappa-vs-accuracy");
      return spec.layer.find((l) => l.data?.values?.[0]?.label === "human-human")?.data.values;
    })()`)) as { label: string; low: number; high: number; text: string }[];
    for (const [type, band] of [
      ["human-human", bands.find((b) => b.label === "human-human")!],
      ["model-model", bands.find((b) => b.label === "model-model")!],
    ] as const) {
      const row = summary.find((r) => r.kind === "group" && r.name === type)!;
      assert.ok(Math.abs(band.low - Number(row.boot_lower)) < 1e-12 && Math.abs(band.high - Number(row.boot_upper)) < 1e-12, type);
      assert.equal(
        band.text,
        `${type}: ${Number(row.mean).toFixed(2)} [${Number(row.boot_lower).toFixed(2)}, ${Number(row.boot_upper).toFixed(2)}]`,
      );
    }
    await page.locator("#groups-section").screenshot({ path: join(ARTIFACTS, "group-means-bootstrap.png") });
  });

  test("the ranking draws the human-human mean κ with its bootstrap interval as a reference", async () => {
    const humans = summary.find((r) => r.kind === "group" && r.name === "human-human")!;
    const reference = (await page.evaluate(`(() => {
      const spec = window.__trialwise.figure("ranking");
      const find = (node) => {
        if (!node || typeof node !== "object") return null;
        if (node.data?.name === "human_reference") return node.data.values;
        for (const value of Object.values(node)) { const hit = find(value); if (hit) return hit; }
        return null;
      };
      return find(spec);
    })()`)) as { mean: number; low: number; high: number; n_pairs: number }[] | null;
    assert.ok(reference && reference.length === 1, "one reference");
    assert.ok(Math.abs(reference[0].mean - Number(humans.mean)) < 1e-12);
    assert.ok(Math.abs(reference[0].low - Number(humans.boot_lower)) < 1e-12);
    assert.ok(Math.abs(reference[0].high - Number(humans.boot_upper)) < 1e-12);
    assert.equal(reference[0].n_pairs, 45);
    // Drawn: a dashed rule in the human colour and the band of its interval.
    assert.equal(await page.locator(`#ranking .mark-rule.role-mark line[stroke="${HUMAN_COLOUR}"][stroke-dasharray]`).count(), 1);
    assert.equal(await page.locator(`#ranking .mark-rect.role-mark path[fill="${HUMAN_COLOUR}"]`).count(), 1);
    assert.match(await page.locator("#ranking-note").innerText(), /human-human pairs, 0\.331 \[0\.303, 0\.359\]/);
    await page.locator("#ranking-section").screenshot({ path: join(ARTIFACTS, "ranking-human-reference.png") });
  });

  test("the OLS label of κ vs accuracy covers no point", async () => {
    const boxes = (await page.evaluate(`(() => {
      const root = document.querySelector("#kappa-accuracy svg");
      const box = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
      const labels = [...root.querySelectorAll("text")].filter((t) => t.textContent.startsWith("OLS")).map(box);
      const points = [...root.querySelectorAll(".mark-symbol.role-mark path")].map(box);
      return { labels, points };
    })()`)) as { labels: Box[]; points: Box[] };
    assert.equal(boxes.labels.length, 1, "the fit is named once");
    assert.ok(boxes.points.length >= 250 + 25, `every model-human κ and every model's mean is drawn (${boxes.points.length})`);
    const [label] = boxes.labels;
    const covered = boxes.points.filter(
      (p) => p.left < label.right && label.left < p.right && p.top < label.bottom && label.top < p.bottom,
    );
    assert.equal(covered.length, 0, `the label ${JSON.stringify(label)} covers ${covered.length} point(s)`);
    // Each model's mean carries the ranking's joint-bootstrap interval, as trialwise summary's.
    const means = (await page.evaluate(`(() => {
      const spec = window.__trialwise.figure("kappa-vs-accuracy");
      return spec.layer.find((l) => l.layer && l.data?.values?.[0]?.ci95 !== undefined).data.values;
    })()`)) as { model: string; low: number; high: number }[];
    assert.equal(means.length, 25);
    for (const mean of means) {
      const row = summary.find((r) => r.kind === "model" && r.name === mean.model)!;
      assert.ok(Math.abs(mean.low - Number(row.boot_lower)) < 1e-12 && Math.abs(mean.high - Number(row.boot_upper)) < 1e-12, mean.model);
    }
    await page.locator("#accuracy-section").screenshot({ path: join(ARTIFACTS, "kappa-vs-accuracy-fit-label.png") });
  });

  test("a group gets its colour (the report's GROUP_PALETTE) on the strip beside the matrix, its chip and its pairs in the scatters", async () => {
    const strip = "#heatmap .observer_kind_marks path";
    assert.equal(await page.locator(`${strip}[fill="${HUMAN_COLOUR}"]`).count(), 10, "humans in the human colour");
    await page.click("#observers tbody tr[data-observer='resnet50'] button");
    await page.click("#observers tbody tr[data-observer='cornet-s'] button");
    await page.fill("#group-name", "my models");
    await page.click("#group-form button[type=submit]");
    await settled(page);
    assert.equal(await page.locator(`${strip}[fill="${GROUP_PALETTE[0]}"]`).count(), 2, "both members in the group's colour");
    assert.equal(await page.locator(`${strip}[fill="${HUMAN_COLOUR}"]`).count(), 10);
    const chip = await page.evaluate(
      `getComputedStyle(document.querySelector('#groups .chip[data-group="my models"] .swatch')).backgroundColor`,
    );
    assert.deepEqual(rgbOf(chip as string), rgbOf(GROUP_PALETTE[0]), "the chip's swatch in the group's colour");
    const scale = (await page.evaluate(`(() => {
      const spec = window.__trialwise.figure("c-obs-vs-c-exp");
      const colour = spec.layer.at(-1).encoding?.color ?? spec.layer.find((l) => l.encoding?.color?.field === "series").encoding.color;
      return colour.scale;
    })()`)) as { domain: string[]; range: string[] };
    assert.equal(scale.range[scale.domain.indexOf("my models – my models")], GROUP_PALETTE[0]);
    // The group's only pair, with a bootstrap interval (a normal interval needs two pairs).
    const row = await page.locator('#group-table tbody tr[data-label="my models – my models"] td').allInnerTexts();
    assert.equal(row[1], "1");
    assert.match(row[4], /^\[0\.\d{4}, 0\.\d{4}\]$/);
    await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, "group-strip.png") });
  });

  test("the matrix that cannot be clustered uses the report's κ colour scale (KAPPA_COLOUR_SCALE), as the clustered one, and has the group strip", async () => {
    /** The report's colour of a kappa: the scheme over [−1, 1], reversed as the scale says. */
    const reportColour = (kappa: number) => {
      const t = (kappa + 1) / 2;
      return rgbOf((scheme(KAPPA_COLOUR_SCALE.scheme) as (t: number) => string)(KAPPA_COLOUR_SCALE.reverse ? 1 - t : t));
    };
    const kappaOf = async (path: string) => {
      const run = await cli("pairs", path, "--observers", "resnet50,cornet-s", "--format", "csv");
      assert.equal(run.code, 0, run.stderr);
      return Number(csvObjects(run.stdout)[0].kappa);
    };
    assert.deepEqual(rgbOf((await cellFill(page, "resnet50", "cornet-s"))!), reportColour(await kappaOf(CUE_CONFLICT)), "clustered");
    // Contrast, all conditions pooled: the people saw different images, so pairs are missing and nothing is clustered.
    await page.goto(`${server.url}?d=noise-generalisation_contrast-png&c=all`);
    await settled(page);
    assert.match(await page.locator("#heatmap-note").innerText(), /not clustered/);
    assert.deepEqual(rgbOf((await cellFill(page, "resnet50", "cornet-s"))!), reportColour(await kappaOf(CONTRAST)), "not clustered");
    // The colours differ between schemes below κ ≈ 0.15 only (none such here): the scale itself is the report's.
    const scale = (await page.evaluate(
      `window.__trialwise.figure("heatmap").vconcat.find((p) => p.name === "heatmap").encoding.color.scale`,
    )) as Record<string, unknown>;
    assert.deepEqual(scale, { ...KAPPA_COLOUR_SCALE, domain: [...KAPPA_COLOUR_SCALE.domain] });
    // The strip beside this matrix too: every observer, the humans in the human colour.
    const humans = await page.locator("#observers tbody button.human").count();
    assert.ok(humans > 0);
    assert.equal(await page.locator("#heatmap .observer_kind_marks path").count(), await page.locator("#observers tbody tr").count());
    assert.equal(await page.locator(`#heatmap .observer_kind_marks path[fill="${HUMAN_COLOUR}"]`).count(), humans);
    await page.locator("#heatmap-section").screenshot({ path: join(ARTIFACTS, "unclustered-colours.png") });
    assert.deepEqual(pageErrors, []);
  });
});
