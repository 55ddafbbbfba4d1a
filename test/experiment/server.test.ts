// The experiment server's API (participants, tokens, validation of every submitted trial,
// resuming), its DuckDB store and the export to the model-vs-human schema, over HTTP; export and
// status while the server runs, through its admin listener.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Command } from "commander";
import { addExperimentCommand } from "../../src/cli/experiment.ts";
import { InputError } from "../../src/core/errors.ts";
import { type Sidecar, adminApp, sidecarPath } from "../../src/experiment/admin.ts";
import { CATEGORIES_16 } from "../../src/experiment/design.ts";
import { exportStore } from "../../src/experiment/export.ts";
import { DEFAULT_PROTOCOL } from "../../src/experiment/protocol.ts";
import { type ExperimentServer, type ExperimentServerOptions, startExperimentServer } from "../../src/experiment/server.ts";
import { TrialStore } from "../../src/experiment/store.ts";
import { ensureBundle, manifest, stimulusFolder } from "../fixtures/experiment/setup.ts";
import { REPO, cli, csvObjects } from "../helpers.ts";
import type { ParticipantState, Session } from "../../src/web/experiment/api.ts";

let dir: string;
let stimuli: string;

before(async () => {
  ensureBundle();
  dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-"));
  stimuli = await stimulusFolder(join(dir, "toys"), 2);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the server answers to a participant's start: the page's own types. */
type Started = Session & ParticipantState;

function client(server: ExperimentServer) {
  const call = async (method: string, path: string, token?: string, body?: unknown, raw?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: response.status, json: (await response.json().catch(() => null)) as Record<string, unknown> };
  };
  return {
    call,
    start: async () => (await call("POST", "/api/participants", undefined, {})).json as unknown as Started,
    submit: (p: Started, body: Record<string, unknown>, token = p.token) => call("POST", `/api/participants/${p.name}/trials`, token, body),
  };
}

/** A valid trial `index` of participant `p` with the given response. */
function trialBody(p: Started, index: number, response: string, changes: Record<string, unknown> = {}) {
  return {
    trial: index,
    stimulus: p.trials[index],
    response,
    rt: response === "na" ? null : 500 + index,
    source: response === "na" ? null : "mouse",
    stimulusMs: 200.2,
    maskMs: 199.9,
    frameMs: 16.67,
    ...changes,
  };
}

/**
 * The CLI in another process, asynchronously: the in-process server holds the store against other
 * processes only, and must keep answering while the command runs.
 */
function cliProcess(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", join(REPO, "src/cli/bin.ts"), ...argv], { encoding: "utf8" }, (error, stdout, stderr) =>
      done({ status: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

const LOCKED = /api\.duckdb: the store is in use by another process \(a running `trialwise experiment serve`\?\); stop it first/;

async function serve(store: string, options: Partial<ExperimentServerOptions> = {}, log: string[] = []): Promise<ExperimentServer> {
  return startExperimentServer({
    stimuli,
    store,
    protocol: { ...DEFAULT_PROTOCOL, practiceTrials: 4 },
    seed: 3,
    trialsPerParticipant: 8,
    port: 0,
    log: (l) => log.push(l),
    ...options,
  });
}

test("participants get ids and tokens; every invalid trial is rejected with a logged reason; a participant cannot write another's data", async () => {
  const store = join(dir, "api.duckdb");
  const log: string[] = [];
  const server = await serve(store, {}, log);
  const api = client(server);
  let a: Started;
  let b: Started;
  let categoryOf: Map<string, string>;
  let liveExport: Awaited<ReturnType<typeof cliProcess>>;
  let liveStatus: Awaited<ReturnType<typeof cliProcess>>;
  let sidecar: string;
  try {
    a = await api.start();
    b = await api.start();
    assert.equal(a.name, "api-subject-01");
    assert.equal(b.name, "api-subject-02");
    assert.match(a.token, /^[0-9a-f]{32}$/);
    assert.notEqual(a.token, b.token);
    assert.equal(a.trials.length, 8);
    assert.deepEqual([...a.trials].sort(), [...b.trials].sort(), "the same stimuli");
    assert.notDeepEqual(a.trials, b.trials, "in own orders");
    assert.equal(a.practice.length, 4);
    assert.ok(
      a.practice.every((p) => !a.trials.includes(p.stimulus)),
      "practice images are not main images",
    );
    categoryOf = new Map([...server.plan.stimuliByCondition.get("NaN")!].map((s) => [s.id, s.category]));

    // The stimulus is served by id, byte for byte; paths are never taken from the request.
    const first = server.plan.stimuliByCondition.get("NaN")![0];
    const image = await fetch(`${server.url}/stimuli/${first.id}`);
    assert.equal(image.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), await readFile(join(stimuli, first.category, first.name)));
    for (const path of ["/stimuli/..%2F..%2F..%2Fetc%2Fpasswd", "/stimuli/9999", "/stimuli/airplane1.png", "/app/../../package.json"]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
    }

    assert.equal((await api.submit(a, trialBody(a, 0, categoryOf.get(a.trials[0])!))).status, 201);
    const rejected: [number, Promise<{ status: number; json: Record<string, unknown> }>, RegExp][] = [
      [401, api.submit(a, trialBody(a, 1, "cat"), b.token), /missing or wrong participant token/],
      [401, api.submit(a, trialBody(a, 1, "cat"), ""), /missing or wrong participant token/],
      [404, api.submit({ ...a, name: "api-subject-09" }, trialBody(a, 1, "cat")), /unknown participant "api-subject-09"/],
      [409, api.submit(a, trialBody(a, 0, "cat")), /trial 0 is already stored/],
      [409, api.submit(a, trialBody(a, 2, "cat")), /ahead of the next trial 1/],
      [400, api.submit(a, trialBody(a, 1, "cat", { stimulus: a.trials[2] })), /stimulus: trial 1 shows stimulus/],
      [400, api.submit(a, trialBody(a, 1, "zebra")), /response: "zebra" is not a category/],
      [400, api.submit(a, trialBody(a, 1, "cat", { rt: 99999 })), /rt: 99999 is not a plausible response time/],
      [400, api.submit(a, trialBody(a, 1, "cat", { maskMs: null })), /maskMs: null is not a measured duration/],
      [400, api.call("POST", `/api/participants/${a.name}/trials`, a.token, undefined, "{not json"), /JSON/],
    ];
    for (const [status, pending, reason] of rejected) {
      const response = await pending;
      assert.equal(response.status, status, String(reason));
      assert.match(String(response.json.error), reason);
    }
    // Nothing of the above reached the trials: b's token did not write into a's data.
    assert.equal(await server.store.storedCount(1), 1);
    assert.equal(await server.store.storedCount(2), 0);
    const stored = await server.store.rejections();
    assert.equal(stored.length, rejected.length);
    // The submissions above ran concurrently, so the rejections are stored in any order.
    assert.deepEqual(
      stored.filter((r) => /wrong participant token/.test(r.reason)).map((r) => r.participant),
      [1, 1],
    );
    assert.deepEqual(
      stored.filter((r) => /unknown participant/.test(r.reason)).map((r) => r.participant),
      [null],
    );
    assert.ok(
      log.some((l) => /^rejected trial 1 from api-subject-01: response: "zebra" is not a category/.test(l)),
      log.join("\n"),
    );
    assert.ok(log.includes("api-subject-01 started (conditions NaN; seed " + a.seed + ")"));

    // Finishing early is refused; the rest of a's trials, one without an answer and one late frame.
    assert.equal((await api.call("POST", `/api/participants/${a.name}/finish`, a.token, {})).status, 409);
    for (let i = 1; i < 8; i++) {
      const body =
        i === 3
          ? trialBody(a, i, "na")
          : trialBody(a, i, i % 2 === 0 ? categoryOf.get(a.trials[i])! : "knife", i === 5 ? { stimulusMs: 216.8 } : {});
      const response = await api.submit(a, body);
      assert.equal(response.status, 201, JSON.stringify(response.json));
      assert.equal(response.json.timingOk, i !== 5);
    }
    assert.ok(
      log.some((l) => l === "api-subject-01 trial 6: timing outside tolerance (stimulus 216.8 ms, mask 199.9 ms)"),
      log.join("\n"),
    );
    assert.deepEqual((await api.call("POST", `/api/participants/${a.name}/finish`, a.token, {})).json, {
      finished: true,
      name: "api-subject-01",
      redirect: null,
    });
    // b answers three trials and leaves: resuming gives the same design and the next trial.
    for (let i = 0; i < 3; i++) assert.equal((await api.submit(b, trialBody(b, i, categoryOf.get(b.trials[i])!))).status, 201);
    const resumed = (await api.call("GET", `/api/participants/${b.name}`, b.token)).json as unknown as Started;
    assert.equal(resumed.next, 3);
    assert.deepEqual(resumed.trials, b.trials);
    assert.equal(resumed.finished, false);
    assert.equal((await api.call("GET", `/api/participants/${b.name}`, a.token)).status, 401);

    // The running server holds the store: export and status in another process read through it
    // (compared below with what they give once it stopped).
    [liveExport, liveStatus] = await Promise.all([
      cliProcess("experiment", "export", "--store", store, "-o", join(dir, "live")),
      cliProcess("experiment", "status", "--store", store),
    ]);
    assert.equal(liveExport.status, 0, liveExport.stderr);
    assert.match(
      liveExport.stderr,
      /^trialwise experiment export: the store is held by a running server \(pid \d+\); read through it\n.*1 participant file\(s\), 8 trials/s,
    );
    assert.equal(liveStatus.status, 0, liveStatus.stderr);
    assert.match(liveStatus.stderr, /^trialwise experiment status: the store is held by a running server \(pid \d+\); read through it\n/);
    // A sidecar answered by another server (here: another instance id) is not believed.
    sidecar = await readFile(sidecarPath(store), "utf8");
    await writeFile(sidecarPath(store), JSON.stringify({ ...(JSON.parse(sidecar) as Sidecar), instance: "0".repeat(32) }));
    const stale = await cliProcess("experiment", "export", "--store", store, "-o", join(dir, "stale"));
    assert.equal(stale.status, 1, stale.stderr);
    assert.match(stale.stderr, LOCKED);
  } finally {
    await server.close();
  }
  assert.equal(existsSync(sidecarPath(store)), false, "the sidecar is removed when the server stops");

  // Export: only the complete participant, in the schema, and trialwise pairs reads it.
  const out = join(dir, "export");
  const result = await exportStore(store, out);
  assert.deepEqual(
    result.incomplete.map((p) => p.name),
    ["api-subject-02"],
  );
  assert.equal(result.flagged, 1);
  assert.deepEqual((await readdir(out)).sort(), ["toys_api-subject-01_session_1.csv", "toys_participants.json"]);
  // The export written through the running server is byte for byte the offline one.
  assert.deepEqual((await readdir(join(dir, "live"))).sort(), (await readdir(out)).sort());
  for (const file of await readdir(out)) assert.deepEqual(await readFile(join(dir, "live", file)), await readFile(join(out, file)), file);
  // A sidecar left behind (a killed server) while the store is free: the offline path, the same rows.
  await writeFile(sidecarPath(store), sidecar!);
  const offlineStatus = await cli("experiment", "status", "--store", store);
  assert.equal(offlineStatus.code, 0, offlineStatus.stderr);
  assert.equal(offlineStatus.stdout, liveStatus!.stdout);
  assert.equal(offlineStatus.stderr, "trialwise experiment status: 12 rejected submission(s) (--rejections lists them)\n");
  await rm(sidecarPath(store));
  const text = await readFile(join(out, "toys_api-subject-01_session_1.csv"), "utf8");
  assert.equal(
    text.split("\n")[0],
    "subj,session,trial,rt,object_response,category,condition,imagename,response_source,stimulus_ms,mask_ms,frame_ms,timing_ok",
  );
  const rows = csvObjects(text);
  assert.equal(rows.length, 8);
  assert.deepEqual(
    rows.map((r) => r.trial),
    ["1", "2", "3", "4", "5", "6", "7", "8"],
  );
  assert.deepEqual(rows[0], {
    subj: "api-subject-01",
    session: "1",
    trial: "1",
    rt: "0.5",
    object_response: categoryOf!.get(a!.trials[0])!,
    category: categoryOf!.get(a!.trials[0])!,
    condition: "NaN",
    imagename: server.plan.stimuliByCondition.get("NaN")!.find((s) => s.id === a!.trials[0])!.name,
    response_source: "mouse",
    stimulus_ms: "200.2",
    mask_ms: "199.9",
    frame_ms: "16.67",
    timing_ok: "1",
  });
  assert.deepEqual([rows[3].rt, rows[3].object_response, rows[3].response_source], ["NaN", "na", "NaN"]);
  assert.equal(rows[2].rt, "0.502");
  assert.equal(rows[5].timing_ok, "0");
  const partial = await exportStore(store, join(dir, "partial"), { partial: true });
  assert.equal(partial.files.length, 2);
  const pairs = await cli("pairs", join(dir, "partial"), "--intersect");
  assert.equal(pairs.code, 0, pairs.stderr);
  const pair = csvObjects(pairs.stdout)[0];
  assert.equal(pair.observer1, "api-subject-01");
  assert.equal(pair.observer2, "api-subject-02");
  assert.equal(pair.n_trials, "3", "the three stimuli both saw");
  const info = JSON.parse(await readFile(join(out, "toys_participants.json"), "utf8"));
  assert.deepEqual(
    info.participants.map((p: { subj: string; trials_stored: number; exported: boolean; seed: number }) => [
      p.subj,
      p.trials_stored,
      p.exported,
      p.seed,
    ]),
    [
      ["api-subject-01", 8, true, a!.seed],
      ["api-subject-02", 3, false, b!.seed],
    ],
  );

  // The store resumes numbering with the same settings and refuses other settings.
  const again = await serve(store);
  try {
    assert.equal((await client(again).start()).name, "api-subject-03");
  } finally {
    await again.close();
  }
  await assert.rejects(serve(store, { trialsPerParticipant: 16 }), (error: Error) => {
    assert.ok(error instanceof InputError);
    assert.match(
      error.message,
      /api\.duckdb: this store holds an experiment with other settings \(trialsPerParticipant: stored 8, now 16\)/,
    );
    return true;
  });
  const status = await cli("experiment", "status", "--store", store);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(
    csvObjects(status.stdout).map((r) => [r.subj, r.trials, r.of, r.flagged]),
    [
      ["api-subject-01", "8", "8", "1"],
      ["api-subject-02", "3", "8", "0"],
      ["api-subject-03", "0", "8", "0"],
    ],
  );
  // The ten above, the early finish and the resume with the wrong token.
  assert.match(status.stderr, /12 rejected submission\(s\)/);
  const listed = await cli("experiment", "status", "--store", store, "--rejections", "--format", "json");
  assert.equal(listed.code, 0, listed.stderr);
  const reasons = (JSON.parse(listed.stdout) as { rows: { subj: string | null; reason: string }[] }).rows;
  assert.equal(reasons.length, 12);
  assert.ok(reasons.some((r) => r.subj === "api-subject-01" && /response: "zebra" is not a category/.test(r.reason)));
});

test("conditions are counterbalanced across participants over HTTP; every participant of a condition sees its stimuli", async () => {
  const server = await serve(join(dir, "conditions.duckdb"), {
    stimuli: await manifest(stimuli, 2, ["c1", "c2", "c3"]),
    conditionsPerParticipant: 1,
    trialsPerParticipant: 8,
  });
  try {
    const api = client(server);
    const people = [];
    for (let i = 0; i < 6; i++) people.push(await api.start());
    // Three conditions (odd): a cycle of six Latin-square rows; the first condition of rows 0..5.
    assert.deepEqual(
      people.map((p) => p.conditions),
      [["c1"], ["c2"], ["c3"], ["c3"], ["c1"], ["c2"]],
    );
    const conditionOf = new Map([...server.plan.stimuliByCondition].flatMap(([c, list]) => list.map((s) => [s.id, c] as const)));
    for (const p of people) assert.ok(p.trials.every((id) => conditionOf.get(id) === p.conditions[0]));
    const same = people.filter((p) => p.conditions[0] === "c2").map((p) => [...p.trials].sort().join());
    assert.equal(same.length, 2);
    assert.equal(same[0], same[1]);
  } finally {
    await server.close();
  }
});

test("experiment commands report bad input with file, field and what was expected", async () => {
  const protocol = join(dir, "protocol.json");
  await writeFile(protocol, JSON.stringify({ stimulusMs: 100, maskMS: 100 }));
  const bad = await cli("experiment", "serve", stimuli, "--store", join(dir, "x.duckdb"), "--protocol", protocol, "--port", "0");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /protocol\.json: column "maskMS": unknown protocol field; expected one of fixationMs, stimulusMs/);
  const flag = await cli("experiment", "serve", stimuli, "--stimulus-ms", "fast", "--store", join(dir, "x.duckdb"), "--port", "0");
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--stimulus-ms: expected a number, not "fast"/);
  const negative = await cli("experiment", "serve", stimuli, "--mask-ms", "-5", "--store", join(dir, "x.duckdb"), "--port", "0");
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /--mask-ms: -5 is not a duration/);
  const many = await cli("experiment", "serve", stimuli, "--trials-per-subject", "40", "--store", join(dir, "y.duckdb"), "--port", "0");
  assert.equal(many.code, 1);
  assert.match(many.stderr, /40 trials per participant need 40 stimuli per condition, but a condition has only 32/);
  const missing = await cli("experiment", "export", "--store", join(dir, "none.duckdb"), "-o", join(dir, "out"));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /none\.duckdb: /);
  const icons = await cli(
    "experiment",
    "serve",
    stimuli,
    "--icons",
    join(dir, "no-icons"),
    "--store",
    join(dir, "x.duckdb"),
    "--port",
    "0",
  );
  assert.equal(icons.code, 1);
  assert.match(icons.stderr, /no-icons: no icon for airplane, bear/);
});

test("a store can be read while no server holds it, and an empty one exports nothing with a clear message", async () => {
  const store = join(dir, "empty.duckdb");
  await (await serve(store)).close();
  const reader = await TrialStore.read(store);
  assert.equal(reader.settings.dataset, "toys");
  assert.equal(reader.settings.trialsPerParticipant, 8);
  await reader.close();
  await assert.rejects(exportStore(store, join(dir, "empty-out")), /empty\.duckdb: no participants yet; nothing to export/);
});

test("the admin listener answers export and status only with its token, only from this machine, never on the participants' address", async () => {
  const store = join(dir, "admin.duckdb");
  const log: string[] = [];
  const server = await serve(store, {}, log);
  try {
    const path = sidecarPath(store);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const sidecar = JSON.parse(await readFile(path, "utf8")) as Sidecar;
    assert.equal(new URL(sidecar.url).hostname, "127.0.0.1");
    assert.equal(sidecar.pid, process.pid);
    await client(server).start();
    const admin = (token?: string, base = sidecar.url) =>
      fetch(`${base}/admin/status`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    assert.equal((await admin()).status, 401);
    assert.equal((await admin("0".repeat(64))).status, 401);
    assert.equal((await admin("short")).status, 401);
    assert.equal((await admin(sidecar.token, server.url)).status, 404, "no admin routes for participants");
    const answer = (await (await admin(sidecar.token)).json()) as {
      instance: string;
      data: { settings: { dataset: string }; participants: Record<string, unknown>[] };
    };
    assert.equal(answer.instance, sidecar.instance);
    assert.equal(answer.data.settings.dataset, "toys");
    assert.deepEqual(
      answer.data.participants.map((p) => p.name),
      ["admin-subject-01"],
    );
    assert.ok(!("tokenHash" in answer.data.participants[0]), "participants' token hashes stay on the server");
    assert.ok(
      log.some((l) => l === "refused admin request GET /admin/status: missing or wrong admin token"),
      log.join("\n"),
    );
    // The address check, with the request's source address set (the listener itself is bound to 127.0.0.1).
    const app = adminApp(server.store, sidecar.token, sidecar.instance, () => undefined);
    try {
      const request = (remoteAddress: string) =>
        app.inject({ method: "GET", url: "/admin/export", remoteAddress, headers: { authorization: `Bearer ${sidecar.token}` } });
      assert.equal((await request("192.0.2.7")).statusCode, 403);
      assert.equal((await request("::1")).statusCode, 200);
    } finally {
      await app.close();
    }
    const page = await (await fetch(`${server.url}/`)).text();
    const settings = await (await fetch(`${server.url}/api/experiment`)).text();
    assert.ok(![page, settings, ...log].some((text) => text.includes(sidecar.token)), "the admin token reaches no browser and no log");
  } finally {
    await server.close();
  }
  assert.equal(existsSync(sidecarPath(store)), false);
});

test("with --icons the grid's icons are served by category, and only those", async () => {
  const icons = join(dir, "icons");
  await stimulusFolder(join(dir, "icon-source"), 1);
  await mkdir(icons, { recursive: true });
  for (const category of CATEGORIES_16)
    await copyFile(join(dir, "icon-source", category, `${category}1.png`), join(icons, `${category}.png`));
  const server = await serve(join(dir, "icons.duckdb"), { icons, protocol: { ...DEFAULT_PROTOCOL, responseLayout: "icons" } });
  try {
    const info = (await (await fetch(`${server.url}/api/experiment`)).json()) as { protocol: { responseLayout: string } };
    assert.equal(info.protocol.responseLayout, "icons");
    const icon = await fetch(`${server.url}/icons/cat`);
    assert.equal(icon.status, 200);
    assert.deepEqual(Buffer.from(await icon.arrayBuffer()), await readFile(join(icons, "cat.png")));
    assert.equal((await fetch(`${server.url}/icons/zebra`)).status, 404);
    assert.equal((await fetch(`${server.url}/icons/..%2Fcat.png`)).status, 404);
  } finally {
    await server.close();
  }
});

test("experiment serve wires its flags: protocol file, then flags on top; serves until stopped", async () => {
  const protocol = join(dir, "served-protocol.json");
  await writeFile(protocol, JSON.stringify({ stimulusMs: 100, maskMs: 150, breakEvery: 4 }));
  let stdout = "";
  let stderr = "";
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const program = new Command().exitOverride();
  addExperimentCommand(program, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false }, () => stopped);
  const store = join(dir, "served.duckdb");
  const running = program.parseAsync(
    [
      "experiment",
      "serve",
      stimuli,
      "--store",
      store,
      "--port",
      "0",
      "--protocol",
      protocol,
      "--mask-ms",
      "120",
      "--no-fullscreen",
      "--trials-per-subject",
      "16",
      "--name",
      "pilot",
      "--seed",
      "9",
      "--study",
      "pilot2026",
    ],
    { from: "user" },
  );
  const url = await waitFor(() => /open (http:\/\/\S+)\//.exec(stderr)?.[1]);
  const { token } = JSON.parse(await readFile(sidecarPath(store), "utf8")) as Sidecar;
  const info = (await (await fetch(`${url}/api/experiment`)).json()) as {
    dataset: string;
    trialsPerParticipant: number;
    protocol: Record<string, unknown>;
  };
  assert.equal(info.dataset, "pilot");
  assert.equal(info.trialsPerParticipant, 16);
  assert.deepEqual(
    [info.protocol.stimulusMs, info.protocol.maskMs, info.protocol.breakEvery, info.protocol.fullscreen, info.protocol.fixationMs],
    [100, 120, 4, false, 300],
  );
  assert.match(
    stderr,
    /pilot: 16 trials per participant \(1 of 1 condition\(s\), 16 stimuli each\), 10 practice trials; participants pilot2026-subject-01, \.\.\.; store /,
  );
  stop();
  await running;
  assert.match(stderr, /stopped\n$/);
  assert.equal(stdout, "");
  assert.ok(!stderr.includes(token), "the admin token is never printed");
  // Stopped means the store is free again.
  const reader = await TrialStore.read(store);
  assert.equal(reader.settings.dataset, "pilot");
  await reader.close();
});

async function waitFor<T>(value: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = value();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("serve decodes every stimulus before it listens: images that do not decode, or that browsers do not display, are named", async () => {
  const broken = await stimulusFolder(join(dir, "broken"), 2);
  const png = await readFile(join(broken, "cat", "cat1.png"));
  await writeFile(join(broken, "cat", "cat1.png"), png.subarray(0, png.length - 20));
  await writeFile(join(broken, "dog", "dog2.png"), "not a picture");
  const sharp = (await import("sharp")).default;
  await sharp(png)
    .tiff()
    .toFile(join(broken, "bear", "bear3.tif"));
  const started = serve(join(dir, "broken.duckdb"), { stimuli: broken }).then(async (server) => server.close());
  await assert.rejects(started, (error: Error) => {
    assert.ok(error instanceof InputError, String(error));
    const path = (...parts: string[]) => join(broken, ...parts).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    assert.match(
      error.message,
      new RegExp(
        `^${path()}: 3 of 33 stimulus images cannot be shown in a browser: ` +
          `${path("bear", "bear3.tif")} \\(TIFF, which browsers do not display\\), ` +
          `${path("cat", "cat1.png")} \\(does not decode: [^)]+\\), ${path("dog", "dog2.png")} \\(does not decode: [^)]+\\); ` +
          "expected PNG, JPEG or WebP images that decode$",
      ),
    );
    return true;
  });
  assert.equal(existsSync(join(dir, "broken.duckdb")), false, "no store created");
});
