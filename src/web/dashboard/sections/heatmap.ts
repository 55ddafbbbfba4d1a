/**
 * The matrix section (#heatmap-section): κ of every pair of observers shown, clustered where
 * the worker could order them. Up to {@link VEGA_HEATMAP_LIMIT} observers it is a Vega figure
 * (one mark per cell), beyond that a canvas (./canvas-heatmap.ts) with its own tooltip. A click
 * on a cell selects that pair; the selected pair is outlined and the picked observers' rows and
 * columns stay bright.
 */
import type { Result } from "vega-embed";
import { drawCanvasHeatmap } from "../canvas-heatmap.ts";
import { pairDetails } from "../compute.ts";
import { currentPayload } from "../datasets.ts";
import { byId, dataUrlBlob, escapeXml, h } from "../dom.ts";
import { registerFigure, registerTable } from "../exports.ts";
import { VEGA_HEATMAP_LIMIT, clearFigure, vegaFigure } from "../figure-views.ts";
import { clusteredHeatmapSpec, fixed, heatmapCells, heatmapSpec, metricCells, metricTooltip, stripCells } from "../figures.ts";
import type { MetricMatrix } from "../metric-matrix.ts";
import { METRIC_NAMES } from "../metric-names.ts";
import type { Analysis } from "../messages.ts";
import { session } from "../session.ts";
import { requestUpdate } from "../requests.ts";

/** The heatmap drawn, either kind: what the page and tools ask of it. */
interface HeatmapView {
  kind: "vega" | "canvas";
  cells: number;
  /** Where the cell of observers a and b is in the viewport; null if not drawn. */
  cellCentre(a: string, b: string): [number, number] | null;
  /** Outlines the selected pair's cells (none: clears the outline). */
  select(pair: [string, string] | null): void;
  /** Keeps the picked observers' rows and columns bright. */
  pick(names: string[]): void;
}

let heatmap: HeatmapView | null = null;

/** What kind of heatmap is drawn and how many cells it has; null before the first. */
export function heatmapShown(): { kind: "vega" | "canvas"; cells: number } | null {
  return heatmap ? { kind: heatmap.kind, cells: heatmap.cells } : null;
}

/** Where the cell of observers a and b is in the viewport; null if not drawn. */
export function heatmapCellCentre(a: string, b: string): [number, number] | null {
  return heatmap?.cellCentre(a, b) ?? null;
}

/** Outlines the selected pair in the heatmap drawn, if any. */
export function selectInHeatmap(pair: [string, string] | null): void {
  heatmap?.select(pair);
}

/** Keeps the picked observers bright in the heatmap drawn, if any. */
export function pickInHeatmap(names: string[]): void {
  heatmap?.pick(names);
}

/** The metric matrix drawn instead of error kappa, if any (the canvas's tooltip reads it). */
let shownMetric: MetricMatrix | null = null;

/**
 * Draws the matrix of the analysis, or of `metric` (a response-level metric of the same
 * observers, ./metric-matrix.ts) where given, and registers its exports (the "heatmap" table:
 * every pair's κ, or the metric's rows as `trialwise pairs --metric` writes them).
 */
export async function renderHeatmap(analysis: Analysis, metric: MetricMatrix | null = null): Promise<void> {
  shownMetric = metric;
  const { matrix } = analysis;
  const order = metric ? { order: metric.order, clustered: false, note: metric.note } : analysis.order;
  const container = byId("heatmap");
  const names = order.order.map((i) => matrix.observers[i]);
  const payload = currentPayload()!;
  const title = `${payload.name}${matrix.condition === "all" ? "" : ` [${matrix.condition}]`}: ${matrix.size} observers${metric ? `, ${METRIC_NAMES[metric.metric].symbol} (${metric.metric})` : ""}`;
  if (metric) {
    byId("heatmap-note").textContent = [
      `${METRIC_NAMES[metric.metric].option}, as trialwise pairs --metric ${metric.metric}${payload.scores ? " --scores <the server's --scores>" : ""}${matrix.condition === "all" ? "" : " --by condition"}; the other sections show error kappa`,
      metric.note,
      metric.skipped > 0 ? `${metric.skipped} pair(s) not computed (grey): their item sets differ` : null,
      metric.intersected > 0 ? `${metric.intersected} pair(s) computed on their common items only` : null,
    ]
      .filter(Boolean)
      .join(". ");
    registerTable("heatmap", { rows: metric.rows.map(written), columns: [...metric.columns] });
  }
  if (!metric)
    byId("heatmap-note").textContent = [
      order.note,
      matrix.skipped > 0
        ? `${matrix.skipped} pair(s) not computed (grey): their stimulus sets differ; choose “paired on common stimuli” to compute them on the trials they share`
        : null,
      matrix.intersected > 0 ? `${matrix.intersected} pair(s) computed on their common stimuli only` : null,
      matrix.undefinedKappa > 0 ? `${matrix.undefinedKappa} pair(s) with undefined κ (c_exp = 1), grey` : null,
    ]
      .filter(Boolean)
      .join(". ");
  const tableRows = () => {
    const n = matrix.size;
    const rows: object[] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        rows.push({
          observer1: matrix.observers[i],
          observer2: matrix.observers[j],
          kappa: Number.isNaN(matrix.kappa[i * n + j]) ? null : matrix.kappa[i * n + j],
        });
    return rows;
  };
  if (!metric)
    registerTable("heatmap", {
      get rows() {
        return tableRows();
      },
      columns: ["observer1", "observer2", "kappa"],
    });
  const index = new Map(matrix.observers.map((o, i) => [o, i]));

  if (matrix.size <= VEGA_HEATMAP_LIMIT) {
    const humans = new Set(matrix.observers.filter((_, i) => matrix.human[i]));
    const clustered = !metric && order.clustered ? clusteredHeatmapSpec(matrix, title, session.state.groups) : null;
    const cells = metric ? metricCells(metric) : (clustered?.cells ?? heatmapCells(matrix, order.order));
    const symbol = metric ? METRIC_NAMES[metric.metric].symbol : "κ";
    const strip = stripCells({ observers: names, human: order.order.map((i) => matrix.human[i]) }, session.state.groups);
    const spec =
      clustered?.spec ??
      heatmapSpec(cells, names, humans, title, { strip, ...(metric ? { legendTitle: symbol, tooltip: metricTooltip(symbol) } : {}) });
    const result = await vegaFigure("heatmap", container, spec, "svg", (created) =>
      created.view.addEventListener("click", (_event, item) => {
        const datum = (item as { datum?: { row?: string; col?: string } } | null | undefined)?.datum;
        if (datum?.row && datum.col && datum.row !== datum.col) void requestUpdate({ pair: [datum.row, datum.col] });
      }),
    );
    heatmap = {
      kind: "vega",
      cells: cells.length,
      cellCentre(a, b) {
        const centre = cellItemCentre(result, (datum) => datum.row === a && datum.col === b);
        if (!centre) return null;
        const box = container.querySelector("svg")!.getBoundingClientRect();
        const [ox, oy] = result.view.origin();
        return [box.left + ox + centre[0], box.top + oy + centre[1]];
      },
      select(pair) {
        void result.view
          .signal("sel_a", pair?.[0] ?? "")
          .signal("sel_b", pair?.[1] ?? "")
          .runAsync();
      },
      pick(names) {
        void result.view.signal("picked", names).runAsync();
      },
    };
  } else {
    const canvas = drawCanvasHeatmap(
      metric ? { size: metric.size, kappa: metric.values } : matrix,
      order.order,
      Math.min(760, Math.max(400, container.clientWidth || 760)),
    );
    const side = canvas.side;
    const tooltip = h("div", { class: "canvas-tooltip", hidden: true });
    const frame = h("div", { class: "canvas-frame" }, h("p", { class: "figure-title" }, title), canvas.element, tooltip);
    clearFigure("heatmap", container, frame);
    const at = (event: MouseEvent) => {
      const box = canvas.element.getBoundingClientRect();
      return canvas.pairAt(event.clientX - box.left, event.clientY - box.top);
    };
    canvas.element.addEventListener("mousemove", (event) => {
      const pair = at(event);
      if (!pair) return void (tooltip.hidden = true);
      tooltip.hidden = false;
      tooltip.replaceChildren(...tooltipLines(pair[0], pair[1]).map((line) => h("div", {}, line)));
      const box = frame.getBoundingClientRect();
      tooltip.style.left = `${event.clientX - box.left + 14}px`;
      tooltip.style.top = `${event.clientY - box.top + 14}px`;
    });
    canvas.element.addEventListener("mouseleave", () => (tooltip.hidden = true));
    canvas.element.addEventListener("click", (event) => {
      const pair = at(event);
      if (pair && pair[0] !== pair[1]) void requestUpdate({ pair: [matrix.observers[pair[0]], matrix.observers[pair[1]]] });
    });
    registerFigure("heatmap", {
      svg: async () => {
        const png = canvas.toPng();
        return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${side}" height="${side + 24}"><title>${escapeXml(title)}</title><text x="0" y="16" font-family="sans-serif" font-size="13">${escapeXml(title)}</text><image x="0" y="24" width="${side}" height="${side}" image-rendering="pixelated" xlink:href="${png}"/></svg>`;
      },
      png: () => dataUrlBlob(canvas.toPng()),
    });
    heatmap = {
      kind: "canvas",
      cells: matrix.size * matrix.size,
      cellCentre(a, b) {
        const i = index.get(a);
        const j = index.get(b);
        if (i === undefined || j === undefined) return null;
        const box = canvas.element.getBoundingClientRect();
        return canvas.cellPoint(i, j, box.left, box.top);
      },
      select(pair) {
        canvas.select(pair && index.has(pair[0]) && index.has(pair[1]) ? [index.get(pair[0])!, index.get(pair[1])!] : null);
      },
      // A million cells are not redrawn per pick: picks show in the list only.
      pick: () => undefined,
    };
  }
  heatmap.select(session.state.pair);
  heatmap.pick([...session.picked]);
}

/** A metric row as written: undefined values (NaN) empty, as the CLI writes them. */
function written(row: Record<string, string | number>): Record<string, string | number | null> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" && Number.isNaN(v) ? null : v]));
}

/** A scene item as Vega draws it: position and size within its group, its datum, child marks for groups. */
interface SceneItem {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  datum?: Record<string, unknown>;
  items?: SceneMark[];
}
interface SceneMark {
  marktype: string;
  role?: string;
  items: SceneItem[];
}

/**
 * Centre of the heatmap cell whose datum passes `test`, relative to the view's origin: found in
 * Vega's scenegraph, adding up the offsets of the groups (concatenated panels) it sits in.
 */
function cellItemCentre(result: Result, test: (datum: Record<string, unknown>) => boolean): [number, number] | null {
  const search = (mark: SceneMark, dx: number, dy: number): [number, number] | null => {
    for (const item of mark.items) {
      if (mark.marktype === "rect" && mark.role === "mark" && item.datum && test(item.datum))
        return [dx + item.x! + item.width! / 2, dy + item.y! + item.height! / 2];
      if (mark.marktype !== "group") continue;
      for (const child of item.items ?? []) {
        const hit = search(child, dx + (item.x ?? 0), dy + (item.y ?? 0));
        if (hit) return hit;
      }
    }
    return null;
  };
  return search((result.view.scenegraph() as unknown as { root: SceneMark }).root, 0, 0);
}

/** The canvas heatmap's tooltip: an observer's accuracy on the diagonal, else the pair's numbers. */
function tooltipLines(i: number, j: number): string[] {
  const matrix = session.analysis!.matrix;
  if (shownMetric) {
    const value = shownMetric.values[i * shownMetric.size + j];
    return [
      `${matrix.observers[i]} – ${matrix.observers[j]}`,
      Number.isNaN(value) ? "not computed: item sets differ" : `${METRIC_NAMES[shownMetric.metric].symbol} ${fixed(value)}`,
    ];
  }
  if (i === j) return [`${matrix.observers[i]}`, `accuracy ${fixed(matrix.accuracy[i])}`];
  const d = pairDetails(matrix, i, j);
  if (!d) return [`${matrix.observers[i]} – ${matrix.observers[j]}`, "not computed: stimulus sets differ"];
  return [
    `${d.observer1} – ${d.observer2} (${d.pair_type})`,
    `accuracy ${fixed(d.acc1)} / ${fixed(d.acc2)}`,
    `c_obs ${fixed(d.c_obs)}, c_exp ${fixed(d.c_exp)}`,
    `κ ${fixed(d.kappa)} [${fixed(d.interval.lower)}, ${fixed(d.interval.upper)}]`,
    `n ${d.n_trials}`,
  ];
}
