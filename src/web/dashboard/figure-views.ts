/**
 * The page's Vega figures by name: drawn into their element (a new view only where the spec's
 * shape changed, else its data replaced: ./vega-views.ts) with their exports registered
 * (./exports.ts), or cleared.
 */
import type { Result } from "vega-embed";
import type { TopLevelSpec } from "vega-lite";
import { dataUrlBlob } from "./dom.ts";
import { forgetFigure, registerFigure } from "./exports.ts";
import { VegaFigures } from "./vega-views.ts";

/** Above this many observers the heatmap is drawn on a canvas instead of as Vega marks, and the scatters on Vega's canvas instead of SVG. */
export const VEGA_HEATMAP_LIMIT = 80;

const vegaFigures = new VegaFigures();
/** The spec each figure was last drawn from, by name (for tests and tools: ./exposed.ts). */
const drawnSpecs = new Map<string, TopLevelSpec>();

/** The spec figure `name` was last drawn from; null when it is not drawn. */
export function figureSpec(name: string): TopLevelSpec | null {
  return drawnSpecs.get(name) ?? null;
}

/** Draws a figure and registers its exports. `created` runs once per new view, e.g. to listen to clicks. */
export async function vegaFigure(
  name: string,
  element: HTMLElement,
  spec: TopLevelSpec,
  renderer: "svg" | "canvas" = "svg",
  created: (result: Result) => void = () => undefined,
): Promise<Result> {
  const result = await vegaFigures.draw(name, element, spec, renderer, created);
  drawnSpecs.set(name, spec);
  registerFigure(name, { svg: () => result.view.toSVG(), png: async () => dataUrlBlob(await result.view.toImageURL("png", 2)) });
  return result;
}

/** Removes a figure (its view ended, its exports gone), leaving `children` in its place. */
export function clearFigure(name: string, element: HTMLElement, ...children: (Node | string)[]): void {
  vegaFigures.remove(name);
  drawnSpecs.delete(name);
  forgetFigure(name);
  element.replaceChildren(...children);
}
