import { readFileSync } from "node:fs";

/**
 * The package version, printed by `trialwise --version` and in reports: package.json's, read
 * once. The file is one folder up both from src/ (run through tsx) and from dist/ (built).
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
