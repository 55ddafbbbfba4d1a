// Interrupting `trialwise pairs big.parquet -o out.*` (the streaming path) leaves nothing behind:
// SIGINT and SIGTERM remove the temporary files and exit with 130 and 143; after a SIGKILL the
// next run removes the debris. Real child processes, each bounded in time.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { REPO } from "../helpers.ts";

const COLUMNS = ["--observer-col", "model", "--stimulus-col", "image", "--correct-col", "hit"];

function start(
  dir: string,
  output: string,
): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO, "src/cli/bin.ts"), "pairs", join(dir, "big.parquet"), ...COLUMNS, "-o", join(dir, output)],
    {
      cwd: REPO,
      stdio: "ignore",
    },
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  return { child, exited };
}

/** Waits until the run is mid-way: its temporary output exists and has grown past `bytes`. */
async function midRun(dir: string, output: string, bytes: number): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    for (const name of await readdir(dir)) {
      if (!name.startsWith(`${output}.`) || !name.endsWith(".tmp")) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (
        info &&
        (info.isDirectory() ? (await readdir(join(dir, name)).catch(() => [])).some((f) => f.startsWith("part-")) : info.size > bytes)
      )
        return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`no temporary ${output} appeared within a minute`);
}

describe("trialwise pairs (streamed) interrupted", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-signals-"));
    // 3000 observers x 100 stimuli: 4.5 million pairs, several seconds of streaming.
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run(
      `COPY (SELECT 'o' || o AS model, 's' || s AS image, ((o * 7 + s * 13) % 3 = 0)::INTEGER AS hit FROM range(3000) t(o), range(100) u(s)) TO '${join(dir, "big.parquet")}' (FORMAT parquet)`,
    );
    connection.closeSync();
    db.closeSync();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("SIGINT during a Parquet output: its temporary file and parts folder are removed, exit code 130", async () => {
    const run = start(dir, "out.parquet");
    await midRun(dir, "out.parquet", 0);
    run.child.kill("SIGINT");
    assert.deepEqual(await run.exited, { code: 130, signal: null });
    assert.deepEqual(await readdir(dir), ["big.parquet"]);
  });

  test("SIGTERM during a CSV output: its temporary file is removed, exit code 143", async () => {
    const run = start(dir, "out.csv");
    await midRun(dir, "out.csv", 1 << 20);
    run.child.kill("SIGTERM");
    assert.deepEqual(await run.exited, { code: 143, signal: null });
    assert.deepEqual(await readdir(dir), ["big.parquet"]);
  });

  test("after a SIGKILL (no chance to clean up) the next run removes the debris and writes the file", async () => {
    const killed = start(dir, "out.parquet");
    await midRun(dir, "out.parquet", 0);
    killed.child.kill("SIGKILL");
    assert.equal((await killed.exited).signal, "SIGKILL");
    assert.ok(
      (await readdir(dir)).some((f) => f.endsWith(".tmp")),
      "the killed run left its temporaries",
    );
    const next = start(dir, "out.parquet");
    assert.deepEqual(await next.exited, { code: 0, signal: null });
    assert.deepEqual((await readdir(dir)).sort(), ["big.parquet", "out.parquet"]);
  });
});
