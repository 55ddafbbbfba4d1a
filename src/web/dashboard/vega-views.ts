/**
 * Vega figures that are built once per spec shape and then only fed new data. Re-embedding a
 * figure (Vega-Lite compile, Vega parse, a new SVG) costs 50–150 ms at 35 observers; handing
 * an existing view its changed data sets costs a fraction, and an unchanged figure nothing.
 * A spec's inline data (`data: { values }`) is moved into named data sets: what remains is its
 * shape (scales, marks, explicit domains), compared as JSON.
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

interface Drawn {
  result: Result;
  element: HTMLElement;
  shape: string;
  /** Each data set's values as JSON, to feed only what changed. */
  data: Map<string, string>;
}

/** The figures on the page by name, with what each was drawn from. */
export class VegaFigures {
  private readonly drawn = new Map<string, Drawn>();

  /**
   * Draws `spec` into `element`: a new view where the figure is new or its shape changed
   * (`created` is then called, e.g. to add listeners), else the existing view with only its
   * changed data sets replaced. Returns the view.
   */
  async draw(name: string, element: HTMLElement, spec: TopLevelSpec, renderer: "svg" | "canvas", created: (result: Result) => void): Promise<Result> {
    const { shape, data } = splitData(spec);
    const shapeJson = JSON.stringify(shape) + renderer;
    const json = new Map([...data].map(([key, values]) => [key, JSON.stringify(values)]));
    const old = this.drawn.get(name);
    if (old && old.shape === shapeJson && old.element === element && element.isConnected) {
      const changed = [...json].filter(([key, text]) => old.data.get(key) !== text);
      for (const [key] of changed) old.result.view.data(key, data.get(key)!);
      if (changed.length > 0) await old.result.view.runAsync();
      old.data = json;
      return old.result;
    }
    this.remove(name);
    // Compiled here so the first render has its data (a named data set starts empty).
    const vega = compile(shape).spec;
    for (const set of vega.data ?? []) if (data.has(set.name)) (set as { values?: unknown[] }).values = data.get(set.name);
    // Without hover processing, as vega-embed draws Vega-Lite specs (their marks have no hover encoding).
    const result = await embed(element, vega, { renderer, actions: false, mode: "vega", hover: false });
    this.drawn.set(name, { result, element, shape: shapeJson, data: json });
    created(result);
    return result;
  }

  /** Ends a figure's view (its listeners and timers) and forgets it. */
  remove(name: string): void {
    this.drawn.get(name)?.result.finalize();
    this.drawn.delete(name);
  }
}
