import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { UnsafeArchiveError, extractTarGz, unsafeEntry } from "../../src/io/extract.ts";
import { maliciousArchives, rawTarGz, sessionFiles, tarGz } from "./tar-fixtures.ts";

let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "trialwise-extract-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every file under a folder, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

test("unsafeEntry: plain files and folders at relative paths pass; links, devices, absolute paths, '..' and backslashes do not", () => {
  assert.equal(unsafeEntry("File", "colour/dnn/a.png"), null);
  assert.equal(unsafeEntry("Directory", "./colour/"), null);
  assert.equal(unsafeEntry("File", "colour/..a.png"), null);
  assert.equal(unsafeEntry("File", "../a"), "has a '..' segment (it would be written outside the folder)");
  assert.equal(unsafeEntry("File", "a/../../b"), "has a '..' segment (it would be written outside the folder)");
  assert.equal(unsafeEntry("File", "/etc/passwd"), "has an absolute path");
  assert.equal(unsafeEntry("File", "C:/x"), "has an absolute path");
  assert.equal(unsafeEntry("File", "a\\..\\b"), "has a backslash in its name");
  assert.equal(unsafeEntry("SymbolicLink", "a"), "is a symbolic link");
  assert.equal(unsafeEntry("Link", "a"), "is a hard link");
  assert.equal(unsafeEntry("CharacterDevice", "a"), "is a CharacterDevice entry, not a file or folder");
  assert.equal(unsafeEntry("FIFO", "a"), "is a FIFO entry, not a file or folder");
});

test("extractTarGz: a dataset archive's top folder becomes the target; the files and their bytes are there, nothing else is left beside it", async () => {
  const files = sessionFiles("colour");
  const archive = join(work, "colour.tar.gz");
  await writeFile(archive, await tarGz(files));
  const parent = join(work, "stimuli-1");
  await mkdir(parent);
  const target = join(parent, "colour");
  const result = await extractTarGz(archive, target, { topFolder: "colour" });
  assert.equal(result.files, 3);
  assert.equal(
    result.bytes,
    Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0),
  );
  assert.deepEqual(
    await filesUnder(target),
    Object.keys(files)
      .map((p) => p.slice("colour/".length))
      .sort(),
  );
  for (const [path, text] of Object.entries(files)) assert.equal(await readFile(join(parent, path), "utf8"), text);
  assert.deepEqual(await readdir(parent), ["colour"]);
});

test("extractTarGz: './'-prefixed entries and archives without the top folder are extracted as they are", async () => {
  const archive = join(work, "prefixed.tar.gz");
  await writeFile(archive, await tarGz({ "edge/airplane/a.png": "a", "edge/bear/b.png": "b" }, { prefix: "./" }));
  const target = join(work, "prefixed-out", "edge");
  await mkdir(join(work, "prefixed-out"));
  await extractTarGz(archive, target, { topFolder: "edge" });
  assert.deepEqual(await filesUnder(target), ["airplane/a.png", "bear/b.png"]);

  const flat = join(work, "flat.tar.gz");
  await writeFile(flat, await tarGz({ "airplane/a.png": "a", "bear/b.png": "b" }));
  const flatTarget = join(work, "prefixed-out", "silhouette");
  await extractTarGz(flat, flatTarget, { topFolder: "silhouette" });
  assert.deepEqual(await filesUnder(flatTarget), ["airplane/a.png", "bear/b.png"]);
});

test("extractTarGz: a folder already there is replaced whole (no file of the old one stays)", async () => {
  const parent = join(work, "replace");
  const target = join(parent, "colour");
  await mkdir(join(target, "old"), { recursive: true });
  await writeFile(join(target, "old", "stale.png"), "stale");
  const archive = join(work, "replace.tar.gz");
  await writeFile(archive, await tarGz(sessionFiles("colour", 1)));
  await extractTarGz(archive, target, { topFolder: "colour" });
  assert.deepEqual(await filesUnder(target), ["dnn/session-1/0001_x_dnn_c1_knife_10_n03041632_1.png"]);
  assert.deepEqual(await readdir(parent), ["colour"]);
});

for (const bad of maliciousArchives("colour")) {
  test(`extractTarGz refuses an archive with ${bad.what}, naming the entry; nothing is extracted and the folder there stays as it was`, async () => {
    const parent = join(work, `bad-${bad.what.replace(/\W+/g, "-")}`);
    const target = join(parent, "colour");
    await mkdir(target, { recursive: true });
    await writeFile(join(target, "kept.png"), "kept");
    const archive = join(parent, "colour.tar.gz");
    await writeFile(archive, bad.archive);
    await assert.rejects(extractTarGz(archive, target, { topFolder: "colour" }), (error: unknown) => {
      assert.ok(error instanceof UnsafeArchiveError, String(error));
      assert.equal(error.entry, bad.entry);
      assert.ok(error.message.startsWith(`${archive}: refused: archive entry "${bad.entry}" `), error.message);
      assert.match(error.message, /; nothing was extracted$/);
      return true;
    });
    assert.deepEqual((await readdir(parent)).sort(), ["colour", "colour.tar.gz"]);
    assert.deepEqual(await filesUnder(target), ["kept.png"]);
    assert.equal(existsSync(join(work, "escaped.txt")), false);
    assert.equal(existsSync("/tmp/trialwise-absolute-escape.txt"), false);
  });
}

test("extractTarGz: a truncated archive, one with no files and a missing one are InputErrors naming the file; nothing is left", async () => {
  const parent = join(work, "broken");
  await mkdir(parent);
  const whole = await tarGz(sessionFiles("colour"));
  const truncated = join(parent, "truncated.tar.gz");
  await writeFile(truncated, whole.subarray(0, whole.length >> 1));
  await assert.rejects(extractTarGz(truncated, join(parent, "a")), (error: unknown) => {
    assert.ok(error instanceof InputError && !(error instanceof UnsafeArchiveError));
    assert.ok(error.message.startsWith(`${truncated}: cannot read the archive as .tar.gz`), error.message);
    return true;
  });
  const empty = join(parent, "empty.tar.gz");
  await writeFile(empty, rawTarGz([{ path: "colour/", type: "Directory" }]));
  await assert.rejects(extractTarGz(empty, join(parent, "b")), {
    message: `${empty}: the archive holds no files; expected a .tar.gz of stimulus images`,
  });
  await assert.rejects(extractTarGz(join(parent, "none.tar.gz"), join(parent, "c")), {
    message: `${join(parent, "none.tar.gz")}: no such archive`,
  });
  assert.deepEqual((await readdir(parent)).sort(), ["empty.tar.gz", "truncated.tar.gz"]);
});
