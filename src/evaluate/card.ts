/**
 * Model cards: a JSON file saying how a model wants its input and what its output means, so
 * models exported from PyTorch, TensorFlow or JAX can be evaluated alike. Every field is
 * optional; missing ones take torchvision's ImageNet evaluation defaults.
 *
 *   { "input": "pixel_values", "resize": 256, "crop": 224, "mean": [0.485, 0.456, 0.406],
 *     "std": [0.229, 0.224, 0.225], "layout": "NCHW", "colours": "RGB",
 *     "outputs": "logits", "mapping": "imagenet16", "aggregation": "mean" }
 *
 * `mapping` is "imagenet16", a label map {"classes": N, "categories": {...}}, or
 * {"identity": ["cat1", ...]} for models that output the task's categories. `mean` and `std`
 * are in the model's channel order.
 */
import { InputError } from "../core/errors.ts";
import { type Aggregation, IMAGENET16, type LabelMap, checkLabelMap } from "./decisions.ts";
import { IMAGENET_INPUT, type InputSpec } from "./preprocess.ts";

export interface ModelCard {
  /** Input name; default the model's first input. */
  input?: string;
  spec: InputSpec;
  outputs: "logits" | "probabilities";
  map: LabelMap | { identity: readonly string[] };
  aggregation: Aggregation;
}

const FIELDS = ["input", "resize", "crop", "mean", "std", "layout", "colours", "outputs", "mapping", "aggregation"];

/** Checks a parsed card; errors name the card file and the field. */
export function parseModelCard(json: unknown, file: string): ModelCard {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new InputError(`expected ${expected}, got ${JSON.stringify(got)}`, { file, column: field });
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail("(card)", "a JSON object", json);
  const card = json as Record<string, unknown>;
  for (const key of Object.keys(card)) if (!FIELDS.includes(key)) fail(key, `one of the fields ${FIELDS.join(", ")}`, key);
  const positive = (field: string, fallback: number) => {
    const v = card[field] ?? fallback;
    return Number.isInteger(v) && (v as number) > 0 ? (v as number) : fail(field, "a positive integer", v);
  };
  const triple = (field: string, fallback: readonly number[], check: (x: number) => boolean) => {
    const v = card[field] ?? fallback;
    return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && check(x))
      ? (v as number[])
      : fail(field, "three numbers, one per channel", v);
  };
  const choice = <T extends string>(field: string, options: readonly T[], fallback: T): T => {
    const v = card[field] ?? fallback;
    return options.includes(v as T) ? (v as T) : fail(field, options.map((o) => `"${o}"`).join(" or "), v);
  };
  const resize = positive("resize", IMAGENET_INPUT.resize);
  const crop = positive("crop", IMAGENET_INPUT.crop);
  if (crop > resize) fail("crop", `a crop no larger than resize (${resize})`, crop);
  if (card.input !== undefined && typeof card.input !== "string") fail("input", "the input's name", card.input);
  let map: ModelCard["map"] = IMAGENET16;
  const mapping = card.mapping;
  if (mapping !== undefined && mapping !== "imagenet16") {
    if (typeof mapping === "object" && mapping !== null && "identity" in mapping) {
      const identity = (mapping as { identity: unknown }).identity;
      if (!Array.isArray(identity) || identity.length === 0 || !identity.every((c) => typeof c === "string"))
        fail("mapping", '{"identity": ["category", ...]}', mapping);
      map = { identity: identity as string[] };
    } else if (typeof mapping === "object") {
      map = checkLabelMap(mapping, file);
    } else {
      fail("mapping", '"imagenet16", a label map, or {"identity": [...]}', mapping);
    }
  }
  return {
    input: card.input as string | undefined,
    spec: {
      resize,
      crop,
      mean: triple("mean", IMAGENET_INPUT.mean, Number.isFinite),
      std: triple("std", IMAGENET_INPUT.std, (x) => x > 0),
      layout: choice("layout", ["NCHW", "NHWC"] as const, "NCHW"),
      colours: choice("colours", ["RGB", "BGR"] as const, "RGB"),
    },
    outputs: choice("outputs", ["logits", "probabilities"] as const, "logits"),
    map,
    aggregation: choice("aggregation", ["mean", "sum", "max"] as const, "mean"),
  };
}
