/**
 * `trialwise evaluate` on a network of realistic size against PyTorch, in the same run: ResNet-50
 * (random weights, seed 0) exported to ONNX by bench/resnet50.py, then on the same images
 *   1. trialwise evaluate end to end (decode threads + onnxruntime, CSV written),
 *   2. the decode pipeline alone (sharp + preprocessing on the decode threads),
 *   3. onnxruntime alone on one repeated batch (the model's ceiling),
 *   4. PyTorch end to end (PIL + torchvision preprocessing + the same network),
 * and the share of images on which both give the same top-1 class. Needs Debian's
 * python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision);
 * without them it says so and stops. Not part of `npm run bench` (minutes of CPU).
 *
 *   node --import tsx bench/evaluate.ts [--stimuli DIR] [--batch 16] [--threads N]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { DecodePool } from "../src/evaluate/decode.ts";
import { defaultDecoderCount } from "../src/evaluate/decoder-count.ts";
import { IMAGENET16 } from "../src/evaluate/decisions.ts";
import { IMAGENET_INPUT } from "../src/evaluate/preprocess.ts";
import { evaluateModel } from "../src/evaluate/run.ts";
import { listStimuli } from "../src/evaluate/stimuli.ts";

const PYTHON = "/usr/bin/python3";
const { values } = parseArgs({ options: { stimuli: { type: "string" }, batch: { type: "string" }, threads: { type: "string" } } });
const stimuliDir = values.stimuli ?? "../shared/data/stimuli/cue-conflict";
const batch = Number(values.batch ?? 16);
const threads = Number(values.threads ?? availableParallelism());

try {
  execFileSync(PYTHON, ["-c", "import torch, torchvision, PIL"], { stdio: "ignore" });
} catch {
  console.log(
    `bench/evaluate.ts: skipped: ${PYTHON} lacks torch/torchvision/PIL (apt-get install python3-torch python3-torchvision python3-pil)`,
  );
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), "trialwise-bench-evaluate-"));
try {
  const model = join(dir, "resnet50.onnx");
  execFileSync(PYTHON, ["bench/resnet50.py", "export", model], { stdio: "ignore" });
  const stimuli = await listStimuli(stimuliDir);
  const n = stimuli.length;
  const rate = (images: number, seconds: number) => `${(images / seconds).toFixed(1)} images/s (${seconds.toFixed(1)} s)`;
  console.log(
    `ResNet-50 (random weights), ${n} images of ${stimuliDir}, batch ${batch}, ${threads} threads for the model, ${defaultDecoderCount()} decode thread(s)`,
  );

  let start = performance.now();
  await evaluateModel({
    model,
    stimuli: stimuliDir,
    name: "resnet50",
    map: IMAGENET16,
    batch,
    output: join(dir, "trials.csv"),
    scores: join(dir, "scores.csv"),
  });
  const trialwiseSeconds = (performance.now() - start) / 1000;
  console.log(`  trialwise evaluate, end to end:        ${rate(n, trialwiseSeconds)}`);

  const pool = new DecodePool(IMAGENET_INPUT);
  start = performance.now();
  await Promise.all(stimuli.map((s) => pool.tensor(s.path)));
  const decodeSeconds = (performance.now() - start) / 1000;
  await pool.close();
  console.log(`  decode pipeline alone:                 ${rate(n, decodeSeconds)}`);

  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads });
  const input = new ort.Tensor("float32", new Float32Array(batch * 3 * 224 * 224).fill(0.5), [batch, 3, 224, 224]);
  await session.run({ input }); // warm-up
  const repeats = Math.ceil(n / batch / 4);
  start = performance.now();
  for (let r = 0; r < repeats; r++) await session.run({ input });
  const modelSeconds = (performance.now() - start) / 1000;
  console.log(`  onnxruntime alone (one batch repeated): ${rate(repeats * batch, modelSeconds)}`);

  const torch = JSON.parse(
    execFileSync(PYTHON, ["bench/resnet50.py", "run", stimuliDir, String(batch), String(threads)], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    }),
  ) as {
    seconds: number;
    files: string[];
    top1: number[];
  };
  console.log(`  PyTorch (PIL + torchvision), end to end: ${rate(torch.files.length, torch.seconds)}`);

  const [header, ...lines] = (await readFile(join(dir, "scores.csv"), "utf8")).trimEnd().split("\n");
  const column = (name: string) => header.split(",").indexOf(name);
  const ours = new Map(
    lines.map((line) => line.split(",")).map((f) => [`${f[column("category")]}/${f[column("imagename")]}`, Number(f[column("top1")])]),
  );
  const same = torch.files.filter((f, i) => ours.get(f) === torch.top1[i]).length;
  console.log(`  same top-1 class as PyTorch: ${same} of ${torch.files.length} images`);
  console.log(
    `  trialwise / PyTorch throughput: ${(torch.seconds / trialwiseSeconds).toFixed(2)}x; decode / model throughput: ${(modelSeconds / (repeats * batch) / (decodeSeconds / n)).toFixed(1)}x`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
