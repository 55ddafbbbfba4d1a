// The core runs in a browser and gives the same numbers there, bit for bit, for the same seed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { FIXTURES, REPO, NO_CHROMIUM, launchChromium } from "../helpers.ts";

const ENTRY = join(REPO, "test/fixtures/browser-entry.ts");

const files = [
  "mini_alexnetsession-1.csv",
  "mini_resnet50session-1.csv",
  "mini_subject-01_session_1.csv",
  "mini_subject-02_session_1.csv",
].map((name) => [name, readFileSync(join(FIXTURES, "mini-cue-conflict", name), "utf8").replace(/^\uFEFF/, "")] as const);

test("the core bundles for the browser and computes the same numbers there as in Node", { skip: NO_CHROMIUM }, async () => {
  const bundle = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    globalName: "trialwiseTest",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0].text;
  assert.doesNotMatch(script, /require\("node:/, "no Node built-ins in the browser bundle");

  const inNode = (await import("../fixtures/browser-entry.ts")).run(files);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent("<!doctype html><title>core</title>");
    await page.addScriptTag({ content: script });
    const inBrowser = await page.evaluate(
      (f) => (globalThis as unknown as { trialwiseTest: { run: (x: unknown) => unknown } }).trialwiseTest.run(f),
      files as unknown as [string, string][],
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(inBrowser, JSON.parse(JSON.stringify(inNode)));
    assert.ok(Math.abs((inNode.kappas as number[]).find((k) => Math.abs(k - 0.4) < 1e-9)! - 0.4) < 1e-9);
  } finally {
    await browser.close();
  }
});
