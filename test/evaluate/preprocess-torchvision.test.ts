// trialwise's preprocessing equals torchvision's ImageNet evaluation (Resize(256) on a PIL image,
// CenterCrop(224), ToTensor, Normalize) on synthetic images of several sizes: upsampling,
// antialiased downsampling, portrait and landscape, and a crop offset of .5 rounded half to even.
// The reference values were printed by bench/torchvision-preprocess.py (torch 1.13.0,
// torchvision 0.14.1, Pillow 9.4 from Debian), which builds the same images.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  IMAGENET_INPUT,
  type RgbImage,
  centreCropOffsets,
  crop,
  preprocess,
  resizeBilinear,
  shorterSideSize,
} from "../../src/evaluate/preprocess.ts";

const TORCHVISION: Record<string, { sha256: string; samples: number[] }> = {
  "224x224": {
    sha256: "d41a1a295921c6dbb37da65cb67c8b7870c60456fb8eb4aeeb768c72b6099ce2",
    samples: [-0.4910523295402527, 0.5728292465209961, -0.1661001294851303, 0.9474270343780518],
  },
  "500x375": {
    sha256: "ee9af64d199a4f4cb7b761f914ea2ea84b41f25a590192a12b0f8c9841ce7a38",
    samples: [-1.0732940435409546, 0.2752102017402649, 0.25220051407814026, -0.26843056082725525],
  },
  "333x500": {
    sha256: "8d06bd62d405cc1e51846e91a92bc80f29848d4eb514540603fe87a101939005",
    samples: [0.3994349241256714, -1.0028010606765747, 0.21734212338924408, 0.6734309792518616],
  },
  "400x533": {
    sha256: "de8bfd448d0ba792996cd2b4f13bc601601757e714a8a3da770c2223a2e7bda3",
    samples: [0.33093592524528503, 0.8004202246665955, 0.4090632498264313, 0.6049319505691528],
  },
  "256x256": {
    sha256: "d73b7d6b43e11e0989c8559e01a0bb2d610235886083f426a0df66f0f225eece",
    samples: [-2.1179039478302, 0.20518219470977783, 1.4548150300979614, 1.1529240608215332],
  },
  "1024x683": {
    sha256: "141c63197b19ce2b06389533ac8e0e9e722bf2ee5807b86100ff481f05121678",
    samples: [-0.1999315470457077, 0.18767505884170532, 0.5136385560035706, 0.43368443846702576],
  },
};
/** Where the samples are: channel, row, column of the 3 x 224 x 224 tensor. */
const SAMPLE_AT = [
  [0, 0, 0],
  [1, 100, 37],
  [2, 223, 223],
  [0, 111, 200],
] as const;

/** The script's image: value = ((31 x + 17 y + 101 c) xor (x y)) mod 256. */
function synthetic(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = ((31 * x + 17 * y + 101 * c) ^ (x * y)) & 255;
    }
  }
  return { width, height, data };
}

for (const [size, expected] of Object.entries(TORCHVISION)) {
  test(`${size}: the 224x224 crop is byte for byte torchvision's; normalised values agree to float precision`, () => {
    const [width, height] = size.split("x").map(Number);
    const image = synthetic(width, height);
    const target = shorterSideSize(width, height, 256);
    const resized = resizeBilinear(image, target.width, target.height);
    const { left, top } = centreCropOffsets(resized.width, resized.height, 224, 224);
    const cropped = crop(resized, left, top, 224, 224);
    assert.equal(createHash("sha256").update(cropped.data).digest("hex"), expected.sha256);
    const tensor = preprocess(image, IMAGENET_INPUT);
    SAMPLE_AT.forEach(([c, y, x], k) =>
      assert.ok(Math.abs(tensor[c * 224 * 224 + y * 224 + x] - expected.samples[k]) < 1e-6, `sample ${k}`),
    );
  });
}
