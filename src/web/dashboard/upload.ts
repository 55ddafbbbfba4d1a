/**
 * Uploads from the page: files dropped or chosen are POSTed to the server, several at once into
 * one dataset (the first makes it, the others add their observers to it), or into a copy of the
 * dataset shown ("add to the dataset shown"). A file not in the model-vs-human schema opens a
 * dialog asking which column holds what (and whether its stimulus ids are model-vs-human file
 * names, cut to their id); the other files of the same choice are read with that answer.
 * Too-large files are refused before sending, with the server's own message.
 */
import { byId, getJson, h } from "./dom.ts";
import { type UploadResponse, formatBytes } from "../../serve/protocol.ts";

/** What an upload needs from the page. */
export interface UploadHooks {
  maxBytes(): number;
  /** The dataset the files go into when "add to the dataset shown" is chosen; null: a new dataset. */
  target(): string | null;
  /** A dataset was added or grew: refresh the list and show it. */
  added(id: string, name: string): Promise<void>;
  error(message: string): void;
  status(text: string): void;
}

const MAPPING_FIELDS = [
  { key: "observer", label: "observer", required: true, guess: ["observer", "subj", "subject", "model", "participant"] },
  { key: "stimulus", label: "stimulus (match key)", required: true, guess: ["stimulus", "imagename", "image", "item", "file"] },
  { key: "truth", label: "true category", required: false, guess: ["truth", "category", "label", "target"] },
  { key: "response", label: "response", required: false, guess: ["response", "object_response", "prediction", "answer", "decision"] },
  { key: "correct", label: "correct (0/1), instead of truth and response", required: false, guess: ["correct", "hit", "accuracy"] },
  { key: "condition", label: "condition", required: false, guess: ["condition", "cond"] },
] as const;

/** The choices of the stimulus-id rule (the server's `stimulusIds` parameter). */
const STIMULUS_ID_RULES = [
  { value: "", label: "as they are" },
  {
    value: "model-vs-human",
    label:
      "model-vs-human file names: the id after the per-observer prefix (0001_eid_s03_1-3-10_truck_10_n03417042_7036.JPEG → n03417042_7036.JPEG)",
  },
] as const;

/** The column-mapping dialog (one per page) and the uploads that use it. */
export function uploader(hooks: UploadHooks): { dialog: HTMLDialogElement; uploadFiles(files: FileList | null): Promise<void> } {
  let answer: ((mapping: Record<string, string> | null) => void) | null = null;

  const submit = (event: Event) => {
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    const reply = answer;
    answer = null;
    if (!reply) return;
    if (submitter?.value !== "read") return reply(null);
    const mapping: Record<string, string> = {};
    for (const select of dialog.querySelectorAll("select")) if (select.value) mapping[select.name] = select.value;
    // Truth and response only make sense together, and not with a correct column.
    if (mapping.correct) {
      delete mapping.truth;
      delete mapping.response;
    }
    reply(mapping);
  };

  const dialog = h(
    "dialog",
    { id: "mapping" },
    h(
      "form",
      { method: "dialog", onsubmit: submit },
      h("h2", {}, "Which column holds what?"),
      h("p", { id: "mapping-file", class: "note" }),
      ...MAPPING_FIELDS.map((f) => h("label", {}, `${f.label} `, h("select", { name: f.key }))),
      h(
        "label",
        {},
        "stimulus ids ",
        h("select", { name: "stimulusIds" }, ...STIMULUS_ID_RULES.map((r) => h("option", { value: r.value }, r.label))),
      ),
      h(
        "p",
        { class: "note" },
        "Observers are paired on the trials whose stimulus ids are equal: model-vs-human image names carry each observer's session and trial number, so only their last part matches.",
      ),
      h(
        "menu",
        {},
        h("button", { type: "submit", value: "read" }, "Read the file"),
        h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"),
      ),
    ),
  );

  /** Asks which column holds what, guessing each from the names; null when cancelled. */
  const askMapping = (file: File, columns: readonly string[], others: number) =>
    new Promise<Record<string, string> | null>((resolve) => {
      answer = resolve;
      byId("mapping-file").textContent =
        `"${file.name}" is not in the model-vs-human schema. Its columns: ${columns.join(", ")}. Give either a correct column, or a truth and a response column.${others > 0 ? ` The ${others} other file(s) chosen with it are read the same way.` : ""}`;
      for (const field of MAPPING_FIELDS) {
        const select = dialog.querySelector<HTMLSelectElement>(`select[name="${field.key}"]`)!;
        const guess = columns.find((c) => (field.guess as readonly string[]).includes(c.trim().toLowerCase())) ?? "";
        select.replaceChildren(
          ...(field.required ? [] : [h("option", { value: "" }, "(none)")]),
          ...columns.map((c) => h("option", { value: c }, c)),
        );
        select.value = field.required ? guess || columns[0] : guess;
      }
      // A column named imagename holds model-vs-human file names: offer their rule at once.
      const stimulus = dialog.querySelector<HTMLSelectElement>('select[name="stimulus"]')!.value;
      dialog.querySelector<HTMLSelectElement>('select[name="stimulusIds"]')!.value =
        stimulus.trim().toLowerCase() === "imagename" ? "model-vs-human" : "";
      dialog.showModal();
    });

  /** Sends one file (into dataset `into`, if given); returns the dataset it made or grew, or null (refused, failed or cancelled: said). */
  const upload = async (
    file: File,
    into: string | null,
    mapping: Record<string, string> | undefined,
    others: number,
  ): Promise<{ id: string; name: string; mapping?: Record<string, string> } | null> => {
    if (file.size > hooks.maxBytes()) {
      hooks.error(
        `upload refused: "${file.name}" is larger than the upload limit of ${formatBytes(hooks.maxBytes())} (start trialwise serve with --max-upload to raise it)`,
      );
      return null;
    }
    hooks.status(`reading ${file.name}…`);
    const query = new URLSearchParams({ name: file.name, ...(into ? { into } : {}), ...(mapping ? { format: "long", ...mapping } : {}) });
    if (query.get("stimulusIds") === "") query.delete("stimulusIds");
    try {
      const reply = await getJson<UploadResponse>(`/api/upload?${query}`, {
        method: "POST",
        body: file,
        headers: { "content-type": "application/octet-stream" },
      });
      hooks.status("");
      if (!("needsMapping" in reply)) return { id: reply.dataset.id, name: reply.dataset.name, mapping };
      const chosen = await askMapping(file, reply.columns, others);
      return chosen ? upload(file, into, chosen, others) : null;
    } catch (error) {
      hooks.status("");
      hooks.error((error as Error).message);
      return null;
    }
  };

  return {
    dialog,
    async uploadFiles(files) {
      const list = files ? [...files] : [];
      let into = hooks.target();
      let mapping: Record<string, string> | undefined;
      let last: { id: string; name: string } | null = null;
      for (const [k, file] of list.entries()) {
        const done = await upload(file, into, mapping, list.length - 1 - k);
        if (!done) continue;
        // The files after the first go into the dataset it made (or grew), read as it was.
        into = done.id;
        mapping ??= done.mapping;
        last = done;
      }
      if (last) await hooks.added(last.id, last.name);
    },
  };
}
