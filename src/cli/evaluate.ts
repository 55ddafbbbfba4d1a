import { readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { type Command, Option } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import { checkName } from "../core/file-names.ts";
import type { ModelCard } from "../evaluate/card.ts";
import type { Aggregation, LabelMap } from "../evaluate/decisions.ts";
import { defaultDecoderCount } from "../evaluate/decoder-count.ts";
import { configureCommand } from "./command.ts";
import type { CliIO } from "./io.ts";
import { nameList, wholeNumber } from "./flags.ts";

interface EvaluateFlags {
  name?: string;
  dataset?: string;
  output?: string;
  mapping: string;
  identity?: string;
  aggregation: Aggregation;
  outputs: "logits" | "probabilities";
  batch: string;
  decoders?: string;
  scores?: string;
  shard?: string;
  card?: string;
  providers: string;
}

export async function readCard(path: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new InputError("cannot read the model card", { file: path });
  }
  try {
    const { parseModelCard } = await import("../evaluate/card.ts");
    return parseModelCard(JSON.parse(text), path);
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputError(`invalid JSON (${error.message})`, { file: path });
    throw error;
  }
}

export function shardFlag(value: string | undefined): { k: number; n: number } | undefined {
  if (value === undefined) return undefined;
  const match = value.match(/^(\d+)\/(\d+)$/);
  const [k, n] = match ? [match[1], match[2]].map((part) => wholeNumber("--shard", part, { min: 1 })) : [];
  if (!match || k > n) throw new UsageError(`--shard: expected k/n with 1 <= k <= n, not "${value}"`);
  return { k, n };
}

export async function labelMap(flags: EvaluateFlags): Promise<LabelMap | { identity: string[] }> {
  if (flags.identity !== undefined) return { identity: nameList("--identity", flags.identity) };
  const { IMAGENET16, checkLabelMap } = await import("../evaluate/decisions.ts");
  if (flags.mapping === "imagenet16") return IMAGENET16;
  let text: string;
  try {
    text = await readFile(flags.mapping, "utf8");
  } catch {
    throw new InputError("cannot read the label map; expected imagenet16 or a JSON file", { file: flags.mapping });
  }
  try {
    return checkLabelMap(JSON.parse(text), flags.mapping);
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputError(`invalid JSON (${error.message})`, { file: flags.mapping });
    throw error;
  }
}

/**
 * Where the trials go: `output` as given, or, when it is absent, an existing folder or ends in a
 * slash, `<dataset>_<name>_session-1.csv` (the model-vs-human file naming) in that folder.
 */
export async function outputPath(output: string | undefined, dataset: string, name: string): Promise<string> {
  const file = `${dataset}_${name}_session-1.csv`;
  if (output === undefined) return file;
  if (/[\\/]$/.test(output)) return join(output, file);
  const info = await stat(output).catch(() => undefined);
  return info?.isDirectory() ? join(output, file) : output;
}

/** The largest --batch and --decoders (the reasons are in the messages). */
export const MAX_BATCH = 1024;
export const MAX_DECODERS = 64;

/** Registers `trialwise evaluate`. */
export function addEvaluateCommand(program: Command, io: CliIO): void {
  configureCommand(program.command("evaluate"), io, [
    "trialwise evaluate resnet50.onnx stimuli/edges --name resnet50 -o resnet50-edges.csv",
    "trialwise evaluate resnet50.onnx stimuli/edges --dataset texture-shape_edges -o my-data/texture-shape_edges/",
    "trialwise evaluate my16way.onnx stimuli/ --identity airplane,bear,bicycle,... --outputs probabilities -o trials.csv",
  ])
    .description(
      "Run an ONNX image classifier on a stimulus folder (<category>/<image>) and write its decisions as trials in the model-vs-human schema. Preprocessing as torchvision's ImageNet evaluation (shorter side 256, antialiased bilinear; centre crop 224; ImageNet mean/sd; NCHW float32); 1000-class outputs mapped to the 16 categories by the mean softmax probability of each category's ImageNet classes.",
    )
    .argument("<model>", "the ONNX model (input N x 3 x 224 x 224 float32)")
    .argument("<stimuli>", "stimulus folder laid out <category>/<image>, or a manifest CSV file,category[,condition]")
    .option(
      "-o, --output <file>",
      "trials file to write (atomically): CSV, or Parquet when it ends in .parquet; a folder (existing, or ending in /) gets <dataset>_<name>_session-1.csv (the default, in the current folder)",
    )
    .option("--name <name>", "observer name written as subj (default: the model file's name)")
    .option("--dataset <name>", "the dataset's name, for the default file name (default: the stimulus folder's or manifest's name)")
    .option("--mapping <map>", "imagenet16, or a JSON label map {classes, categories: {name: [indices]}}", "imagenet16")
    .addOption(
      new Option(
        "--identity <categories>",
        "the model outputs these categories directly, in this order (comma-separated); instead of --mapping and --aggregation",
      ).conflicts(["mapping", "aggregation"]),
    )
    .addOption(
      new Option("--aggregation <how>", "how a category's class probabilities combine").choices(["mean", "sum", "max"]).default("mean"),
    )
    .addOption(new Option("--outputs <kind>", "what the model outputs").choices(["logits", "probabilities"]).default("logits"))
    .option("--batch <n>", `images per inference batch (at most ${MAX_BATCH})`, "16")
    .option(
      "--decoders <n>",
      `worker threads decoding and preprocessing images ahead of the model (default ${defaultDecoderCount()}: the cores but one, up to 4; the most allowed is ${MAX_DECODERS})`,
    )
    .addOption(
      new Option(
        "--card <file>",
        "a model card (JSON): input name, resize, crop, mean, std, layout NCHW/NHWC, colours RGB/BGR, outputs, mapping, aggregation; instead of --mapping, --identity, --aggregation and --outputs",
      ).conflicts(["mapping", "identity", "aggregation", "outputs"]),
    )
    .option(
      "--providers <list>",
      "onnxruntime execution providers in order of preference (cuda needs onnxruntime-node's CUDA binaries, see docs/cli.md)",
      "cpu",
    )
    .option("--shard <k/n>", "evaluate only shard k of n (deterministic; join the shards with trialwise merge)")
    .option(
      "--scores <file>",
      "also write one row per image (CSV, or Parquet for .parquet): its category scores (score_<category>) and the indices of the model's top-5 outputs",
    )
    .action(async (model: string, stimuli: string, flags: EvaluateFlags) => {
      const [{ evaluateModel, modelName }, { tableFileFormat }, { stepReporter }] = await Promise.all([
        import("../evaluate/run.ts"),
        import("../io/table-parquet.ts"),
        import("./progress.ts"),
      ]);
      const batch = wholeNumber("--batch", flags.batch, {
        min: 1,
        max: MAX_BATCH,
        why: "a batch is one float32 tensor in memory, about 0.6 MB per 224 x 224 image",
      });
      const decoders =
        flags.decoders === undefined
          ? undefined
          : wholeNumber("--decoders", flags.decoders, {
              min: 1,
              max: MAX_DECODERS,
              why: "each decoder is a worker thread holding decoded images; more threads than cores do not help",
            });
      const card = flags.card ? await readCard(flags.card) : undefined;
      const name = flags.name ?? modelName(model);
      checkName(
        name,
        flags.name === undefined
          ? { file: model, what: "the observer's name from the model file's name", flag: "--name" }
          : { flag: "--name" },
      );
      if (flags.dataset !== undefined) checkName(flags.dataset, { flag: "--dataset" });
      const dataset = flags.dataset ?? basename(stimuli, extname(stimuli));
      const output = await outputPath(flags.output, dataset, name);
      tableFileFormat(output);
      if (flags.scores !== undefined) tableFileFormat(flags.scores, "--scores");
      // The stimulus folder's name matters only where it names the output file.
      if (output !== flags.output)
        checkName(dataset, { file: stimuli, what: "the dataset's name from the stimulus folder's name", flag: "--dataset" });
      const progress = stepReporter(io, "trialwise evaluate", "images");
      const start = performance.now();
      try {
        const result = await evaluateModel({
          model,
          stimuli,
          name,
          map: card ? card.map : await labelMap(flags),
          outputsAre: card ? card.outputs : flags.outputs,
          aggregation: card ? card.aggregation : flags.aggregation,
          spec: card?.spec,
          providers: nameList("--providers", flags.providers),
          input: card?.input,
          batch,
          decoders,
          output,
          scores: flags.scores,
          shard: shardFlag(flags.shard),
          onProgress: (done, total) => progress.onProgress("classifying images", done, total),
          onNote: (message) => io.stderr(`trialwise evaluate: note: ${message}\n`),
        });
        progress.stop();
        const rate = result.evaluated / ((performance.now() - start) / 1000);
        io.stderr(
          `trialwise evaluate: ${result.trials} trials, accuracy ${(result.correct / result.trials).toFixed(4)}, written to ${output} (${result.evaluated} images evaluated now, ${rate.toFixed(1)} images/s)\n`,
        );
      } finally {
        progress.stop();
      }
    });
}

/** Registers `trialwise merge`. */
export function addMergeCommand(program: Command, io: CliIO): void {
  configureCommand(program.command("merge"), io, ["trialwise merge shard-*.csv -o resnet50-edges.csv --stimuli stimuli/edges"])
    .description("Join the shards of `trialwise evaluate --shard k/n` into one trials file, checking that no trial is missing or twice.")
    .argument("<shards...>", "the shard CSV files")
    .requiredOption("-o, --output <file>", "the merged trials file (written atomically): CSV, or Parquet when it ends in .parquet")
    .option("--stimuli <folder>", "also check the trials against the stimulus folder's images")
    .action(async (shards: string[], flags: { output: string; stimuli?: string }) => {
      const [{ mergeShards }, { tableFileFormat }] = await Promise.all([import("../evaluate/merge.ts"), import("../io/table-parquet.ts")]);
      tableFileFormat(flags.output);
      const trials = await mergeShards(shards, flags.output, flags.stimuli);
      io.stderr(`trialwise merge: ${trials} trials from ${shards.length} shard(s) written to ${flags.output}\n`);
    });
}
