/**
 * The experiment page of `trialwise experiment serve`: instructions, then (once the participant
 * starts) practice trials with feedback, the main trials with breaks, each main trial sent to
 * the server as soon as it ends. The participant's name and token stay in localStorage, so a
 * reloaded or reopened page resumes at the next unstored trial; `?new` starts a new participant
 * in the same browser (the next person in a lab).
 */
import "jspsych/css/jspsych.css";
import "./experiment.css";
import HtmlButtonResponsePlugin from "@jspsych/plugin-html-button-response";
import InstructionsPlugin from "@jspsych/plugin-instructions";
import PreloadPlugin from "@jspsych/plugin-preload";
import { type JsPsych, initJsPsych } from "jspsych";
import { CARD_WIDTH_CM, type CalibrationMeasurement } from "../../experiment/calibration.ts";
import { instructionPages } from "../../experiment/instructions.ts";
import { maskSeed } from "../../experiment/noise.ts";
import type { StartRequest } from "../../experiment/validation.ts";
import { ApiError, type ExperimentInfo, type ParticipantState, type Session, TrialSender, api } from "./api.ts";
import MaskedRecognitionPlugin from "./masked-recognition.ts";

/** What the page exposes for automated checks (the browser test reads it). */
interface PageState {
  phase:
    "loading" | "consent" | "declined" | "instructions" | "refused" | "calibration" | "running" | "saving" | "debrief" | "done" | "error";
  participant?: string;
  sender?: TrialSender;
  error?: string;
  /** Where the finished page sends the participant (null: nowhere). */
  redirect?: string | null;
}
const page: PageState = { phase: "loading" };
(window as unknown as { trialwise: PageState }).trialwise = page;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A message with one button. With `fullscreen`, the click also asks for fullscreen (a click
 * lets a page do so; the browser may refuse, and the experiment goes on either way).
 */
function continueScreen(html: string, label = "Continue", fullscreen = false) {
  return {
    type: HtmlButtonResponsePlugin,
    stimulus: `<div class="tw-message">${html}</div>`,
    choices: [label],
    on_finish: () => {
      if (fullscreen && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => undefined);
    },
  };
}

async function run(timeline: unknown[]): Promise<void> {
  // An earlier run leaves its (empty) content wrapper, which would take half the height.
  document.body.replaceChildren();
  await initJsPsych({ display_element: document.body }).run(timeline as Parameters<JsPsych["run"]>[0]);
}

function readSession(key: string): Session | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "null") as Session | null;
    return value && typeof value.name === "string" && typeof value.token === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function showMessage(html: string): void {
  document.body.innerHTML = `<div class="tw-message tw-final">${html}</div>`;
}

/** The recruitment ids in the page's address: Prolific's parameters, or a generic `?participant=`. */
function linkIds(): StartRequest {
  const query = new URLSearchParams(location.search);
  const ids: StartRequest = {};
  for (const field of ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "participant"] as const) {
    const value = query.get(field);
    if (value !== null && value !== "") ids[field] = value;
  }
  return ids;
}

async function main(): Promise<void> {
  const info = await api.experiment();
  const storageKey = `trialwise-experiment:${info.dataset}`;
  const ids = linkIds();
  const externalId = ids.PROLIFIC_PID ?? ids.participant ?? null;
  if (new URLSearchParams(location.search).has("new")) localStorage.removeItem(storageKey);
  let session = readSession(storageKey);
  // A link with another recruitment id is another person: not the participant this browser holds.
  if (session && externalId !== null && session.externalId !== externalId) session = undefined;
  let state: ParticipantState | undefined;
  if (session) {
    try {
      state = await api.resume(session);
    } catch (error) {
      // A store that was replaced no longer knows this participant: start afresh.
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 401))) throw error;
      session = undefined;
    }
  }
  if (state?.finished) return done(state.name, null);
  if (!session || !state) {
    if (info.consentHtml !== null) {
      page.phase = "consent";
      if (!(await consented(info.consentHtml))) {
        page.phase = "declined";
        showMessage(
          "<p>You did not consent, so the experiment does not start and nothing was recorded.</p><p>You can close this page.</p>",
        );
        return;
      }
    }
    page.phase = "instructions";
    await run([instructions(info)]);
    let started;
    try {
      started = await api.start(ids);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        page.phase = "refused";
        page.error = error.message;
        showMessage(`<p>${escapeHtml(error.message)}.</p>`);
        return;
      }
      throw error;
    }
    session = { name: started.name, token: started.token, externalId: started.externalId };
    localStorage.setItem(storageKey, JSON.stringify(session));
    state = started;
  }
  page.participant = session.name;
  if (info.protocol.stimulusDeg > 0 && state.stimulusPx === null) {
    page.phase = "calibration";
    const measurement = await calibrate(info.protocol.viewingDistanceCm);
    state = { ...state, stimulusPx: (await api.calibrate(session, measurement)).stimulusPx };
  }
  const sender = new TrialSender(session);
  page.sender = sender;
  page.phase = "running";
  await run(timeline(info, state, sender));
  page.phase = "saving";
  showMessage("<p>Saving your answers…</p>");
  await sender.flush();
  if (sender.rejected.length > 0)
    throw new Error(`${sender.rejected.length} trial(s) were not accepted by the server: ${sender.rejected[0].reason}`);
  const { redirect } = await api.finish(session);
  if (info.debriefHtml !== null) {
    page.phase = "debrief";
    await run([continueScreen(info.debriefHtml, redirect === null ? "Finish" : "Finish and return")]);
  }
  done(session.name, redirect);
}

/** The consent screen: resolves true when the participant agrees. */
async function consented(html: string): Promise<boolean> {
  let agreed = false;
  await run([
    {
      type: HtmlButtonResponsePlugin,
      stimulus: `<div class="tw-message tw-consent">${html}</div>`,
      choices: ["I agree", "I do not agree"],
      on_finish: (data: { response: number }) => {
        agreed = data.response === 0;
      },
    },
  ]);
  return agreed;
}

/**
 * The screen calibration: the participant drags a slider until the card outline is as wide as
 * a bank card held against the screen, and enters the viewing distance (the protocol's
 * proposed). Resolves with the measurement (CSS pixels per cm from the card's width).
 */
function calibrate(proposedDistanceCm: number): Promise<CalibrationMeasurement> {
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.className = "tw-message tw-calibration";
  root.innerHTML =
    "<h2>Screen size</h2><p>Hold a bank card (or any card of that size) flat against the screen over the outline below, and move the slider until the outline is exactly as wide as the card.</p>" +
    `<div class="tw-card"></div><input type="range" min="100" max="1200" value="324" aria-label="card width">` +
    `<p><label>Your distance from the screen, in cm: <input type="number" class="tw-distance" min="20" max="300" step="1" value="${proposedDistanceCm}"></label></p>` +
    `<p class="tw-small">Please sit about ${proposedDistanceCm} cm from the screen (about an arm's length) for the whole experiment.</p>` +
    '<button type="button" class="jspsych-btn tw-calibrated">Done</button>';
  document.body.append(root);
  const card = root.querySelector<HTMLElement>(".tw-card")!;
  const slider = root.querySelector<HTMLInputElement>('input[type="range"]')!;
  const distance = root.querySelector<HTMLInputElement>(".tw-distance")!;
  const draw = () => {
    card.style.width = `${slider.value}px`;
  };
  slider.addEventListener("input", draw);
  draw();
  return new Promise((resolve) => {
    root.querySelector(".tw-calibrated")!.addEventListener("click", () => {
      const cm = Number(distance.value);
      if (!(cm >= 20 && cm <= 300)) {
        distance.focus();
        return;
      }
      resolve({
        pxPerCm: Number(slider.value) / CARD_WIDTH_CM,
        viewingDistanceCm: cm,
        devicePixelRatio: window.devicePixelRatio,
        screenWidthPx: window.screen.width,
        screenHeightPx: window.screen.height,
      });
    });
  });
}

function done(name: string, redirect: string | null): void {
  page.phase = "done";
  page.participant = name;
  page.redirect = redirect;
  if (redirect !== null) {
    showMessage(
      `<p>Thank you! You have completed the experiment.</p><p><a class="tw-return" href="${escapeHtml(redirect)}">Return to confirm your participation</a></p>` +
        `<p class="tw-small">You will be taken there in a few seconds.</p>`,
    );
    // Sent there automatically, as study platforms expect; the link stays for a blocked redirect.
    window.setTimeout(() => location.assign(redirect), REDIRECT_DELAY_MS);
    return;
  }
  showMessage(
    `<p>Thank you! You have completed the experiment.</p><p>Your participant id: <strong class="tw-participant">${escapeHtml(name)}</strong></p>` +
      `<p class="tw-small">Experimenter: open <a href="?new">this page with ?new</a> for the next participant.</p>`,
  );
}

/** How long the thank-you page shows before a completion redirect. */
const REDIRECT_DELAY_MS = 3000;

function instructions(info: ExperimentInfo) {
  return {
    type: InstructionsPlugin,
    show_clickable_nav: true,
    allow_backward: true,
    button_label_next: "Next",
    button_label_previous: "Back",
    pages: instructionPages({
      categories: info.categories.length,
      keys: info.keys.length > 0,
      responseMs: info.protocol.responseMs,
      mainTrials: info.trialsPerParticipant,
      practiceTrials: info.practiceTrials,
      breakEvery: info.protocol.breakEvery,
    }),
  };
}

function timeline(info: ExperimentInfo, state: ParticipantState, sender: TrialSender): unknown[] {
  const p = info.protocol;
  const icons = p.responseLayout === "icons" ? info.categories.map((c) => `/icons/${encodeURIComponent(c)}`) : [];
  const size = state.stimulusPx ?? p.sizePx;
  const trial = (stimulus: string, seedIndex: number, feedbackCategory: string | null, progress: string | null = null) => ({
    type: MaskedRecognitionPlugin,
    // An attention check shows the category to choose instead of an image.
    stimulus: stimulus.startsWith("catch:") ? "" : `/stimuli/${encodeURIComponent(stimulus)}`,
    catch_text: stimulus.startsWith("catch:") ? `Choose: ${stimulus.slice("catch:".length)}` : null,
    progress,
    size_px: size,
    blank_ms: p.interTrialMs,
    fixation_ms: p.fixationMs,
    stimulus_ms: p.stimulusMs,
    mask_ms: p.maskMs,
    response_ms: p.responseMs,
    mask_seed: maskSeed(state.seed, seedIndex),
    categories: info.categories,
    keys: info.keys,
    icons,
    feedback_category: feedbackCategory,
    feedback_ms: p.feedbackMs,
  });
  const total = state.trials.length;
  const practise = state.next === 0 ? state.practice : [];
  const nodes: unknown[] = [
    {
      type: PreloadPlugin,
      images: [...practise.map((t) => t.stimulus), ...state.trials.slice(state.next).filter((s) => !s.startsWith("catch:")), ...icons].map(
        (s) => (s.startsWith("/") ? s : `/stimuli/${encodeURIComponent(s)}`),
      ),
      message: "<p>Loading images…</p>",
      show_progress_bar: true,
    },
  ];
  if (practise.length > 0) {
    nodes.push(
      continueScreen(
        `<p>First, ${practise.length} practice images. After each you will see whether you were right.</p>`,
        "Start practice",
        p.fullscreen,
      ),
    );
    practise.forEach((t, i) => nodes.push(trial(t.stimulus, -(i + 1), t.category)));
    nodes.push(continueScreen("<p>The practice is over. From now on there is no feedback.</p>", "Start", p.fullscreen));
  } else if (state.next > 0) {
    nodes.push(continueScreen(`<p>Welcome back. You continue with image ${state.next + 1} of ${total}.</p>`, "Continue", p.fullscreen));
  } else {
    nodes.push(continueScreen(`<p>Ready? ${total} images follow.</p>`, "Start", p.fullscreen));
  }
  // Once the server has refused a trial, the later ones would be refused too (trials are stored
  // in order): the remaining nodes are skipped and the page asks for a reload, which resumes
  // at the refused trial.
  const whileAccepted = (node: object) => ({ timeline: [node], conditional_function: () => sender.rejected.length === 0 });
  for (let index = state.next; index < total; index++) {
    const stimulus = state.trials[index];
    nodes.push(
      whileAccepted({
        ...trial(stimulus, index, null, `Image ${index + 1} of ${total}`),
        on_finish: (data: {
          response: string;
          rt: number | null;
          response_source: "key" | "mouse" | null;
          stimulus_ms: number;
          mask_ms: number;
          frame_ms: number;
        }) =>
          sender.send({
            trial: index,
            stimulus,
            response: data.response,
            rt: data.rt,
            source: data.response_source,
            stimulusMs: data.stimulus_ms,
            maskMs: data.mask_ms,
            frameMs: data.frame_ms,
          }),
      }),
    );
    const completed = index + 1;
    if (p.breakEvery > 0 && completed % p.breakEvery === 0 && completed < total) {
      nodes.push(
        whileAccepted(
          continueScreen(
            `<p>Time for a short break: ${completed} of ${total} images done.</p><p>Continue when you are ready.</p>`,
            "Continue",
            p.fullscreen,
          ),
        ),
      );
    }
  }
  return nodes;
}

main().catch((error: unknown) => {
  page.phase = "error";
  page.error = error instanceof Error ? error.message : String(error);
  showMessage(
    `<p>Something went wrong: ${escapeHtml(page.error)}</p><p>Please tell the experimenter. Reloading the page continues where you stopped.</p>`,
  );
});
