/**
 * Bundles the browser apps with esbuild. Every `src/web/<app>/<name>.entry.ts` becomes
 * `build/web/<app>/<name>.js` (plus `<name>.css` when the entry imports CSS), one self-contained
 * ES module per page or web worker. The servers (`trialwise serve`, `trialwise experiment serve`)
 * serve these files; they are generated (build/ is in .gitignore) and `npm run build`,
 * `npm run typecheck` and `npm test` run this after the WebAssembly build.
 *
 *   node --import tsx scripts/build-web.ts
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const APPS = join(REPO, "src/web");
const TARGET = join(REPO, "build/web");

const entryPoints: Record<string, string> = {};
if (existsSync(APPS)) {
  for (const app of readdirSync(APPS, { withFileTypes: true })) {
    if (!app.isDirectory()) continue;
    for (const file of readdirSync(join(APPS, app.name))) {
      if (file.endsWith(".entry.ts")) {
        entryPoints[`${app.name}/${file.slice(0, -".entry.ts".length)}`] = join(APPS, app.name, file);
      }
    }
  }
}

if (Object.keys(entryPoints).length > 0) {
  await build({
    entryPoints,
    outdir: TARGET,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    minify: true,
    logLevel: "warning",
  });
}
