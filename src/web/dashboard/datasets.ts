/**
 * The datasets the server holds: its list (with the upload limits and what the uploads hold),
 * the dataset picker's options, the notes on loading, and each dataset's payload, fetched the
 * first time it is shown and handed to both workers. Files dropped on the page or chosen are
 * uploaded (./upload.ts) and shown; an uploaded dataset can be removed again.
 */
import { byId, getJson, h } from "./dom.ts";
import {
  type DatasetListResponse,
  type DatasetPayload,
  type DatasetSummary,
  type RemoveResponse,
  formatBytes,
} from "../../serve/protocol.ts";
import { session } from "./session.ts";
import { setStatus, showError, tracked } from "./status.ts";
import { requestAnalysis, requestDataset } from "./requests.ts";
import { uploader } from "./upload.ts";
import { forgetDataset, sendDataset } from "./workers.ts";

/** The server's last list; before the first, no datasets and no limits. */
let listed: DatasetListResponse = {
  datasets: [],
  notes: [],
  maxUploadBytes: Infinity,
  heldUploadBytes: 0,
  maxHeldBytes: Infinity,
  stimuli: false,
};
/** The payloads fetched so far, by dataset id. */
const payloads = new Map<string, DatasetPayload>();

/** Uploads, and the dialog that asks which column holds what. */
const uploads = uploader({
  maxBytes: () => listed.maxUploadBytes,
  target: () => (byId<HTMLSelectElement>("upload-target").value === "shown" ? session.state.dataset : null),
  added: async (id) => {
    // A dataset that grew is fetched again, and handed to the workers again.
    payloads.delete(id);
    await loadDatasetList();
    byId<HTMLSelectElement>("upload-target").value = "new";
    if (id === session.state.dataset) await tracked(requestAnalysis);
    else await requestDataset(id);
  },
  error: showError,
  status: setStatus,
});

/** The column-mapping dialog, part of the page. */
export const uploadDialog = uploads.dialog;

/** Uploads files (dropped on the page) one after the other, showing each dataset added. */
export function uploadFiles(files: FileList | null): Promise<void> {
  return uploads.uploadFiles(files);
}

/** Uploads the files chosen in the input, then empties it so the same file can be chosen again. */
export async function uploadChosen(input: HTMLInputElement): Promise<void> {
  await uploadFiles(input.files);
  input.value = "";
}

export function datasetList(): readonly DatasetSummary[] {
  return listed.datasets;
}

/** Fetches the server's list and fills the dataset picker with it. */
export async function loadDatasetList(): Promise<void> {
  listed = await getJson<DatasetListResponse>("/api/datasets");
  byId<HTMLSelectElement>("dataset").replaceChildren(
    ...listed.datasets.map((d) =>
      h("option", { value: d.id }, `${d.name} (${d.observers} observers, ${d.trials.toLocaleString("en")} trials)`),
    ),
  );
  renderRemoveButton();
}

/** The remove button: shown for an uploaded dataset, saying what the uploads hold. */
export function renderRemoveButton(): void {
  const button = byId<HTMLButtonElement>("remove-dataset");
  const shown = listed.datasets.find((d) => d.id === session.state.dataset);
  button.hidden = !shown || shown.uploadedBytes === null;
  button.title = `Frees the server's memory for other uploads (uploads held: ${formatBytes(listed.heldUploadBytes)} of ${formatBytes(listed.maxHeldBytes)})`;
}

/** The server's notes on loading, and the current dataset's (e.g. conditions that cannot be pooled). */
export function renderNotes(payload: DatasetPayload | undefined, unitNote: string | null = null): void {
  byId("notes").replaceChildren(
    ...[...listed.notes, ...(payload?.notes ?? [])].map((n) => h("p", { class: "note" }, n)),
    ...(unitNote ? [h("p", { class: "note", id: "unit-note" }, unitNote)] : []),
  );
}

/** The payload of the dataset shown, once fetched. */
export function currentPayload(): DatasetPayload | undefined {
  return session.state.dataset ? payloads.get(session.state.dataset) : undefined;
}

/** The dataset's payload, fetched and handed to the workers the first time. */
export async function ensurePayload(id: string): Promise<DatasetPayload> {
  let payload = payloads.get(id);
  if (!payload) {
    setStatus("loading the dataset…");
    payload = await getJson<DatasetPayload>(`/api/datasets/${encodeURIComponent(id)}`);
    await sendDataset(payload);
    payloads.set(id, payload);
  }
  return payload;
}

/** Removes an uploaded dataset on the server (freeing its memory), in the page and in its workers, then lists what is left. */
async function removeUpload(id: string): Promise<RemoveResponse> {
  const removed = await getJson<RemoveResponse>(`/api/datasets/${encodeURIComponent(id)}`, { method: "DELETE" });
  payloads.delete(id);
  await forgetDataset(id);
  await loadDatasetList();
  return removed;
}

/**
 * Removes the uploaded dataset shown, on the server (freeing its memory) and in the page and
 * its workers, then shows the first dataset left; with none left the page starts afresh.
 */
export async function removeShownUpload(): Promise<void> {
  const id = session.state.dataset;
  const summary = datasetList().find((d) => d.id === id);
  if (!id || !summary || summary.uploadedBytes === null) return;
  await tracked(async () => {
    const removed = await removeUpload(id);
    if (datasetList().length === 0) {
      location.replace(location.pathname);
      return;
    }
    await requestDataset(datasetList()[0].id);
    setStatus(`removed ${summary.name} (uploads held: ${formatBytes(removed.heldUploadBytes)} of ${formatBytes(removed.maxHeldBytes)})`);
  });
}
