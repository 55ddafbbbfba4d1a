// Every @example in the core's doc comments runs and gives the result its comment states.
//
// An example is the text after `@example` up to the next tag or the end of the comment. Its
// lines run in order, with every name the core's modules export in scope; a line
// `expression // => result` checks that the expression equals the result (deeply), and a result
// ending in "..." that the number's decimal text starts with the digits given.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { REPO } from "../helpers.ts";

const CORE = join(REPO, "src/core");

function coreFiles(dir = CORE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? coreFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

interface Example {
  file: string;
  /** The function or value the doc comment documents. */
  subject: string;
  code: string;
}

/** The examples of a file, with the name each doc comment documents. */
function examplesOf(file: string): Example[] {
  const text = readFileSync(file, "utf8");
  const examples: Example[] = [];
  for (const match of text.matchAll(
    /\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:async\s+)?(?:function|const|class|interface|type)?\s*(\w+)?/g,
  )) {
    const lines = match[1].split("\n").map((line) => line.replace(/^\s*\* ?/, ""));
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("@example")) continue;
      const block = [lines[i].slice("@example".length)];
      for (let j = i + 1; j < lines.length && !lines[j].startsWith("@"); j++) block.push(lines[j]);
      examples.push({ file: relative(REPO, file), subject: match[2] ?? "?", code: block.join("\n").trim() });
    }
  }
  return examples;
}

/** A check of one line: the value, the result as written, and the line. */
function check(actual: unknown, expectedText: string, expected: () => unknown, line: string): void {
  const prefix = /^(-?\d+(?:\.\d+)?)\.\.\.$/.exec(expectedText);
  if (prefix) {
    assert.equal(typeof actual, "number", line);
    assert.ok(String(actual).startsWith(prefix[1]), `${line}: ${actual} does not start with ${prefix[1]}`);
    return;
  }
  assert.deepStrictEqual(actual, expected(), line);
}

/** Runs an example's code with `scope` in view. */
function run(code: string, scope: Record<string, unknown>): void {
  const body = code
    .split("\n")
    .map((line) => {
      const at = line.indexOf("// =>");
      if (at < 0) return line;
      const expression = line.slice(0, at).trim().replace(/;$/, "");
      const result = line.slice(at + "// =>".length).trim();
      return `__check((${expression}), ${JSON.stringify(result)}, () => (${result.endsWith("...") ? "undefined" : result}), ${JSON.stringify(line.trim())});`;
    })
    .join("\n");
  assert.ok(body.includes("__check("), `an example states its result: ${code}`);
  const names = Object.keys(scope);
  new Function("__check", ...names, body)(check, ...names.map((n) => scope[n]));
}

const files = coreFiles();
const examples = files.flatMap(examplesOf);

/** Every value the core's modules export, by name (a name two modules export with different values is an error). */
async function coreScope(): Promise<Record<string, unknown>> {
  const scope: Record<string, unknown> = {};
  for (const file of files) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      assert.ok(!(name in scope) || scope[name] === value, `${name} is exported twice`);
      scope[name] = value;
    }
  }
  return scope;
}

/** The main functions, each of which shows an example. */
const MAIN = [
  "accuracy",
  "expectedConsistency",
  "observedConsistency",
  "kappa",
  "kappaBounds",
  "kappaFromCounts",
  "pairMetrics",
  "computePairs",
  "summarizePairs",
  "pairInterval",
  "unbiasedKappa",
  "exactIndependenceTest",
  "betaIndependenceTest",
  "outcomeMatrix",
  "modelKappaIntervals",
  "compareModels",
  "holm",
  "benjaminiHochberg",
  "copyProbability",
  "planHalfWidth",
  "chanceRegion",
  "shapeBias",
  "hierarchicalClustering",
  "mean",
  "sampleSd",
  "normalQuantile",
  "quantileType7",
];

describe("@example lines of the core", () => {
  test("the main functions show an example", () => {
    const shown = new Set(examples.map((e) => e.subject));
    for (const name of MAIN) assert.ok(shown.has(name), `${name} has an @example`);
  });

  test("every example gives the result it states", async () => {
    const scope = await coreScope();
    assert.ok(examples.length >= MAIN.length);
    for (const example of examples) {
      try {
        run(example.code, scope);
      } catch (error) {
        throw new Error(`${example.file}, example of ${example.subject}:\n${example.code}\n${(error as Error).message}`);
      }
    }
  });
});
