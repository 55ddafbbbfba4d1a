import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type RgbImage,
  centreCropOffsets,
  imagenetPreprocess,
  normalizeNchw,
  resampleWeights1d,
  resizeBilinear,
  roundHalfEven,
  shorterSideSize,
} from "../../src/evaluate/preprocess.ts";

/** A grey image (R = G = B) from rows of values. */
function grey(rows: number[][]): RgbImage {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Uint8Array(width * height * 3);
  rows.flat().forEach((v, p) => data.fill(v, p * 3, p * 3 + 3));
  return { width, height, data };
}
const channel = (image: RgbImage, c = 0) => Array.from({ length: image.width * image.height }, (_, p) => image.data[p * 3 + c]);

describe("torchvision-style preprocessing", () => {
  test("antialiased bilinear weights by hand: 4 -> 2 samples (scale 2: triangle of half-width 2)", () => {
    // Output 0 is centred at 1.0 and takes inputs 0..2 with triangle((x - 1 + 0.5) / 2):
    // 0.75, 0.75, 0.25, normalised 3/7, 3/7, 1/7; output 1 (centre 3.0): inputs 1..3, 1/7, 3/7, 3/7.
    const { start, count, weights } = resampleWeights1d(4, 2);
    assert.deepEqual([...start], [0, 1]);
    assert.deepEqual([...count], [3, 3]);
    const scale = 2 ** 22;
    assert.deepEqual([...weights[0]], [Math.round((3 / 7) * scale), Math.round((3 / 7) * scale), Math.round((1 / 7) * scale)]);
    // Pixels 0, 70, 140, 210: output 0 = 30 + 20 = 50; output 1 = 10 + 60 + 90 = 160.
    assert.deepEqual(channel(resizeBilinear(grey([[0, 70, 140, 210]]), 2, 1)), [50, 160]);
  });

  test("enlarging interpolates linearly (no widening): 2 -> 4 samples", () => {
    // Scale 0.5: output i centred at (i + 0.5) / 2; e.g. output 1 (centre 0.75) weights inputs
    // 0 and 1 by triangle(0 - 0.75 + 0.5) = 0.75 and triangle(1 - 0.75 + 0.5) = 0.25.
    assert.deepEqual(channel(resizeBilinear(grey([[0, 100]]), 4, 1)), [0, 25, 75, 100]);
  });

  test("a constant image stays constant at any size; vertical works like horizontal", () => {
    const flat = resizeBilinear(grey(Array.from({ length: 5 }, () => Array(7).fill(123))), 3, 11);
    assert.ok(channel(flat).every((v) => v === 123));
    assert.deepEqual(channel(resizeBilinear(grey([[0], [70], [140], [210]]), 1, 2)), [50, 160]);
  });

  test("shorter side to 256, longer floor(256 x long / short); centre crop offsets round half to even", () => {
    assert.deepEqual(shorterSideSize(500, 375, 256), { width: 341, height: 256 });
    assert.deepEqual(shorterSideSize(224, 224, 256), { width: 256, height: 256 });
    assert.deepEqual([roundHalfEven(16.5), roundHalfEven(17.5), roundHalfEven(2.4), roundHalfEven(2.6)], [16, 18, 2, 3]);
    assert.deepEqual(centreCropOffsets(341, 256, 224, 224), { left: 58, top: 16 });
    assert.deepEqual(centreCropOffsets(257, 259, 224, 224), { left: 16, top: 18 });
  });

  test("normalisation: (x / 255 - mean) / sd per channel, channel planes first (NCHW)", () => {
    const image: RgbImage = { width: 2, height: 1, data: Uint8Array.from([255, 0, 128, 0, 255, 64]) };
    const out = normalizeNchw(image);
    const expected = [
      (1 - 0.485) / 0.229,
      (0 - 0.485) / 0.229,
      (0 - 0.456) / 0.224,
      (1 - 0.456) / 0.224,
      (128 / 255 - 0.406) / 0.225,
      (64 / 255 - 0.406) / 0.225,
    ];
    expected.forEach((v, k) => assert.ok(Math.abs(out[k] - v) < 1e-6, `${k}: ${out[k]} vs ${v}`));
  });

  test("the whole pipeline gives a 3 x 224 x 224 tensor", () => {
    const image: RgbImage = { width: 300, height: 260, data: new Uint8Array(300 * 260 * 3).fill(255) };
    const tensor = imagenetPreprocess(image);
    assert.equal(tensor.length, 3 * 224 * 224);
    assert.ok(Math.abs(tensor[0] - (1 - 0.485) / 0.229) < 1e-6);
  });
});
