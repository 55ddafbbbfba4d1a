import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { UsageError } from "../../src/core/errors.ts";
import {
  MODEL_VS_HUMAN_STIMULI_URL,
  StimulusChecksumError,
  fetchStimuli,
  missingStimuli,
  modelVsHumanStimuliDir,
  readStimuliManifest,
  stimulusArchivesDir,
  stimulusDatasets,
} from "../../src/io/archive.ts";
import { UnsafeArchiveError } from "../../src/io/extract.ts";
import { DownloadError, type FetchProgress } from "../../src/io/fetch.ts";
import { maliciousArchives, sessionFiles, tarGz } from "./tar-fixtures.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A release server on 127.0.0.1: `/v0.1/<name>`, with range requests, and ways to misbehave. */
interface ReleaseServer {
  baseUrl: string;
  archives: Map<string, Buffer>;
  /** Requests: the archive and the Range header sent. */
  requests: { name: string; range: string | undefined }[];
  /** Sends this many bytes of the archive once, then drops the connection. */
  cutAfter: Map<string, number>;
  /** Answers range requests with the whole file (200). */
  ignoreRange: boolean;
  close: () => Promise<void>;
}

async function startReleaseServer(): Promise<ReleaseServer> {
  const state = {
    archives: new Map<string, Buffer>(),
    requests: [] as ReleaseServer["requests"],
    cutAfter: new Map<string, number>(),
    ignoreRange: false,
  };
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const name = decodeURIComponent(path.replace(/^\/v0\.1\//, ""));
    const range = request.headers.range;
    state.requests.push({ name, range });
    const bytes = path.startsWith("/v0.1/") ? state.archives.get(name) : undefined;
    if (!bytes) return void response.writeHead(404).end("not found");
    const cut = state.cutAfter.get(name);
    if (cut !== undefined) {
      state.cutAfter.delete(name);
      response.writeHead(200, { "content-length": bytes.length });
      // The drop comes a moment after the bytes, so that the client has read them (a stream's error discards what it holds unread).
      response.write(bytes.subarray(0, cut), () => setTimeout(() => response.destroy(), 100));
      return;
    }
    const from = Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? Number.NaN);
    if (range !== undefined && !state.ignoreRange) {
      if (!(from < bytes.length)) return void response.writeHead(416, { "content-range": `bytes */${bytes.length}` }).end();
      response
        .writeHead(206, { "content-length": bytes.length - from, "content-range": `bytes ${from}-${bytes.length - 1}/${bytes.length}` })
        .end(bytes.subarray(from));
      return;
    }
    response.writeHead(200, { "content-length": bytes.length, "content-type": "application/gzip" }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v0.1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

let server: ReleaseServer;
let work: string;
const colour = sessionFiles("colour", 4);
const edge = { "edge/airplane/airplane1.png": "a1", "edge/bear/bear1.png": "b1" };
let colourArchive: Buffer;
let edgeArchive: Buffer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "trialwise-stimuli-"));
  server = await startReleaseServer();
  colourArchive = await tarGz(colour);
  edgeArchive = await tarGz(edge);
  server.archives.set("colour.tar.gz", colourArchive);
  server.archives.set("edge.tar.gz", edgeArchive);
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

/** A fresh cache folder, and the server's request log emptied. */
async function freshCache(name: string): Promise<string> {
  server.requests.length = 0;
  server.ignoreRange = false;
  const cache = join(work, name);
  await mkdir(cache);
  return cache;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

test("stimulusDatasets: none means all 17 in the benchmark's order; names are kept once, in that order; an unknown one is a UsageError listing the known", () => {
  assert.equal(stimulusDatasets().length, 17);
  assert.deepEqual(stimulusDatasets(["sketch", "colour", "colour"]), ["colour", "sketch"]);
  assert.throws(
    () => stimulusDatasets(["colour", "colours"]),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        '--stimuli: unknown dataset "colours"; known: edge, silhouette, cue-conflict, colour, contrast, high-pass, low-pass, phase-scrambling, power-equalisation, false-colour, rotation, eidolonI, eidolonII, eidolonIII, uniform-noise, sketch, stylized',
  );
  assert.equal(MODEL_VS_HUMAN_STIMULI_URL, "https://github.com/bethgelab/model-vs-human/releases/download/v0.1");
});

test("fetchStimuli: downloads, records each archive's sha256 and size, extracts into <cache>/model-vs-human/stimuli/<dataset>; a second run fetches nothing", async () => {
  const cache = await freshCache("download");
  const progress: FetchProgress[] = [];
  const notes: string[] = [];
  const result = await fetchStimuli({
    datasets: ["colour", "edge"],
    cache,
    baseUrl: server.baseUrl,
    onProgress: (p) => progress.push(p),
    onNote: (n) => notes.push(n),
  });
  const dir = join(cache, "model-vs-human", "stimuli");
  assert.equal(result.dir, dir);
  assert.equal(modelVsHumanStimuliDir(cache), dir);
  assert.deepEqual([result.total, result.present, result.downloaded, result.extracted], [2, 0, 2, 2]);
  assert.equal(result.downloadedBytes, colourArchive.length + edgeArchive.length);
  assert.deepEqual([...result.recorded].sort(), ["colour", "edge"]);
  assert.deepEqual(
    await filesUnder(join(dir, "colour")),
    Object.keys(colour)
      .map((p) => p.slice("colour/".length))
      .sort(),
  );
  assert.equal(await readFile(join(dir, "edge/bear/bear1.png"), "utf8"), "b1");
  assert.deepEqual((await readdir(dir)).sort(), ["colour", "edge"]);

  const manifest = await readStimuliManifest(join(stimulusArchivesDir(cache), "sha256.json"));
  assert.equal(manifest.archives["colour.tar.gz"].sha256, sha256(colourArchive));
  assert.equal(manifest.archives["colour.tar.gz"].size, colourArchive.length);
  assert.equal(manifest.archives["colour.tar.gz"].source, `${server.baseUrl}/colour.tar.gz`);
  assert.equal(manifest.archives["edge.tar.gz"].sha256, sha256(edgeArchive));
  assert.deepEqual(manifest.extracted, { colour: sha256(colourArchive), edge: sha256(edgeArchive) });
  assert.deepEqual((await readdir(stimulusArchivesDir(cache))).sort(), ["colour.tar.gz", "edge.tar.gz", "sha256.json"]);
  assert.deepEqual(await readFile(join(stimulusArchivesDir(cache), "colour.tar.gz")), colourArchive);

  assert.equal(progress[0].event, "start");
  assert.equal(progress[0].filesToFetch, 2);
  const last = progress.at(-1)!;
  assert.deepEqual(
    [last.event, last.filesDone, last.bytesDone, last.bytesToFetch],
    ["done", 2, result.downloadedBytes, result.downloadedBytes],
  );
  assert.equal(notes.length, 2);
  assert.match(
    notes.find((n) => n.startsWith("colour:"))!,
    /^colour: downloaded \d+\.\d MB, sha256 recorded, 4 files extracted into .*\/stimuli\/colour$/,
  );
  assert.deepEqual(await missingStimuli(["colour", "edge", "sketch"], cache), ["sketch"]);

  server.requests.length = 0;
  const again = await fetchStimuli({ datasets: ["colour", "edge"], cache, baseUrl: server.baseUrl });
  assert.deepEqual([again.present, again.downloaded, again.extracted, again.recorded.length], [2, 0, 0, 0]);
  assert.deepEqual(server.requests, []);
});

test("fetchStimuli resumes a download cut off mid-way with a range request for the rest; the sum is of the whole archive", async () => {
  const cache = await freshCache("resume");
  const half = colourArchive.length >> 1;
  server.cutAfter.set("colour.tar.gz", half);
  await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl }), (error: unknown) => {
    assert.ok(error instanceof DownloadError, String(error));
    assert.match(
      error.message,
      /^download of model-vs-human stimuli failed \(offline\?\): cannot get http:\/\/127\.0\.0\.1:\d+\/v0\.1\/colour\.tar\.gz/,
    );
    assert.match(
      error.message,
      /0 of 1 datasets are in .*; running the command again resumes where it stopped \(partial downloads are kept\)/,
    );
    assert.match(error.message, /pass --archives DIR/);
    return true;
  });
  const part = join(stimulusArchivesDir(cache), "colour.tar.gz.part");
  assert.equal((await stat(part)).size, half);
  assert.equal(existsSync(join(modelVsHumanStimuliDir(cache), "colour")), false);

  const result = await fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl });
  assert.deepEqual(server.requests.at(-1), { name: "colour.tar.gz", range: `bytes=${half}-` });
  // Only the rest came this time.
  assert.equal(result.downloadedBytes, colourArchive.length - half);
  assert.equal(existsSync(part), false);
  assert.deepEqual(await readFile(join(stimulusArchivesDir(cache), "colour.tar.gz")), colourArchive);
  const manifest = await readStimuliManifest(join(stimulusArchivesDir(cache), "sha256.json"));
  assert.equal(manifest.archives["colour.tar.gz"].sha256, sha256(colourArchive));
  assert.equal((await filesUnder(join(modelVsHumanStimuliDir(cache), "colour"))).length, 4);
});

test("fetchStimuli: a server that ignores the range sends the whole archive again, which replaces the part", async () => {
  const cache = await freshCache("no-range");
  const part = join(stimulusArchivesDir(cache), "colour.tar.gz.part");
  await mkdir(stimulusArchivesDir(cache), { recursive: true });
  await writeFile(part, colourArchive.subarray(0, 100));
  server.ignoreRange = true;
  await fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl });
  assert.equal(server.requests[0].range, "bytes=100-");
  assert.deepEqual(await readFile(join(stimulusArchivesDir(cache), "colour.tar.gz")), colourArchive);
});

test("fetchStimuli: once recorded, a changed archive is refused, from the server and from the cache; nothing is extracted or kept", async () => {
  const cache = await freshCache("tampered");
  await fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl });
  const archives = stimulusArchivesDir(cache);
  const stimuli = modelVsHumanStimuliDir(cache);
  const recorded = sha256(colourArchive);
  const tampered = await tarGz({ ...colour, "colour/dnn/session-1/0009_x_dnn_c1_knife_1_n1_9.png": "extra" });

  // A mirror now serving another archive.
  await rm(join(stimuli, "colour"), { recursive: true });
  await rm(join(archives, "colour.tar.gz"));
  server.archives.set("colour.tar.gz", tampered);
  try {
    await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl }), (error: unknown) => {
      assert.ok(error instanceof StimulusChecksumError, String(error));
      assert.ok(
        error.message.startsWith(
          `checksum mismatch for colour.tar.gz (downloaded from ${server.baseUrl}/colour.tar.gz): its first download`,
        ),
        error.message,
      );
      assert.ok(error.message.includes(`recorded sha256 ${recorded} (${colourArchive.length} bytes)`), error.message);
      assert.ok(error.message.includes(`this one has ${sha256(tampered)} (${tampered.length} bytes)`), error.message);
      assert.match(error.message, /the download was not kept and nothing was extracted$/);
      return true;
    });
  } finally {
    server.archives.set("colour.tar.gz", colourArchive);
  }
  assert.deepEqual(await readdir(archives), ["sha256.json"]);
  assert.deepEqual(await readdir(stimuli), []);
  assert.equal((await readStimuliManifest(join(archives, "sha256.json"))).archives["colour.tar.gz"].sha256, recorded);

  // The cached archive changed on disk: re-extraction refuses it.
  await writeFile(join(archives, "colour.tar.gz"), tampered);
  await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl }), (error: unknown) => {
    assert.ok(error instanceof StimulusChecksumError, String(error));
    assert.ok(error.message.startsWith(`checksum mismatch for ${join(archives, "colour.tar.gz")}: its first download`), error.message);
    assert.match(error.message, /nothing was extracted; remove the archive to download it again/);
    return true;
  });
  assert.deepEqual(await readdir(stimuli), []);

  // Removed, it is downloaded again and matches.
  await rm(join(archives, "colour.tar.gz"));
  const result = await fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl });
  assert.deepEqual([result.downloaded, result.extracted, result.recorded.length], [1, 1, 0]);
});

for (const bad of maliciousArchives("colour")) {
  test(`fetchStimuli refuses a downloaded archive with ${bad.what}, naming the entry; nothing is extracted`, async () => {
    const cache = await freshCache(`malicious-${bad.what.replace(/\W+/g, "-")}`);
    server.archives.set("colour.tar.gz", bad.archive);
    try {
      await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl }), (error: unknown) => {
        assert.ok(error instanceof UnsafeArchiveError, String(error));
        assert.equal(error.entry, bad.entry);
        return true;
      });
    } finally {
      server.archives.set("colour.tar.gz", colourArchive);
    }
    assert.deepEqual(await readdir(modelVsHumanStimuliDir(cache)), []);
    // Neither the download nor its sum is kept: the next run downloads afresh.
    assert.deepEqual(await readdir(stimulusArchivesDir(cache)), []);
    assert.equal(existsSync(join(cache, "escaped.txt")), false);
    assert.equal(existsSync(join(cache, "model-vs-human", "escaped.txt")), false);
    assert.equal(existsSync("/tmp/trialwise-absolute-escape.txt"), false);
    assert.deepEqual(await missingStimuli(["colour"], cache), ["colour"]);
  });
}

test("fetchStimuli with a local folder of archives: no request; its sums are recorded with the file as source; a missing archive is named", async () => {
  const cache = await freshCache("local");
  const folder = join(work, "downloads");
  await mkdir(folder);
  await writeFile(join(folder, "edge.tar.gz"), edgeArchive);
  const result = await fetchStimuli({ datasets: ["edge"], cache, archives: folder });
  assert.deepEqual([result.downloaded, result.extracted], [0, 1]);
  assert.deepEqual(server.requests, []);
  assert.equal(await readFile(join(modelVsHumanStimuliDir(cache), "edge/airplane/airplane1.png"), "utf8"), "a1");
  const manifest = await readStimuliManifest(join(stimulusArchivesDir(cache), "sha256.json"));
  assert.deepEqual(
    [manifest.archives["edge.tar.gz"].sha256, manifest.archives["edge.tar.gz"].source],
    [sha256(edgeArchive), join(folder, "edge.tar.gz")],
  );
  await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, archives: folder }), {
    message: `${folder}: no colour.tar.gz in the archives folder; expected model-vs-human's colour.tar.gz`,
  });
  await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, archives: join(work, "nowhere") }), {
    message: `${join(work, "nowhere")}: --archives: no such folder; expected a folder of <dataset>.tar.gz archives`,
  });
});

test("fetchStimuli: a damaged checksum record is an error naming it", async () => {
  const cache = await freshCache("damaged");
  await mkdir(stimulusArchivesDir(cache), { recursive: true });
  const path = join(stimulusArchivesDir(cache), "sha256.json");
  await writeFile(path, '{"archives": {"colour.tar.gz": {"sha256": "abc", "size": 1}}}');
  await assert.rejects(fetchStimuli({ datasets: ["colour"], cache, baseUrl: server.baseUrl }), {
    message: `${path}: the checksum record is damaged ("archives.colour.tar.gz" needs a sha256 of 64 hex digits and a size); remove it to record the sums again on the next download (the archives are then trusted as they are)`,
  });
});

test("fetchStimuli: a complete part without a record (416 to the range request) is downloaded afresh", async () => {
  const cache = await freshCache("complete-part");
  await mkdir(stimulusArchivesDir(cache), { recursive: true });
  await writeFile(join(stimulusArchivesDir(cache), "edge.tar.gz.part"), edgeArchive);
  const result = await fetchStimuli({ datasets: ["edge"], cache, baseUrl: server.baseUrl });
  assert.deepEqual(server.requests, [
    { name: "edge.tar.gz", range: `bytes=${edgeArchive.length}-` },
    { name: "edge.tar.gz", range: undefined },
  ]);
  assert.equal(result.downloadedBytes, edgeArchive.length);
  assert.deepEqual(await readFile(join(stimulusArchivesDir(cache), "edge.tar.gz")), edgeArchive);
});

test("fetchStimuli: a dataset locked by a running process is an error naming it; a lock left by a process that is gone is taken over", async () => {
  const cache = await freshCache("locked");
  await mkdir(stimulusArchivesDir(cache), { recursive: true });
  const lock = join(stimulusArchivesDir(cache), "edge.lock");
  // The test runner that started this process is running.
  await writeFile(lock, String(process.ppid));
  await assert.rejects(fetchStimuli({ datasets: ["edge"], cache, baseUrl: server.baseUrl }), {
    message: `${lock}: another trialwise process (pid ${process.ppid}) is fetching the edge stimuli; wait for it to end`,
  });
  assert.deepEqual(server.requests, []);
  // A process that has ended.
  const ended = spawnSync(process.execPath, ["-e", "0"]).pid;
  await writeFile(lock, String(ended));
  const result = await fetchStimuli({ datasets: ["edge"], cache, baseUrl: server.baseUrl });
  assert.equal(result.extracted, 1);
  assert.equal(existsSync(lock), false);
});

test("fetchStimuli: a damaged archive in the cache is named with the way out, and left for the user to remove", async () => {
  const cache = await freshCache("damaged-archive");
  await mkdir(stimulusArchivesDir(cache), { recursive: true });
  const archive = join(stimulusArchivesDir(cache), "edge.tar.gz");
  await writeFile(archive, edgeArchive.subarray(0, edgeArchive.length >> 1));
  await assert.rejects(fetchStimuli({ datasets: ["edge"], cache, baseUrl: server.baseUrl }), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.ok(error.message.startsWith(`${archive}: cannot read the archive as .tar.gz (`), error.message);
    assert.ok(error.message.endsWith("); remove the archive to download it again"), error.message);
    return true;
  });
  assert.deepEqual(server.requests, []);
  assert.equal(existsSync(archive), true);
});
