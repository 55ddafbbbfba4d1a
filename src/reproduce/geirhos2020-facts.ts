/**
 * Published facts of Geirhos, Meding & Wichmann (NeurIPS 2020, arXiv 2006.16736) that the
 * reproduction needs besides the trial data: which models form the "16 PyTorch models", their
 * ImageNet accuracies (torchvision model zoo), and the numbers the paper prints.
 */

/** The three texture-shape datasets the error-consistency analysis uses. */
export const TEXTURE_SHAPE_DATASETS = ["texture-shape_cue-conflict", "texture-shape_edges", "texture-shape_silhouettes"] as const;
export type TextureShapeDataset = (typeof TEXTURE_SHAPE_DATASETS)[number];

export const DATASET_LABELS: Record<TextureShapeDataset, string> = {
  "texture-shape_cue-conflict": "cue-conflict",
  "texture-shape_edges": "edges",
  "texture-shape_silhouettes": "silhouettes",
};

/** ImageNet validation accuracy (%) of the torchvision models, as on the paper's x-axes. */
export const IMAGENET_ACCURACY: Record<string, { top1: number; top5: number }> = {
  alexnet: { top1: 56.522, top5: 79.066 },
  "vgg11-bn": { top1: 70.37, top5: 89.81 },
  "vgg13-bn": { top1: 71.586, top5: 90.374 },
  "vgg16-bn": { top1: 73.36, top5: 91.516 },
  "vgg19-bn": { top1: 74.218, top5: 91.842 },
  "squeezenet1-0": { top1: 58.092, top5: 80.422 },
  "squeezenet1-1": { top1: 58.178, top5: 80.624 },
  densenet121: { top1: 74.434, top5: 91.972 },
  densenet169: { top1: 75.6, top5: 92.806 },
  densenet201: { top1: 76.896, top5: 93.37 },
  "inception-v3": { top1: 69.538, top5: 88.654 },
  resnet18: { top1: 69.758, top5: 89.078 },
  resnet34: { top1: 73.314, top5: 91.42 },
  resnet50: { top1: 76.13, top5: 92.862 },
  resnet101: { top1: 77.374, top5: 93.546 },
  resnet152: { top1: 78.312, top5: 94.046 },
};

/** The 16 PyTorch ImageNet models of the paper's group statistics and regressions. */
export const PYTORCH_MODELS: readonly string[] = Object.keys(IMAGENET_ACCURACY);

/** The four ResNet-50 training variants of the paper's SIN (Stylized-ImageNet) analysis. */
export const SIN_VARIANTS = [
  "resnet50",
  "resnet50-trained-on-SIN",
  "resnet50-trained-on-SIN-and-IN",
  "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN",
] as const;

export const SIN_LABELS: Record<(typeof SIN_VARIANTS)[number], string> = {
  resnet50: "ResNet-50 (IN)",
  "resnet50-trained-on-SIN": "SIN",
  "resnet50-trained-on-SIN-and-IN": "SIN+IN",
  "resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN": "SIN+IN → IN",
};

/**
 * The four networks of the paper's "four networks" figures, with the paper's legend names. The
 * data has no GoogLeNet: the points the paper labels "GoogLeNet" are inception-v3's, and its
 * "VGG-16" points are vgg16-bn's (their c_exp and kappa with each human match those models').
 */
export const FOUR_NETWORKS = [
  { model: "alexnet", label: "AlexNet" },
  { model: "vgg16-bn", label: "VGG-16" },
  { model: "inception-v3", label: "GoogLeNet" },
  { model: "resnet50", label: "ResNet-50" },
] as const;

/**
 * The models of the paper's kappa-vs-Brain-Score figure and their names in the Brain-Score
 * table (brain-score_metrics/brainscore_metrics.csv): the 16 PyTorch models that have a
 * Brain-Score entry, with vgg16-bn and vgg19-bn matched to Brain-Score's vgg-16 and vgg-19 (as
 * the paper did: its CNN-CNN label 0.63 ± 0.01 comes out with them, on its subset of trials).
 */
export const BRAIN_SCORE_NAMES: Record<string, string> = {
  alexnet: "alexnet",
  "vgg16-bn": "vgg-16",
  "vgg19-bn": "vgg-19",
  "squeezenet1-0": "squeezenet1_0",
  "squeezenet1-1": "squeezenet1_1",
  densenet121: "densenet-121",
  densenet169: "densenet-169",
  densenet201: "densenet-201",
  "inception-v3": "inception_v3",
  resnet18: "resnet-18",
  resnet34: "resnet-34",
  resnet50: "resnet-50_v1",
  resnet101: "resnet-101_v1",
  resnet152: "resnet-152_v1",
};

/** Model family, for colours (the rule lives with the palette in src/figures/style.ts). */
export { modelFamily } from "../figures/style.ts";

/** Whether the paper counts two models as the same family. */
export function sameFamily(a: string, b: string): boolean {
  return ["resnet", "densenet", "squeezenet", "vgg"].some((f) => a.includes(f) && b.includes(f));
}

/**
 * A number as the paper prints it: the text (its precision is the number of digits shown),
 * where it appears, and how trialwise computes the same quantity.
 */
export interface PaperNumber {
  id: string;
  dataset: TextureShapeDataset;
  quantity: string;
  where: string;
  printed: string;
  /** Printed as a percentage. */
  percent?: boolean;
}

/** Every number the paper states about the texture-shape data. */
export const PAPER_NUMBERS: readonly PaperNumber[] = [
  {
    id: "cc.human-human.mean",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa, human-human (45 pairs)",
    where: "text, Figure 1",
    printed: "0.331",
  },
  {
    id: "cc.human-human.ci95",
    dataset: "texture-shape_cue-conflict",
    quantity: "95% half-width, human-human",
    where: "Figure 1 label (0.33 ± 0.02)",
    printed: "0.02",
  },
  {
    id: "cc.model.resnet50",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa, ResNet-50 vs humans",
    where: "text",
    printed: "0.068",
  },
  {
    id: "cc.model.cornet-s",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa, CORnet-S vs humans",
    where: "text",
    printed: "0.066",
  },
  {
    id: "cc.model.alexnet",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa, AlexNet vs humans",
    where: "text",
    printed: "0.08",
  },
  {
    id: "cc.pair.resnet50.cornet-s",
    dataset: "texture-shape_cue-conflict",
    quantity: "kappa, ResNet-50 vs CORnet-S",
    where: "text",
    printed: "0.711",
  },
  {
    id: "cc.cnn-cnn.mean",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa, CNN-CNN (16 models, 120 pairs)",
    where: "Figure 1 label (0.62 ± 0.01)",
    printed: "0.62",
  },
  {
    id: "cc.cnn-cnn.ci95",
    dataset: "texture-shape_cue-conflict",
    quantity: "95% half-width, CNN-CNN",
    where: "Figure 1 label (0.62 ± 0.01)",
    printed: "0.01",
  },
  {
    id: "e.human-human.mean",
    dataset: "texture-shape_edges",
    quantity: "mean kappa, human-human",
    where: "figure label (0.32 ± 0.04)",
    printed: "0.32",
  },
  {
    id: "e.human-human.ci95",
    dataset: "texture-shape_edges",
    quantity: "95% half-width, human-human",
    where: "figure label (0.32 ± 0.04)",
    printed: "0.04",
  },
  {
    id: "s.human-human.mean",
    dataset: "texture-shape_silhouettes",
    quantity: "mean kappa, human-human",
    where: "figure label (0.48 ± 0.03)",
    printed: "0.48",
  },
  {
    id: "s.human-human.ci95",
    dataset: "texture-shape_silhouettes",
    quantity: "95% half-width, human-human",
    where: "figure label (0.48 ± 0.03)",
    printed: "0.03",
  },
  {
    id: "e.cnn-cnn.mean",
    dataset: "texture-shape_edges",
    quantity: "mean kappa, CNN-CNN",
    where: "figure label (0.48 ± 0.03)",
    printed: "0.48",
  },
  {
    id: "e.cnn-cnn.ci95",
    dataset: "texture-shape_edges",
    quantity: "95% half-width, CNN-CNN",
    where: "figure label (0.48 ± 0.03)",
    printed: "0.03",
  },
  {
    id: "s.cnn-cnn.mean",
    dataset: "texture-shape_silhouettes",
    quantity: "mean kappa, CNN-CNN",
    where: "figure label (0.67 ± 0.02)",
    printed: "0.67",
  },
  {
    id: "s.cnn-cnn.ci95",
    dataset: "texture-shape_silhouettes",
    quantity: "95% half-width, CNN-CNN",
    where: "figure label (0.67 ± 0.02)",
    printed: "0.02",
  },
  {
    id: "e.max-cnn-pair",
    dataset: "texture-shape_edges",
    quantity: "highest CNN-CNN kappa (resnet18 vs densenet121)",
    where: "text",
    printed: "0.793",
  },
  {
    id: "cc.top5.r2",
    dataset: "texture-shape_cue-conflict",
    quantity: "R² of kappa ~ ImageNet top-5",
    where: "regression output",
    printed: "0.0005459",
  },
  {
    id: "cc.top5.f",
    dataset: "texture-shape_cue-conflict",
    quantity: "F(1,158) of kappa ~ top-5",
    where: "regression output",
    printed: "0.08631",
  },
  { id: "cc.top5.p", dataset: "texture-shape_cue-conflict", quantity: "p of kappa ~ top-5", where: "regression output", printed: "0.7693" },
  {
    id: "s.top5.r2",
    dataset: "texture-shape_silhouettes",
    quantity: "R² of kappa ~ ImageNet top-5",
    where: "regression output",
    printed: "0.253",
  },
  {
    id: "s.top5.f",
    dataset: "texture-shape_silhouettes",
    quantity: "F(1,158) of kappa ~ top-5",
    where: "regression output",
    printed: "53.53",
  },
  { id: "s.top5.p", dataset: "texture-shape_silhouettes", quantity: "p of kappa ~ top-5", where: "regression output", printed: "1.21e-11" },
  {
    id: "cc.shape-bias.resnet50",
    dataset: "texture-shape_cue-conflict",
    quantity: "shape bias, ResNet-50",
    where: "SIN analysis",
    printed: "21.39",
    percent: true,
  },
  {
    id: "cc.shape-bias.resnet50-trained-on-SIN",
    dataset: "texture-shape_cue-conflict",
    quantity: "shape bias, ResNet-50 trained on SIN",
    where: "SIN analysis",
    printed: "81.37",
    percent: true,
  },
  {
    id: "cc.shape-bias.resnet50-trained-on-SIN-and-IN",
    dataset: "texture-shape_cue-conflict",
    quantity: "shape bias, trained on SIN+IN",
    where: "SIN analysis",
    printed: "34.65",
    percent: true,
  },
  {
    id: "cc.shape-bias.resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN",
    dataset: "texture-shape_cue-conflict",
    quantity: "shape bias, SIN+IN then fine-tuned on IN",
    where: "SIN analysis",
    printed: "20.54",
    percent: true,
  },
  {
    id: "cc.model.resnet50-trained-on-SIN",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa vs humans, ResNet-50 trained on SIN",
    where: "SIN analysis",
    printed: "0.195",
  },
  {
    id: "cc.model.resnet50-trained-on-SIN-and-IN",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa vs humans, SIN+IN",
    where: "SIN analysis",
    printed: "0.098",
  },
  {
    id: "cc.model.resnet50-trained-on-SIN-and-IN-then-finetuned-on-IN",
    dataset: "texture-shape_cue-conflict",
    quantity: "mean kappa vs humans, SIN+IN then IN",
    where: "SIN analysis",
    printed: "0.066",
  },
];
