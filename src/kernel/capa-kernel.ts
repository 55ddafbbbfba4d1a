/**
 * All-pairs CAPA sums: for N models with flat float32 probability vectors of `width` values
 * (every item's options in turn), the dot product of every pair, S[a][b] = sum_k P[a][k] P[b][k]
 * (the matrix product P P^T). CAPA's observed agreement of a pair is S[a][b] / items; the rest of
 * CAPA (p_hat, f, c_exp_p, kappa_p) is per model or per item and done by the caller
 * (./capa-pairs.ts, ../core/capa.ts).
 *
 * Kernels: WebAssembly SIMD (./capa.wat: f32x4, 3 x 3 register blocks over a cache block of
 * values, float32 sums per cache block added into float64) or the TypeScript fallback (same
 * tiles and layout, float64 sums of the float32 products, exact products). Both read the
 * models' values rounded to float32, so both agree with a float64 computation to float32
 * rounding: relative error below 1e-5 of the sum (tested; typically about 1e-7), see
 * {@link CAPA_SUM_RELATIVE_TOLERANCE}.
 *
 * Tiles of the pair matrix (upper triangle, diagonal included) go to worker threads in Node
 * (./capa-threads.ts) sharing one memory. Streaming: when the models' matrix is larger than
 * `maxBytes`, models are read in blocks from the source (two blocks in memory at a time: block I,
 * then each block J >= I in turn) and tiles are handed on as they are computed; no N x N matrix
 * is built when `onTile` is given. Isomorphic except for the threads and, on Node 20, the V8 flag
 * that enables relaxed SIMD (./relaxed-simd-node.ts): Node-only modules loaded only in Node, when
 * used.
 */
import { type MemoryLease, MemoryKeeper } from "./kept-memory.ts";
import {
  CAPA_RELAXED_WASM_SHARED_BASE64,
  CAPA_RELAXED_WASM_UNSHARED_BASE64,
  CAPA_WASM_SHARED_BASE64,
  CAPA_WASM_UNSHARED_BASE64,
} from "./kernel-wasm.ts";
import { type WasmMemory, type WasmModule, createMemory, decodeBase64, wasmApi } from "./wasm.ts";

export type CapaKernelName = "wasm" | "ts";

/**
 * The WebAssembly kernel's multiply-add: relaxed SIMD's f32x4.relaxed_madd (one fused
 * instruction where the CPU has FMA; about 3 times the throughput of the other on the benchmark
 * machine, BENCHMARKS.md) where the engine accepts it (Node 22 and later; Node 20 with
 * --experimental-wasm-relaxed-simd, which a run sets itself unless TRIALWISE_NO_V8_FLAGS is set:
 * ./relaxed-simd-node.ts), else f32x4.mul then f32x4.add. Both within
 * {@link CAPA_SUM_RELATIVE_TOLERANCE}.
 */
export type CapaSimd = "relaxed-madd" | "mul-add";

/** The models' values, read a block of models at a time (the whole matrix need not be in memory). */
export interface CapaSource {
  /** Number of models (rows). */
  readonly models: number;
  /** Values per model (columns): the sum of the items' option counts. */
  readonly width: number;
  /**
   * Writes models start..end-1's values, row-major (`width` per model), into `into` (length
   * (end - start) * width). May be asynchronous (a file reader).
   */
  read(start: number, end: number, into: Float32Array): void | Promise<void>;
}

/**
 * One tile of the pair matrix: models rowStart..rowEnd-1 against colStart..colEnd-1
 * (colStart >= rowStart); `sums` row-major, S[i][j] at sums[(i - rowStart) * (colEnd - colStart)
 * + (j - colStart)]. Entries with j > i are pairs; on a diagonal tile (rowStart === colStart)
 * j = i is a model's own sum of squares and entries with j < i are unspecified. Every pair lies in
 * exactly one tile.
 */
export interface CapaTile {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  sums: Float64Array;
}

export interface CapaKernelOptions {
  /** "wasm", "ts" or "auto" (default: wasm where WebAssembly SIMD is available). */
  kernel?: CapaKernelName | "auto";
  /** The WebAssembly kernel's multiply-add (default "auto": relaxed-madd where available); for tests and benchmarks. */
  simd?: CapaSimd | "auto";
  /**
   * Threads computing tiles (Node only above 1). Default: 1 below {@link CAPA_AUTO_THREADS_MIN_WORK}
   * or outside Node, else os.availableParallelism().
   */
  threads?: number;
  /** Models per tile side, a multiple of 3 (default {@link CAPA_TILE_SIZE}). */
  tileSize?: number;
  /** Values per cache block, a multiple of 4 (default {@link CAPA_CHUNK_VALUES}; 0: all at once). */
  chunkValues?: number;
  /**
   * Most bytes of working memory (the models' values in the kernel's layout, the tile outputs and
   * a staging buffer). Above it the models are streamed in blocks (default {@link CAPA_MAX_BYTES}).
   */
  maxBytes?: number;
  /**
   * Receives every tile (tiles in no fixed order; its sums an array of its own). A returned
   * promise is awaited before that thread gets more work. Without it the N x N matrix is returned.
   */
  onTile?: (tile: CapaTile) => void | Promise<void>;
}

export interface CapaSums {
  models: number;
  width: number;
  kernel: CapaKernelName;
  /** The WebAssembly kernel's multiply-add (absent for the TypeScript kernel). */
  simd?: CapaSimd;
  threads: number;
  /** Models per block: all of them unless the matrix was streamed. */
  blockModels: number;
  /** Without onTile: the symmetric N x N matrix of sums, S[a * N + b] (diagonal: sums of squares). */
  sums?: Float64Array;
}

/** Default tile side: 96 x 96 models (32 x 32 register blocks; measured, BENCHMARKS.md). */
export const CAPA_TILE_SIZE = 96;
/** Default cache block: 1,024 values (4 KiB per model, 12 KiB per register block's rows). */
export const CAPA_CHUNK_VALUES = 1024;
/** Default working-memory limit: 2 GiB (WebAssembly's 32-bit memories hold at most 4 GiB). */
export const CAPA_MAX_BYTES = 2 ** 31;
/**
 * Relative tolerance of a kernel sum against the float64 computation on the unrounded values:
 * float32 input rounding (2^-24 relative per value, so about 2^-23 per product) plus float32
 * summation over one cache block of 1,024 values (at most 256 additions per lane; the error of
 * such a sum of non-negative terms is bounded by 256 x 2^-24 = 1.5e-5 and in practice, errors
 * averaging out, about 1e-7). Tested at 1e-5 on random tables.
 */
export const CAPA_SUM_RELATIVE_TOLERANCE = 1e-5;
/** Below this work (pairs x values) threads default to 1 (about 20 ms of one core). */
export const CAPA_AUTO_THREADS_MIN_WORK = 2 ** 26;

/** Bytes of one triplet of models per group of four values. */
const TRIPLET_GROUP_BYTES = 48;
/** Staging buffer for models read from the source before interleaving (bytes, at most). */
const STAGING_BYTES = 16 * 2 ** 20;

// ---------------------------------------------------------------------------------------------
// The WebAssembly module

/** The CAPA kernel's exports bound to one memory (addresses are byte offsets). */
export interface CapaWasm {
  capaTile(
    rows: number,
    cols: number,
    groups: number,
    r0: number,
    r1: number,
    c0: number,
    c1: number,
    out: number,
    width: number,
    upper: number,
    chunk: number,
  ): void;
  interleave(from: number, width: number, count: number, to: number, groups: number, first: number): void;
}

const compiled = new Map<string, WasmModule>();

const BINARIES: Record<CapaSimd, Record<"shared" | "unshared", string>> = {
  "mul-add": { shared: CAPA_WASM_SHARED_BASE64, unshared: CAPA_WASM_UNSHARED_BASE64 },
  "relaxed-madd": { shared: CAPA_RELAXED_WASM_SHARED_BASE64, unshared: CAPA_RELAXED_WASM_UNSHARED_BASE64 },
};

/** The compiled CAPA module (shared or unshared memory import; the given multiply-add, default the best available), compiled once. */
export function capaModule(shared: boolean, simd: CapaSimd = bestSimd()): WasmModule {
  const key = `${simd} ${shared}`;
  let module = compiled.get(key);
  if (!module) {
    const api = wasmApi();
    if (!api) throw new Error("WebAssembly is not available here");
    module = new api.Module(decodeBase64(BINARIES[simd][shared ? "shared" : "unshared"]));
    compiled.set(key, module);
  }
  return module;
}

/** Whether this engine compiles the CAPA kernel with the given multiply-add. */
export function capaSimdAvailable(simd: CapaSimd): boolean {
  if (!wasmApi()) return false;
  try {
    capaModule(false, simd);
    return true;
  } catch {
    return false;
  }
}

let best: CapaSimd | undefined;

interface RelaxedSimdModule {
  enableRelaxedSimd(compiles: () => boolean): boolean;
}

let relaxedSimdSetUp: Promise<void> | undefined;

/**
 * In Node, once per process: where relaxed SIMD does not compile as the engine stands (Node 20),
 * ./relaxed-simd-node.ts sets V8's flag for it (unless TRIALWISE_NO_V8_FLAGS is set), so that
 * relaxed-madd becomes available and the default. Nothing elsewhere (browsers) or where it already
 * compiles (Node 22 and later). Runs before a run picks its multiply-add; the modules compiled
 * before it (mul-add) stay valid.
 */
function setUpRelaxedSimd(): Promise<void> {
  if (!relaxedSimdSetUp) {
    const loading = isNode() && !capaSimdAvailable("relaxed-madd") ? importNodeModule<RelaxedSimdModule>("relaxed-simd-node") : undefined;
    relaxedSimdSetUp = loading
      ? loading.then(
          (module) => {
            if (module.enableRelaxedSimd(() => capaSimdAvailable("relaxed-madd"))) best = undefined; // a mul-add chosen before: choose again
          },
          () => undefined, // not loadable: mul-add
        )
      : Promise.resolve();
  }
  return relaxedSimdSetUp;
}

/** relaxed-madd where the engine accepts it, else mul-add. */
function bestSimd(): CapaSimd {
  best ??= capaSimdAvailable("relaxed-madd") ? "relaxed-madd" : "mul-add";
  return best;
}

/** Instantiates the CAPA module on `memory` (a compiled module may be passed, e.g. one posted to a worker). */
export function instantiateCapa(memory: WasmMemory, module?: WasmModule): CapaWasm {
  const api = wasmApi();
  if (!api) throw new Error("WebAssembly is not available here");
  const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
  const instance = new api.Instance(module ?? capaModule(shared), { env: { memory } });
  return instance.exports as unknown as CapaWasm;
}

/** Whether the WebAssembly CAPA kernel runs here (WebAssembly with SIMD). */
export function capaWasmAvailable(): boolean {
  return capaSimdAvailable("mul-add");
}

// ---------------------------------------------------------------------------------------------
// The TypeScript kernel (same layout and tiles)

/**
 * The TypeScript tile: as capa.wat's capaTile, on `values` (the memory as float32) and `out`
 * (the memory as float64), byte addresses as there; sums in float64.
 */
export function capaTileScalar(
  values: Float32Array,
  out: Float64Array,
  rows: number,
  cols: number,
  groups: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  outAt: number,
  width: number,
  upper: boolean,
): void {
  const model = groups * 12; // floats per triplet
  for (let r = r0; r < r1; r++) {
    const a = rows / 4 + r * model;
    const rowOut = outAt / 8 + (r - r0) * 3 * width;
    for (let c = upper ? r : c0; c < c1; c++) {
      const b = cols / 4 + c * model;
      let s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, s20 = 0, s21 = 0, s22 = 0; // prettier-ignore
      for (let g = 0; g < groups; g++) {
        const x = a + g * 12;
        const y = b + g * 12;
        for (let l = 0; l < 4; l++) {
          const x0 = values[x + l];
          const x1 = values[x + 4 + l];
          const x2 = values[x + 8 + l];
          const y0 = values[y + l];
          const y1 = values[y + 4 + l];
          const y2 = values[y + 8 + l];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s20 += x2 * y0;
          s21 += x2 * y1;
          s22 += x2 * y2;
        }
      }
      const o = rowOut + (c - c0) * 3;
      out[o] += s00;
      out[o + 1] += s01;
      out[o + 2] += s02;
      out[o + width] += s10;
      out[o + width + 1] += s11;
      out[o + width + 2] += s12;
      out[o + 2 * width] += s20;
      out[o + 2 * width + 1] += s21;
      out[o + 2 * width + 2] += s22;
    }
  }
}

/** Writes `count` row-major models (at float index `from` of `values`) into the triplet layout and zeroes their padding, as the module's interleave. */
function interleaveScalar(
  values: Float32Array,
  from: number,
  width: number,
  count: number,
  to: number,
  groups: number,
  first: number,
): void {
  for (let m = 0; m < count; m++) {
    const t = first + m;
    const base = to / 4 + Math.floor(t / 3) * groups * 12 + (t % 3) * 4;
    const src = from + m * width;
    for (let k = 0; k < width; k++) values[base + (k >> 2) * 12 + (k & 3)] = values[src + k];
    for (let k = width; k % 4 !== 0; k++) values[base + (k >> 2) * 12 + (k & 3)] = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Working memory

/** Where things lie in the working memory (byte offsets) and the run's sizes. */
export interface CapaLayout {
  groups: number;
  /** Models per block (a multiple of the tile size unless all models fit in one block). */
  blockModels: number;
  /** The row block and the column block (the same address when all models are one block). */
  blockA: number;
  blockB: number;
  blockBytes: number;
  /** Row-major staging for models read from the source. */
  staging: number;
  stagingModels: number;
  /** Tile outputs, one per thread: tileSize x tileSize float64. */
  slots: number;
  slotBytes: number;
  tileSize: number;
  chunkGroups: number;
}

const align = (bytes: number, to: number) => Math.ceil(bytes / to) * to;

/** Plans the working memory of a run: one block if it fits in maxBytes, else the largest blocks that do (two at a time). */
export function planCapa(
  models: number,
  width: number,
  threads: number,
  tileSize: number,
  chunkValues: number,
  maxBytes: number,
): CapaLayout & { bytes: number } {
  const groups = Math.max(1, Math.ceil(width / 4));
  const tripletBytes = groups * TRIPLET_GROUP_BYTES;
  const slotBytes = align(tileSize * tileSize * 8, 64);
  const stagingModels = Math.max(1, Math.min(models, Math.floor(Math.min(STAGING_BYTES, maxBytes / 8) / (width * 4 || 4))));
  const fixed = align(stagingModels * width * 4, 64) + threads * slotBytes;
  const whole = align(Math.ceil(models / 3) * tripletBytes, 64);
  let blockModels = models;
  let blocks = 1;
  if (whole + fixed > maxBytes) {
    // Two blocks at a time: each of whole tiles.
    const perBlock = Math.floor((maxBytes - fixed) / 2 / tripletBytes) * 3;
    blockModels = Math.floor(perBlock / tileSize) * tileSize;
    if (blockModels < tileSize) {
      throw new RangeError(
        `maxBytes ${maxBytes} is too small for ${width} values per model: two tiles of ${tileSize} models need ${2 * (tileSize / 3) * tripletBytes + fixed} bytes`,
      );
    }
    blocks = 2;
  }
  const blockBytes = align(Math.ceil(blockModels / 3) * tripletBytes, 64);
  const blockA = 0;
  const blockB = blocks === 2 ? blockBytes : 0;
  const staging = blocks * blockBytes;
  const slots = staging + align(stagingModels * width * 4, 64);
  const bytes = slots + threads * slotBytes;
  if (bytes > 2 ** 32) throw new RangeError(`the CAPA kernel needs ${bytes} bytes of working memory, more than 4 GiB; lower maxBytes`);
  const chunkGroups = chunkValues === 0 ? 0 : Math.max(1, chunkValues / 4);
  return { groups, blockModels, blockA, blockB, blockBytes, staging, stagingModels, slots, slotBytes, tileSize, chunkGroups, bytes };
}

/** The run's working memory: a WebAssembly memory (wasm) or an array buffer (ts), shared for threads. */
export type CapaWorkspace =
  | { kernel: "wasm"; memory: WasmMemory; module: WasmModule; layout: CapaLayout }
  | { kernel: "ts"; buffer: ArrayBuffer | SharedArrayBuffer; layout: CapaLayout };

function workspaceBuffer(space: CapaWorkspace): ArrayBuffer | SharedArrayBuffer {
  return space.kernel === "wasm" ? space.memory.buffer : space.buffer;
}

/**
 * A block pair's tile work as seen by a thread: rows of the block at `rowsAt` (models
 * rowModel0..) against the block at `colsAt`; `same` when they are one block (diagonal tiles
 * then compute only their upper triangle).
 */
export interface CapaBlockPair {
  rowsAt: number;
  colsAt: number;
  rowModel0: number;
  colModel0: number;
  same: boolean;
}

/**
 * A function computing tile [r0, r1) x [c0, c1) (model indices within the blocks, multiples of 3
 * except at a block's end) of a block pair into thread slot `slot`, returning a view of the sums
 * (valid until that slot's next tile) or, with `copy`, an array of their own.
 */
export function capaTileComputer(
  space: CapaWorkspace,
  slot: number,
): (pair: CapaBlockPair, r0: number, r1: number, c0: number, c1: number, copy: boolean) => Float64Array {
  const { layout } = space;
  const outAt = layout.slots + slot * layout.slotBytes;
  const wasm = space.kernel === "wasm" ? instantiateCapa(space.memory, space.module) : undefined;
  return (pair, r0, r1, c0, c1, copy) => {
    const buffer = workspaceBuffer(space);
    const w = c1 - c0;
    const h = r1 - r0;
    const padded = Math.ceil(w / 3) * 3;
    const out = new Float64Array(buffer, outAt, Math.ceil(h / 3) * 3 * padded);
    out.fill(0);
    const upper = pair.same && r0 === c0;
    const tr0 = r0 / 3;
    const tr1 = Math.ceil(r1 / 3);
    const tc0 = c0 / 3;
    const tc1 = Math.ceil(c1 / 3);
    if (wasm) wasm.capaTile(pair.rowsAt, pair.colsAt, layout.groups, tr0, tr1, tc0, tc1, outAt, padded, upper ? 1 : 0, layout.chunkGroups);
    else
      capaTileScalar(
        new Float32Array(buffer),
        new Float64Array(buffer),
        pair.rowsAt,
        pair.colsAt,
        layout.groups,
        tr0,
        tr1,
        tc0,
        tc1,
        outAt,
        padded,
        upper,
      );
    // Drop the padding columns: the tile's sums, h x w.
    const sums = copy || padded !== w ? new Float64Array(h * w) : out.subarray(0, h * w);
    if (sums.buffer !== out.buffer) for (let i = 0; i < h; i++) sums.set(out.subarray(i * padded, i * padded + w), i * w);
    return sums;
  };
}

// ---------------------------------------------------------------------------------------------
// Runs

function resolveKernel(kernel: CapaKernelName | "auto" | undefined): CapaKernelName {
  if (kernel === undefined || kernel === "auto") return capaWasmAvailable() ? "wasm" : "ts";
  if (kernel !== "wasm" && kernel !== "ts") throw new RangeError(`kernel must be "wasm", "ts" or "auto", got "${kernel}"`);
  if (kernel === "wasm" && !capaWasmAvailable())
    throw new Error('the WebAssembly CAPA kernel is not available here (no WebAssembly SIMD); use kernel "ts"');
  return kernel;
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === "string";
}

/** The tiles of one block pair (model indices within the blocks), as [r0, r1, c0, c1] quadruples. */
export function capaTiles(rows: number, cols: number, same: boolean, tileSize: number): Uint32Array {
  const list: number[] = [];
  for (let r0 = 0; r0 < rows; r0 += tileSize) {
    for (let c0 = same ? r0 : 0; c0 < cols; c0 += tileSize) {
      list.push(r0, Math.min(r0 + tileSize, rows), c0, Math.min(c0 + tileSize, cols));
    }
  }
  return Uint32Array.from(list);
}

/** Computes a block pair's tiles, handing each (model indices within the blocks) to `take`. */
export type CapaTileRunner = (
  space: CapaWorkspace,
  pair: CapaBlockPair,
  tiles: Uint32Array,
  threads: number,
  take: (r0: number, r1: number, c0: number, c1: number, sums: Float64Array, owned: boolean) => void | Promise<void>,
) => Promise<void>;

/** The single-thread runner (the calling thread, slot 0). */
const runHere: CapaTileRunner = async (space, pair, tiles, _threads, take) => {
  const compute = capaTileComputer(space, 0);
  for (let t = 0; t < tiles.length; t += 4) {
    const [r0, r1, c0, c1] = tiles.subarray(t, t + 4);
    await take(r0, r1, c0, c1, compute(pair, r0, r1, c0, c1, false), false);
  }
};

interface CapaThreadsModule {
  defaultThreadCount(): number;
  runCapaTilesThreaded: CapaTileRunner;
  closeCapaThreads(): Promise<void>;
}

let threadsModule: Promise<CapaThreadsModule> | undefined;

/**
 * Imports the Node-only module ./<name>.ts (./<name>.js in dist) by a URL computed here, so browser
 * bundlers leave it out; undefined where this module was not loaded from its own file (a bundle).
 */
function importNodeModule<Module>(name: string): Promise<Module> | undefined {
  const here = (import.meta as unknown as { url?: string }).url;
  if (typeof here !== "string" || !/\/capa-kernel\.(ts|js)$/.test(here)) return undefined;
  return import(/* @vite-ignore */ here.replace(/\/capa-kernel\.(ts|js)$/, `/${name}.$1`)) as Promise<Module>;
}

/** Loads ./capa-threads.ts, once. */
function loadThreads(): Promise<CapaThreadsModule> {
  threadsModule ??= importNodeModule<CapaThreadsModule>("capa-threads");
  return (
    threadsModule ?? Promise.reject(new Error("worker threads are available in Node only (from trialwise's own modules); use threads: 1"))
  );
}

/** Terminates the CAPA kernel's idle worker threads (they never keep the process alive) and drops its kept working memory. */
export async function closeCapaThreads(): Promise<void> {
  keeper.drop();
  if (threadsModule) await (await threadsModule).closeCapaThreads();
}

/** A source over a row-major float32 matrix already in memory. */
export function matrixSource(values: Float32Array, models: number, width: number): CapaSource {
  if (values.length < models * width) throw new RangeError(`values holds ${values.length} numbers, need ${models} x ${width}`);
  return { models, width, read: (start, end, into) => into.set(values.subarray(start * width, end * width)) };
}

/**
 * The dot products of every pair of the source's models (see the module comment): the N x N
 * matrix, or, with `onTile`, tile by tile. Any kernel, thread count, tile size and memory limit
 * give the same sums up to float32 rounding ({@link CAPA_SUM_RELATIVE_TOLERANCE}).
 */
export async function capaAllPairSums(source: CapaSource, options: CapaKernelOptions = {}): Promise<CapaSums> {
  const { models: n, width } = source;
  const kernel = resolveKernel(options.kernel);
  if (kernel === "wasm" && options.simd !== "mul-add") await setUpRelaxedSimd();
  const simd = options.simd === undefined || options.simd === "auto" ? bestSimd() : options.simd;
  if (simd !== "mul-add" && simd !== "relaxed-madd")
    throw new RangeError(`simd must be "mul-add", "relaxed-madd" or "auto", got "${simd}"`);
  if (kernel === "wasm" && !capaSimdAvailable(simd))
    throw new Error(
      `the CAPA kernel's ${simd} variant does not compile here${simd === "relaxed-madd" ? " (relaxed SIMD: Node 22 or later, or Node 20 with --experimental-wasm-relaxed-simd, which trialwise sets itself unless TRIALWISE_NO_V8_FLAGS is set)" : ""}`,
    );
  const tileSize = options.tileSize ?? CAPA_TILE_SIZE;
  if (!(Number.isInteger(tileSize) && tileSize >= 3 && tileSize % 3 === 0 && tileSize <= 3072))
    throw new RangeError(`tileSize must be a multiple of 3 from 3 to 3072, got ${tileSize}`);
  const chunkValues = options.chunkValues ?? CAPA_CHUNK_VALUES;
  if (!(Number.isInteger(chunkValues) && chunkValues >= 0 && chunkValues % 4 === 0))
    throw new RangeError(`chunkValues must be a non-negative multiple of 4, got ${chunkValues}`);
  let threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (threads === undefined) {
    threads = 1;
    if (isNode() && ((n * (n - 1)) / 2) * width >= CAPA_AUTO_THREADS_MIN_WORK && n > tileSize) {
      threads = await loadThreads().then(
        (module) => module.defaultThreadCount(),
        () => 1,
      );
    }
  }
  const layout = planCapa(n, width, threads, tileSize, chunkValues, options.maxBytes ?? CAPA_MAX_BYTES);
  const shared = threads > 1;
  // A shared memory serves a run on one thread too (with the module for shared memory).
  const lease = keeper.acquire(kernel, shared, layout.bytes, (bytes) =>
    kernel === "wasm" ? createMemory(bytes, shared) : shared ? new SharedArrayBuffer(align(bytes, 8)) : new ArrayBuffer(align(bytes, 8)),
  );
  try {
    return await computeSums(source, options, kernel, simd, threads, layout, lease);
  } finally {
    lease.release(true);
  }
}

/** The working memory kept between runs (./kept-memory.ts): WebAssembly's or an array buffer, shared (threads) or not; {@link closeCapaThreads} releases it. */
const keeper = new MemoryKeeper<WasmMemory | ArrayBuffer | SharedArrayBuffer>();

async function computeSums(
  source: CapaSource,
  options: CapaKernelOptions,
  kernel: CapaKernelName,
  simd: CapaSimd,
  threads: number,
  layout: CapaLayout,
  kept: MemoryLease<WasmMemory | ArrayBuffer | SharedArrayBuffer>,
): Promise<CapaSums> {
  const { models: n, width } = source;
  const tileSize = layout.tileSize;
  let space: CapaWorkspace;
  /** Interleaves model `index` of the staging buffer as model `first` of the block at `to`. */
  let interleave: (index: number, to: number, first: number) => void;
  if (kernel === "wasm") {
    const memory = kept.memory as WasmMemory;
    const module = capaModule(kept.shared, simd);
    const wasm = instantiateCapa(memory, module);
    space = { kernel, memory, module, layout };
    interleave = (index, to, first) => wasm.interleave(layout.staging + index * width * 4, width, 1, to, layout.groups, first);
  } else {
    const buffer = kept.memory as ArrayBuffer | SharedArrayBuffer;
    space = { kernel, buffer, layout };
    interleave = (index, to, first) =>
      interleaveScalar(new Float32Array(buffer), layout.staging / 4 + index * width, width, 1, to, layout.groups, first);
  }
  const runner: CapaTileRunner = threads > 1 ? (await loadThreads()).runCapaTilesThreaded : runHere;

  /** Reads models start..end-1 into the block at `to`, zeroing the padding models of its last triplet. */
  const load = async (start: number, end: number, to: number) => {
    const buffer = workspaceBuffer(space);
    for (let m = start; m < end; m += layout.stagingModels) {
      const stop = Math.min(end, m + layout.stagingModels);
      await source.read(m, stop, new Float32Array(buffer, layout.staging, (stop - m) * width));
      // One call per model: a call that runs long stays in V8's baseline code (no on-stack replacement for WebAssembly).
      for (let k = 0; k < stop - m; k++) interleave(k, to, m - start + k);
    }
    const count = end - start;
    if (count % 3 !== 0) {
      const triplet = to + Math.floor(count / 3) * layout.groups * TRIPLET_GROUP_BYTES;
      const values = new Float32Array(buffer, triplet, layout.groups * 12);
      for (let g = 0; g < layout.groups; g++) for (let m = count % 3; m < 3; m++) values.fill(0, g * 12 + m * 4, g * 12 + m * 4 + 4);
    }
  };

  const matrix = options.onTile ? undefined : new Float64Array(n * n);
  const deliver = async (tile: CapaTile, owned: boolean) => {
    if (options.onTile) return options.onTile(owned ? tile : { ...tile, sums: tile.sums.slice() });
    const w = tile.colEnd - tile.colStart;
    for (let i = tile.rowStart; i < tile.rowEnd; i++) {
      for (let j = Math.max(i, tile.colStart); j < tile.colEnd; j++) {
        const s = tile.sums[(i - tile.rowStart) * w + (j - tile.colStart)];
        matrix![i * n + j] = s;
        matrix![j * n + i] = s;
      }
    }
  };

  const block = layout.blockModels;
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    await load(i0, i1, layout.blockA);
    for (let j0 = i0; j0 < n; j0 += block) {
      const j1 = Math.min(n, j0 + block);
      const same = j0 === i0;
      if (!same) await load(j0, j1, layout.blockB);
      const pair: CapaBlockPair = {
        rowsAt: layout.blockA,
        colsAt: same ? layout.blockA : layout.blockB,
        rowModel0: i0,
        colModel0: j0,
        same,
      };
      const tiles = capaTiles(i1 - i0, j1 - j0, same, tileSize);
      await runner(space, pair, tiles, threads, (r0, r1, c0, c1, sums, owned) =>
        deliver({ rowStart: i0 + r0, rowEnd: i0 + r1, colStart: j0 + c0, colEnd: j0 + c1, sums }, owned),
      );
    }
  }
  return {
    models: n,
    width,
    kernel,
    ...(kernel === "wasm" ? { simd } : {}),
    threads,
    blockModels: block,
    ...(matrix ? { sums: matrix } : {}),
  };
}
