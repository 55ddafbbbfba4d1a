/**
 * ImageNet evaluation preprocessing as torchvision does it for PIL images, on raw 8-bit RGB:
 * resize the shorter side to 256 with antialiased bilinear filtering (PIL's resampling: a
 * triangle filter widened by the scale factor when shrinking, applied horizontally then
 * vertically, in 8-bit fixed point with rounding after each pass), centre crop 224 (offsets
 * rounded half to even, as Python's round), scale to [0, 1], normalise with the ImageNet mean
 * and sd, NCHW float32. Isomorphic: decoding is the caller's (sharp in Node).
 */

/** An 8-bit RGB image, pixels interleaved row by row. */
export interface RgbImage {
  width: number;
  height: number;
  /** width x height x 3 bytes. */
  data: Uint8Array;
}

/** Bits of fixed-point precision of the resampling weights (PIL: 32 - 8 - 2). */
const PRECISION_BITS = 22;

/** The bilinear (triangle) filter: 1 - |x| on [-1, 1]. */
function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/**
 * Fixed-point weights of a 1-D antialiased bilinear resampling from `inSize` to `outSize`
 * samples: scale = in/out, filter widened to max(scale, 1); output sample i centred at
 * (i + 0.5) scale takes inputs [xmin, xmin + count) with weights triangle((x - centre + 0.5)
 * / max(scale, 1)), normalised to sum 1, then rounded to integers of 2^22.
 */
export function resampleWeights1d(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; weights: Int32Array[] } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights: Int32Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    // Truncation toward zero, as C's cast of a (possibly negative) double.
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize) - xmin;
    const raw = new Float64Array(xmax);
    let total = 0;
    for (let x = 0; x < xmax; x++) total += raw[x] = triangle((x + xmin - centre + 0.5) / filterScale);
    const fixed = new Int32Array(xmax);
    for (let x = 0; x < xmax; x++) {
      const w = total === 0 ? 0 : (raw[x] / total) * 2 ** PRECISION_BITS;
      fixed[x] = w < 0 ? Math.trunc(w - 0.5) : Math.trunc(w + 0.5);
    }
    start[i] = xmin;
    count[i] = xmax;
    weights.push(fixed);
  }
  return { start, count, weights };
}

function clip8(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** One resampling pass along x (horizontal) or y (vertical), 8-bit in and out. */
function resamplePass(image: RgbImage, outSize: number, horizontal: boolean): RgbImage {
  const inSize = horizontal ? image.width : image.height;
  const { start, count, weights } = resampleWeights1d(inSize, outSize);
  const width = horizontal ? outSize : image.width;
  const height = horizontal ? image.height : outSize;
  const data = new Uint8Array(width * height * 3);
  const half = 2 ** (PRECISION_BITS - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = horizontal ? x : y;
      const w = weights[i];
      for (let c = 0; c < 3; c++) {
        let sum = half;
        for (let k = 0; k < count[i]; k++) {
          const sx = horizontal ? start[i] + k : x;
          const sy = horizontal ? y : start[i] + k;
          sum += w[k] * image.data[(sy * image.width + sx) * 3 + c];
        }
        data[(y * width + x) * 3 + c] = clip8(Math.floor(sum / 2 ** PRECISION_BITS));
      }
    }
  }
  return { width, height, data };
}

/** Antialiased bilinear resize to width x height (horizontal pass first, as PIL). */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  let out = image;
  if (width !== image.width) out = resamplePass(out, width, true);
  if (height !== image.height) out = resamplePass(out, height, false);
  return out;
}

/**
 * torchvision's Resize(size) for an int size: the shorter side becomes `size`, the longer
 * floor(size x long / short).
 */
export function shorterSideSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

/** Python's round: to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** torchvision's centre crop offsets: top = round((h - ch) / 2), left = round((w - cw) / 2). */
export function centreCropOffsets(width: number, height: number, cropWidth: number, cropHeight: number): { left: number; top: number } {
  if (cropWidth > width || cropHeight > height) throw new RangeError(`cannot crop ${cropWidth}x${cropHeight} from ${width}x${height}`);
  return { left: roundHalfEven((width - cropWidth) / 2), top: roundHalfEven((height - cropHeight) / 2) };
}

export function crop(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** NCHW float32 of one image: (x / 255 - mean_c) / std_c per channel plane. */
export function normalizeNchw(
  image: RgbImage,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (image.data[p * 3 + c] / 255 - mean[c]) / std[c];
  }
  return out;
}

/** How a model wants its input: the preprocessing settings of a model card. */
export interface InputSpec {
  /** Shorter side after resizing (torchvision Resize(int)). */
  resize: number;
  /** Side of the centre crop; the model's input is crop x crop. */
  crop: number;
  mean: readonly number[];
  std: readonly number[];
  layout: "NCHW" | "NHWC";
  colours: "RGB" | "BGR";
}

/** torchvision's ImageNet evaluation defaults. */
export const IMAGENET_INPUT: InputSpec = { resize: 256, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, layout: "NCHW", colours: "RGB" };

/**
 * One image's input tensor: resize the shorter side, centre crop, (x / 255 - mean_c) / std_c,
 * in the card's channel order and layout (channel planes for NCHW, interleaved for NHWC).
 */
export function preprocess(image: RgbImage, spec: InputSpec = IMAGENET_INPUT): Float32Array {
  const size = shorterSideSize(image.width, image.height, spec.resize);
  const resized = resizeBilinear(image, size.width, size.height);
  const { left, top } = centreCropOffsets(resized.width, resized.height, spec.crop, spec.crop);
  const cropped = crop(resized, left, top, spec.crop, spec.crop);
  const order = spec.colours === "RGB" ? [0, 1, 2] : [2, 1, 0];
  const plane = spec.crop * spec.crop;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const source = order[c];
      const value = (cropped.data[p * 3 + source] / 255 - spec.mean[c]) / spec.std[c];
      out[spec.layout === "NCHW" ? c * plane + p : p * 3 + c] = value;
    }
  }
  return out;
}

/** The whole default pipeline: resize shorter side to 256, centre crop 224, normalise, NCHW. */
export function imagenetPreprocess(image: RgbImage, resize = 256, cropSize = 224): Float32Array {
  return preprocess(image, { ...IMAGENET_INPUT, resize, crop: cropSize });
}
