// The instructions describe the design the participant gets: practice only when the plan has
// practice trials (the default protocol asks for 10, a set used up by the main block has none).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type InstructionFacts, instructionPages } from "../../src/experiment/instructions.ts";

const facts: InstructionFacts = { categories: 16, keys: true, responseMs: 1500, mainTrials: 160, practiceTrials: 0, breakEvery: 256 };
const text = (f: InstructionFacts) =>
  instructionPages(f)
    .join("\n")
    .replace(/<[^>]+>/g, " ");

test("without practice trials the instructions promise no practice", () => {
  const pages = text(facts);
  assert.doesNotMatch(pages, /practi/i);
  assert.match(pages, /There are 160 images in the main part\. /);
  assert.doesNotMatch(pages, /break/, "no break within 160 trials when breaks come every 256");
  assert.match(pages, /among 16 categories: click its button or press the key shown on it\./);
  assert.match(pages, /You have 1\.5 seconds to answer/);
});

test("practice, breaks and the answer keys are described as the design has them", () => {
  assert.match(
    text({ ...facts, practiceTrials: 4 }),
    /There are 160 images in the main part\. First come 4 practice images with feedback\./,
  );
  assert.match(text({ ...facts, practiceTrials: 1 }), /First come 1 practice image with feedback\./);
  assert.match(text({ ...facts, breakEvery: 40 }), /You can take a break after every 40 images\./);
  assert.match(text({ ...facts, keys: false }), /click its button\./);
});
