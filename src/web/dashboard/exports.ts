/**
 * What the page's export buttons save: each figure as SVG or PNG, each table as CSV, under a
 * name (`<dataset>-<name>.<kind>`). Views register what they draw here; a button for
 * something not drawn yet says so.
 */
import { toCsv } from "../../io/format.ts";
import { download, h } from "./dom.ts";
import { session } from "./session.ts";
import { showError } from "./status.ts";

/** A drawn figure's exports. */
export interface Exportable {
  svg(): Promise<string>;
  png(): Promise<Blob>;
}

/** A table's rows (a getter where they are built only when exported) and its columns in order. */
export interface ExportTable {
  rows: object[];
  columns: string[];
}

const figures = new Map<string, Exportable>();
const tables = new Map<string, ExportTable>();

export function registerFigure(name: string, figure: Exportable): void {
  figures.set(name, figure);
}

export function forgetFigure(name: string): void {
  figures.delete(name);
}

export function registerTable(name: string, table: ExportTable): void {
  tables.set(name, table);
}

/** The buttons that export `name` in each of `kinds`. */
export function exportButtons(name: string, kinds: ("svg" | "png" | "csv")[]): HTMLElement {
  return h(
    "span",
    { class: "actions" },
    ...kinds.map((kind) =>
      h("button", { type: "button", "data-export": `${name}.${kind}`, onclick: () => void exportItem(name, kind) }, kind.toUpperCase()),
    ),
  );
}

async function exportItem(name: string, kind: "svg" | "png" | "csv"): Promise<void> {
  const prefix = session.state.dataset ?? "trialwise";
  try {
    if (kind === "csv") {
      const table = tables.get(name);
      if (!table) throw new Error(`nothing to export in "${name}" yet`);
      download(`${prefix}-${name}.csv`, toCsv(table.rows, table.columns), "text/csv");
      return;
    }
    const figure = figures.get(name);
    if (!figure) throw new Error(`nothing to export in "${name}" yet`);
    if (kind === "svg") download(`${prefix}-${name}.svg`, await figure.svg(), "image/svg+xml");
    else download(`${prefix}-${name}.png`, await figure.png());
  } catch (error) {
    showError((error as Error).message);
  }
}
