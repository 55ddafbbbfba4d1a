// `trialwise evaluate` with a small ONNX model built here, whose outputs are known by
// construction: logits = W^T (mean of each input channel) + b, W sending the red, green and blue
// means to one ImageNet class each, b a small distinct bias per class.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import onnxProto from "onnx-proto";
import { IMAGENET16, decide } from "../../src/evaluate/decisions.ts";
import { imagenetPreprocess } from "../../src/evaluate/preprocess.ts";
import { decodeRgb } from "../../src/evaluate/decode.ts";
import { listStimuli } from "../../src/evaluate/stimuli.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { REPO, SHARED, cli } from "../helpers.ts";

const EDGES = join(SHARED, "data/stimuli/edges");
const SKIP = existsSync(EDGES) ? false : `no stimuli at ${EDGES}`;
const CLASSES = { red: IMAGENET16.categories.dog[0], green: IMAGENET16.categories.cat[0], blue: IMAGENET16.categories.truck[0] };
const GAIN = 3;

/** Whether onnxruntime-node's CUDA provider library is installed (then CUDA may really load). */
function cudaInstalled(): boolean {
  const bin = join(dirname(createRequire(import.meta.url).resolve("onnxruntime-node")), "..", "bin");
  return existsSync(bin) && readdirSync(bin, { recursive: true }).some((f) => String(f).includes("providers_cuda"));
}

/** W (3 x 1000): channel c's mean, times GAIN, goes to one class. */
function weights(): Float32Array {
  const w = new Float32Array(3 * 1000);
  w[0 * 1000 + CLASSES.red] = GAIN;
  w[1 * 1000 + CLASSES.green] = GAIN;
  w[2 * 1000 + CLASSES.blue] = -GAIN;
  return w;
}

/** A small distinct bias per class, so that no two categories tie (float32 vs float64 noise). */
const BIAS = Float32Array.from({ length: 1000 }, (_, k) => k * 1e-3);

function tinyModel(): Uint8Array {
  const { onnx } = onnxProto;
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
        { name: "W", dims: [3, 1000], dataType: 1, floatData: Array.from(weights()) },
        { name: "B", dims: [1000], dataType: 1, floatData: Array.from(BIAS) },
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

/** The model's logits for a preprocessed image, computed here (float64). */
function expectedLogits(tensor: Float32Array): Float64Array {
  const plane = 224 * 224;
  const logits = Float64Array.from(BIAS);
  const w = weights();
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let p = 0; p < plane; p++) sum += tensor[c * plane + p];
    const mean = sum / plane;
    for (let k = 0; k < 1000; k++) logits[k] += mean * w[c * 1000 + k];
  }
  return logits;
}

describe("trialwise evaluate", { skip: SKIP }, () => {
  let dir: string;
  let model: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-evaluate-"));
    model = join(dir, "channel-means.onnx");
    await writeFile(model, tinyModel());
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const set of ["edges", "silhouettes"]) {
    test(`${set}: trials in the model-vs-human schema whose decisions follow from the known outputs`, async () => {
      const folder = join(SHARED, "data/stimuli", set);
      const output = join(dir, `${set}.csv`);
      const run = await cli("evaluate", model, folder, "--name", "channel-means", "-o", output, "--batch", "32");
      assert.equal(run.code, 0, run.stderr);
      const { datasets } = await loadDatasets(output);
      const table = datasets[0];
      assert.equal(table.length, 160);
      const stimuli = await listStimuli(folder);
      for (const [t, s] of stimuli.entries()) {
        const expected = decide(expectedLogits(imagenetPreprocess(await decodeRgb(s.path))), { map: IMAGENET16 }).category;
        assert.equal(table.response[t], expected, s.name);
        assert.equal(table.truth[t], s.category);
        assert.equal(table.stimulus[t], s.name);
        assert.equal(table.observer[t], "channel-means");
      }
      assert.ok(!(await readdir(dir)).some((f) => f.endsWith(".partial") || f.endsWith(".tmp")), "nothing partial left");
      // The accuracy printed is the share of trials whose response is the category.
      const accuracy = table.correct.reduce((sum: number, c: number) => sum + c, 0) / table.length;
      assert.match(run.stderr, new RegExp(`160 trials, accuracy ${accuracy.toFixed(4).replace(".", "\\.")}, written to`));
    });
  }

  test("clear errors: unknown folder, a model that is not ONNX, a folder without images", async () => {
    const missing = await cli("evaluate", model, join(dir, "nope"), "-o", join(dir, "x.csv"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such folder/);
    const junk = join(dir, "junk.onnx");
    await writeFile(junk, "not a model");
    const bad = await cli("evaluate", junk, EDGES, "-o", join(dir, "x.csv"));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot load the ONNX model/);
    const empty = await mkdtemp(join(dir, "empty-"));
    assert.equal((await cli("evaluate", model, empty, "-o", join(dir, "x.csv"))).code, 1);
    const categories = Object.keys(IMAGENET16.categories).join(",");
    const outputs = await cli("evaluate", model, EDGES, "--identity", categories, "-o", join(dir, "x.csv"));
    assert.equal(outputs.code, 1);
    assert.match(outputs.stderr, /channel-means\.onnx: the model gives 1000 outputs per image, the label map expects 16/);
  });

  test(
    "--providers: an unavailable provider is noted and the next one used; alone it is a clear error",
    { skip: cudaInstalled() ? "onnxruntime-node's CUDA binaries are installed here" : false },
    async () => {
      const fallback = await cli("evaluate", model, EDGES, "--providers", "cuda,cpu", "-o", join(dir, "fallback.csv"));
      assert.equal(fallback.code, 0, fallback.stderr);
      assert.match(fallback.stderr, /note: the cuda execution provider is not available \(.*Failed to load shared library\); trying cpu/);
      assert.doesNotMatch(fallback.stderr, /onnxruntime_src|\[E:onnxruntime/, "no raw onnxruntime log lines");
      const alone = await cli("evaluate", model, EDGES, "--providers", "cuda", "-o", join(dir, "cuda.csv"));
      assert.equal(alone.code, 1);
      assert.match(alone.stderr, /channel-means\.onnx: the cuda execution provider is not available .*add cpu to --providers/);
    },
  );

  test("an unreadable image is an error naming it, from the decoding threads; nothing is written", async () => {
    const { copyFile, mkdir } = await import("node:fs/promises");
    const folder = join(dir, "broken");
    await mkdir(join(folder, "cat"), { recursive: true });
    await mkdir(join(folder, "dog"), { recursive: true });
    await copyFile(join(EDGES, "cat", "cat1.png"), join(folder, "cat", "cat1.png"));
    await writeFile(join(folder, "dog", "dog1.png"), "not a picture");
    const run = await cli("evaluate", model, folder, "-o", join(dir, "broken.csv"), "--decoders", "2");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /broken\/dog\/dog1\.png: cannot read the image/);
    assert.ok(!(await readdir(dir)).includes("broken.csv"));
  });

  test("-o FOLDER/ names the file as model-vs-human does: <dataset>_<name>_session-1.csv", async () => {
    const { outputPath } = await import("../../src/cli/evaluate.ts");
    const folder = join(dir, "texture-shape_edges");
    const run = await cli("evaluate", model, EDGES, "--dataset", "texture-shape_edges", "-o", `${folder}/`);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await readdir(folder), ["texture-shape_edges_channel-means_session-1.csv"]);
    const { datasets } = await loadDatasets(folder);
    assert.deepEqual([datasets[0].dataset, datasets[0].length], ["texture-shape_edges", 160]);
    assert.equal(await outputPath(undefined, "edges", "m"), "edges_m_session-1.csv");
    assert.equal(await outputPath(folder, "edges", "m"), join(folder, "edges_m_session-1.csv"));
    assert.equal(await outputPath(join(dir, "x.csv"), "edges", "m"), join(dir, "x.csv"));
    const underFile = await cli("evaluate", model, EDGES, "-o", join(dir, "channel-means.onnx", "x.csv"));
    assert.equal(underFile.code, 1);
    assert.match(underFile.stderr, /x\.csv: cannot create the output's folder \((EEXIST|ENOTDIR)\)/);
  });

  test("one decoding thread or three give the same file", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const decoders of ["1", "3"]) {
      const run = await cli(
        "evaluate",
        model,
        EDGES,
        "--name",
        "m",
        "--batch",
        "7",
        "--decoders",
        decoders,
        "-o",
        join(dir, `decoders-${decoders}.csv`),
      );
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal(await readFile(join(dir, "decoders-1.csv"), "utf8"), await readFile(join(dir, "decoders-3.csv"), "utf8"));
    assert.equal((await cli("evaluate", model, EDGES, "--decoders", "0", "-o", join(dir, "x.csv"))).code, 2);
  });
});

describe("trialwise evaluate --scores", { skip: SKIP }, () => {
  test("one row per image: the 16 category scores and the top-5 output indices", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-scores-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      const scores = join(dir, "scores.csv");
      const run = await cli("evaluate", model, join(EDGES), "-o", join(dir, "t.csv"), "--scores", scores);
      assert.equal(run.code, 0, run.stderr);
      const { readFile } = await import("node:fs/promises");
      const [header, ...lines] = (await readFile(scores, "utf8")).trimEnd().split("\n");
      const columns = header.split(",");
      assert.equal(lines.length, 160);
      assert.deepEqual(columns.slice(0, 4), ["imagename", "category", "decision", "score_airplane"]);
      assert.equal(columns.filter((c) => c.startsWith("score_")).length, 16);
      assert.deepEqual(columns.slice(-5), ["top1", "top2", "top3", "top4", "top5"]);
      const first = Object.fromEntries(lines[0].split(",").map((v, i) => [columns[i], v]));
      // The three weighted classes carry the largest logits (red, green: positive means on white).
      assert.ok([CLASSES.red, CLASSES.green].includes(Number(first.top1)), first.top1);
      const sum = columns.filter((c) => c.startsWith("score_")).reduce((s, c) => s + Number(first[c]), 0);
      assert.ok(sum > 0 && sum < 16);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("trialwise evaluate: resuming an interrupted run", { skip: SKIP }, () => {
  test("killed half-way and restarted gives the same file as one run, without redoing trials", async () => {
    const { evaluateModel } = await import("../../src/evaluate/run.ts");
    const { readFile } = await import("node:fs/promises");
    const dir = await mkdtemp(join(tmpdir(), "trialwise-resume-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      const base = { model, stimuli: EDGES, name: "m", map: IMAGENET16, batch: 20 };
      await evaluateModel({ ...base, output: join(dir, "once.csv"), scores: join(dir, "once-scores.csv") });

      const output = join(dir, "twice.csv");
      const interrupted = evaluateModel({
        ...base,
        output,
        scores: join(dir, "twice-scores.csv"),
        onProgress: (done) => {
          if (done >= 60) throw new Error("killed");
        },
      });
      await assert.rejects(interrupted, /killed/);
      assert.ok(!(await readdir(dir)).includes("twice.csv"), "no output before the run completes");
      // Tear the last checkpoint line, as a kill during a write would.
      const partial = `${output}.partial`;
      const text = await readFile(partial, "utf8");
      await writeFile(partial, text.slice(0, text.length - 25));

      const progress: number[] = [];
      const resumed = await evaluateModel({
        ...base,
        output,
        scores: join(dir, "twice-scores.csv"),
        onProgress: (done) => progress.push(done),
      });
      // 60 trials were checkpointed before the kill; the torn line loses one.
      assert.deepEqual(progress.slice(0, 2), [59, 79], "resumed after the 59 whole checkpoint lines");
      assert.deepEqual(
        { ...resumed, correct: 0 },
        { trials: 160, evaluated: 160 - progress[0], correct: 0 },
        "only the missing trials were evaluated",
      );
      assert.equal(await readFile(output, "utf8"), await readFile(join(dir, "once.csv"), "utf8"));
      assert.equal(await readFile(join(dir, "twice-scores.csv"), "utf8"), await readFile(join(dir, "once-scores.csv"), "utf8"));
      assert.ok(!(await readdir(dir)).some((f) => f.endsWith(".partial")), "checkpoint removed");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("trialwise evaluate: a process killed with SIGKILL", { skip: SKIP }, () => {
  test("restarted, it finishes the same files as one uninterrupted run", async () => {
    const { spawn } = await import("node:child_process");
    const { readFile } = await import("node:fs/promises");
    const dir = await mkdtemp(join(tmpdir(), "trialwise-kill-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      const args = (output: string) => [
        "--import",
        "tsx",
        join(REPO, "src/cli/bin.ts"),
        "evaluate",
        model,
        EDGES,
        "--name",
        "m",
        "--batch",
        "4",
        "-o",
        output,
        "--scores",
        `${output}.scores.csv`,
      ];
      const run = (output: string) =>
        new Promise<{ code: number | null; signal: string | null }>((resolve) => {
          const child = spawn(process.execPath, args(output), { cwd: REPO, stdio: "ignore" });
          child.on("exit", (code, signal) => resolve({ code, signal }));
        });
      assert.deepEqual(await run(join(dir, "once.csv")), { code: 0, signal: null });

      const output = join(dir, "killed.csv");
      const child = spawn(process.execPath, args(output), { cwd: REPO, stdio: "ignore" });
      const exited = new Promise<string | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
      // Kill it once some batches are checkpointed (a key line and at least 12 trials).
      for (let waited = 0; ; waited += 20) {
        const lines = (await readFile(`${output}.partial`, "utf8").catch(() => "")).split("\n").length - 1;
        if (lines >= 13) break;
        assert.ok(waited < 60_000, "the run checkpoints within a minute");
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL");
      assert.ok(!(await readdir(dir)).includes("killed.csv"), "no output from the killed run");

      assert.deepEqual(await run(output), { code: 0, signal: null });
      assert.equal(await readFile(output, "utf8"), await readFile(join(dir, "once.csv"), "utf8"));
      assert.equal(await readFile(`${output}.scores.csv`, "utf8"), await readFile(join(dir, "once.csv.scores.csv"), "utf8"));
      assert.ok(!(await readdir(dir)).some((f) => f.endsWith(".partial") || f.endsWith(".tmp")), "nothing partial left");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("trialwise evaluate --shard and trialwise merge", { skip: SKIP }, () => {
  test("three shards merged equal one run; a missing or doubled shard is an error", async () => {
    const { readFile } = await import("node:fs/promises");
    const dir = await mkdtemp(join(tmpdir(), "trialwise-shards-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      assert.equal((await cli("evaluate", model, EDGES, "--name", "m", "-o", join(dir, "one.csv"))).code, 0);
      for (const k of [1, 2, 3]) {
        const run = await cli("evaluate", model, EDGES, "--name", "m", "--shard", `${k}/3`, "-o", join(dir, `shard-${k}.csv`));
        assert.equal(run.code, 0, run.stderr);
      }
      const shards = [3, 1, 2].map((k) => join(dir, `shard-${k}.csv`));
      const merged = await cli("merge", ...shards, "-o", join(dir, "merged.csv"), "--stimuli", EDGES);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(await readFile(join(dir, "merged.csv"), "utf8"), await readFile(join(dir, "one.csv"), "utf8"));

      const missing = await cli("merge", shards[0], shards[1], "-o", join(dir, "bad.csv"));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /trial \d+ is missing/);
      const twice = await cli("merge", shards[0], shards[0], "-o", join(dir, "bad.csv"));
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /appears twice/);
      assert.ok(!(await readdir(dir)).includes("bad.csv"), "no output on error");
      assert.equal((await cli("evaluate", model, EDGES, "--shard", "4/3", "-o", join(dir, "x.csv"))).code, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("model cards", { skip: SKIP }, () => {
  test("a card sets the input name, size, layout, colour order and normalisation", async () => {
    const { parseModelCard } = await import("../../src/evaluate/card.ts");
    const { preprocess } = await import("../../src/evaluate/preprocess.ts");
    const { readFile } = await import("node:fs/promises");
    const card = parseModelCard(
      { input: "image", resize: 128, crop: 112, layout: "NHWC", colours: "BGR", mean: [0, 0, 0], std: [1, 1, 1] },
      "card.json",
    );
    assert.deepEqual([card.spec.crop, card.spec.layout, card.spec.colours], [112, "NHWC", "BGR"]);
    // NHWC, BGR, mean 0, sd 1: the first three values are pixel (0,0)'s blue, green, red / 255.
    const image = { width: 2, height: 2, data: Uint8Array.from([255, 0, 51, 255, 0, 51, 255, 0, 51, 255, 0, 51]) };
    const tensor = preprocess(image, { ...card.spec, resize: 2, crop: 2 });
    assert.deepEqual(Array.from(tensor.slice(0, 3)), [51 / 255, 0, 1].map(Math.fround));
    assert.throws(
      () => parseModelCard({ layout: "CHW" }, "card.json"),
      (e: Error) => /card\.json: column "layout": expected "NCHW" or "NHWC"/.test(e.message),
    );
    assert.throws(() => parseModelCard({ crop: 300 }, "card.json"), /no larger than resize/);
    assert.throws(() => parseModelCard({ colour: "RGB" }, "card.json"), /one of the fields/);

    // A model whose input is NHWC 112 x 112 and whose 3 outputs are the channel means: the card
    // makes it run; without the card the input does not fit, a clear error.
    const dir = await mkdtemp(join(tmpdir(), "trialwise-card-"));
    try {
      const { onnx } = onnxProto;
      const bytes = onnx.ModelProto.encode(
        onnx.ModelProto.create({
          irVersion: 8,
          opsetImport: [{ domain: "", version: 13 }],
          graph: {
            name: "nhwc",
            input: [
              {
                name: "image",
                type: {
                  tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 112 }, { dimValue: 112 }, { dimValue: 3 }] } },
                },
              },
            ],
            output: [{ name: "scores", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 3 }] } } } }],
            node: [
              {
                opType: "ReduceMean",
                input: ["image"],
                output: ["scores"],
                attribute: [
                  { name: "axes", type: 7, ints: [1, 2] },
                  { name: "keepdims", type: 2, i: 0 },
                ],
              },
            ],
          },
        }),
      ).finish();
      const model = join(dir, "nhwc.onnx");
      await writeFile(model, bytes);
      // Three categories of the edge stimuli, two images each.
      const { mkdir, copyFile } = await import("node:fs/promises");
      const stimuli = join(dir, "stimuli");
      const categories = ["airplane", "bear", "bicycle"];
      for (const c of categories) {
        await mkdir(join(stimuli, c), { recursive: true });
        for (const f of (await readdir(join(EDGES, c))).slice(0, 2)) await copyFile(join(EDGES, c, f), join(stimuli, c, f));
      }
      const cardFile = join(dir, "card.json");
      await writeFile(
        cardFile,
        JSON.stringify({
          input: "image",
          resize: 128,
          crop: 112,
          layout: "NHWC",
          outputs: "probabilities",
          mapping: { identity: categories },
        }),
      );
      const without = await cli("evaluate", model, stimuli, "-o", join(dir, "x.csv"), "--identity", categories.join(","));
      assert.equal(without.code, 1);
      assert.match(without.stderr, /does not accept a 6x3x224x224 float32 input "image"/);
      const output = join(dir, "card.csv");
      const run = await cli("evaluate", model, stimuli, "--card", cardFile, "-o", output);
      assert.equal(run.code, 0, run.stderr);
      const table = (await loadDatasets(output)).datasets[0];
      const withCard = parseModelCard(JSON.parse(await readFile(cardFile, "utf8")), cardFile);
      for (const [t, s] of (await listStimuli(stimuli)).entries()) {
        const tensor = preprocess(await decodeRgb(s.path), withCard.spec);
        const means = [0, 1, 2].map((c) => tensor.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / (112 * 112));
        assert.equal(table.response[t], decide(means, { map: withCard.map, outputsAre: "probabilities" }).category, s.name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("stimulus manifests", { skip: SKIP }, () => {
  test("file,category,condition: trials keep the manifest's order and conditions; repeats are errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-manifest-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      const manifest = join(dir, "manifest.csv");
      const lines = [
        "file,category,condition",
        `${join(EDGES, "bear/bear1.png")},bear,low`,
        `${join(EDGES, "airplane/airplane1.png")},airplane,low`,
        `${join(EDGES, "bear/bear1.png")},bear,high`,
      ];
      await writeFile(manifest, `${lines.join("\n")}\n`);
      const output = join(dir, "t.csv");
      const run = await cli("evaluate", model, manifest, "-o", output);
      assert.equal(run.code, 0, run.stderr);
      const table = (await loadDatasets(output)).datasets[0];
      assert.deepEqual([...table.condition], ["low", "low", "high"]);
      assert.deepEqual([...table.stimulus], ["bear1.png", "airplane1.png", "bear1.png"]);
      await writeFile(manifest, `${[...lines, `${join(EDGES, "bear/bear1.png")},bear,low`].join("\n")}\n`);
      const twice = await cli("evaluate", model, manifest, "-o", output);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /manifest\.csv:5: image "bear1.png" is listed twice \(first at line 2\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Parquet output", { skip: SKIP }, () => {
  test("trials and scores as Parquet hold the CSV run's values; Parquet shards merge; pairs reads it", async () => {
    const { readFile } = await import("node:fs/promises");
    const { readParquetTable } = await import("../../src/io/table-parquet.ts");
    const dir = await mkdtemp(join(tmpdir(), "trialwise-parquet-"));
    try {
      const model = join(dir, "m.onnx");
      await writeFile(model, tinyModel());
      assert.equal(
        (await cli("evaluate", model, EDGES, "--name", "m", "-o", join(dir, "one.csv"), "--scores", join(dir, "scores.csv"))).code,
        0,
      );
      const run = await cli(
        "evaluate",
        model,
        EDGES,
        "--name",
        "m",
        "-o",
        join(dir, "one.parquet"),
        "--scores",
        join(dir, "scores.parquet"),
      );
      assert.equal(run.code, 0, run.stderr);

      // Same rows and columns; the Parquet columns are typed (trial an integer, rt a float NaN),
      // and read back as the CSV has them.
      const csv = (await loadDatasets(join(dir, "one.csv"))).datasets[0];
      const parquet = (await loadDatasets(join(dir, "one.parquet"))).datasets[0];
      for (const column of ["observer", "stimulus", "truth", "response", "condition"] as const) {
        assert.deepEqual([...parquet[column]], [...csv[column]], column);
      }
      const raw = await readParquetTable(join(dir, "one.parquet"));
      assert.deepEqual(raw.columns, ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"]);
      assert.deepEqual(
        raw.rows.slice(0, 2).map((r) => r.slice(0, 4)),
        [
          ["m", "1", "1", "NaN"],
          ["m", "1", "2", "NaN"],
        ],
      );
      const scores = await readParquetTable(join(dir, "scores.parquet"));
      const scoresCsv = csvLines(await readFile(join(dir, "scores.csv"), "utf8"));
      assert.deepEqual(scores.columns, scoresCsv[0]);
      scores.rows.forEach((row, r) =>
        row.forEach((v, c) => {
          const expected = scoresCsv[r + 1][c];
          if (/^score_/.test(scores.columns[c])) assert.ok(Math.abs(Number(v) - Number(expected)) < 1e-12, `${scores.columns[c]} row ${r}`);
          else assert.equal(v, expected);
        }),
      );

      for (const k of [1, 2])
        assert.equal(
          (await cli("evaluate", model, EDGES, "--name", "m", "--shard", `${k}/2`, "-o", join(dir, `shard-${k}.parquet`))).code,
          0,
        );
      const merged = await cli(
        "merge",
        join(dir, "shard-2.parquet"),
        join(dir, "shard-1.parquet"),
        "-o",
        join(dir, "merged.csv"),
        "--stimuli",
        EDGES,
      );
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(await readFile(join(dir, "merged.csv"), "utf8"), await readFile(join(dir, "one.csv"), "utf8"));

      const pairsCsv = await cli("pairs", join(dir, "one.csv"), "--format", "csv");
      const pairsParquet = await cli("pairs", join(dir, "one.parquet"), "--format", "csv");
      assert.equal(pairsParquet.code, 0, pairsParquet.stderr);
      assert.equal(pairsParquet.stdout.replaceAll("one.parquet", "one.csv"), pairsCsv.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Lines split at commas (the scores file has no quoted fields). */
function csvLines(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => line.split(","));
}

describe("decoding images to RGB", () => {
  test("greyscale, grey with alpha, RGBA and palette PNGs decode to the same 8-bit RGB pixels (alpha dropped, not composited)", async () => {
    const sharp = (await import("sharp")).default;
    const dir = await mkdtemp(join(tmpdir(), "trialwise-decode-"));
    try {
      // 2 x 1 pixels: values 10 and 200; alpha 0 and 128 must not change the colour.
      const raw = (channels: number, pixels: number[]) =>
        sharp(Buffer.from(pixels), { raw: { width: 2, height: 1, channels: channels as 1 | 2 | 3 | 4 } });
      const files = {
        grey: await raw(1, [10, 200]).png().toFile(join(dir, "grey.png")),
        greyAlpha: await raw(2, [10, 0, 200, 128]).png().toFile(join(dir, "grey-alpha.png")),
        rgba: await raw(4, [10, 10, 10, 0, 200, 200, 200, 128]).png().toFile(join(dir, "rgba.png")),
        palette: await raw(3, [10, 10, 10, 200, 200, 200]).png({ palette: true, colours: 2, dither: 0 }).toFile(join(dir, "palette.png")),
      };
      for (const [name, info] of Object.entries(files)) {
        const image = await decodeRgb(join(dir, `${name.replace("greyAlpha", "grey-alpha")}.png`));
        assert.deepEqual(
          [image.width, image.height, ...image.data],
          [2, 1, 10, 10, 10, 200, 200, 200],
          `${name} (${info.channels} channels in the file)`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
