/**
 * For the tests of `benchmark model-vs-human run`: a tiny ONNX model whose decisions on
 * solid-colour images are known, a small model-vs-human stimulus tree of three datasets (edge in
 * the categories layout with real images, colour and uniform-noise in the sessions layout), and
 * two people's trials on the same images, so that `score` can read what `run` writes.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import sharp from "sharp";
import { IMAGENET16 } from "../../src/evaluate/decisions.ts";
import { SHARED } from "../helpers.ts";

export const EDGES = join(SHARED, "data/stimuli/edges");

/** The datasets of the tree, in the benchmark's order. */
export const TREE_DATASETS = ["edge", "colour", "uniform-noise"];

/** One class per colour channel; a solid colour image's decision is that class's category. */
const CLASSES = [IMAGENET16.categories.dog[0], IMAGENET16.categories.cat[0], IMAGENET16.categories.truck[0]];
const COLOUR_CATEGORY: Record<Colour, string> = { red: "dog", green: "cat", blue: "truck" };
const GAIN = 20;

type Colour = "red" | "green" | "blue";
const RGB: Record<Colour, [number, number, number]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] };

/**
 * logits = GAIN x (mean of input channel c) to class CLASSES[c], plus a small distinct bias per
 * class: a solid red, green or blue image is decided dog, cat or truck.
 */
export function tinyModel(gain = GAIN): Uint8Array {
  const { onnx } = onnxProto;
  const w = new Float32Array(3 * 1000);
  CLASSES.forEach((k, c) => (w[c * 1000 + k] = gain));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "channel-means",
      input: [
        {
          name: "image",
          type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 3 }, { dimValue: 224 }, { dimValue: 224 }] } } },
        },
      ],
      output: [{ name: "logits", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 1000 }] } } } }],
      initializer: [
        { name: "W", dims: [3, 1000], dataType: 1, floatData: Array.from(w) },
        { name: "B", dims: [1000], dataType: 1, floatData: Array.from({ length: 1000 }, (_, k) => k * 1e-3) },
        { name: "shape", dims: [2], dataType: 7, int64Data: [0, -1] },
      ],
      node: [
        { opType: "GlobalAveragePool", input: ["image"], output: ["pooled"] },
        { opType: "Reshape", input: ["pooled", "shape"], output: ["flat"] },
        { opType: "MatMul", input: ["flat", "W"], output: ["product"] },
        { opType: "Add", input: ["product", "B"], output: ["logits"] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** One sessions-layout image: its condition as written in the name, its true category, its colour. */
interface SessionImage {
  condition: string;
  category: string;
  colour: Colour;
}

/** colour: cr (excluded) and bw; two right (red dog, green cat), two wrong (blue dog, red cat). */
const COLOUR_IMAGES: SessionImage[] = [
  { condition: "cr", category: "dog", colour: "red" },
  { condition: "cr", category: "cat", colour: "red" },
  { condition: "bw", category: "dog", colour: "blue" },
  { condition: "bw", category: "cat", colour: "green" },
  { condition: "bw", category: "truck", colour: "blue" },
];

/** uniform-noise: every included condition, and 0.90 (excluded; pandas reads the column's 0.90 as 0.9). */
const NOISE_IMAGES: SessionImage[] = [
  { condition: "0.03", category: "dog", colour: "red" },
  { condition: "0.05", category: "cat", colour: "red" },
  { condition: "0.1", category: "truck", colour: "blue" },
  { condition: "0.2", category: "cat", colour: "green" },
  { condition: "0.35", category: "dog", colour: "green" },
  { condition: "0.90", category: "truck", colour: "blue" },
];

const CODES: Record<string, string> = { colour: "cl", "uniform-noise": "nse" };

/** The file name of image i of a sessions dataset, for the model (`dnn`) or a person (`s01`). */
function sessionName(dataset: string, i: number, image: SessionImage, session: string): string {
  return `${String(i + 1).padStart(4, "0")}_${CODES[dataset]}_${session}_${image.condition}_${image.category}_10_n0${1000 + i}_${i + 7}.png`;
}

/** Real edge drawings: two of airplane, two of bear. */
const EDGE_IMAGES = [
  ["airplane", "airplane1.png"],
  ["airplane", "airplane2.png"],
  ["bear", "bear1.png"],
  ["bear", "bear2.png"],
];

async function solid(path: string, colour: Colour): Promise<void> {
  const [r, g, b] = RGB[colour];
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } })
    .png()
    .toFile(path);
}

/** What the tiny model decides on each image of a sessions dataset (in file-name order). */
export function expectedSessionTrials(dataset: string): { imagename: string; condition: string; category: string; response: string }[] {
  const images = dataset === "colour" ? COLOUR_IMAGES : NOISE_IMAGES;
  return images.map((image, i) => ({
    imagename: sessionName(dataset, i, image, "dnn"),
    condition: image.condition,
    category: image.category,
    response: COLOUR_CATEGORY[image.colour],
  }));
}

/** Writes the stimulus tree `<dir>/<dataset>/...` of {@link TREE_DATASETS}. */
export async function writeStimulusTree(dir: string): Promise<void> {
  for (const [category, file] of EDGE_IMAGES) {
    await mkdir(join(dir, "edge", category), { recursive: true });
    await copyFile(join(EDGES, category, file), join(dir, "edge", category, file));
  }
  for (const [dataset, images] of [
    ["colour", COLOUR_IMAGES],
    ["uniform-noise", NOISE_IMAGES],
  ] as const) {
    const session = join(dir, dataset, "dnn", "session-1");
    await mkdir(session, { recursive: true });
    for (const [i, image] of images.entries()) await solid(join(session, sessionName(dataset, i, image, "dnn")), image.colour);
  }
}

/**
 * Two people's trials on the tree's images, as model-vs-human's raw-data folders hold them
 * (`<dir>/<dataset>/<dataset>_subject-0k_session_1.csv`): subject-01 right on every trial,
 * subject-02 right on every other one.
 */
export async function writeHumans(dir: string): Promise<void> {
  for (const dataset of TREE_DATASETS) {
    const trials =
      dataset === "edge"
        ? EDGE_IMAGES.map(([category, file], i) => ({
            imagename: `${String(i + 1).padStart(4, "0")}_edg_s01_0_${category}_00_${file}`,
            condition: "0",
            category,
          }))
        : (dataset === "colour" ? COLOUR_IMAGES : NOISE_IMAGES).map((image, i) => ({
            imagename: sessionName(dataset, i, image, "s01"),
            condition: image.condition,
            category: image.category,
          }));
    await mkdir(join(dir, dataset), { recursive: true });
    for (const subject of [1, 2]) {
      const rows = trials.map((t, i) => {
        const response = subject === 1 || i % 2 === 0 ? t.category : t.category === "knife" ? "oven" : "knife";
        return `subject-0${subject},1,${i + 1},0.5,${response},${t.category},${t.condition},${t.imagename}`;
      });
      await writeFile(
        join(dir, dataset, `${dataset}_subject-0${subject}_session_1.csv`),
        `subj,session,trial,rt,object_response,category,condition,imagename\n${rows.join("\n")}\n`,
      );
    }
  }
}
