/**
 * Dashboard interaction benchmark: `trialwise serve` on the published cue-conflict data
 * (35 observers x 1,280 trials; the contrast data as the second dataset), the page in Debian's
 * Chromium, and the time of each interaction measured in the page: from the click (or change)
 * until the page reports it updated (`window.__trialwise.ready`) and the next frame was painted
 * ("visible"), and until the deferred work (the ranking's bootstrap) is drawn too ("settled").
 *
 *   node --import tsx bench/dashboard.ts [--rounds N]
 *
 * Each round: hide ResNet-50, show it again, pick the humans, group the picks, select the
 * ResNet-50 / CORnet-S pair (a click on its cell), switch to the contrast data, switch back
 * (which resets the view). Prints the median over the rounds (default 5) after one warm-up
 * round. Needs `npm run build:web` first. No assertions: the tests check what is shown.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { BUNDLE_DIR, startServer } from "../src/serve/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const RAW_DATA = new URL("../../shared/data/geirhos2020/raw-data/", import.meta.url).pathname;
const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");
const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(args.rounds);

/**
 * Page-side: runs `action` (a function body, as text), then waits until the page is ready and
 * a frame has been painted ("visible"), then until it is settled. Milliseconds of each.
 */
async function timed(page: Page, action: string): Promise<{ visible: number; settled: number }> {
  return page.evaluate(`(async () => {
    const t = window.__trialwise;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const start = performance.now();
    (() => { ${action} })();
    while (!t.ready) await tick();
    await painted();
    const visible = performance.now() - start;
    while (!(t.settled ?? t.ready)) await tick();
    await painted();
    return { visible, settled: performance.now() - start };
  })()`) as Promise<{ visible: number; settled: number }>;
}

/** A click on the element the selector finds, as the page sees it. */
const click = (selector: string) => `document.querySelector(${JSON.stringify(selector)}).click();`;
/** A change of a select (or input) to a value. */
const choose = (selector: string, value: string) => `const e = document.querySelector(${JSON.stringify(selector)}); e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event("change"));`;

const INTERACTIONS: [string, string][] = [
  ["hide one observer", click("#observers tr[data-observer='resnet50'] input")],
  ["show it again", click("#observers tr[data-observer='resnet50'] input")],
  ["pick humans", `[...document.querySelectorAll("#observers-section button")].find((b) => b.textContent === "pick humans").click();`],
  ["group picked", `document.querySelector("#group-name").value = "bench humans"; document.querySelector("#group-form").requestSubmit();`],
  [
    "select a pair (cell click)",
    `const [x, y] = window.__trialwise.cellCentre("resnet50", "cornet-s");
     document.elementFromPoint(x, y).dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));`,
  ],
  ["switch dataset (contrast)", choose("#dataset", "noise-generalisation_contrast-png")],
  ["switch back (cue-conflict)", choose("#dataset", "texture-shape_cue-conflict")],
];

async function main(): Promise<void> {
  if (!existsSync(join(BUNDLE_DIR, "app.js"))) throw new Error("no dashboard bundle: run npm run build:web first");
  if (!existsSync(CUE_CONFLICT)) throw new Error(`published data not found at ${CUE_CONFLICT}`);
  const server = await startServer({ paths: [CUE_CONFLICT, CONTRAST], port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const loadStart = Date.now();
    await page.goto(`${server.url}?d=texture-shape_cue-conflict`);
    await page.waitForFunction("window.__trialwise?.ready === true && (window.__trialwise.settled ?? true)", null, { timeout: 60_000 });
    const load = Date.now() - loadStart;
    const times = new Map<string, { visible: number[]; settled: number[] }>(INTERACTIONS.map(([name]) => [name, { visible: [], settled: [] }]));
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, action] of INTERACTIONS) {
        const t = await timed(page, action);
        const error = await page.evaluate("window.__trialwise.error");
        if (error) throw new Error(`${name}: the page reports "${error}"`);
        // Round 0 warms up (first fetch of the contrast data, JIT).
        if (round > 0) {
          times.get(name)!.visible.push(t.visible);
          times.get(name)!.settled.push(t.settled);
        }
      }
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`trialwise serve, cue-conflict (35 observers x 1,280 trials) in Chromium; first load until settled ${load} ms`);
    console.log(`median of ${ROUNDS} rounds after a warm-up round, ms from the click:\n`);
    console.log(`${"interaction".padEnd(30)} ${"visible".padStart(8)} ${"settled".padStart(8)}`);
    for (const [name, t] of times) console.log(`${name.padEnd(30)} ${median(t.visible).toFixed(0).padStart(8)} ${median(t.settled).toFixed(0).padStart(8)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
