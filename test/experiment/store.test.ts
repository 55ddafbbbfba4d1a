// The experiment's trial store: only a DuckDB file is a store (DuckDB itself opens a CSV, Parquet
// or JSON Lines file as an empty in-memory database, which would lose every trial); export's
// messages when there is nothing to export; the dataset name that names the exported files.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Command } from "commander";
import { addExperimentCommand } from "../../src/cli/experiment.ts";
import { InputError, UsageError } from "../../src/core/errors.ts";
import { exportStore } from "../../src/experiment/export.ts";
import { DEFAULT_PROTOCOL } from "../../src/experiment/protocol.ts";
import { type ExperimentServerOptions, startExperimentServer } from "../../src/experiment/server.ts";
import { TrialStore } from "../../src/experiment/store.ts";
import { writeTable } from "../../src/io/table-parquet.ts";
import { ensureBundle, stimulusFolder } from "../fixtures/experiment/setup.ts";
import { cli } from "../helpers.ts";

let dir: string;
let stimuli: string;

before(async () => {
  ensureBundle();
  dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-store-"));
  stimuli = await stimulusFolder(join(dir, "toys"), 1);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(store: string): ExperimentServerOptions {
  return { stimuli, store, protocol: { ...DEFAULT_PROTOCOL, practiceTrials: 0 }, seed: 1, port: 0 };
}

/** Trial files that DuckDB would open as an empty in-memory database. */
const DATA_FILES: [string, string][] = [
  ["trials.csv", "subj,session,trial\nsubject-01,1,1\n"],
  ["trials.jsonl", '{"subj":"subject-01","trial":1}\n'],
];

test("serve refuses a store that exists and is not a DuckDB file, and leaves the file as it was", async () => {
  const parquet = join(dir, "trials.parquet");
  await writeTable(parquet, [{ subj: "subject-01", trial: 1 }], ["subj", "trial"], { trial: "integer" });
  for (const [name, content] of [...DATA_FILES, ["trials.parquet", await readFile(parquet, "latin1")]]) {
    const path = join(dir, name);
    await writeFile(path, content, "latin1");
    const started = startExperimentServer(options(path)).then(async (server) => {
      await server.close();
      return "started";
    });
    await assert.rejects(
      started,
      (error: Error) => {
        assert.ok(error instanceof InputError, String(error));
        assert.equal(
          error.message,
          `${path}: not a DuckDB file; expected a trial store written by trialwise experiment serve, or the name of a file to create`,
        );
        return true;
      },
      name,
    );
    assert.equal(await readFile(path, "latin1"), content, `${name} unchanged`);
  }
});

test("status and export on a file that is not a DuckDB file: the same clear error", async () => {
  const path = join(dir, "status.csv");
  await writeFile(path, DATA_FILES[0][1]);
  for (const argv of [["status"], ["export", "-o", join(dir, "out")]]) {
    const run = await cli("experiment", ...argv, "--store", path);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `trialwise: error: ${path}: not a DuckDB file; expected a trial store written by trialwise experiment serve, or the name of a file to create\n`,
    );
  }
});

test("a new store file is created as a DuckDB store, whatever its name", async () => {
  const server = await startExperimentServer(options(join(dir, "fresh.store")));
  await server.close();
  const status = await cli("experiment", "status", "--store", join(dir, "fresh.store"));
  assert.equal(status.code, 0, status.stderr);
});

test("export when participants started but none stored a trial says so, with or without --partial", async () => {
  const store = join(dir, "started.duckdb");
  const server = await startExperimentServer(options(store));
  try {
    const response = await fetch(`${server.url}/api/participants`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 201);
  } finally {
    await server.close();
  }
  for (const partial of [true, false]) {
    await assert.rejects(exportStore(store, join(dir, "none"), { partial }), (error: Error) => {
      assert.equal(error.message, `${store}: no participant has stored a trial yet (1 started); nothing to export`);
      return true;
    });
  }
});

test("export --partial notes a participant without stored trials as such, not as one --partial would export", async () => {
  const store = join(dir, "one-trial.duckdb");
  const server = await startExperimentServer(options(store));
  try {
    const start = async () =>
      (await (
        await fetch(`${server.url}/api/participants`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      ).json()) as { name: string; token: string; trials: string[] };
    const first = await start();
    await start();
    const body = {
      trial: 0,
      stimulus: first.trials[0],
      response: "cat",
      rt: 500,
      source: "mouse",
      stimulusMs: 200,
      maskMs: 200,
      frameMs: 16.67,
    };
    const stored = await fetch(`${server.url}/api/participants/${first.name}/trials`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${first.token}` },
      body: JSON.stringify(body),
    });
    assert.equal(stored.status, 201);
  } finally {
    await server.close();
  }
  const partial = await cli("experiment", "export", "--store", store, "-o", join(dir, "partial"), "--partial");
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(
    partial.stderr,
    /^trialwise experiment export: note: left out one-trial-subject-02 \(no trials stored\)\n.*1 participant file\(s\), 1 trials/s,
  );
  const complete = await cli("experiment", "export", "--store", store, "-o", join(dir, "complete"));
  assert.equal(complete.code, 1);
  assert.match(complete.stderr, /no participant has completed all 16 trials yet \(--partial exports incomplete ones\)/);
});

test("the dataset name, which names the exported files, must be a name: --name, the stimulus folder's name, a store's", async () => {
  const rule = "expected 1 to 100 characters: letters A-Z and a-z, digits 0-9, and . _ - + (not starting with .)";
  // --name: a usage error before anything starts (serving would stop at once, were it started).
  const program = new Command().exitOverride();
  addExperimentCommand(program, { stdout: () => undefined, stderr: () => undefined, isTTY: false }, () => Promise.resolve());
  const flagged = program.parseAsync(
    ["experiment", "serve", stimuli, "--store", join(dir, "named.duckdb"), "--port", "0", "--name", "../up"],
    { from: "user" },
  );
  await assert.rejects(flagged, (error: Error) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.message, `--name: "../up" cannot be part of a file name; ${rule}`);
    return true;
  });
  // The stimulus folder's name when no --name is given.
  const spaced = await stimulusFolder(join(dir, "my toys"), 1);
  const started = startExperimentServer({ ...options(join(dir, "spaced.duckdb")), stimuli: spaced }).then(async (server) => server.close());
  await assert.rejects(started, (error: Error) => {
    assert.ok(error instanceof InputError, String(error));
    assert.equal(
      error.message,
      `${spaced}: the dataset's name from the stimulus folder's name: "my toys" cannot be part of a file name; ${rule}; give --name`,
    );
    return true;
  });
  // A store written with such a name (by an earlier version) is refused by export.
  const store = join(dir, "old.duckdb");
  await (await TrialStore.open(store, { dataset: "../old", trialsPerParticipant: 1, design: {} })).close();
  await assert.rejects(exportStore(store, join(dir, "old-out")), (error: Error) => {
    assert.equal(error.message, `${store}: the store's dataset name: "../old" cannot be part of a file name; ${rule}`);
    return true;
  });
});

test("a store written before study ids, recruitment ids and attention checks still exports and reports", async () => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const store = join(dir, "before.duckdb");
  const instance = await DuckDBInstance.create(store);
  const connection = await instance.connect();
  // The first version's tables, as it created them.
  await connection.run(`
    CREATE TABLE experiment (settings VARCHAR NOT NULL);
    CREATE TABLE participants (number INTEGER PRIMARY KEY, name VARCHAR NOT NULL, seed BIGINT NOT NULL, conditions VARCHAR NOT NULL,
      token_sha256 VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL DEFAULT current_timestamp, finished_at TIMESTAMP, user_agent VARCHAR NOT NULL);
    CREATE TABLE trials (participant INTEGER NOT NULL, trial INTEGER NOT NULL, stimulus VARCHAR NOT NULL, imagename VARCHAR NOT NULL,
      category VARCHAR NOT NULL, condition VARCHAR NOT NULL, response VARCHAR NOT NULL, rt_ms DOUBLE, source VARCHAR,
      stimulus_ms DOUBLE NOT NULL, mask_ms DOUBLE NOT NULL, frame_ms DOUBLE NOT NULL, timing_ok BOOLEAN NOT NULL,
      received_at TIMESTAMP NOT NULL DEFAULT current_timestamp, PRIMARY KEY (participant, trial));
    CREATE TABLE rejections (rejected_at TIMESTAMP NOT NULL DEFAULT current_timestamp, participant INTEGER, reason VARCHAR NOT NULL, body VARCHAR NOT NULL);
    INSERT INTO experiment VALUES ('{"dataset":"old","trialsPerParticipant":1,"design":{}}');
    INSERT INTO participants (number, name, seed, conditions, token_sha256, user_agent) VALUES (1, 'subject-01', 5, '["NaN"]', 'x', 'ua');
    INSERT INTO trials (participant, trial, stimulus, imagename, category, condition, response, rt_ms, source, stimulus_ms, mask_ms, frame_ms, timing_ok)
      VALUES (1, 0, '0', 'cat1.png', 'cat', 'NaN', 'cat', 994.2, 'key', 200, 200, 16.7, true);
    CHECKPOINT;`);
  connection.closeSync();
  instance.closeSync();
  const out = join(dir, "before-out");
  const result = await exportStore(store, out);
  assert.equal(result.trials, 1);
  assert.equal(
    (await readFile(join(out, "old_subject-01_session_1.csv"), "utf8")).split("\n")[1],
    "subject-01,1,1,0.9942,cat,cat,NaN,cat1.png,key,200,200,16.7,1",
  );
  const summary = JSON.parse(await readFile(join(out, "old_participants.json"), "utf8")) as {
    study: string | null;
    participants: Record<string, unknown>[];
  };
  assert.equal(summary.study, null);
  assert.deepEqual(
    [summary.participants[0].prolific_pid, summary.participants[0].attention_ok, summary.participants[0].calibration],
    [null, null, null],
  );
  const status = await cli("experiment", "status", "--store", store);
  assert.equal(status.code, 0, status.stderr);
});
