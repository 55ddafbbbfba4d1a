// Fixtures of the aggregate tests (outcome-matrix, joint-bootstrap, mean-intervals, paired-test,
// model-comparison): a trial table from 0/1 outcomes, and a simulation with closed-form
// population kappas; the published cue-conflict data's outcome matrix.
import assert from "node:assert/strict";
import { join } from "node:path";
import { SeededRandom } from "../../src/core/math/random.ts";
import { type OutcomeMatrix, outcomeMatrix } from "../../src/core/outcome-matrix.ts";
import { type TrialTable, TrialTableBuilder } from "../../src/core/trials.ts";
import { loadDatasets } from "../../src/io/datasets.ts";
import { RAW_DATA } from "../helpers.ts";

export const near = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

/** A table from per-observer 0/1 outcomes over stimuli; `stimulus(i)` names the i-th. */
export function tableOf(
  observers: Record<string, ArrayLike<number>>,
  stimulus: (i: number, observer: string) => string = (i) => `s${i}`,
): TrialTable {
  const builder = new TrialTableBuilder("sim");
  for (const [name, outcomes] of Object.entries(observers)) {
    for (let i = 0; i < outcomes.length; i++) {
      builder.add({
        observer: name,
        condition: "0",
        stimulus: stimulus(i, name),
        truth: "cat",
        response: outcomes[i] ? "cat" : "dog",
        correct: outcomes[i] === 1,
        missing: false,
        file: "sim.csv",
        line: i + 2,
      });
    }
  }
  return builder.build();
}

// ---------------------------------------------------------------------------------------------
// A simulation with closed-form population kappas.
//
// simulateCopyObservers (copy-model.ts) draws one pair with its own leader; here several humans
// and models must share one latent per stimulus, so the test uses the same copy mechanism with
// a shared reference: per stimulus a reference outcome r_s ~ Bernoulli(p); observer i copies
// r_s with probability c_i, else is correct with probability u_i, independently. Then
// a_i = c_i p + (1 - c_i) u_i, cov(i, j) = c_i c_j p (1 - p), and since c_obs - c_exp = 2 cov,
// the population kappa is 2 c_i c_j p (1 - p) / (a_i + a_j - 2 a_i a_j).

export interface SimObserver {
  name: string;
  c: number;
  u: number;
  human: boolean;
}

const P_REFERENCE = 0.7;
export const HUMANS: SimObserver[] = [0.5, 0.6, 0.7, 0.4, 0.55].map((c, i) => ({
  name: `subject-0${i + 1}`,
  c,
  u: 0.6,
  human: true,
}));

export function simulate(rng: SeededRandom, stimuli: number, observers: readonly SimObserver[]): OutcomeMatrix {
  const reference = Uint8Array.from({ length: stimuli }, () => (rng.uniform() < P_REFERENCE ? 1 : 0));
  return {
    dataset: "sim",
    condition: "all",
    observers: observers.map((o) => o.name),
    stimuli: Array.from({ length: stimuli }, (_, s) => `s${s}`),
    correct: observers.map((o) => Uint8Array.from(reference, (r) => (rng.uniform() < o.c ? r : rng.uniform() < o.u ? 1 : 0))),
    humans: new Set(observers.filter((o) => o.human).map((o) => o.name)),
    excluded: [],
  };
}

function populationKappa(a: SimObserver, b: SimObserver): number {
  const p = P_REFERENCE;
  const accA = a.c * p + (1 - a.c) * a.u;
  const accB = b.c * p + (1 - b.c) * b.u;
  return (2 * a.c * b.c * p * (1 - p)) / (accA + accB - 2 * accA * accB);
}

/** The mean population kappa of `model` with the five HUMANS. */
export const meanKappaWithHumans = (model: SimObserver) => HUMANS.reduce((sum, h) => sum + populationKappa(model, h), 0) / HUMANS.length;

/** The 16 PyTorch models of the 2020 paper's comparisons. */
export const PYTORCH_16 = [
  "alexnet",
  "vgg11-bn",
  "vgg13-bn",
  "vgg16-bn",
  "vgg19-bn",
  "squeezenet1-0",
  "squeezenet1-1",
  "densenet121",
  "densenet169",
  "densenet201",
  "inception-v3",
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "resnet152",
];

/** The outcome matrix of the published cue-conflict data (35 observers, 1280 stimuli). */
export async function cueConflictMatrix(): Promise<OutcomeMatrix> {
  const { datasets } = await loadDatasets(join(RAW_DATA, "texture-shape_cue-conflict"));
  return outcomeMatrix(datasets[0]);
}
