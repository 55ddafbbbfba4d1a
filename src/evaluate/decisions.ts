/**
 * From a classifier's outputs to a decision among the task's categories. Isomorphic.
 *
 * imagenet16 (the default for 1000-class ImageNet models, as in Geirhos et al. and
 * model-vs-human): softmax over the 1000 logits, then per category the mean (or sum, or max)
 * of the probabilities of its ImageNet classes, decision = argmax over the categories.
 * identity: the model already outputs the task's categories (one score each, in order).
 * Ties are broken deterministically: the first category in alphabetical (code-unit) order.
 */
import { InputError } from "../core/errors.ts";
import { compareText } from "../core/trials.ts";
import { IMAGENET16_MAPPING } from "../data/imagenet16-mapping.ts";

export type Aggregation = "mean" | "sum" | "max";

/** A label map: each category and the model-output indices that belong to it. */
export interface LabelMap {
  /** Outputs the model must produce (e.g. 1000). */
  classes: number;
  categories: Record<string, readonly number[]>;
}

/** The 16-category mapping of ImageNet classes (207 indices), carried by the package. */
export const IMAGENET16: LabelMap = IMAGENET16_MAPPING;

/** softmax(x)_k = exp(x_k - max x) / Σ_j exp(x_j - max x) (shifted by the maximum for stability). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) max = Math.max(max, logits[k]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) sum += out[k] = Math.exp(logits[k] - max);
  for (let k = 0; k < out.length; k++) out[k] /= sum;
  return out;
}

/**
 * Checks a label map (from the package or a user's JSON): a positive class count, at least one
 * category, indices that are integers within range, no index in two categories.
 */
export function checkLabelMap(map: unknown, source: string): LabelMap {
  const fail = (message: string) => {
    throw new InputError(`${message}; expected {"classes": N, "categories": {"name": [indices...], ...}}`, { file: source });
  };
  if (typeof map !== "object" || map === null) fail("a label map must be a JSON object");
  const { classes, categories } = map as { classes?: unknown; categories?: unknown };
  if (!(Number.isInteger(classes) && (classes as number) > 0)) fail(`"classes" must be a positive integer, got ${JSON.stringify(classes)}`);
  if (typeof categories !== "object" || categories === null || Object.keys(categories).length === 0)
    fail(`"categories" must name at least one category`);
  const owner = new Map<number, string>();
  for (const [name, indices] of Object.entries(categories as Record<string, unknown>)) {
    if (!Array.isArray(indices) || indices.length === 0) fail(`category "${name}" needs a non-empty list of output indices`);
    for (const index of indices as unknown[]) {
      if (!(Number.isInteger(index) && (index as number) >= 0 && (index as number) < (classes as number))) {
        fail(`category "${name}": index ${JSON.stringify(index)} is not an output index 0..${(classes as number) - 1}`);
      }
      const other = owner.get(index as number);
      if (other !== undefined) fail(`output index ${index} belongs to both "${other}" and "${name}"`);
      owner.set(index as number, name);
    }
  }
  return { classes: classes as number, categories: categories as Record<string, number[]> };
}

/** Category names in decision order (alphabetical, code-unit order: the tie-break order). */
export function categoryOrder(map: LabelMap): string[] {
  return Object.keys(map.categories).sort(compareText);
}

/**
 * Each category's score from output probabilities: the mean (default), sum or max of the
 * probabilities of its indices, in {@link categoryOrder}.
 */
export function categoryScores(probabilities: ArrayLike<number>, map: LabelMap, aggregation: Aggregation = "mean"): Float64Array {
  if (probabilities.length !== map.classes) {
    throw new RangeError(`the model gave ${probabilities.length} outputs, the label map expects ${map.classes}`);
  }
  const names = categoryOrder(map);
  const scores = new Float64Array(names.length);
  names.forEach((name, c) => {
    const indices = map.categories[name];
    let value = aggregation === "max" ? -Infinity : 0;
    for (const index of indices) value = aggregation === "max" ? Math.max(value, probabilities[index]) : value + probabilities[index];
    scores[c] = aggregation === "mean" ? value / indices.length : value;
  });
  return scores;
}

/** argmax; among equal maxima the first (so, in category order, the alphabetically first). */
export function argmaxFirst(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

export interface Decision {
  category: string;
  /** Scores per category, in {@link categoryOrder}. */
  scores: Float64Array;
}

/**
 * The decision of a model output. `logits` are softmaxed first (as ImageNet models output
 * logits); `probabilities` are used as they are. With the "identity" map the scores are the
 * outputs themselves, one per category in the given order.
 */
export function decide(
  outputs: ArrayLike<number>,
  options: { map: LabelMap | { identity: readonly string[] }; outputsAre?: "logits" | "probabilities"; aggregation?: Aggregation },
): Decision {
  const { map, outputsAre = "logits", aggregation = "mean" } = options;
  if ("identity" in map) {
    if (outputs.length !== map.identity.length) {
      throw new RangeError(`the model gave ${outputs.length} outputs for ${map.identity.length} categories`);
    }
    const order = map.identity.map((name, k) => [name, k] as const).sort(([a], [b]) => compareText(a, b));
    const scores = Float64Array.from(order, ([, k]) => outputs[k]);
    return { category: order[argmaxFirst(scores)][0], scores };
  }
  const probabilities = outputsAre === "logits" ? softmax(outputs) : outputs;
  const scores = categoryScores(probabilities, map, aggregation);
  return { category: categoryOrder(map)[argmaxFirst(scores)], scores };
}
