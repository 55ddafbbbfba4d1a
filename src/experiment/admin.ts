/**
 * `trialwise experiment export` and `status` while `trialwise experiment serve` runs. DuckDB lets
 * one process open a store file, so the running server answers them itself: on a second
 * listener, bound to 127.0.0.1 only (never reachable through the participants' address or a
 * reverse proxy in front of it), guarded by a random admin token. The server writes that
 * listener's address and the token to `<store>.server.json` beside the store (mode 0600) and
 * removes it when it stops. Both paths read the store with the same `TrialStore` methods, so
 * they give the same data. Node only.
 *
 * Admin API (`Authorization: Bearer <admin token>`; 403 from another machine, 401 without the
 * token): GET /admin/status, GET /admin/export: `{ instance, data }`.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import Fastify, { type FastifyInstance } from "fastify";
import { InputError } from "../core/errors.ts";
import { writeFileAtomic } from "../io/output.ts";
import { type ExportData, type StatusData, StoreLockedError, TrialStore } from "./store.ts";

/** What each admin endpoint, and the offline command of the same name, reads from a store. */
export interface StoreViews {
  status: StatusData;
  export: ExportData;
}
export type StoreView = keyof StoreViews;

const READERS: { [V in StoreView]: (store: TrialStore) => Promise<StoreViews[V]> } = {
  status: (store) => store.statusData(),
  export: (store) => store.exportData(),
};

/** The sidecar file of a running server. */
export interface Sidecar {
  /** The admin listener: http://127.0.0.1:<port>. */
  url: string;
  token: string;
  /** Random per server start; the admin answers carry it, so another program on a reused port is not believed. */
  instance: string;
  pid: number;
}

export function sidecarPath(store: string): string {
  return `${store}.server.json`;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function isLoopback(ip: string): boolean {
  return /^(127\.|::ffff:127\.)/.test(ip) || ip === "::1";
}

/** The admin endpoints over a store (not listening yet). */
export function adminApp(store: TrialStore, token: string, instance: string, log: (line: string) => void): FastifyInstance {
  const app = Fastify({ logger: false });
  const expected = digest(token);
  app.addHook("onRequest", async (request, reply) => {
    if (!isLoopback(request.ip)) {
      log(`refused admin request ${request.method} ${request.url} from ${request.ip}: not from this machine`);
      return reply.code(403).send({ error: "admin requests are answered only from this machine" });
    }
    const given = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
    // Equal-length digests: the comparison takes the same time whatever the token given.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      log(`refused admin request ${request.method} ${request.url}: missing or wrong admin token`);
      return reply.code(401).send({ error: "missing or wrong admin token" });
    }
  });
  for (const view of Object.keys(READERS) as StoreView[])
    app.get(`/admin/${view}`, async () => ({ instance, data: await READERS[view](store) }));
  return app;
}

/**
 * Starts the admin listener of a server over `store` on a free loopback port and writes the
 * sidecar; `close` removes the sidecar, then stops the listener.
 */
export async function startAdmin(store: TrialStore, log: (line: string) => void): Promise<{ close(): Promise<void> }> {
  const token = randomBytes(32).toString("hex");
  const instance = randomBytes(16).toString("hex");
  const app = adminApp(store, token, instance, log);
  const path = sidecarPath(store.path);
  try {
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    // Mode 0600 from creation: the token is never readable by other users.
    await writeFileAtomic(path, `${JSON.stringify({ url, token, instance, pid: process.pid } satisfies Sidecar)}\n`, { mode: 0o600 });
  } catch (error) {
    await app.close();
    if (error instanceof InputError) throw error;
    throw new InputError(
      `cannot listen on 127.0.0.1 for export and status (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return {
    close: async () => {
      await rm(path, { force: true });
      await app.close();
    },
  };
}

/** The sidecar beside `store`, if there is a well-formed one pointing at this machine. */
async function readSidecar(store: string): Promise<Sidecar | undefined> {
  let json: Partial<Sidecar>;
  try {
    json = JSON.parse(await readFile(sidecarPath(store), "utf8")) as Partial<Sidecar>;
  } catch {
    return undefined;
  }
  const { url, token, instance, pid } = json ?? {};
  if (typeof url !== "string" || typeof token !== "string" || typeof instance !== "string" || typeof pid !== "number") return undefined;
  // The token goes to 127.0.0.1 only, whatever the file says.
  const address = URL.canParse(url) ? new URL(url) : undefined;
  if (address?.protocol !== "http:" || address.hostname !== "127.0.0.1") return undefined;
  return { url, token, instance, pid };
}

/** The view from the server that wrote `sidecar`; undefined when it is gone or another program answers. */
async function fetchView<V extends StoreView>(sidecar: Sidecar, view: V): Promise<StoreViews[V] | undefined> {
  // A port since taken by another program may never answer: wait a few seconds for the headers,
  // then as long as the body (every trial) takes.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    const response = await fetch(`${sidecar.url}/admin/${view}`, {
      headers: { authorization: `Bearer ${sidecar.token}` },
      signal: abort.signal,
    });
    clearTimeout(timer);
    if (!response.ok) return undefined;
    const body = (await response.json()) as { instance?: unknown; data?: StoreViews[V] };
    return body.instance === sidecar.instance ? body.data : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads `view` of the store at `path`; when a running server holds the store, from that server
 * (`onServer` is told once it answered). A sidecar whose server is gone, or does not answer as
 * the one that wrote it, leaves the lock's error ("stop it first").
 */
export async function readStoreData<V extends StoreView>(
  path: string,
  view: V,
  onServer?: (sidecar: Sidecar) => void,
): Promise<StoreViews[V]> {
  let store: TrialStore;
  try {
    store = await TrialStore.read(path);
  } catch (error) {
    if (!(error instanceof StoreLockedError)) throw error;
    const sidecar = await readSidecar(path);
    const data = sidecar === undefined ? undefined : await fetchView(sidecar, view);
    if (sidecar === undefined || data === undefined) throw error;
    onServer?.(sidecar);
    return data;
  }
  try {
    return await READERS[view](store);
  } finally {
    await store.close();
  }
}
