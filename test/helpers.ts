import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { type CliIO, runCli } from "../src/cli/main.ts";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The shared, read-only data folder beside the repository. */
export const SHARED = resolve(REPO, "../shared");
export const RAW_DATA = join(SHARED, "data/geirhos2020/raw-data");
export const FIXTURES = join(REPO, "test/fixtures");

/** For `test(name, { skip: NO_SHARED_DATA }, ...)`: a reason to skip where ../shared is absent. */
export const NO_SHARED_DATA = existsSync(RAW_DATA) ? false : `published data not found at ${RAW_DATA}`;

/** Debian's Chromium, which the browser tests drive through playwright-core (Playwright's own browser download does not work here). */
export const CHROMIUM = "/usr/bin/chromium";
/** For `test(name, { skip: NO_CHROMIUM }, ...)`: a reason to skip where Chromium is not installed. */
export const NO_CHROMIUM = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install -y chromium)`;

/** Headless Chromium as every browser test starts it (no sandbox: CI runs as root); `args` adds flags. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", ...args] });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, capturing what it writes. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Parses simple CSV output (no quoted commas) into objects. */
export function csvObjects(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split("\n");
  const columns = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v])));
}

/** Deterministic PRNG (mulberry32) for property tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
