import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cli, SHARED } from "../helpers.ts";

const HUMANS = join(SHARED, "data/model-vs-human/raw-data");
const skip = existsSync(HUMANS) ? false : `model-vs-human human data not found at ${HUMANS}`;

let server: Server;
let url: string;
let cache: string;
let requests = 0;

before(async () => {
  if (skip) return;
  cache = await mkdtemp(join(tmpdir(), "trialwise-mvh-cache-"));
  // Serves the shared raw-data folder as the pinned commit's raw-data/ would be served.
  server = createServer((request, response) => {
    requests++;
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname).replace(/^\/raw-data\//, "");
    if (path.includes("..")) return void response.writeHead(400).end();
    readFile(join(HUMANS, path)).then(
      (bytes) => response.writeHead(200, { "content-length": bytes.length }).end(bytes),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/raw-data`;
});

after(async () => {
  if (skip) return;
  await new Promise((resolve) => server.close(resolve));
  await rm(cache, { recursive: true, force: true });
});

test(
  "data fetch model-vs-human: the 90 human files, checked by sha256, into <cache>/model-vs-human/raw-data; again: nothing fetched; data path and benchmark score find them",
  { skip },
  async () => {
    const first = await cli("data", "fetch", "model-vs-human", "--cache", cache, "--url", url);
    assert.equal(first.code, 0, first.stderr);
    const dir = join(cache, "model-vs-human", "raw-data");
    assert.equal(first.stdout, `${dir}\n`);
    assert.match(first.stderr, /fetched 90 files .* all 90 verified \(sha256\)/);
    assert.equal(
      await readFile(join(dir, "edge/edge_subject-01_session_1.csv"), "utf8"),
      await readFile(join(HUMANS, "edge/edge_subject-01_session_1.csv"), "utf8"),
    );
    const seen = requests;
    const again = await cli("data", "fetch", "model-vs-human", "--cache", cache, "--url", url);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /fetched 0 files .* 90 already present/);
    assert.equal(requests, seen);
    const path = await cli("data", "path", "model-vs-human", "--cache", cache);
    assert.equal(path.stdout, `${dir}\n`);
    assert.equal(path.stderr, "");
    // Without --humans, score reads the cache; with an empty cache it says how to get the data.
    const empty = await mkdtemp(join(tmpdir(), "trialwise-mvh-empty-"));
    try {
      const missing = await cli("benchmark", "model-vs-human", "score", HUMANS, "--cache", empty, "--out", join(empty, "out"));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /not in the cache .* 90 of 90 files missing\); run `trialwise data fetch model-vs-human`/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  },
);

test("data fetch model-vs-human offline: a clear message, nothing left behind", { skip }, async () => {
  const offline = await mkdtemp(join(tmpdir(), "trialwise-mvh-offline-"));
  try {
    const result = await cli("data", "fetch", "model-vs-human", "--cache", offline, "--url", "http://127.0.0.1:9/raw-data");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /download of model-vs-human failed \(offline\?\)/);
    assert.match(result.stderr, /pass --humans DIR or set TRIALWISE_MODEL_VS_HUMAN_DATA=DIR/);
  } finally {
    await rm(offline, { recursive: true, force: true });
  }
});
