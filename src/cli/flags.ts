/**
 * The values of command-line flags: one parser per kind of value, used by every command.
 * Every failure is a UsageError (exit 2) that names the flag, repeats the value as given and
 * says what was expected; where a value is above a limit, it also says the largest allowed
 * value and what the limit protects.
 *
 * Numbers are written in decimal: digits with an optional sign, fraction and exponent
 * ("1000", "1e3", "0.95", ".5"). Hexadecimal, "Infinity", "NaN", digit separators and the
 * empty string are not numbers here, although JavaScript's Number() accepts some of them
 * (Number("") is 0). Blanks around a value are ignored.
 */
import { UsageError } from "../core/errors.ts";

/** The largest seed: 2^53 - 1, the largest whole number a double holds exactly. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export interface WholeRange {
  /** Smallest allowed value, 0 or more (negative whole numbers are not flag values here). */
  min: number;
  /** Largest allowed value; at most (and by default) 2^53 - 1, so that the value is exact. */
  max?: number;
  /** What the maximum protects, said when a value exceeds it. */
  why?: string;
}

export interface RealRange {
  min?: number;
  max?: number;
  /** The minimum itself is excluded. */
  minOpen?: boolean;
  /** The maximum itself is excluded. */
  maxOpen?: boolean;
  /** What the maximum protects, said when a value exceeds it. */
  why?: string;
}

/** Sign, digits, fraction digits and exponent of a decimal number, or undefined if `text` is none. */
function decimal(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  if (whole === "" && fraction === "") return undefined;
  // value = digits x 10^exponent, digits without leading zeros ("" for zero).
  const digits = (whole + fraction).replace(/^0+/, "");
  return { negative: sign === "-", digits, exponent: Number(exponent) - fraction.length };
}

function quoted(flag: string, expected: string, value: string): UsageError {
  return new UsageError(`${flag}: expected ${expected}, not "${value}"`);
}

function tooLarge(flag: string, value: string, max: number, why: string): UsageError {
  return new UsageError(`${flag}: "${value}" is more than ${max}, the largest allowed: ${why}`);
}

const INEXACT = "larger whole numbers cannot be held exactly";

/**
 * A whole number from `min` to `max`, exactly as written: "2.5", "1.0000000000000001" and
 * 2^53 + 1 are refused rather than rounded to a whole number.
 */
export function wholeNumber(flag: string, value: string, range: WholeRange): number {
  const max = Math.min(range.max ?? MAX_SEED, MAX_SEED);
  const expected = range.max === undefined ? `a whole number of at least ${range.min}` : `a whole number from ${range.min} to ${max}`;
  const notExpected = () => quoted(flag, expected, value);
  const above = () => {
    if (range.why) return tooLarge(flag, value, max, range.why);
    return max === MAX_SEED ? tooLarge(flag, value, max, INEXACT) : notExpected();
  };
  const parsed = decimal(value);
  if (!parsed) throw notExpected();
  if (parsed.digits === "") {
    if (range.min > 0) throw notExpected();
    return 0;
  }
  // value = digits x 10^scale with digits not ending in 0: whole exactly when scale >= 0.
  const digits = parsed.digits.replace(/0+$/, "");
  const scale = parsed.exponent + (parsed.digits.length - digits.length);
  if (scale < 0 || parsed.negative) throw notExpected();
  // 17 digits or more is at least 10^16 > 2^53: decided without building a possibly huge number.
  if (digits.length + scale > 16) throw above();
  const n = BigInt(digits) * 10n ** BigInt(scale);
  if (n < BigInt(range.min)) throw notExpected();
  if (n > BigInt(max)) throw above();
  return Number(n);
}

/** What a real range allows, in words: "a number above 0 and below 1". */
export function describeReal(range: RealRange, noun = "a number"): string {
  const { min, max, minOpen, maxOpen } = range;
  if (min !== undefined && max !== undefined) {
    if (!minOpen && !maxOpen) return `${noun} from ${min} to ${max}`;
    return `${noun} ${minOpen ? "above" : "of at least"} ${min} and ${maxOpen ? "below" : "at most"} ${max}`;
  }
  if (min !== undefined) return `${noun} ${minOpen ? "above" : "of at least"} ${min}`;
  if (max !== undefined) return `${noun} ${maxOpen ? "below" : "of at most"} ${max}`;
  return noun;
}

/** A finite decimal number in the range (rounded to the nearest double). */
export function realNumber(flag: string, value: string, range: RealRange = {}, noun = "a number"): number {
  const expected = describeReal(range, noun);
  if (!decimal(value)) throw quoted(flag, expected, value);
  const x = Number(value.trim());
  const { min, max, minOpen, maxOpen, why } = range;
  if (!Number.isFinite(x)) throw quoted(flag, expected, value);
  if (min !== undefined && (minOpen ? x <= min : x < min)) throw quoted(flag, expected, value);
  if (max !== undefined && (maxOpen ? x >= max : x > max)) throw why ? tooLarge(flag, value, max, why) : quoted(flag, expected, value);
  return x;
}

/** A probability strictly between 0 and 1: a confidence level, a power. */
export function probability(flag: string, value: string): number {
  return realNumber(flag, value, { min: 0, max: 1, minOpen: true, maxOpen: true });
}

/** A seed: a whole number from 0 to 2^53 - 1, exact (the generators use it modulo 2^32). */
export function seed(flag: string, value: string): number {
  return wholeNumber(flag, value, { min: 0, max: MAX_SEED, why: "a larger seed cannot be held exactly in a JavaScript number (2^53 - 1)" });
}

/** A TCP port; 0 asks the system for any free port. */
export function portNumber(flag: string, value: string): number {
  return wholeNumber(flag, value, { min: 0, max: 65535 });
}

/** The most MB a size can be and still be counted exactly in bytes (2^53 - 1 bytes). */
const MAX_EXACT_MB = Math.floor(Number.MAX_SAFE_INTEGER / 2 ** 20);

/** A size in MB (2^20 bytes), above 0 and at most `range.max`; returned in bytes, rounded up. */
export function megabytes(flag: string, value: string, range: { max?: number; why?: string } = {}): number {
  const max = Math.min(range.max ?? MAX_EXACT_MB, MAX_EXACT_MB);
  const why = range.max === undefined ? "larger sizes cannot be counted exactly in bytes" : range.why;
  const mb = realNumber(flag, value, { min: 0, minOpen: true, max, why }, "a size in MB");
  return Math.ceil(mb * 1024 * 1024);
}

/**
 * The items of a comma-separated list, trimmed. An empty list or an empty item is an error:
 * `--models ""` never means "no models", and "a,,b" is a typo, not two names.
 */
export function listItems(flag: string, value: string): string[] {
  const items = value.split(",").map((item) => item.trim());
  if (items.every((item) => item === "")) throw new UsageError(`${flag}: expected a comma-separated list, not "${value}"`);
  const empty = items.indexOf("");
  if (empty >= 0) throw new UsageError(`${flag}: item ${empty + 1} of "${value}" is empty`);
  return items;
}

/** A comma-separated list of names, each at most once; an absent flag stays undefined. */
export function nameList(flag: string, value: string): string[];
export function nameList(flag: string, value: string | undefined): string[] | undefined;
export function nameList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = listItems(flag, value);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new UsageError(`${flag}: "${name}" is named twice in "${value}"`);
    seen.add(name);
  }
  return names;
}

/** A flag that the chosen mode would ignore is an error when given (`given` is its raw value). */
export function notUsed(flag: string, given: unknown, why: string): void {
  if (given !== undefined && given !== false) throw new UsageError(`${flag}: not used ${why}`);
}

/** The bytes the bootstrap replicates of one run may take: 2 GiB. */
export const REPLICATE_MEMORY_BYTES = 2 * 1024 ** 3;

function gibibytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1).replace(/\.0$/, "")} GiB`;
}

/**
 * Replicates are kept in memory (8 bytes per replicate for each statistic followed over them):
 * `replicates x bytesPerReplicate` must stay within {@link REPLICATE_MEMORY_BYTES}. `what`
 * names the statistics for the message.
 */
export function checkReplicateMemory(flag: string, replicates: number, bytesPerReplicate: number, what: string): void {
  const bytes = replicates * bytesPerReplicate;
  if (bytes <= REPLICATE_MEMORY_BYTES) return;
  throw new UsageError(
    `${flag}: ${replicates} replicates of ${what} need ${gibibytes(bytes)} of memory, more than the ${gibibytes(REPLICATE_MEMORY_BYTES)} allowed for replicates; ` +
      `at most ${Math.floor(REPLICATE_MEMORY_BYTES / bytesPerReplicate)} replicates fit`,
  );
}

/** The most bootstrap replicates of any interval or test. */
export const MAX_REPLICATES = 1_000_000;

/** Why {@link MAX_REPLICATES}; short enough for a flag's help. */
export const REPLICATES_LIMIT_HELP = `at most ${MAX_REPLICATES}: more no longer narrows the Monte-Carlo error of the limits`;

/**
 * Bootstrap replicates: from `min` (1; 0 where 0 means "no bootstrap") to {@link MAX_REPLICATES}.
 * The Monte-Carlo standard error of a 95% percentile limit is about
 * sqrt(0.025 x 0.975 / R) / phi(1.96) = 2.7 / sqrt(R) standard errors of the statistic: 0.3% of one
 * at R = 10^6, far below anything an interval is read to.
 */
export function replicates(flag: string, value: string, min = 1): number {
  return wholeNumber(flag, value, {
    min,
    max: MAX_REPLICATES,
    why: "the Monte-Carlo error of an interval's limit is about 2.7 / sqrt(replicates) standard errors, under 0.3% of one at 10^6; more replicates only cost time and memory",
  });
}
