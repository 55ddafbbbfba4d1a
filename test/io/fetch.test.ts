import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Command, CommanderError } from "commander";
import { addDataCommand } from "../../src/cli/data.ts";
import type { CliIO } from "../../src/cli/main.ts";
import { InputError, UsageError } from "../../src/core/errors.ts";
import {
  ChecksumError,
  DownloadError,
  type Env,
  type FetchProgress,
  cacheDir,
  fetchGeirhos2020,
  geirhos2020CacheDir,
  geirhos2020Manifest,
  resolveGeirhos2020Data,
} from "../../src/io/fetch.ts";
import { NO_SHARED_DATA, RAW_DATA } from "../helpers.ts";

const MANIFEST = geirhos2020Manifest();
const TOTAL = MANIFEST.files.length;
const TOTAL_BYTES = MANIFEST.files.reduce((sum, f) => sum + f.size, 0);
const SOME = MANIFEST.files
  .filter((f) => f.path.startsWith("texture-shape_edges/"))
  .slice(0, 5)
  .map((f) => f.path);

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A local server for the raw-data folder, with ways to misbehave. */
interface TestServer {
  baseUrl: string;
  port: number;
  /** Relative paths requested, in order. */
  requests: string[];
  /** Serves these files with changed content. */
  corrupt: Map<string, (bytes: Buffer) => Buffer>;
  /** Sends half of these files, then drops the connection. */
  drop: Set<string>;
  /** Sends the headers and the first bytes of these files, then nothing (the connection stays open). */
  stall: Set<string>;
  /** Files whose response the client gave up before its end, by closing the connection. */
  hangups: string[];
  /** Never answers. */
  hang: boolean;
  close: () => Promise<void>;
}

async function startServer(port = 0): Promise<TestServer> {
  const state: Omit<TestServer, "baseUrl" | "port" | "close"> = {
    requests: [],
    corrupt: new Map(),
    drop: new Set(),
    stall: new Set(),
    hangups: [],
    hang: false,
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (state.hang) return;
    const url = new URL(request.url ?? "/", "http://localhost");
    const prefix = "/raw-data/";
    const path = decodeURIComponent(url.pathname.slice(prefix.length));
    if (!url.pathname.startsWith(prefix) || normalize(path).startsWith("..")) {
      response.writeHead(404).end("not found");
      return;
    }
    state.requests.push(path);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(RAW_DATA, path));
    } catch {
      response.writeHead(404).end("not found");
      return;
    }
    const change = state.corrupt.get(path);
    if (change) bytes = change(bytes);
    response.on("close", () => {
      if (!response.writableFinished) state.hangups.push(path);
    });
    if (state.stall.has(path)) {
      response.writeHead(200, { "content-length": bytes.length });
      response.write(bytes.subarray(0, 1000));
      return;
    }
    if (state.drop.has(path)) {
      response.writeHead(200, { "content-length": bytes.length });
      response.write(bytes.subarray(0, bytes.length >> 1), () => response.destroy());
      return;
    }
    response.writeHead(200, { "content-length": bytes.length, "content-type": "text/csv" }).end(bytes);
  };
  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${actualPort}/raw-data`,
    port: actualPort,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  });
}

/** A port nobody listens on (a server's, just closed). */
async function closedPort(): Promise<number> {
  const server = await startServer();
  await server.close();
  return server.port;
}

const temporaries: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trialwise-fetch-"));
  temporaries.push(dir);
  return dir;
}
after(async () => {
  for (const dir of temporaries) await rm(dir, { recursive: true, force: true });
});

/** Every file under a folder, relative, with `/`. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split("\\")
        .join("/"),
    )
    .sort();
}

const partFiles = async (dir: string) => (await filesUnder(dir)).filter((p) => p.endsWith(".part"));

/** `promise`, or a rejection saying what hung if it has not settled within `ms`: a hang fails here, fast. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: still pending after ${ms} ms (hung)`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `check()` holds, at most `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  for (const start = Date.now(); !check(); await delay(10)) {
    if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
  }
}

/** Checks that every listed file in the cache has the manifest's sha256. */
async function assertVerified(dir: string, paths: readonly string[]): Promise<void> {
  const byPath = new Map(MANIFEST.files.map((f) => [f.path, f]));
  for (const path of paths) {
    const bytes = await readFile(join(dir, path));
    assert.equal(sha256(bytes), byPath.get(path)!.sha256, path);
  }
}

test("cacheDir: TRIALWISE_CACHE, else XDG_CACHE_HOME/trialwise, else ~/.cache/trialwise", () => {
  assert.equal(cacheDir({ TRIALWISE_CACHE: "/c/t", XDG_CACHE_HOME: "/x" }), "/c/t");
  assert.equal(cacheDir({ XDG_CACHE_HOME: "/x" }), "/x/trialwise");
  assert.equal(cacheDir({}), join(homedir(), ".cache", "trialwise"));
  assert.equal(cacheDir({ TRIALWISE_CACHE: "", XDG_CACHE_HOME: "" }), join(homedir(), ".cache", "trialwise"));
  assert.equal(geirhos2020CacheDir(undefined, { TRIALWISE_CACHE: "/c/t" }), "/c/t/geirhos2020/raw-data");
  assert.equal(geirhos2020CacheDir("/mine", { TRIALWISE_CACHE: "/c/t" }), "/mine/geirhos2020/raw-data");
});

test("the manifest: every file of raw-data/, sorted, with size and sha256 hex", () => {
  assert.equal(MANIFEST.commit, "eb53bdb5d8e48166c56b9201842b19e8259506c5");
  assert.equal(MANIFEST.repository, "wichmann-lab/error-consistency");
  assert.equal(TOTAL, 224);
  const paths = MANIFEST.files.map((f) => f.path);
  assert.deepEqual(paths, [...paths].sort());
  for (const f of MANIFEST.files) {
    assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(Number.isInteger(f.size) && f.size > 0);
    assert.ok(!f.path.startsWith("/") && !f.path.includes(".."));
  }
});

test("the manifest matches the shared copy", { skip: NO_SHARED_DATA }, async () => {
  assert.deepEqual(
    await filesUnder(RAW_DATA),
    MANIFEST.files.map((f) => f.path),
  );
  await assertVerified(
    RAW_DATA,
    MANIFEST.files.map((f) => f.path),
  );
});

// The timeout makes a hang fail the suite even when this file is run without --test-timeout.
describe("fetchGeirhos2020 from a local server", { skip: NO_SHARED_DATA, timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });
  const reset = () => {
    server.requests.length = 0;
    server.corrupt.clear();
    server.drop.clear();
    server.stall.clear();
    server.hangups.length = 0;
    server.hang = false;
  };

  test("a full fetch downloads and verifies every file; a second run downloads nothing", async () => {
    reset();
    const cache = await tempDir();
    const events: FetchProgress[] = [];
    const result = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, onProgress: (p) => events.push(p) });
    const dir = join(cache, "geirhos2020", "raw-data");
    assert.deepEqual(result, { dir, total: TOTAL, fetched: TOTAL, fetchedBytes: TOTAL_BYTES, present: 0 });
    assert.equal(server.requests.length, TOTAL);
    assert.deepEqual(
      await filesUnder(dir),
      MANIFEST.files.map((f) => f.path),
    );
    await assertVerified(
      dir,
      MANIFEST.files.map((f) => f.path),
    );

    assert.equal(events[0].event, "start");
    assert.equal(events[0].bytesToFetch, TOTAL_BYTES);
    assert.equal(events.filter((e) => e.event === "file").length, TOTAL);
    const last = events[events.length - 1];
    assert.equal(last.event, "done");
    assert.equal(last.filesDone, TOTAL);
    assert.equal(last.bytesDone, TOTAL_BYTES);

    server.requests.length = 0;
    const again = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {} });
    assert.deepEqual(again, { dir, total: TOTAL, fetched: 0, fetchedBytes: 0, present: TOTAL });
    assert.deepEqual(server.requests, []);
  });

  test("the base URL comes from TRIALWISE_GEIRHOS2020_URL, the cache from TRIALWISE_CACHE", async () => {
    reset();
    const cache = await tempDir();
    const result = await fetchGeirhos2020({
      env: { TRIALWISE_GEIRHOS2020_URL: `${server.baseUrl}/`, TRIALWISE_CACHE: cache },
      files: SOME,
    });
    assert.equal(result.dir, join(cache, "geirhos2020", "raw-data"));
    assert.deepEqual([...server.requests].sort(), SOME);
    await assertVerified(result.dir, SOME);
  });

  test("a corrupted or truncated cached file is downloaded again, verified ones are not", async () => {
    reset();
    const cache = await tempDir();
    const { dir } = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME });
    const flipped = join(dir, SOME[1]);
    const bytes = await readFile(flipped);
    bytes[10] ^= 1;
    await writeFile(flipped, bytes);
    await writeFile(join(dir, SOME[3]), (await readFile(join(dir, SOME[3]))).subarray(0, 100));

    // A .part file left by a killed process goes too.
    const stale = join(dir, `${SOME[0]}.999999999.part`);
    await writeFile(stale, "partial");

    server.requests.length = 0;
    const result = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME });
    assert.deepEqual(await partFiles(dir), []);
    assert.equal(result.fetched, 2);
    assert.equal(result.present, 3);
    assert.deepEqual([...server.requests].sort(), [SOME[1], SOME[3]]);
    await assertVerified(dir, SOME);
  });

  test("wrong bytes from the server: a checksum error naming the file and both sums; nothing partial is left", async () => {
    reset();
    const cache = await tempDir();
    const bad = SOME[2];
    const expected = MANIFEST.files.find((f) => f.path === bad)!.sha256;
    const change = (b: Buffer) => {
      const copy = Buffer.from(b);
      copy[copy.length - 2] ^= 0x20;
      return copy;
    };
    server.corrupt.set(bad, change);
    const actual = sha256(change(await readFile(join(RAW_DATA, bad))));
    const dir = geirhos2020CacheDir(cache);
    await assert.rejects(fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME, concurrency: 1 }), (error) => {
      assert.ok(error instanceof ChecksumError, String(error));
      assert.ok(error instanceof InputError);
      assert.equal(error.path, bad);
      assert.equal(error.expected, expected);
      assert.equal(error.actual, actual);
      assert.match(error.message, new RegExp(`checksum mismatch for ${bad}.*expected sha256 ${expected}, got ${actual}`));
      return true;
    });
    assert.deepEqual(await partFiles(dir), []);
    const left = await filesUnder(dir);
    assert.ok(!left.includes(bad), "the bad file is not kept");
    assert.deepEqual(left, SOME.slice(0, 2), "files before it stay, verified");

    // More bytes than the manifest's size: also an error, also nothing left.
    server.corrupt.set(bad, (b) => Buffer.concat([b, Buffer.from("extra\n")]));
    await assert.rejects(fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: [bad] }), (error) => {
      assert.ok(error instanceof ChecksumError);
      assert.match(error.message, /bytes, expected \d+\)/);
      return true;
    });
    assert.deepEqual(await partFiles(dir), []);

    server.corrupt.clear();
    const result = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME });
    assert.equal(result.fetched, 3);
    await assertVerified(dir, SOME);
  });

  test("a connection dropped mid-file: the offline message, no partial file", async () => {
    reset();
    const cache = await tempDir();
    server.drop.add(SOME[0]);
    await assert.rejects(fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME, concurrency: 1 }), (error) => {
      assert.ok(error instanceof DownloadError && !(error instanceof ChecksumError), String(error));
      assert.match(error.message, /download of geirhos2020 failed \(offline\?\)/);
      assert.match(error.message, /0 of 5 files are in .*, 5 missing/);
      return true;
    });
    const dir = geirhos2020CacheDir(cache);
    assert.deepEqual(await filesUnder(dir), []);
  });

  test("a refused connection: a clear offline message; running again once the server is up resumes", async () => {
    reset();
    const cache = await tempDir();
    const dir = geirhos2020CacheDir(cache);
    await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME });
    const port = await closedPort();
    await assert.rejects(fetchGeirhos2020({ cache, baseUrl: `http://127.0.0.1:${port}/raw-data`, env: {} }), (error) => {
      assert.ok(error instanceof DownloadError, String(error));
      const message = error.message;
      assert.match(
        message,
        /^download of geirhos2020 failed \(offline\?\): cannot get http:\/\/127\.0\.0\.1:\d+\/raw-data\/\S+ \(ECONNREFUSED\)/,
      );
      assert.ok(message.includes(`5 of ${TOTAL} files are in ${dir}, ${TOTAL - 5} missing`), message);
      assert.match(message, /running the command again resumes/);
      assert.match(message, /--data DIR/);
      assert.match(message, /TRIALWISE_DATA/);
      assert.doesNotMatch(message, /\n\s+at /, "no stack trace");
      return true;
    });
    assert.deepEqual(await partFiles(dir), []);

    // The same through the CLI: exit code 1, the message, no stack trace.
    const run = await runData(["data", "fetch", "geirhos2020", "--cache", cache], {
      TRIALWISE_GEIRHOS2020_URL: `http://127.0.0.1:${port}/raw-data`,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^trialwise: error: download of geirhos2020 failed \(offline\?\)/m);
    assert.match(run.stderr, /--data DIR or set TRIALWISE_DATA=DIR/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(run.stdout, "");

    // The server comes up (on that port if it is still free): only the missing files are fetched.
    const revived = await startServer(port).catch(() => startServer());
    try {
      const result = await fetchGeirhos2020({ cache, baseUrl: revived.baseUrl, env: {} });
      assert.equal(result.present, 5);
      assert.equal(result.fetched, TOTAL - 5);
      assert.equal(revived.requests.length, TOTAL - 5);
      assert.ok(SOME.every((p) => !revived.requests.includes(p)));
      await assertVerified(
        dir,
        MANIFEST.files.map((f) => f.path),
      );
    } finally {
      await revived.close();
    }
  });

  test("a server that does not answer: a timeout, the offline message, nothing left", async () => {
    reset();
    const cache = await tempDir();
    server.hang = true;
    try {
      await assert.rejects(fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME, timeoutMs: 200 }), (error) => {
        assert.ok(error instanceof DownloadError, String(error));
        assert.match(error.message, /failed \(offline\?\): no data from http:\S+ for 0\.2 s/);
        assert.match(error.message, /running the command again resumes/);
        return true;
      });
      assert.deepEqual(await filesUnder(geirhos2020CacheDir(cache)), []);
    } finally {
      server.hang = false;
    }
  });

  test("a server that stops sending mid-file: the same timeout, the connection closed, nothing left", async () => {
    reset();
    const cache = await tempDir();
    server.stall.add(SOME[0]);
    const fetching = fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: SOME, concurrency: 1, timeoutMs: 300 });
    await assert.rejects(within(fetching, 10_000, "fetchGeirhos2020"), (error) => {
      assert.ok(error instanceof DownloadError, String(error));
      assert.match(error.message, /failed \(offline\?\): no data from http:\S+ for 0\.3 s/);
      assert.match(error.message, /0 of 5 files are in .*, 5 missing/);
      return true;
    });
    assert.deepEqual(await filesUnder(geirhos2020CacheDir(cache)), []);
    await eventually(() => server.hangups.includes(SOME[0]), 5000, "the client closes the stalled connection");
  });

  test("a failure while reading a body (the disk, a progress callback) closes its connection at once", async () => {
    reset();
    const cache = await tempDir();
    const dir = geirhos2020CacheDir(cache);
    // The server sends a little of each file, then waits; the long timeout is not what ends the downloads.
    server.stall.add(SOME[0]).add(SOME[1]);

    // The .part file cannot be created (a folder is in the way): a cache error, and the connection goes.
    await mkdir(join(dir, `${SOME[0]}.${process.pid}.part`), { recursive: true });
    await assert.rejects(
      within(
        fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: [SOME[0]], timeoutMs: 60_000 }),
        10_000,
        "fetchGeirhos2020",
      ),
      (error) => {
        assert.ok(error instanceof InputError && !(error instanceof DownloadError), String(error));
        assert.match(error.message, /cannot write the data cache/);
        return true;
      },
    );
    await eventually(() => server.hangups.includes(SOME[0]), 5000, "the client closes the connection after a disk error");

    // The caller's progress callback throws mid-file: its error, and the connection goes.
    const oops = new Error("progress callback failed");
    const onProgress = (p: FetchProgress) => {
      if (p.event === "data") throw oops;
    };
    await assert.rejects(
      within(
        fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, files: [SOME[1]], onProgress, timeoutMs: 60_000 }),
        10_000,
        "fetchGeirhos2020",
      ),
      (error) => {
        assert.equal(error, oops);
        return true;
      },
    );
    await eventually(() => server.hangups.includes(SOME[1]), 5000, "the client closes the connection after a callback error");
    assert.deepEqual(await partFiles(dir), []);
  });

  test("the caller's signal stops the download: an error saying so, no partial file; running again resumes", async () => {
    reset();
    const cache = await tempDir();
    const dir = geirhos2020CacheDir(cache);
    const controller = new AbortController();
    const onProgress = (p: FetchProgress) => {
      if (p.event === "file" && p.filesDone === 3) controller.abort();
    };
    await assert.rejects(fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {}, onProgress, signal: controller.signal }), (error) => {
      assert.ok(error instanceof DownloadError, String(error));
      assert.match(error.message, /^download of geirhos2020 interrupted\n/);
      assert.match(error.message, /running the command again resumes/);
      return true;
    });
    const kept = await filesUnder(dir);
    assert.ok(kept.length >= 3 && kept.length < TOTAL, String(kept.length));
    assert.deepEqual(await partFiles(dir), []);
    await assertVerified(dir, kept);
    server.requests.length = 0;
    const result = await fetchGeirhos2020({ cache, baseUrl: server.baseUrl, env: {} });
    assert.equal(result.present, kept.length);
    assert.equal(server.requests.length, TOTAL - kept.length);
  });

  test("a stop that comes after a whole file has arrived but before its end was read still stops it", async () => {
    // Node's fetch (undici) leaves the body's reader pending for ever when the abort comes in that
    // window: it has received the whole body, the reader has not yet seen its end. Stopping the
    // other downloads on a failure or on the caller's signal does that, at any time.
    reset();
    const cache = await tempDir();
    // A file of several TCP reads, so that fetch has the response object before the body's end.
    const large = MANIFEST.files.find((f) => f.size > 200_000)!;
    const controller = new AbortController();
    // Stop once every byte is read, before the read that sees the end.
    const onProgress = (p: FetchProgress) => {
      if (p.event === "data" && p.bytesDone === large.size) controller.abort();
    };
    const fetching = fetchGeirhos2020({
      cache,
      baseUrl: server.baseUrl,
      env: {},
      files: [large.path],
      onProgress,
      signal: controller.signal,
    });
    await assert.rejects(within(fetching, 10_000, "fetchGeirhos2020"), (error) => {
      assert.ok(error instanceof DownloadError, String(error));
      assert.match(error.message, /^download of geirhos2020 interrupted\n/);
      return true;
    });
    assert.ok(controller.signal.aborted);
    assert.deepEqual(await filesUnder(geirhos2020CacheDir(cache)), []);
    assert.deepEqual(server.requests, [large.path]);
  });

  test("an HTTP error status names the URL and status", async () => {
    reset();
    const cache = await tempDir();
    await assert.rejects(
      fetchGeirhos2020({ cache, baseUrl: server.baseUrl.replace(/raw-data$/, "nothing"), env: {}, files: SOME }),
      (error) => {
        assert.ok(error instanceof DownloadError);
        assert.match(error.message, /answered HTTP 404/);
        assert.match(error.message, /running the command again resumes/);
        return true;
      },
    );
  });

  test("resolveGeirhos2020Data: --data, else TRIALWISE_DATA, else a complete cache, else fetch", async () => {
    reset();
    const cache = await tempDir();
    const other = await tempDir();
    const cacheData = geirhos2020CacheDir(cache);
    const env: Env = { TRIALWISE_GEIRHOS2020_URL: server.baseUrl };

    // --data wins, and must exist.
    assert.equal(
      await resolveGeirhos2020Data({ data: RAW_DATA, env: { ...env, TRIALWISE_DATA: other }, cache, fetchIfMissing: true }),
      RAW_DATA,
    );
    await assert.rejects(resolveGeirhos2020Data({ data: join(other, "absent"), env, cache, fetchIfMissing: true }), (error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /absent: --data: no such folder/);
      return true;
    });
    // Then TRIALWISE_DATA, which must exist too.
    assert.equal(await resolveGeirhos2020Data({ env: { ...env, TRIALWISE_DATA: other }, cache, fetchIfMissing: true }), other);
    await assert.rejects(
      resolveGeirhos2020Data({ env: { ...env, TRIALWISE_DATA: join(other, "absent") }, cache, fetchIfMissing: true }),
      /TRIALWISE_DATA: no such folder/,
    );
    assert.deepEqual(server.requests, []);

    // An incomplete cache without fetching: says how to get the data.
    await assert.rejects(resolveGeirhos2020Data({ env, cache, fetchIfMissing: false }), (error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, new RegExp(`${TOTAL} of ${TOTAL} files missing`));
      assert.match(error.message, /trialwise data fetch geirhos2020/);
      assert.match(error.message, /--data DIR or set TRIALWISE_DATA/);
      return true;
    });
    // With fetching: downloads into the cache.
    const events: FetchProgress[] = [];
    assert.equal(await resolveGeirhos2020Data({ env, cache, fetchIfMissing: true, onProgress: (p) => events.push(p) }), cacheData);
    assert.equal(server.requests.length, TOTAL);
    assert.equal(events.at(-1)?.event, "done");

    // A complete cache is used as it is (the cache from TRIALWISE_CACHE as well).
    server.requests.length = 0;
    assert.equal(await resolveGeirhos2020Data({ env, cache, fetchIfMissing: true }), cacheData);
    assert.equal(await resolveGeirhos2020Data({ env: { TRIALWISE_CACHE: cache }, fetchIfMissing: false }), cacheData);
    assert.deepEqual(server.requests, []);

    // A file of the wrong size counts as missing.
    await writeFile(join(cacheData, SOME[0]), "x");
    await assert.rejects(resolveGeirhos2020Data({ env, cache, fetchIfMissing: false }), new RegExp(`1 of ${TOTAL} files missing`));
    assert.equal(await resolveGeirhos2020Data({ env, cache, fetchIfMissing: true }), cacheData);
    assert.deepEqual(server.requests, [SOME[0]]);
  });

  test("CLI: trialwise data fetch prints progress lines, a summary and the folder", async () => {
    reset();
    const cache = await tempDir();
    const dir = geirhos2020CacheDir(cache);
    const run = await runData(["data", "fetch", "geirhos2020", "--cache", cache, "--url", server.baseUrl], {});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${dir}\n`);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines[0], `trialwise: geirhos2020: downloading ${TOTAL} files (17.6 MB) into ${dir}`);
    const percents = lines.slice(1, -1).map((l) => Number(/: (\d+)% \(/.exec(l)?.[1]));
    assert.ok(percents.length >= 5 && percents.length <= 10, run.stderr);
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
    );
    assert.equal(percents.at(-1), 100);
    assert.equal(
      lines.at(-1),
      `trialwise: geirhos2020: fetched ${TOTAL} files (17.6 MB), 0 already present, all ${TOTAL} verified (sha256) in ${dir}`,
    );

    const again = await runData(["data", "fetch", "geirhos2020"], { TRIALWISE_CACHE: cache, TRIALWISE_GEIRHOS2020_URL: server.baseUrl });
    assert.equal(again.code, 0);
    assert.equal(
      again.stderr,
      `trialwise: geirhos2020: fetched 0 files (0.0 MB), ${TOTAL} already present, all ${TOTAL} verified (sha256) in ${dir}\n`,
    );

    const path = await runData(["data", "path", "geirhos2020"], { TRIALWISE_CACHE: cache });
    assert.deepEqual(path, { code: 0, stdout: `${dir}\n`, stderr: "" });
  });

  test("CLI: a checksum error exits with 1 and names the file", async () => {
    reset();
    const cache = await tempDir();
    server.corrupt.set(SOME[0], (b) => Buffer.from(b.toString().toUpperCase()));
    const run = await runData(["data", "fetch", "geirhos2020", "--cache", cache, "--url", server.baseUrl], {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`trialwise: error: checksum mismatch for ${SOME[0]}`));
    assert.deepEqual(await partFiles(geirhos2020CacheDir(cache)), []);
  });
});

describe("trialwise data (CLI)", () => {
  test("unknown dataset, bad URL: usage errors (exit code 2)", async () => {
    const unknown = await runData(["data", "fetch", "imagenet"], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown dataset "imagenet"; known: geirhos2020/);
    const path = await runData(["data", "path", "imagenet"], {});
    assert.equal(path.code, 2);
    const url = await runData(["data", "fetch", "geirhos2020", "--url", "ftp://example.org/x"], {});
    assert.equal(url.code, 2);
    assert.match(url.stderr, /--url: only http and https/);
  });

  test("--help lists the options with examples", async () => {
    const run = await runData(["data", "fetch", "--help"], {});
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--cache <dir>/);
    assert.match(run.stdout, /--url <url>/);
    assert.match(run.stdout, /Examples:\n {2}\$ trialwise data fetch geirhos2020/);
    assert.match(run.stdout, /TRIALWISE_GEIRHOS2020_URL/);
  });

  test("data path: --data, TRIALWISE_DATA, or the cache with a note on what is missing", async () => {
    const cache = await tempDir();
    const other = await tempDir();
    assert.deepEqual(await runData(["data", "path", "geirhos2020", "--data", other], { TRIALWISE_CACHE: cache }), {
      code: 0,
      stdout: `${other}\n`,
      stderr: "",
    });
    assert.equal((await runData(["data", "path", "geirhos2020"], { TRIALWISE_DATA: other })).stdout, `${other}\n`);
    const empty = await runData(["data", "path", "geirhos2020", "--cache", cache], {});
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, `${geirhos2020CacheDir(cache)}\n`);
    assert.match(
      empty.stderr,
      new RegExp(`note: ${TOTAL} of ${TOTAL} files are not in .* yet; \`trialwise data fetch geirhos2020\` downloads them`),
    );
    const absent = await runData(["data", "path", "geirhos2020", "--data", join(other, "absent")], {});
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /--data: no such folder/);
  });

  test("data fetch to a cache that cannot be written: an input error, not a crash", async () => {
    const dir = await tempDir();
    const file = join(dir, "a-file");
    await writeFile(file, "");
    await mkdir(join(dir, "ok"));
    const run = await runData(["data", "fetch", "geirhos2020", "--cache", file, "--url", "http://127.0.0.1:9/raw-data"], {});
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /trialwise: error: .*cannot write the data cache/);
  });
});

/** Runs `trialwise data ...` on a program with only the data command, as runCli would. */
async function runData(argv: string[], env: Env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const program = new Command("trialwise").configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).exitOverride();
  addDataCommand(program, io, env);
  let code = 0;
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError)
      code = ["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code) ? 0 : 2;
    else if (error instanceof UsageError) {
      stderr += `trialwise: ${error.message}\n`;
      code = 2;
    } else if (error instanceof InputError) {
      stderr += `trialwise: error: ${error.message}\n`;
      code = 1;
    } else throw error;
  }
  return { code, stdout, stderr };
}
