/** `trialwise merge`: joins the shards of an evaluation and checks nothing is missing or twice. */
import { InputError } from "../core/errors.ts";
import { findColumns } from "../core/trials.ts";
import { readRawTable } from "../io/datasets.ts";
import { TRIAL_COLUMN_TYPES, writeTable } from "../io/table-parquet.ts";
import { readStimuli } from "./stimuli.ts";

/**
 * Reads shard files (CSV or Parquet) in the model-vs-human schema, checks that they hold one
 * observer (`subj`), that their trial numbers are distinct and together exactly 1..N (and, given
 * the stimulus folder, that they cover its images once each), and writes one file sorted by trial, atomically (Parquet when `output` ends in .parquet).
 * Columns and values are kept as they are. Returns the number of trials.
 */
export async function mergeShards(files: readonly string[], output: string, stimuliFolder?: string): Promise<number> {
  const rows: { trial: number; fields: readonly string[]; file: string; line: number }[] = [];
  let columns: readonly string[] | undefined;
  let imageColumn = -1;
  // The files holding each observer (subj): shards of one evaluation all hold the same one.
  const filesOf = new Map<string, string[]>();
  for (const file of files) {
    const table = await readRawTable(file);
    const col = findColumns(table, { trial: "trial", imagename: "imagename", subj: "subj" }, "merging evaluation shards");
    if (columns === undefined) {
      columns = table.columns;
      imageColumn = col.imagename;
    } else if (table.columns.join(",") !== columns.join(",")) {
      throw new InputError(`columns differ from the first shard's (${columns.join(",")})`, { file, line: 1 });
    }
    table.rows.forEach((fields, r) => {
      const trial = Number(fields[col.trial]);
      if (!Number.isInteger(trial) || trial < 1) {
        throw new InputError(`"${fields[col.trial]}" is not a trial number; expected 1, 2, ...`, {
          file,
          line: table.lines[r],
          column: "trial",
        });
      }
      rows.push({ trial, fields, file, line: table.lines[r] });
      const holding = filesOf.get(fields[col.subj]) ?? [];
      if (holding.at(-1) !== file) holding.push(file);
      filesOf.set(fields[col.subj], holding);
    });
  }
  if (filesOf.size > 1) {
    const observers = [...filesOf].map(([subj, holding]) => `"${subj}" (${holding.join(", ")})`).join(", ");
    throw new InputError(`the shards hold the trials of different observers: ${observers}; expected the shards of one evaluation`);
  }
  rows.sort((a, b) => a.trial - b.trial);
  // Doubles first: a shard given twice is a clearer message than the gaps it also causes.
  rows.forEach((row, i) => {
    if (i > 0 && rows[i - 1].trial === row.trial) {
      throw new InputError(
        `trial ${row.trial} appears twice (also ${rows[i - 1].file}:${rows[i - 1].line}); expected each trial in one shard`,
        { file: row.file, line: row.line },
      );
    }
  });
  rows.forEach((row, i) => {
    if (row.trial !== i + 1) {
      throw new InputError(
        `trial ${i + 1} is missing (the shards jump from ${i} to ${row.trial}); expected trials 1..N, a shard may not have finished`,
        { file: row.file, line: row.line },
      );
    }
  });
  if (stimuliFolder !== undefined) {
    const expected = await readStimuli(stimuliFolder);
    if (expected.length !== rows.length) {
      throw new InputError(`the shards hold ${rows.length} trials but the folder has ${expected.length} images; a shard is missing`, {
        file: stimuliFolder,
      });
    }
    expected.forEach((s, i) => {
      if (rows[i].fields[imageColumn] !== s.name) {
        throw new InputError(`trial ${i + 1} is "${rows[i].fields[imageColumn]}", expected "${s.name}" from the stimulus folder`, {
          file: rows[i].file,
          line: rows[i].line,
        });
      }
    });
  }
  const names = columns ?? [];
  await writeTable(
    output,
    rows.map((r) => Object.fromEntries(names.map((c, i) => [c, r.fields[i]]))),
    names,
    TRIAL_COLUMN_TYPES,
  );
  return rows.length;
}
