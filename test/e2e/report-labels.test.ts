// The report in Chromium: no text label of any figure overlaps another (bounding boxes of the
// SVG text as the browser lays it out, in DejaVu Sans).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { reproduceGeirhos2020 } from "../../src/reproduce/run.ts";
import { NO_SHARED_DATA, RAW_DATA, NO_CHROMIUM, launchChromium } from "../helpers.ts";

const SKIP = NO_SHARED_DATA || NO_CHROMIUM;
/** Boxes may touch: each is shrunk by this many pixels before testing. */
const TOLERANCE_PX = 1;

/**
 * Per figure: its visible text labels and the pairs whose boxes overlap. Runs in the page; the
 * tests' TypeScript has no DOM types, hence the loose ones.
 */
const overlappingLabels = (figures: any[], tolerance: number) =>
  figures.map((figure) => {
    const boxes = [...figure.querySelectorAll("svg text")]
      .filter(
        (t) =>
          (t.textContent ?? "").trim() !== "" &&
          (globalThis as any).getComputedStyle(t).visibility !== "hidden" &&
          t.getAttribute("opacity") !== "0",
      )
      .map((t) => ({ text: (t.textContent ?? "").trim(), box: t.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0);
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].box;
        const b = boxes[j].box;
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 2 * tolerance && y > 2 * tolerance)
          overlaps.push(`"${boxes[i].text}" / "${boxes[j].text}" (${x.toFixed(1)} x ${y.toFixed(1)} px)`);
      }
    }
    return { id: figure.id, labels: boxes.length, overlaps };
  });

describe("the report's figures in Chromium", { skip: SKIP }, () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "trialwise-report-labels-"));
    await reproduceGeirhos2020({
      dataDir: RAW_DATA,
      outDir: join(work, "report"),
      formats: ["svg"],
      cacheDir: join(work, "cache"),
      version: "test",
    });
  });
  after(async () => rm(work, { recursive: true, force: true }));

  test("the check finds overlapping labels", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent(
        '<figure id="f"><svg width="300" height="100"><text x="10" y="40" font-size="14">CNN vs. humans</text><text x="60" y="46" font-size="14">humans vs. humans</text>' +
          '<text x="10" y="90" font-size="14">apart</text></svg></figure>',
      );
      const [figure] = await page.$$eval("figure", overlappingLabels, TOLERANCE_PX);
      assert.equal(figure.labels, 3);
      assert.equal(figure.overlaps.length, 1);
      assert.match(figure.overlaps[0], /^"CNN vs. humans" \/ "humans vs. humans"/);
    } finally {
      await browser.close();
    }
  });

  test("no two text labels of a figure overlap", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`file://${join(work, "report", "index.html")}`, { waitUntil: "load" });
      const found = await page.$$eval("figure", overlappingLabels, TOLERANCE_PX);
      assert.ok(found.length >= 48, `${found.length} figures`);
      assert.ok(
        found.every((f) => f.labels >= 3),
        "every figure has its labels",
      );
      const problems = found
        .filter((f) => f.overlaps.length > 0)
        .map((f) => `${f.id}: ${f.overlaps.slice(0, 5).join("; ")}${f.overlaps.length > 5 ? ` and ${f.overlaps.length - 5} more` : ""}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
