import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { capa } from "../../src/core/capa.ts";
import { metricPairs } from "../../src/core/metric-pairs.ts";
import { softmaxOf } from "../../src/core/probability-table.ts";
import { findModelSamples, readLmEvalSamples, samplesTask } from "../../src/io/lm-eval.ts";
import { LM_EVAL_MODELS, LM_EVAL_TARGETS, writeLmEvalFixture } from "./lm-eval-fixture.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "trialwise-lm-eval-"));
});
after(async () => rm(root, { recursive: true, force: true }));

describe("lm-evaluation-harness samples", () => {
  test("task names from file names", () => {
    assert.equal(samplesTask("samples_arc_easy_2024-05-01T10-20-30.123456.jsonl"), "arc_easy");
    assert.equal(samplesTask("samples_leaderboard_bbh_navigate_2024-06-26T18-52-33.254593.jsonl"), "leaderboard_bbh_navigate");
    assert.equal(samplesTask("samples_hellaswag.jsonl"), "hellaswag");
  });

  test("three models read from folders give the CAPA of the same numbers as a probability table", async () => {
    const dir = join(root, "three");
    await writeLmEvalFixture(dir);
    const models = await findModelSamples(dir);
    assert.deepEqual(
      models?.map((m) => m.model),
      Object.keys(LM_EVAL_MODELS),
    );
    const [table] = await readLmEvalSamples(dir);
    assert.equal(table.dataset, "arc_easy");
    const { rows } = metricPairs(table, { metric: "capa" });
    assert.equal(rows.length, 3);
    const names = Object.keys(LM_EVAL_MODELS);
    for (const row of rows) {
      const a = LM_EVAL_MODELS[row.observer1 as string].map(softmaxOf);
      const b = LM_EVAL_MODELS[row.observer2 as string].map(softmaxOf);
      const expected = capa(a, b, LM_EVAL_TARGETS);
      assert.ok(Math.abs((row.kappa_p as number) - expected.kappa_p) < 1e-12);
      assert.ok(Math.abs((row.c_obs_p as number) - expected.c_obs_p) < 1e-12);
      assert.ok(names.includes(row.observer1 as string));
    }
  });

  test("a target given as the correct choice's text is found among the continuations", async () => {
    const dir = join(root, "text-target");
    await writeLmEvalFixture(dir, "arc_easy", ["choice 0", "choice 3", " choice 1", "2"]);
    const [table] = await readLmEvalSamples(dir);
    assert.deepEqual(
      table.items.map((i) => i.truth),
      LM_EVAL_TARGETS,
    );
  });

  test("Leaderboard details as Parquet read like JSON Lines", async () => {
    const dir = join(root, "parquet");
    await writeLmEvalFixture(dir);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    for (const model of Object.keys(LM_EVAL_MODELS)) {
      const source = join(dir, model, "samples_arc_easy_2024-05-01T10-20-30.123456.jsonl");
      await connection.run(`COPY (SELECT * FROM read_json_auto('${source}')) TO '${source.replace(/jsonl$/, "parquet")}' (FORMAT parquet)`);
      await rm(source);
    }
    instance.closeSync();
    const [fromParquet] = await readLmEvalSamples(dir);
    const [fromJson] = await readLmEvalSamples(join(root, "three"));
    assert.deepEqual(metricPairs(fromParquet, { metric: "capa" }).rows, metricPairs(fromJson, { metric: "capa" }).rows);
  });

  test("bad samples: located errors", async () => {
    const write = async (name: string, sample: object) => {
      const dir = join(root, "bad", name);
      await mkdir(join(dir, "m1"), { recursive: true });
      await writeFile(
        join(dir, "m1", "samples_t_2024-01-01T00-00-00.jsonl"),
        `${JSON.stringify({
          doc_id: 0,
          target: 0,
          filtered_resps: [
            [-1, false],
            [-2, false],
          ],
        })}\n${JSON.stringify(sample)}\n`,
      );
      return dir;
    };
    await assert.rejects(
      readLmEvalSamples(
        await write("outside", {
          doc_id: 1,
          target: 4,
          filtered_resps: [
            [-1, false],
            [-2, false],
          ],
        }),
      ),
      /samples_t_2024-01-01T00-00-00\.jsonl:2: column "target": target 4 is outside the 2 choices \(0 to 1\)/,
    );
    await assert.rejects(
      readLmEvalSamples(await write("generated", { doc_id: 1, target: "11", filtered_resps: ["11"] })),
      /:2: column "filtered_resps": 1 choice\(s\); expected at least 2/,
    );
    await assert.rejects(
      readLmEvalSamples(await write("text", { doc_id: 1, target: 0, filtered_resps: ["yes", "no"] })),
      /:2: column "filtered_resps": choice 1 is text \("yes"\): a generated answer/,
    );
    await assert.rejects(
      readLmEvalSamples(
        await write("twice", {
          doc_id: 0,
          target: 0,
          filtered_resps: [
            [-1, false],
            [-2, false],
          ],
        }),
      ),
      /:2: column "doc_id": doc_id 0 a second time \(first at line 1\)/,
    );
    const options = await write("options", {
      doc_id: 1,
      target: 0,
      filtered_resps: [
        [-1, false],
        [-2, false],
      ],
    });
    await mkdir(join(options, "m2"));
    await writeFile(
      join(options, "m2", "samples_t_2024-01-01T00-00-00.jsonl"),
      `${JSON.stringify({
        doc_id: 0,
        target: 0,
        filtered_resps: [
          [-1, false],
          [-2, false],
          [-3, false],
        ],
      })}\n`,
    );
    await assert.rejects(
      readLmEvalSamples(options),
      /m2\/samples_t_2024-01-01T00-00-00\.jsonl:1: item "0" has 3 options here and 2 at .*m1\/samples_t_2024-01-01T00-00-00\.jsonl:1/,
    );
    await assert.rejects(readLmEvalSamples(join(root, "bad", "none-here")), /no lm-evaluation-harness samples files/);
  });
});
