/**
 * The design of a human object-recognition experiment for error consistency, as small pure
 * functions (isomorphic: no Node APIs; the server and the browser app both use them).
 *
 * Error consistency compares observers trial by trial on the same stimuli, so:
 * - within a condition every participant sees the same stimuli (a fixed, category-balanced
 *   selection drawn once with the experiment's seed); only their order differs per participant
 *   (a shuffle seeded by the participant's own seed, which is recorded);
 * - with several conditions, which conditions a participant sees and in which order rotates
 *   across participants through the rows of a balanced Latin square (Williams design).
 */
import { InputError } from "../core/errors.ts";
import { SeededRandom, normalizeSeed } from "../core/math/random.ts";
import { compareText } from "../core/trials.ts";

/** The 16 entry-level categories of the published experiments, in the order of the response grid. */
export const CATEGORIES_16 = [
  "airplane",
  "bear",
  "bicycle",
  "bird",
  "boat",
  "bottle",
  "car",
  "cat",
  "chair",
  "clock",
  "dog",
  "elephant",
  "keyboard",
  "knife",
  "oven",
  "truck",
] as const;

/** One image of the stimulus set, without its path: the server maps `id` to the file. */
export interface DesignStimulus {
  /** Key of the stimulus in the set (its position in the set, as text). */
  id: string;
  /** The image's file name, written as `imagename`. */
  name: string;
  category: string;
  condition: string;
  /** An attention check: the stimulus is the answer's name (`catch:<category>`), not an image of the set. */
  catchTrial?: boolean;
}

export type ConditionOrder = "blocked" | "interleaved";

export interface DesignOptions {
  /** Seed of the stimulus selection and of every participant's seed. */
  seed: number;
  /** Main trials per participant, split evenly over the participant's conditions; default: all stimuli of those conditions. */
  trialsPerParticipant?: number;
  /** The conditions used, in this order (the base order of the Latin square); default: all, sorted. */
  conditions?: readonly string[];
  /** Conditions each participant sees (counterbalanced across participants); default: all. */
  conditionsPerParticipant?: number;
  /** Conditions in blocks (in the counterbalanced order) or all trials shuffled together. */
  conditionOrder?: ConditionOrder;
  /** Practice trials (with feedback, before the main block; not stored as data). */
  practiceTrials?: number;
  /** Stimuli for practice; default: stimuli of the set not selected for the main block. */
  practiceStimuli?: readonly DesignStimulus[];
  /** The response categories; every stimulus's category must be one of them. */
  categories: readonly string[];
  /** Attention checks mixed into each participant's main block (see {@link catchStimulus}). */
  catchTrials?: number;
}

/** The stimuli of an experiment, fixed for all participants. */
export interface ExperimentPlan {
  seed: number;
  conditions: string[];
  conditionsPerParticipant: number;
  conditionOrder: ConditionOrder;
  /** The stimuli each condition shows (every participant who sees the condition sees exactly these). */
  stimuliByCondition: Map<string, DesignStimulus[]>;
  practice: DesignStimulus[];
  categories: readonly string[];
  /** Attention checks per participant, mixed into the main block. */
  catchTrials: number;
}

export interface DesignTrial {
  /** 0-based position in the participant's main block (the exported `trial` is index + 1). */
  index: number;
  stimulus: DesignStimulus;
}

/** What one participant does: derived from the plan and the participant's number alone. */
export interface ParticipantDesign {
  /** 1-based participant number (subject-01 is 1). */
  number: number;
  /** The participant's seed (trial order, practice order, noise masks). */
  seed: number;
  /** The participant's conditions, in the counterbalanced order. */
  conditions: string[];
  trials: DesignTrial[];
  practice: DesignStimulus[];
}

/** A uniform integer in [0, n). */
function randomIndex(random: SeededRandom, n: number): number {
  return Math.floor(random.uniform() * n);
}

/** A copy of `items` in random order (Fisher-Yates, driven by `seed`). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleWith(items, new SeededRandom(seed));
}

function shuffleWith<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The seed of participant `number`: one output of the generator seeded with the experiment's
 * seed mixed with the number, so participants' orders are independent yet reproducible.
 */
export function participantSeed(experimentSeed: number, number: number): number {
  return new SeededRandom(normalizeSeed(experimentSeed) ^ Math.imul(number, 0x9e3779b1)).nextUint32();
}

/**
 * `n` stimuli of `pool`, balanced over categories: each category's stimuli are shuffled, the
 * categories visited in a shuffled order, one stimulus taken from each in turn, so category
 * counts differ by at most one (while every category has stimuli left). Returned in pool order.
 * The same seed gives the same selection: every participant sees it.
 */
export function balancedSelection(pool: readonly DesignStimulus[], n: number, seed: number): DesignStimulus[] {
  if (n > pool.length) throw new RangeError(`cannot select ${n} of ${pool.length} stimuli`);
  const random = new SeededRandom(seed);
  const byCategory = new Map<string, DesignStimulus[]>();
  for (const s of pool) {
    const list = byCategory.get(s.category);
    if (list) list.push(s);
    else byCategory.set(s.category, [s]);
  }
  const queues = shuffleWith([...byCategory.keys()].sort(compareText), random).map((c) => shuffleWith(byCategory.get(c)!, random));
  const chosen = new Set<DesignStimulus>();
  while (chosen.size < n) {
    for (const queue of queues) {
      if (chosen.size === n) break;
      const next = queue.shift();
      if (next) chosen.add(next);
    }
  }
  return pool.filter((s) => chosen.has(s));
}

/**
 * Row `row` of a balanced Latin square (Williams design) on n conditions: every condition
 * appears once per row, equally often at every position, and directly after every other
 * condition equally often, over a full cycle of rows (n rows for even n; 2n for odd n, the
 * second n being the first n reversed). Rows repeat with that cycle.
 */
export function latinSquareRow(n: number, row: number): number[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`a Latin square needs at least one condition, got ${n}`);
  const cycle = latinSquareCycle(n);
  const r = ((row % cycle) + cycle) % cycle;
  // First row 0, 1, n-1, 2, n-2, ...; row r adds r to every entry (mod n).
  const first: number[] = [];
  for (let j = 0, low = 1, high = n - 1; j < n; j++) first.push(j === 0 ? 0 : j % 2 === 1 ? low++ : high--);
  const shifted = first.map((c) => (c + (r % n)) % n);
  return r < n ? shifted : shifted.reverse();
}

/** Rows after which the balanced Latin square repeats: n for even n, 2n for odd n. */
export function latinSquareCycle(n: number): number {
  return n % 2 === 0 || n === 1 ? n : 2 * n;
}

/** Checks the stimuli and options and fixes the stimuli of every condition and the practice. */
export function planExperiment(stimuli: readonly DesignStimulus[], options: DesignOptions, source = "the stimulus set"): ExperimentPlan {
  const categories = options.categories;
  const unknownCategory = [...stimuli, ...(options.practiceStimuli ?? [])].find((s) => !categories.includes(s.category));
  if (unknownCategory) {
    throw new InputError(
      `stimulus "${unknownCategory.name}" has category "${unknownCategory.category}"; expected one of the response categories ${categories.join(", ")}`,
      {
        file: source,
      },
    );
  }
  const present = [...new Set(stimuli.map((s) => s.condition))].sort(compareText);
  const conditions = options.conditions ? [...options.conditions] : present;
  if (conditions.length === 0) throw new InputError("no stimuli; expected at least one image", { file: source });
  const absent = conditions.filter((c) => !present.includes(c));
  if (absent.length > 0) {
    throw new InputError(
      `no stimuli in condition${absent.length > 1 ? "s" : ""} ${absent.map((c) => `"${c}"`).join(", ")}; the set's conditions: ${present.join(", ")}`,
      { file: source },
    );
  }
  if (new Set(conditions).size !== conditions.length) throw new InputError(`a condition is named twice in ${conditions.join(", ")}`);
  const perParticipant = options.conditionsPerParticipant ?? conditions.length;
  if (!(Number.isInteger(perParticipant) && perParticipant >= 1 && perParticipant <= conditions.length)) {
    throw new InputError(
      `conditions per participant must be an integer from 1 to ${conditions.length} (the conditions used), not ${perParticipant}`,
    );
  }
  const pools = new Map(conditions.map((c) => [c, stimuli.filter((s) => s.condition === c)]));
  const perCondition = perConditionTrials(options.trialsPerParticipant, perParticipant, pools, source);
  const stimuliByCondition = new Map<string, DesignStimulus[]>();
  const unused: DesignStimulus[] = [];
  for (const [condition, pool] of pools) {
    const chosen = balancedSelection(pool, perCondition, options.seed);
    stimuliByCondition.set(condition, chosen);
    const taken = new Set(chosen);
    unused.push(...pool.filter((s) => !taken.has(s)));
  }
  const practicePool = options.practiceStimuli ?? unused;
  const practiceCount = Math.min(options.practiceTrials ?? 0, practicePool.length);
  return {
    seed: options.seed,
    conditions,
    conditionsPerParticipant: perParticipant,
    conditionOrder: options.conditionOrder ?? "blocked",
    stimuliByCondition,
    practice: balancedSelection(practicePool, practiceCount, options.seed ^ 0x5bd1e995),
    categories,
    catchTrials: options.catchTrials ?? 0,
  };
}

function perConditionTrials(
  total: number | undefined,
  perParticipant: number,
  pools: Map<string, DesignStimulus[]>,
  source: string,
): number {
  const smallest = Math.min(...[...pools.values()].map((p) => p.length));
  if (total === undefined) {
    const sizes = new Set([...pools.values()].map((p) => p.length));
    if (sizes.size > 1) {
      throw new InputError(
        `the conditions have different numbers of stimuli (${[...pools].map(([c, p]) => `${c}: ${p.length}`).join(", ")}); give the trials per participant (at most ${smallest * perParticipant})`,
        { file: source },
      );
    }
    return smallest;
  }
  if (!(Number.isInteger(total) && total >= 1 && total % perParticipant === 0)) {
    throw new InputError(
      `trials per participant must be a positive multiple of the ${perParticipant} condition(s) each participant sees, not ${total}`,
    );
  }
  const each = total / perParticipant;
  if (each > smallest) {
    throw new InputError(`${total} trials per participant need ${each} stimuli per condition, but a condition has only ${smallest}`, {
      file: source,
    });
  }
  return each;
}

/**
 * Participant `number`'s design: conditions from row number - 1 of the balanced Latin square
 * (the first `conditionsPerParticipant` of it), each condition's fixed stimuli, shuffled with
 * the participant's seed within blocks (or all together for interleaved conditions).
 */
export function participantDesign(plan: ExperimentPlan, number: number): ParticipantDesign {
  if (!(Number.isInteger(number) && number >= 1)) throw new RangeError(`participant numbers start at 1, got ${number}`);
  const seed = participantSeed(plan.seed, number);
  const random = new SeededRandom(seed);
  const conditions = latinSquareRow(plan.conditions.length, number - 1)
    .slice(0, plan.conditionsPerParticipant)
    .map((i) => plan.conditions[i]);
  const ordered =
    plan.conditionOrder === "blocked"
      ? conditions.flatMap((c) => shuffleWith(plan.stimuliByCondition.get(c)!, random))
      : shuffleWith(
          conditions.flatMap((c) => plan.stimuliByCondition.get(c)!),
          random,
        );
  const practice = shuffleWith(plan.practice, random);
  const withChecks = withCatchTrials(ordered, plan.catchTrials, plan.categories, seed);
  return {
    number,
    seed,
    conditions,
    trials: withChecks.map((stimulus, index) => ({ index, stimulus })),
    practice,
  };
}

/**
 * An attention check asking for `category`: the stimulus shows the category's name instead of an
 * image, so an attentive participant answers it correctly. Its id, `catch:<category>`, is what
 * the browser draws.
 */
export function catchStimulus(category: string): DesignStimulus {
  const id = `catch:${category}`;
  return { id, name: id, category, condition: "catch", catchTrial: true };
}

/**
 * `trials` with `count` attention checks mixed in: the block is cut into `count` equal parts
 * and one check goes at a random place within each (never first), asking for a random category;
 * drawn from its own generator (seeded by the participant's seed), so the order of the real
 * trials is the same with and without checks.
 */
function withCatchTrials(trials: readonly DesignStimulus[], count: number, categories: readonly string[], seed: number): DesignStimulus[] {
  if (count === 0) return [...trials];
  const random = new SeededRandom(seed ^ 0x2545f491);
  const n = trials.length;
  const positions: number[] = [];
  for (let k = 0; k < count; k++) {
    const start = Math.max(1, Math.floor((k * n) / count));
    const end = Math.max(start + 1, Math.floor(((k + 1) * n) / count));
    positions.push(start + randomIndex(random, end - start));
  }
  const out: DesignStimulus[] = [];
  let next = 0;
  for (let i = 0; i <= n; i++) {
    while (next < positions.length && positions[next] === i) {
      out.push(catchStimulus(categories[randomIndex(random, categories.length)]));
      next++;
    }
    if (i < n) out.push(trials[i]);
  }
  return out;
}

/** A study id: the prefix of participant names, so that one study's names never equal another's. */
const STUDY_ID = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,39}$/;

/** What a study id may consist of, for error messages. */
export const STUDY_ID_RULE =
  "1 to 40 characters: letters A-Z and a-z, digits 0-9, and . + - (starting with a letter or digit; no _, which separates the parts of exported file names)";

/** Whether `id` is a valid study id ({@link STUDY_ID_RULE}). */
export function isStudyId(id: string): boolean {
  return STUDY_ID.test(id);
}

/**
 * The default study id from a store's file name: the name without its extension, every
 * character a study id may not hold replaced by "-" (`my store.duckdb` gives `my-store`),
 * cut to 40 characters; `study` when nothing is left.
 */
export function studyIdFromStore(storePath: string): string {
  const file = storePath.split(/[\\/]/).pop() ?? "";
  const stem = file.replace(/\.[^.]*$/, "");
  const id = stem
    .replace(/[^A-Za-z0-9.+-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 40);
  return isStudyId(id) ? id : "study";
}

/**
 * Observer name of participant `number` of study `study` in the exported files:
 * `<study>-subject-01` (a human by the model-vs-human rule, which looks for "subject"; the study
 * prefix keeps it apart from the published participants, who are `subject-01`, ...).
 */
export function participantName(number: number, study: string): string {
  return `${study}-subject-${String(number).padStart(2, "0")}`;
}

/** The number of a participant name of `study` ({@link participantName}); undefined for any other text. */
export function participantNumber(name: string, study: string): number | undefined {
  const prefix = `${study}-subject-`;
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  if (!/^\d{2,9}$/.test(digits) || (digits.length > 2 && digits.startsWith("0"))) return undefined;
  const number = Number(digits);
  return number >= 1 && participantName(number, study) === name ? number : undefined;
}
