/**
 * Text sizes and label placement for figures drawn without a browser. Vega lays text out with
 * an estimate of its width (src/report/render.ts installs this one); figure builders use the
 * same estimate to keep labels off each other and off the axes.
 */

/** Estimated width in pixels of `text` in DejaVu Sans: about 0.62 em per character (0.68 bold). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  return Math.ceil(text.length * fontSize * (bold ? 0.68 : 0.62));
}

export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedLabel {
  /** Offset of the text's anchor from its point, in pixels. */
  dx: number;
  dy: number;
  align: "left" | "right" | "center";
  baseline: "bottom" | "top" | "middle";
}

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The box a label occupies when placed at (px, py) with `place`. */
function boxOf(px: number, py: number, width: number, height: number, place: PlacedLabel): LabelBox {
  const x = place.align === "left" ? px + place.dx : place.align === "right" ? px + place.dx - width : px + place.dx - width / 2;
  const y = place.baseline === "bottom" ? py + place.dy - height : place.baseline === "top" ? py + place.dy : py + place.dy - height / 2;
  return { x, y, width, height };
}

/**
 * Places one label per point (pixel coordinates, y down) so that no two labels overlap, no label
 * covers another point's marker or an obstacle (error bars), and every label stays inside the
 * plot [0, width] x [0, height].
 * Candidates are tried in order: right, left, above and below the point, then diagonals; the
 * first free one is taken (if none is free, the one with least overlap). Greedy, in the given
 * order, which is enough for the few labels of a figure.
 */
export function placeLabels(
  points: readonly { x: number; y: number; text: string }[],
  plot: { width: number; height: number },
  fontSize: number,
  markerRadius = 6,
  obstacles: readonly LabelBox[] = [],
): PlacedLabel[] {
  const gap = markerRadius + 3;
  const candidates: PlacedLabel[] = [
    { dx: gap, dy: 0, align: "left", baseline: "middle" },
    { dx: -gap, dy: 0, align: "right", baseline: "middle" },
    { dx: 0, dy: -gap, align: "center", baseline: "bottom" },
    { dx: 0, dy: gap, align: "center", baseline: "top" },
    { dx: gap - 2, dy: -gap + 2, align: "left", baseline: "bottom" },
    { dx: gap - 2, dy: gap - 2, align: "left", baseline: "top" },
    { dx: -gap + 2, dy: -gap + 2, align: "right", baseline: "bottom" },
    { dx: -gap + 2, dy: gap - 2, align: "right", baseline: "top" },
  ];
  const height = fontSize * 1.2;
  const markers = points.map((p) => ({ x: p.x - markerRadius, y: p.y - markerRadius, width: 2 * markerRadius, height: 2 * markerRadius }));
  const taken: LabelBox[] = [];
  return points.map((p, i) => {
    const width = textWidth(p.text, fontSize);
    let best = candidates[0];
    let bestCost = Infinity;
    for (const place of candidates) {
      const box = boxOf(p.x, p.y, width, height, place);
      let cost = 0;
      if (box.x < 0 || box.y < 0 || box.x + box.width > plot.width || box.y + box.height > plot.height) cost += 100;
      cost += 10 * taken.filter((t) => overlaps(t, box)).length;
      cost += markers.filter((m, j) => j !== i && overlaps(m, box)).length;
      cost += obstacles.filter((o) => overlaps(o, box)).length;
      if (cost < bestCost) {
        bestCost = cost;
        best = place;
      }
      if (cost === 0) break;
    }
    taken.push(boxOf(p.x, p.y, width, height, best));
    return best;
  });
}
