/** A scored benchmark for the serve tests: `benchmark model-vs-human score` on small rotation data (2 people, 2 models). */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli } from "../helpers.ts";

/** One observer's trials on the rotation dataset: per condition, a bit string of correct (1) / wrong (0) answers on 4 stimuli. */
async function writeObserver(dir: string, file: string, subj: string, answers: Record<string, string>): Promise<void> {
  const lines = ["subj,Session,trial,rt,object_response,category,condition,imagename"];
  let trial = 0;
  for (const [condition, bits] of Object.entries(answers)) {
    [...bits].forEach((bit, s) => {
      trial++;
      const category = ["airplane", "bear", "boat", "car"][s];
      lines.push(
        `${subj},1,${trial},0.5,${bit === "1" ? category : "knife"},${category},${condition},${String(trial).padStart(4, "0")}_x_s01_${condition}_${category}_10_n0${condition}_${s}.png`,
      );
    });
  }
  await mkdir(join(dir, "rotation"), { recursive: true });
  await writeFile(join(dir, "rotation", file), `${lines.join("\n")}\n`);
}

/** Scores the small data into `<root>/scored` (20 bootstrap replicates) and returns that folder. */
export async function scoredBenchmark(root: string): Promise<string> {
  const humans = join(root, "humans");
  const models = join(root, "models");
  await writeObserver(humans, "rotation_subject-01_session_1.csv", "subject-01", {
    "0": "1111",
    "90": "1100",
    "180": "1111",
    "270": "0000",
  });
  await writeObserver(humans, "rotation_subject-02_session_1.csv", "subject-02", {
    "0": "1111",
    "90": "1110",
    "180": "1111",
    "270": "1000",
  });
  await writeObserver(models, "rotation_model-a_session-1.csv", "model-a", { "0": "0000", "90": "1010", "180": "1111", "270": "0000" });
  await writeObserver(models, "rotation_model-b_session-1.csv", "model-b", { "0": "1111", "90": "1100", "180": "1110", "270": "0001" });
  const scored = join(root, "scored");
  const score = await cli(
    "benchmark",
    "model-vs-human",
    "score",
    models,
    "--humans",
    humans,
    "--datasets",
    "rotation",
    "--bootstrap",
    "20",
    "--out",
    scored,
  );
  assert.equal(score.code, 0, score.stderr);
  return scored;
}
