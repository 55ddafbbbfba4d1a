import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { computePairs } from "../../src/core/pairs.ts";
import { shapeBias } from "../../src/core/shape-bias.ts";
import { observerNames, stimulusId, textureCategory } from "../../src/core/trials.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { FIXTURES, NO_SHARED_DATA, RAW_DATA } from "../helpers.ts";

const MINI = join(FIXTURES, "mini-cue-conflict");
const HEADER = "subj,session,trial,rt,object_response,category,condition,imagename";

describe("stimulus ids and texture categories", () => {
  test("the imagename rules of the model-vs-human schema", () => {
    assert.equal(stimulusId("airplane1-bicycle2.png"), "airplane1-bicycle2.png");
    assert.equal(stimulusId("0001_s5n_s01_0_bird_00_bird3-bird2.png"), "bird3-bird2.png");
    assert.equal(stimulusId("0002_eid_s03_128-0-10_oven_10_n04111531_1661.JPEG"), "n04111531_1661.JPEG");
    assert.equal(stimulusId("n03041632_8618.png"), "n03041632_8618.png");
    assert.equal(stimulusId("x_n1_y.png"), "y.png", "only a piece starting with n0 is a synset");
  });

  test("texture category: after the last dash, without extension and digits", () => {
    assert.equal(textureCategory("airplane1-bicycle2.png"), "bicycle");
    assert.equal(textureCategory("bird3-bird2.png"), "bird");
    assert.equal(textureCategory("n03041632_8618.png"), null);
  });
});

describe("the model-vs-human reader", () => {
  test("reads a folder as one dataset: observer from subj, case variants, CRLF, BOM, NaN, na", async () => {
    const { datasets } = await loadDatasets(MINI);
    assert.equal(datasets.length, 1);
    const [table] = datasets;
    assert.equal(table.dataset, "mini-cue-conflict");
    assert.deepEqual(observerNames(table), ["alexnet", "resnet50", "subject-01", "subject-02"]);
    assert.deepEqual([...table.humans].sort(), ["subject-01", "subject-02"]);
    assert.equal(table.length, 24);
    const na = [...table.missing].reduce((a, b) => a + b, 0);
    assert.equal(na, 1, "subject-01 once answered na");
    const naTrial = table.missing.indexOf(1);
    assert.equal(table.correct[naTrial], 0, "na is wrong");
    assert.ok(
      table.stimulus.every((id) => !id.includes("_")),
      "human image names reduced to stimulus ids",
    );
  });

  test("a single CSV file is a dataset named after the file", async () => {
    const { datasets } = await loadDatasets(join(MINI, "mini_alexnetsession-1.csv"));
    assert.equal(datasets[0].dataset, "mini_alexnetsession-1");
    assert.deepEqual(observerNames(datasets[0]), ["alexnet"]);
  });

  test(
    "a folder of dataset folders is a collection; a folder of non-trial CSVs is left out with a note",
    { skip: NO_SHARED_DATA },
    async () => {
      const { datasets, notes } = await loadDatasets(RAW_DATA);
      assert.equal(datasets.length, 10);
      assert.ok(datasets.some((d) => d.dataset === "texture-shape_cue-conflict"));
      assert.equal(notes.length, 1);
      assert.match(notes[0], /brain-score_metrics/);
    },
  );
});

describe("the generic long format gives the same numbers as the schema reader", () => {
  const kappas = (pairs: ReturnType<typeof computePairs>["pairs"]) =>
    pairs.map((p) => [p.observer1, p.observer2, p.pair_type, p.kappa, p.c_obs, p.c_exp]);

  test("CSV with truth and response columns, and JSON Lines with a 0/1 column", async () => {
    const schema = computePairs((await loadDatasets(MINI)).datasets[0]).pairs;
    const long = (
      await loadDatasets(join(FIXTURES, "mini-long.csv"), {
        format: { kind: "long", columns: { observer: "model", stimulus: "image", truth: "label", response: "answer" } },
      })
    ).datasets[0];
    assert.deepEqual(kappas(computePairs(long).pairs), kappas(schema));
    assert.equal(
      [...long.missing].reduce((a, b) => a + b, 0),
      1,
      "na counted as missing",
    );
    assert.deepEqual(
      shapeBias(long).map((r) => r.shape_bias),
      shapeBias((await loadDatasets(MINI)).datasets[0]).map((r) => r.shape_bias),
    );
    const jsonl = (
      await loadDatasets(join(FIXTURES, "mini-long.jsonl"), {
        format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } },
      })
    ).datasets[0];
    assert.deepEqual(kappas(computePairs(jsonl).pairs), kappas(schema));
  });

  test("--human-pattern decides who is human", async () => {
    const table = (
      await loadDatasets(join(FIXTURES, "mini-long.csv"), {
        format: { kind: "long", columns: { observer: "model", stimulus: "image", truth: "label", response: "answer" } },
        humanPattern: /^resnet/,
      })
    ).datasets[0];
    assert.deepEqual([...table.humans], ["resnet50"]);
  });
});

describe("bad input: clear errors naming file, line and column", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trialwise-readers-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a one-file dataset and returns the error its loading raises. */
  async function errorFor(name: string, content: string | Uint8Array, options = {}): Promise<InputError> {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    const file = join(folder, "trials.csv");
    await writeFile(file, content);
    try {
      await loadDatasets(folder, options);
    } catch (error) {
      assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
      assert.equal(error.location.file, file);
      return error;
    }
    assert.fail("no error raised");
  }

  test("missing columns: names them, line 1", async () => {
    const error = await errorFor("missing", "subj,session,trial,rt,category,condition\nsubject-01,1,1,NaN,cat,0\n");
    assert.equal(error.location.line, 1);
    assert.match(error.message, /missing columns "object_response", "imagename"/);
  });

  test("missing columns: a header name holding a newline or quote is shown escaped, on one line", async () => {
    const error = await errorFor("quoted-header", 'subj,"ses\nsion","rt ""ms""",category\nsubject-01,1,2,cat\n');
    assert.ok(!error.message.includes("\n"), error.message);
    assert.ok(error.message.includes('(found "subj", "ses\\nsion", "rt \\"ms\\"", "category")'), error.message);
  });

  test("empty file and header only", async () => {
    assert.match((await errorFor("empty", "")).message, /trials\.csv:1: empty file/);
    assert.match((await errorFor("header-only", `${HEADER}\n`)).message, /header only/);
  });

  test("ragged row: the line and the field counts", async () => {
    const error = await errorFor(
      "ragged",
      `${HEADER}\nsubject-01,1,1,NaN,cat,cat,0,a1-b2.png\nsubject-01,1,2,NaN,cat,cat,0,a2-b2.png,extra\n`,
    );
    assert.equal(error.location.line, 3);
    assert.match(error.message, /ragged row: 9 fields, expected 8/);
  });

  test("empty field: line and column", async () => {
    const error = await errorFor("empty-field", `${HEADER}\nsubject-01,1,1,NaN,cat,cat,0,a1-b2.png\n,1,2,NaN,cat,cat,0,a2-b2.png\n`);
    assert.equal(error.location.line, 3);
    assert.equal(error.location.column, "subj");
  });

  test("a stimulus seen twice by one observer in one condition: both lines", async () => {
    const error = await errorFor(
      "duplicate",
      `${HEADER}\nsubject-01,1,1,NaN,cat,cat,0,0001_x_cat1-dog2.png\nsubject-01,1,2,NaN,dog,cat,0,0002_x_cat1-dog2.png\n`,
    );
    assert.equal(error.location.line, 3);
    assert.match(error.message, /saw stimulus "cat1-dog2.png" twice in condition "0" \(first at .*trials\.csv:2\)/);
  });

  test("unknown encodings: Latin-1 and UTF-16 without byte-order mark", async () => {
    const latin1 = Buffer.from(`${HEADER}\nsubject-01,1,1,NaN,caf\xe9,cat,0,a1-b2.png\n`, "latin1");
    const error = await errorFor("latin1", latin1);
    assert.equal(error.location.line, 2);
    assert.match(error.message, /unknown text encoding.*expected UTF-8/);
    const utf16 = Buffer.from(`${HEADER}\n`, "utf16le");
    assert.match((await errorFor("utf16", utf16)).message, /zero bytes/);
  });

  test("UTF-16 with a byte-order mark is read", async () => {
    const folder = join(dir, "utf16-bom");
    await mkdir(folder);
    const text = `${HEADER}\r\nsubject-01,1,1,NaN,cat,cat,0,a1-b2.png\r\n`;
    await writeFile(join(folder, "t.csv"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const { datasets } = await loadDatasets(folder);
    assert.equal(datasets[0].correct[0], 1);
  });

  test("the long format: bad 0/1 value and bad JSON line", async () => {
    const csvError = await errorFor("bad-binary", "who,stim,hit\nm1,a.png,1\nm1,b.png,yes\n", {
      format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } },
    });
    assert.equal(csvError.location.line, 3);
    assert.equal(csvError.location.column, "hit");
    assert.match(csvError.message, /expected 0 or 1/);

    const file = join(dir, "bad.jsonl");
    await writeFile(file, '{"who":"m1","stim":"a","hit":1}\n{"who": "m1", stim\n');
    await assert.rejects(
      loadDatasets(file, { format: { kind: "long", columns: { observer: "who", stimulus: "stim", correct: "hit" } } }),
      (error: InputError) => error.location.line === 2 && /invalid JSON/.test(error.message),
    );
  });

  test("a path that does not exist", async () => {
    await assert.rejects(loadDatasets(join(dir, "nope")), /nope: no such file or folder/);
  });
});
