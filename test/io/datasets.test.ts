import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { observerNames } from "../../src/core/trials.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { FIXTURES } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const MINI_OBSERVERS = ["alexnet", "resnet50", "subject-01", "subject-02"];

describe("symbolic links in data folders are followed", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-datasets-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a linked data file joins the folder's dataset", async () => {
    const folder = join(dir, "linked-file");
    await mkdir(folder);
    await cp(join(MINI, "mini_alexnetsession-1.csv"), join(folder, "alexnet.csv"));
    await symlink(join(MINI, "mini_subject-01_session_1.csv"), join(folder, "subject.csv"));
    const { datasets, notes } = await loadDatasets(folder);
    assert.deepEqual(observerNames(datasets[0]), ["alexnet", "subject-01"]);
    assert.deepEqual(notes, []);
  });

  test("a folder holding only links to data files is a dataset", async () => {
    const folder = join(dir, "only-links");
    await mkdir(folder);
    await symlink(join(MINI, "mini_resnet50session-1.csv"), join(folder, "r.csv"));
    const { datasets } = await loadDatasets(folder);
    assert.deepEqual(observerNames(datasets[0]), ["resnet50"]);
  });

  test("a linked subfolder of a collection is a dataset", async () => {
    const collection = join(dir, "collection");
    await mkdir(join(collection, "real"), { recursive: true });
    await cp(join(MINI, "mini_alexnetsession-1.csv"), join(collection, "real", "a.csv"));
    await symlink(MINI, join(collection, "linked"));
    const { datasets, notes } = await loadDatasets(collection);
    assert.deepEqual(
      datasets.map((d) => [d.dataset, observerNames(d)]),
      [
        ["linked", MINI_OBSERVERS],
        ["real", ["alexnet"]],
      ],
    );
    assert.deepEqual(notes, []);
  });

  test("a path given as a link to a folder", async () => {
    const link = join(dir, "link-to-mini");
    await symlink(MINI, link);
    const { datasets } = await loadDatasets(link);
    assert.equal(datasets[0].dataset, "link-to-mini");
    assert.deepEqual(observerNames(datasets[0]), MINI_OBSERVERS);
  });

  test("loops and second names of one folder or file are left out with a note, once", async () => {
    const collection = join(dir, "loops");
    await mkdir(join(collection, "a"), { recursive: true });
    await cp(join(MINI, "mini_alexnetsession-1.csv"), join(collection, "a", "x.csv"));
    await symlink(join(collection, "a", "x.csv"), join(collection, "a", "y.csv")); // the same file twice
    await symlink(join(collection, "a"), join(collection, "b")); // the same folder twice
    await symlink(collection, join(collection, "self")); // a folder holding itself
    await symlink(join(collection, "loop2"), join(collection, "loop1")); // a link loop
    await symlink(join(collection, "loop1"), join(collection, "loop2"));
    const { datasets, notes } = await loadDatasets(collection);
    assert.deepEqual(
      datasets.map((d) => [d.dataset, observerNames(d), d.length]),
      [["a", ["alexnet"], 6]],
    );
    assert.deepEqual(notes, [
      'left out "a/y.csv": the same file as "a/x.csv" (a symbolic link)',
      'left out folder "b": the same folder as "a" (a symbolic link)',
      'left out "loop1": a symbolic link that cannot be followed (ELOOP)',
      'left out "loop2": a symbolic link that cannot be followed (ELOOP)',
    ]);
  });

  test("a data file name whose link leads nowhere is an error naming it", async () => {
    const folder = join(dir, "dangling");
    await mkdir(folder);
    await cp(join(MINI, "mini_alexnetsession-1.csv"), join(folder, "a.csv"));
    await symlink(join(dir, "nowhere.csv"), join(folder, "gone.csv"));
    await assert.rejects(
      loadDatasets(folder),
      (error: InputError) =>
        error instanceof InputError &&
        error.location.file === join(folder, "gone.csv") &&
        /symbolic link that cannot be followed \(ENOENT\)/.test(error.message),
    );
  });
});
