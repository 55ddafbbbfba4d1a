/**
 * Condition labels as model-vs-human sees them. Its analysis reads each trial file with
 * pandas (`read_csv`, default settings) and turns the condition column into text
 * (`astype(str)`), so a label's spelling depends on the type pandas infers for the whole column
 * of the file: `0.00` in a column of numbers becomes "0.0", `1` in a column that also holds 0.4
 * becomes "1.0", `true` becomes "True". The published lists of conditions are spelled that way
 * ("0.0", "3.0", "True"), so labels are compared after the same reading. Isomorphic.
 *
 * The column's type, as pandas' C parser infers it from all its values:
 * - every value missing (pandas' default NA strings, e.g. "", "NA", "NaN", "nan", "null"): float, each "nan";
 * - every present value True/TRUE/true/False/FALSE/false: bool, "True"/"False" (missing: "nan");
 * - every value an integer and none missing: int64, the integer's decimal text ("007" -> "7");
 * - every present value a number (integers with missing ones, decimals, inf): float64, each
 *   value as Python prints a float (repr: "0.03", "3.0", "inf", "1e-05"), missing ones "nan";
 * - anything else: text as written, missing ones "nan".
 *
 * model-vs-human reads all files of a dataset folder and concatenates them, so a file whose
 * column pandas types differently (an integer column beside a float one) would change how the
 * others read; trialwise reads each file as pandas reads it alone, so a model's file never
 * changes how the human files read.
 */

/** pandas' default strings for a missing value (`read_csv` na_values). */
const NA_STRINGS = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);
const TRUE_STRINGS = new Set(["True", "TRUE", "true"]);
const FALSE_STRINGS = new Set(["False", "FALSE", "false"]);
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;

/**
 * A float as Python's `repr` (and so pandas' `astype(str)`) writes it: the shortest digits
 * that read back to the same number; positional for decimal exponents -4 to 15, with at least
 * one digit after the point ("3.0"); otherwise scientific with a signed exponent of at least
 * two digits ("1e-05", "1.5e+16"); "nan", "inf", "-inf".
 *
 * @example pythonFloatText(0.03) // => "0.03"
 * @example pythonFloatText(3) // => "3.0"
 * @example pythonFloatText(0.00001) // => "1e-05"
 */
export function pythonFloatText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest digits that round-trip.
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    const fraction = digits.slice(exponent + 1);
    return `${sign}${whole}.${fraction === "" ? "0" : fraction}`;
  }
  const shownMantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const absExponent = String(Math.abs(exponent)).padStart(2, "0");
  return `${sign}${shownMantissa}e${exponent < 0 ? "-" : "+"}${absExponent}`;
}

function parseNumber(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  const infinity = INFINITY.exec(text);
  if (infinity) return infinity[1] === "-" ? -Infinity : Infinity;
  return undefined;
}

/**
 * Each value of one file's column as pandas reads the column and `astype(str)` prints it (see
 * the module comment for the rules).
 *
 * @example pandasColumnText(["0.00", "0.03", "0.90"]) // => ["0.0", "0.03", "0.9"]
 * @example pandasColumnText(["inf", "3", "0.4"]) // => ["inf", "3.0", "0.4"]
 * @example pandasColumnText(["true", "false"]) // => ["True", "False"]
 */
export function pandasColumnText(values: readonly string[]): string[] {
  const missing = values.map((v) => NA_STRINGS.has(v));
  const present = values.filter((_, i) => !missing[i]);
  if (present.length === 0) return values.map(() => "nan");
  if (present.every((v) => TRUE_STRINGS.has(v) || FALSE_STRINGS.has(v))) {
    return values.map((v, i) => (missing[i] ? "nan" : TRUE_STRINGS.has(v) ? "True" : "False"));
  }
  if (present.length === values.length && present.every((v) => INTEGER.test(v))) {
    return values.map((v) => BigInt(v).toString());
  }
  const numbers = present.map(parseNumber);
  if (numbers.every((n) => n !== undefined)) {
    return values.map((v, i) => (missing[i] ? "nan" : pythonFloatText(parseNumber(v)!)));
  }
  return values.map((v, i) => (missing[i] ? "nan" : v));
}
