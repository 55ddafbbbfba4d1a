/**
 * Writes src/data/geirhos2020-raw-data.json: relative path, size and sha256 of every file of
 * folder raw-data/ of wichmann-lab/error-consistency at the pinned commit, computed from an
 * unchanged local copy. Only metadata goes into the repository, never the data.
 *
 *   node --import tsx scripts/make-geirhos2020-manifest.ts [RAW_DATA_DIR]
 *
 * RAW_DATA_DIR defaults to ../shared/data/geirhos2020/raw-data beside the repository.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const REPOSITORY = "wichmann-lab/error-consistency";
const COMMIT = "eb53bdb5d8e48166c56b9201842b19e8259506c5";
const FOLDER = "raw-data";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(process.argv[2] ?? join(repo, "../shared/data/geirhos2020/raw-data"));
const target = join(repo, "src/data/geirhos2020-raw-data.json");

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
    else throw new Error(`${path}: neither a file nor a folder`);
  }
  return files;
}

const paths = (await listFiles(source)).map((p) => relative(source, p).split(sep).join("/"));
paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
if (paths.length === 0) throw new Error(`${source}: no files`);

const lines: string[] = [];
let total = 0;
for (const path of paths) {
  const bytes = await readFile(join(source, path));
  total += bytes.length;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  lines.push(`    ${JSON.stringify({ path, size: bytes.length, sha256 })}`);
}

// One file per line, so that a change shows as a one-line diff.
const text =
  "{\n" +
  `  "name": "geirhos2020",\n` +
  `  "repository": ${JSON.stringify(REPOSITORY)},\n` +
  `  "commit": ${JSON.stringify(COMMIT)},\n` +
  `  "folder": ${JSON.stringify(FOLDER)},\n` +
  `  "files": [\n${lines.join(",\n")}\n  ]\n` +
  "}\n";
JSON.parse(text);
await writeFile(target, text);
console.log(`${relative(repo, target)}: ${paths.length} files, ${total} bytes, from ${source}`);
