/**
 * model-vs-human's stimuli on disk (Node only): one folder per dataset, as its release archives
 * extract, in one of its two layouts (./datasets.ts `StimulusLayout`):
 *
 * - `categories` (edge, silhouette, cue-conflict): `<dataset>/<category>/<image>`; the category
 *   is the folder's name and there is no condition (written "NaN", as model-vs-human does);
 * - `sessions` (the 12 parametric datasets, sketch, stylized):
 *   `<dataset>/dnn/session-1/<a>_<b>_<c>_<condition>_<category>_<image>`; as model-vs-human
 *   reads them, the condition is the 4th and the category the 5th "_"-separated field of the
 *   file's name.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import { type Stimulus, checkDistinctIds, listStimuli } from "../evaluate/stimuli.ts";
import type { BenchmarkDataset } from "./datasets.ts";
import { pandasColumnText } from "./labels.ts";

/** The only session folder of a `sessions` dataset (model-vs-human's archives hold one). */
const SESSION = "session-1";

/**
 * The condition and category in a `sessions` image name: its 4th and 5th "_"-separated fields,
 * with at least one field after them (the image's own name); null for any other shape.
 *
 * @example sessionImageFields("0001_cop_dnn_c30_knife_10_n03041632_7380.png") // => { condition: "c30", category: "knife" }
 */
export function sessionImageFields(name: string): { condition: string; category: string } | null {
  const fields = name.split("_");
  if (fields.length < 6 || fields.some((f) => f === "")) return null;
  return { condition: fields[3], category: fields[4] };
}

const SESSIONS_SHAPE = "<number>_<code>_<session>_<condition>_<category>_<image>.png (model-vs-human's naming)";

/** A dataset's stimuli: its folder and its images in trial order (category, then name). */
export interface DatasetStimuli {
  readonly dataset: BenchmarkDataset;
  /** The dataset's folder (what a checkpoint records). */
  readonly folder: string;
  readonly stimuli: readonly Stimulus[];
}

/**
 * Reads one dataset's stimuli from `root/<dataset>`, checking the layout, that every `sessions`
 * file name has model-vs-human's shape and a condition of the dataset (compared as pandas reads
 * the condition column the trials will hold, ./labels.ts), that every category is one of
 * `categories`, and that no two images of a condition share a stimulus id. Errors name the file.
 */
export async function readDatasetStimuli(root: string, dataset: BenchmarkDataset, categories: readonly string[]): Promise<DatasetStimuli> {
  const folder = join(root, dataset.name);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(`no stimuli of ${dataset.name}: expected the folder ${dataset.name}/ in the stimuli folder`, { file: folder });
  }
  let stimuli: Stimulus[];
  if (dataset.layout === "categories") {
    stimuli = await listStimuli(folder);
    const unknown = stimuli.find((s) => !categories.includes(s.category));
    if (unknown) {
      throw new InputError(
        `"${unknown.category}" is not a category; expected the folders of ${dataset.name} to be among ${categories.join(", ")}`,
        {
          file: join(folder, unknown.category),
        },
      );
    }
  } else {
    stimuli = await sessionStimuli(folder, dataset, categories);
  }
  checkDistinctIds(stimuli, folder);
  return { dataset, folder, stimuli };
}

async function sessionStimuli(folder: string, dataset: BenchmarkDataset, categories: readonly string[]): Promise<Stimulus[]> {
  const dnn = join(folder, "dnn");
  const session = join(dnn, SESSION);
  if (!(await stat(session).catch(() => undefined))?.isDirectory()) {
    throw new InputError(
      `no folder dnn/${SESSION}/; expected ${dataset.name}'s images in ${dataset.name}/dnn/${SESSION}/ (model-vs-human's layout)`,
      {
        file: session,
      },
    );
  }
  // listStimuli reads dnn/ as <folder>/<image>: every image must be in a folder, which must be session-1.
  const listed = await listStimuli(dnn);
  const elsewhere = listed.find((s) => s.category !== SESSION);
  if (elsewhere) {
    throw new InputError(
      `an image outside dnn/${SESSION}/; expected the images of ${dataset.name} in one session folder, dnn/${SESSION}/`,
      {
        file: elsewhere.path,
      },
    );
  }
  const stimuli = listed.map((s) => {
    const fields = sessionImageFields(s.name);
    if (!fields)
      throw new InputError(`cannot read the condition and category from this file's name; expected ${SESSIONS_SHAPE}`, { file: s.path });
    if (!categories.includes(fields.category)) {
      throw new InputError(
        `"${fields.category}" (the name's 5th "_"-separated field) is not a category; expected one of ${categories.join(", ")} (${SESSIONS_SHAPE})`,
        { file: s.path },
      );
    }
    return { ...s, category: fields.category, condition: fields.condition };
  });
  if (dataset.conditions.length > 0) {
    const read = pandasColumnText(stimuli.map((s) => s.condition));
    const unknown = read.findIndex((c) => !dataset.conditions.includes(c));
    if (unknown >= 0) {
      const written = stimuli[unknown].condition;
      const shown = written === read[unknown] ? `"${written}"` : `"${written}" (read as "${read[unknown]}")`;
      throw new InputError(
        `condition ${shown} (the name's 4th "_"-separated field) is not a condition of ${dataset.name}; expected one of ${dataset.conditions.map((c) => `"${c}"`).join(", ")}`,
        { file: stimuli[unknown].path },
      );
    }
  }
  return stimuli;
}
