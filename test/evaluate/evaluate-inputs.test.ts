// `trialwise evaluate` and `merge` on inputs that used to give silently wrong files: models with
// non-finite outputs or a fixed batch size, stimulus folders with stray entries or colliding
// stimulus ids, shards of different models. Small ONNX models built here whose outputs are known
// by construction: each channel's mean of the preprocessed image, optionally square-rooted.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import onnxProto from "onnx-proto";
import sharp from "sharp";
import { loadDatasets } from "../../src/io/datasets.ts";
import { cli } from "../helpers.ts";

/** The categories of the test stimuli, in the order of the models' three outputs (R, G, B). */
const CATEGORIES = ["airplane", "bear", "bicycle"];
const IDENTITY = ["--identity", CATEGORIES.join(",")];

/**
 * An ONNX model whose three outputs are the channel means of the NCHW 224 x 224 input: the
 * decision is the image's dominant colour (red: airplane, green: bear, blue: bicycle). `batch`
 * fixes the input's first dimension (default: free); `sqrt` takes the square root of each mean,
 * NaN for a dark channel (negative after ImageNet normalisation).
 */
function channelMeansModel(options: { batch?: number; sqrt?: boolean } = {}): Uint8Array {
  const { onnx } = onnxProto;
  const first = options.batch === undefined ? { dimParam: "N" } : { dimValue: options.batch };
  const means = {
    opType: "ReduceMean",
    input: ["image"],
    output: [options.sqrt ? "means" : "scores"],
    attribute: [
      { name: "axes", type: 7, ints: [2, 3] },
      { name: "keepdims", type: 2, i: 0 },
    ],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "channel-means",
      input: [
        {
          name: "image",
          type: { tensorType: { elemType: 1, shape: { dim: [first, { dimValue: 3 }, { dimValue: 224 }, { dimValue: 224 }] } } },
        },
      ],
      output: [{ name: "scores", type: { tensorType: { elemType: 1, shape: { dim: [first, { dimValue: 3 }] } } } }],
      node: options.sqrt ? [means, { opType: "Sqrt", input: ["means"], output: ["scores"] }] : [means],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const COLOURS = {
  red: { r: 255, g: 0, b: 0 },
  green: { r: 0, g: 255, b: 0 },
  blue: { r: 0, g: 0, b: 255 },
  white: { r: 255, g: 255, b: 255 },
  black: { r: 0, g: 0, b: 0 },
};

/** A 16 x 16 PNG of one colour. */
async function writeImage(path: string, colour: keyof typeof COLOURS): Promise<void> {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: COLOURS[colour] } })
    .png()
    .toFile(path);
}

/** A stimulus folder: `images` maps "category/file.png" to its colour. */
async function stimulusFolder(folder: string, images: Record<string, keyof typeof COLOURS>): Promise<string> {
  for (const [path, colour] of Object.entries(images)) {
    await mkdir(join(folder, path, ".."), { recursive: true });
    await writeImage(join(folder, path), colour);
  }
  return folder;
}

/** The error line the CLI ends with (after any progress lines). */
function errorLine(stderr: string): string {
  return `${stderr.trimEnd().split("\n").at(-1)}\n`;
}

let dir: string;
let model: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trialwise-evaluate-inputs-"));
  model = join(dir, "means.onnx");
  await writeFile(model, channelMeansModel());
});
after(async () => rm(dir, { recursive: true, force: true }));

describe("models with outputs that are not finite", () => {
  test("NaN outputs are an error naming the first images and how many; nothing is written", async () => {
    const sqrt = join(dir, "sqrt.onnx");
    await writeFile(sqrt, channelMeansModel({ sqrt: true }));
    const images: Record<string, keyof typeof COLOURS> = { "bear/white1.png": "white" };
    for (let k = 1; k <= 7; k++) images[`airplane/black${k}.png`] = "black";
    const folder = await stimulusFolder(join(dir, "dark"), images);
    const output = join(dir, "dark.csv");
    const run = await cli("evaluate", sqrt, folder, ...IDENTITY, "--batch", "3", "-o", output);
    assert.equal(run.code, 1, run.stderr);
    const first = [1, 2, 3, 4, 5].map((k) => join(folder, "airplane", `black${k}.png`)).join(", ");
    assert.equal(
      errorLine(run.stderr),
      `trialwise: error: ${sqrt}: the model's outputs are not finite (NaN or infinite) for 7 of 8 images: ${first} and 2 more; expected finite scores for every image\n`,
    );
    assert.ok(!(await readdir(dir)).includes("dark.csv"), "no trials file");
    // The same model on the white image alone gives finite outputs: a trial.
    const white = await stimulusFolder(join(dir, "white"), { "bear/white1.png": "white" });
    const fine = await cli("evaluate", sqrt, white, ...IDENTITY, "-o", join(dir, "white.csv"));
    assert.equal(fine.code, 0, fine.stderr);
  });
});

describe("models with a fixed batch size", () => {
  test("a batch-1 model with the default batch: the error names the fixed size and suggests --batch 1; with it, the run works", async () => {
    const fixed = join(dir, "fixed-1.onnx");
    await writeFile(fixed, channelMeansModel({ batch: 1 }));
    const folder = await stimulusFolder(join(dir, "colours"), {
      "airplane/red1.png": "red",
      "bear/green1.png": "green",
      "bicycle/blue1.png": "blue",
    });
    const run = await cli("evaluate", fixed, folder, ...IDENTITY, "-o", join(dir, "fixed.csv"));
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      errorLine(run.stderr),
      `trialwise: error: ${fixed}: the model takes batches of exactly 1 image (input "image" is 1x3x224x224), not 16; run with --batch 1\n`,
    );
    const output = join(dir, "fixed-1.csv");
    const ok = await cli("evaluate", fixed, folder, ...IDENTITY, "--batch", "1", "-o", output);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual([...(await loadDatasets(output)).datasets[0].response], CATEGORIES);
  });

  test("a batch-2 model on three images: the last, short batch is padded and each image gets its own decision", async () => {
    const fixed = join(dir, "fixed-2.onnx");
    await writeFile(fixed, channelMeansModel({ batch: 2 }));
    const folder = await stimulusFolder(join(dir, "colours-3"), {
      "airplane/blue1.png": "blue",
      "bear/green1.png": "green",
      "bicycle/red1.png": "red",
    });
    const wrong = await cli("evaluate", fixed, folder, ...IDENTITY, "--batch", "3", "-o", join(dir, "x.csv"));
    assert.equal(wrong.code, 1);
    assert.match(
      errorLine(wrong.stderr),
      /the model takes batches of exactly 2 images \(input "image" is 2x3x224x224\), not 3; run with --batch 2\n$/,
    );
    const output = join(dir, "fixed-2.csv");
    const run = await cli("evaluate", fixed, folder, ...IDENTITY, "--batch", "2", "-o", output);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([...(await loadDatasets(output)).datasets[0].response], ["bicycle", "bear", "airplane"]);
  });
});

describe("merge", () => {
  test("shards of different models are an error naming the files and the models; nothing is written", async () => {
    const folder = await stimulusFolder(join(dir, "merge-stimuli"), {
      "airplane/red1.png": "red",
      "bear/green1.png": "green",
      "bicycle/blue1.png": "blue",
    });
    const shards = [join(dir, "shard-1.csv"), join(dir, "shard-2.csv"), join(dir, "shard-3.csv")];
    for (const [k, name] of [
      [1, "alexnet"],
      [2, "resnet50"],
      [3, "alexnet"],
    ] as const) {
      const run = await cli("evaluate", model, folder, ...IDENTITY, "--name", name, "--shard", `${k}/3`, "-o", shards[k - 1]);
      assert.equal(run.code, 0, run.stderr);
    }
    const output = join(dir, "merged.csv");
    const merged = await cli("merge", ...shards, "-o", output);
    assert.equal(merged.code, 1, merged.stderr);
    assert.equal(
      merged.stderr,
      `trialwise: error: the shards hold the trials of different observers: "alexnet" (${shards[0]}, ${shards[2]}), "resnet50" (${shards[1]}); expected the shards of one evaluation\n`,
    );
    assert.ok(!(await readdir(dir)).includes("merged.csv"));
  });
});

describe("stimulus folders", () => {
  const colours = { "airplane/red1.png": "red", "bear/green1.png": "green", "bicycle/blue1.png": "blue" } as const;

  test("an empty category folder, a nested folder, an image outside a category and a non-image file are errors naming the path", async () => {
    const cases: [string, (folder: string) => Promise<void>, (folder: string) => string][] = [
      [
        "empty",
        (f) => mkdir(join(f, "bird")),
        (f) =>
          `${join(f, "bird")}: an empty category folder; expected at least one image in every category folder (remove the folder if the category has none)`,
      ],
      [
        "nested",
        async (f) => {
          await mkdir(join(f, "bear", "more"));
          await writeImage(join(f, "bear", "more", "green2.png"), "green");
        },
        (f) => `${join(f, "bear", "more")}: a folder inside a category folder; expected the images directly in <category>/`,
      ],
      [
        "top-level image",
        (f) => writeImage(join(f, "red2.png"), "red"),
        (f) => `${join(f, "red2.png")}: an image outside a category folder; expected <category>/<image>`,
      ],
      [
        "not an image",
        (f) => writeFile(join(f, "bear", "notes.txt"), "taken in 2019"),
        (f) =>
          `${join(f, "bear", "notes.txt")}: not an image file; expected .png, .jpg, .jpeg, .bmp, .webp, .tif or .tiff in a category folder`,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      const folder = await stimulusFolder(join(dir, `spoilt-${name.replace(/ /g, "-")}`), colours);
      await spoil(folder);
      const run = await cli("evaluate", model, folder, ...IDENTITY, "-o", join(dir, "spoilt.csv"));
      assert.equal(run.code, 1, `${name}: ${run.stderr}`);
      assert.equal(run.stderr, `trialwise: error: ${message(folder)}\n`, name);
    }
    assert.ok(!(await readdir(dir)).includes("spoilt.csv"));
  });

  test("hidden files and the files of file managers (.DS_Store, Thumbs.db, desktop.ini) are ignored, and so are files beside the category folders", async () => {
    const folder = await stimulusFolder(join(dir, "with-hidden"), colours);
    for (const file of [
      ".DS_Store",
      "Thumbs.db",
      "README.md",
      join("bear", ".DS_Store"),
      join("bear", "Thumbs.db"),
      join("bear", "desktop.ini"),
      join("bear", "._green1.png"),
    ]) {
      await writeFile(join(folder, file), "file manager data");
    }
    await mkdir(join(folder, ".thumbnails"));
    const output = join(dir, "with-hidden.csv");
    const run = await cli("evaluate", model, folder, ...IDENTITY, "-o", output);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([...(await loadDatasets(output)).datasets[0].stimulus], ["red1.png", "green1.png", "blue1.png"]);
  });
});

describe("stimuli the trial files could not tell apart", () => {
  test("two images with the same stimulus id are an error naming both paths, before the model runs", async () => {
    // Trial files identify a stimulus by its id (src/core/trials.ts stimulusId): the file name,
    // or its last "_" piece (two for an ImageNet synset id), so both pairs below collide.
    for (const [a, b, id] of [
      ["airplane/x.png", "bear/x.png", "x.png"],
      ["airplane/0001_red_x1.png", "bear/0002_green_x1.png", "x1.png"],
    ]) {
      const folder = await stimulusFolder(join(dir, `same-id-${id}`), { [a]: "red", [b]: "green", "bicycle/blue1.png": "blue" });
      const run = await cli("evaluate", join(dir, "no-such-model.onnx"), folder, ...IDENTITY, "-o", join(dir, "same-id.csv"));
      assert.equal(run.code, 1, run.stderr);
      assert.equal(
        run.stderr,
        `trialwise: error: ${folder}: two images have the stimulus id "${id}", by which trial files identify a stimulus: ${join(folder, a)} and ${join(folder, b)}; expected a distinct id for every image (rename one)\n`,
      );
    }
    // Distinct ids: "n0..." synset ids keep their last two pieces.
    const distinct = await stimulusFolder(join(dir, "distinct-ids"), {
      "airplane/a_n01_1.png": "red",
      "bear/a_n02_1.png": "green",
      "bicycle/blue1.png": "blue",
    });
    const run = await cli("evaluate", model, distinct, ...IDENTITY, "-o", join(dir, "distinct.csv"));
    assert.equal(run.code, 0, run.stderr);
  });

  test("in a manifest, the same id is an error within a condition and fine across conditions", async () => {
    const folder = await stimulusFolder(join(dir, "manifest-ids"), { "airplane/a_x.png": "red", "bear/b_x.png": "green" });
    const manifest = join(folder, "manifest.csv");
    await writeFile(manifest, "file,category,condition\nairplane/a_x.png,airplane,low\nbear/b_x.png,bear,high\n");
    const fine = await cli("evaluate", model, manifest, ...IDENTITY, "-o", join(dir, "manifest-ids.csv"));
    assert.equal(fine.code, 0, fine.stderr);
    await writeFile(manifest, "file,category,condition\nairplane/a_x.png,airplane,low\nbear/b_x.png,bear,low\n");
    const same = await cli("evaluate", model, manifest, ...IDENTITY, "-o", join(dir, "manifest-ids.csv"));
    assert.equal(same.code, 1, same.stderr);
    assert.equal(
      same.stderr,
      `trialwise: error: ${manifest}:3: two images have the stimulus id "x.png" in condition "low", by which trial files identify a stimulus: ${join(folder, "airplane/a_x.png")} (line 2) and ${join(folder, "bear/b_x.png")}; expected a distinct id for every image (rename one)\n`,
    );
  });
});

describe("names that go into file names", () => {
  const RULE = "expected 1 to 100 characters: letters A-Z and a-z, digits 0-9, and . _ - + (not starting with .)";

  test("--dataset and --name must be names, not paths or empty: a usage error saying which characters are allowed", async () => {
    const folder = await stimulusFolder(join(dir, "named"), { "airplane/red1.png": "red" });
    const out = join(dir, "names", "a", "b");
    const cases: [string[], string][] = [
      [["--dataset", "../../ds"], `--dataset: "../../ds" cannot be part of a file name; ${RULE}`],
      [["--name", "a/b"], `--name: "a/b" cannot be part of a file name; ${RULE}`],
      [["--name", ""], `--name: "" cannot be part of a file name; ${RULE}`],
      [["--name", ".hidden"], `--name: ".hidden" cannot be part of a file name; ${RULE}`],
    ];
    for (const [flags, message] of cases) {
      const run = await cli("evaluate", model, folder, ...IDENTITY, ...flags, "-o", `${out}/`);
      assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
      assert.equal(run.stderr, `trialwise: ${message}\n`);
    }
    assert.deepEqual(await readdir(join(dir, "names")).catch(() => []), [], "nothing written, inside or outside the output folder");
    const run = await cli(
      "evaluate",
      model,
      folder,
      ...IDENTITY,
      "--dataset",
      "texture-shape_edges",
      "--name",
      "resnet50+SIN.v2",
      "-o",
      `${out}/`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await readdir(out), ["texture-shape_edges_resnet50+SIN.v2_session-1.csv"]);
  });

  test("a model file or stimulus folder whose name cannot be used names the file and the flag to give", async () => {
    const spaced = join(dir, "my model.onnx");
    await writeFile(spaced, channelMeansModel());
    const folder = await stimulusFolder(join(dir, "my stimuli"), { "airplane/red1.png": "red" });
    const byModel = await cli("evaluate", spaced, folder, ...IDENTITY, "--dataset", "ds", "-o", join(dir, "x.csv"));
    assert.equal(byModel.code, 1, byModel.stderr);
    assert.equal(
      byModel.stderr,
      `trialwise: error: ${spaced}: the observer's name from the model file's name: "my model" cannot be part of a file name; ${RULE}; give --name\n`,
    );
    // The stimulus folder's name only matters where it names the output file.
    const toFile = await cli("evaluate", model, folder, ...IDENTITY, "-o", join(dir, "spaced.csv"));
    assert.equal(toFile.code, 0, toFile.stderr);
    const toFolder = await cli("evaluate", model, folder, ...IDENTITY, "-o", `${join(dir, "spaced")}/`);
    assert.equal(toFolder.code, 1, toFolder.stderr);
    assert.equal(
      toFolder.stderr,
      `trialwise: error: ${folder}: the dataset's name from the stimulus folder's name: "my stimuli" cannot be part of a file name; ${RULE}; give --dataset\n`,
    );
  });
});

describe("flags that would be ignored", () => {
  test("--card with --mapping, --identity, --aggregation or --outputs, and --identity with --mapping or --aggregation, are usage errors", async () => {
    const folder = await stimulusFolder(join(dir, "conflicts"), { "airplane/red1.png": "red" });
    const card = join(dir, "card.json");
    await writeFile(card, JSON.stringify({ mapping: { identity: CATEGORIES } }));
    const cases: [string[], RegExp][] = [
      [["--card", card, "--mapping", "imagenet16"], /option '--card <file>' cannot be used with option '--mapping <map>'/],
      [["--card", card, ...IDENTITY], /option '--card <file>' cannot be used with option '--identity <categories>'/],
      [["--card", card, "--aggregation", "max"], /option '--card <file>' cannot be used with option '--aggregation <how>'/],
      [["--card", card, "--outputs", "probabilities"], /option '--card <file>' cannot be used with option '--outputs <kind>'/],
      [[...IDENTITY, "--mapping", "imagenet16"], /option '--identity <categories>' cannot be used with option '--mapping <map>'/],
      [[...IDENTITY, "--aggregation", "sum"], /option '--identity <categories>' cannot be used with option '--aggregation <how>'/],
    ];
    for (const [flags, message] of cases) {
      const out = join(dir, "conflict.csv");
      const run = await cli("evaluate", model, folder, ...flags, "-o", out);
      assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(await readdir(dir).then((names) => names.includes("conflict.csv")), false);
    }
    const withCard = await cli("evaluate", model, folder, "--card", card, "-o", join(dir, "card-trials.csv"));
    assert.equal(withCard.code, 0, withCard.stderr);
  });
});
