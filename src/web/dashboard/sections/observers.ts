/**
 * The observers panel (#observers-section): every observer of the dataset with its kind,
 * group and accuracy; a checkbox hides or shows it, a click on its name picks it. Picked
 * observers can be shown alone or made a group (kept in the URL), and stay bright in the
 * matrix and the ranking. Each group's chip shows its colour (the strip beside the matrix).
 */
import { currentPayload } from "../datasets.ts";
import { byId, h } from "../dom.ts";
import { registerTable } from "../exports.ts";
import { fixed, groupColour } from "../figures.ts";
import type { DatasetPayload } from "../../../serve/protocol.ts";
import { session } from "../session.ts";
import { showError } from "../status.ts";
import { requestUpdate } from "../requests.ts";
import { pickInHeatmap } from "./heatmap.ts";

/** The observer's group: the user group it is in, else "humans" or "models". */
function groupOf(name: string, kind: string): string {
  return session.state.groups.find((g) => g.members.includes(name))?.name ?? (kind === "human" ? "humans" : "models");
}

/** The observers table (also the "observers" export), picks highlighted. */
export function renderObservers(payload: DatasetPayload): void {
  const hidden = new Set(session.state.hidden);
  const rows = payload.observerInfo.map((o) => ({ ...o, group: groupOf(o.name, o.kind), shown: !hidden.has(o.name) }));
  registerTable("observers", { rows, columns: ["name", "kind", "group", "n_trials", "n_correct", "n_na", "accuracy", "shown"] });
  byId("observers").replaceChildren(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "show"),
        h("th", {}, "observer"),
        h("th", {}, "kind"),
        h("th", {}, "group"),
        h("th", { class: "num" }, "accuracy"),
        h("th", { class: "num" }, "trials"),
      ),
    ),
    h(
      "tbody",
      {},
      ...rows.map((o) =>
        h(
          "tr",
          { class: session.picked.has(o.name) ? "picked" : "", "data-observer": o.name },
          h(
            "td",
            {},
            h("input", { type: "checkbox", checked: o.shown, "aria-label": `show ${o.name}`, onchange: () => toggleShown(o.name) }),
          ),
          h(
            "td",
            {},
            h(
              "button",
              { type: "button", class: `link ${o.kind}`, title: "pick (for grouping)", onclick: () => togglePicked(o.name) },
              o.name,
            ),
          ),
          h("td", {}, o.kind),
          h("td", {}, o.group),
          h("td", { class: "num" }, fixed(o.accuracy, 3)),
          h("td", { class: "num" }, String(o.n_trials)),
        ),
      ),
    ),
  );
}

/** Hides a shown observer from every view, or shows a hidden one again. */
function toggleShown(name: string): void {
  const hidden = new Set(session.state.hidden);
  if (hidden.has(name)) hidden.delete(name);
  else hidden.add(name);
  void requestUpdate({ hidden: [...hidden] });
}

/** Shows the picks: highlighted in the list, their rows and columns bright in the matrix. */
function showPicks(): void {
  const payload = currentPayload();
  if (payload) renderObservers(payload);
  pickInHeatmap([...session.picked]);
  for (const row of document.querySelectorAll<HTMLElement>("#ranking-table tr[data-model]"))
    row.classList.toggle("picked", session.picked.has(row.dataset.model!));
}

/** Picks an observer, or unpicks it if picked. */
export function togglePicked(name: string): void {
  session.togglePick(name);
  showPicks();
}

/** Picks every human, or every model, or (null) none. */
export function pickKind(kind: "human" | "model" | null): void {
  const payload = currentPayload();
  if (!payload) return;
  session.pick(kind === null ? [] : payload.observerInfo.filter((o) => o.kind === kind).map((o) => o.name));
  showPicks();
}

/** Hides every observer not picked. */
export function showOnlyPicked(): void {
  const payload = currentPayload();
  if (!payload || session.picked.size < 2) return showError("pick at least two observers to show only them");
  void requestUpdate({ hidden: payload.observerInfo.map((o) => o.name).filter((o) => !session.picked.has(o)) });
}

/**
 * Makes the picked observers a group named in the form (replacing a group of that name; they
 * leave the groups they were in, and groups left empty go). The picks stay.
 */
export function makeGroup(): void {
  const input = byId<HTMLInputElement>("group-name");
  const name = input.value.trim();
  if (!name || name.includes(":")) return showError("give the group a name (without a colon)");
  if (session.picked.size === 0) return showError("pick the group's observers first (click their names)");
  const members = [...session.picked];
  // The URL separates members by "|" (./state.ts).
  const unfit = members.find((m) => m.includes("|"));
  if (unfit) return showError(`observer "${unfit}" cannot join a group: its name contains "|"`);
  const groups = session.state.groups
    .filter((g) => g.name !== name)
    .map((g) => ({ ...g, members: g.members.filter((m) => !members.includes(m)) }));
  // The picks stay: the group can be shown alone at once ("show only picked").
  input.value = "";
  void requestUpdate({ groups: [...groups.filter((g) => g.members.length > 0), { name, members }] });
}

/** A small square of a colour (set through the CSSOM: the page's CSP allows no inline style attributes). */
function swatch(colour: string): HTMLElement {
  const element = h("span", { class: "swatch", "aria-hidden": "true" });
  element.style.background = colour;
  return element;
}

/** The groups as chips (with their colour), each with a button that removes it. */
export function renderGroups(): void {
  byId("groups").replaceChildren(
    ...session.state.groups.map((g) =>
      h(
        "span",
        { class: "chip", "data-group": g.name },
        // The group's colour, as on the strip beside the matrix and in the scatters.
        swatch(groupColour(g.name, session.state.groups)),
        `${g.name} (${g.members.length})`,
        h(
          "button",
          {
            type: "button",
            "aria-label": `remove group ${g.name}`,
            onclick: () => void requestUpdate({ groups: session.state.groups.filter((x) => x !== g) }),
          },
          "×",
        ),
      ),
    ),
  );
}
