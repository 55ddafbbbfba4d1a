// `trialwise serve --benchmark` in Debian's Chromium: the dashboard's link to the benchmark is
// visible above the dashboard and leads to the report, whose leaderboard and figures are drawn
// under the page's content security policy (nothing refused, no error), and back.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";
import { NO_CHROMIUM, launchChromium } from "../helpers.ts";
import { scoredBenchmark } from "./scored-benchmark.ts";

describe("trialwise serve --benchmark in Chromium", { skip: NO_CHROMIUM }, () => {
  let root: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    ensureBundle();
    root = await mkdtemp(join(tmpdir(), "trialwise-serve-benchmark-browser-"));
    server = await startServer({ paths: [], benchmarks: [await scoredBenchmark(root)], port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("the link above the dashboard leads to the leaderboard and figures, drawn without a refusal or error, and back", async () => {
    await page.goto(server.url);
    const link = page.locator("nav.benchmarks a", { hasText: "scored" });
    await link.waitFor({ state: "visible", timeout: 30_000 });
    // The dashboard has drawn itself below the line (its header is there) and left the line alone.
    await page.locator("#app header").first().waitFor({ state: "visible", timeout: 30_000 });
    const [nav, header] = await Promise.all([
      page.locator("nav.benchmarks").boundingBox(),
      page.locator("#app header").first().boundingBox(),
    ]);
    assert.ok(nav && header && nav.y + nav.height <= header.y + 1, `nav ${JSON.stringify(nav)}, header ${JSON.stringify(header)}`);

    await link.click();
    await page.waitForURL(`${server.url}benchmark/scored/`);
    const rows = await page.locator("table").first().locator("tbody tr").allInnerTexts();
    assert.equal(rows.length, 3, rows.join("\n"));
    assert.match(rows.join("\n"), /model-a/);
    assert.match(rows.join("\n"), /humans/);
    assert.match(rows[0], /\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
    // Page functions are typed by hand: this file is type-checked without the DOM's types.
    type Sized = { getBoundingClientRect(): { width: number; height: number } };
    const sizes = await page.locator("figure svg").evaluateAll((svgs) =>
      svgs.map((svg) => {
        const box = (svg as unknown as Sized).getBoundingClientRect();
        return [box.width, box.height];
      }),
    );
    assert.ok(sizes.length >= 6, `${sizes.length} figures`);
    for (const [width, height] of sizes) assert.ok(width > 100 && height > 50, `figure drawn at ${width} x ${height}`);
    // The report's style sheet applies (inline styles are allowed by the policy): its tables have borders collapsed.
    type Styled = { getComputedStyle(element: unknown): { borderCollapse: string } };
    const collapse = await page
      .locator("table")
      .first()
      .evaluate((table) => (globalThis as unknown as Styled).getComputedStyle(table).borderCollapse);
    assert.equal(collapse, "collapse");

    await page.locator("p.trialwise-serve a").click();
    await page.waitForURL(server.url);
    await page.locator("nav.benchmarks").waitFor({ state: "visible" });
    assert.deepEqual(problems, []);
  });
});
