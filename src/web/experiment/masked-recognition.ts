/**
 * jsPsych plugin for one masked object-recognition trial, timed by display frames:
 * blank, fixation square, stimulus, 1/f noise mask, then a response grid of the categories
 * (buttons with names or icons; keys too) until an answer or the response window ends.
 *
 * Timing: every screen change is made in a requestAnimationFrame callback, on the frame whose
 * timestamp is nearest the target (the first frame at or after target - half a frame), so a
 * duration is a whole number of frames. The measured duration of a screen is the difference of
 * the frame timestamps that drew it and the next screen; a change drawn in a callback appears
 * on the next display refresh, the same delay for both ends, so it cancels. Response times run
 * from the frame that drew the response grid to the event's timestamp (the same clock).
 */
import { type JsPsych, type JsPsychPlugin, ParameterType, type TrialType } from "jspsych";
import { pinkNoise } from "../../experiment/noise.ts";

const info = <const>{
  name: "masked-recognition",
  parameters: {
    /** Image URL (preloaded). */
    stimulus: { type: ParameterType.IMAGE, default: undefined },
    /** Side of stimulus and mask in CSS pixels. */
    size_px: { type: ParameterType.INT, default: 224 },
    blank_ms: { type: ParameterType.FLOAT, default: 300 },
    fixation_ms: { type: ParameterType.FLOAT, default: 300 },
    stimulus_ms: { type: ParameterType.FLOAT, default: 200 },
    mask_ms: { type: ParameterType.FLOAT, default: 200 },
    response_ms: { type: ParameterType.FLOAT, default: 1500 },
    /** Seed of this trial's pink-noise mask. */
    mask_seed: { type: ParameterType.INT, default: 0 },
    /** Categories in grid order. */
    categories: { type: ParameterType.STRING, array: true, default: undefined },
    /** One key per category (lower case), or none. */
    keys: { type: ParameterType.STRING, array: true, default: [] },
    /** Icon URL per category (grid order), or none for labelled buttons. */
    icons: { type: ParameterType.STRING, array: true, default: [] },
    /** The true category, for feedback (practice); null for none. */
    feedback_category: { type: ParameterType.STRING, default: null },
    feedback_ms: { type: ParameterType.FLOAT, default: 1000 },
    /** An attention check: this text (the category to choose) is shown instead of the image; null for an image trial. */
    catch_text: { type: ParameterType.STRING, default: null },
    /** Progress line above the stage ("Image 3 of 160"); null for none. */
    progress: { type: ParameterType.STRING, default: null },
  },
  data: {
    /** The chosen category, or "na" when the response window ended without an answer. */
    response: { type: ParameterType.STRING },
    /** Response time in ms from the response grid's frame; null for "na". */
    rt: { type: ParameterType.FLOAT },
    /** Measured stimulus and mask durations and the display's frame interval (median), ms. */
    stimulus_ms: { type: ParameterType.FLOAT },
    mask_ms: { type: ParameterType.FLOAT },
    frame_ms: { type: ParameterType.FLOAT },
    /** "key" or "mouse" (null for "na"). */
    response_source: { type: ParameterType.STRING },
  },
};

type Info = typeof info;

/** Frame interval assumed until frames have been measured (60 Hz). */
const ASSUMED_FRAME_MS = 1000 / 60;

type Phase = "blank" | "fixation" | "stimulus" | "mask" | "response";

class MaskedRecognitionPlugin implements JsPsychPlugin<Info> {
  static info = info;

  constructor(private readonly jsPsych: JsPsych) {}

  trial(display: HTMLElement, parameters: TrialType<Info>): void {
    // jsPsych has filled in the default of every parameter not given.
    const trial = parameters as Required<TrialType<Info>>;
    const size = trial.size_px;
    display.innerHTML = "";
    const stage = element("div", "tw-stage");
    stage.style.width = stage.style.height = `${size}px`;
    const fixation = element("div", "tw-fixation");
    let image: HTMLElement;
    if (trial.catch_text === null) {
      const picture = element("img", "tw-stimulus") as HTMLImageElement;
      picture.src = trial.stimulus;
      picture.width = picture.height = size;
      picture.alt = "";
      image = picture;
    } else {
      image = element("div", "tw-stimulus tw-catch");
      image.textContent = trial.catch_text;
    }
    const mask = element("canvas", "tw-mask") as HTMLCanvasElement;
    mask.width = mask.height = size;
    drawNoise(mask, trial.mask_seed);
    const grid = responseGrid(trial);
    for (const part of [fixation, image, mask]) part.hidden = true;
    stage.append(fixation, image, mask);
    display.append(stage, grid.root);
    if (trial.progress !== null) {
      const progress = element("div", "tw-progress");
      progress.textContent = trial.progress;
      display.append(progress);
    }

    const show = (part: HTMLElement | null) => {
      for (const p of [fixation, image, mask]) p.hidden = p !== part;
      // The grid replaces the stage, so that it, too, is centred where the stimulus was.
      stage.hidden = part === null || part === grid.root;
      grid.root.hidden = part !== grid.root;
    };
    show(null);

    const targets: Record<Exclude<Phase, "response">, number> = {
      blank: trial.blank_ms,
      fixation: trial.fixation_ms,
      stimulus: trial.stimulus_ms,
      mask: trial.mask_ms,
    };
    const next: Record<Exclude<Phase, "response">, Phase> = { blank: "fixation", fixation: "stimulus", stimulus: "mask", mask: "response" };
    const frames: number[] = [];
    const onsets: Partial<Record<Phase, number>> = {};
    let phase: Phase = "blank";
    let responseTimer = 0;
    let answered = false;

    const frameMs = () => {
      const deltas = frames.slice(1).map((t, i) => t - frames[i]);
      if (deltas.length < 3) return ASSUMED_FRAME_MS;
      return deltas.sort((a, b) => a - b)[Math.floor(deltas.length / 2)];
    };

    const onFrame = (time: number) => {
      frames.push(time);
      if (onsets.blank === undefined) onsets.blank = time;
      // Skip screens whose duration is 0 and move on as long as the current one is due.
      while (phase !== "response" && time - onsets[phase]! >= targets[phase as Exclude<Phase, "response">] - frameMs() / 2) {
        phase = next[phase as Exclude<Phase, "response">];
        onsets[phase] = time;
        show(phase === "fixation" ? fixation : phase === "stimulus" ? image : phase === "mask" ? mask : grid.root);
      }
      if (phase === "response") {
        grid.enable(respond);
        responseTimer = window.setTimeout(() => respond(null, null, performance.now()), trial.response_ms);
        return;
      }
      requestAnimationFrame(onFrame);
    };

    const respond = (choice: string | null, source: "key" | "mouse" | null, at: number) => {
      // An event stamped before the grid's frame was a press made before the grid was shown.
      if (answered || (choice !== null && at <= onsets.response!)) return;
      answered = true;
      window.clearTimeout(responseTimer);
      grid.disable();
      const data = {
        response: choice ?? "na",
        rt: choice === null ? null : at - onsets.response!,
        stimulus_ms: onsets.mask! - onsets.stimulus!,
        mask_ms: onsets.response! - onsets.mask!,
        frame_ms: frameMs(),
        response_source: source,
      };
      if (trial.feedback_category === null) return this.finish(display, data);
      show(null);
      const feedback = element("div", "tw-feedback");
      const correct = choice === trial.feedback_category;
      feedback.classList.add(correct ? "tw-correct" : "tw-wrong");
      feedback.textContent = correct
        ? "Correct"
        : `${choice === null ? "Too slow" : "Wrong"}: it was ${article(trial.feedback_category)} ${trial.feedback_category}`;
      display.append(feedback);
      window.setTimeout(() => this.finish(display, data), trial.feedback_ms);
    };

    // Decode the image first, so that its first frame does not wait for decoding.
    const decoded = image instanceof HTMLImageElement ? image.decode().catch(() => undefined) : Promise.resolve();
    void decoded.then(() => requestAnimationFrame(onFrame));
  }

  private finish(display: HTMLElement, data: Record<string, unknown>): void {
    display.innerHTML = "";
    this.jsPsych.finishTrial(data);
  }
}

function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** Draws the trial's pink-noise mask (greyscale) on the canvas. */
function drawNoise(canvas: HTMLCanvasElement, seed: number): void {
  const context = canvas.getContext("2d");
  if (!context) return;
  const side = canvas.width;
  const grey = pinkNoise(side, seed);
  const pixels = context.createImageData(side, side);
  for (let i = 0; i < grey.length; i++) {
    pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = grey[i];
    pixels.data[4 * i + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
}

type Respond = (choice: string, source: "key" | "mouse", at: number) => void;

/** The response grid: ceil(sqrt(n)) columns (4 x 4 for 16), a button per category with its key. */
function responseGrid(trial: Required<TrialType<Info>>): { root: HTMLElement; enable(respond: Respond): void; disable(): void } {
  const root = element("div", "tw-response-grid");
  root.style.gridTemplateColumns = `repeat(${Math.ceil(Math.sqrt(trial.categories.length))}, 1fr)`;
  const buttons = trial.categories.map((category, i) => {
    const button = element("button", "tw-choice") as HTMLButtonElement;
    button.type = "button";
    button.dataset.category = category;
    button.disabled = true;
    if (trial.icons.length > 0) {
      const icon = element("img", "tw-icon") as HTMLImageElement;
      icon.src = trial.icons[i];
      icon.alt = category;
      button.append(icon);
    } else {
      button.append(element("span", "tw-label"));
      button.lastElementChild!.textContent = category;
    }
    if (trial.keys.length > 0) {
      const key = element("span", "tw-key");
      key.textContent = trial.keys[i];
      button.append(key);
    }
    root.append(button);
    return button;
  });
  let cleanup = () => undefined as void;
  return {
    root,
    enable(respond) {
      const onKey = (event: KeyboardEvent) => {
        const index = trial.keys.indexOf(event.key.toLowerCase());
        if (index >= 0 && !event.repeat) respond(trial.categories[index], "key", event.timeStamp);
      };
      const onClick = (event: MouseEvent) => {
        const button = (event.target as HTMLElement).closest<HTMLButtonElement>(".tw-choice");
        if (button?.dataset.category) respond(button.dataset.category, "mouse", event.timeStamp);
      };
      for (const b of buttons) b.disabled = false;
      document.addEventListener("keydown", onKey);
      root.addEventListener("click", onClick);
      cleanup = () => {
        document.removeEventListener("keydown", onKey);
        root.removeEventListener("click", onClick);
      };
    },
    disable() {
      for (const b of buttons) b.disabled = true;
      cleanup();
    },
  };
}

export default MaskedRecognitionPlugin;
