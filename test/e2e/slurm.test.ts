// scripts/slurm/model-vs-human.sh on a one-node Slurm cluster started here (Debian's slurm-wlm:
// slurmctld and slurmd in the foreground, as the current user, AuthType=auth/none, everything in
// a temporary folder, on two free local ports): a 3-shard array job on a tiny model and the
// dependent merge-and-score job; the merged trials equal one `run` in this process. Skipped with
// a message where slurm-wlm is not installed (.ci/run installs it).
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import { EDGES, TREE_DATASETS, tinyModel, writeHumans, writeStimulusTree } from "../benchmark/run-support.ts";
import { REPO, cli } from "../helpers.ts";

const run = promisify(execFile);
const SLURM_PROGRAMS = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/scontrol", "/usr/bin/sinfo"];
const missingPrograms = SLURM_PROGRAMS.filter((p) => !existsSync(p));
const SKIP =
  missingPrograms.length > 0
    ? `slurm-wlm is not installed (no ${missingPrograms.join(", ")}); apt-get install slurm-wlm to run this test`
    : !existsSync(EDGES)
      ? `no stimuli at ${EDGES}`
      : false;

/** How long the cluster may take to come up, and the jobs to finish. */
const START_MS = 30_000;
const JOBS_MS = 240_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A slurm.conf for one node (this machine, 127.0.0.1) and one partition, run by the current user without authentication. */
function slurmConf(dir: string, node: string, ports: [number, number], cpus: number): string {
  const user = userInfo().username;
  return [
    "ClusterName=trialwise-test",
    `SlurmctldHost=${node}(127.0.0.1)`,
    `SlurmctldPort=${ports[0]}`,
    `SlurmdPort=${ports[1]}`,
    "AuthType=auth/none",
    "CredType=cred/none",
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    `StateSaveLocation=${join(dir, "state")}`,
    `SlurmdSpoolDir=${join(dir, "spool")}`,
    `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
    `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
    `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
    `SlurmdLogFile=${join(dir, "slurmd.log")}`,
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "MpiDefault=none",
    "SchedulerType=sched/builtin",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    "ReturnToService=2",
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=100 State=UNKNOWN`,
    `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    "",
  ].join("\n");
}

/** Stops a daemon started here: SIGTERM, then SIGKILL if it has not ended within 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const ended = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await ended;
  clearTimeout(timer);
}

/** `scontrol show job` fields of a job (or of every task of an array), or [] once Slurm forgot it. */
async function jobStates(env: NodeJS.ProcessEnv, job: string): Promise<{ state: string; exit: string; id: string }[]> {
  const shown = await run("scontrol", ["show", "job", "-o", job], { env }).catch(() => undefined);
  if (!shown) return [];
  return shown.stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => ({
      id: /JobId=(\S+)/.exec(line)?.[1] ?? "",
      state: /JobState=(\S+)/.exec(line)?.[1] ?? "",
      exit: /ExitCode=(\S+)/.exec(line)?.[1] ?? "",
    }));
}

/** Cancels every job of the test cluster and waits (up to 30 s) until none is left. */
async function cancelAll(env: NodeJS.ProcessEnv): Promise<void> {
  await run("scancel", ["--user", userInfo().username], { env }).catch(() => undefined);
  for (const by = Date.now() + 30_000; Date.now() < by; await sleep(500)) {
    const queue = await run("squeue", ["-h"], { env }).catch(() => undefined);
    if (!queue || queue.stdout.trim() === "") return;
  }
}

test(
  "Slurm: a 3-shard array job of run, then merge and score, equal to one run",
  { skip: SKIP, timeout: START_MS + JOBS_MS + 60_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-slurm-"));
    const daemons: ChildProcess[] = [];
    const conf = join(dir, "slurm.conf");
    const env = { ...process.env, SLURM_CONF: conf };
    try {
      await Promise.all(["state", "spool", "logs"].map((f) => mkdir(join(dir, f))));
      const node = hostname().split(".")[0];
      await writeFile(conf, slurmConf(dir, node, [await freePort(), await freePort()], availableParallelism()));
      for (const daemon of ["/usr/sbin/slurmctld", "/usr/sbin/slurmd"]) {
        // -D: in the foreground, so that it is this process's child and stopped here; -i: no state to recover.
        const child = spawn(daemon, daemon.endsWith("slurmctld") ? ["-D", "-i"] : ["-D"], { env, stdio: "ignore" });
        daemons.push(child);
      }
      const startBy = Date.now() + START_MS;
      let ready = false;
      while (!ready && Date.now() < startBy && daemons.every((d) => d.exitCode === null)) {
        await sleep(500);
        const info = await run("sinfo", ["-h", "-o", "%T"], { env }).catch(() => undefined);
        ready = info?.stdout.trim() === "idle";
      }
      if (!ready) {
        const logs = await Promise.all(["slurmctld.log", "slurmd.log"].map((f) => readFile(join(dir, f), "utf8").catch(() => "")));
        const tail = logs
          .map((log) => log.trim().split("\n").slice(-3).join(" | "))
          .filter((s) => s !== "")
          .join(" || ");
        t.skip(`a one-node Slurm did not start within ${START_MS / 1000} s here: ${tail || "no log"}`);
        return;
      }

      const model = join(dir, "tiny.onnx");
      await writeFile(model, tinyModel());
      const stimuli = join(dir, "stimuli");
      await writeStimulusTree(stimuli);
      const humans = join(dir, "humans");
      await writeHumans(humans);
      const models = join(dir, "models.txt");
      await writeFile(models, `# name model\ntiny ${model}\n`);
      const out = join(dir, "runs");
      const bench = join(dir, "benchmark");
      const tsx = fileURLToPath(import.meta.resolve("tsx"));
      const logs = `--output=${join(dir, "logs", "%x-%A_%a.out")}`;
      const submitted = await run(join(REPO, "scripts/slurm/model-vs-human.sh"), [models], {
        cwd: dir,
        env: {
          ...env,
          SHARDS: "3",
          OUT: out,
          BENCHMARK_OUT: bench,
          STIMULI: stimuli,
          HUMANS: humans,
          DATASETS: TREE_DATASETS.join(","),
          SCORE_ARGS: "--bootstrap 0",
          RUN_ARGS: "--decoders 1",
          SBATCH_ARGS: logs,
          MERGE_SBATCH_ARGS: logs,
          TRIALWISE: `${process.execPath} --import ${tsx} ${join(REPO, "src/cli/bin.ts")}`,
        },
      });
      const [array, merge] = submitted.stdout.trim().split(" ");
      assert.match(array, /^\d+$/, submitted.stdout);
      assert.match(merge, /^\d+$/, submitted.stdout);

      // Wait for the merge job; an array task that fails ends the wait (the merge would never start).
      const doneBy = Date.now() + JOBS_MS;
      let final: { state: string; exit: string }[] = [];
      for (;;) {
        const tasks = await jobStates(env, array);
        const failed = tasks.filter((task) => /FAIL|CANCEL|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY/.test(task.state));
        final = await jobStates(env, merge);
        if (failed.length > 0 || final.some((j) => /COMPLETED|FAIL|CANCEL|TIMEOUT/.test(j.state)) || Date.now() > doneBy) {
          const logFiles = (await readdir(join(dir, "logs"))).sort();
          const logsText = await Promise.all(logFiles.map(async (f) => `${f}:\n${await readFile(join(dir, "logs", f), "utf8")}`));
          assert.deepEqual(failed, [], logsText.join("\n"));
          assert.equal(
            final[0]?.state,
            "COMPLETED",
            `merge job ${JSON.stringify(final)}; tasks ${JSON.stringify(tasks)}\n${logsText.join("\n")}`,
          );
          assert.deepEqual(
            tasks.map((task) => [task.state, task.exit]),
            [0, 1, 2].map(() => ["COMPLETED", "0:0"]),
          );
          break;
        }
        await sleep(1000);
      }

      // Every task's log names its shard; the merged trials equal one run here; score wrote its report.
      const taskLogs = await Promise.all(
        (await readdir(join(dir, "logs"))).filter((f) => f.startsWith("mvh-run")).map((f) => readFile(join(dir, "logs", f), "utf8")),
      );
      assert.deepEqual(taskLogs.map((l) => /shard (\d\/3)/.exec(l)?.[1]).sort(), ["1/3", "2/3", "3/3"]);
      const whole = join(dir, "whole");
      const single = await cli(
        "benchmark",
        "model-vs-human",
        "run",
        model,
        "--name",
        "tiny",
        "--stimuli",
        stimuli,
        "--datasets",
        TREE_DATASETS.join(","),
        "--out",
        whole,
      );
      assert.equal(single.code, 0, single.stderr);
      for (const dataset of TREE_DATASETS) {
        const file = `${dataset}_tiny_session-1.csv`;
        assert.equal(await readFile(join(out, dataset, file), "utf8"), await readFile(join(whole, dataset, file), "utf8"), dataset);
      }
      const json = JSON.parse(await readFile(join(bench, "benchmark.json"), "utf8"));
      assert.deepEqual(Object.keys(json.models), ["tiny"]);
      assert.deepEqual(Object.keys(json.datasets), TREE_DATASETS);
    } finally {
      // Jobs still running are cancelled and given time to end while slurmd can see them end
      // (their slurmstepd would otherwise wait for a slurmd that is gone).
      if (daemons.length > 0 && daemons.every((d) => d.exitCode === null)) await cancelAll(env);
      for (const daemon of daemons.reverse()) await stop(daemon);
      await rm(dir, { recursive: true, force: true });
    }
  },
);
