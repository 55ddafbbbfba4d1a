// The dashboard's metric selector computes what `trialwise pairs --metric` computes: the
// answers travel in the payload (encodeResponses / decodeResponses), the models' scores too
// where `trialwise serve --scores` has them (encodeScores / decodeScores), and every pair's row
// equals the CLI's, on a fixture and on the published data (pooled and per condition).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { TrialScores } from "../../../src/core/probability-table.ts";
import type { TrialTable } from "../../../src/core/trials.ts";
import { readScoresForTrials } from "../../../src/io/scores.ts";
import { loadDatasets } from "../../../src/io/datasets.ts";
import { datasetPayload, tableDataset } from "../../../src/serve/datasets.ts";
import { metricMatrix } from "../../../src/web/dashboard/metric-matrix.ts";
import type { ResponseLevelMetric } from "../../../src/web/dashboard/metric-names.ts";
import { decodeResponses, decodeScores, encodeResponses } from "../../../src/serve/protocol.ts";
import { writeScoreFiles } from "../../serve/score-fixtures.ts";
import { FIXTURES, NO_SHARED_DATA, RAW_DATA, cli, csvObjects } from "../../helpers.ts";

/** The trial table as the page's worker rebuilds it from the payload. */
async function throughPayload(path: string): Promise<TrialTable> {
  const table = (await loadDatasets(path)).datasets[0];
  const payload = datasetPayload(tableDataset("x", table, "test"));
  const responses = encodeResponses(
    table,
    payload.observerInfo.map((o) => o.name),
  );
  assert.ok(responses, "the table has true categories and responses");
  return decodeResponses(payload, responses);
}

/**
 * Every row of the CLI's `pairs --metric` equals the dashboard's, every column (numbers exactly);
 * with `scores`, the CLI is given `--scores scoresPath` and the dashboard the rows.
 */
async function assertSameAsCli(
  path: string,
  trials: TrialTable,
  metric: ResponseLevelMetric,
  byCondition: boolean,
  scores: { path: string; rows: readonly TrialScores[] } | null = null,
) {
  const run = await cli(
    "pairs",
    path,
    "--metric",
    metric,
    "--format",
    "csv",
    ...(byCondition ? ["--by", "condition"] : []),
    ...(scores ? ["--scores", scores.path] : []),
  );
  assert.equal(run.code, 0, run.stderr);
  const expected = csvObjects(run.stdout);
  const observers = [...new Set(trials.observer)].sort();
  const conditions = byCondition ? [...new Set(trials.condition)] : ["all"];
  let compared = 0;
  for (const condition of conditions) {
    const matrix = metricMatrix(trials, condition, observers, "identical", metric, scores?.rows);
    const rows = expected.filter((r) => r.condition === condition);
    assert.equal(matrix.rows.length, rows.length, `${metric} [${condition}]: as many pairs as the CLI`);
    for (const [k, row] of rows.entries()) {
      const mine = matrix.rows[k];
      for (const column of matrix.columns) {
        const value = mine[column];
        const written = typeof value === "number" ? (Number.isNaN(value) ? "" : String(value)) : value;
        assert.equal(written, row[column], `${row.observer1} – ${row.observer2} [${condition}] ${column}`);
      }
      const i = observers.indexOf(row.observer1);
      const j = observers.indexOf(row.observer2);
      const value = row[metric === "response-kappa" ? "response_kappa" : metric === "dmc" ? "dmc" : "kappa_p"];
      assert.ok(Object.is(matrix.values[i * observers.length + j], value === "" ? NaN : Number(value)), "the matrix holds the value");
      compared++;
    }
  }
  return compared;
}

test("response-kappa and capa-discrete of the fixture equal trialwise pairs --metric", async () => {
  const path = join(FIXTURES, "mini-cue-conflict");
  const trials = await throughPayload(path);
  for (const metric of ["response-kappa", "capa-discrete"] as const) assert.equal(await assertSameAsCli(path, trials, metric, false), 6);
  const matrix = metricMatrix(trials, "all", ["alexnet", "resnet50", "subject-01", "subject-02"], "identical", "response-kappa");
  assert.equal(matrix.size, 4);
  assert.equal(matrix.values[0], 1, "the diagonal");
});

test("capa and dmc with the models' scores, sent as trialwise serve --scores sends them, equal trialwise pairs --metric --scores", async () => {
  const path = join(FIXTURES, "mini-cue-conflict");
  const dir = await mkdtemp(join(tmpdir(), "trialwise-metric-scores-"));
  try {
    const table = (await loadDatasets(path)).datasets[0];
    const scoresPath = await writeScoreFiles(join(dir, "scores"), table, ["alexnet", "resnet50"]);
    const dataset = tableDataset("x", table, "test");
    if (dataset.kind === "table") dataset.scores = await readScoresForTrials(scoresPath, [table]);
    const payload = datasetPayload(dataset);
    assert.ok(payload.responses && payload.scores, "the payload carries the answers and the scores");
    const trials = decodeResponses(payload, payload.responses);
    const rows = decodeScores(payload, payload.scores);
    assert.equal(rows.length, 12, "one row per trial of each model");
    for (const metric of ["capa", "dmc"] as const)
      assert.equal(await assertSameAsCli(path, trials, metric, false, { path: scoresPath, rows }), 6, metric);
    // The scores change the models' values: capa is not capa-discrete here.
    const observers = ["alexnet", "resnet50"];
    const graded = metricMatrix(trials, "all", observers, "identical", "capa", rows).values[1];
    const answers = metricMatrix(trials, "all", observers, "identical", "capa-discrete", rows).values[1];
    assert.ok(Number.isFinite(graded) && graded !== answers, `${graded} vs ${answers}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  "on the published cue-conflict data (pooled) and contrast data (per condition), every pair as the CLI",
  { skip: NO_SHARED_DATA },
  async () => {
    const cueConflict = join(RAW_DATA, "texture-shape_cue-conflict");
    const trials = await throughPayload(cueConflict);
    assert.equal(await assertSameAsCli(cueConflict, trials, "capa-discrete", false), (35 * 34) / 2);
    const contrast = join(RAW_DATA, "noise-generalisation_contrast-png");
    assert.ok((await assertSameAsCli(contrast, await throughPayload(contrast), "response-kappa", true)) > 0);
  },
);
