// `trialwise benchmark model-vs-human run` and `merge`: a tiny ONNX model on a small
// model-vs-human stimulus tree (./run-support.ts), checked against `trialwise evaluate` on the
// same images and against the decisions the model makes by construction; the output scored by
// `score`; shards merged equal to one run; bad input stops before anything is written.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { benchmarkDataset } from "../../src/benchmark/datasets.ts";
import { runBenchmarkModel } from "../../src/benchmark/run.ts";
import { sessionImageFields } from "../../src/benchmark/stimuli.ts";
import { IMAGENET16 } from "../../src/evaluate/decisions.ts";
import { cli, csvObjects } from "../helpers.ts";
import { EDGES, TREE_DATASETS, expectedSessionTrials, tinyModel, writeHumans, writeStimulusTree } from "./run-support.ts";

const SKIP = existsSync(EDGES) ? false : `no stimuli at ${EDGES}`;
const DATASETS = TREE_DATASETS.join(",");

test("sessionImageFields reads the condition and category as model-vs-human does (4th and 5th fields)", () => {
  assert.deepEqual(sessionImageFields("0001_cop_dnn_c30_knife_10_n03041632_7380.png"), { condition: "c30", category: "knife" });
  assert.deepEqual(sessionImageFields("0001_ske_dnn_0_boat_00_boat-0068-sketch-23.png"), { condition: "0", category: "boat" });
  assert.deepEqual(sessionImageFields("0002_eid_dnn_16-10-10_airplane_10_n02690373_4183.png"), {
    condition: "16-10-10",
    category: "airplane",
  });
  assert.equal(sessionImageFields("airplane1.png"), null);
  assert.equal(sessionImageFields("0001_cl_dnn_cr_oven.png"), null, "nothing after the category");
  assert.equal(sessionImageFields("0001_cl__cr_oven_40_x.png"), null, "an empty field");
});

describe("trialwise benchmark model-vs-human run", { skip: SKIP }, () => {
  let dir: string;
  let model: string;
  let stimuli: string;
  let humans: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-benchmark-run-"));
    model = join(dir, "tiny.onnx");
    await writeFile(model, tinyModel());
    stimuli = join(dir, "stimuli");
    await writeStimulusTree(stimuli);
    humans = join(dir, "humans");
    await writeHumans(humans);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const run = (out: string, ...flags: string[]) =>
    cli(
      "benchmark",
      "model-vs-human",
      "run",
      model,
      "--name",
      "tiny",
      "--stimuli",
      stimuli,
      "--datasets",
      DATASETS,
      "--out",
      out,
      ...flags,
    );

  test("one trials file per dataset, equal to evaluate's on the same images, decisions as built, scored by score", async () => {
    const out = join(dir, "runs");
    const result = await run(out);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${out}\n`);
    assert.match(result.stderr, /tiny on 3 datasets: 15 images classified/);
    for (const dataset of TREE_DATASETS) assert.ok(existsSync(join(out, dataset, `${dataset}_tiny_session-1.csv`)), dataset);

    // edge (categories layout): what evaluate writes for the same folder, condition NaN.
    const edge = await readFile(join(out, "edge", "edge_tiny_session-1.csv"), "utf8");
    const alone = join(dir, "edge-evaluate.csv");
    assert.equal((await cli("evaluate", model, join(stimuli, "edge"), "--name", "tiny", "-o", alone)).code, 0);
    assert.equal(edge, await readFile(alone, "utf8"));
    assert.deepEqual(
      csvObjects(edge).map((r) => [r.category, r.condition, r.imagename]),
      [
        ["airplane", "NaN", "airplane1.png"],
        ["airplane", "NaN", "airplane2.png"],
        ["bear", "NaN", "bear1.png"],
        ["bear", "NaN", "bear2.png"],
      ],
    );

    // sessions layout: condition and category from the names, decisions as the model is built,
    // and the same file as evaluate given a manifest with those categories and conditions.
    for (const dataset of ["colour", "uniform-noise"]) {
      const text = await readFile(join(out, dataset, `${dataset}_tiny_session-1.csv`), "utf8");
      const rows = csvObjects(text);
      const expected = expectedSessionTrials(dataset);
      assert.deepEqual(
        rows.map((r) => [r.subj, r.session, r.trial, r.object_response, r.category, r.condition, r.imagename]),
        expected.map((e, i) => ["tiny", "1", String(i + 1), e.response, e.category, e.condition, e.imagename]),
      );
      const manifest = join(dir, `${dataset}-manifest.csv`);
      const lines = expected.map((e) => `${join(stimuli, dataset, "dnn", "session-1", e.imagename)},${e.category},${e.condition}`);
      await writeFile(manifest, `file,category,condition\n${lines.join("\n")}\n`);
      const viaEvaluate = join(dir, `${dataset}-evaluate.csv`);
      assert.equal((await cli("evaluate", model, manifest, "--name", "tiny", "-o", viaEvaluate)).code, 0);
      assert.equal(text, await readFile(viaEvaluate, "utf8"));
    }

    // score reads the folder as it is; OOD accuracy per dataset is the mean over the included
    // conditions of the accuracy in each (colour: bw only, 2 of 3 right; uniform-noise: 0.03 to 0.35).
    const bench = join(dir, "bench");
    const scored = await cli(
      "benchmark",
      "model-vs-human",
      "score",
      out,
      "--humans",
      humans,
      "--datasets",
      DATASETS,
      "--out",
      bench,
      "--bootstrap",
      "0",
    );
    assert.equal(scored.code, 0, scored.stderr);
    const json = JSON.parse(await readFile(join(bench, "benchmark.json"), "utf8"));
    assert.deepEqual(Object.keys(json.models), ["tiny"]);
    assert.equal(json.datasets.colour.models.tiny.ood_accuracy, 2 / 3);
    // uniform-noise included: 0.03 dog/red right, 0.05 cat/red wrong, 0.1 truck/blue right, 0.2 cat/green right, 0.35 dog/green wrong.
    assert.equal(json.datasets["uniform-noise"].models.tiny.ood_accuracy, 3 / 5);
  });

  test("--stimuli defaults to where data fetch model-vs-human --stimuli puts them: <cache>/model-vs-human/stimuli", async () => {
    const cache = join(dir, "cache");
    await mkdir(join(cache, "model-vs-human"), { recursive: true });
    await symlink(stimuli, join(cache, "model-vs-human", "stimuli"));
    const out = join(dir, "from-cache");
    const result = await cli(
      "benchmark",
      "model-vs-human",
      "run",
      model,
      "--name",
      "tiny",
      "--cache",
      cache,
      "--datasets",
      "colour",
      "--out",
      out,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await readFile(join(out, "colour", "colour_tiny_session-1.csv"), "utf8"),
      await readFile(join(dir, "runs", "colour", "colour_tiny_session-1.csv"), "utf8"),
    );
    const empty = await cli("benchmark", "model-vs-human", "run", model, "--cache", join(dir, "empty-cache"), "--out", out);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty-cache\/model-vs-human\/stimuli: no such folder; .*`trialwise data fetch model-vs-human --stimuli`/);
  });

  test("a repeated run skips the datasets it finished; a changed model file is run again", async () => {
    const out = join(dir, "resume");
    assert.equal((await run(out)).code, 0);
    const file = join(out, "colour", "colour_tiny_session-1.csv");
    const before = (await stat(file)).mtimeMs;
    const first = await readFile(file, "utf8");
    const again = await run(out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /colour: 5 trials, done before, skipped/);
    assert.match(again.stderr, /0 images classified/);
    assert.equal((await stat(file)).mtimeMs, before);
    // A different model under the same path: every dataset is classified again.
    await writeFile(model, tinyModel(-20));
    try {
      const changed = await run(out);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stderr, /15 images classified/);
      assert.notEqual(await readFile(file, "utf8"), first);
    } finally {
      await writeFile(model, tinyModel());
    }
  });

  test("killed in the middle of a dataset and restarted: finished datasets skipped, the interrupted one resumed, files equal one run", async () => {
    const datasets = TREE_DATASETS.map((name) => benchmarkDataset(name)!);
    const base = { model, name: "tiny", stimuliDir: stimuli, datasets, map: IMAGENET16, batch: 2, decoders: 1 };
    const once = join(dir, "once");
    await runBenchmarkModel({ ...base, outDir: once });
    const twice = join(dir, "twice");
    // edge's 4 images, then colour's first batch of 2: killed.
    const killed = runBenchmarkModel({
      ...base,
      outDir: twice,
      onProgress: (done) => {
        if (done >= 6) throw new Error("killed");
      },
    });
    await assert.rejects(killed, /killed/);
    assert.ok(existsSync(join(twice, "colour", "colour_tiny_session-1.csv.partial")), "colour's checkpoint");
    assert.equal(existsSync(join(twice, "colour", "colour_tiny_session-1.csv")), false);
    const progress: number[] = [];
    const runs = await runBenchmarkModel({ ...base, outDir: twice, onProgress: (done) => progress.push(done) });
    assert.deepEqual(
      runs.map((r) => [r.dataset, r.evaluated]),
      [
        ["edge", 0],
        ["colour", 3],
        ["uniform-noise", 6],
      ],
    );
    assert.deepEqual(progress.slice(0, 2), [4, 6], "edge counted as done, colour resumed after its 2 checkpointed images");
    assert.equal(progress.at(-1), 15);
    for (const dataset of TREE_DATASETS) {
      const file = join(dataset, `${dataset}_tiny_session-1.csv`);
      assert.equal(await readFile(join(twice, file), "utf8"), await readFile(join(once, file), "utf8"), dataset);
    }
    assert.equal(existsSync(join(twice, "colour", "colour_tiny_session-1.csv.partial")), false, "checkpoint removed");
  });

  test("three shards merged equal one run (CSV and Parquet); score ignores the parts; a missing part writes nothing", async () => {
    // CSV on the three datasets (compared byte for byte, then scored); Parquet on one (compared as read).
    for (const [format, datasets] of [
      ["csv", DATASETS],
      ["parquet", "colour"],
    ]) {
      const whole = join(dir, `whole-${format}`);
      const sharded = join(dir, `sharded-${format}`);
      assert.equal((await run(whole, "--format", format, "--datasets", datasets)).code, 0);
      for (const k of [2, 3, 1]) {
        const part = await run(sharded, "--shard", `${k}/3`, "--format", format, "--datasets", datasets);
        assert.equal(part.code, 0, part.stderr);
        assert.match(part.stderr, new RegExp(`shard ${k} of 3`));
      }
      assert.deepEqual(await readdir(sharded), [".shards"], "shards write only parts");
      const merged = await cli("benchmark", "model-vs-human", "merge", sharded);
      assert.equal(merged.code, 0, merged.stderr);
      const names = datasets.split(",");
      assert.match(merged.stderr, new RegExp(`merged ${names.length} files? of 1 model`));
      for (const dataset of names) {
        const name = `${dataset}_tiny_session-1.${format}`;
        if (format === "csv")
          assert.equal(await readFile(join(sharded, dataset, name), "utf8"), await readFile(join(whole, dataset, name), "utf8"));
        else {
          const [a, b] = await Promise.all([whole, sharded].map((d) => cli("observers", join(d, dataset, name))));
          assert.equal(a.code, 0, a.stderr);
          assert.equal(b.stdout.replaceAll(sharded, whole), a.stdout);
        }
      }
      // score reads the merged files beside the hidden parts.
      const bench = join(dir, `bench-${format}`);
      const scored = await cli(
        "benchmark",
        "model-vs-human",
        "score",
        sharded,
        "--humans",
        humans,
        "--datasets",
        datasets,
        "--out",
        bench,
        "--bootstrap",
        "0",
      );
      assert.equal(scored.code, 0, scored.stderr);
      assert.deepEqual(Object.keys(JSON.parse(await readFile(join(bench, "benchmark.json"), "utf8")).datasets), names);
    }
    const sharded = join(dir, "sharded-csv");
    // A part missing (the parts of shards 1 and 3 only): named, and nothing merged.
    const partial = join(dir, "partial");
    await cp(join(sharded, ".shards"), join(partial, ".shards"), {
      recursive: true,
      filter: (source) => !/shard-2-of-3/.test(source),
    });
    const missing = await cli("benchmark", "model-vs-human", "merge", partial);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /shard parts are missing \(tiny on edge: shard 2 of 3; tiny on colour: shard 2 of 3; tiny on uniform-noise: shard 2 of 3\)/,
    );
    assert.deepEqual(await readdir(partial), [".shards"]);
    // Parts of two runs (3 and 2 shards) of one model and dataset; a file that is no part.
    const edgeParts = join(partial, ".shards", "edge");
    await writeFile(join(edgeParts, "edge_tiny_session-1.shard-1-of-2.csv"), "subj,trial,imagename\n");
    const mixed = await cli("benchmark", "model-vs-human", "merge", partial);
    assert.equal(mixed.code, 1);
    assert.match(
      mixed.stderr,
      /shard-1-of-3\.csv: model "tiny" on edge has parts of two runs: edge_tiny_session-1\.shard-1-of-2\.csv and edge_tiny_session-1\.shard-1-of-3\.csv/,
    );
    await rm(join(edgeParts, "edge_tiny_session-1.shard-1-of-2.csv"));
    await writeFile(join(edgeParts, "notes.csv"), "x\n");
    const stray = await cli("benchmark", "model-vs-human", "merge", partial);
    assert.equal(stray.code, 1);
    assert.match(stray.stderr, /notes\.csv: not a shard part; expected edge_<name>_session-1\.shard-<k>-of-<n>\.csv/);
    assert.deepEqual(await readdir(partial), [".shards"]);
    const none = await cli("benchmark", "model-vs-human", "merge", join(dir, "nothing-here"));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no shard parts/);
  });

  test("bad input: a clear error and nothing written", async () => {
    const out = join(dir, "bad-out");
    const expectFailure = async (code: number, pattern: RegExp, result: Promise<{ code: number; stderr: string }>) => {
      const { code: got, stderr } = await result;
      assert.equal(got, code, stderr);
      assert.match(stderr, pattern);
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
      assert.equal(existsSync(out), false, `nothing written for ${pattern}`);
    };
    await expectFailure(2, /--datasets: unknown dataset "edges"; known: edge, silhouette/, run(out, "--datasets", "edges,colour"));
    await expectFailure(
      1,
      /no-stimuli: no such folder; expected model-vs-human's stimuli, one folder per dataset/,
      cli("benchmark", "model-vs-human", "run", model, "--stimuli", join(dir, "no-stimuli"), "--out", out),
    );
    await expectFailure(
      1,
      /the stimuli of 14 datasets are missing: silhouette, cue-conflict, contrast, .*; expected a folder per dataset/,
      cli("benchmark", "model-vs-human", "run", model, "--stimuli", stimuli, "--out", out),
    );
    await expectFailure(2, /--name: "subject-01" starts with "subject-"/, run(out, "--name", "subject-01"));
    await expectFailure(
      1,
      /no such file; expected an ONNX model/,
      cli("benchmark", "model-vs-human", "run", join(dir, "none.onnx"), "--stimuli", stimuli, "--datasets", DATASETS, "--out", out),
    );
    await expectFailure(2, /--shard: expected k\/n/, run(out, "--shard", "4/3"));

    // File names: an unreadable shape, a category that is not one, a condition of another dataset.
    const session = join(stimuli, "colour", "dnn", "session-1");
    const good = join(session, expectedSessionTrials("colour")[2].imagename);
    const cases: [string, RegExp][] = [
      [
        "bw-dog.png",
        /bw-dog\.png: cannot read the condition and category from this file's name; expected <number>_<code>_<session>_<condition>_<category>_<image>\.png/,
      ],
      [
        "0003_cl_dnn_bw_wolf_10_n01_1.png",
        /0003_cl_dnn_bw_wolf_10_n01_1\.png: "wolf" \(the name's 5th "_"-separated field\) is not a category/,
      ],
      [
        "0003_cl_dnn_c30_dog_10_n01_1.png",
        /0003_cl_dnn_c30_dog_10_n01_1\.png: condition "c30" \(the name's 4th "_"-separated field\) is not a condition of colour; expected one of "cr", "bw"/,
      ],
    ];
    for (const [name, pattern] of cases) {
      await rename(good, join(session, name));
      try {
        await expectFailure(1, pattern, run(out));
      } finally {
        await rename(join(session, name), good);
      }
    }
    // The sessions layout is required where model-vs-human uses it.
    await rename(join(stimuli, "colour", "dnn"), join(stimuli, "colour", "images"));
    try {
      await expectFailure(
        1,
        /colour\/dnn\/session-1: no folder dnn\/session-1\/; expected colour's images in colour\/dnn\/session-1\//,
        run(out),
      );
    } finally {
      await rename(join(stimuli, "colour", "images"), join(stimuli, "colour", "dnn"));
    }
  });
});
