// The dashboard's metric selector computes what `trialwise pairs --metric` computes: the
// answers travel in the payload (encodeResponses / decodeResponses) and every pair's row equals
// the CLI's, on a fixture and on the published data (pooled and per condition).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { TrialTable } from "../../../src/core/trials.ts";
import { loadDatasets } from "../../../src/io/datasets.ts";
import { datasetPayload, tableDataset } from "../../../src/serve/datasets.ts";
import { metricMatrix } from "../../../src/web/dashboard/metric-matrix.ts";
import type { AnswerMetric } from "../../../src/web/dashboard/metric-names.ts";
import { decodeResponses, encodeResponses } from "../../../src/serve/protocol.ts";
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

/** Every row of the CLI's `pairs --metric` equals the dashboard's, every column (numbers exactly). */
async function assertSameAsCli(path: string, trials: TrialTable, metric: AnswerMetric, byCondition: boolean) {
  const run = await cli("pairs", path, "--metric", metric, "--format", "csv", ...(byCondition ? ["--by", "condition"] : []));
  assert.equal(run.code, 0, run.stderr);
  const expected = csvObjects(run.stdout);
  const observers = [...new Set(trials.observer)].sort();
  const conditions = byCondition ? [...new Set(trials.condition)] : ["all"];
  let compared = 0;
  for (const condition of conditions) {
    const matrix = metricMatrix(trials, condition, observers, "identical", metric);
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
      const value = metric === "capa-discrete" ? row.kappa_p : row.response_kappa;
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
