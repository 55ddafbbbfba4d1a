import sharp from "sharp";
import * as vega from "vega";
import { type TopLevelSpec, compile } from "vega-lite";
import { textWidth } from "../figures/labels.ts";

// Without node-canvas vega estimates text at 0.8 em per character, which leaves wide empty
// margins; DejaVu Sans (the font the PNGs are drawn with) averages about 0.6 em.
type TextItem = { fontSize?: number; fontWeight?: string | number; text?: unknown };
// vega's typings omit textMetrics, which its runtime exports for exactly this purpose.
(vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics.width = (item, text) => {
  return textWidth(String(text ?? item.text ?? ""), item.fontSize ?? 11, item.fontWeight === "bold");
};

/** Renders a Vega-Lite spec to standalone SVG text, headless (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG at `scale` times its size (2 = 144 dpi for a 72-dpi SVG). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
}
