// `trialwise serve`'s server, by HTTP requests: what it serves, what it refuses (path
// traversal in every spelling, symbolic links out of the stimulus folder, oversize uploads),
// and the readable errors uploads get; and the command itself (URL printed, Ctrl-C stops it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { InputError, UsageError } from "../../src/core/errors.ts";
import { DEFAULT_MAX_HELD_BYTES, type RunningServer, listenFailure, startServer } from "../../src/serve/server.ts";
import { type DatasetPayload, type PairTrialsResponse, decodeResponses, decodeScores } from "../../src/serve/protocol.ts";
import { MAX_SCORE_VALUES, datasetPayload, tableDataset } from "../../src/serve/datasets.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { readScoreFiles } from "../../src/io/scores.ts";
import { writeScoreFiles } from "./score-fixtures.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";
import { FIXTURES, REPO, cli } from "../helpers.ts";

const SECRET = "secret-outside-the-stimulus-folder";
const MAX_UPLOAD = 4000;

/** A raw request: the path goes out exactly as written (no URL normalisation). */
function raw(
  server: RunningServer,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; type: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: body ? { "content-type": "application/octet-stream", "content-length": String(body.length), ...headers } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), type: String(res.headers["content-type"]) }));
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function json<T>(server: RunningServer, method: string, path: string, body?: Buffer): Promise<{ status: number; body: T }> {
  const answer = await raw(server, method, path, body);
  return { status: answer.status, body: JSON.parse(answer.body.toString("utf8")) as T };
}

describe("trialwise serve: requests", () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    ensureBundle();
    dir = await mkdtemp(join(tmpdir(), "trialwise-serve-"));
    const stimuli = join(dir, "stimuli");
    await mkdir(join(stimuli, "airplane"), { recursive: true });
    await writeFile(join(stimuli, "airplane", "airplane1-bicycle2.png"), Buffer.from("89504e470d0a1a0a", "hex"));
    await writeFile(join(dir, "secret.txt"), SECRET);
    await symlink(join(dir, "secret.txt"), join(stimuli, "link-out.png"));
    server = await startServer({ paths: [join(FIXTURES, "mini-cue-conflict")], port: 0, stimuli, maxUploadBytes: MAX_UPLOAD });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("binds 127.0.0.1 and serves the page, its bundle, the datasets and a pair's trials with images", async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await raw(server, "GET", "/");
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<script type="module" src="\/assets\/app\.js">/);
    const script = await raw(server, "GET", "/assets/app.js");
    assert.equal(script.status, 200);
    assert.match(script.type, /javascript/);

    const list = await json<{ datasets: { id: string; observers: number; trials: number }[]; maxUploadBytes: number }>(
      server,
      "GET",
      "/api/datasets",
    );
    assert.deepEqual(
      list.body.datasets.map((d) => [d.id, d.observers, d.trials]),
      [["mini-cue-conflict", 4, 24]],
    );
    assert.equal(list.body.maxUploadBytes, MAX_UPLOAD);

    const payload = await json<DatasetPayload>(server, "GET", "/api/datasets/mini-cue-conflict");
    assert.deepEqual(
      payload.body.observerInfo.map((o) => [o.name, o.kind, o.n_trials]),
      [
        ["alexnet", "model", 6],
        ["resnet50", "model", 6],
        ["subject-01", "human", 6],
        ["subject-02", "human", 6],
      ],
    );
    assert.equal(payload.body.units.length, 1);
    // The answers travel with the payload, for the matrix's response-level metrics: decoded, they are the file's trials.
    assert.ok(payload.body.responses, "the payload carries the answers");
    const answers = decodeResponses(payload.body, payload.body.responses);
    assert.equal(answers.length, 24);
    const alexnet = Array.from({ length: answers.length }, (_, t) => t).filter((t) => answers.observer[t] === "alexnet");
    assert.equal(alexnet.length, 6);
    assert.ok(alexnet.every((t) => answers.truth[t] !== null && answers.response[t] !== null));

    const trials = await json<PairTrialsResponse>(
      server,
      "GET",
      "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer2=subject-01",
    );
    assert.equal(trials.body.trials.length, 6);
    const first = trials.body.trials.find((t) => t.stimulus === "airplane1-bicycle2.png")!;
    assert.deepEqual(
      [first.truth, first.response1, first.correct1, first.image],
      ["airplane", "bicycle", false, "/stimuli/airplane/airplane1-bicycle2.png"],
    );
    const image = await raw(server, "GET", first.image!);
    assert.equal(image.status, 200);
    assert.equal(image.type, "image/png");

    const unknown = await json<{ error: string }>(server, "GET", "/api/datasets/nope");
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /no dataset "nope"/);
    const stranger = await json<{ error: string }>(
      server,
      "GET",
      "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer2=nobody",
    );
    assert.equal(stranger.status, 400);
    assert.match(stranger.body.error, /no observer "nobody"/);
  });

  test("path traversal in any spelling, and links out of the stimulus folder, are refused", async () => {
    const attempts = [
      "/stimuli/../secret.txt",
      "/stimuli/../../secret.txt",
      "/stimuli/airplane/../../secret.txt",
      "/stimuli/%2e%2e/secret.txt",
      "/stimuli/%2E%2E/secret.txt",
      "/stimuli/%2e%2e%2fsecret.txt",
      "/stimuli/..%2fsecret.txt",
      "/stimuli/..%5csecret.txt",
      "/stimuli/..\\secret.txt",
      "/stimuli/%252e%252e/secret.txt",
      "/stimuli/%2fetc%2fpasswd",
      "/stimuli//etc/passwd",
      `/stimuli/${encodeURIComponent(join(dir, "secret.txt"))}`,
      "/stimuli/link-out.png",
      "/stimuli/airplane/%00.png",
      "/stimuli/%e0%a4%a",
      "/assets/../package.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/assets/..%2f..%2fpackage.json",
      "/../package.json",
      "/%2e%2e/package.json",
      "/api/datasets/..%2f..%2fpackage.json",
    ];
    for (const path of attempts) {
      const answer = await raw(server, "GET", path);
      assert.ok(answer.status === 400 || answer.status === 404, `${path}: status ${answer.status}`);
      assert.doesNotMatch(answer.body.toString(), new RegExp(SECRET), path);
      assert.doesNotMatch(answer.body.toString(), /"name": "trialwise"/, path);
      assert.match(answer.type, /application\/json/, `${path}: a JSON error`);
    }
    const refused = await json<{ error: string }>(server, "GET", "/stimuli/%2e%2e/secret.txt");
    assert.equal(refused.status, 400);
    assert.match(refused.body.error, /refused path: path segments '\.\.'/);
  });

  test("requests addressed to another host name are refused (DNS rebinding)", async () => {
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      assert.equal((await raw(server, "GET", "/api/datasets", undefined, { host })).status, 200, host);
    const refused = await raw(server, "GET", "/api/datasets", undefined, { host: `evil.example:${port}` });
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /answers requests to 127\.0\.0\.1 or localhost only, not to \\"evil\.example\\"/);
  });

  test("oversize uploads get 413 and a readable message; the server keeps working", async () => {
    const big = Buffer.alloc(MAX_UPLOAD + 1, 0x61);
    const answer = await json<{ error: string }>(server, "POST", "/api/upload?name=big.csv", big);
    assert.equal(answer.status, 413);
    assert.equal(
      answer.body.error,
      `upload refused: "big.csv" is larger than the upload limit of 3.9 kB (start trialwise serve with --max-upload to raise it)`,
    );
    assert.equal((await raw(server, "GET", "/api/datasets")).status, 200);
  });

  test("bad uploads are refused with the file, line and field named", async () => {
    const header = "subj,session,trial,rt,object_response,category,condition,imagename\n";
    const cases: [string, string, string][] = [
      [
        "ragged.csv",
        `${header}alexnet,1,1,NaN,cat,cat,NaN,a.png\nalexnet,1,2,NaN,cat\n`,
        "ragged.csv:3: ragged row: 5 fields, expected 8 as in the header",
      ],
      [
        "empty-field.csv",
        `${header}alexnet,1,1,NaN,cat,cat,NaN,a.png\n,1,2,NaN,dog,cat,NaN,b.png\n`,
        'empty-field.csv:3: column "subj": empty value; expected a non-empty text',
      ],
      [
        "twice.csv",
        `${header}alexnet,1,1,NaN,cat,cat,NaN,a.png\nalexnet,1,2,NaN,dog,cat,NaN,a.png\n`,
        'twice.csv:3: observer "alexnet" saw stimulus "a.png" twice',
      ],
      [
        "latin1.csv",
        Buffer.concat([Buffer.from(header), Buffer.from([0x61, 0xe9, 0x0a])]).toString("latin1"),
        "latin1.csv:2: unknown text encoding",
      ],
    ];
    for (const [name, text, message] of cases) {
      const body = name === "latin1.csv" ? Buffer.concat([Buffer.from(header), Buffer.from([0x61, 0xe9, 0x0a])]) : Buffer.from(text);
      const answer = await json<{ error: string }>(server, "POST", `/api/upload?name=${name}`, body);
      assert.equal(answer.status, 400, name);
      assert.ok(answer.body.error.startsWith(message), `${name}: ${answer.body.error}`);
    }
    const mapping = await json<{ error: string }>(
      server,
      "POST",
      "/api/upload?name=long.csv&format=long&observer=model&stimulus=image&correct=nope",
      await readFile(join(FIXTURES, "mini-long.csv")),
    );
    assert.equal(mapping.status, 400);
    assert.match(mapping.body.error, /^long\.csv:1: missing column "nope"/);
  });

  test("query parameters given twice, unknown values and missing ones get 400 with a readable message on every route", async () => {
    const csv = await readFile(join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv"));
    const long = await readFile(join(FIXTURES, "mini-long.csv"));
    const before = (await json<{ datasets: unknown[] }>(server, "GET", "/api/datasets")).body.datasets.length;
    const refused: [string, string, Buffer | undefined, string][] = [
      ["POST", "/api/upload?name=a.csv&name=b.csv", csv, 'query parameter "name" is given 2 times; expected one value'],
      [
        "POST",
        "/api/upload?name=long.csv&format=long&observer=model&observer=answer&stimulus=image&correct=answer",
        long,
        'query parameter "observer" is given 2 times; expected one value',
      ],
      [
        "POST",
        "/api/upload?name=long.csv&format=wide&observer=model&stimulus=image",
        long,
        'query parameter "format": expected "long", not "wide"',
      ],
      [
        "GET",
        "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer1=resnet50&observer2=subject-01",
        undefined,
        'query parameter "observer1" is given 2 times; expected one value',
      ],
      [
        "GET",
        "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer2=subject-01&condition=all&condition=nope",
        undefined,
        'query parameter "condition" is given 2 times; expected one value',
      ],
      ["GET", "/api/datasets/mini-cue-conflict/trials?observer1=alexnet", undefined, "give observer1 and observer2"],
      [
        "GET",
        "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer2=subject-01&condition=nope",
        undefined,
        'no condition "nope" in dataset "mini-cue-conflict"',
      ],
      ["GET", "/api/datasets?x=1&x=2", undefined, 'query parameter "x" is given 2 times; expected one value'],
    ];
    for (const [method, path, body, message] of refused) {
      const answer = await json<{ error: string }>(server, method, path, body);
      assert.equal(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error, message, path);
    }
    assert.equal((await json<{ datasets: unknown[] }>(server, "GET", "/api/datasets")).body.datasets.length, before, "nothing was added");
    const allTrials = await json<PairTrialsResponse>(
      server,
      "GET",
      "/api/datasets/mini-cue-conflict/trials?observer1=alexnet&observer2=subject-01&condition=all",
    );
    assert.equal(allTrials.body.trials.length, 6, "condition=all still means every condition");
    const page = await raw(server, "GET", "/?d=mini-cue-conflict&pair=alexnet&pair=subject-01");
    assert.equal(page.status, 200, "the page's own URL repeats parameters (its script reads them)");
  });

  test("uploads: the model-vs-human schema at once, the long format after its column mapping, Parquet through DuckDB", async () => {
    const schema = await json<{ dataset: { id: string; observers: number } }>(
      server,
      "POST",
      "/api/upload?name=mini_alexnetsession-1.csv",
      await readFile(join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv")),
    );
    assert.equal(schema.status, 200);
    assert.deepEqual([schema.body.dataset.id, schema.body.dataset.observers], ["mini_alexnetsession-1", 1]);

    const long = await readFile(join(FIXTURES, "mini-long.csv"));
    const ask = await json<{ needsMapping: boolean; columns: string[] }>(server, "POST", "/api/upload?name=mini-long.csv", long);
    assert.deepEqual(ask.body, { needsMapping: true, file: "mini-long.csv", columns: ["model", "image", "label", "answer"] });
    const mapped = await json<{ dataset: { id: string; observers: number; trials: number } }>(
      server,
      "POST",
      "/api/upload?name=mini-long.csv&format=long&observer=model&stimulus=image&truth=label&response=answer",
      long,
    );
    assert.equal(mapped.status, 200);
    assert.equal(mapped.body.dataset.trials, 24);

    const jsonl = await readFile(join(FIXTURES, "mini-long.jsonl"));
    const askJsonl = await json<{ needsMapping: boolean; columns: string[] }>(server, "POST", "/api/upload?name=runs.jsonl", jsonl);
    assert.deepEqual(askJsonl.body.columns, ["who", "stim", "hit"]);
    const mappedJsonl = await json<{ dataset: { id: string; trials: number } }>(
      server,
      "POST",
      "/api/upload?name=runs.jsonl&format=long&observer=who&stimulus=stim&correct=hit",
      jsonl,
    );
    assert.equal(mappedJsonl.status, 200, JSON.stringify(mappedJsonl.body));
    assert.equal(mappedJsonl.body.dataset.id, "runs");

    const parquet = join(dir, "runs.parquet");
    const duck = await DuckDBInstance.create(":memory:");
    const connection = await duck.connect();
    await connection.run(
      `COPY (SELECT 'model-' || (i % 3) AS observer, 'img' || (i // 3) AS stimulus, (i * 7) % 5 < 3 AS correct FROM range(30) t(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const uploaded = await json<{ dataset: { id: string; observers: number; trials: number } }>(
      server,
      "POST",
      "/api/upload?name=runs.parquet",
      await readFile(parquet),
    );
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    assert.deepEqual(
      [uploaded.body.dataset.id, uploaded.body.dataset.observers, uploaded.body.dataset.trials],
      ["runs-2", 3, 30],
      "a second dataset of the same name gets its own id",
    );
    const payload = await json<DatasetPayload>(server, "GET", "/api/datasets/runs-2");
    assert.deepEqual(
      payload.body.observerInfo.map((o) => [o.name, o.n_trials]),
      [
        ["model-0", 10],
        ["model-1", 10],
        ["model-2", 10],
      ],
    );

    // With a condition column: pooled, and per condition for the curves.
    const conditions = join(dir, "conditions.parquet");
    const duck2 = await DuckDBInstance.create(":memory:");
    const connection2 = await duck2.connect();
    await connection2.run(
      `COPY (SELECT 'model-' || (i % 3) AS observer, 'img' || (i // 3) AS stimulus, CASE WHEN i // 3 < 4 THEN 'low' ELSE 'high' END AS level, (i * 7) % 5 < 3 AS correct FROM range(30) t(i)) TO '${conditions}' (FORMAT parquet)`,
    );
    connection2.closeSync();
    const split = await json<{ dataset: { id: string; conditions: string[] } }>(
      server,
      "POST",
      "/api/upload?name=conditions.parquet&format=long&observer=observer&stimulus=stimulus&correct=correct&condition=level",
      await readFile(conditions),
    );
    assert.equal(split.status, 200, JSON.stringify(split.body));
    assert.deepEqual(split.body.dataset.conditions, ["high", "low"]);
    const splitPayload = (await json<DatasetPayload>(server, "GET", `/api/datasets/${split.body.dataset.id}`)).body;
    assert.deepEqual(
      splitPayload.units.map((u) => [u.condition, u.stimuli]),
      [
        ["all", 10],
        ["high", 6],
        ["low", 4],
      ],
    );
    assert.equal(splitPayload.conditionCurves, true);
    assert.deepEqual(
      splitPayload.observerInfo.map((o) => o.n_trials),
      [10, 10, 10],
    );
    const low = await json<PairTrialsResponse>(
      server,
      "GET",
      `/api/datasets/${split.body.dataset.id}/trials?observer1=model-0&observer2=model-1&condition=low`,
    );
    assert.deepEqual(
      low.body.trials.map((t) => t.stimulus),
      ["img0", "img1", "img2", "img3"],
    );

    const badParquet = await json<{ error: string }>(
      server,
      "POST",
      "/api/upload?name=runs.parquet&format=long&observer=who&stimulus=stimulus&correct=correct",
      await readFile(parquet),
    );
    assert.equal(badParquet.status, 400);
    assert.match(badParquet.body.error, /^runs\.parquet/);
    assert.doesNotMatch(badParquet.body.error, /trialwise-upload-/, "the temporary copy is not named");
  });
});

test("model-vs-human Parquet (as trialwise evaluate writes it) is read like CSV, on the command line and uploaded; other Parquet columns ask for a mapping", async () => {
  ensureBundle();
  const { writeParquetTable, TRIAL_COLUMN_TYPES } = await import("../../src/io/table-parquet.ts");
  const { SCHEMA_COLUMNS } = await import("../../src/core/trials.ts");
  const { computePairs } = await import("../../src/core/pairs.ts");
  const { loadDatasets } = await import("../../src/io/datasets.ts");
  const dir = await mkdtemp(join(tmpdir(), "trialwise-serve-schema-parquet-"));
  try {
    // The mini cue-conflict files as one Parquet file in the schema.
    const rows = [];
    for (const name of [
      "mini_alexnetsession-1.csv",
      "mini_resnet50session-1.csv",
      "mini_subject-01_session_1.csv",
      "mini_subject-02_session_1.csv",
    ]) {
      const [header, ...lines] = (await readFile(join(FIXTURES, "mini-cue-conflict", name), "utf8"))
        .replace(/^\uFEFF/, "")
        .trimEnd()
        .split(/\r?\n/);
      const columns = header.split(",");
      rows.push(...lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v]))));
    }
    const parquet = join(dir, "mini.parquet");
    await writeParquetTable(parquet, SCHEMA_COLUMNS, rows, TRIAL_COLUMN_TYPES);
    const expected = computePairs((await loadDatasets(join(FIXTURES, "mini-cue-conflict"))).datasets[0], {
      mismatch: "identical",
      byCondition: false,
    }).pairs;

    const server = await startServer({ paths: [parquet], port: 0 });
    try {
      const uploaded = await json<{ dataset: { id: string; observers: number } }>(
        server,
        "POST",
        "/api/upload?name=uploaded.parquet",
        await readFile(parquet),
      );
      assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
      for (const id of ["mini", uploaded.body.dataset.id]) {
        const payload = (await json<DatasetPayload>(server, "GET", `/api/datasets/${id}`)).body;
        assert.deepEqual(
          payload.observerInfo.map((o) => o.name),
          ["alexnet", "resnet50", "subject-01", "subject-02"],
        );
        assert.equal(payload.observerInfo.filter((o) => o.kind === "human").length, 2);
        assert.equal(payload.units[0].stimuli, expected[0].n_trials);
      }
      const other = join(dir, "other.parquet");
      const db = await DuckDBInstance.create(":memory:");
      await (
        await db.connect()
      ).run(`COPY (SELECT 'm' AS who, 'img' || i AS picture, true AS ok FROM range(4) t(i)) TO '${other}' (FORMAT parquet)`);
      db.closeSync();
      const asks = await json<{ needsMapping: boolean; columns: string[] }>(
        server,
        "POST",
        "/api/upload?name=other.parquet",
        await readFile(other),
      );
      assert.deepEqual(asks.body, { needsMapping: true, file: "other.parquet", columns: ["who", "picture", "ok"] });
    } finally {
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("paths in the long format, read with the column flags' settings", async () => {
  ensureBundle();
  const server = await startServer({
    paths: [join(FIXTURES, "mini-long.csv")],
    port: 0,
    load: { format: { kind: "long", columns: { observer: "model", stimulus: "image", truth: "label", response: "answer" } } },
  });
  try {
    const payload = (await json<DatasetPayload>(server, "GET", "/api/datasets/mini-long")).body;
    assert.deepEqual(
      payload.observerInfo.map((o) => [o.name, o.kind, o.n_trials]),
      [
        ["alexnet", "model", 6],
        ["resnet50", "model", 6],
        ["subject-01", "human", 6],
        ["subject-02", "human", 6],
      ],
    );
  } finally {
    await server.close();
  }
});

test("without the browser bundle the server says to build it", async () => {
  const empty = await mkdtemp(join(tmpdir(), "trialwise-nobundle-"));
  try {
    await assert.rejects(
      startServer({ paths: [], port: 0, bundleDir: empty }),
      (error: unknown) => error instanceof InputError && /run `npm run build`/.test(error.message),
    );
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("trialwise serve prints its URL, serves, and stops cleanly on Ctrl-C (SIGINT)", async () => {
  ensureBundle();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/bin.ts", "serve", join(FIXTURES, "mini-cue-conflict"), "--port", "0"],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const response = await fetch(`${url}api/datasets`);
  assert.equal(response.status, 200);
  assert.match(stderr, /1 dataset; Ctrl-C stops/);
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", (c) => resolve(c));
    child.kill("SIGINT");
  });
  assert.equal(code, 0);
});

/** Runs `trialwise serve` as its own process; kills it (and says so) if it has not exited within `ms`. */
function serveProcess(args: string[], ms = 30_000): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "serve", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe("trialwise serve: where it cannot listen", () => {
  test("a port in use: a clear message, exit 1, and the process ends by itself", async () => {
    ensureBundle();
    const occupier = createServer((_request, response) => response.end("occupied"));
    await new Promise<void>((resolve) => occupier.listen(0, "127.0.0.1", resolve));
    const port = (occupier.address() as AddressInfo).port;
    try {
      const run = await serveProcess([join(FIXTURES, "mini-cue-conflict"), "--port", String(port)]);
      assert.equal(run.timedOut, false, "the process ended by itself");
      assert.equal(run.code, 1, run.stderr);
      assert.equal(
        run.stderr,
        `trialwise: error: port ${port} on 127.0.0.1 is in use: give another --port N, or --port 0 for a free one\n`,
      );
      assert.equal(run.stdout, "", "no URL printed");
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "occupied", "the port's owner still answers");
    } finally {
      await new Promise((resolve) => occupier.close(resolve));
    }
  });

  test("a --host that is not an address of this machine: a usage error (exit 2), and the process ends by itself", async () => {
    ensureBundle();
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): never an address of this machine; nothing is sent.
    const run = await serveProcess(["--port", "0", "--host", "192.0.2.1"]);
    assert.equal(run.timedOut, false, "the process ended by itself");
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, `trialwise: --host: cannot bind "192.0.2.1" (EADDRNOTAVAIL: not an address of this machine)\n`);
  });

  test("startServer on a port in use rejects with an InputError; unknown host names and missing privileges are named too", async () => {
    ensureBundle();
    const occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, "127.0.0.1", resolve));
    const port = (occupier.address() as AddressInfo).port;
    try {
      await assert.rejects(
        startServer({ paths: [], port }),
        (error: unknown) =>
          error instanceof InputError &&
          error.message === `port ${port} on 127.0.0.1 is in use: give another --port N, or --port 0 for a free one`,
      );
    } finally {
      await new Promise((resolve) => occupier.close(resolve));
    }
    await assert.rejects(
      startServer({ paths: [], port: 0, host: "" }),
      (error: unknown) => error instanceof UsageError && /^--host: expected an address or host name/.test(error.message),
    );
    // Without sending a DNS query: the failures as Node reports them.
    const notFound = listenFailure(
      Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" }),
      "nowhere.invalid",
      8080,
    );
    assert.ok(notFound instanceof UsageError);
    assert.equal(notFound.message, `--host: cannot bind "nowhere.invalid" (ENOTFOUND: no such host name)`);
    const denied = listenFailure(Object.assign(new Error("listen EACCES"), { code: "EACCES" }), "127.0.0.1", 80);
    assert.ok(denied instanceof InputError);
    assert.equal(
      denied.message,
      "port 80 on 127.0.0.1 needs privileges this process does not have (EACCES): give --port 1024 or above, or --port 0 for a free one",
    );
  });
});

describe("trialwise serve: uploads held in memory", () => {
  const upload = (server: RunningServer, name: string, body: Buffer) =>
    json<{ dataset: { id: string; uploadedBytes: number | null }; error?: string }>(server, "POST", `/api/upload?name=${name}`, body);
  const held = async (server: RunningServer) => {
    const list = (
      await json<{ datasets: { id: string; uploadedBytes: number | null }[]; heldUploadBytes: number; maxHeldBytes: number }>(
        server,
        "GET",
        "/api/datasets",
      )
    ).body;
    return {
      ids: list.datasets.map((d) => d.id),
      bytes: list.heldUploadBytes,
      max: list.maxHeldBytes,
      uploaded: Object.fromEntries(list.datasets.map((d) => [d.id, d.uploadedBytes])),
    };
  };

  test("uploads count against --max-held; beyond it one is refused (507) saying to remove a dataset; a DELETE frees its bytes and its id answers 404", async () => {
    ensureBundle();
    const alexnet = await readFile(join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv"));
    const resnet = await readFile(join(FIXTURES, "mini-cue-conflict", "mini_resnet50session-1.csv"));
    // Room for two of these files, not three.
    const maxHeldBytes = alexnet.length + resnet.length + 100;
    const server = await startServer({ paths: [join(FIXTURES, "mini-cue-conflict")], port: 0, maxUploadBytes: 500, maxHeldBytes });
    try {
      assert.deepEqual(await held(server), {
        ids: ["mini-cue-conflict"],
        bytes: 0,
        max: maxHeldBytes,
        uploaded: { "mini-cue-conflict": null },
      });
      const first = await upload(server, "a.csv", alexnet);
      const second = await upload(server, "r.csv", resnet);
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.equal(first.body.dataset.uploadedBytes, alexnet.length);
      assert.deepEqual(await held(server), {
        ids: ["mini-cue-conflict", "a", "r"],
        bytes: alexnet.length + resnet.length,
        max: maxHeldBytes,
        uploaded: { "mini-cue-conflict": null, a: alexnet.length, r: resnet.length },
      });

      const third = await upload(server, "again.csv", alexnet);
      assert.equal(third.status, 507);
      assert.equal(
        third.body.error,
        `upload refused: "again.csv" (369 bytes) would take the uploads held to 1.1 kB, over the limit of ${maxHeldBytes} bytes; remove an uploaded dataset first (its remove button, or DELETE /api/datasets/<id>), or start trialwise serve with a larger --max-held`,
      );
      assert.equal((await held(server)).bytes, alexnet.length + resnet.length, "a refused upload holds nothing");

      // A mapping question holds nothing either.
      const asks = await json<{ needsMapping: boolean }>(
        server,
        "POST",
        "/api/upload?name=long.csv",
        Buffer.from("model,image,hit\nm,i,1\n"),
      );
      assert.equal(asks.body.needsMapping, true);
      assert.equal((await held(server)).bytes, alexnet.length + resnet.length);

      const removed = await json<{ removed: string; heldUploadBytes: number }>(server, "DELETE", "/api/datasets/a");
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body, { removed: "a", heldUploadBytes: resnet.length, maxHeldBytes });
      assert.deepEqual((await held(server)).ids, ["mini-cue-conflict", "r"]);
      assert.equal((await held(server)).bytes, resnet.length, "the held bytes went down by the file's size");
      for (const [method, path] of [
        ["GET", "/api/datasets/a"],
        ["GET", "/api/datasets/a/trials?observer1=alexnet&observer2=alexnet"],
        ["DELETE", "/api/datasets/a"],
      ]) {
        const gone = await json<{ error: string }>(server, method, path);
        assert.equal(gone.status, 404, `${method} ${path}`);
        assert.equal(gone.body.error, 'no dataset "a"');
      }
      const given = await json<{ error: string }>(server, "DELETE", "/api/datasets/mini-cue-conflict");
      assert.equal(given.status, 403);
      assert.equal(given.body.error, 'dataset "mini-cue-conflict" was given on the command line; only uploaded datasets can be removed');

      const now = await upload(server, "again.csv", alexnet);
      assert.equal(now.status, 200, "room again after the delete");
      assert.equal(now.body.dataset.id, "again");
      const reused = await upload(server, "a.csv", Buffer.alloc(0));
      assert.equal(reused.status, 400);
      assert.equal((await held(server)).bytes, alexnet.length + resnet.length);
    } finally {
      await server.close();
    }
  });

  test("a removed upload's trials are released (garbage-collected), not only uncounted", async () => {
    ensureBundle();
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const server = await startServer({ paths: [], port: 0 });
    try {
      const uploaded = await upload(server, "a.csv", await readFile(join(FIXTURES, "mini-cue-conflict", "mini_alexnetsession-1.csv")));
      assert.equal((await raw(server, "GET", "/api/datasets/a")).status, 200, "its payload was built and cached");
      const dataset = new WeakRef(server.datasets.find((d) => d.summary.id === uploaded.body.dataset.id)!);
      assert.equal((await raw(server, "DELETE", "/api/datasets/a")).status, 200);
      for (let i = 0; i < 5 && dataset.deref() !== undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        gc();
      }
      assert.equal(dataset.deref(), undefined, "nothing holds the removed dataset any more");
    } finally {
      await server.close();
    }
  });

  test("--max-held smaller than --max-upload is a usage error; by default it is at least the upload limit", async () => {
    ensureBundle();
    // (Should it start after all, it is closed at once, so the test fails instead of hanging.)
    const started = startServer({ paths: [], port: 0, maxUploadBytes: 2000, maxHeldBytes: 1000 }).then(async (s) => void (await s.close()));
    await assert.rejects(
      started,
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === "--max-held (1000 bytes) is smaller than --max-upload (2 kB): one upload could never be held; raise --max-held",
    );
    const server = await startServer({ paths: [], port: 0, maxUploadBytes: 800 * 1024 * 1024 });
    try {
      assert.equal((await held(server)).max, 800 * 1024 * 1024);
    } finally {
      await server.close();
    }
    const defaults = await startServer({ paths: [], port: 0 });
    try {
      assert.equal((await held(defaults)).max, DEFAULT_MAX_HELD_BYTES);
    } finally {
      await defaults.close();
    }
  });
});

test("trialwise serve --max-held sets the limit the server reports; below --max-upload, or not a size, it is a usage error", async () => {
  ensureBundle();
  const smaller = await cli("serve", "--port", "0", "--max-upload", "2", "--max-held", "1");
  assert.equal(smaller.code, 2);
  assert.equal(
    smaller.stderr,
    "trialwise: --max-held (1 MB) is smaller than --max-upload (2 MB): one upload could never be held; raise --max-held\n",
  );
  const notSize = await cli("serve", "--port", "0", "--max-held", "lots");
  assert.equal(notSize.code, 2);
  assert.match(notSize.stderr, /^trialwise: --max-held: expected .*"lots"/);

  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/bin.ts", "serve", "--port", "0", "--max-upload", "0.5", "--max-held", "1.5"],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    const list = (await (await fetch(`${url}api/datasets`)).json()) as {
      maxUploadBytes: number;
      maxHeldBytes: number;
      heldUploadBytes: number;
    };
    assert.deepEqual([list.maxUploadBytes, list.maxHeldBytes, list.heldUploadBytes], [512 * 1024, 1.5 * 1024 * 1024, 0]);
  } finally {
    child.kill("SIGINT");
  }
});

describe("trialwise serve --scores: the models' probabilities for capa and dmc", () => {
  const MINI = join(FIXTURES, "mini-cue-conflict");
  let dir: string;
  let scores: string;

  before(async () => {
    ensureBundle();
    dir = await mkdtemp(join(tmpdir(), "trialwise-serve-scores-"));
    scores = await writeScoreFiles(join(dir, "scores"), (await loadDatasets(MINI)).datasets[0], ["alexnet", "resnet50"]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("the payload carries the score rows as read (every probability exactly); an upload, and a dataset without --scores, say why they have none", async () => {
    const server = await startServer({ paths: [MINI], port: 0, scores: { path: scores } });
    try {
      const payload = (await json<DatasetPayload>(server, "GET", "/api/datasets/mini-cue-conflict")).body;
      assert.ok(payload.scores, "the payload carries the scores");
      assert.equal(payload.noScores, undefined);
      const sent = decodeScores(payload, payload.scores);
      const read = await readScoreFiles(scores);
      assert.deepEqual(
        sent.map((r) => [r.observer, r.stimulus, r.category, r.categories, r.probabilities]),
        read.map((r) => [r.observer, r.stimulus, r.category, r.categories, r.probabilities]),
      );
      assert.equal(sent.length, 12);

      const csv = await readFile(join(MINI, "mini_subject-01_session_1.csv"));
      const uploaded = await json<{ dataset: { id: string } }>(server, "POST", "/api/upload?name=people.csv", csv);
      assert.equal(uploaded.status, 200);
      const upload = (await json<DatasetPayload>(server, "GET", `/api/datasets/${uploaded.body.dataset.id}`)).body;
      assert.ok(upload.responses);
      assert.equal(upload.scores, undefined);
      assert.match(upload.noScores!, /trialwise serve --scores for a dataset given on the command line; uploaded trials come without them/);
    } finally {
      await server.close();
    }
    const plain = datasetPayload(tableDataset("mini", (await loadDatasets(MINI)).datasets[0], MINI));
    assert.equal(plain.scores, undefined);
    assert.match(plain.noScores!, /start trialwise serve with --scores <file or folder>/);
  });

  test(`beyond ${MAX_SCORE_VALUES.toLocaleString("en")} probabilities the scores stay on the server, and the page is told the limit`, async () => {
    const table = (await loadDatasets(MINI)).datasets[0];
    const dataset = tableDataset("mini", table, MINI);
    const [row] = await readScoreFiles(scores);
    const categories = Array.from({ length: MAX_SCORE_VALUES + 1 }, (_, k) => `c${k}`);
    if (dataset.kind === "table") dataset.scores = [{ ...row, categories, probabilities: categories.map(() => 1 / categories.length) }];
    const payload = datasetPayload(dataset);
    assert.ok(payload.responses, "the answers still travel");
    assert.equal(payload.scores, undefined);
    assert.equal(
      payload.noScores,
      "capa and dmc are offered up to 1,000,000 score values (scored trials × categories); this dataset's scores have 1,000,001 (run trialwise pairs --metric capa --scores)",
    );
  });

  test("bad score files: the error trialwise pairs --metric capa --scores gives, located, before the server listens (nothing printed on stdout)", async () => {
    const alexnet = await readFile(join(scores, "alexnet.csv"), "utf8");
    const categories = alexnet.split("\n")[0].split(",").length - 2;
    const cases: Record<string, [string, string][]> = {
      // A file named after no observer of the trials.
      stranger: [["vgg.csv", "imagename,category,score_airplane,score_bird\nairplane1-bicycle2.png,airplane,0.5,0.5\n"]],
      // Not a number, in a named column.
      "not-a-number": [["alexnet.csv", "imagename,category,score_airplane,score_bird\nairplane1-bicycle2.png,airplane,lots,0.5\n"]],
      // Scores for a stimulus alexnet has no trial of.
      "no-trial": [["alexnet.csv", `${alexnet}nowhere1-nothing2.png,airplane,1${",0".repeat(categories - 1)}\n`]],
    };
    for (const [name, files] of Object.entries(cases)) {
      const folder = join(dir, name);
      await mkdir(folder, { recursive: true });
      for (const [file, text] of files) await writeFile(join(folder, file), text);
      const pairs = await cli("pairs", MINI, "--metric", "capa", "--scores", folder);
      assert.equal(pairs.code, 1, `${name}: ${pairs.stderr}`);
      const serve = await cli("serve", MINI, "--port", "0", "--scores", folder);
      assert.deepEqual([serve.code, serve.stdout, serve.stderr], [1, "", pairs.stderr], name);
      assert.match(serve.stderr, name === "stranger" ? /scores of "vgg", not an observer of the trials/ : /alexnet\.csv:\d+: /, name);
    }
  });

  test("--scores with two datasets, or with Parquet read as bitsets, and --scores-as without --scores are usage errors", async () => {
    const parquet = join(dir, "trials.parquet");
    const db = await DuckDBInstance.create(":memory:");
    await (
      await db.connect()
    ).run(
      `COPY (SELECT * FROM (VALUES ('a', 's1', true), ('b', 's1', false)) t(observer, stimulus, correct)) TO '${parquet}' (FORMAT parquet)`,
    );
    db.closeSync();
    const other = join(dir, "other");
    await mkdir(other, { recursive: true });
    await writeFile(join(other, "x.csv"), await readFile(join(MINI, "mini_alexnetsession-1.csv")));
    for (const [args, message] of [
      [[MINI, other, "--scores", scores], /--scores needs one dataset \(a trial file or a dataset folder\), not 2/],
      [[parquet, "--scores", scores], /--scores goes with trials that have their answers .*\(read from Parquet as bitsets/],
      [[MINI, "--scores-as", "logits"], /--scores-as needs --scores/],
    ] as const) {
      const run = await cli("serve", ...args, "--port", "0");
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    }
  });
});
