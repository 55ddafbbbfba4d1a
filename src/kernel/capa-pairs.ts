/**
 * `metricPairs` (../core/metric-pairs.ts) for CAPA and its discrete variant on the all-pairs
 * CAPA kernel (./capa-kernel.ts): the same rows in the same order, with each pair's
 * sum over items of sum_o p1(o) p2(o) from the float32 kernel instead of the per-pair float64
 * loop. Everything else (n_trials, acc1, acc2, p_hat1, p_hat2, f, and through them c_exp_p) is
 * computed per observer in float64 exactly as the reference does, so those columns are identical;
 * c_obs_p agrees to float32 rounding (relative {@link CAPA_SUM_RELATIVE_TOLERANCE}) and kappa_p
 * to that error divided by 1 - c_exp_p. CAPA's arithmetic is `capaFromSums` (../core/capa.ts).
 *
 * The kernel applies to a table when, in every analysis unit, all observers present share one
 * item set (no pair is skipped or intersected: the mismatch policies do not come into play) and
 * the table's work, the sum over units of C(g, 2) x values (g observers, values = the unit's
 * options summed over its items), reaches {@link CAPA_KERNEL_MIN_PAIR_VALUES}
 * ({@link capaKernelPlan} decides); otherwise the caller uses metricPairs. Isomorphic except
 * for the kernel's threads.
 */
import { capaFromSums } from "../core/capa.ts";
import { type MetricPairResult, type MetricPairRow, accuracyOf, metricObserver, pairTypeOf, tableLayout } from "../core/metric-pairs.ts";
import type { ObserverVectors, ProbabilityTable } from "../core/probability-table.ts";
import { compareText } from "../core/trials.ts";
import { CAPA_SUM_RELATIVE_TOLERANCE, type CapaKernelName, capaAllPairSums } from "./capa-kernel.ts";

/**
 * Default of {@link CapaKernelPairOptions.minPairValues}: 2^24 (about 16.8 million) pair-values,
 * e.g. 60 models on 1,000 items of 10 options. Below it the per-pair loop takes tens of
 * milliseconds and the kernel's set-up is not worth it (BENCHMARKS.md, "CAPA kernel").
 */
export const CAPA_KERNEL_MIN_PAIR_VALUES = 2 ** 24;

export { CAPA_SUM_RELATIVE_TOLERANCE };

export interface CapaKernelPairOptions {
  metric: "capa" | "capa-discrete";
  /** Only pairs among these observers. */
  observers?: readonly string[];
  /** "wasm", "ts" or "auto" (default), as capaAllPairSums. */
  kernel?: CapaKernelName | "auto";
  /** Threads (default: the kernel's automatic choice). */
  threads?: number;
  /** The kernel applies from this much work (default {@link CAPA_KERNEL_MIN_PAIR_VALUES}; 0: whenever item sets allow). */
  minPairValues?: number;
  /** Working-memory limit of the kernel (default its default; above it models are streamed in blocks). */
  maxBytes?: number;
}

/** One analysis unit as the kernel computes it: its items (in table order) and observers present. */
interface KernelUnit {
  unit: string;
  items: number[];
  observers: ObserverVectors[];
  /** The unit's options summed over its items: values per observer. */
  width: number;
}

/**
 * The units the kernel would compute, or undefined where the reference path must be used (a unit
 * whose observers' item sets differ, or work below `minPairValues`). The one place that decides.
 */
export function capaKernelPlan(
  table: ProbabilityTable,
  options: Pick<CapaKernelPairOptions, "observers" | "minPairValues">,
): KernelUnit[] | undefined {
  const wanted = options.observers && new Set(options.observers);
  const observers = table.observers.filter((o) => !wanted || wanted.has(o.name));
  const byUnit = new Map<string, number[]>();
  table.items.forEach((item, i) => {
    const list = byUnit.get(item.unit);
    if (list) list.push(i);
    else byUnit.set(item.unit, [i]);
  });
  const units: KernelUnit[] = [];
  let work = 0;
  for (const unit of [...byUnit.keys()].sort(compareText)) {
    const unitItems = byUnit.get(unit)!;
    const present = observers.filter((o) => unitItems.some((i) => o.trials[i] > 0));
    if (present.length === 0) continue;
    const items = unitItems.filter((i) => present[0].trials[i] > 0);
    for (const o of present) {
      let seen = 0;
      for (const i of unitItems) if (o.trials[i] > 0) seen++;
      if (seen !== items.length || items.some((i) => o.trials[i] === 0)) return undefined;
    }
    let width = 0;
    for (const i of items) width += table.offsets[i + 1] - table.offsets[i];
    units.push({ unit, items, observers: present, width });
    work += ((present.length * (present.length - 1)) / 2) * width;
  }
  return work >= (options.minPairValues ?? CAPA_KERNEL_MIN_PAIR_VALUES) ? units : undefined;
}

/**
 * metricPairs' result for `capa` or `capa-discrete` through the kernel, or undefined where
 * {@link capaKernelPlan} says the reference path applies. No pair is skipped or intersected.
 */
export async function capaKernelPairs(table: ProbabilityTable, options: CapaKernelPairOptions): Promise<MetricPairResult | undefined> {
  const plan = capaKernelPlan(table, options);
  if (!plan) return undefined;
  const layout = tableLayout(table);
  const rows: MetricPairRow[] = [];
  for (const { unit, items, observers, width } of plan) {
    const g = observers.length;
    const n = items.length;
    // Per observer, in float64 and item order as capaOf and accuracyOf sum them.
    const correct = new Float64Array(g);
    const accuracy = new Float64Array(g);
    observers.forEach((observer, a) => {
      const { vectors, answers } = metricObserver(layout, observer, options.metric);
      let sum = 0;
      for (const i of items) sum += vectors[layout.offsets[i] + layout.truth[i]];
      correct[a] = sum;
      accuracy[a] = accuracyOf(layout, answers, items);
    });
    let chance = 0;
    for (const i of items) chance += 1 / (layout.offsets[i + 1] - layout.offsets[i] - 1);
    const unitRows: MetricPairRow[] = new Array((g * (g - 1)) / 2);
    // Row of pair a < b in metricPairs' order.
    const rowIndex = (a: number, b: number) => a * g - (a * (a + 1)) / 2 + (b - a - 1);
    await capaAllPairSums(
      {
        models: g,
        width,
        read: (start, end, into) => {
          let k = 0;
          for (let a = start; a < end; a++) {
            const { vectors } =
              options.metric === "capa" ? { vectors: observers[a].values } : metricObserver(layout, observers[a], options.metric);
            for (const i of items) for (let o = layout.offsets[i]; o < layout.offsets[i + 1]; o++) into[k++] = vectors[o];
          }
        },
      },
      {
        ...(options.kernel !== undefined ? { kernel: options.kernel } : {}),
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        onTile: (tile) => {
          const w = tile.colEnd - tile.colStart;
          for (let a = tile.rowStart; a < tile.rowEnd; a++) {
            for (let b = Math.max(a + 1, tile.colStart); b < tile.colEnd; b++) {
              const first = observers[a].name;
              const second = observers[b].name;
              const r = capaFromSums(n, tile.sums[(a - tile.rowStart) * w + (b - tile.colStart)], correct[a], correct[b], chance);
              unitRows[rowIndex(a, b)] = {
                dataset: table.dataset,
                condition: unit,
                observer1: first,
                observer2: second,
                pair_type: pairTypeOf(table, first, second),
                n_trials: n,
                acc1: accuracy[a],
                acc2: accuracy[b],
                p_hat1: r.p_hat1,
                p_hat2: r.p_hat2,
                c_obs_p: r.c_obs_p,
                c_exp_p: r.c_exp_p,
                kappa_p: r.kappa_p,
              };
            }
          }
        },
      },
    );
    for (const row of unitRows) rows.push(row);
  }
  return { rows, skipped: [], intersected: [] };
}
