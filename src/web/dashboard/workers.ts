/**
 * The page's two computation workers (./worker.entry.ts): one for every analysis, pair
 * interval and per-condition curve, and a second one for the ranking's bootstrap (a few
 * hundred ms), so that it never delays an analysis. Both hold the datasets shown.
 */
import type { DatasetPayload } from "../../serve/protocol.ts";
import { showError } from "./status.ts";
import { startWorker } from "./worker-client.ts";

/** Asks the analysis worker. */
export const ask = startWorker(showError);
/** Asks the ranking worker. */
export const askRanking = startWorker(showError);

/** Hands a dataset to both workers, which decode it for the analyses to come. */
export async function sendDataset(payload: DatasetPayload): Promise<void> {
  await Promise.all([ask<"dataset">({ type: "dataset", payload }), askRanking<"dataset">({ type: "dataset", payload })]);
}

/** Has both workers drop a removed dataset. */
export async function forgetDataset(id: string): Promise<void> {
  await Promise.all([ask<"forget">({ type: "forget", dataset: id }), askRanking<"forget">({ type: "forget", dataset: id })]);
}
