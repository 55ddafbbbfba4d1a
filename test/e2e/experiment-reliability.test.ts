// The experiment server under load and failure, as a child process on 127.0.0.1: 100 simulated
// participants at once (every trial stored exactly once; p99 submission latency printed), the
// server killed with SIGKILL mid-study and restarted on the same store (every acknowledged trial
// kept, participants resume), and forged, replayed, out-of-order and oversized submissions
// (rejected with the reason, logged, nothing stored). Every wait is bounded.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { TrialStore } from "../../src/experiment/store.ts";
import { ensureBundle, stimulusFolder } from "../fixtures/experiment/setup.ts";
import {
  type Participant,
  defaultAnswer,
  post,
  quantile,
  resume,
  runTrials,
  startParticipant,
  startServerProcess,
  trialBody,
} from "../fixtures/experiment/simulate.ts";
import { cli, csvObjects } from "../helpers.ts";

let dir: string;
let stimuli: string;

before(async () => {
  ensureBundle();
  dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-reliability-"));
  stimuli = await stimulusFolder(join(dir, "toys"), 1);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Loopback load: limits far above what 100 participants from one address send. */
const OPEN_LIMITS = ["--max-starts-per-hour", "100000", "--max-submissions-per-minute", "1000000"];

/** Every participant's stored trials are exactly its design's indexes 0..n-1, once each, with the answers sent. */
async function checkStored(store: string, participants: readonly Participant[]): Promise<number> {
  const reader = await TrialStore.read(store);
  try {
    const trials = await reader.trials();
    for (const p of participants) {
      const number = Number(p.name.slice(p.name.lastIndexOf("-") + 1));
      const own = trials.filter((t) => t.participant === number);
      assert.deepEqual(
        own.map((t) => t.trial),
        p.trials.map((_, i) => i),
        `${p.name}: each trial once, in order`,
      );
      for (const t of own) {
        const sent = trialBody(p, t.trial);
        assert.equal(t.stimulus, sent.stimulus);
        assert.equal(t.response, sent.response);
        assert.equal(t.rtMs, sent.rt);
      }
    }
    return trials.length;
  } finally {
    await reader.close();
  }
}

test(
  "100 participants at once over HTTP: every trial stored exactly once, resent trials refused; p99 submission latency",
  { timeout: 180_000 },
  async (t) => {
    const store = join(dir, "load.duckdb");
    const server = await startServerProcess([stimuli, "--store", store, "--practice", "0", ...OPEN_LIMITS]);
    const latencies: number[] = [];
    let participants: Participant[];
    const started = performance.now();
    try {
      participants = await Promise.all(Array.from({ length: 100 }, () => startParticipant(server.url)));
      assert.equal(new Set(participants.map((p) => p.name)).size, 100);
      // Every tenth participant resends each trial after its acknowledgement (a retrying page).
      await Promise.all(participants.map((p, i) => runTrials(server.url, p, { latencies, resend: i % 10 === 0 })));
      const finished = await Promise.all(participants.map((p) => post(server.url, `/api/participants/${p.name}/finish`, {}, p.token)));
      assert.ok(finished.every((f) => f.status === 200));
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(latencies.length, 1600);
    assert.equal(await checkStored(store, participants!), 1600, "100 x 16 trials, none twice");
    const [p50, p99, max] = [quantile(latencies, 0.5), quantile(latencies, 0.99), Math.max(...latencies)];
    t.diagnostic(
      `100 participants x 16 trials (10 resending each trial): ${seconds.toFixed(1)} s; submission latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    const status = await cli("experiment", "status", "--store", store);
    assert.equal(csvObjects(status.stdout).filter((r) => r.trials === "16" && r.finished !== "").length, 100);
    assert.match(status.stderr, /160 rejected submission\(s\)/, "each resent trial refused and recorded");
  },
);

test(
  "killed with SIGKILL mid-study and restarted on the same store: every acknowledged trial is there, participants resume",
  { timeout: 180_000 },
  async () => {
    const store = join(dir, "killed.duckdb");
    const args = [stimuli, "--store", store, "--practice", "0", ...OPEN_LIMITS];
    let server = await startServerProcess(args);
    const acknowledged = new Set<string>();
    const participants = await Promise.all(Array.from({ length: 10 }, () => startParticipant(server.url)));
    // Participants answer until the server dies under them; the kill comes once 60 trials are acknowledged.
    const running = participants.map((p) => runTrials(server.url, p, { acknowledged }).catch((error: Error) => error));
    const deadline = Date.now() + 60_000;
    while (acknowledged.size < 60 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    await server.kill();
    const outcomes = await Promise.all(running);
    assert.ok(acknowledged.size >= 60 && acknowledged.size < 160, `${acknowledged.size} acknowledged before the kill`);
    assert.ok(
      outcomes.some((o) => o instanceof Error),
      "participants were cut off mid-study",
    );

    server = await startServerProcess(args);
    try {
      for (const p of participants) {
        const next = await resume(server.url, p);
        const acked = p.trials.filter((_, i) => acknowledged.has(`${p.name}#${i}`)).length;
        // Acknowledged trials are stored; at most the one in flight at the kill is stored unacknowledged.
        assert.ok(next === acked || next === acked + 1, `${p.name}: server resumes at ${next}, ${acked} acknowledged`);
        p.next = next;
      }
      await Promise.all(participants.map((p) => runTrials(server.url, p, { acknowledged })));
      for (const p of participants) assert.equal((await post(server.url, `/api/participants/${p.name}/finish`, {}, p.token)).status, 200);
      assert.equal((await startParticipant(server.url)).name, "killed-subject-11", "numbering goes on after the restart");
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
    }
    assert.equal(await checkStored(store, participants), 160);
  },
);

test(
  "forged, replayed, out-of-order and oversized submissions: rejected with the reason, logged, recorded, nothing stored",
  { timeout: 120_000 },
  async () => {
    const store = join(dir, "attacks.duckdb");
    const server = await startServerProcess([stimuli, "--store", store, "--practice", "0", ...OPEN_LIMITS]);
    const [a, b] = [await startParticipant(server.url), await startParticipant(server.url)];
    const attempts: [string, number, RegExp, Promise<{ status: number; json: Record<string, unknown> }>][] = [];
    try {
      await runTrials(server.url, a, { until: 2 });
      const submit = (what: string, status: number, reason: RegExp, path: string, body: unknown, token?: string) =>
        attempts.push([what, status, reason, post(server.url, path, body, token)]);
      const trials = `/api/participants/${a.name}/trials`;
      submit("forged: another participant's token", 401, /missing or wrong participant token/, trials, trialBody(a, 2), b.token);
      submit("forged: a made-up token", 401, /missing or wrong participant token/, trials, trialBody(a, 2), "f".repeat(32));
      submit("forged: no token", 401, /missing or wrong participant token/, trials, trialBody(a, 2));
      submit(
        "forged: a made-up participant",
        404,
        /unknown participant "attacks-subject-99"/,
        "/api/participants/attacks-subject-99/trials",
        trialBody(a, 2),
        a.token,
      );
      submit(
        "forged: another stimulus",
        400,
        /stimulus: trial 2 shows stimulus/,
        trials,
        { ...trialBody(a, 2), stimulus: a.trials[5] },
        a.token,
      );
      submit(
        "forged: an impossible rt",
        400,
        /rt: -5 is not a plausible response time/,
        trials,
        { ...trialBody(a, 2), response: "cat", rt: -5, source: "key" },
        a.token,
      );
      submit("replayed", 409, /trial 1 is already stored/, trials, trialBody(a, 1), a.token);
      submit("out of order", 409, /trial 4 is ahead of the next trial 2/, trials, trialBody(a, 4), a.token);
      submit("oversized", 413, /body/i, trials, JSON.stringify({ ...trialBody(a, 2), padding: "x".repeat(10_000) }), a.token);
      submit("not JSON", 400, /JSON/, trials, "{trial: 2", a.token);
      for (const [what, status, reason, pending] of attempts) {
        const response = await pending;
        assert.equal(response.status, status, what);
        assert.match(String(response.json.error), reason, what);
      }
      assert.equal(await resume(server.url, a), 2, "nothing stored for a");
      assert.equal(await resume(server.url, b), 0, "nothing stored for b");
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const log = server.stderr();
    for (const [what, , reason] of attempts)
      assert.match(log, new RegExp(`trialwise experiment: rejected.*${reason.source}`, reason.flags), `${what} logged`);
    const listed = await cli("experiment", "status", "--store", store, "--rejections", "--format", "json");
    const rows = (JSON.parse(listed.stdout) as { rows: { reason: string }[] }).rows;
    assert.equal(rows.length, attempts.length, "each attempt recorded with its reason");
    const reader = await TrialStore.read(store);
    const kept = await reader.trials();
    await reader.close();
    assert.deepEqual(
      kept.map((t) => [t.participant, t.trial, t.response]),
      [0, 1].map((i) => [1, i, defaultAnswer(a.name, i, a.trials[i]).response]),
      "only a's two real trials",
    );
  },
);
