/**
 * Vega figures that are built once per spec shape and then only fed new data. Re-embedding a
 * figure (Vega-Lite compile, Vega parse, a new SVG) costs 50–150 ms at 35 observers; handing
 * an existing view its changed data sets costs a fraction, and an unchanged figure nothing.
 * A spec's inline data (`data: { values }`) is moved into named data sets: what remains is its
 * shape (scales, marks, explicit domains), compared as JSON. A few views replaced by another
 * shape are kept off the page, so going back (showing an observer again, the previous dataset)
 * puts the old view back instead of drawing it anew.
 */
import embed, { type Result } from "vega-embed";
import { compile, type TopLevelSpec } from "vega-lite";

/** A spec with its inline data sets named: the shape, and the values per name. */
export interface SplitSpec {
  shape: TopLevelSpec;
  data: Map<string, unknown[]>;
}

/**
 * Replaces each inline `data: { values }` of a Vega-Lite spec (at any depth: layers, concats)
 * by `data: { name }`; the same array gets one name. The input is left as it is.
 */
export function splitData(spec: TopLevelSpec): SplitSpec {
  const names = new Map<unknown[], string>();
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const values = key === "data" && value && typeof value === "object" ? (value as { values?: unknown }).values : undefined;
      if (Array.isArray(values)) {
        if (!names.has(values)) names.set(values, `tw_data_${names.size}`);
        out[key] = { name: names.get(values) };
      } else out[key] = walk(value);
    }
    return out;
  };
  const shape = walk(spec) as TopLevelSpec;
  return { shape, data: new Map([...names].map(([values, name]) => [name, values])) };
}

/** Views kept off the page per figure (each a few thousand SVG nodes at most). */
const KEPT_PER_FIGURE = 6;

interface Drawn {
  result: Result;
  element: HTMLElement;
  /** The view's nodes in `element`, to put back when the view comes back. */
  nodes: Node[];
  shape: string;
  /** Each data set's values as JSON, to feed only what changed. */
  data: Map<string, string>;
}

/** The figures on the page by name, with what each was drawn from. */
export class VegaFigures {
  private readonly drawn = new Map<string, Drawn>();
  /** Views of each figure taken off the page, oldest first. */
  private readonly kept = new Map<string, Drawn[]>();

  /**
   * Draws `spec` into `element`: the view on the page, or a kept one, of the same shape with
   * only its changed data sets replaced; else a new view (`created` is then called, e.g. to add
   * listeners). Returns the view.
   */
  async draw(
    name: string,
    element: HTMLElement,
    spec: TopLevelSpec,
    renderer: "svg" | "canvas",
    created: (result: Result) => void,
  ): Promise<Result> {
    const { shape, data } = splitData(spec);
    const shapeJson = JSON.stringify(shape) + renderer;
    const json = new Map([...data].map(([key, values]) => [key, JSON.stringify(values)]));
    const current = this.drawn.get(name);
    const kept = this.kept.get(name) ?? [];
    const same = (d: Drawn) => d.shape === shapeJson && d.element === element;
    const reuse = current && same(current) && element.isConnected ? current : kept.find(same);
    // Taken out of the kept ones first, so keeping the current view cannot end it.
    if (reuse && reuse !== current) kept.splice(kept.indexOf(reuse), 1);
    if (current !== reuse) this.keep(name, current);
    if (reuse) {
      if (reuse !== current) {
        element.replaceChildren(...reuse.nodes);
        this.drawn.set(name, reuse);
      }
      const changed = [...json].filter(([key, text]) => reuse.data.get(key) !== text);
      for (const [key] of changed) reuse.result.view.data(key, data.get(key)!);
      if (changed.length > 0) await reuse.result.view.runAsync();
      reuse.data = json;
      return reuse.result;
    }
    // Compiled here so the first render has its data (a named data set starts empty).
    const vega = compile(shape).spec;
    for (const set of vega.data ?? []) if (data.has(set.name)) (set as { values?: unknown[] }).values = data.get(set.name);
    // Without hover processing, as vega-embed draws Vega-Lite specs (their marks have no hover encoding).
    const result = await embed(element, vega, { renderer, actions: false, mode: "vega", hover: false });
    this.drawn.set(name, { result, element, nodes: [...element.childNodes], shape: shapeJson, data: json });
    created(result);
    return result;
  }

  /** Takes a figure's view off the page and keeps it; the oldest kept beyond the limit is ended. */
  private keep(name: string, drawn: Drawn | undefined): void {
    if (!drawn) return;
    this.drawn.delete(name);
    const kept = this.kept.get(name) ?? [];
    kept.push(drawn);
    if (kept.length > KEPT_PER_FIGURE) kept.shift()!.result.finalize();
    this.kept.set(name, kept);
  }

  /** Ends a figure's views, on the page and kept (their listeners and timers), and forgets them. */
  remove(name: string): void {
    this.drawn.get(name)?.result.finalize();
    this.drawn.delete(name);
    for (const drawn of this.kept.get(name) ?? []) drawn.result.finalize();
    this.kept.delete(name);
  }
}
