// `trialwise reproduce geirhos2020 --data` on copies of the published raw data that are not
// complete or not intact: a missing model file, folder or noise file, a file that was not
// published, an observer renamed inside its file, an empty file, a missing column. Each is an
// InputError naming the folder, file or observer; a copy lacking files is refused before
// anything is read.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { reproduceGeirhos2020 } from "../../src/reproduce/run.ts";
import { NO_SHARED_DATA, RAW_DATA, cli } from "../helpers.ts";

const ADVICE =
  "Use the published data (`trialwise data fetch geirhos2020` downloads it and checks every file), or analyse this copy with `trialwise summary` instead.";
const HEADING = "this copy of the geirhos2020 raw data is not the published one the report compares with the paper:";

describe("trialwise reproduce geirhos2020 on an incomplete or altered copy of the data", { skip: NO_SHARED_DATA }, () => {
  let work: string;
  let copies = 0;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "trialwise-reproduce-data-"));
  });
  after(async () => rm(work, { recursive: true, force: true }));

  /** A fresh copy of the published raw data, changed by `change`. */
  async function copy(change: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(work, `raw-data-${++copies}`);
    await cp(RAW_DATA, dir, { recursive: true });
    await change(dir);
    return dir;
  }

  /** Runs the reproduction; returns its error and the steps it reached. */
  async function reproduce(dataDir: string): Promise<{ error: unknown; steps: string[]; out: string }> {
    const out = join(work, `report-${copies}`);
    const steps: string[] = [];
    const onProgress = (step: string) => void (steps.at(-1) === step || steps.push(step));
    const error = await reproduceGeirhos2020({
      dataDir,
      outDir: out,
      formats: ["svg"],
      cacheDir: join(work, "cache"),
      version: "test",
      onProgress,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, steps, out };
  }

  const edges = (dir: string, observer: string) => join(dir, "texture-shape_edges", `texture-shape_edges_${observer}_session-1.csv`);

  test("a model's file missing: refused before reading, naming folder, file and observer; no report written", async () => {
    const dir = await copy((d) => rm(edges(d, "resnet18")));
    const { error, steps, out } = await reproduce(dir);
    assert.ok(error instanceof InputError, String(error));
    assert.equal(
      error.message,
      `${dir}: ${HEADING}\n  texture-shape_edges: missing texture-shape_edges_resnet18_session-1.csv (observer resnet18)\n${ADVICE}`,
    );
    assert.ok(!steps.includes("loading trial data"), `checked before reading: ${steps.join(", ")}`);
    assert.equal(existsSync(out), false);
  });

  test("the CLI prints it as an error (exit 1), without a stack trace", async () => {
    const dir = await copy((d) => rm(edges(d, "resnet18")));
    const run = await cli(
      "reproduce",
      "geirhos2020",
      "--data",
      dir,
      "--out",
      join(work, "cli-report"),
      "--format",
      "svg",
      "--cache",
      join(work, "cache"),
    );
    assert.equal(run.code, 1);
    assert.ok(
      run.stderr.includes(
        `trialwise: error: ${dir}: ${HEADING}\n  texture-shape_edges: missing texture-shape_edges_resnet18_session-1.csv (observer resnet18)\n`,
      ),
      run.stderr,
    );
    assert.doesNotMatch(run.stderr, /TypeError|\n\s+at /);
  });

  test("a dataset folder missing, a noise-generalisation file missing and a file that was not published are all listed at once", async () => {
    const dir = await copy(async (d) => {
      await rm(join(d, "texture-shape_silhouettes"), { recursive: true });
      await rm(join(d, "noise-generalisation_colour", "noise-generalisation_colour_subject-01_session_1.csv"));
      const text = await readFile(edges(d, "subject-01").replace("_session-1", "_session_1"), "utf8");
      await writeFile(edges(d, "subject-11").replace("_session-1", "_session_1"), text.replaceAll("subject-01", "subject-11"));
    });
    const { error } = await reproduce(dir);
    assert.ok(error instanceof InputError, String(error));
    assert.equal(
      error.message,
      `${dir}: ${HEADING}\n` +
        "  noise-generalisation_colour: missing noise-generalisation_colour_subject-01_session_1.csv (observer subject-01)\n" +
        "  texture-shape_edges: not published: texture-shape_edges_subject-11_session_1.csv\n" +
        "  texture-shape_silhouettes: the folder is missing (35 trial files)\n" +
        ADVICE,
    );
  });

  test("an observer renamed inside its file (file names intact): the analysis names the model it lacks, or the humans it has", async () => {
    const dir = await copy(async (d) => {
      const file = edges(d, "resnet18");
      await writeFile(file, (await readFile(file, "utf8")).replaceAll("\nresnet18,", "\nresnet-18,"));
    });
    const { error } = await reproduce(dir);
    assert.ok(error instanceof InputError, String(error));
    assert.equal(
      error.message,
      `${join(dir, "texture-shape_edges")}: the paper's analysis needs observer resnet18, not among the 35 observers of dataset "texture-shape_edges"`,
    );

    const human = await copy(async (d) => {
      const file = join(d, "texture-shape_silhouettes", "texture-shape_silhouettes_subject-01_session_1.csv");
      await writeFile(file, (await readFile(file, "utf8")).replaceAll("\nsubject-01,", "\nparticipant-1,"));
    });
    const humanRun = await reproduce(human);
    assert.ok(humanRun.error instanceof InputError, String(humanRun.error));
    assert.equal(
      humanRun.error.message,
      `${join(human, "texture-shape_silhouettes")}: the paper's analysis has 10 humans in each texture-shape dataset, dataset "texture-shape_silhouettes" has 9: subject-02, subject-03, subject-04, subject-05, subject-06, subject-07, subject-08, subject-09, subject-10`,
    );
  });

  test("an empty file and a file without a column: errors naming the file and line", async () => {
    const empty = await copy((d) => writeFile(edges(d, "alexnet"), ""));
    const emptyRun = await reproduce(empty);
    assert.ok(emptyRun.error instanceof InputError, String(emptyRun.error));
    assert.match(emptyRun.error.message, /^.*texture-shape_edges_alexnet_session-1\.csv:1: empty file; expected a header line/);
    assert.ok(emptyRun.error.message.startsWith(edges(empty, "alexnet")));

    const noColumn = await copy(async (d) => {
      const file = edges(d, "alexnet");
      const lines = (await readFile(file, "utf8")).split("\n");
      // Drop the fifth column (object_response) from every line.
      await writeFile(
        file,
        lines
          .map((l) =>
            l
              .split(",")
              .filter((_, i) => i !== 4)
              .join(","),
          )
          .join("\n"),
      );
    });
    const columnRun = await reproduce(noColumn);
    assert.ok(columnRun.error instanceof InputError, String(columnRun.error));
    assert.ok(
      columnRun.error.message.startsWith(`${edges(noColumn, "alexnet")}:1: missing column "object_response"`),
      columnRun.error.message,
    );
  });
});

test("a folder without any of the published dataset folders does not look like the raw data", { skip: NO_SHARED_DATA }, async () => {
  const work = await mkdtemp(join(tmpdir(), "trialwise-reproduce-none-"));
  try {
    const data = join(work, "data");
    await mkdir(data);
    const error = await reproduceGeirhos2020({ dataDir: data, outDir: join(work, "out"), formats: ["svg"], version: "test" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof InputError, String(error));
    assert.equal(
      error.message,
      `${data}: this does not look like the published geirhos2020 raw-data folder: none of its 10 dataset folders is here (noise-generalisation_colour, noise-generalisation_contrast-png, noise-generalisation_eidolon, noise-generalisation_high-pass, noise-generalisation_low-pass, noise-generalisation_phase-scrambling, noise-generalisation_uniform-noise, texture-shape_cue-conflict and 2 more); give --data the raw-data folder itself, or leave --data out to use the downloaded data`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
