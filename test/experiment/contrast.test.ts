// Text in the experiment is readable: every text colour of experiment.css against the background
// it is drawn on has a contrast ratio of at least 4.5:1 (WCAG AA), the practice feedback included.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MIN_TEXT_CONTRAST, contrastRatio, relativeLuminance } from "../../src/experiment/contrast.ts";
import { DEFAULT_PROTOCOL } from "../../src/experiment/protocol.ts";
import { REPO } from "../helpers.ts";

test("contrast ratios as WCAG 2 defines them", () => {
  assert.equal(contrastRatio("#000", "#fff"), 21);
  assert.equal(contrastRatio("#808080", "#808080"), 1);
  assert.ok(Math.abs(relativeLuminance("#808080") - 0.2158605) < 1e-6);
  // The old practice feedback: dark red on mid-grey.
  assert.ok(Math.abs(contrastRatio("#990000", "#808080") - 2.26) < 0.01);
  assert.throws(() => contrastRatio("red", "#fff"), /"red" is not a colour/);
});

/** `selector -> { color, background }` of experiment.css's rules (hex colours only). */
function cssColours(): Map<string, { color?: string; background?: string }> {
  const css = readFileSync(join(REPO, "src/web/experiment/experiment.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const rules = new Map<string, { color?: string; background?: string }>();
  for (const [, selectors, body] of css.matchAll(/([^{}]+)\{([^}]*)\}/g)) {
    const color = /(?:^|;)\s*color:\s*(#[0-9a-f]+)/i.exec(body)?.[1];
    const background = /(?:^|;)\s*background(?:-color)?:\s*(#[0-9a-f]+)/i.exec(body)?.[1];
    for (const selector of selectors.split(",").map((s) => s.trim()))
      rules.set(selector, { ...rules.get(selector), ...(color && { color }), ...(background && { background }) });
  }
  return rules;
}

test("every text colour of the experiment page has a contrast of at least 4.5:1 on its background", () => {
  const rules = cssColours();
  const colour = (selector: string, what: "color" | "background") => {
    const value = rules.get(selector)?.[what];
    assert.ok(value, `experiment.css sets ${what} of ${selector}`);
    return value;
  };
  const page = DEFAULT_PROTOCOL.background;
  const pairs: [string, string, string][] = [
    ["text on the page", colour(".jspsych-display-element", "color"), page],
    ["small text on the page", colour(".tw-small", "color"), page],
    ["progress text on the page", colour(".tw-progress", "color"), page],
    ["button labels", colour(".tw-choice", "color"), colour(".tw-choice", "background")],
    ["key hints on buttons", colour(".tw-key", "color"), colour(".tw-choice", "background")],
    ["correct feedback", colour(".tw-correct", "color"), colour(".tw-feedback", "background")],
    ["wrong feedback", colour(".tw-wrong", "color"), colour(".tw-feedback", "background")],
  ];
  for (const [what, text, background] of pairs) {
    const ratio = contrastRatio(text, background);
    assert.ok(
      ratio >= MIN_TEXT_CONTRAST,
      `${what}: ${text} on ${background} has contrast ${ratio.toFixed(2)}:1, below ${MIN_TEXT_CONTRAST}:1`,
    );
  }
});
