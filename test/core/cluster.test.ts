import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as vega from "vega";
import { compile } from "vega-lite";
import {
  type Linkage,
  LINKAGES,
  type Merge,
  dendrogramSegments,
  hierarchicalClustering,
  kappaDistances,
  kappaMatrix,
  lanceWilliams,
  leafOrder,
  linkage,
} from "../../src/core/cluster.ts";
import { InputError } from "../../src/core/errors.ts";
import { type PairRow, computePairs } from "../../src/core/pairs.ts";
import { TrialTableBuilder, observerNames } from "../../src/core/trials.ts";
import { kappaHeatmapSpec } from "../../src/figures/heatmap.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { NO_SHARED_DATA, RAW_DATA, seededRandom } from "../helpers.ts";

const m = (left: number, right: number, height: number, size: number): Merge => ({ left, right, height, size });

/** Distances |x_i − x_j| between points on a line. */
const onLine = (xs: number[]) => xs.map((a) => xs.map((b) => Math.abs(a - b)));

/** Euclidean distances between `n` random points in [0, 1]^dim: a metric without ties. */
function randomMetric(random: () => number, n: number, dim = 3): number[][] {
  const points = Array.from({ length: n }, () => Array.from({ length: dim }, random));
  return points.map((p) => points.map((q) => Math.hypot(...p.map((v, k) => v - q[k]))));
}

/** A symmetric matrix with zero diagonal from the given off-diagonal entries (others `rest`). */
function matrix(n: number, entries: [number, number, number][], rest: number): number[][] {
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : rest)));
  for (const [i, j, v] of entries) d[i][j] = d[j][i] = v;
  return d;
}

/** Items of cluster `id` (leaves 0..n-1, merge k is cluster n + k). */
function members(merges: readonly Merge[], n: number, id: number): number[] {
  return id < n ? [id] : [...members(merges, n, merges[id - n].left), ...members(merges, n, merges[id - n].right)];
}

/** Edge weights of a minimum spanning tree (Prim). */
function mstWeights(d: number[][]): number[] {
  const n = d.length;
  const inTree = new Array<boolean>(n).fill(false);
  const best = new Array<number>(n).fill(Infinity);
  best[0] = 0;
  const weights: number[] = [];
  for (let step = 0; step < n; step++) {
    let u = -1;
    for (let v = 0; v < n; v++) if (!inTree[v] && (u < 0 || best[v] < best[u])) u = v;
    inTree[u] = true;
    if (step > 0) weights.push(best[u]);
    for (let v = 0; v < n; v++) if (!inTree[v]) best[v] = Math.min(best[v], d[u][v]);
  }
  return weights.sort((a, b) => a - b);
}

describe("hierarchical clustering: hand-checked cases", () => {
  // Points 0, 1, 4, 10 on a line: d01 = 1, d02 = 4, d03 = 10, d12 = 3, d13 = 9, d23 = 6.
  const line = onLine([0, 1, 4, 10]);

  test("UPGMA: heights are means of item distances (checked against SciPy)", () => {
    // {0,1} at 1; {2} to {0,1}: (4 + 3)/2 = 3.5; {3} to {0,1,2}: (10 + 9 + 6)/3 = 25/3.
    assert.deepEqual(linkage(line), [m(0, 1, 1, 2), m(2, 4, 3.5, 3), m(3, 5, 25 / 3, 4)]);
  });

  test("complete and single linkage: max and min of item distances", () => {
    assert.deepEqual(linkage(line, { method: "complete" }), [m(0, 1, 1, 2), m(2, 4, 4, 3), m(3, 5, 10, 4)]);
    assert.deepEqual(linkage(line, { method: "single" }), [m(0, 1, 1, 2), m(2, 4, 3, 3), m(3, 5, 6, 4)]);
  });

  test("leaf order and dendrogram segments", () => {
    const { merges, order, segments } = hierarchicalClustering(line);
    // Root (3, 5) → 3, then 5 = (2, 4) → 2, then 4 = (0, 1).
    assert.deepEqual(order, [3, 2, 0, 1]);
    // Leaves at x = 3→0, 2→1, 0→2, 1→3; cluster 4 at x 2.5, cluster 5 at x (1 + 2.5)/2 = 1.75.
    assert.deepEqual(segments, [
      { x1: 2, y1: 0, x2: 2, y2: 1, merge: 0 },
      { x1: 3, y1: 0, x2: 3, y2: 1, merge: 0 },
      { x1: 2, y1: 1, x2: 3, y2: 1, merge: 0 },
      { x1: 1, y1: 0, x2: 1, y2: 3.5, merge: 1 },
      { x1: 2.5, y1: 1, x2: 2.5, y2: 3.5, merge: 1 },
      { x1: 1, y1: 3.5, x2: 2.5, y2: 3.5, merge: 1 },
      { x1: 0, y1: 0, x2: 0, y2: 25 / 3, merge: 2 },
      { x1: 1.75, y1: 3.5, x2: 1.75, y2: 25 / 3, merge: 2 },
      { x1: 0, y1: 25 / 3, x2: 1.75, y2: 25 / 3, merge: 2 },
    ]);
    assert.deepEqual(dendrogramSegments(merges, order), segments);
  });

  test("ties: the pair of cluster ids that comes first lexicographically is merged", () => {
    // Unit square: d01 = d02 = d13 = d23 = 1, diagonals √2. (0,1) first, then (2,3), then the
    // two at the mean (1 + √2 + √2 + 1)/4.
    const r = Math.SQRT2;
    const square = [
      [0, 1, 1, r],
      [1, 0, r, 1],
      [1, r, 0, 1],
      [r, 1, 1, 0],
    ];
    assert.deepEqual(linkage(square), [m(0, 1, 1, 2), m(2, 3, 1, 2), m(4, 5, (1 + r) / 2, 4)]);
    // All distances equal: (0,1), then (2,3) (before (2,4) and (3,4)), then (4,5).
    const equal = matrix(4, [], 1);
    for (const method of LINKAGES) {
      assert.deepEqual(linkage(equal, { method }), [m(0, 1, 1, 2), m(2, 3, 1, 2), m(4, 5, 1, 4)]);
    }
    assert.deepEqual(leafOrder(linkage(equal), 4), [0, 1, 2, 3]);
  });

  test("ties are broken by cluster id, not by where a merged cluster is stored", () => {
    // (0,2) at 0.5 forms cluster 5; then (1,3) and (4,5) tie at 1: ids (1,3) < (4,5).
    const d = matrix(
      5,
      [
        [0, 2, 0.5],
        [0, 4, 1],
        [2, 4, 1],
        [1, 3, 1],
      ],
      3,
    );
    for (const method of LINKAGES) {
      assert.deepEqual(linkage(d, { method }), [m(0, 2, 0.5, 2), m(1, 3, 1, 2), m(4, 5, 1, 3), m(6, 7, 3, 5)], method);
    }
    assert.deepEqual(leafOrder(linkage(d), 5), [1, 3, 4, 0, 2]);
  });

  test("the Lance-Williams update", () => {
    assert.equal(lanceWilliams("single", 2, 5, 1, 3), 2);
    assert.equal(lanceWilliams("complete", 2, 5, 1, 3), 5);
    assert.equal(lanceWilliams("average", 2, 5, 1, 3), (1 * 2 + 3 * 5) / 4);
  });

  test("0, 1 and 2 items", () => {
    assert.deepEqual(hierarchicalClustering([]), { method: "average", merges: [], order: [], segments: [] });
    assert.deepEqual(hierarchicalClustering([[0]]), { method: "average", merges: [], order: [0], segments: [] });
    const two = hierarchicalClustering(
      [
        [0, 0.4],
        [0.4, 0],
      ],
      { method: "single" },
    );
    assert.deepEqual(two.merges, [m(0, 1, 0.4, 2)]);
    assert.deepEqual(two.order, [0, 1]);
    assert.equal(two.segments.length, 3);
  });

  test("NaN distances are refused with an error naming the pair", () => {
    const d = matrix(3, [[0, 2, NaN]], 1);
    assert.throws(() => linkage(d), InputError);
    assert.throws(() => linkage(d, { labels: ["a", "b", "c"] }), /distance between "a" and "c" is NaN/);
    assert.throws(() => linkage(matrix(3, [], 1).map((row, i) => (i === 1 ? [1, 0] : row))), RangeError);
    assert.throws(
      () =>
        linkage([
          [0, 1],
          [2, 0],
        ]),
      /not symmetric/,
    );
    assert.throws(() => leafOrder([m(0, 0, 1, 2)], 2), RangeError);
  });
});

describe("hierarchical clustering: properties on random metric data", () => {
  const cases = Array.from({ length: 30 }, (_, k) => {
    const random = seededRandom(1000 + k);
    return randomMetric(random, 2 + Math.floor(random() * 30));
  });

  for (const method of LINKAGES) {
    test(`${method}: heights are monotone, the order is a permutation, heights follow the definition`, () => {
      for (const d of cases) {
        const n = d.length;
        const { merges, order, segments } = hierarchicalClustering(d, { method });
        assert.equal(merges.length, n - 1);
        for (let k = 1; k < merges.length; k++) assert.ok(merges[k].height >= merges[k - 1].height);
        assert.deepEqual(
          [...order].sort((a, b) => a - b),
          Array.from({ length: n }, (_, i) => i),
        );
        assert.equal(merges.at(-1)!.size, n);
        assert.equal(segments.length, 3 * (n - 1));
        // Leaves sit at y = 0 on x = 0..n-1, one leg each.
        const legs = segments
          .filter((s) => s.y1 === 0 && s.x1 === s.x2)
          .map((s) => s.x1)
          .sort((a, b) => a - b);
        assert.deepEqual(
          legs,
          Array.from({ length: n }, (_, i) => i),
        );
        // The height is the linkage of the two clusters' items, computed from scratch.
        merges.forEach((merge) => {
          const between = members(merges, n, merge.left).flatMap((a) => members(merges, n, merge.right).map((b) => d[a][b]));
          const expected =
            method === "single"
              ? Math.min(...between)
              : method === "complete"
                ? Math.max(...between)
                : between.reduce((s, v) => s + v, 0) / between.length;
          assert.ok(Math.abs(merge.height - expected) <= 1e-12, `${merge.height} vs ${expected}`);
          assert.equal(merge.size, members(merges, n, merge.left).length + members(merges, n, merge.right).length);
        });
      }
    });
  }

  test("single-linkage heights are the minimum spanning tree's edge weights", () => {
    for (const d of cases) {
      const heights = linkage(d, { method: "single" }).map((x) => x.height);
      assert.deepEqual(heights, mstWeights(d));
    }
  });

  test("relabelling the items permutes the leaves and keeps the heights", () => {
    const random = seededRandom(7);
    for (const d of cases.slice(0, 10)) {
      const n = d.length;
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const permuted = perm.map((a) => perm.map((b) => d[a][b]));
      for (const method of LINKAGES) {
        const heights = (x: number[][]) => linkage(x, { method }).map((mm) => mm.height);
        const [h1, h2] = [heights(d), heights(permuted)];
        h1.forEach((h, k) => assert.ok(Math.abs(h - h2[k]) <= 1e-12));
      }
    }
  });
});

/** A PairRow with just what kappaMatrix reads. */
const row = (observer1: string, observer2: string, kappa: number | null): PairRow =>
  ({ dataset: "d", condition: "all", observer1, observer2, kappa }) as PairRow;

describe("kappaMatrix", () => {
  test("symmetric, 1 on the diagonal, NaN for missing pairs and undefined kappas", () => {
    const k = kappaMatrix([row("a", "b", 0.5), row("b", "c", null), row("a", "x", 0.9)], ["c", "b", "a"]);
    assert.deepEqual(k, [
      [1, NaN, NaN],
      [NaN, 1, 0.5],
      [NaN, 0.5, 1],
    ]);
    assert.deepEqual(kappaDistances(k)[1], [NaN, 0, 0.5]);
    assert.throws(() => hierarchicalClustering(kappaDistances(k), { labels: ["c", "b", "a"] }), /"c" and "b" is NaN/);
  });

  test("a pair seen twice (several conditions) is an error", () => {
    assert.throws(() => kappaMatrix([row("a", "b", 0.5), row("b", "a", 0.4)], ["a", "b"]), /more than once/);
  });
});

/**
 * 35 synthetic observers on 240 stimuli: 10 humans ("subject-NN") who share one pattern of
 * errors and 25 models sharing another, each flipping a few outcomes at random.
 */
function syntheticPairs(): { pairs: PairRow[]; observers: string[]; humans: Set<string> } {
  const random = seededRandom(35);
  const stimuli = Array.from({ length: 240 }, (_, i) => `s${i}`);
  const humanPattern = stimuli.map(() => random() < 0.7);
  const modelPattern = stimuli.map(() => random() < 0.6);
  const builder = new TrialTableBuilder("synthetic");
  const observers = [
    ...Array.from({ length: 10 }, (_, i) => `subject-${String(i + 1).padStart(2, "0")}`),
    ...Array.from({ length: 25 }, (_, i) => `model-${String.fromCharCode(97 + i)}`),
  ];
  let line = 2;
  for (const name of observers) {
    const pattern = name.startsWith("subject") ? humanPattern : modelPattern;
    stimuli.forEach((stimulus, s) => {
      const correct = random() < 0.2 ? random() < 0.5 : pattern[s];
      builder.add({
        observer: name,
        condition: "c",
        stimulus,
        truth: "x",
        response: correct ? "x" : "y",
        correct,
        missing: false,
        file: "synthetic.csv",
        line: line++,
      });
    });
  }
  const table = builder.build();
  return { pairs: computePairs(table).pairs, observers: observerNames(table), humans: new Set(table.humans) };
}

/** The `<path>` items of one named Vega mark group in an SVG string. */
function markItems(svg: string, markName: string): string[] {
  const start = svg.indexOf(`role-mark ${markName}_marks`);
  assert.ok(start >= 0, `mark ${markName} in the SVG`);
  const group = svg.slice(start, svg.indexOf("</g>", start));
  return group.match(/<path [^>]*>/g) ?? [];
}

describe("kappaHeatmapSpec", () => {
  const { pairs, observers, humans } = syntheticPairs();
  const spec = kappaHeatmapSpec({ dataset: "synthetic", pairs, observers, isHuman: (o) => humans.has(o) });

  test("compiles with vega-lite, embeds its data and renders 35 x 35 cells with every name", async () => {
    assert.doesNotMatch(JSON.stringify(spec), /"url"/);
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
    const svg = await view.toSVG();
    assert.equal(markItems(svg, "heatmap").length, 35 * 35);
    assert.equal(markItems(svg, "observer_kind").length, 35);
    for (const name of observers) assert.ok(svg.includes(`>${name}</text>`), name);
    assert.match(svg, />κ<\/text>/);
    view.finalize();
  });

  test("the dendrogram is aligned with the heatmap's columns", async () => {
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
    await view.runAsync();
    const order = hierarchicalClustering(kappaDistances(kappaMatrix(pairs, observers)), { labels: observers }).order.map(
      (i) => observers[i],
    );
    assert.deepEqual(view.scale("heatmap_x").domain(), order);
    assert.deepEqual(view.scale("heatmap_y").domain(), order);
    const columns = view.scale("heatmap_x");
    const leaves = view.scale("dendrogram_x");
    order.forEach((name, i) => assert.ok(Math.abs(columns(name) + columns.bandwidth() / 2 - leaves(i)) < 1e-9));
    // The humans of the synthetic data cluster together.
    const positions = order.flatMap((name, i) => (humans.has(name) ? [i] : []));
    assert.equal(positions.at(-1)! - positions[0], humans.size - 1);
    view.finalize();
  });

  test("a missing pair is refused with the observers' names", () => {
    const incomplete = pairs.filter((p) => !(p.observer1 === "model-a" && p.observer2 === "model-b"));
    assert.throws(
      () => kappaHeatmapSpec({ dataset: "synthetic", pairs: incomplete, observers, isHuman: (o) => humans.has(o) }),
      /"model-a" and "model-b"/,
    );
  });
});

describe("the published cue-conflict data", { skip: NO_SHARED_DATA }, () => {
  const load = async () => {
    const { datasets } = await loadDatasets(join(RAW_DATA, "texture-shape_cue-conflict"));
    const table = datasets[0];
    const observers = observerNames(table);
    const { pairs } = computePairs(table);
    const distances = kappaDistances(kappaMatrix(pairs, observers));
    const cluster = (method: Linkage) => hierarchicalClustering(distances, { method, labels: observers });
    return { table, observers, pairs, cluster };
  };

  test("UPGMA: the top split separates the 10 humans from the 25 models", async () => {
    const { table, observers, pairs, cluster } = await load();
    assert.equal(observers.length, 35);
    const { merges, order } = cluster("average");
    const n = observers.length;
    const root = merges.at(-1)!;
    const sides = [root.left, root.right].map((id) =>
      members(merges, n, id)
        .map((i) => observers[i])
        .sort(),
    );
    const humans = [...table.humans].sort();
    assert.deepEqual(
      sides.find((s) => s.length === 10),
      humans,
    );
    // UPGMA height = mean distance between the two sides = 1 − mean model-human kappa.
    const modelHuman = pairs.filter((p) => p.pair_type === "model-human").map((p) => p.kappa!);
    assert.equal(modelHuman.length, 250);
    assert.ok(Math.abs(root.height - (1 - modelHuman.reduce((s, v) => s + v, 0) / 250)) < 1e-12);
    // So the humans form one block of the leaf order (here the first 10 leaves).
    assert.deepEqual(
      order
        .slice(0, 10)
        .map((i) => observers[i])
        .sort(),
      humans,
    );
    // All models but the SIN-trained ResNet-50 are one cluster before any two humans merge.
    const isHuman = (id: number) => id < n && table.humans.has(observers[id]);
    const firstHumanMerge = merges.findIndex((mm) => isHuman(mm.left) && isHuman(mm.right));
    const models = merges.findIndex((mm) => mm.size === 24);
    assert.ok(models >= 0 && models < firstHumanMerge);
    assert.deepEqual(
      members(merges, n, n + models)
        .map((i) => observers[i])
        .sort(),
      observers.filter((o) => !table.humans.has(o) && o !== "resnet50-trained-on-SIN"),
    );
  });

  test("UPGMA: architecture families merge first", async () => {
    const { observers, cluster } = await load();
    const { merges } = cluster("average");
    const pairsOf = merges.filter((mm) => mm.size === 2).map((mm) => [observers[mm.left], observers[mm.right]].sort().join(" + "));
    assert.deepEqual(pairsOf.slice(0, 7), [
      "bagnet17 + bagnet9",
      "vgg16 + vgg19",
      "cornet-s + vgg19-bn",
      "resnet50 + resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN",
      "densenet121 + densenet201",
      "densenet169 + resnet152",
      "vgg11-bn + vgg13-bn",
    ]);
    assert.ok(pairsOf.includes("squeezenet1-0 + squeezenet1-1"));
  });

  test("single and complete linkage: the humans stay one block in single, not in complete", async () => {
    const { table, observers, cluster } = await load();
    const humanPositions = (method: Linkage) =>
      cluster(method).order.flatMap((i, position) => (table.humans.has(observers[i]) ? [position] : []));
    const single = humanPositions("single");
    assert.equal(single.at(-1)! - single[0], 9);
    // Complete linkage puts the SIN-trained ResNet-50 among the humans, beside subject-04.
    const { order } = cluster("complete");
    const names = order.map((i) => observers[i]);
    const at = names.indexOf("resnet50-trained-on-SIN");
    assert.ok(names[at - 1] === "subject-04" || names[at + 1] === "subject-04");
    const complete = humanPositions("complete");
    assert.equal(complete.at(-1)! - complete[0], 10);
  });
});
