/**
 * The outputs of `trialwise reproduce geirhos2020` as text: numbers.json, the CSV tables and
 * the self-contained index.html. No Node APIs; the caller renders figures and writes files.
 */
import type { LinearFit } from "../core/math/regression.ts";
import { OBSERVER_COLUMNS } from "../core/observers.ts";
import { PAIR_COLUMNS } from "../core/pairs.ts";
import { SHAPE_BIAS_COLUMNS } from "../core/shape-bias.ts";
import type { ChanceBand } from "../figures/consistency.ts";
import { type Column, REPORT_CSS, escapeHtml, formatNumber, htmlTable } from "../report/html.ts";
import { toCsv } from "../io/format.ts";
import { DATASET_LABELS, IMAGENET_ACCURACY, SIN_VARIANTS, modelFamily } from "./geirhos2020-facts.ts";
import type { Figure } from "./figures.ts";
import type { Geirhos2020Analysis, GroupName, NoiseModelDetail, PaperComparison, TextureShapeAnalysis } from "./geirhos2020.ts";

/** Columns of tables/shape-bias-by-category.csv. */
export const SHAPE_BIAS_BY_CATEGORY_COLUMNS = ["category", ...SHAPE_BIAS_COLUMNS] as const;
export const BRAIN_SCORE_COLUMNS = ["model", "brain_score_name", "behaviour", "mean_kappa_vs_humans", "ci95"] as const;
export const NOISE_MODEL_DETAIL_COLUMNS = [
  "dataset",
  "condition",
  "n_trials",
  "acc_resnet50",
  "acc_cornet_s",
  "c_exp",
  "kappa",
  "ci_low",
  "ci_high",
  "chance_low",
  "chance_high",
  "kappa_min",
  "kappa_max",
  "top_response_resnet50",
  "top_share_resnet50",
  "top_response_cornet_s",
  "top_share_cornet_s",
] as const satisfies readonly (keyof NoiseModelDetail)[];

const GROUP_NAMES: GroupName[] = ["human-human", "cnn-cnn", "cnn-human"];

function fitNumbers(fit: LinearFit) {
  return { n: fit.n, slope: fit.slope, intercept: fit.intercept, r2: fit.r2, f: fit.f, df1: fit.df1, df2: fit.df2, p: fit.p };
}

/** numbers.json: per dataset, the group means, every model, the regressions and the paper's subset. */
export function geirhos2020Numbers(analysis: Geirhos2020Analysis, meta: Record<string, unknown>) {
  const numbers: Record<string, unknown> = { about: meta };
  for (const [dataset, a] of analysis.textureShape) {
    numbers[dataset] = {
      trials_per_observer: a.trialsPerObserver,
      groups: Object.fromEntries(GROUP_NAMES.map((g) => [g, a.groups[g]])),
      models: a.models,
      regression_top5: fitNumbers(a.regressionTop5),
      regression_top1: fitNumbers(a.regressionTop1),
      max_cnn_pair: a.maxCnnPair,
      paper_subset: { rows_mod4: a.paperSubset.rowsMod4, cnn_cnn: a.paperSubset.cnnCnn, max_cnn_pair: a.paperSubset.maxCnnPair },
    };
  }
  const b = analysis.brainScore;
  numbers.brain_score_behaviour = {
    models: b.models,
    regression: fitNumbers(b.regression),
    cnn_cnn: b.cnnCnn,
    cnn_cnn_paper_subset: b.cnnCnnPaperSubset,
  };
  numbers.paper_vs_recomputed = analysis.paperVsRecomputed;
  return numbers;
}

const texture = (analysis: Geirhos2020Analysis) => [...analysis.textureShape.values()];

/** The CSV tables, by file name. */
export function geirhos2020Tables(
  analysis: Geirhos2020Analysis,
  chance: ReadonlyMap<number, readonly ChanceBand[]>,
  noiseDetails: readonly NoiseModelDetail[],
): Map<string, string> {
  const tables = new Map<string, string>();
  const all = texture(analysis);
  tables.set(
    "pairs.csv",
    toCsv(
      all.flatMap((a) => a.pairs),
      PAIR_COLUMNS,
    ),
  );
  tables.set(
    "observers.csv",
    toCsv(
      all.flatMap((a) => a.observers),
      OBSERVER_COLUMNS,
    ),
  );
  tables.set(
    "groups.csv",
    toCsv(
      all
        .flatMap((a) => GROUP_NAMES.map((group) => ({ dataset: a.dataset, group, trials: "all", ...a.groups[group] })))
        .concat(
          all.map((a) => ({
            dataset: a.dataset,
            group: "cnn-cnn",
            trials: "paper subset (row p mod 4 in {0,1})",
            ...a.paperSubset.cnnCnn,
          })),
        ),
      ["dataset", "group", "trials", "n", "mean", "sd", "ci95"],
    ),
  );
  tables.set(
    "models.csv",
    toCsv(all.flatMap(modelRows), [
      "dataset",
      "model",
      "family",
      "imagenet_top1",
      "imagenet_top5",
      "accuracy",
      "n_humans",
      "mean_kappa_vs_humans",
      "sd",
      "ci95",
      "shape_bias",
    ]),
  );
  tables.set(
    "regressions.csv",
    toCsv(
      all.flatMap((a) => [
        { dataset: a.dataset, predictor: "imagenet_top5", ...fitNumbers(a.regressionTop5) },
        { dataset: a.dataset, predictor: "imagenet_top1", ...fitNumbers(a.regressionTop1) },
        ...(a.dataset === "texture-shape_cue-conflict"
          ? [{ dataset: a.dataset, predictor: "brain_score_behaviour", ...fitNumbers(analysis.brainScore.regression) }]
          : []),
      ]),
      ["dataset", "predictor", "n", "slope", "intercept", "r2", "f", "df1", "df2", "p"],
    ),
  );
  const cueConflict = analysis.textureShape.get("texture-shape_cue-conflict")!;
  tables.set("shape-bias.csv", toCsv(cueConflict.shapeBias!, SHAPE_BIAS_COLUMNS));
  tables.set(
    "paper-vs-recomputed.csv",
    toCsv(analysis.paperVsRecomputed, [
      "id",
      "dataset",
      "quantity",
      "where",
      "paper",
      "recomputed",
      "recomputed_subset",
      "verdict",
      "explanation",
    ]),
  );
  tables.set(
    "noise-accuracy.csv",
    toCsv(analysis.noiseAccuracy, ["dataset", "condition", "observer", "accuracy", "n_trials", "min", "max", "n_observers"]),
  );
  tables.set("noise-model-consistency.csv", toCsv(analysis.noiseModelConsistency, PAIR_COLUMNS));
  tables.set("noise-model-consistency-details.csv", toCsv(noiseDetails, NOISE_MODEL_DETAIL_COLUMNS));
  tables.set("shape-bias-by-category.csv", toCsv(analysis.shapeBiasByCategory, SHAPE_BIAS_BY_CATEGORY_COLUMNS));
  tables.set("brain-score.csv", toCsv(analysis.brainScore.models, BRAIN_SCORE_COLUMNS));
  for (const [trials, bands] of chance) {
    tables.set(`chance-region-${trials}-trials.csv`, toCsv(bands, Object.keys(bands[0] ?? {})));
  }
  return tables;
}

function modelRows(a: TextureShapeAnalysis) {
  return Object.entries(a.models).map(([model, m]) => ({
    dataset: a.dataset,
    model,
    family: modelFamily(model),
    imagenet_top1: IMAGENET_ACCURACY[model]?.top1 ?? null,
    imagenet_top5: IMAGENET_ACCURACY[model]?.top5 ?? null,
    accuracy: m.accuracy,
    n_humans: m.n_humans,
    mean_kappa_vs_humans: m.mean_kappa_vs_humans,
    sd: m.sd,
    ci95: m.ci95,
    shape_bias: m.shape_bias ?? null,
  }));
}

export interface RenderedFigure extends Figure {
  svg: string;
  files: string[];
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** The self-contained report: every figure inline (SVG), captions, tables, methods. */
export function geirhos2020Html(
  analysis: Geirhos2020Analysis,
  figures: readonly RenderedFigure[],
  meta: { dataDir: string; version: string; chanceNote: string; extraSections?: readonly { id: string; name: string; html: string }[] },
): string {
  const sections = new Map<string, RenderedFigure[]>();
  for (const f of figures) {
    const list = sections.get(f.section);
    if (list) list.push(f);
    else sections.set(f.section, [f]);
  }
  const all = texture(analysis);
  const groupRows = all.flatMap((a) => GROUP_NAMES.map((g) => ({ dataset: DATASET_LABELS[a.dataset], group: g, ...a.groups[g] })));
  const paperColumns: Column<PaperComparison>[] = [
    { title: "dataset", value: (r) => r.dataset.replace("texture-shape_", "") },
    { title: "quantity", value: (r) => r.quantity },
    { title: "where", value: (r) => r.where },
    { title: "paper", value: (r) => r.paper },
    { title: "trialwise, all trials", value: (r) => r.recomputed, digits: 6 },
    { title: "trialwise, script's subset", value: (r) => r.recomputed_subset, digits: 6 },
    { title: "verdict", value: (r) => r.verdict },
    { title: "why", value: (r) => r.explanation },
  ];
  const paperTable = htmlTable(analysis.paperVsRecomputed, paperColumns, "paper").replace(
    /<tr>((?:(?!<\/tr>).)*<td>differs<\/td>)/g,
    '<tr class="differs">$1',
  );
  const figureHtml = (f: RenderedFigure) =>
    `<figure id="${escapeHtml(f.id)}">${f.svg.replace(/^<\?xml[^>]*>/, "")}<figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}` +
    `<span class="files">${f.files.map((file) => `<a href="${escapeHtml(file)}">${escapeHtml(file)}</a>`).join(" · ")}</span></figcaption></figure>`;
  const sectionHtml = [...sections]
    .map(([name, list]) => `<section id="${slug(name)}"><h2>${escapeHtml(name)}</h2>\n${list.map(figureHtml).join("\n")}</section>`)
    .join("\n");
  const modelTables = all
    .map(
      (a) =>
        `<h3>${escapeHtml(DATASET_LABELS[a.dataset])} (${a.trialsPerObserver} trials per observer)</h3>` +
        htmlTable(modelRows(a), [
          { title: "model", value: (r) => r.model },
          { title: "accuracy", value: (r) => r.accuracy, digits: 3 },
          { title: "ImageNet top-5 (%)", value: (r) => r.imagenet_top5, digits: 2 },
          { title: "mean κ with humans", value: (r) => r.mean_kappa_vs_humans, digits: 4 },
          { title: "± 95%", value: (r) => r.ci95, digits: 4 },
          ...(a.shapeBias ? [{ title: "shape bias", value: (r: ReturnType<typeof modelRows>[number]) => r.shape_bias, digits: 4 }] : []),
        ]),
    )
    .join("\n");
  const regressionRows = all.flatMap((a) => [
    { dataset: DATASET_LABELS[a.dataset], predictor: "top-5", ...fitNumbers(a.regressionTop5) },
    { dataset: DATASET_LABELS[a.dataset], predictor: "top-1", ...fitNumbers(a.regressionTop1) },
  ]);
  const subsetRows = all.map((a) => ({ ...a, dataset: DATASET_LABELS[a.dataset] }));
  const extras = meta.extraSections ?? [];
  const nav = ["Key numbers", "Paper vs recomputed", ...sections.keys(), "Tables", "Methods"]
    .map((name) => `<li><a href="#${slug(name)}">${escapeHtml(name)}</a></li>`)
    .concat(extras.map((e) => `<li><a href="#${escapeHtml(e.id)}">${escapeHtml(e.name)}</a></li>`))
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trialwise: Geirhos, Meding &amp; Wichmann (2020) reproduced</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_CSS}</style></head>
<body>
<h1>Beyond accuracy: error consistency of CNNs and humans, reproduced</h1>
<p>Every figure and number of Geirhos, Meding &amp; Wichmann, <em>Beyond accuracy: quantifying trial-by-trial behaviour of CNNs and humans by measuring error consistency</em> (NeurIPS 2020), recomputed by trialwise ${escapeHtml(meta.version)} from the published trial data (<code>${escapeHtml(meta.dataDir)}</code>). Tables are in <a href="tables/">tables/</a>, every number below also in <a href="numbers.json">numbers.json</a>.</p>
<nav><ol>${nav}</ol></nav>

<section id="key-numbers"><h2>Key numbers</h2>
<p>Mean error consistency κ of the 45 human-human pairs, the 120 pairs of the 16 PyTorch ImageNet models, and their 160 pairs with humans, on all trials; ± is the 95% half-width 1.959964·sd/√n.</p>
${htmlTable(groupRows, [
  { title: "dataset", value: (r) => r.dataset },
  { title: "pairs", value: (r) => r.group },
  { title: "n", value: (r) => r.n },
  { title: "mean κ", value: (r) => r.mean, digits: 4 },
  { title: "sd", value: (r) => r.sd, digits: 4 },
  { title: "± 95%", value: (r) => r.ci95, digits: 4 },
])}
<p>On all trials, mean κ per dataset (${all.map((a) => DATASET_LABELS[a.dataset]).join(", ")}): CNN-CNN ${all.map((a) => formatNumber(a.groups["cnn-cnn"].mean, 3)).join(", ")}; human-human ${all.map((a) => formatNumber(a.groups["human-human"].mean, 3)).join(", ")}; CNN-human ${all.map((a) => formatNumber(a.groups["cnn-human"].mean, 3)).join(", ")}. The paper's conclusion, that CNNs agree with each other far more than with humans, holds without the subset artefact described below.</p>
</section>

<section id="paper-vs-recomputed"><h2>Paper vs recomputed</h2>
<p>Every number the paper states about these data, trialwise's value on all trials, and a verdict: <em>matches</em> when trialwise's value rounds to the printed one.</p>
<div class="note"><p><strong>Why some differ.</strong> The figures' "CNN vs. CNNs" labels (0.62 ± 0.01 cue-conflict, 0.48 edges, 0.67 silhouettes) and the "0.793 resnet18 densenet121" maximum on edges were computed by the original analysis script, through an indexing error, on a subset of trials only: for each model the trials at 1-based row positions p of its CSV with p mod 4 in {0, 1} (half the trials). Recomputing on that subset gives exactly the published values (${subsetRows.map((r) => `${r.dataset}: ${formatNumber(r.paperSubset.cnnCnn.mean, 6)} ± ${formatNumber(r.paperSubset.cnnCnn.ci95, 6)}`).join("; ")}; edges maximum ${formatNumber(analysis.textureShape.get("texture-shape_edges")!.paperSubset.maxCnnPair.kappa, 6)}). On all trials the values are those in the middle column. The paper's conclusion holds either way.</p></div>
${paperTable}
</section>

${sectionHtml}

<section id="tables"><h2>Tables</h2>
<h3>Every model: accuracy and mean κ with the 10 humans</h3>
${modelTables}
<h3>Regressions of CNN-human κ on ImageNet accuracy (160 points: 16 models × 10 humans)</h3>
${htmlTable(regressionRows, [
  { title: "dataset", value: (r) => r.dataset },
  { title: "predictor", value: (r) => r.predictor },
  { title: "slope", value: (r) => r.slope, digits: 5 },
  { title: "intercept", value: (r) => r.intercept, digits: 4 },
  { title: "R²", value: (r) => r.r2, digits: 5 },
  { title: "F", value: (r) => r.f, digits: 4 },
  { title: "df", value: (r) => `1, ${r.df2}` },
  { title: "p", value: (r) => r.p, digits: 4 },
])}
<h3>The SIN analysis</h3>
${htmlTable(
  SIN_VARIANTS.map((m) => ({ model: m, ...analysis.textureShape.get("texture-shape_cue-conflict")!.models[m] })),
  [
    { title: "model", value: (r) => r.model },
    { title: "shape bias (%)", value: (r) => (r.shape_bias == null ? null : 100 * r.shape_bias), digits: 2 },
    { title: "mean κ with humans", value: (r) => r.mean_kappa_vs_humans, digits: 4 },
    { title: "± 95%", value: (r) => r.ci95, digits: 4 },
  ],
)}
</section>

<section id="methods"><h2>Methods</h2>
<p><strong>Trials.</strong> One dataset per folder; the observer is the <code>subj</code> column; an observer is human exactly when its name contains "subject"; a trial is correct when <code>object_response</code> equals <code>category</code>; a missing answer (<code>na</code>) is wrong and stays in the count. Trials are matched across observers by stimulus id (from <code>imagename</code>); every pair in the texture-shape datasets saw the same stimuli (cue-conflict 1280, edges and silhouettes 160 trials each).</p>
<p><strong>Error consistency.</strong> With accuracies p1, p2 over the matched trials: c_exp = p1·p2 + (1−p1)(1−p2); c_obs = (both correct + both wrong)/n; κ = (c_obs − c_exp)/(1 − c_exp). Group values are means over pairs with the half-width 1.959964·sd/√n (sd with n − 1). The 16 PyTorch models are ${escapeHtml(Object.keys(IMAGENET_ACCURACY).join(", "))}.</p>
<p><strong>Regression.</strong> Ordinary least squares of each of the 160 CNN-human κ on the model's ImageNet validation accuracy (torchvision model zoo), F test of the slope with (1, 158) degrees of freedom.</p>
<p><strong>Shape bias.</strong> On cue-conflict, leaving out the 80 stimuli whose texture and shape categories coincide: shape decisions / (shape + texture decisions).</p>
<p><strong>Chance region.</strong> ${escapeHtml(meta.chanceNote)}.</p>
<p><strong>Accuracy under noise.</strong> Models: all sessions pooled; humans: all their trials pooled, with the range of individual accuracies. Humans and models saw different images in these experiments, so only model-model consistency exists there.</p>
</section>${extras.map((e) => `\n${e.html}`).join("")}
</body></html>
`;
}
