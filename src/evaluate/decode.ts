/**
 * Images to model inputs, off the main thread: decoding (sharp) and preprocessing (./preprocess.ts)
 * run on worker threads, so the next batch is prepared while onnxruntime runs the current one
 * and the main thread only assembles batches. Node only.
 */
import { type Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import sharp from "sharp";
import { InputError } from "../core/errors.ts";
import { defaultDecoderCount } from "./decoder-count.ts";
import { startModuleWorker } from "../io/module-worker.ts";
import { type InputSpec, type RgbImage, preprocess } from "./preprocess.ts";

/** Decodes an image to 8-bit RGB: greyscale becomes three equal channels, alpha is dropped. */
export async function decodeRgb(path: string): Promise<RgbImage> {
  try {
    return await decodeRgbOrThrow(path);
  } catch (error) {
    throw new InputError(`cannot read the image (${(error as Error).message})`, { file: path });
  }
}

async function decodeRgbOrThrow(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * The default number of decoding threads: one per core beyond the first, at least one and at
 * most four (the model's own threads need the cores too; on 2 cores one decoder keeps up with
 * ResNet-50, see BENCHMARKS.md).
 */

const WORKER_TAG = "trialwise-decode-worker";

type Request = { id: number; path: string };
type Reply = { id: number; tensor: Float32Array } | { id: number; failure: string };

/** Worker threads turning image files into preprocessed input tensors, in the order asked. */
export class DecodePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { path: string; resolve: (t: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure?: Error;

  constructor(spec: InputSpec, size: number = defaultDecoderCount()) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`decoder threads must be a positive integer, got ${size}`);
    this.workers = Array.from({ length: size }, () => {
      const worker = startModuleWorker(import.meta.url, { tag: WORKER_TAG, spec });
      worker.on("message", (reply: Reply) => this.settle(reply));
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => code !== 0 && this.fail(new Error(`a decoding thread exited with code ${code}`)));
      return worker;
    });
  }

  /** The preprocessed tensor of one image; an unreadable image rejects with an InputError naming it. */
  tensor(path: string): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { path, resolve, reject });
      this.workers[id % this.workers.length].postMessage({ id, path } satisfies Request);
    });
  }

  /** Stops the threads; tensors still pending reject. */
  async close(): Promise<void> {
    this.fail(new Error("the decode pool was closed"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(reply: Reply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if ("tensor" in reply) job.resolve(reply.tensor);
    else job.reject(new InputError(`cannot read the image (${reply.failure})`, { file: job.path }));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of this.pending.values()) job.reject(this.failure);
    this.pending.clear();
  }
}

function runWorker(): void {
  const spec = (workerData as { spec: InputSpec }).spec;
  parentPort!.on("message", async ({ id, path }: Request) => {
    try {
      const tensor = preprocess(await decodeRgbOrThrow(path), spec);
      parentPort!.postMessage({ id, tensor } satisfies Reply, [tensor.buffer as ArrayBuffer]);
    } catch (error) {
      parentPort!.postMessage({ id, failure: (error as Error).message } satisfies Reply);
    }
  });
}

if (!isMainThread && (workerData as { tag?: string } | undefined)?.tag === WORKER_TAG) runWorker();
