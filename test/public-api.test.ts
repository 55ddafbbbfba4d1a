// The public API: the names docs/api.md shows (from its Example section on) are exported, internals are not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as core from "../src/core/index.ts";
import * as library from "../src/index.ts";
import { REPO } from "./helpers.ts";

/** Identifiers in docs/api.md from its Example section to the end: in backticks, and in its import lines. */
function readmeNames(): string[] {
  const readme = readFileSync(join(REPO, "docs", "api.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Example"));
  const names = new Set<string>();
  for (const [, name] of section.matchAll(/`([A-Za-z]\w*)`/g)) names.add(name);
  for (const [, list] of section.matchAll(/import \{([^}]*)\} from "trialwise"/g)) {
    for (const name of list.split(",")) names.add(name.trim());
  }
  names.delete("trialwise");
  return [...names];
}

test("every function docs/api.md names is exported, the core's from trialwise/core too", () => {
  const names = readmeNames();
  assert.ok(names.length > 40, `docs/api.md names found: ${names.length}`);
  const nodeOnly = new Set(["loadDatasets", "parseCsv", "parseJsonLines", "decodeText", "toCsv", "toJson", "writeFileAtomic"]);
  for (const name of names) {
    assert.equal(typeof (library as Record<string, unknown>)[name], "function", `trialwise exports ${name}`);
    if (!nodeOnly.has(name)) assert.equal(typeof (core as Record<string, unknown>)[name], "function", `trialwise/core exports ${name}`);
  }
});

test("internals and dropped names are not exported", () => {
  const internal = [
    "CHANCE_BIN_WIDTH",
    "popcount32",
    "groupByStimulusSet",
    "checkBootstrapOptions",
    "collectRowPairs",
    "unitOutcomes",
    "resampleWeights",
    "logGamma",
    "multinomialCells",
    "kappaOrNaN",
    "undefinedAsNull",
    "compareReplicateBytes",
  ];
  for (const name of internal) {
    assert.ok(!(name in core), `trialwise/core does not export ${name}`);
    assert.ok(!(name in library), `trialwise does not export ${name}`);
  }
});
