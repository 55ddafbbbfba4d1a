// Export of a trial store: rt without float noise, participant names that never collide with a
// dataset they will be merged with (--distinct-from), and what `pairs` says about an export of
// one participant.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exportRow, exportStore } from "../../src/experiment/export.ts";
import { DEFAULT_PROTOCOL } from "../../src/experiment/protocol.ts";
import { type ExperimentServer, startExperimentServer } from "../../src/experiment/server.ts";
import type { ParticipantInfo, StoredTrial } from "../../src/experiment/store.ts";
import { ensureBundle, stimulusFolder } from "../fixtures/experiment/setup.ts";
import { cli, csvObjects, seededRandom } from "../helpers.ts";

let dir: string;
let stimuli: string;

before(async () => {
  ensureBundle();
  dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-export-"));
  stimuli = await stimulusFolder(join(dir, "toys"), 1);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const participant: ParticipantInfo = {
  number: 1,
  name: "pilot-subject-01",
  seed: 1,
  conditions: ["NaN"],
  startedAt: "",
  finishedAt: null,
  userAgent: "",
  storedTrials: 1,
  flaggedTrials: 0,
  external: null,
  calibration: null,
};
const stored = (rtMs: number | null): StoredTrial => ({
  participant: 1,
  trial: 0,
  stimulus: "0",
  imagename: "cat1.png",
  category: "cat",
  condition: "NaN",
  response: rtMs === null ? "na" : "cat",
  rtMs,
  source: rtMs === null ? null : "key",
  stimulusMs: 200.1,
  maskMs: 199.9,
  frameMs: 16.7,
  timingOk: true,
  catchTrial: false,
});

test("exported rt is seconds rounded to whole microseconds, printed without float noise", () => {
  // 994.2 ms was exported as 0.9942000000000001.
  assert.equal(String(exportRow(participant, stored(994.2)).rt), "0.9942");
  assert.equal(String(exportRow(participant, stored(640.5000000001)).rt), "0.6405");
  assert.equal(String(exportRow(participant, stored(1234.5678)).rt), "1.234568");
  assert.equal(exportRow(participant, stored(null)).rt, "NaN");
  const random = seededRandom(7);
  for (let i = 0; i < 20_000; i++) {
    const ms = random() * 1600;
    const text = String(exportRow(participant, stored(ms)).rt);
    assert.match(text, /^\d\.\d{1,6}$|^\d$/, `${ms} ms gave ${text}`);
    assert.ok(Math.abs(Number(text) * 1000 - ms) <= 0.0005 + 1e-9, `${ms} ms gave ${text}`);
  }
});

async function oneParticipant(store: string, study?: string): Promise<ExperimentServer> {
  const server = await startExperimentServer({
    stimuli,
    store,
    study,
    protocol: { ...DEFAULT_PROTOCOL, practiceTrials: 0 },
    seed: 1,
    trialsPerParticipant: 4,
    port: 0,
  });
  const started = (await (
    await fetch(`${server.url}/api/participants`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
  ).json()) as {
    name: string;
    token: string;
    trials: string[];
  };
  for (let i = 0; i < 4; i++) {
    const body = {
      trial: i,
      stimulus: started.trials[i],
      response: "cat",
      rt: 400.1 + i,
      source: "key",
      stimulusMs: 200,
      maskMs: 200,
      frameMs: 16.7,
    };
    const response = await fetch(`${server.url}/api/participants/${started.name}/trials`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${started.token}` },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201);
  }
  return server;
}

test("names carry the study id; export refuses names that are observers of a given dataset, and writes nothing", async () => {
  const store = join(dir, "edges.duckdb");
  await (await oneParticipant(store)).close();
  // A published-style folder whose subject-01 would have merged with ours under the old names.
  const published = join(dir, "published");
  await mkdir(published);
  await writeFile(
    join(published, "edges_subject-01_session_1.csv"),
    "subj,session,trial,rt,object_response,category,condition,imagename\nsubject-01,1,1,0.5,cat,cat,NaN,cat1.png\n",
  );
  const ok = await cli("experiment", "export", "--store", store, "-o", join(dir, "ok"), "--distinct-from", published);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(await readdir(join(dir, "ok")), ["toys_edges-subject-01_session_1.csv", "toys_participants.json"]);
  const rows = csvObjects(await readFile(join(dir, "ok", "toys_edges-subject-01_session_1.csv"), "utf8"));
  assert.deepEqual(
    rows.map((r) => [r.subj, r.rt]),
    [
      ["edges-subject-01", "0.4001"],
      ["edges-subject-01", "0.4011"],
      ["edges-subject-01", "0.4021"],
      ["edges-subject-01", "0.4031"],
    ],
  );
  // A dataset that has our name already (another study served with the same study id).
  const clash = join(dir, "clash");
  await mkdir(clash);
  await writeFile(
    join(clash, "other_edges-subject-01_session_1.csv"),
    "subj,session,trial,rt,object_response,category,condition,imagename\nedges-subject-01,1,1,0.5,cat,cat,NaN,cat1.png\n",
  );
  const refused = await cli("experiment", "export", "--store", store, "-o", join(dir, "refused"), "--distinct-from", clash);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    `trialwise: error: ${clash}: 1 participant name(s) of the store are already observers here: "edges-subject-01" (${join(clash, "other_edges-subject-01_session_1.csv")}); ` +
      "expected names that differ (participants are named <study>-subject-NN; serve a new store with another --study)\n",
  );
  assert.equal(existsSync(join(dir, "refused")), false, "nothing written");
  // The export's own earlier file in that folder is no collision.
  const again = await cli("experiment", "export", "--store", store, "-o", join(dir, "ok"), "--distinct-from", join(dir, "ok"));
  assert.equal(again.code, 0, again.stderr);
  const missing = await exportStore(store, join(dir, "x"), { distinctFrom: join(dir, "nowhere") }).catch((error: Error) => error);
  assert.match(String(missing), /nowhere: no such file or folder/);
});

test("--study sets the prefix and must be a study id", async () => {
  const server = await oneParticipant(join(dir, "named.duckdb"), "lab.2026");
  await server.close();
  const result = await exportStore(join(dir, "named.duckdb"), join(dir, "named"));
  assert.deepEqual(
    result.files.map((f) => f.slice(f.lastIndexOf("/") + 1)),
    ["toys_lab.2026-subject-01_session_1.csv"],
  );
  const bad = await cli("experiment", "serve", stimuli, "--store", join(dir, "bad.duckdb"), "--study", "a_b", "--port", "0");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^trialwise: --study: "a_b" is not a study id; expected 1 to 40 characters/);
});

test("pairs on an export of one participant says why there are no pairs", async () => {
  const store = join(dir, "single.duckdb");
  await (await oneParticipant(store)).close();
  const out = join(dir, "single");
  await exportStore(store, out);
  const pairs = await cli("pairs", out);
  assert.equal(pairs.code, 0, pairs.stderr);
  assert.equal(pairs.stdout.trim().split("\n").length, 1, "a header only");
  assert.match(pairs.stderr, /no pairs in dataset "single": it has one observer \("single-subject-01"\)/);
});
