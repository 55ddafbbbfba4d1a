/**
 * The instruction pages of the experiment, written from the design the participant will get
 * (not from the protocol's wishes): the practice trials the plan actually has (none when every
 * stimulus is in the main block), the main trials, the breaks. Isomorphic: the browser shows
 * them, tests read them.
 */

/** What the instructions describe; the server sends it as part of the public settings. */
export interface InstructionFacts {
  /** Number of response categories (the grid's buttons). */
  categories: number;
  /** Whether answers can be given by key as well as by click. */
  keys: boolean;
  responseMs: number;
  /** Main trials per participant (catch trials included). */
  mainTrials: number;
  /** Practice trials every new participant does (the plan's, possibly fewer than the protocol asked for). */
  practiceTrials: number;
  /** A break after every this many main trials (0: none). */
  breakEvery: number;
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return `${value.toLocaleString("en")} second${value === 1 ? "" : "s"}`;
}

function images(n: number): string {
  return `${n} image${n === 1 ? "" : "s"}`;
}

/** The instruction pages (HTML; no text from outside the server's settings). */
export function instructionPages(facts: InstructionFacts): string[] {
  const practice =
    facts.practiceTrials > 0
      ? ` First come ${facts.practiceTrials} practice ${facts.practiceTrials === 1 ? "image" : "images"} with feedback.`
      : "";
  const breaks =
    facts.breakEvery > 0 && facts.breakEvery < facts.mainTrials ? ` You can take a break after every ${images(facts.breakEvery)}.` : "";
  return [
    `<div class="tw-message"><h1>Object recognition</h1><p>You will see many images, each for a fraction of a second, followed by a noise pattern.</p>` +
      `<p>After each image, choose what it showed among ${facts.categories} categories: click its button${facts.keys ? " or press the key shown on it" : ""}.</p>` +
      `<p>You have ${seconds(facts.responseMs)} to answer; if you are unsure, guess.</p></div>`,
    `<div class="tw-message"><p>Look at the small square in the middle of the screen before each image.</p>` +
      `<p>There are ${images(facts.mainTrials)} in the main part.${practice}${breaks}</p>` +
      `<p>Your answers are saved as you go. If the page closes, open it again to continue.</p></div>`,
  ];
}
