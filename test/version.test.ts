// The version comes from package.json, from src/ (tsx) as from dist/ (built).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { VERSION } from "../src/version.ts";
import { REPO, cli } from "./helpers.ts";

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

test("VERSION is package.json's version, and trialwise --version prints it", async () => {
  assert.match(PACKAGE_VERSION, /^\d+\.\d+\.\d+/);
  assert.equal(VERSION, PACKAGE_VERSION);
  const run = await cli("--version");
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `${PACKAGE_VERSION}\n`);
});
