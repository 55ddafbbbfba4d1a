import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { capa } from "../../src/core/capa.ts";
import { metricPairs } from "../../src/core/metric-pairs.ts";
import { probabilityTableFromTrials } from "../../src/core/probability-table.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { readProbabilityTable, readScoreFiles, readScoresForTrials } from "../../src/io/scores.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "trialwise-scores-"));
});
after(async () => rm(root, { recursive: true, force: true }));

const LONG = [
  "model,item,answer,p_a,p_b,p_c",
  "m1,q1,a,0.6,0.3,0.1",
  "m1,q2,c,0.2,0.2,0.6",
  "m2,q1,a,0.5,0.25,0.25",
  "m2,q2,c,0.1,0.7,0.2",
  "",
].join("\n");
const columns = { observer: "model", stimulus: "item", truth: "answer", prefix: "p_" };

describe("probability tables", () => {
  test("long format with --prob-prefix: options from the column names, CAPA as computed by hand", async () => {
    const file = join(root, "long.csv");
    await writeFile(file, LONG);
    const table = await readProbabilityTable(file, { columns });
    assert.equal(table.dataset, "long");
    assert.deepEqual(table.items[0].options, ["a", "b", "c"]);
    const [row] = metricPairs(table, { metric: "capa" }).rows;
    const expected = capa(
      [
        [0.6, 0.3, 0.1],
        [0.2, 0.2, 0.6],
      ],
      [
        [0.5, 0.25, 0.25],
        [0.1, 0.7, 0.2],
      ],
      [0, 2],
    );
    assert.ok(Math.abs((row.kappa_p as number) - expected.kappa_p) < 1e-12);
  });

  test("JSON Lines with an array field; logits softmaxed with --scores-as logits", async () => {
    const file = join(root, "arrays.jsonl");
    const lines = [
      { model: "m1", item: "q1", answer: 0, logits: [0, 0] },
      { model: "m2", item: "q1", answer: 0, logits: [Math.log(3), 0] },
    ];
    await writeFile(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    const table = await readProbabilityTable(file, {
      columns: { observer: "model", stimulus: "item", truth: "answer", array: "logits" },
      scoresAs: "logits",
    });
    const [row] = metricPairs(table, { metric: "capa" }).rows;
    // 0.5 * 0.75 + 0.5 * 0.25 = 0.5
    assert.ok(Math.abs((row.c_obs_p as number) - 0.5) < 1e-12);
  });

  test("bad input: located errors (sum off by how much, negative, option counts, truth outside the options)", async () => {
    const write = async (name: string, text: string) => {
      const file = join(root, name);
      await writeFile(file, text);
      return file;
    };
    await assert.rejects(
      readProbabilityTable(await write("sum.csv", LONG.replace("m2,q2,c,0.1,0.7,0.2", "m2,q2,c,0.1,0.7,0.25")), { columns }),
      /sum\.csv:5: probabilities sum to 1\.05 \(0\.05 above 1\)/,
    );
    await assert.rejects(
      readProbabilityTable(await write("negative.csv", LONG.replace("m1,q2,c,0.2,0.2,0.6", "m1,q2,c,-0.2,0.6,0.6")), { columns }),
      /negative\.csv:3: probability 1 \(option "a"\) is negative \(-0\.2\)/,
    );
    await assert.rejects(
      readProbabilityTable(await write("truth.csv", LONG.replace("m2,q1,a,", "m2,q1,z,")), { columns }),
      /truth\.csv:4: column "answer": the correct option "z" is not one of the item's options \(a, b, c\)/,
    );
    await assert.rejects(
      readProbabilityTable(await write("text.csv", LONG.replace("0.25,0.25", "0.25,x")), { columns }),
      /text\.csv:4: column "p_c": "x" is not a number/,
    );
    const arrays = [
      JSON.stringify({ model: "m1", item: "q1", answer: 0, p: [0.5, 0.5] }),
      JSON.stringify({ model: "m2", item: "q1", answer: 0, p: [0.5, 0.25, 0.25] }),
    ].join("\n");
    await assert.rejects(
      readProbabilityTable(await write("options.jsonl", arrays), {
        columns: { observer: "model", stimulus: "item", truth: "answer", array: "p" },
      }),
      /options\.jsonl:2: column "answer": item "q1" has 3 options here and 2 at .*options\.jsonl:1/,
    );
  });
});

describe("score files of trialwise evaluate --scores", () => {
  const trialsCsv = [
    "subj,session,trial,rt,object_response,category,condition,imagename",
    "resnet,1,1,NaN,cat,cat,0,0001_cat1.png",
    "resnet,1,2,NaN,cat,dog,0,0002_dog1.png",
    "subject-01,1,1,500,cat,cat,0,0001_s01_cat1.png",
    "subject-01,1,2,500,dog,dog,0,0002_s01_dog1.png",
    "",
  ].join("\n");
  const scoresCsv = [
    "imagename,category,decision,score_cat,score_dog",
    "0001_cat1.png,cat,cat,0.3,0.1",
    "0002_dog1.png,dog,cat,0.25,0.15",
    "",
  ].join("\n");

  async function setUp(name: string, scores: string) {
    const dir = join(root, name);
    await mkdir(join(dir, "scores"), { recursive: true });
    await writeFile(join(dir, "trials.csv"), trialsCsv);
    await writeFile(join(dir, "scores", "resnet.csv"), scores);
    const { datasets } = await loadDatasets(join(dir, "trials.csv"));
    return { table: datasets[0], scoresPath: join(dir, "scores") };
  }

  test("matched to the model's trials by stimulus; normalized scores give CAPA against a person's answers", async () => {
    const { table, scoresPath } = await setUp("ok", scoresCsv);
    const rows = await readScoreFiles(scoresPath, "normalize");
    assert.deepEqual(
      rows.map((r) => [r.observer, r.stimulus]),
      [
        ["resnet", "cat1.png"],
        ["resnet", "dog1.png"],
      ],
    );
    const probabilities = probabilityTableFromTrials(table, false, rows);
    assert.deepEqual(
      probabilities.observers.map((o) => [o.name, o.graded]),
      [
        ["resnet", true],
        ["subject-01", false],
      ],
    );
    const [row] = metricPairs(probabilities, { metric: "capa" }).rows;
    // resnet: cat1 (.75, .25), dog1 (.625, .375); the person answers cat, dog (both right).
    const expected = capa(
      [
        [0.75, 0.25],
        [0.625, 0.375],
      ],
      [
        [1, 0],
        [0, 1],
      ],
      [0, 1],
    );
    assert.ok(Math.abs((row.kappa_p as number) - expected.kappa_p) < 1e-12);
    assert.equal(row.acc1, 0.5);
  });

  test("readScoresForTrials (pairs, summary and serve --scores): one dataset, and every file named after one of its observers", async () => {
    const { table, scoresPath } = await setUp("for-trials", scoresCsv);
    assert.deepEqual(
      (await readScoresForTrials(scoresPath, [table], "normalize")).map((r) => r.probabilities),
      (await readScoreFiles(scoresPath, "normalize")).map((r) => r.probabilities),
    );
    await assert.rejects(readScoresForTrials(scoresPath, [table, table]), /--scores needs one dataset .*, not 2/);
    await writeFile(join(scoresPath, "vgg.csv"), scoresCsv);
    await assert.rejects(
      readScoresForTrials(scoresPath, [table], "normalize"),
      (error: Error) =>
        error.message ===
        `${scoresPath}: scores of "vgg", not an observer of the trials (a score file is named after its observer, e.g. resnet50.csv)`,
    );
  });

  test("unnormalized scores read as probabilities: the sum and where; a trial without scores; a stimulus without trials", async () => {
    const { table, scoresPath } = await setUp("bad", scoresCsv);
    await assert.rejects(
      async () => probabilityTableFromTrials(table, false, await readScoreFiles(scoresPath)),
      /resnet\.csv:2: probabilities sum to 0\.4 \(0\.6 below 1\)/,
    );
    const short = await setUp("short", scoresCsv.split("\n").slice(0, 2).join("\n"));
    const rows = await readScoreFiles(short.scoresPath, "normalize");
    assert.throws(
      () => probabilityTableFromTrials(short.table, false, rows),
      /trials\.csv:3: 1 trial\(s\) of "resnet" have no scores, e.g. stimulus "dog1\.png"/,
    );
    const extra = await setUp("extra", `${scoresCsv}0003_bird1.png,cat,cat,0.2,0.2\n`);
    const extraRows = await readScoreFiles(extra.scoresPath, "normalize");
    assert.throws(
      () => probabilityTableFromTrials(extra.table, false, extraRows),
      /resnet\.csv:4: scores of "resnet" for stimulus "bird1\.png", which "resnet" has no trial of/,
    );
  });
});
