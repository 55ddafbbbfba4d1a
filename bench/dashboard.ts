/**
 * Dashboard interaction benchmark: `trialwise serve` on the published cue-conflict data
 * (35 observers x 1,280 trials; the contrast data as the second dataset), the page in Debian's
 * Chromium, and the time of each interaction measured in the page: from the click (or change)
 * until the start of the frame that paints: the matrix, observer list, group means and pair panel
 * updated (`window.__trialwise.shown`), every view but the ranking (`ready`), the ranking with its
 * deferred bootstrap too (`settled`). Pages from before `shown` and `settled` count `ready` there.
 *
 *   node --import tsx bench/dashboard.ts [--rounds N] [--bundle DIR]
 *
 * --bundle serves another build of the page (e.g. an older commit's build/web/dashboard), to compare.
 *
 * Each round: hide one observer (another each round), show it again, pick the humans, group the picks, select the
 * ResNet-50 / CORnet-S pair (a click on its cell), switch to the contrast data, switch back
 * (which resets the view). Then, as many times, an upload: the 35 cue-conflict CSV files
 * (3 MB) chosen at once in the page's file input, timed from the choice until the new dataset
 * (one dataset of 35 observers) is shown, and removed again (not timed). "open" is the first
 * load of the page until each of the three points. Prints the median over the rounds
 * (default 5) after one warm-up round. Needs `npm run build:web` first. No assertions: the
 * tests check what is shown.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { BUNDLE_DIR, startServer } from "../src/serve/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const RAW_DATA = new URL("../../shared/data/geirhos2020/raw-data/", import.meta.url).pathname;
const CUE_CONFLICT = join(RAW_DATA, "texture-shape_cue-conflict");
const CONTRAST = join(RAW_DATA, "noise-generalisation_contrast-png");

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "5" }, bundle: { type: "string" } } });
const ROUNDS = Number(args.rounds);

/**
 * Page-side: runs `action` (a function body, as text), then waits until the page is ready and
 * a frame has been painted ("visible"), then until it is settled. Milliseconds of each.
 */
async function timed(page: Page, action: string): Promise<Times> {
  return page.evaluate(`(async () => {
    const t = window.__trialwise;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    // Timed at the start of the frame that paints the change (later work does not count).
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    const start = performance.now();
    (() => { ${action} })();
    const lap = async (done) => {
      while (!done()) await tick();
      await frame();
      return performance.now() - start;
    };
    // Before the page exposed "shown", the matrix counted as shown when everything was.
    const first = await lap(() => t.ready || (t.shown !== undefined && t.shown === t.generation));
    const all = await lap(() => t.ready);
    return { first, all, settled: await lap(() => t.settled ?? t.ready) };
  })()`) as Promise<Times>;
}

/** Page-side: the start of an action done from outside the page (a file chosen); {@link lapsSince} measures from it. */
const MARK_START = "window.__benchStart = performance.now();";

/**
 * Page-side: the three times of {@link timed} measured from {@link MARK_START}, once `started`
 * (an expression) holds, e.g. once the page shows the uploaded dataset.
 */
function lapsSince(page: Page, started: string): Promise<Times> {
  return page.evaluate(`(async () => {
    // Read anew each time: on a page just loaded it may not be there yet.
    const t = () => window.__trialwise ?? { generation: 0 };
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    const lap = async (done) => {
      while (!done()) await tick();
      await frame();
      return performance.now() - window.__benchStart;
    };
    const first = await lap(() => (${started}) && t().generation > 0 && t().shown === t().generation);
    const all = await lap(() => (${started}) && t().ready);
    return { first, all, settled: await lap(() => (${started}) && t().settled) };
  })()`) as Promise<Times>;
}

/** Milliseconds from the click: matrix (with observers, group means, pair) painted, every view but the ranking, the ranking too. */
interface Times {
  first: number;
  all: number;
  settled: number;
}

/** A click on the element the selector finds, as the page sees it. */
const click = (selector: string) => `document.querySelector(${JSON.stringify(selector)}).click();`;
/** A change of a select (or input) to a value. */
const choose = (selector: string, value: string) =>
  `const e = document.querySelector(${JSON.stringify(selector)}); e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event("change"));`;

/** Observers hidden and shown, one per round, so that no round finds the last one's ranking. */
const HIDDEN = [
  "resnet50",
  "alexnet",
  "subject-03",
  "vgg19",
  "densenet121",
  "subject-07",
  "squeezenet1-1",
  "inception-v3",
  "subject-01",
  "resnet18",
];

const INTERACTIONS: [string, (round: number) => string][] = [
  ["hide one observer", (round) => click(`#observers tr[data-observer='${HIDDEN[round % HIDDEN.length]}'] input`)],
  ["show it again", (round) => click(`#observers tr[data-observer='${HIDDEN[round % HIDDEN.length]}'] input`)],
  [
    "pick humans",
    () => `[...document.querySelectorAll("#observers-section button")].find((b) => b.textContent === "pick humans").click();`,
  ],
  [
    "group picked",
    () => `document.querySelector("#group-name").value = "bench humans"; document.querySelector("#group-form").requestSubmit();`,
  ],
  [
    "select a pair (cell click)",
    () => `const [x, y] = window.__trialwise.cellCentre("resnet50", "cornet-s");
     document.elementFromPoint(x, y).dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));`,
  ],
  ["switch dataset (contrast)", () => choose("#dataset", "noise-generalisation_contrast-png")],
  ["switch back (cue-conflict)", () => choose("#dataset", "texture-shape_cue-conflict")],
];

async function main(): Promise<void> {
  const bundleDir = args.bundle ?? BUNDLE_DIR;
  if (!existsSync(join(bundleDir, "app.js"))) throw new Error(`no dashboard bundle in ${bundleDir}: run npm run build:web first`);
  if (!existsSync(CUE_CONFLICT)) throw new Error(`published data not found at ${CUE_CONFLICT}`);
  const server = await startServer({ paths: [CUE_CONFLICT, CONTRAST], port: 0, bundleDir });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}?d=texture-shape_cue-conflict`);
    await page.waitForFunction("window.__trialwise?.ready === true && (window.__trialwise.settled ?? true)", null, { timeout: 60_000 });
    // The first load, from the navigation's start (the page's time origin) to each point.
    const open: Times[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      await page.reload({ waitUntil: "commit" });
      const t = await lapsSince(page, "(window.__benchStart = 0) === 0");
      if (round > 0) open.push(t);
    }
    const times = new Map<string, Times[]>([["open (page load)", open], ...INTERACTIONS.map(([name]): [string, Times[]] => [name, []])]);
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, action] of INTERACTIONS) {
        const t = await timed(page, action(round));
        const error = await page.evaluate("window.__trialwise.error");
        if (error) throw new Error(`${name}: the page reports "${error}"`);
        // Round 0 warms up (first fetch of the contrast data, JIT).
        if (round > 0) times.get(name)!.push(t);
      }
    }
    const files = readdirSync(CUE_CONFLICT)
      .filter((f) => f.endsWith(".csv"))
      .map((f) => join(CUE_CONFLICT, f));
    const uploads: Times[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      await page.evaluate(MARK_START);
      await page.setInputFiles("#upload", files);
      // The upload dataset is named after its first file; the page shows it when all 35 are in.
      const t = await lapsSince(page, "new URL(location.href).searchParams.get('d')?.startsWith('texture-shape_cue-conflict_')");
      const error = await page.evaluate("window.__trialwise.error");
      if (error) throw new Error(`upload: the page reports "${error}"`);
      if (round > 0) uploads.push(t);
      await page.click("#remove-dataset");
      await page.waitForFunction(
        "window.__trialwise.settled && !new URL(location.href).searchParams.get('d')?.startsWith('texture-shape_cue-conflict_')",
      );
    }
    times.set(`upload ${files.length} CSV files`, uploads);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log("trialwise serve, cue-conflict (35 observers x 1,280 trials) in Chromium");
    console.log(`median of ${ROUNDS} rounds after a warm-up round, ms from the click (open: from the navigation):\n`);
    console.log(`${"interaction".padEnd(30)} ${"matrix".padStart(8)} ${"all views".padStart(10)} ${"+ranking".padStart(9)}`);
    for (const [name, t] of times) {
      const column = (key: keyof Times, width: number) =>
        median(t.map((x) => x[key]))
          .toFixed(0)
          .padStart(width);
      console.log(`${name.padEnd(30)} ${column("first", 8)} ${column("all", 10)} ${column("settled", 9)}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
