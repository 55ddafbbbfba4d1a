/**
 * The kappa matrix drawn on a canvas, one pixel block per pair, for observer counts where a
 * Vega scene of n² marks would not stay interactive (1,000 observers: a million cells). Same
 * colour scale as the Vega heatmap and the report (KAPPA_COLOUR_SCALE of src/figures/style.ts over [−1, 1], grey where there is no
 * kappa); hover reports the pair under the pointer, click selects it.
 */
import { scheme } from "vega";
import type { PairMatrix } from "./compute.ts";
import { KAPPA_COLOUR_SCALE } from "../../figures/style.ts";
import { NO_KAPPA_GREY } from "./figures.ts";

export interface CanvasHeatmap {
  element: HTMLCanvasElement;
  /** The pair (matrix indices) at a point of the canvas, in CSS pixels, or null. */
  pairAt(x: number, y: number): [number, number] | null;
  /**
   * A point inside the cell of observers i and j, in whole CSS pixels of the viewport (where
   * pointer events land), given the canvas's position there.
   */
  cellPoint(i: number, j: number, left: number, top: number): [number, number];
  /** Side of the canvas in CSS pixels. */
  side: number;
  /** Outlines the cell of a pair (matrix indices), or nothing. */
  select(pair: [number, number] | null): void;
  toPng(): string;
}

const NO_KAPPA = rgb(NO_KAPPA_GREY);

function rgb(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) return [0, 2, 4].map((k) => parseInt(hex[1].slice(k, k + 2), 16)) as [number, number, number];
  const parts = css.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0];
  return [parts[0], parts[1], parts[2]];
}

/**
 * Draws the matrix in `order` (indices into the matrix) about `target` CSS pixels square:
 * cells are whole pixels, at least one, so that every cell can be hovered (1,000 observers take
 * 1,000 pixels).
 */
export function drawCanvasHeatmap(matrix: Pick<PairMatrix, "size" | "kappa">, order: readonly number[], target: number): CanvasHeatmap {
  const n = order.length;
  const cell = Math.max(1, Math.floor(target / n));
  const side = cell * n;
  const canvas = document.createElement("canvas");
  const image = Math.max(n, Math.min(2048, Math.ceil(side * (globalThis.devicePixelRatio || 1))));
  canvas.width = image;
  canvas.height = image;
  canvas.style.width = `${side}px`;
  canvas.style.height = `${side}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `kappa matrix of ${n} observers`);
  const context = canvas.getContext("2d")!;
  // A lookup table of 256 colours over [−1, 1] avoids a colour interpolation per cell; a
  // reversed scheme runs from its end (as Vega's `reverse` on the scale).
  const interpolate = scheme(KAPPA_COLOUR_SCALE.scheme) as (t: number) => string;
  const table = Array.from({ length: 256 }, (_, k) => rgb(interpolate(KAPPA_COLOUR_SCALE.reverse ? 1 - k / 255 : k / 255)));
  const pixels = context.createImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const k = matrix.kappa[order[r] * matrix.size + order[c]];
      const colour = Number.isNaN(k) ? NO_KAPPA : table[Math.max(0, Math.min(255, Math.round(((k + 1) / 2) * 255)))];
      const p = (r * n + c) * 4;
      pixels.data[p] = colour[0];
      pixels.data[p + 1] = colour[1];
      pixels.data[p + 2] = colour[2];
      pixels.data[p + 3] = 255;
    }
  }
  // Draw the n x n pixels once, then scale them up without smoothing.
  const source = document.createElement("canvas");
  source.width = n;
  source.height = n;
  source.getContext("2d")!.putImageData(pixels, 0, 0);
  context.imageSmoothingEnabled = false;
  const paint = () => context.drawImage(source, 0, 0, image, image);
  paint();
  const position = new Map(order.map((i, k) => [i, k]));
  return {
    element: canvas,
    pairAt(x, y) {
      const r = Math.floor(y / cell);
      const c = Math.floor(x / cell);
      return r >= 0 && c >= 0 && r < n && c < n ? [order[r], order[c]] : null;
    },
    cellPoint(i, j, left, top) {
      // The first whole pixel at or after the cell's start (plus half the cell's whole pixels)
      // lies inside it, since cells are at least one pixel wide.
      const inside = (start: number, k: number) => Math.ceil(start + k * cell) + Math.floor((cell - 1) / 2);
      return [inside(left, position.get(j)!), inside(top, position.get(i)!)];
    },
    side,
    select(pair) {
      paint();
      if (!pair) return;
      const scale = image / n;
      context.strokeStyle = "#111";
      context.lineWidth = Math.max(2, scale / 4);
      for (const [r, c] of [
        [position.get(pair[0])!, position.get(pair[1])!],
        [position.get(pair[1])!, position.get(pair[0])!],
      ]) {
        context.strokeRect(c * scale - 1, r * scale - 1, scale + 2, scale + 2);
      }
    },
    toPng: () => canvas.toDataURL("image/png"),
  };
}
