/**
 * The datasets the server holds: its list (with the upload limits and what the uploads hold),
 * the dataset picker's options, the notes on loading, and each dataset's payload, fetched the
 * first time it is shown and handed to both workers. An uploaded dataset can be removed again.
 */
import { byId, getJson, h } from "./dom.ts";
import { type DatasetListResponse, type DatasetPayload, type DatasetSummary, type RemoveResponse, formatBytes } from "./protocol.ts";
import { session } from "./session.ts";
import { setStatus } from "./status.ts";
import { forgetDataset, sendDataset } from "./workers.ts";

/** The server's last list; before the first, no datasets and no limits. */
let listed: DatasetListResponse = { datasets: [], notes: [], maxUploadBytes: Infinity, heldUploadBytes: 0, maxHeldBytes: Infinity, stimuli: false };
/** The payloads fetched so far, by dataset id. */
const payloads = new Map<string, DatasetPayload>();

export function datasetList(): readonly DatasetSummary[] {
  return listed.datasets;
}

/** The largest file an upload may be (the server's --max-upload). */
export function maxUploadBytes(): number {
  return listed.maxUploadBytes;
}

/** Fetches the server's list and fills the dataset picker with it. */
export async function loadDatasetList(): Promise<void> {
  listed = await getJson<DatasetListResponse>("/api/datasets");
  byId<HTMLSelectElement>("dataset").replaceChildren(...listed.datasets.map((d) => h("option", { value: d.id }, `${d.name} (${d.observers} observers, ${d.trials.toLocaleString("en")} trials)`)));
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
export function renderNotes(payload: DatasetPayload | undefined): void {
  byId("notes").replaceChildren(...[...listed.notes, ...(payload?.notes ?? [])].map((n) => h("p", { class: "note" }, n)));
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
export async function removeUpload(id: string): Promise<RemoveResponse> {
  const removed = await getJson<RemoveResponse>(`/api/datasets/${encodeURIComponent(id)}`, { method: "DELETE" });
  payloads.delete(id);
  await forgetDataset(id);
  await loadDatasetList();
  return removed;
}
