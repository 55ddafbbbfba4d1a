// Small parts of `trialwise serve`: the view state in the query string, the path checks and
// stimulus lookup of the file server, and --open.
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "node:test";
import { openInBrowser } from "../../src/cli/serve.ts";
import { indexFolder, refusedPath, stimulusLocator } from "../../src/serve/files.ts";
import { DEFAULT_STATE, type ViewState, stateFromQuery, stateToQuery, trialPasses } from "../../src/web/dashboard/state.ts";

test("the view state survives its query string, names with any character included", () => {
  const state: ViewState = {
    dataset: "texture-shape_cue-conflict",
    condition: "c50",
    mismatch: "intersect",
    hidden: ["alexnet", "a,b&c=d"],
    groups: [
      { name: "my models", members: ["resnet50", "cornet-s"] },
      { name: "people & co", members: ["subject-01", "subject 2, the second"] },
    ],
    pair: ["cornet-s", "resnet50"],
    trials: "both-wrong",
    metric: "capa-discrete",
    view: "ranking",
  };
  const query = stateToQuery(state);
  assert.equal(stateFromQuery(query).hidden[1], "a,b&c=d");
  assert.deepEqual(stateFromQuery(query), state);
  assert.equal(stateToQuery(DEFAULT_STATE), "", "defaults leave the URL clean");
});

test("the query string is read forgivingly: a pair in either order, junk ignored", () => {
  assert.deepEqual(stateFromQuery("pair=resnet50&pair=cornet-s").pair, ["cornet-s", "resnet50"]);
  assert.equal(stateFromQuery("pair=resnet50").pair, null);
  assert.equal(stateFromQuery("pair=a&pair=a").pair, null);
  assert.equal(stateFromQuery("trials=sideways").trials, "disagree");
  assert.equal(stateFromQuery("m=whatever").mismatch, "identical");
  assert.deepEqual(stateFromQuery("group=nocolon&group=:x").groups, []);
  assert.deepEqual(stateFromQuery("").condition, "", "the dataset's default unit");
});

test("trial filters", () => {
  const all = [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ] as const;
  const passing = (filter: Parameters<typeof trialPasses>[0]) =>
    all.filter(([a, b]) => trialPasses(filter, a, b)).map(([a, b]) => `${+a}${+b}`);
  assert.deepEqual(passing("disagree"), ["10", "01"]);
  assert.deepEqual(passing("first-only"), ["10"]);
  assert.deepEqual(passing("second-only"), ["01"]);
  assert.deepEqual(passing("both-wrong"), ["00"]);
  assert.deepEqual(passing("both-right"), ["11"]);
  assert.deepEqual(passing("all"), ["11", "10", "01", "00"]);
});

test("requested paths: well-formed relative paths pass, every escape is refused", () => {
  assert.equal(refusedPath("cue-conflict/cat/cat1-dog2.png"), null);
  for (const path of ["", "../x", "a/../x", "a/./x", "a//x", "/etc/passwd", "C:/x", "a\\..\\x", "a%2e%2e", "x\u0000.png", "a/.."])
    assert.notEqual(refusedPath(path), null, path);
});

test("stimulus images are found by file name anywhere in the folder, first under the dataset's own folder; ambiguous names get none, with the reason", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trialwise-stimuli-"));
  try {
    await mkdir(join(dir, "cat"), { recursive: true });
    await mkdir(join(dir, "dog"), { recursive: true });
    await writeFile(join(dir, "cat", "cat1-dog2.png"), "x");
    await writeFile(join(dir, "cat", "same.png"), "x");
    await writeFile(join(dir, "dog", "same.png"), "x");
    await writeFile(join(dir, "dog", "a b#?.png"), "x");
    // Two datasets' images with the same names, as the published edges and silhouettes.
    for (const set of ["edges", "silhouettes"]) {
      await mkdir(join(dir, set, "airplane"), { recursive: true });
      await writeFile(join(dir, set, "airplane", "airplane1.png"), set);
    }
    const locate = stimulusLocator(await indexFolder(dir, "stimuli"));
    assert.deepEqual(locate("cat1-dog2.png"), { url: "/stimuli/cat/cat1-dog2.png" });
    assert.deepEqual(locate("cat/same.png"), { url: "/stimuli/cat/same.png" });
    assert.deepEqual(locate("same.png"), { url: null, why: "ambiguous" });
    assert.deepEqual(locate("a b#?.png"), { url: "/stimuli/dog/a%20b%23%3F.png" });
    assert.deepEqual(locate("missing.png"), { url: null, why: "not found" });
    assert.deepEqual(locate("airplane1.png", "texture-shape_edges"), { url: "/stimuli/edges/airplane/airplane1.png" });
    assert.deepEqual(locate("airplane1.png", "texture-shape_silhouettes"), { url: "/stimuli/silhouettes/airplane/airplane1.png" });
    assert.deepEqual(locate("airplane1.png", "texture-shape_cue-conflict"), { url: null, why: "ambiguous" });
    assert.deepEqual(locate("airplane1.png"), { url: null, why: "ambiguous" });
    assert.deepEqual(stimulusLocator(undefined)("cat1-dog2.png"), { url: null, why: "not found" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  "--open runs the platform's opener with the URL, and does not fail where there is none",
  { skip: process.platform === "win32" ? "POSIX shell script as the opener" : false },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-open-"));
    const path = process.env.PATH;
    try {
      const opener = join(dir, process.platform === "darwin" ? "open" : "xdg-open");
      await writeFile(opener, `#!/bin/sh\necho "$1" > "${join(dir, "opened")}"\n`);
      await chmod(opener, 0o755);
      process.env.PATH = `${dir}${delimiter}${path}`;
      openInBrowser("http://127.0.0.1:8080/");
      let opened = "";
      for (let k = 0; k < 100 && opened === ""; k++) {
        await new Promise((r) => setTimeout(r, 20));
        opened = await readFile(join(dir, "opened"), "utf8").catch(() => "");
      }
      assert.equal(opened.trim(), "http://127.0.0.1:8080/");
      process.env.PATH = dir;
      await rm(opener);
      assert.doesNotThrow(() => openInBrowser("http://127.0.0.1:8080/"));
    } finally {
      process.env.PATH = path;
      await rm(dir, { recursive: true, force: true });
    }
  },
);
