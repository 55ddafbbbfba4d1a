/** Random probability tables for the response-level metrics' tests. */
import { SeededRandom } from "../../src/core/math/random.ts";
import { ProbabilityTableBuilder } from "../../src/core/probability-table.ts";

const CATEGORIES = ["cat", "dog", "bird", "car", "boat", "tree"];

/**
 * A random table of `items` items with 2 to 5 options each (drawn from six names, so categories
 * repeat across items), `models` models with probability vectors and `humans` people answering
 * `trialsPerItem` trials per item (several: shares per option; some trials missed).
 */
export function randomTable(seed: number, items: number, models: number, humans: number, trialsPerItem: number) {
  const rng = new SeededRandom(seed);
  const builder = new ProbabilityTableBuilder("random", (o) => o.startsWith("subject"));
  const layout = Array.from({ length: items }, (_, i) => {
    const count = 2 + Math.floor(rng.uniform() * 4);
    const first = Math.floor(rng.uniform() * CATEGORIES.length);
    const options = Array.from({ length: count }, (_, k) => CATEGORIES[(first + k) % CATEGORIES.length]);
    const truth = Math.floor(rng.uniform() * count);
    return { options, index: builder.item({ unit: "all", key: `q${String(i).padStart(3, "0")}`, options, truth: options[truth] }, {}) };
  });
  for (let m = 0; m < models; m++) {
    for (const { options, index } of layout) {
      const raw = options.map(() => 0.05 + rng.uniform() ** 3);
      const total = raw.reduce((s, v) => s + v, 0);
      builder.probabilities(
        `model-${m}`,
        index,
        raw.map((v) => v / total),
        {},
      );
    }
  }
  for (let h = 0; h < humans; h++) {
    for (const { options, index } of layout) {
      for (let t = 0; t < trialsPerItem; t++) {
        const u = rng.uniform();
        builder.answer(`subject-${h}`, index, u < 0.1 ? "na" : options[Math.floor(rng.uniform() * options.length)], {});
      }
    }
  }
  return builder.build();
}
