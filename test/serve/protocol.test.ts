// The dashboard's payload encodings (src/serve/protocol.ts): words as base64, exactly as
// Node's Buffer writes it, and back; score rows through encodeScores / decodeScores with every
// probability bit for bit.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TrialScores } from "../../src/core/probability-table.ts";
import { type DatasetPayload, decodeScores, decodeWords, encodeScores, encodeWords } from "../../src/serve/protocol.ts";
import { seededRandom } from "../helpers.ts";

test("encodeWords is standard base64 (Buffer's) for every remainder of the byte count by 3, and decodeWords inverts it", () => {
  const random = seededRandom(7);
  // 0 to 40 words: byte counts 0, 4, 8, ... cover remainders 0, 1 and 2 (no padding, "==", "=").
  for (let n = 0; n <= 40; n++) {
    const words = Uint32Array.from({ length: n }, () => Math.floor(random() * 2 ** 32));
    const text = encodeWords(words);
    assert.equal(text, Buffer.from(words.buffer).toString("base64"), `${n} words`);
    assert.deepEqual(decodeWords(text), words);
  }
  // A view into a larger buffer encodes its own bytes only.
  const whole = Uint32Array.from([1, 2, 3, 0xffffffff, 5]);
  assert.equal(encodeWords(whole.subarray(1, 4)), Buffer.from(whole.buffer, 4, 12).toString("base64"));
});

test("score rows travel whole: observers, stimuli, categories (several lists) and every probability bit for bit", () => {
  const at = { file: "scores.csv", line: 2 };
  const rows: TrialScores[] = [
    {
      observer: "resnet50",
      stimulus: "cat1.png",
      category: "cat",
      categories: ["cat", "dog"],
      probabilities: [0.1 + 0.2, 1 - (0.1 + 0.2)],
      at,
    },
    {
      observer: "alexnet",
      stimulus: "dog1.png",
      category: "dog",
      categories: ["cat", "dog", "owl"],
      probabilities: [5e-324, 1e-300, 1 - 1e-300],
      at,
    },
    { observer: "resnet50", stimulus: "dog1.png", category: "dog", categories: ["cat", "dog"], probabilities: [1 / 3, 2 / 3], at },
  ];
  const observers = ["alexnet", "resnet50", "subject-01"];
  const encoded = encodeScores(rows, observers);
  assert.deepEqual(encoded.categorySets, [
    ["cat", "dog"],
    ["cat", "dog", "owl"],
  ]);
  const payload = { name: "d", observerInfo: observers.map((name) => ({ name })) } as DatasetPayload;
  const decoded = decodeScores(payload, JSON.parse(JSON.stringify(encoded)));
  assert.deepEqual(
    decoded.map((r) => [r.observer, r.stimulus, r.category, r.categories, r.probabilities]),
    rows.map((r) => [r.observer, r.stimulus, r.category, r.categories, r.probabilities]),
  );
  assert.ok(decoded.every((r, k) => r.probabilities.every((p, o) => Object.is(p, rows[k].probabilities[o]))));
  assert.deepEqual(decoded[1].at, { file: "d scores", line: 2 });
});
