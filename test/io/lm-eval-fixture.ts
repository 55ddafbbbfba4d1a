// Three language models' per-sample results as lm-evaluation-harness writes them, for the reader's and the CLI's tests.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Three models' log-likelihoods on four 4-choice documents of one task; correct choices 0, 3, 1, 2. */
export const LM_EVAL_MODELS: Record<string, number[][]> = {
  "org__model-a": [
    [-0.5, -2.0, -3.0, -2.5],
    [-1.0, -1.5, -2.0, -0.8],
    [-2.2, -0.3, -2.9, -1.9],
    [-0.7, -1.4, -1.1, -3.0],
  ],
  "org__model-b": [
    [-0.6, -1.8, -3.1, -2.2],
    [-1.1, -1.2, -2.5, -0.9],
    [-2.0, -0.5, -3.2, -1.5],
    [-0.4, -1.9, -1.6, -2.8],
  ],
  "org__model-c": [
    [-3.0, -0.2, -2.0, -2.4],
    [-0.5, -2.5, -1.0, -1.6],
    [-1.0, -1.2, -0.9, -2.0],
    [-2.5, -2.0, -0.3, -1.0],
  ],
};
export const LM_EVAL_TARGETS = [0, 3, 1, 2];

/** Writes the models as lm-eval output: <root>/<model>/samples_<task>_<time>.jsonl, targets as given. */
export async function writeLmEvalFixture(root: string, task = "arc_easy", targets: (number | string)[] = LM_EVAL_TARGETS): Promise<void> {
  for (const [model, docs] of Object.entries(LM_EVAL_MODELS)) {
    await mkdir(join(root, model), { recursive: true });
    const lines = docs.map((lls, doc) =>
      JSON.stringify({
        doc_id: doc,
        doc: { question: `q${doc}` },
        target: targets[doc],
        arguments: lls.map((_, k) => [`Question ${doc}`, ` choice ${k}`]),
        resps: lls.map((ll) => [[ll, false]]),
        filtered_resps: lls.map((ll, k) => (model === "org__model-b" ? [String(ll), String(k === 0)] : [ll, k === 0])),
        filter: "none",
        metrics: ["acc"],
        acc: 0,
      }),
    );
    await writeFile(join(root, model, `samples_${task}_2024-05-01T10-20-30.123456.jsonl`), `${lines.join("\n")}\n`);
  }
}
