/**
 * The URL keeps the view state (its query string: ./state.ts), so a link reproduces what is on
 * the screen, including the section scrolled to (`view`), which the navigation sets.
 */
import { byId } from "./dom.ts";
import { session } from "./session.ts";
import { stateToQuery } from "./state.ts";

/** The page's sections, for the navigation and the URL's `view`. */
export const VIEWS: [string, string][] = [
  ["heatmap", "matrix"],
  ["pair", "pair"],
  ["scatter", "chance"],
  ["groups", "groups"],
  ["ranking", "ranking"],
  ["accuracy", "κ vs accuracy"],
  ["conditions", "conditions"],
  ["observers", "observers"],
];

/** Where {@link scrollToView} left the page (null: not yet), to tell whether the reader has scrolled since. */
let scrolledTo: number | null = null;

/** Writes the state into the URL (without a new history entry per click). */
export function saveUrl(): void {
  const query = stateToQuery(session.state);
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

/** Scrolls to a section and keeps it in the URL. */
export function goToView(id: string): void {
  session.change({ view: id });
  saveUrl();
  byId(`${id}-section`)?.scrollIntoView();
}

/** Scrolls to the view the state names, if any, and notes where that left the page. */
export function scrollToView(): void {
  if (!session.state.view) return;
  byId(`${session.state.view}-section`)?.scrollIntoView();
  scrolledTo = window.scrollY;
}

/** Scrolls to the view again (the page grew above or around it) unless the reader has scrolled since. */
export function scrollToViewAgain(): void {
  if (window.scrollY === scrolledTo) scrollToView();
}
