// The experiment online: the public settings describe the real design; Prolific's and generic
// links' ids are stored, exported and counted once; the completion redirect; per-address rate
// limits, body limits, security headers, no admin route on the public listener; attention
// checks; screen calibration; consent and debrief texts.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { stimulusSidePx } from "../../src/experiment/calibration.ts";
import { exportStore } from "../../src/experiment/export.ts";
import { markdownToHtml } from "../../src/experiment/markdown.ts";
import { DEFAULT_PROTOCOL, type Protocol } from "../../src/experiment/protocol.ts";
import { RateLimiter } from "../../src/experiment/rate-limit.ts";
import { type ExperimentServer, type ExperimentServerOptions, startExperimentServer } from "../../src/experiment/server.ts";
import { ensureBundle, stimulusFolder } from "../fixtures/experiment/setup.ts";
import { cli, csvObjects } from "../helpers.ts";

let dir: string;
let stimuli: string;

before(async () => {
  ensureBundle();
  dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-online-"));
  stimuli = await stimulusFolder(join(dir, "toys"), 1);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let stores = 0;
async function serve(
  protocol: Partial<Protocol> = {},
  options: Partial<ExperimentServerOptions> = {},
  log: string[] = [],
): Promise<ExperimentServer> {
  return startExperimentServer({
    stimuli,
    store: join(dir, `online${++stores}.duckdb`),
    study: "web",
    protocol: { ...DEFAULT_PROTOCOL, practiceTrials: 0, ...protocol },
    seed: 1,
    trialsPerParticipant: 4,
    port: 0,
    log: (line) => log.push(line),
    ...options,
  });
}

interface Started {
  name: string;
  token: string;
  trials: string[];
  externalId: string | null;
  stimulusPx: number | null;
}

async function call(server: ExperimentServer, method: string, path: string, body?: unknown, token?: string, raw?: string) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined || raw !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json().catch(() => null)) as Record<string, unknown> & Started,
  };
}

/** A valid answer to trial `index` (the right category when the trial is an attention check and `right`). */
function answer(p: Started, index: number, category = "cat") {
  return {
    trial: index,
    stimulus: p.trials[index],
    response: category,
    rt: 500,
    source: "key",
    stimulusMs: 200,
    maskMs: 200,
    frameMs: 16.7,
  };
}

async function complete(server: ExperimentServer, p: Started, respond: (id: string) => string = () => "cat") {
  for (let i = 0; i < p.trials.length; i++)
    assert.equal(
      (await call(server, "POST", `/api/participants/${p.name}/trials`, answer(p, i, respond(p.trials[i])), p.token)).status,
      201,
    );
  return call(server, "POST", `/api/participants/${p.name}/finish`, {}, p.token);
}

test("the public settings give the plan's practice count (0 when every stimulus is in the main block), never the completion code", async () => {
  const server = await serve({ practiceTrials: 10, completionCode: "C0DE123" }, { trialsPerParticipant: undefined });
  try {
    const info = (await call(server, "GET", "/api/experiment")).json as unknown as {
      practiceTrials: number;
      trialsPerParticipant: number;
      protocol: Record<string, unknown>;
    };
    assert.equal(server.plan.practice.length, 0);
    assert.equal(info.practiceTrials, 0, "the default protocol asks for 10, the set has none left");
    assert.equal(info.trialsPerParticipant, 16);
    assert.equal(info.protocol.practiceTrials, 10);
    assert.ok(!("completionCode" in info.protocol) && !("completionUrl" in info.protocol));
    assert.ok(!JSON.stringify(info).includes("C0DE123"));
  } finally {
    await server.close();
  }
  const some = await serve({ practiceTrials: 10 }, { trialsPerParticipant: 8 });
  try {
    assert.equal(
      ((await call(some, "GET", "/api/experiment")).json as unknown as { practiceTrials: number }).practiceTrials,
      8,
      "8 stimuli left for 10 asked",
    );
  } finally {
    await some.close();
  }
});

test("Prolific ids are stored and exported; a Prolific id takes part once; finishing redirects with the completion code", async () => {
  const log: string[] = [];
  const server = await serve({ completionCode: "C0DE123" }, {}, log);
  const pid = "5f8a1b2c3d4e5f6a7b8c9d0e";
  let first: Started;
  try {
    const ids = { PROLIFIC_PID: pid, STUDY_ID: "60aa00bb11cc22dd33ee44ff", SESSION_ID: "abcdef0123456789abcdef01" };
    // Two tabs opened at once with the same link: one participant, one refusal.
    const [a, b] = await Promise.all([call(server, "POST", "/api/participants", ids), call(server, "POST", "/api/participants", ids)]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409]);
    first = (a.status === 201 ? a : b).json;
    const refused = a.status === 201 ? b : a;
    assert.equal(first.externalId, pid);
    assert.match(
      String(refused.json.error),
      new RegExp(`^Prolific id ${pid} has already taken part \\(as web-subject-01, 0 of 4 trials stored\\); it counts once`),
    );
    assert.equal((await server.store.participants()).length, 1);
    // Later, from another browser (no token): refused, and still one participant.
    const again = await call(server, "POST", "/api/participants", { PROLIFIC_PID: pid });
    assert.equal(again.status, 409);
    assert.ok(
      log.some((l) => l.startsWith(`rejected from web-subject-01: Prolific id ${pid} has already taken part`)),
      log.join("\n"),
    );
    const finished = await complete(server, first);
    assert.deepEqual(finished.json, {
      finished: true,
      name: "web-subject-01",
      redirect: "https://app.prolific.com/submissions/complete?cc=C0DE123",
    });
    assert.match(
      String((await call(server, "POST", "/api/participants", { PROLIFIC_PID: pid })).json.error),
      /\(as web-subject-01, finished\)/,
    );
    // A generic link's id; the same id as Prolific's is another person's (another source).
    const linked = (await call(server, "POST", "/api/participants", { participant: pid })).json;
    assert.equal(linked.name, "web-subject-02");
    assert.equal((await call(server, "POST", "/api/participants", { participant: pid })).status, 409);
    // Malformed ids are refused with the field named.
    for (const [body, reason] of [
      [{ PROLIFIC_PID: "a b" }, /^PROLIFIC_PID: "a b" is not an id/],
      [{ PROLIFIC_PID: "x".repeat(65) }, /^PROLIFIC_PID: "x+" is not an id/],
      [{ participant: 7 }, /^participant: 7 is not an id/],
      [{ STUDY_ID: "s" }, /STUDY_ID or SESSION_ID without PROLIFIC_PID/],
      [{ PROLIFIC_PID: "p", participant: "q" }, /both given/],
      [{ name: "x" }, /^name: unknown field/],
    ] as const) {
      const response = await call(server, "POST", "/api/participants", body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(String(response.json.error), reason);
    }
    assert.equal((await server.store.participants()).length, 2);
  } finally {
    await server.close();
  }
  const out = join(dir, "prolific");
  await exportStore(server.store.path, out, { partial: true });
  const summary = JSON.parse(await readFile(join(out, "toys_participants.json"), "utf8")) as {
    study: string;
    participants: Record<string, unknown>[];
  };
  assert.equal(summary.study, "web");
  assert.deepEqual(
    summary.participants.map((p) => [p.subj, p.prolific_pid, p.prolific_study_id, p.prolific_session_id, p.link_participant]),
    [
      ["web-subject-01", pid, "60aa00bb11cc22dd33ee44ff", "abcdef0123456789abcdef01", null],
      ["web-subject-02", null, null, null, pid],
    ],
  );
});

test("a completion address gets the code and the participant's link id, URL-encoded; only https (or http to localhost)", async () => {
  const server = await serve({ completionCode: "XY1", completionUrl: "https://survey.example.org/end?code={code}&id={participant}" });
  try {
    const p = (await call(server, "POST", "/api/participants", { participant: "p-7_x" })).json;
    assert.equal((await complete(server, p)).json.redirect, "https://survey.example.org/end?code=XY1&id=p-7_x");
  } finally {
    await server.close();
  }
  const bad = await cli(
    "experiment",
    "serve",
    stimuli,
    "--store",
    join(dir, "bad-url.duckdb"),
    "--completion-url",
    "http://example.org/",
    "--port",
    "0",
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--completion-url: "http:\/\/example\.org\/" is not a completion address; expected an https:\/\/ URL/);
  const code = await cli(
    "experiment",
    "serve",
    stimuli,
    "--store",
    join(dir, "bad-code.duckdb"),
    "--completion-code",
    "a&b",
    "--port",
    "0",
  );
  assert.equal(code.code, 2);
  assert.match(code.stderr, /--completion-code: "a&b" is not a completion code; expected up to 32 letters and digits/);
});

test("rate limits per address: new participants and submissions beyond the limit get 429 with Retry-After, logged once, nothing stored", async () => {
  const log: string[] = [];
  const server = await serve({}, { limits: { startsPerHour: 3, submissionsPerMinute: 5 } }, log);
  try {
    const starts = [];
    for (let i = 0; i < 5; i++) starts.push(await call(server, "POST", "/api/participants", {}));
    assert.deepEqual(
      starts.map((s) => s.status),
      [201, 201, 201, 429, 429],
    );
    assert.match(String(starts[3].json.error), /^too many new participants from this address \(at most 3 per hour\); try again in \d+ s$/);
    assert.ok(Number(starts[3].headers.get("retry-after")) > 3500);
    assert.equal((await server.store.participants()).length, 3);
    const p = starts[0].json;
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push((await call(server, "POST", `/api/participants/${p.name}/trials`, answer(p, i), p.token)).status);
    // 4 trials and a forged one (wrong token) are 5 submissions; the sixth is refused unread.
    sent.push((await call(server, "POST", `/api/participants/${p.name}/trials`, answer(p, 0), starts[1].json.token)).status);
    sent.push((await call(server, "POST", `/api/participants/${p.name}/finish`, {}, p.token)).status);
    assert.deepEqual(sent, [201, 201, 201, 201, 401, 429]);
    assert.equal(await server.store.storedCount(1), 4);
    assert.equal((await server.store.participant(1))!.finishedAt, null, "the refused finish did nothing");
    assert.equal(log.filter((l) => /too many new participants/.test(l)).length, 1, "logged once per address while it is refused");
    assert.equal(log.filter((l) => /too many submissions/.test(l)).length, 1);
    assert.equal(
      (await server.store.rejections()).filter((r) => /too many/.test(r.reason)).length,
      0,
      "refusals under a flood write nothing",
    );
    // Reading the design, the page and stimuli is not limited.
    assert.equal((await call(server, "GET", `/api/participants/${p.name}`, undefined, p.token)).status, 200);
  } finally {
    await server.close();
  }
  const limiter = new RateLimiter(2, 1000);
  assert.deepEqual(
    [
      limiter.take("a", 0),
      limiter.take("a", 10),
      limiter.take("a", 20),
      limiter.take("b", 20),
      limiter.take("a", 1000),
      limiter.take("a", 1005),
    ],
    [true, true, false, true, true, false],
  );
  assert.equal(limiter.retryAfterMs("a", 1005), 5);
  const bounded = new RateLimiter(1, 1000, 2);
  for (const address of ["a", "b", "c"]) bounded.take(address, 0);
  assert.equal(bounded.take("a", 1), true, "the least recently seen address was forgotten");
});

test("bodies over 8 KiB are refused (413) with the reason, logged, nothing stored", async () => {
  const log: string[] = [];
  const server = await serve({}, {}, log);
  try {
    const p = (await call(server, "POST", "/api/participants", {})).json;
    const big = await call(
      server,
      "POST",
      `/api/participants/${p.name}/trials`,
      undefined,
      p.token,
      JSON.stringify({ ...answer(p, 0), padding: "x".repeat(9000) }),
    );
    assert.equal(big.status, 413);
    assert.match(String(big.json.error), /body/i);
    assert.equal(await server.store.storedCount(1), 0);
    assert.ok(
      log.some((l) => /^rejected POST \/api\/participants\/web-subject-01\/trials from 127\.0\.0\.1: .*body/i.test(l)),
      log.join("\n"),
    );
    const start = await call(
      server,
      "POST",
      "/api/participants",
      undefined,
      undefined,
      JSON.stringify({ participant: "y".repeat(10_000) }),
    );
    assert.equal(start.status, 413);
    assert.equal((await server.store.participants()).length, 1);
  } finally {
    await server.close();
  }
});

test("security headers on every answer; the public listener has no admin route", async () => {
  const server = await serve();
  try {
    for (const path of ["/", "/api/experiment", "/app/experiment.js", "/stimuli/0", "/nowhere"]) {
      const response = await fetch(`${server.url}${path}`);
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'; script-src 'self'; style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/, path);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(response.headers.get("referrer-policy"), "no-referrer", path);
      assert.equal(response.headers.get("x-frame-options"), "DENY", path);
    }
    assert.equal((await fetch(`${server.url}/api/experiment`)).headers.get("cache-control"), "no-store");
    // The inline style's hash in the CSP is the hash of the page's style.
    const page = await (await fetch(`${server.url}/`)).text();
    const style = /<style>([^<]*)<\/style>/.exec(page)![1];
    const { createHash } = await import("node:crypto");
    assert.ok(
      (await fetch(`${server.url}/`)).headers
        .get("content-security-policy")!
        .includes(`'sha256-${createHash("sha256").update(style).digest("base64")}'`),
    );
    for (const path of ["/admin/status", "/admin/export", "/admin", "/api/admin/export"]) {
      for (const method of ["GET", "POST"])
        assert.equal((await fetch(`${server.url}${path}`, { method })).status, 404, `${method} ${path}`);
    }
  } finally {
    await server.close();
  }
});

test("attention checks are mixed in, stored, left out of the trial files, and reported per participant", async () => {
  const server = await serve({ catchTrials: 2 });
  const p = (await call(server, "POST", "/api/participants", {})).json;
  const q = (await call(server, "POST", "/api/participants", {})).json;
  const checks = p.trials.filter((id) => id.startsWith("catch:"));
  try {
    assert.equal(p.trials.length, 6, "4 stimuli and 2 checks");
    assert.equal(checks.length, 2);
    assert.notEqual(p.trials[0].slice(0, 6), "catch:", "never first");
    // p answers the checks as asked; q answers everything "cat".
    await complete(server, p, (id) => (id.startsWith("catch:") ? id.slice(6) : "cat"));
    await complete(server, q, () => "cat");
  } finally {
    await server.close();
  }
  const out = join(dir, "checks");
  const exported = await cli("experiment", "export", "--store", server.store.path, "-o", out);
  assert.equal(exported.code, 0, exported.stderr);
  const qChecks = q.trials.filter((id) => id.startsWith("catch:"));
  const qPassed = qChecks.filter((id) => id === "catch:cat").length;
  if (qPassed < 2) assert.match(exported.stderr, new RegExp(`note: web-subject-02 passed ${qPassed} of 2 attention checks`));
  assert.match(exported.stderr, /2 participant file\(s\), 8 trials/);
  const rows = csvObjects(await readFile(join(out, "toys_web-subject-01_session_1.csv"), "utf8"));
  assert.equal(rows.length, 4);
  assert.ok(
    rows.every((r) => r.imagename.endsWith(".png")),
    "no check in the trial file",
  );
  assert.deepEqual(
    rows.map((r) => Number(r.trial)),
    p.trials.flatMap((id, i) => (id.startsWith("catch:") ? [] : [i + 1])),
    "trial keeps the position in the session",
  );
  const summary = JSON.parse(await readFile(join(out, "toys_participants.json"), "utf8")) as {
    participants: { catch_trials: { asked: string; response: string }[]; catch_passed: number; attention_ok: boolean }[];
  };
  assert.deepEqual(
    summary.participants[0].catch_trials.map((c) => c.asked),
    checks.map((id) => id.slice(6)),
  );
  assert.equal(summary.participants[0].catch_passed, 2);
  assert.equal(summary.participants[0].attention_ok, true);
  assert.equal(summary.participants[1].catch_passed, qPassed);
  assert.equal(summary.participants[1].attention_ok, qPassed === 2);
});

test("screen calibration: stimulus size from degrees of visual angle, required before trials, checked, exported", async () => {
  assert.equal(stimulusSidePx(4, 57, 40), Math.round(2 * 57 * Math.tan((2 * Math.PI) / 180) * 40));
  assert.equal(stimulusSidePx(4, 57, 40), 159);
  const server = await serve({ stimulusDeg: 4, viewingDistanceCm: 57 });
  const p = (await call(server, "POST", "/api/participants", {})).json;
  const measurement = { pxPerCm: 37.8, viewingDistanceCm: 60, devicePixelRatio: 2, screenWidthPx: 1440, screenHeightPx: 900 };
  try {
    assert.equal(p.stimulusPx, null);
    const early = await call(server, "POST", `/api/participants/${p.name}/trials`, answer(p, 0), p.token);
    assert.equal(early.status, 409);
    assert.match(String(early.json.error), /no calibration stored yet/);
    for (const [change, reason] of [
      [{ pxPerCm: 5 }, /^pxPerCm: 5 is not plausible; expected a number from 10 to 200$/],
      [{ viewingDistanceCm: "far" }, /^viewingDistanceCm: "far" is not plausible/],
      [{ screenWidthPx: undefined }, /^screenWidthPx: undefined is not plausible/],
    ] as const) {
      const response = await call(server, "POST", `/api/participants/${p.name}/calibration`, { ...measurement, ...change }, p.token);
      assert.equal(response.status, 400);
      assert.match(String(response.json.error), reason);
    }
    const calibrated = await call(server, "POST", `/api/participants/${p.name}/calibration`, measurement, p.token);
    assert.equal(calibrated.status, 201);
    assert.equal(calibrated.json.stimulusPx, stimulusSidePx(4, 60, 37.8));
    assert.equal(
      (await call(server, "GET", `/api/participants/${p.name}`, undefined, p.token)).json.stimulusPx,
      stimulusSidePx(4, 60, 37.8),
      "a resumed page keeps the size",
    );
    await complete(server, p);
  } finally {
    await server.close();
  }
  const out = join(dir, "calibrated");
  await exportStore(server.store.path, out);
  const summary = JSON.parse(await readFile(join(out, "toys_participants.json"), "utf8")) as {
    participants: { calibration: Record<string, number> }[];
  };
  assert.deepEqual(summary.participants[0].calibration, {
    px_per_cm: 37.8,
    viewing_distance_cm: 60,
    stimulus_px: stimulusSidePx(4, 60, 37.8),
    device_pixel_ratio: 2,
    screen_width_px: 1440,
    screen_height_px: 900,
  });
  const none = await serve();
  try {
    const q = (await call(none, "POST", "/api/participants", {})).json;
    assert.equal((await call(none, "POST", `/api/participants/${q.name}/calibration`, measurement, q.token)).status, 409);
  } finally {
    await none.close();
  }
});

test("consent and debrief from HTML or Markdown files; Markdown cannot put markup into the page", async () => {
  const consent = join(dir, "consent.md");
  await writeFile(
    consent,
    "# Consent\n\nYou take part **voluntarily**; see [the study](https://example.org/study).\n\n- Data are anonymous\n- You may stop <script>alert(1)</script>\n",
  );
  const debrief = join(dir, "debrief.html");
  await writeFile(debrief, "<p>Thank you. The study tests <em>masked</em> recognition.</p>");
  const server = await serve({}, { consent, debrief });
  try {
    const info = (await call(server, "GET", "/api/experiment")).json as unknown as { consentHtml: string; debriefHtml: string };
    assert.equal(
      info.consentHtml,
      '<h1>Consent</h1>\n<p>You take part <strong>voluntarily</strong>; see <a href="https://example.org/study" target="_blank" rel="noopener noreferrer">the study</a>.</p>\n' +
        "<ul><li>Data are anonymous</li><li>You may stop &#60;script&#62;alert(1)&#60;/script&#62;</li></ul>",
    );
    assert.equal(info.debriefHtml, "<p>Thank you. The study tests <em>masked</em> recognition.</p>");
  } finally {
    await server.close();
  }
  assert.equal(markdownToHtml("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>");
  assert.equal(markdownToHtml("1. one\n2. two\n\ntext *it*"), "<ol><li>one</li><li>two</li></ol>\n<p>text <em>it</em></p>");
  const wrong = join(dir, "consent.txt");
  await writeFile(wrong, "hi");
  const bad = await cli("experiment", "serve", stimuli, "--store", join(dir, "c.duckdb"), "--consent", wrong, "--port", "0");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /consent\.txt: expected an HTML \(\.html\) or Markdown \(\.md\) file for --consent/);
});

test("the server listens on 127.0.0.1 unless told otherwise; X-Forwarded-For counts only with --trust-proxy", async () => {
  const forwarded = (server: ExperimentServer, from: string) =>
    fetch(`${server.url}/api/participants`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from },
      body: "{}",
    }).then((r) => r.status);
  const direct = await serve({}, { limits: { startsPerHour: 1 } });
  try {
    assert.equal(new URL(direct.url).hostname, "localhost");
    // Without a trusted proxy a forged header does not get around the limit.
    assert.deepEqual([await forwarded(direct, "192.0.2.1"), await forwarded(direct, "192.0.2.2")], [201, 429]);
  } finally {
    await direct.close();
  }
  const proxied = await serve({}, { limits: { startsPerHour: 1 }, trustProxy: true });
  try {
    // Behind a proxy every participant arrives from the proxy's address: the header tells them apart.
    assert.deepEqual(
      [await forwarded(proxied, "192.0.2.1"), await forwarded(proxied, "192.0.2.2"), await forwarded(proxied, "192.0.2.1")],
      [201, 201, 429],
    );
    // The address the proxy appended counts, not one the client put in front of it.
    assert.equal(await forwarded(proxied, "198.51.100.9, 192.0.2.1"), 429);
  } finally {
    await proxied.close();
  }
});
