import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cli } from "../helpers.ts";
import { maliciousArchives, sessionFiles, tarGz } from "../io/tar-fixtures.ts";

let server: Server;
let url: string;
let work: string;
const archives = new Map<string, Buffer>();
const requests: string[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), "trialwise-cli-stimuli-"));
  archives.set("colour.tar.gz", await tarGz(sessionFiles("colour", 2)));
  archives.set("sketch.tar.gz", await tarGz(sessionFiles("sketch", 1)));
  server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname.replace(/^\/mirror\//, ""));
    requests.push(name);
    const bytes = archives.get(name);
    if (!bytes) return void response.writeHead(404).end();
    response.writeHead(200, { "content-length": bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

test("data fetch model-vs-human --stimuli colour sketch --url MIRROR: the archives from the mirror, a line per dataset, the stimuli folder on standard output; data path --stimuli finds it", async () => {
  const cache = join(work, "mirror");
  const result = await cli("data", "fetch", "model-vs-human", "--stimuli", "colour", "sketch", "--cache", cache, "--url", url);
  assert.equal(result.code, 0, result.stderr);
  const dir = join(cache, "model-vs-human", "stimuli");
  assert.equal(result.stdout, `${dir}\n`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines[0], `trialwise: model-vs-human stimuli: fetching and extracting 2 archives into ${dir}`);
  assert.match(
    lines[1],
    /^trialwise: model-vs-human stimuli: (colour|sketch): downloaded 0\.0 MB, sha256 recorded, \d files extracted into /,
  );
  assert.match(
    lines[3],
    /^trialwise: model-vs-human stimuli: 2 datasets extracted \(2 archives downloaded, 0\.0 MB\), 0 already present; 2 in .*; sha256 of colour, sketch recorded in .*stimulus-archives\/sha256\.json$/,
  );
  assert.deepEqual([...requests].sort(), ["colour.tar.gz", "sketch.tar.gz"]);
  assert.deepEqual((await readdir(dir)).sort(), ["colour", "sketch"]);

  const path = await cli("data", "path", "model-vs-human", "--stimuli", "--cache", cache);
  assert.equal(path.code, 0);
  assert.equal(path.stdout, `${dir}\n`);
  assert.match(
    path.stderr,
    /^trialwise: note: the stimuli of 15 of 17 datasets are not in .* yet \(edge, silhouette, cue-conflict, contrast, /,
  );

  requests.length = 0;
  const again = await cli("data", "fetch", "model-vs-human", "--stimuli", "colour", "--cache", cache, "--url", url);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stderr,
    /^trialwise: model-vs-human stimuli: 0 datasets extracted \(0 archives downloaded, 0\.0 MB\), 1 already present; 1 in /,
  );
  assert.deepEqual(requests, []);
});

test("data fetch model-vs-human --stimuli --archives DIR: a local folder instead of the network", async () => {
  const cache = join(work, "local");
  const folder = join(work, "by-hand");
  await mkdir(folder);
  await writeFile(join(folder, "sketch.tar.gz"), archives.get("sketch.tar.gz")!);
  requests.length = 0;
  const result = await cli("data", "fetch", "model-vs-human", "--stimuli", "sketch", "--archives", folder, "--cache", cache);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(requests, []);
  assert.equal(
    await readFile(join(cache, "model-vs-human/stimuli/sketch/dnn/session-1/0001_x_dnn_c1_knife_10_n03041632_1.png"), "utf8"),
    "sketch image 1\n".repeat(50),
  );
});

test("data fetch --stimuli: unknown datasets, another data set, --archives alone or with --url are usage errors (exit 2)", async () => {
  const cache = join(work, "usage");
  const unknown = await cli("data", "fetch", "model-vs-human", "--stimuli", "colour", "noise", "--cache", cache, "--url", url);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^trialwise: --stimuli: unknown dataset "noise"; known: edge, silhouette, cue-conflict, colour, .*, sketch, stylized\n/,
  );
  const geirhos = await cli("data", "fetch", "geirhos2020", "--stimuli", "--cache", cache);
  assert.equal(geirhos.code, 2);
  assert.match(geirhos.stderr, /--stimuli: only model-vs-human publishes stimulus archives, not geirhos2020/);
  const alone = await cli("data", "fetch", "model-vs-human", "--archives", work, "--cache", cache);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--archives goes with --stimuli/);
  const both = await cli("data", "fetch", "model-vs-human", "--stimuli", "--archives", work, "--url", url, "--cache", cache);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--archives and --url: give one/);
});

test("data fetch --stimuli offline: a clear message with the ways out, nothing extracted", async () => {
  const cache = join(work, "offline");
  // A port nobody listens on: a server's, just closed.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await cli(
    "data",
    "fetch",
    "model-vs-human",
    "--stimuli",
    "colour",
    "--cache",
    cache,
    "--url",
    `http://127.0.0.1:${port}/v0.1`,
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /trialwise: error: download of model-vs-human stimuli failed \(offline\?\): cannot get http:\/\/127\.0\.0\.1:\d+\/v0\.1\/colour\.tar\.gz \(ECONNREFUSED\)/,
  );
  assert.match(result.stderr, /0 of 1 datasets are in .*; running the command again resumes/);
  assert.match(
    result.stderr,
    /pass --archives DIR \(a folder of <dataset>\.tar\.gz\); `trialwise benchmark model-vs-human run --stimuli DIR` reads/,
  );
  assert.deepEqual(await readdir(join(cache, "model-vs-human", "stimuli")), []);
});

test("data fetch --stimuli: an archive with an entry outside its folder is refused, naming the entry (exit 1)", async () => {
  const cache = join(work, "malicious");
  const bad = maliciousArchives("colour")[0];
  const good = archives.get("colour.tar.gz")!;
  archives.set("colour.tar.gz", bad.archive);
  try {
    const result = await cli("data", "fetch", "model-vs-human", "--stimuli", "colour", "--cache", cache, "--url", url);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /trialwise: error: .*stimulus-archives\/colour\.tar\.gz: refused: archive entry "colour\/\.\.\/\.\.\/escaped\.txt" has a '\.\.' segment \(it would be written outside the folder\); nothing was extracted \(the download was not kept\)\n/,
    );
  } finally {
    archives.set("colour.tar.gz", good);
  }
  assert.deepEqual(await readdir(join(cache, "model-vs-human", "stimuli")), []);
});
