/**
 * Writes src/data/model-vs-human-raw-data.json: relative path, size and sha256 of every human
 * trial file of folder raw-data/ of bethgelab/model-vs-human at the pinned commit (the 90
 * sessions of the 17 datasets), computed from an unchanged local copy. Only metadata goes into
 * the repository, never the data.
 *
 *   node --import tsx scripts/make-model-vs-human-manifest.ts [RAW_DATA_DIR]
 *
 * RAW_DATA_DIR defaults to ../shared/data/model-vs-human/raw-data beside the repository.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPOSITORY = "bethgelab/model-vs-human";
const COMMIT = "79ed7cd1d9ac3a114e71b6638f0a98bdd627316c";
const FOLDER = "raw-data";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(process.argv[2] ?? join(repo, "../shared/data/model-vs-human/raw-data"));
const target = join(repo, "src/data/model-vs-human-raw-data.json");

// One folder per dataset; only the people's sessions (<dataset>_subject-NN_session_1.csv).
const paths: string[] = [];
for (const dataset of (await readdir(source, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)) {
  for (const file of await readdir(join(source, dataset))) {
    if (/_subject-\d+_session_\d+\.csv$/.test(file)) paths.push(`${dataset}/${file}`);
  }
}
paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
if (paths.length === 0) throw new Error(`${source}: no human trial files`);

const lines: string[] = [];
let total = 0;
for (const path of paths) {
  const bytes = await readFile(join(source, path));
  total += bytes.length;
  lines.push(`    ${JSON.stringify({ path, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") })}`);
}
// One file per line, so that a change shows as a one-line diff.
const text =
  "{\n" +
  `  "name": "model-vs-human",\n` +
  `  "repository": ${JSON.stringify(REPOSITORY)},\n` +
  `  "commit": ${JSON.stringify(COMMIT)},\n` +
  `  "folder": ${JSON.stringify(FOLDER)},\n` +
  `  "files": [\n${lines.join(",\n")}\n  ]\n` +
  "}\n";
JSON.parse(text);
await writeFile(target, text);
console.log(`${relative(repo, target)}: ${paths.length} files, ${total} bytes, from ${source}`);
