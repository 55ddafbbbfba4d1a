// `trialwise serve --benchmark DIR`: a scored benchmark (the --out folder of `benchmark
// model-vs-human score`, made here from small data) served beside the dashboard, over HTTP:
// the page with its leaderboard and figures, its listed files and nothing else, the link from
// the dashboard, and clear errors for folders that are not a scored benchmark.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError, UsageError } from "../../src/core/errors.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { ensureBundle } from "../fixtures/serve/bundle.ts";
import { REPO, cli } from "../helpers.ts";
import { scoredBenchmark } from "./scored-benchmark.ts";

const SECRET = "secret-beside-the-benchmark";

/** A raw request: the path goes out exactly as written. */
function raw(server: RunningServer, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "GET", path }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("trialwise serve --benchmark", () => {
  let root: string;
  let scored: string;
  let server: RunningServer;

  before(async () => {
    ensureBundle();
    root = await mkdtemp(join(tmpdir(), "trialwise-serve-benchmark-"));
    scored = await scoredBenchmark(root);
    await writeFile(join(scored, "secret.txt"), SECRET);
    await writeFile(join(root, "secret.txt"), SECRET);
    server = await startServer({ paths: [], benchmarks: [scored], port: 0 });
  });
  after(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("the dashboard links to the benchmark; /benchmark/<name> leads to the page with its leaderboard (with intervals), figures and a way back", async () => {
    assert.deepEqual(
      server.benchmarks.map((b) => [b.id, b.models, b.datasets]),
      [["scored", ["model-a", "model-b"], ["rotation"]]],
    );
    const dashboard = await raw(server, "/");
    assert.equal(dashboard.status, 200);
    assert.match(
      dashboard.body,
      /Scored benchmark: <a href="\/benchmark\/scored\/">scored<\/a> \(2 models, 1 dataset\)<\/nav>\n<div id="app">/,
    );

    const bare = await raw(server, "/benchmark/scored");
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.location, "/benchmark/scored/");

    const page = await raw(server, "/benchmark/scored/");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html; charset=utf-8/);
    assert.equal(page.headers["content-security-policy"], "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    const report = await readFile(join(scored, "index.html"), "utf8");
    // The report as written, with one line added after <body>.
    const added = '<p class="trialwise-serve"><a href="/">← trialwise dashboard</a> · benchmark <code>scored</code></p>';
    assert.equal(page.body.replace(`\n${added}`, ""), report);
    assert.ok(page.body.includes(added));
    assert.match(page.body, /<h2>Leaderboard<\/h2>/);
    assert.match(page.body, /<td>model-a<\/td>/);
    // Values with their intervals, e.g. "0.417 [0.250, 0.583]".
    assert.match(page.body, /-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]/);
    assert.match(page.body, /<figure id="bar-error-consistency"><svg/);
    assert.match(page.body, /<figure id="rotation-error-consistency"><svg/);
    assert.equal((await raw(server, "/benchmark/scored/index.html")).body, page.body);
  });

  test("its listed files are served as written (benchmark.json, leaderboard.csv, comparisons.csv), and /api/benchmarks lists it", async () => {
    const json = await raw(server, "/benchmark/scored/benchmark.json");
    assert.equal(json.status, 200);
    assert.match(String(json.headers["content-type"]), /^application\/json/);
    assert.equal(json.body, await readFile(join(scored, "benchmark.json"), "utf8"));
    assert.ok(JSON.parse(json.body).datasets.rotation.human_ceiling !== undefined);
    for (const name of ["leaderboard.csv", "comparisons.csv"]) {
      const csv = await raw(server, `/benchmark/scored/${name}`);
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers["content-type"]), /^text\/plain; charset=utf-8/);
      assert.equal(csv.body, await readFile(join(scored, name), "utf8"));
    }
    const list = JSON.parse((await raw(server, "/api/benchmarks")).body) as { benchmarks: { id: string; url: string; models: string[] }[] };
    assert.deepEqual(
      list.benchmarks.map((b) => [b.id, b.url, b.models.length]),
      [["scored", "/benchmark/scored/", 2]],
    );
  });

  test("nothing else in or beside the folder is served, in any spelling; unknown benchmarks are 404", async () => {
    const attempts = [
      "/benchmark/scored/secret.txt",
      "/benchmark/scored/.trialwise-output",
      "/benchmark/scored/../secret.txt",
      "/benchmark/scored/%2e%2e/secret.txt",
      "/benchmark/scored/..%2fsecret.txt",
      "/benchmark/scored/..%5csecret.txt",
      "/benchmark/scored/%252e%252e/secret.txt",
      "/benchmark/scored//etc/passwd",
      "/benchmark/scored/%2fetc%2fpasswd",
      "/benchmark/scored/rotation/../benchmark.json",
      "/benchmark/..%2fscored/benchmark.json",
      "/benchmark/%2e%2e/secret.txt",
      "/benchmark/../secret.txt",
      "/benchmark/scored%00/",
      "/benchmark/%e0%a4%a/",
      "/benchmark/other/",
      "/benchmark/",
    ];
    for (const path of attempts) {
      const answer = await raw(server, path);
      assert.ok(answer.status === 400 || answer.status === 404, `${path}: status ${answer.status}`);
      assert.doesNotMatch(answer.body, new RegExp(SECRET), path);
      assert.match(String(answer.headers["content-type"]), /application\/json/, `${path}: a JSON error`);
    }
    const secret = JSON.parse((await raw(server, "/benchmark/scored/secret.txt")).body) as { error: string };
    assert.equal(secret.error, "not found: secret.txt; a benchmark serves benchmark.json, index.html, leaderboard.csv, comparisons.csv");
    const other = JSON.parse((await raw(server, "/benchmark/other/")).body) as { error: string };
    assert.equal(other.error, 'no benchmark "other"');
    const traversal = JSON.parse((await raw(server, "/benchmark/scored/%2e%2e/secret.txt")).body) as { error: string };
    assert.match(traversal.error, /^refused path: path segments '\.\.'/);
  });

  test("a folder that is not a scored benchmark is a clear error naming it; a benchmark given as trials is a usage error saying --benchmark", async () => {
    const empty = join(root, "empty");
    await mkdir(empty);
    await assert.rejects(startServer({ paths: [], benchmarks: [empty], port: 0 }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(
        error.message,
        `${empty}: no benchmark.json in the folder; expected the --out folder of \`trialwise benchmark model-vs-human score\` (benchmark.json, index.html)`,
      );
      return true;
    });
    await assert.rejects(startServer({ paths: [], benchmarks: [join(root, "nowhere")], port: 0 }), {
      message: `${join(root, "nowhere")}: no such folder; expected the --out folder of \`trialwise benchmark model-vs-human score\` (benchmark.json, index.html)`,
    });
    const noPage = join(root, "no-page");
    await mkdir(noPage);
    await writeFile(join(noPage, "benchmark.json"), await readFile(join(scored, "benchmark.json")));
    await assert.rejects(startServer({ paths: [], benchmarks: [noPage], port: 0 }), {
      message: `${noPage}: no index.html in the folder; expected the --out folder of \`trialwise benchmark model-vs-human score\` (benchmark.json, index.html)`,
    });
    await writeFile(join(noPage, "index.html"), "<html><body></body></html>");
    await writeFile(join(noPage, "benchmark.json"), "{ not json");
    await assert.rejects(startServer({ paths: [], benchmarks: [noPage], port: 0 }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.ok(error.message.startsWith(`${join(noPage, "benchmark.json")}: not JSON (`), error.message);
      return true;
    });
    await writeFile(join(noPage, "benchmark.json"), JSON.stringify({ datasets: {}, models: {}, humans: {} }));
    await assert.rejects(startServer({ paths: [], benchmarks: [noPage], port: 0 }), {
      message: `${join(noPage, "benchmark.json")}: column "leaderboard": expected the model names in leaderboard order (an array of strings)`,
    });
    await assert.rejects(startServer({ paths: [scored], port: 0 }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, `"${scored}" is a scored benchmark (it holds benchmark.json); show it with --benchmark ${scored}`);
      return true;
    });
    const cliRun = await cli("serve", "--port", "0", "--benchmark", empty);
    assert.equal(cliRun.code, 1);
    assert.match(cliRun.stderr, /^trialwise: error: .*empty: no benchmark\.json in the folder; expected the --out folder/);
  });

  test("two benchmarks of the same folder name get distinct names", async () => {
    const copy = join(root, "again", "scored");
    await mkdir(copy, { recursive: true });
    for (const name of ["benchmark.json", "index.html"]) await writeFile(join(copy, name), await readFile(join(scored, name)));
    const two = await startServer({ paths: [], benchmarks: [scored, copy], port: 0 });
    try {
      assert.deepEqual(
        two.benchmarks.map((b) => b.id),
        ["scored", "scored-2"],
      );
      assert.equal((await raw(two, "/benchmark/scored-2/")).status, 200);
      assert.equal((await raw(two, "/benchmark/scored-2/leaderboard.csv")).status, 404);
      assert.match((await raw(two, "/")).body, /Scored benchmarks: .*scored<\/a>.* · .*scored-2<\/a>/);
    } finally {
      await two.close();
    }
  });

  test("trialwise serve --benchmark DIR prints where the benchmark is, and serves it", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "serve", "--port", "0", "--benchmark", scored], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) resolve(out.trim());
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      assert.match(
        stderr,
        new RegExp(`trialwise serve: benchmark scored \\(2 models\\) at ${url.replace(/[.]/g, "\\.")}benchmark/scored/\n`),
      );
      const page = await fetch(`${url}benchmark/scored/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<h2>Leaderboard<\/h2>/);
    } finally {
      child.kill("SIGINT");
    }
  });
});
