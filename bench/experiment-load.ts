/**
 * Load on `trialwise experiment serve` (a child process on 127.0.0.1, its own temporary store):
 * N simulated participants start at once and send their 16 trials each, back to back (GAP_MS 0,
 * the worst case) or one every GAP_MS (a real trial takes about 2.5 s), then finish. Prints the wall time,
 * the submissions per second and the submission latency (p50, p99, max: request to 201), and
 * checks that every trial was stored exactly once.
 *
 *   node --import tsx bench/experiment-load.ts [PARTICIPANTS=100] [GAP_MS=0]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrialStore } from "../src/experiment/store.ts";
import { ensureBundle, stimulusFolder } from "../test/fixtures/experiment/setup.ts";
import { post, quantile, runTrials, startParticipant, startServerProcess } from "../test/fixtures/experiment/simulate.ts";

const count = Number(process.argv[2] ?? 100);
const gapMs = Number(process.argv[3] ?? 0);
ensureBundle();
const dir = await mkdtemp(join(tmpdir(), "trialwise-experiment-load-"));
try {
  const stimuli = await stimulusFolder(join(dir, "toys"), 1);
  const store = join(dir, "load.duckdb");
  const server = await startServerProcess([
    stimuli,
    "--store",
    store,
    "--practice",
    "0",
    "--max-starts-per-hour",
    "1000000",
    "--max-submissions-per-minute",
    "100000000",
  ]);
  const latencies: number[] = [];
  const start = performance.now();
  try {
    const participants = await Promise.all(Array.from({ length: count }, () => startParticipant(server.url)));
    await Promise.all(participants.map((p) => runTrials(server.url, p, { latencies, gapMs })));
    await Promise.all(participants.map((p) => post(server.url, `/api/participants/${p.name}/finish`, {}, p.token)));
  } finally {
    await server.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const reader = await TrialStore.read(store);
  const trials = await reader.trials();
  await reader.close();
  const unique = new Set(trials.map((t) => `${t.participant}#${t.trial}`)).size;
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `${count} participants x 16 trials at once${gapMs > 0 ? `, one every ${gapMs} ms` : ", back to back"}: ${seconds.toFixed(1)} s, ${(latencies.length / seconds).toFixed(0)} submissions/s; ` +
      `latency p50 ${fmt(quantile(latencies, 0.5))}, p99 ${fmt(quantile(latencies, 0.99))}, max ${fmt(Math.max(...latencies))}; ` +
      `stored ${trials.length} rows, ${unique} distinct (expected ${count * 16})`,
  );
  if (trials.length !== count * 16 || unique !== count * 16) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
