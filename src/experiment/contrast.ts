/**
 * Contrast of text against its background, as WCAG 2 defines it, so that the experiment's
 * colours can be checked (feedback must be readable in the 200 ms-paced practice). Isomorphic.
 */

/** An sRGB colour as `#rgb` or `#rrggbb`; channels 0..255. */
export function parseHexColour(colour: string): [number, number, number] {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!match) throw new RangeError(`${JSON.stringify(colour)} is not a colour; expected #rgb or #rrggbb`);
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join("") : match[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/**
 * Relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised channels
 * (c / 255 at or below 0.04045 divided by 12.92, else ((c / 255 + 0.055) / 1.055)^2.4).
 */
export function relativeLuminance(colour: string): number {
  const [r, g, b] = parseHexColour(colour).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Contrast ratio (L_lighter + 0.05) / (L_darker + 0.05), from 1 (same colour) to 21 (black on
 * white); WCAG AA asks at least 4.5 for normal text.
 * @example contrastRatio("#000000", "#ffffff") // => 21
 */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** Minimum contrast ratio of normal text (WCAG 2, level AA). */
export const MIN_TEXT_CONTRAST = 4.5;
