/**
 * Names that trialwise puts into the names of the files it writes: a dataset and an observer in
 * `<dataset>_<observer>_session-1.csv` (evaluate), a dataset in `<dataset>_subject-01_session_1.csv`
 * (experiment export). Such a name must stay one file name in its folder on every file system:
 * no separators, no "..", nothing hidden, not empty. Isomorphic.
 */
import { InputError, UsageError } from "./errors.ts";

/** The most characters a name may have (a file name has at most 255 bytes, and holds two names). */
export const NAME_MAX_LENGTH = 100;

const NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;

/** What a name may consist of, for error messages. */
export const NAME_RULE = `1 to ${NAME_MAX_LENGTH} characters: letters A-Z and a-z, digits 0-9, and . _ - + (not starting with .)`;

/** Where a name came from: a flag (a usage error), or a file's name or content (an input error naming the file). */
export type NameSource = { flag: string } | { file: string; what: string; flag?: string };

/**
 * Refuses a name that cannot be part of a file name ({@link NAME_RULE}). Given as a flag, a
 * usage error (`--name: "a/b" cannot be ...`); taken from a file (`what`: which name, from where),
 * an input error naming that file and, when there is one, the flag that gives the name instead.
 */
export function checkName(name: string, source: NameSource): void {
  if (name.length <= NAME_MAX_LENGTH && NAME.test(name)) return;
  const problem = `${JSON.stringify(name)} cannot be part of a file name; expected ${NAME_RULE}`;
  if (!("file" in source)) throw new UsageError(`${source.flag}: ${problem}`);
  throw new InputError(`${source.what}: ${problem}${source.flag ? `; give ${source.flag}` : ""}`, { file: source.file });
}
