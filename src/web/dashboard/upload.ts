/**
 * Uploads from the page: files dropped or chosen are POSTed to the server; a file not in the
 * model-vs-human schema opens a dialog asking which column holds what, then goes again with
 * that mapping. Too-large files are refused before sending, with the server's own message.
 */
import { byId, getJson, h } from "./dom.ts";
import { type UploadResponse, formatBytes } from "./protocol.ts";

/** What an upload needs from the page. */
export interface UploadHooks {
  maxBytes(): number;
  /** A dataset was added: refresh the list and show it. */
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

/** The column-mapping dialog (one per page) and the uploads that use it. */
export function uploader(hooks: UploadHooks): { dialog: HTMLDialogElement; uploadFiles(files: FileList | null): Promise<void> } {
  let waiting: File | null = null;

  const submit = (event: Event) => {
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    const file = waiting;
    waiting = null;
    if (!file || submitter?.value !== "read") return;
    const mapping: Record<string, string> = {};
    for (const select of dialog.querySelectorAll("select")) if (select.value) mapping[select.name] = select.value;
    // Truth and response only make sense together, and not with a correct column.
    if (mapping.correct) {
      delete mapping.truth;
      delete mapping.response;
    }
    void upload(file, mapping);
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
      h("menu", {}, h("button", { type: "submit", value: "read" }, "Read the file"), h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel")),
    ),
  );

  /** Fills the dialog's choices with the file's columns, guessing each from the names. */
  const askMapping = (file: File, columns: readonly string[]) => {
    waiting = file;
    byId("mapping-file").textContent = `"${file.name}" is not in the model-vs-human schema. Its columns: ${columns.join(", ")}. Give either a correct column, or a truth and a response column.`;
    for (const field of MAPPING_FIELDS) {
      const select = dialog.querySelector<HTMLSelectElement>(`select[name="${field.key}"]`)!;
      const guess = columns.find((c) => (field.guess as readonly string[]).includes(c.trim().toLowerCase())) ?? "";
      select.replaceChildren(...(field.required ? [] : [h("option", { value: "" }, "(none)")]), ...columns.map((c) => h("option", { value: c }, c)));
      select.value = field.required ? guess || columns[0] : guess;
    }
    dialog.showModal();
  };

  const upload = async (file: File, mapping?: Record<string, string>) => {
    if (file.size > hooks.maxBytes()) {
      hooks.error(`upload refused: "${file.name}" is larger than the upload limit of ${formatBytes(hooks.maxBytes())} (start trialwise serve with --max-upload to raise it)`);
      return;
    }
    hooks.status(`reading ${file.name}…`);
    const query = new URLSearchParams({ name: file.name, ...(mapping ? { format: "long", ...mapping } : {}) });
    try {
      const answer = await getJson<UploadResponse>(`/api/upload?${query}`, { method: "POST", body: file, headers: { "content-type": "application/octet-stream" } });
      hooks.status("");
      if ("needsMapping" in answer) askMapping(file, answer.columns);
      else await hooks.added(answer.dataset.id, answer.dataset.name);
    } catch (error) {
      hooks.status("");
      hooks.error((error as Error).message);
    }
  };

  return {
    dialog,
    async uploadFiles(files) {
      for (const file of files ? [...files] : []) await upload(file);
    },
  };
}
