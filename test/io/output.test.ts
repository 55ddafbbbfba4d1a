// Output files: written atomically where the target is a regular file (or missing), written
// through where it is a FIFO, a device or an open descriptor, and never replaced when it is
// anything but a regular file. Tests use FIFOs and links in temporary folders; the real
// /dev/null is only looked at, never written.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { InputError } from "../../src/core/errors.ts";
import { outputTarget, removeStaleTemporaries, writeDirectoryAtomic, writeFileAtomic } from "../../src/io/output.ts";
import { openPairWriter } from "../../src/io/pair-writer.ts";
import { writeParquetTable } from "../../src/io/table-parquet.ts";
import { REPO } from "../helpers.ts";

/** Reads a FIFO with `cat` in a child process (killable, so a test never hangs): resolves with what it read. */
function readFifo(fifo: string, timeoutMs = 20_000): Promise<Buffer> {
  const child = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) =>
    child.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    }),
  );
}

/** A tiny unit of three observers for the pair writer. */
const UNIT = { dataset: "d", condition: "all", observers: ["a", "b", "c"], humans: new Set<string>(), trials: 4, correct: [2, 3, 1] };
const TILE = { rowStart: 0, rowEnd: 3, colStart: 0, colEnd: 3, counts: [0, 2, 1, 0, 0, 1, 0, 0, 0] };

describe("output targets", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-output-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("a symbolic link stays a link; its target file gets the text", async () => {
    await writeFile(join(dir, "real.csv"), "old\n");
    await symlink("real.csv", join(dir, "link.csv"));
    await writeFileAtomic(join(dir, "link.csv"), "new\n");
    assert.ok((await lstat(join(dir, "link.csv"))).isSymbolicLink(), "the link is still a link");
    assert.equal(await readlink(join(dir, "link.csv")), "real.csv");
    assert.equal(await readFile(join(dir, "real.csv"), "utf8"), "new\n");
  });

  test("a dangling link creates its target", async () => {
    await symlink("made.csv", join(dir, "dangling.csv"));
    await writeFileAtomic(join(dir, "dangling.csv"), "x\n");
    assert.ok((await lstat(join(dir, "dangling.csv"))).isSymbolicLink());
    assert.equal(await readFile(join(dir, "made.csv"), "utf8"), "x\n");
  });

  test("a FIFO is written into, not replaced: its reader gets the text", async () => {
    const fifo = join(dir, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    const read = readFifo(fifo);
    await writeFileAtomic(fifo, "through the pipe\n");
    assert.equal((await read).toString("utf8"), "through the pipe\n");
    assert.ok((await lstat(fifo)).isFIFO(), "still a FIFO");
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith("pipe.csv.")),
      [],
      "no temporary file beside it",
    );
  });

  test("a character device and an open descriptor are written through; a folder or block device is refused", async () => {
    // Only decided here, never written: the real /dev/null must stay what it is.
    assert.deepEqual(await outputTarget("/dev/null"), { path: "/dev/null", file: "/dev/null", direct: true });
    assert.equal((await outputTarget(join(dir, "missing.csv"))).direct, false);
    await assert.rejects(
      outputTarget(dir),
      (e: unknown) => e instanceof InputError && /is a folder/.test(e.message) && e.message.includes(dir),
    );
    if (existsSync("/dev/loop0")) {
      await assert.rejects(outputTarget("/dev/loop0"), (e: unknown) => e instanceof InputError && /not a regular file/.test(e.message));
    }
  });

  test("/proc/self/fd/1 (what /dev/stdout points to) appends to the descriptor's file instead of replacing it", async () => {
    const log = join(dir, "log.txt");
    await writeFile(log, "before\n");
    const fd = openSync(log, "a");
    const script = `import { writeFileAtomic } from ${JSON.stringify(join(REPO, "src/io/output.ts"))}; await writeFileAtomic("/proc/self/fd/1", "after\\n");`;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: REPO,
        stdio: ["ignore", fd, "inherit"],
      });
      child.on("exit", resolve);
    });
    closeSync(fd);
    assert.equal(code, 0);
    assert.equal(await readFile(log, "utf8"), "before\nafter\n");
  });

  test("the pair writer (CSV) writes through a link into its target", async () => {
    await writeFile(join(dir, "pairs-real.csv"), "old\n");
    await symlink("pairs-real.csv", join(dir, "pairs-link.csv"));
    const writer = await openPairWriter(join(dir, "pairs-link.csv"));
    await writer.writeTile(UNIT, TILE);
    assert.equal((await writer.close()).rows, 3);
    assert.ok((await lstat(join(dir, "pairs-link.csv"))).isSymbolicLink());
    const lines = (await readFile(join(dir, "pairs-real.csv"), "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^d,all,a,b,model-model,4,2,1,/);
  });

  test("the pair writer streams CSV into a FIFO", async () => {
    const fifo = join(dir, "pairs-pipe.csv");
    execFileSync("mkfifo", [fifo]);
    const read = readFifo(fifo);
    const writer = await openPairWriter(fifo);
    await writer.writeTile(UNIT, TILE);
    await writer.close();
    const lines = (await read).toString("utf8").trimEnd().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[3], /^d,all,b,c,model-model,4,1,/);
    assert.ok((await lstat(fifo)).isFIFO());
  });

  test("Parquet into a FIFO (the pair writer and the table writer): the reader gets a whole Parquet file", async () => {
    for (const [name, write] of [
      [
        "pairs-pipe.parquet",
        async (p: string) => {
          const writer = await openPairWriter(p);
          await writer.writeTile(UNIT, TILE);
          await writer.close();
        },
      ],
      [
        "table-pipe.parquet",
        (p: string) =>
          writeParquetTable(
            p,
            ["x", "n"],
            [
              { x: "a", n: 1 },
              { x: "b", n: 2 },
              { x: "c", n: 3 },
            ],
            { n: "integer" },
          ),
      ],
    ] as const) {
      const fifo = join(dir, name);
      execFileSync("mkfifo", [fifo]);
      const read = readFifo(fifo);
      await write(fifo);
      const copy = join(dir, `${name}.copy.parquet`);
      await writeFile(copy, await read);
      assert.ok((await lstat(fifo)).isFIFO());
      const db = await DuckDBInstance.create(":memory:");
      const connection = await db.connect();
      const count = (await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${copy}')`)).getRowsJS()[0][0];
      connection.closeSync();
      db.closeSync();
      assert.equal(Number(count), 3, name);
    }
  });

  test("the Parquet table writer keeps a link and writes its target", async () => {
    await mkdir(join(dir, "sub"));
    await symlink("sub/t.parquet", join(dir, "t-link.parquet"));
    await writeParquetTable(join(dir, "t-link.parquet"), ["x"], [{ x: "a" }]);
    assert.ok((await lstat(join(dir, "t-link.parquet"))).isSymbolicLink());
    assert.ok((await lstat(join(dir, "sub/t.parquet"))).isFile());
    assert.deepEqual(await readdir(join(dir, "sub")), ["t.parquet"], "no temporary file left beside the target");
  });

  test("a new write removes the temporaries a killed run left beside its target (pid gone), nothing else", async () => {
    const sub = join(dir, "stale");
    await mkdir(sub);
    // Far above any pid_max: no such process.
    const dead = 999_999_999;
    const stale = [
      `out.parquet.${dead}.1733390000000.a1b2c3.tmp`,
      `out.parquet.${dead}.1733390000000.k3x9.tmp`,
      `out.parquet.${dead}.1733390000000.tmp`,
    ];
    for (const name of stale) await writeFile(join(sub, name), "debris");
    await mkdir(join(sub, `out.parquet.${dead}.1733390000000.a1b2c3.parts.tmp/spill`), { recursive: true });
    const kept = [
      `out.parquet.${process.pid}.1733390000000.a1b2c3.tmp`, // a live writer's (this process)
      `other.parquet.${dead}.1733390000000.a1b2c3.tmp`, // another target's
      "out.parquet.bak",
      `out.parquet.${dead}.tmp`, // not trialwise's pattern
    ];
    for (const name of kept) await writeFile(join(sub, name), "keep");
    const writer = await openPairWriter(join(sub, "out.parquet"));
    await writer.writeTile(UNIT, TILE);
    await writer.close();
    assert.deepEqual((await readdir(sub)).sort(), [...kept, "out.parquet"].sort());

    await writeFile(join(sub, `t.csv.${dead}.1733390000000.0f0f0f.tmp`), "debris");
    await writeFileAtomic(join(sub, "t.csv"), "x\n");
    assert.ok(!(await readdir(sub)).some((f) => f.startsWith("t.csv.")));

    await mkdir(join(sub, `report.${dead}.1733390000000.0f0f0f.tmp`));
    await mkdir(join(sub, `report.${dead}.1733390000000.0f0f0f.old.tmp`));
    await writeDirectoryAtomic(join(sub, "report"), new Map([["a.txt", "a"]]));
    assert.ok(!(await readdir(sub)).some((f) => f.startsWith("report.")));
    assert.deepEqual(await removeStaleTemporaries(join(sub, "out.parquet")), [], "nothing left to remove");
  });
});
