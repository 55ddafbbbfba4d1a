/** Small .tar.gz archives for the archive tests, built with the tar package. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { Header, create, type types } from "tar";

/** Image names in model-vs-human's `sessions` layout, with made-up bytes. */
export function sessionFiles(dataset: string, count = 3): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const name = `${String(i).padStart(4, "0")}_x_dnn_c${i}_knife_${i}0_n03041632_${i}.png`;
    files[`${dataset}/dnn/session-1/${name}`] = `${dataset} image ${i}\n`.repeat(50 * i);
  }
  return files;
}

/** A .tar.gz of these files (relative paths to contents), made by the tar package from a temporary folder. */
export async function tarGz(files: Record<string, string>, options: { prefix?: string } = {}): Promise<Buffer> {
  const source = await mkdtemp(join(tmpdir(), "trialwise-tar-source-"));
  const archive = join(source, "..", `${source.split("/").pop()}.tar.gz`);
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(source, path)), { recursive: true });
      await writeFile(join(source, path), text);
    }
    const tops = [...new Set(Object.keys(files).map((p) => p.split("/")[0]))].sort();
    await create(
      { file: archive, gzip: true, cwd: source, portable: true },
      tops.map((t) => `${options.prefix ?? ""}${t}`),
    );
    return await readFile(archive);
  } finally {
    await rm(source, { recursive: true, force: true });
    await rm(archive, { force: true });
  }
}

export interface RawEntry {
  path: string;
  type: types.EntryTypeName;
  data?: string;
  linkpath?: string;
}

/**
 * A .tar.gz written header by header (the tar package's Header), so that it can hold what the
 * package would never write itself: `..` and absolute paths, links, devices.
 */
export function rawTarGz(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? "");
    const header = Buffer.alloc(512);
    new Header({
      path: entry.path,
      type: entry.type,
      size: data.length,
      mode: entry.type === "Directory" ? 0o755 : 0o644,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    }).encode(header, 0);
    blocks.push(header);
    if (data.length > 0) blocks.push(Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** The malicious archives every extraction must refuse, with the entry its message must name. */
export function maliciousArchives(dataset: string): { what: string; entry: string; archive: Buffer }[] {
  const ok: RawEntry = { path: `${dataset}/dnn/session-1/0001_x_dnn_c1_knife_1_n1_1.png`, type: "File", data: "fine" };
  return [
    {
      what: "../escape",
      entry: `${dataset}/../../escaped.txt`,
      archive: rawTarGz([ok, { path: `${dataset}/../../escaped.txt`, type: "File", data: "out" }]),
    },
    {
      what: "/abs",
      entry: "/tmp/trialwise-absolute-escape.txt",
      archive: rawTarGz([ok, { path: "/tmp/trialwise-absolute-escape.txt", type: "File", data: "abs" }]),
    },
    {
      what: "symlink out",
      entry: `${dataset}/dnn/link`,
      archive: rawTarGz([ok, { path: `${dataset}/dnn/link`, type: "SymbolicLink", linkpath: "/etc" }]),
    },
    {
      what: "hardlink",
      entry: `${dataset}/dnn/hard`,
      archive: rawTarGz([ok, { path: `${dataset}/dnn/hard`, type: "Link", linkpath: "/etc/passwd" }]),
    },
    { what: "device", entry: `${dataset}/dnn/null`, archive: rawTarGz([ok, { path: `${dataset}/dnn/null`, type: "CharacterDevice" }]) },
  ];
}
