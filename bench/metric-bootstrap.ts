/**
 * The joint item bootstrap of `summary --metric` (metricMeanIntervals, src/core/metric-bootstrap.ts)
 * on a generated probability table the size of cue-conflict: 10 people (one answer per item)
 * and 25 models (softmax probabilities of correlated logits), 1,280 items of 16 options, one
 * unit. Times each metric once (the clock covers metricMatrix and the bootstrap, not generating
 * the table) and prints the group intervals, to compare two versions of the code on the same
 * data: run it in each tree.
 *
 *   node --import tsx bench/metric-bootstrap.ts [--replicates 1000] [--seed 1] [--metrics capa,capa-discrete,response-kappa,dmc]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { SeededRandom } from "../src/core/math/random.ts";
import { metricMatrix, metricMeanIntervals } from "../src/core/metric-bootstrap.ts";
import type { ResponseMetric } from "../src/core/metric-pairs.ts";
import { ProbabilityTableBuilder } from "../src/core/probability-table.ts";

const { values: args } = parseArgs({
  options: { replicates: { type: "string" }, seed: { type: "string" }, metrics: { type: "string" } },
  strict: true,
});
const REPLICATES = Number(args.replicates ?? 1000);
const SEED = Number(args.seed ?? 1);
const METRICS = (args.metrics ?? "capa,capa-discrete,response-kappa,dmc").split(",") as ResponseMetric[];
const ITEMS = 1280;
const OPTIONS = 16;
const HUMANS = 10;
const MODELS = 25;

function table() {
  const rng = new SeededRandom(2020);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const builder = new ProbabilityTableBuilder("generated", (o) => o.startsWith("subject"));
  const options = Array.from({ length: OPTIONS }, (_, k) => `c${k}`);
  // Logits shared by every observer (the item's difficulty and look-alike options), plus each observer's own.
  const shared = Array.from({ length: ITEMS }, () => options.map(() => normal()));
  const items = Array.from({ length: ITEMS }, (_, i) =>
    builder.item({ unit: "all", key: `s${String(i).padStart(4, "0")}`, options, truth: options[i % OPTIONS] }, {}),
  );
  const logits = (i: number) => options.map((_, k) => 1.5 * shared[i][k] + normal() + (k === i % OPTIONS ? 2 : 0));
  for (let m = 0; m < MODELS; m++) {
    items.forEach((item, i) => {
      const z = logits(i);
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const total = e.reduce((s, v) => s + v, 0);
      builder.probabilities(
        `model-${String(m).padStart(2, "0")}`,
        item,
        e.map((v) => v / total),
        {},
      );
    });
  }
  for (let h = 0; h < HUMANS; h++) {
    items.forEach((item, i) => {
      const z = logits(i);
      builder.answer(`subject-${String(h).padStart(2, "0")}`, item, options[z.indexOf(Math.max(...z))], {});
    });
  }
  return builder.build();
}

const data = table();
console.log(
  `load ${loadavg()
    .map((v) => v.toFixed(2))
    .join(" ")}; ${REPLICATES} replicates, seed ${SEED}`,
);
for (const metric of METRICS) {
  const start = performance.now();
  const result = metricMeanIntervals(metricMatrix(data, metric, "all"), { replicates: REPLICATES, seed: SEED, level: 0.95 });
  const seconds = (performance.now() - start) / 1000;
  const groups = result.groups.map((g) => `${g.group} ${g.mean} [${g.lower}, ${g.upper}]`).join("; ");
  console.log(`${metric}: ${seconds.toFixed(2)} s; ${groups}`);
}
