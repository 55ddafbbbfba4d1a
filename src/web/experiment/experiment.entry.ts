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
import { maskSeed } from "../../experiment/noise.ts";
import { ApiError, type ExperimentInfo, type ParticipantState, type Session, TrialSender, api } from "./api.ts";
import MaskedRecognitionPlugin from "./masked-recognition.ts";

/** What the page exposes for automated checks (the browser test reads it). */
interface PageState {
  phase: "loading" | "instructions" | "running" | "saving" | "done" | "error";
  participant?: string;
  sender?: TrialSender;
  error?: string;
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

async function main(): Promise<void> {
  const info = await api.experiment();
  const storageKey = `trialwise-experiment:${info.dataset}`;
  if (new URLSearchParams(location.search).has("new")) localStorage.removeItem(storageKey);
  let session = readSession(storageKey);
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
  if (state?.finished) return done(state.name);
  if (!session || !state) {
    page.phase = "instructions";
    await run([instructions(info)]);
    const started = await api.start();
    session = { name: started.name, token: started.token };
    localStorage.setItem(storageKey, JSON.stringify(session));
    state = started;
  }
  page.participant = session.name;
  const sender = new TrialSender(session);
  page.sender = sender;
  page.phase = "running";
  await run(timeline(info, state, sender));
  page.phase = "saving";
  showMessage("<p>Saving your answers…</p>");
  await sender.flush();
  if (sender.rejected.length > 0) throw new Error(`${sender.rejected.length} trial(s) were not accepted by the server: ${sender.rejected[0].reason}`);
  await api.finish(session);
  done(session.name);
}

function done(name: string): void {
  page.phase = "done";
  page.participant = name;
  showMessage(
    `<p>Thank you! You have completed the experiment.</p><p>Your participant id: <strong class="tw-participant">${escapeHtml(name)}</strong></p>` +
      `<p class="tw-small">Experimenter: open <a href="?new">this page with ?new</a> for the next participant.</p>`,
  );
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return `${value.toLocaleString("en")} second${value === 1 ? "" : "s"}`;
}

function keyHint(info: ExperimentInfo): string {
  return info.keys.length > 0 ? " or press the key shown on it" : "";
}

function instructions(info: ExperimentInfo) {
  const p = info.protocol;
  return {
    type: InstructionsPlugin,
    show_clickable_nav: true,
    allow_backward: true,
    button_label_next: "Next",
    button_label_previous: "Back",
    pages: [
      `<div class="tw-message"><h1>Object recognition</h1><p>You will see many images, each for a fraction of a second, followed by a noise pattern.</p>` +
        `<p>After each image, choose what it showed among ${info.categories.length} categories: click its button${keyHint(info)}.</p>` +
        `<p>You have ${seconds(p.responseMs)} to answer; if you are unsure, guess.</p></div>`,
      `<div class="tw-message"><p>Look at the small square in the middle of the screen before each image.</p>` +
        `<p>There are ${info.trialsPerParticipant} images in the main part${p.practiceTrials > 0 ? `, after a few practice images with feedback` : ""}.` +
        `${p.breakEvery > 0 && p.breakEvery < info.trialsPerParticipant ? ` You can take a break after every ${p.breakEvery} images.` : ""}</p>` +
        `<p>Your answers are saved as you go. If the page closes, open it again to continue.</p></div>`,
    ],
  };
}

function timeline(info: ExperimentInfo, state: ParticipantState, sender: TrialSender): unknown[] {
  const p = info.protocol;
  const icons = p.responseLayout === "icons" ? info.categories.map((c) => `/icons/${encodeURIComponent(c)}`) : [];
  const trial = (stimulus: string, seedIndex: number, feedbackCategory: string | null) => ({
    type: MaskedRecognitionPlugin,
    stimulus: `/stimuli/${encodeURIComponent(stimulus)}`,
    size_px: p.sizePx,
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
      images: [...practise.map((t) => t.stimulus), ...state.trials.slice(state.next), ...icons].map((s) => (s.startsWith("/") ? s : `/stimuli/${encodeURIComponent(s)}`)),
      message: "<p>Loading images…</p>",
      show_progress_bar: true,
    },
  ];
  if (practise.length > 0) {
    nodes.push(continueScreen(`<p>First, ${practise.length} practice images. After each you will see whether you were right.</p>`, "Start practice", p.fullscreen));
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
        ...trial(stimulus, index, null),
        on_finish: (data: { response: string; rt: number | null; response_source: "key" | "mouse" | null; stimulus_ms: number; mask_ms: number; frame_ms: number }) =>
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
      nodes.push(whileAccepted(continueScreen(`<p>Time for a short break: ${completed} of ${total} images done.</p><p>Continue when you are ready.</p>`, "Continue", p.fullscreen)));
    }
  }
  return nodes;
}

main().catch((error: unknown) => {
  page.phase = "error";
  page.error = error instanceof Error ? error.message : String(error);
  showMessage(`<p>Something went wrong: ${escapeHtml(page.error)}</p><p>Please tell the experimenter. Reloading the page continues where you stopped.</p>`);
});
