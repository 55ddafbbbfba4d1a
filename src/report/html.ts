/** Building blocks of self-contained HTML reports (no scripts, styles inline, no network). */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A number for reading: integers as they are, others to `digits` significant decimals. */
export function formatNumber(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(2);
  return value.toFixed(digits);
}

export interface Column<Row> {
  title: string;
  value: (row: Row) => unknown;
  digits?: number;
}

/** An HTML table; numeric cells right-aligned. */
export function htmlTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], className = ""): string {
  const head = columns.map((c) => `<th>${escapeHtml(c.title)}</th>`).join("");
  const body = rows
    .map(
      (row) =>
        `<tr>${columns
          .map((c) => {
            const value = c.value(row);
            const numeric = typeof value === "number";
            return `<td${numeric ? ' class="num"' : ""}>${escapeHtml(formatNumber(value, c.digits))}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const REPORT_CSS = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; max-width: 1180px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2.2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
nav ol { columns: 2; }
figure { display: inline-block; vertical-align: top; margin: 1em 1.5em 1.5em 0; max-width: 100%; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.88em; color: #444; max-width: 520px; }
figcaption .files { display: block; margin-top: 0.3em; font-size: 0.95em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0 1.2em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.differs td { background: #fff4e5; }
code { background: #f3f3f3; padding: 0 0.2em; }
.note { background: #f7f7fb; border-left: 4px solid #8888bb; padding: 0.6em 1em; }
`;
