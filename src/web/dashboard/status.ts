/**
 * What the page says about itself: the status line, the error box, and whether an update is
 * in progress (tests and tools wait for none: ./exposed.ts).
 */
import { byId, h } from "./dom.ts";

/** Updates in progress. */
let running = 0;
/** No update in progress (false until the first has finished). */
let ready = false;
let lastError: string | null = null;

export function setStatus(text: string): void {
  byId("status").textContent = text;
}

/** Shows an error above the views until dismissed. */
export function showError(message: string): void {
  lastError = message;
  const box = byId("error");
  box.replaceChildren(
    h("strong", {}, "Error: "),
    h("span", { id: "error-text" }, message),
    h("button", { type: "button", class: "close", "aria-label": "dismiss", onclick: () => (box.hidden = true) }, "×"),
  );
  box.hidden = false;
}

/** The last error shown, if any. */
export function latestError(): string | null {
  return lastError;
}

/** Whether no update is in progress: every view shows the current state, except possibly the ranking. */
export function isReady(): boolean {
  return ready;
}

/**
 * Runs one update of the page with {@link isReady} false meanwhile (set at once, so tools
 * timing a click see it), reporting failures: the page stays usable after one, and tests
 * waiting for it see the error instead.
 */
export async function tracked(work: () => Promise<void>): Promise<void> {
  running++;
  ready = false;
  try {
    await work();
  } catch (error) {
    showError((error as Error).message);
  } finally {
    ready = --running === 0;
  }
}
