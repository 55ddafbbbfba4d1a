// A short experiment in Chromium: two participants answer with simulated keys and mouse clicks
// (one has an answer tampered with in transit and reloads, the other closes the tab halfway and
// comes back), then the store is exported and analysed with trialwise pairs, whose kappa is
// checked against the hand computation from the answers given.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CATEGORIES_16, participantDesign } from "../../src/experiment/design.ts";
import { parseProtocol } from "../../src/experiment/protocol.ts";
import { type ExperimentServer, startExperimentServer } from "../../src/experiment/server.ts";
import { ensureBundle, stimulusFolder } from "../fixtures/experiment/setup.ts";
import { REPO, SHARED, cli, csvObjects, NO_CHROMIUM, launchChromium } from "../helpers.ts";

const EDGES = join(SHARED, "data/stimuli/edges");
const ARTIFACTS = join(REPO, "test-artifacts/experiment");

/** Fast timings so that eight trials take seconds; the defaults are tested in experiment-design. */
const PROTOCOL = parseProtocol(
  { fixationMs: 100, stimulusMs: 50, maskMs: 50, responseMs: 1000, interTrialMs: 50, feedbackMs: 150, practiceTrials: 2, breakEvery: 4 },
  "test protocol",
);

/**
 * What the page waits for next: done or error, a response grid not yet handled, an instructions
 * page, or a button screen. A function (run in the page), not a string: the page's CSP forbids
 * evaluating strings. The tests are type-checked without the DOM, hence the loose types.
 */
const NEXT_ACTION = () => {
  const page = globalThis as unknown as {
    trialwise?: { phase: string };
    document: { querySelector(s: string): { hidden?: boolean; querySelector(s: string): unknown } | null };
  };
  const w = page.trialwise;
  if (w && (w.phase === "done" || w.phase === "error")) return w.phase;
  const grid = page.document.querySelector(".tw-response-grid:not([data-handled])");
  if (grid && !grid.hidden && grid.querySelector(".tw-choice:not(:disabled)")) return "respond";
  if (page.document.querySelector("#jspsych-instructions-next")) return "next";
  if (page.document.querySelector(".jspsych-btn:not(.tw-choice)")) return "button";
  return false;
};

type Answer = { category: string; by: "key" | "mouse" } | null;

/**
 * Plays one participant's page until it is done (or `stopAfter` main trials are stored, then
 * closes the tab while the next trial runs). `answer` decides per stimulus id; null lets the
 * response window pass (na).
 */
async function play(
  page: Page,
  server: ExperimentServer,
  keys: string[],
  answer: (id: string) => Answer,
  stopAfter?: { number: number; trials: number },
): Promise<string[]> {
  const events: string[] = [];
  let mainTrials = 0;
  for (;;) {
    const state = await page.waitForFunction(NEXT_ACTION, undefined, { timeout: 20_000 });
    const what = (await state.jsonValue()) as string;
    if (what === "done") return events;
    if (what === "error") return [...events, `error ${await page.evaluate("window.trialwise.error")}`];
    if (what === "next" || what === "button") {
      if (what === "next" && events.length === 0) await page.screenshot({ path: join(ARTIFACTS, "instructions.png") });
      const label = await page
        .locator(what === "next" ? "#jspsych-instructions-next" : ".jspsych-btn:not(.tw-choice)")
        .first()
        .innerText();
      events.push(`button ${label}`);
      await page
        .locator(what === "next" ? "#jspsych-instructions-next" : ".jspsych-btn:not(.tw-choice)")
        .first()
        .click();
      continue;
    }
    const id = decodeURIComponent((await page.locator("img.tw-stimulus").getAttribute("src"))!.replace("/stimuli/", ""));
    await page.evaluate('document.querySelector(".tw-response-grid").setAttribute("data-handled", "")');
    if (events.filter((e) => e.startsWith("trial")).length === 0) {
      // The grid (like the stage before it) is centred in the window.
      const box = (await page.locator(".tw-response-grid").boundingBox())!;
      const size = page.viewportSize()!;
      assert.ok(
        Math.abs(box.x + box.width / 2 - size.width / 2) < 2 && Math.abs(box.y + box.height / 2 - size.height / 2) < 2,
        JSON.stringify(box),
      );
      await page.screenshot({ path: join(ARTIFACTS, "response-grid.png") });
      const mask = (await page.evaluate('document.querySelector("canvas.tw-mask").toDataURL("image/png")')) as string;
      await writeFile(join(ARTIFACTS, "mask.png"), Buffer.from(mask.split(",")[1], "base64"));
    }
    events.push(`trial ${id}`);
    const choice = answer(id);
    if (choice?.by === "key") await page.keyboard.press(keys[CATEGORIES_16.indexOf(choice.category as (typeof CATEGORIES_16)[number])]);
    else if (choice?.by === "mouse") await page.click(`.tw-choice[data-category="${choice.category}"]`);
    if (
      stopAfter &&
      !participantDesign(server.plan, stopAfter.number).practice.some((s) => s.id === id) &&
      ++mainTrials === stopAfter.trials
    ) {
      if (await waitUntil(async () => (await server.store.storedCount(stopAfter.number)) >= stopAfter.trials, 5000)) {
        // Close the tab while the next trial is under way: that trial is lost, none other.
        await page.waitForSelector(".tw-fixation:not([hidden]), .tw-stimulus:not([hidden]), .tw-mask:not([hidden])", { state: "attached" });
        await page.close();
        events.push("closed");
        return events;
      }
    }
  }
}

async function waitUntil(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

test(
  "a short experiment in Chromium: key and mouse answers, a closed tab resumed, exported and analysed with trialwise pairs",
  { skip: NO_CHROMIUM },
  async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-browser-"));
    const stimuli = existsSync(EDGES) ? EDGES : await stimulusFolder(join(dir, "toys"), 2);
    const dataset = existsSync(EDGES) ? "edges" : "toys";
    const store = join(dir, "experiment.duckdb");
    const log: string[] = [];
    const server = await startExperimentServer({
      stimuli,
      store,
      protocol: PROTOCOL,
      seed: 7,
      trialsPerParticipant: 8,
      port: 0,
      log: (l) => log.push(l),
    });
    const categoryOf = new Map(
      [...server.plan.stimuliByCondition.values()]
        .flat()
        .concat(server.plan.practice)
        .map((s) => [s.id, s.category]),
    );
    const keys = [...PROTOCOL.responseKeys];
    const wrong = (category: string) => CATEGORIES_16[(CATEGORIES_16.indexOf(category as (typeof CATEGORIES_16)[number]) + 1) % 16];
    // Participant 1 (keys): wrong on every third stimulus id. Participant 2 (mouse): wrong on odd
    // ids, and no answer at all on its sixth main trial.
    const mainOrder2 = participantDesign(server.plan, 2).trials.map((t) => t.stimulus.id);
    const answer1 = (id: string): Answer => ({
      category: Number(id) % 3 === 0 ? wrong(categoryOf.get(id)!) : categoryOf.get(id)!,
      by: "key",
    });
    const answer2 = (id: string): Answer =>
      id === mainOrder2[5] ? null : { category: Number(id) % 2 === 1 ? wrong(categoryOf.get(id)!) : categoryOf.get(id)!, by: "mouse" };
    let browser: Browser | undefined;
    const errors: string[] = [];
    const open = async (context: BrowserContext) => {
      const page = await context.newPage();
      // Every CSP violation the page causes (the server's policy must let the page work as it is).
      await page.addInitScript(
        "document.addEventListener('securitypolicyviolation', (e) => { (window.__csp ??= []).push(e.violatedDirective + ' ' + e.blockedURI); })",
      );
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      page.on("response", (r) => void (r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`)));
      await page.goto(server.url);
      return page;
    };
    try {
      browser = await launchChromium();
      const first = await open(await browser.newContext());
      // The answer to the fifth main trial is tampered with on its way: the server refuses it,
      // the page stops and asks for a reload, which shows that trial again.
      let tampered = false;
      await first.route("**/api/participants/*/trials", async (route) => {
        const body = route.request().postDataJSON() as { trial: number };
        if (body.trial !== 4 || tampered) return route.continue();
        tampered = true;
        return route.continue({ postData: JSON.stringify({ ...body, response: "zebra" }) });
      });
      const events1 = await play(first, server, keys, answer1);
      assert.match(events1.at(-1)!, /^error 1 trial\(s\) were not accepted by the server: response: "zebra" is not a category/);
      assert.equal(await server.store.storedCount(1), 4);
      await first.reload();
      const resumed1 = await play(first, server, keys, answer1);
      const trials1 = [...events1, ...resumed1].filter((e) => e.startsWith("trial"));
      assert.ok(
        trials1.length >= 11 && trials1.length <= 12,
        "2 practice, 8 main trials and the refused one again (and at most one begun after it)",
      );
      assert.deepEqual(events1.slice(0, 3), ["button Next >", "button Next >", "button Start practice"]);
      assert.ok(events1.includes("button Continue"), "a break after 4 trials");
      assert.equal(resumed1[0], "button Continue");
      assert.equal(resumed1.filter((e) => e.startsWith("trial"))[0], `trial ${participantDesign(server.plan, 1).trials[4].stimulus.id}`);
      assert.equal(await first.locator(".tw-participant").innerText(), "experiment-subject-01");
      assert.equal(
        await first.evaluate("document.fullscreenElement === document.documentElement"),
        true,
        "fullscreen from the start button on",
      );
      assert.ok(
        log.some((l) => /^rejected trial 4 from experiment-subject-01: response: "zebra"/.test(l)),
        log.join("\n"),
      );
      await first.screenshot({ path: join(ARTIFACTS, "done.png") });
      assert.deepEqual(await first.evaluate("window.__csp ?? []"), [], "no CSP violations");

      const context2 = await browser.newContext();
      const second = await open(context2);
      const before = await play(second, server, keys, answer2, { number: 2, trials: 3 });
      assert.equal(before.at(-1), "closed");
      assert.equal(await server.store.storedCount(2), 3, "the trial in progress is lost, no other");
      const reopened = await open(context2);
      const after = await play(reopened, server, keys, answer2);
      assert.equal(after[0], "button Continue", "welcome back, without practice");
      assert.deepEqual(await reopened.evaluate("window.__csp ?? []"), [], "no CSP violations");
      assert.equal(after.filter((e) => e.startsWith("trial")).length, 5, "trials 4 to 8");
      assert.deepEqual(
        after.filter((e) => e.startsWith("trial")).map((e) => e.slice(6)),
        mainOrder2.slice(3),
        "the resumed page continues at the next unstored trial",
      );
      // The refused trial's 400 answer and the page's report of it, nothing else.
      assert.deepEqual(
        errors.filter(
          (e) => !/^400 \/api\/participants\/experiment-subject-01\/trials$|status of 400|trial 4 rejected: response: "zebra"/.test(e),
        ),
        [],
      );
    } finally {
      await browser?.close();
      await server.close();
    }

    const out = join(dir, "humans");
    const exported = await cli("experiment", "export", "--store", store, "-o", out);
    assert.equal(exported.code, 0, exported.stderr);
    const flagged = Number(
      /^trialwise experiment export: 2 participant file\(s\), 16 trials \((\d+) with timing outside tolerance\) written to /.exec(
        exported.stderr,
      )?.[1],
    );
    assert.deepEqual((await readdir(out)).sort(), [
      `${dataset}_experiment-subject-01_session_1.csv`,
      `${dataset}_experiment-subject-02_session_1.csv`,
      `${dataset}_participants.json`,
    ]);
    const rows1 = csvObjects(await readFile(join(out, `${dataset}_experiment-subject-01_session_1.csv`), "utf8"));
    const rows2 = csvObjects(await readFile(join(out, `${dataset}_experiment-subject-02_session_1.csv`), "utf8"));
    const idOf = new Map([...server.plan.stimuliByCondition.values()].flat().map((s) => [s.name, s.id]));
    for (const [rows, answer] of [
      [rows1, answer1],
      [rows2, answer2],
    ] as const) {
      assert.deepEqual(
        rows.map((r) => r.trial),
        ["1", "2", "3", "4", "5", "6", "7", "8"],
      );
      for (const r of rows) {
        const given = answer(idOf.get(r.imagename)!);
        assert.equal(r.object_response, given?.category ?? "na");
        assert.equal(r.category, categoryOf.get(idOf.get(r.imagename)!));
        assert.equal(r.response_source, given?.by ?? "NaN");
        if (given === null) assert.equal(r.rt, "NaN");
        else assert.ok(Number(r.rt) > 0 && Number(r.rt) < 1.1, `rt ${r.rt} s`);
        for (const column of ["stimulus_ms", "mask_ms", "frame_ms"]) assert.ok(Number(r[column]) > 0, `${column} ${r[column]}`);
      }
    }
    // Frame-timed durations: the median stimulus and mask durations within a frame of 50 ms.
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const all = [...rows1, ...rows2];
    assert.ok(Math.abs(median(all.map((r) => Number(r.stimulus_ms))) - 50) <= 17, "stimulus duration");
    assert.ok(Math.abs(median(all.map((r) => Number(r.mask_ms))) - 50) <= 17, "mask duration");
    assert.equal(all.filter((r) => r.timing_ok === "0").length, flagged);

    // Kappa by hand from the answers: both saw the same 8 stimuli.
    const stimuliSeen = rows1.map((r) => r.imagename).sort();
    assert.deepEqual(rows2.map((r) => r.imagename).sort(), stimuliSeen);
    const correct = (answer: (id: string) => Answer, name: string) => answer(idOf.get(name)!)?.category === categoryOf.get(idOf.get(name)!);
    const c1 = stimuliSeen.map((n) => correct(answer1, n));
    const c2 = stimuliSeen.map((n) => correct(answer2, n));
    const p1 = c1.filter(Boolean).length / 8;
    const p2 = c2.filter(Boolean).length / 8;
    const cObs = c1.filter((c, i) => c === c2[i]).length / 8;
    const cExp = p1 * p2 + (1 - p1) * (1 - p2);
    const pairs = await cli("pairs", out);
    assert.equal(pairs.code, 0, pairs.stderr);
    const [pair] = csvObjects(pairs.stdout);
    assert.equal(pair.observer1, "experiment-subject-01");
    assert.equal(pair.observer2, "experiment-subject-02");
    assert.equal(pair.pair_type, "human-human");
    assert.equal(Number(pair.n_trials), 8);
    if (cExp === 1) assert.equal(pair.kappa, "");
    else
      assert.ok(Math.abs(Number(pair.kappa) - (cObs - cExp) / (1 - cExp)) < 1e-12, `kappa ${pair.kappa} vs ${(cObs - cExp) / (1 - cExp)}`);
    assert.ok(log.includes("experiment-subject-02 finished"));
    await rm(dir, { recursive: true, force: true });
  },
);

test(
  "online in Chromium: a Prolific link, consent, screen calibration, an attention check, progress, debrief, the completion redirect; a second tab of the same id is refused",
  { skip: NO_CHROMIUM },
  async () => {
    ensureBundle();
    await mkdir(ARTIFACTS, { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-online-"));
    const stimuli = await stimulusFolder(join(dir, "toys"), 1);
    const consent = join(dir, "consent.md");
    await writeFile(consent, "# Consent\n\nYou take part **voluntarily**.\n");
    const debrief = join(dir, "debrief.md");
    await writeFile(debrief, "Thank you: this study measures *masked* object recognition.\n");
    const protocol = {
      ...PROTOCOL,
      practiceTrials: 0,
      breakEvery: 0,
      catchTrials: 1,
      stimulusDeg: 4,
      viewingDistanceCm: 57,
      completionCode: "C0DE123",
    };
    const log: string[] = [];
    const server = await startExperimentServer({
      stimuli,
      store: join(dir, "online.duckdb"),
      study: "web",
      protocol,
      consent,
      debrief,
      seed: 3,
      trialsPerParticipant: 4,
      port: 0,
      log: (l) => log.push(l),
    });
    const categoryOf = new Map([...server.plan.stimuliByCondition.values()].flat().map((s) => [s.id, s.category]));
    const pid = "5f8a1b2c3d4e5f6a7b8c9d0e";
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      browser = await launchChromium();
      const context = await browser.newContext();
      // Prolific itself is not reached: the redirect's request is answered here.
      let redirectedTo = "";
      await context.route("https://app.prolific.com/**", (route) => {
        redirectedTo = route.request().url();
        return route.fulfill({ status: 200, contentType: "text/html", body: "<p>Prolific</p>" });
      });
      const page = await context.newPage();
      await page.addInitScript(
        "document.addEventListener('securitypolicyviolation', (e) => { (window.__csp ??= []).push(e.violatedDirective + ' ' + e.blockedURI); })",
      );
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      await page.goto(`${server.url}/?PROLIFIC_PID=${pid}&STUDY_ID=60aa00bb11cc22dd33ee44ff&SESSION_ID=s1`);
      const events: string[] = [];
      const progress: string[] = [];
      let sizes: number[] = [];
      for (;;) {
        const state = await page.waitForFunction(NEXT_ACTION, undefined, { timeout: 20_000 });
        const what = (await state.jsonValue()) as string;
        if (what === "error") throw new Error(String(await page.evaluate("window.trialwise.error")));
        if (what === "done") break;
        if (what === "next" || what === "button") {
          const button = page.locator(what === "next" ? "#jspsych-instructions-next" : ".jspsych-btn:not(.tw-choice)").first();
          const label = await button.innerText();
          if (label === "I agree") events.push(`consent ${await page.locator(".tw-consent h1").innerText()}`);
          if (label === "Done") {
            // Calibration: the card outline scaled to 340 CSS px (39.7 px/cm), 60 cm away.
            await page.locator('.tw-calibration input[type="range"]').fill("340");
            await page.locator(".tw-distance").fill("60");
            await page.screenshot({ path: join(ARTIFACTS, "calibration.png") });
          }
          if (label.startsWith("Finish")) events.push(`debrief ${await page.locator(".tw-message em").innerText()}`);
          events.push(`button ${label}`);
          await button.click();
          // The calibration screen stays until the server has answered: not a second "Done".
          if (label === "Done") await page.locator(".tw-calibration").waitFor({ state: "detached", timeout: 10_000 });
          continue;
        }
        await page.evaluate('document.querySelector(".tw-response-grid").setAttribute("data-handled", "")');
        progress.push(await page.locator(".tw-progress").innerText());
        const checkText = (await page.locator(".tw-catch").count()) > 0 ? await page.locator(".tw-catch").innerText() : null;
        sizes.push((await page.locator(".tw-stage").boundingBox())?.width ?? -1);
        if (checkText !== null) {
          events.push(`check ${checkText}`);
          await page.click(`.tw-choice[data-category="${checkText.replace("Choose: ", "")}"]`);
        } else {
          const id = decodeURIComponent((await page.locator("img.tw-stimulus").getAttribute("src"))!.replace("/stimuli/", ""));
          events.push("trial");
          await page.click(`.tw-choice[data-category="${categoryOf.get(id)}"]`);
        }
      }
      assert.equal(await page.evaluate("window.trialwise.redirect"), "https://app.prolific.com/submissions/complete?cc=C0DE123");
      assert.deepEqual(await page.evaluate("window.__csp ?? []"), [], "no CSP violations");
      await page.screenshot({ path: join(ARTIFACTS, "completed.png") });
      await page.waitForURL("https://app.prolific.com/**", { timeout: 10_000 });
      assert.equal(redirectedTo, "https://app.prolific.com/submissions/complete?cc=C0DE123");
      assert.deepEqual(events.slice(0, 2), ["consent Consent", "button I agree"]);
      assert.ok(events.includes("button Done"), "calibrated");
      assert.equal(events.filter((e) => e === "trial").length, 4);
      assert.equal(events.filter((e) => e.startsWith("check Choose: ")).length, 1);
      assert.ok(events.includes("debrief masked"));
      assert.deepEqual(progress, ["Image 1 of 5", "Image 2 of 5", "Image 3 of 5", "Image 4 of 5", "Image 5 of 5"]);
      // The stimulus drawn 4 degrees wide at 60 cm with 340 / 8.56 px per cm.
      const expected = Math.round(2 * 60 * Math.tan((2 * Math.PI) / 180) * (340 / 8.56));
      sizes = sizes.filter((s) => s > 0);
      assert.ok(
        sizes.every((s) => Math.abs(s - expected) < 1),
        `stage ${sizes} px, expected ${expected}`,
      );
      // The same Prolific id in a fresh browser: refused with the reason, not counted again.
      const other = await (await browser.newContext()).newPage();
      await other.goto(`${server.url}/?PROLIFIC_PID=${pid}`);
      // Consent and instructions again (a fresh browser), then the server's refusal.
      const refusedOrButton = () => {
        const w = globalThis as unknown as { trialwise?: { phase: string }; document: { querySelector(s: string): unknown } };
        if (w.trialwise?.phase === "refused") return "refused";
        if (w.document.querySelector("#jspsych-instructions-next")) return "next";
        return w.document.querySelector(".jspsych-btn") ? "button" : false;
      };
      for (let step = 0; step < 10; step++) {
        const what = (await (await other.waitForFunction(refusedOrButton, undefined, { timeout: 20_000 })).jsonValue()) as string;
        if (what === "refused") break;
        await other
          .locator(what === "next" ? "#jspsych-instructions-next" : ".jspsych-btn")
          .first()
          .click();
        await other.waitForTimeout(50);
      }
      assert.match(
        await other.locator(".tw-final").innerText(),
        new RegExp(`Prolific id ${pid} has already taken part \\(as web-subject-01, finished\\)`),
      );
      assert.equal((await server.store.participants()).length, 1);
      assert.deepEqual(
        errors.filter((e) => !/status of 409/.test(e)),
        [],
      );
    } finally {
      await browser?.close();
      await server.close();
    }
    const out = join(dir, "out");
    await cli("experiment", "export", "--store", join(dir, "online.duckdb"), "-o", out);
    const summary = JSON.parse(await readFile(join(out, "toys_participants.json"), "utf8")) as { participants: Record<string, unknown>[] };
    const [p] = summary.participants as {
      prolific_pid: string;
      prolific_session_id: string;
      attention_ok: boolean;
      calibration: { px_per_cm: number; viewing_distance_cm: number; stimulus_px: number };
    }[];
    assert.equal(p.prolific_pid, pid);
    assert.equal(p.prolific_session_id, "s1");
    assert.equal(p.attention_ok, true);
    assert.ok(Math.abs(p.calibration.px_per_cm - 340 / 8.56) < 1e-9);
    assert.equal(p.calibration.viewing_distance_cm, 60);
    assert.equal(p.calibration.stimulus_px, Math.round(2 * 60 * Math.tan((2 * Math.PI) / 180) * (340 / 8.56)));
    assert.ok(
      log.some((l) => /^web-subject-01 started .*; prolific id 5f8a/.test(l)),
      log.join("\n"),
    );
    await rm(dir, { recursive: true, force: true });
  },
);
