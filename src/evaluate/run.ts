/**
 * `trialwise evaluate`: an ONNX image classifier on a stimulus folder, to trials in the
 * model-vs-human schema. Node only (onnxruntime-node, sharp).
 */
import { appendFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import type * as Ort from "onnxruntime-node";
import { InputError } from "../core/errors.ts";
import { SCHEMA_COLUMNS, compareText } from "../core/trials.ts";
import { type ColumnType, TRIAL_COLUMN_TYPES, writeTable } from "../io/table-parquet.ts";
import { type Aggregation, type LabelMap, categoryOrder, decide } from "./decisions.ts";
import { DecodePool } from "./decode.ts";
import { IMAGENET_INPUT, type InputSpec } from "./preprocess.ts";
import { type Stimulus, readStimuli } from "./stimuli.ts";

type OnnxRuntime = typeof Ort;

/**
 * onnxruntime-node, loaded when a model is opened: an optional peer dependency (about 290 MB)
 * that only evaluate needs, so that a library user who analyses trials does not install it.
 */
async function loadOnnxRuntime(): Promise<OnnxRuntime> {
  let ort: OnnxRuntime;
  try {
    const loaded = (await import("onnxruntime-node")) as OnnxRuntime & { default?: OnnxRuntime };
    // A CommonJS package: Node gives its exports as the default export, tsx as named ones.
    ort = loaded.default ?? loaded;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && /'onnxruntime-node'/.test((error as Error).message);
    if (!missing) throw error;
    throw new InputError(
      "trialwise evaluate needs onnxruntime-node, an optional dependency that is not installed: npm install onnxruntime-node",
    );
  }
  // onnxruntime's own log lines (e.g. a missing CUDA library, printed in colour before the call
  // fails) would repeat on stderr what trialwise's error or note already says with its reason.
  ort.env.logLevel = "fatal";
  return ort;
}

export interface EvaluateOptions {
  model: string;
  stimuli: string;
  /** The observer's name (`subj`). */
  name: string;
  map: LabelMap | { identity: readonly string[] };
  outputsAre?: "logits" | "probabilities";
  aggregation?: Aggregation;
  /** Preprocessing (default torchvision's ImageNet evaluation) and the input's name. */
  spec?: InputSpec;
  input?: string;
  /** onnxruntime execution providers in order of preference, e.g. ["cuda", "cpu"]; default ["cpu"]. */
  providers?: readonly string[];
  batch?: number;
  /** Worker threads decoding and preprocessing images ahead of the model (default: defaultDecoderCount()). */
  decoders?: number;
  output: string;
  /** Also write one row per image: its category scores and the model's top-5 raw outputs. */
  scores?: string;
  /** Evaluate only shard k of n (1-based k): the stimuli at sorted positions i with i mod n = k - 1. */
  shard?: { k: number; n: number };
  /** The stimuli, already read and checked (e.g. from model-vs-human's layout); default: read from `stimuli`. */
  stimulusList?: readonly Stimulus[];
  onProgress?: (done: number, total: number) => void;
  /** What the run tells the user on the way (e.g. a provider that is not available). */
  onNote?: (message: string) => void;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k);
}

/**
 * Runs the model on every stimulus (preprocessed as torchvision's ImageNet evaluation), maps
 * each output to a decision, and writes the trials (`subj,session,trial,rt,object_response,
 * category,condition,imagename`) atomically, creating the output's folder if needed.
 */
export async function evaluateModel(options: EvaluateOptions): Promise<{ trials: number; correct: number; evaluated: number }> {
  const all = options.stimulusList ?? (await readStimuli(options.stimuli));
  // Trial numbers are positions in the whole sorted set, so shards merge into trials 1..N.
  const numbered = all.map((s, i) => ({ ...s, trial: i + 1 }));
  const stimuli = options.shard ? shardOf(numbered, options.shard) : numbered;
  const categories = "identity" in options.map ? options.map.identity : Object.keys(options.map.categories);
  const unknown = [...new Set(stimuli.map((s) => s.category))].filter((c) => !categories.includes(c));
  if (unknown.length > 0) {
    throw new InputError(
      `folder categories ${unknown.map((c) => `"${c}"`).join(", ")} are not categories of the label map (${[...categories].sort(compareText).join(", ")})`,
      {
        file: options.stimuli,
      },
    );
  }
  const ort = await loadOnnxRuntime();
  const session = await openSession(ort, options.model, options.providers ?? ["cpu"], options.onNote);
  const input = options.input ?? session.inputNames[0];
  if (!session.inputNames.includes(input)) {
    throw new InputError(`the model has no input "${input}"; its inputs: ${session.inputNames.join(", ")}`, { file: options.model });
  }
  const spec = options.spec ?? IMAGENET_INPUT;
  const side = spec.crop;
  const dims = (n: number) => (spec.layout === "NCHW" ? [n, 3, side, side] : [n, side, side, 3]);
  const output = session.outputNames[0];
  const batch = options.batch ?? 16;
  const fixedBatch = fixedBatchSize(session, input);
  if (fixedBatch !== undefined && fixedBatch !== batch) {
    throw new InputError(
      `the model takes batches of exactly ${fixedBatch} image${fixedBatch === 1 ? "" : "s"} (input "${input}" is ${dims(fixedBatch).join("x")}), not ${batch}; run with --batch ${fixedBatch}`,
      { file: options.model },
    );
  }
  const rows: Record<string, string | number>[] = [];
  const scoreRows: Record<string, string | number>[] = [];
  const checkpoint = `${options.output}.partial`;
  for (const file of [options.output, options.scores ?? options.output]) {
    await mkdir(dirname(resolve(file)), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`cannot create the output's folder (${error.code ?? error.message})`, { file });
    });
  }
  const resumed = await resumeFrom(checkpoint, checkpointKey(options, stimuli.length), stimuli);
  for (const entry of resumed) {
    rows.push(entry.row);
    if (entry.scores) scoreRows.push(entry.scores);
  }
  let correct = rows.filter((r) => r.object_response === r.category).length;
  let topCount = 5;
  // Images whose outputs hold NaN or an infinity: no decision can be taken from them (argmax
  // would give the first category). The run goes on to count them, then fails.
  const notFinite: Stimulus[] = [];
  const scoreNames = "identity" in options.map ? [...options.map.identity].sort(compareText) : categoryOrder(options.map);
  // The next batch is decoded and preprocessed on worker threads while the model runs on
  // onnxruntime's threads, so decoding overlaps inference.
  const pool = new DecodePool(spec, options.decoders);
  try {
    const prepare = (start: number) => Promise.all(stimuli.slice(start, start + batch).map((s) => pool.tensor(s.path)));
    let upcoming = rows.length < stimuli.length ? prepare(rows.length) : undefined;
    options.onProgress?.(rows.length, stimuli.length);
    for (let start = rows.length; start < stimuli.length; start += batch) {
      const chunk = stimuli.slice(start, start + batch);
      const tensors = await upcoming!;
      upcoming = start + batch < stimuli.length ? prepare(start + batch) : undefined;
      // An error of the prefetched batch surfaces when it is awaited; until then keep it handled.
      upcoming?.catch(() => undefined);
      // A model with a fixed batch size gets its last, shorter batch padded with zeros; the
      // outputs of the padding are ignored.
      const images = fixedBatch ?? chunk.length;
      const data = new Float32Array(images * 3 * side * side);
      tensors.forEach((t, i) => data.set(t, i * t.length));
      let result: Ort.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run({ [input]: new ort.Tensor("float32", data, dims(images)) });
      } catch (error) {
        throw new InputError(
          `the model does not accept a ${dims(images).join("x")} float32 input "${input}" (${(error as Error).message.split("\n")[0]}); a model card (--card) can set its size and layout`,
          { file: options.model },
        );
      }
      const logits = result[output].data as Float32Array;
      const width = logits.length / images;
      const expected = "identity" in options.map ? options.map.identity.length : options.map.classes;
      if (width !== expected) {
        throw new InputError(
          `the model gives ${width} outputs per image, the label map expects ${expected}; a model card (--card) or --mapping/--identity can describe its outputs`,
          { file: options.model },
        );
      }
      topCount = Math.min(5, width);
      chunk.forEach((s, i) => {
        const outputs = logits.subarray(i * width, (i + 1) * width);
        if (!outputs.every(Number.isFinite)) {
          notFinite.push(s);
          return;
        }
        const decision = decide(outputs, options);
        if (options.scores) {
          const row: Record<string, string | number> = { imagename: s.name, category: s.category, decision: decision.category };
          scoreNames.forEach((name, c) => (row[`score_${name}`] = decision.scores[c]));
          topK(outputs, topCount).forEach((index, r) => (row[`top${r + 1}`] = index));
          scoreRows.push(row);
        }
        if (decision.category === s.category) correct++;
        rows.push({
          subj: options.name,
          session: 1,
          trial: s.trial,
          rt: "NaN",
          object_response: decision.category,
          category: s.category,
          condition: s.condition,
          imagename: s.name,
        });
      });
      // After an image without a decision the checkpoint would no longer follow the stimuli in order.
      if (notFinite.length === 0) {
        const added = rows
          .slice(start)
          .map((row, i) => `${JSON.stringify({ row, scores: scoreRows[start + i] })}\n`)
          .join("");
        await appendFile(checkpoint, added);
      }
      options.onProgress?.(Math.min(start + batch, stimuli.length), stimuli.length);
    }
  } finally {
    await pool.close();
  }
  if (notFinite.length > 0) {
    const shown = notFinite
      .slice(0, 5)
      .map((s) => s.path)
      .join(", ");
    const more = notFinite.length > 5 ? ` and ${notFinite.length - 5} more` : "";
    throw new InputError(
      `the model's outputs are not finite (NaN or infinite) for ${notFinite.length} of ${stimuli.length} images: ${shown}${more}; expected finite scores for every image`,
      { file: options.model },
    );
  }
  await writeTable(options.output, rows, SCHEMA_COLUMNS, TRIAL_COLUMN_TYPES);
  if (options.scores) {
    const tops = Array.from({ length: topCount }, (_, r) => `top${r + 1}`);
    const types: Record<string, ColumnType> = Object.fromEntries([
      ...scoreNames.map((n) => [`score_${n}`, "double"]),
      ...tops.map((t) => [t, "integer"]),
    ]);
    await writeTable(
      options.scores,
      scoreRows,
      ["imagename", "category", "decision", ...scoreNames.map((n) => `score_${n}`), ...tops],
      types,
    );
  }
  await rm(checkpoint, { force: true });
  return { trials: rows.length, correct, evaluated: rows.length - resumed.length };
}

/**
 * An onnxruntime session on the first of `providers` (in order of preference) that loads: a
 * provider whose libraries are missing (e.g. CUDA without onnxruntime-node's CUDA binaries) is
 * noted and the next one tried; the last one's failure is the error.
 */
async function openSession(
  ort: OnnxRuntime,
  model: string,
  providers: readonly string[],
  note: (message: string) => void = () => {},
): Promise<Ort.InferenceSession> {
  try {
    await stat(model);
  } catch {
    throw new InputError("no such file; expected an ONNX model", { file: model });
  }
  for (let i = 0; ; i++) {
    try {
      return await ort.InferenceSession.create(model, { executionProviders: providers.slice(i) });
    } catch (error) {
      const reason = (error as Error).message.split("\n")[0];
      const providerFailed = /ExecutionProvider|execution provider/i.test(reason);
      if (providerFailed && i + 1 < providers.length) {
        note(`the ${providers[i]} execution provider is not available (${reason}); trying ${providers[i + 1]}`);
        continue;
      }
      throw new InputError(
        providerFailed
          ? `the ${providers[i]} execution provider is not available (${reason}); see docs/cli.md (evaluate) on installing onnxruntime-node's CUDA binaries, or add cpu to --providers`
          : `cannot load the ONNX model (${reason})`,
        { file: model },
      );
    }
  }
}

/** The first dimension of the model's input when the model fixes it (e.g. 1), else undefined. */
function fixedBatchSize(session: Ort.InferenceSession, input: string): number | undefined {
  const metadata = session.inputMetadata[session.inputNames.indexOf(input)];
  const first = metadata?.isTensor ? metadata.shape[0] : undefined;
  return typeof first === "number" && first > 0 ? first : undefined;
}

/** The model's name from its file, for `subj` when none is given. */
export function modelName(path: string): string {
  return basename(path, extname(path));
}

interface CheckpointEntry {
  row: Record<string, string | number>;
  scores?: Record<string, string | number>;
}

/** What must not change for a checkpoint to be resumed: model, stimuli, name, mapping, outputs. */
function checkpointKey(options: EvaluateOptions, stimuli: number): string {
  const map = "identity" in options.map ? { identity: options.map.identity } : options.map;
  return JSON.stringify({
    trialwise_evaluate: 1,
    model: resolve(options.model),
    stimuli: resolve(options.stimuli),
    count: stimuli,
    name: options.name,
    map,
    outputsAre: options.outputsAre ?? "logits",
    spec: options.spec ?? null,
    input: options.input ?? null,
    aggregation: options.aggregation ?? "mean",
    scores: Boolean(options.scores),
    shard: options.shard ?? null,
  });
}

/**
 * The trials an interrupted run left in its checkpoint (`<output>.partial`: a key line, then
 * one JSON line per trial, appended after every batch), when the key matches this run: the
 * longest prefix of whole lines that matches the stimuli in order (a line torn by the
 * interruption, and anything after it, is dropped). The checkpoint is rewritten to exactly that
 * prefix, or started afresh.
 */
async function resumeFrom(checkpoint: string, key: string, stimuli: readonly Stimulus[]): Promise<CheckpointEntry[]> {
  const entries: CheckpointEntry[] = [];
  const text = await readFile(checkpoint, "utf8").catch(() => undefined);
  const lines = text?.split("\n") ?? [];
  if (lines[0] === key) {
    for (const line of lines.slice(1)) {
      let entry: CheckpointEntry;
      try {
        entry = JSON.parse(line) as CheckpointEntry;
      } catch {
        break;
      }
      const stimulus = stimuli[entries.length];
      if (!stimulus || entry.row?.imagename !== stimulus.name || entry.row?.category !== stimulus.category) break;
      entries.push(entry);
    }
  }
  await writeFile(checkpoint, `${key}\n${entries.map((e) => `${JSON.stringify(e)}\n`).join("")}`).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot write the checkpoint (${error.code ?? error.message})`, { file: checkpoint });
  });
  return entries;
}

/** Shard k of n (1-based): the items at positions i with i mod n = k - 1; deterministic. */
export function shardOf<T>(items: readonly T[], shard: { k: number; n: number }): T[] {
  const { k, n } = shard;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1 && k <= n))
    throw new RangeError(`shard must be k/n with 1 <= k <= n, got ${k}/${n}`);
  return items.filter((_, i) => i % n === k - 1);
}
