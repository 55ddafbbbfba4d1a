import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  CHANCE_DEFAULTS,
  CHANCE_EXACT_MAX_TRIALS,
  type ChanceBandRow,
  type ChanceRegionOptions,
  chanceAccuracyGrid,
  chanceBin,
  chanceKey,
  chanceRegion,
  clearChanceCache,
  resolveChanceOptions,
} from "../../src/core/chance.ts";
import { logGamma } from "../../src/core/math/gamma.ts";
import { quantileType7 } from "../../src/core/math/quantile.ts";
import { SeededRandom } from "../../src/core/math/random.ts";
import { cachedChanceRegion, chanceCachePath } from "../../src/io/chance-cache.ts";
import { NO_SHARED_DATA, SHARED } from "../helpers.ts";

const REFERENCE = join(SHARED, "data/geirhos2020/reference");
const NO_REFERENCE = NO_SHARED_DATA || (existsSync(REFERENCE) ? false : `reference bands not found at ${REFERENCE}`);

interface ReferenceRow {
  bin: number;
  c_exp: number;
  values: (number | null)[]; // c_obs low, c_obs high, kappa low, kappa high
}

/** The authors' band: row label L (1..100) is bin L - 1; NA is null. */
async function referenceBand(trials: number): Promise<ReferenceRow[]> {
  const text = await readFile(join(REFERENCE, `chance-band-${trials}-trials.csv`), "utf8");
  const [header, ...lines] = text.trim().split(/\r?\n/);
  assert.equal(header, '"","cexp","cobs_CIlow","cobs_CIHigh","kappa_CIlow","kappa_CIHigh"');
  return lines.map((line) => {
    const [label, ...cells] = line.split(",");
    const numbers = cells.map((c) => (c === "NA" ? null : Number(c)));
    return { bin: Number(label.replaceAll('"', "")) - 1, c_exp: numbers[0] as number, values: numbers.slice(1) };
  });
}

const COLUMNS = ["c_obs_low", "c_obs_high", "kappa_low", "kappa_high"] as const;

/** Largest |ours - theirs| per column over the bins present in both; nulls must match. */
function compare(rows: readonly ChanceBandRow[], reference: readonly ReferenceRow[], skipBins: readonly number[] = []) {
  const worst = { c_obs_low: 0, c_obs_high: 0, kappa_low: 0, kappa_high: 0 };
  const where = { c_obs_low: -1, c_obs_high: -1, kappa_low: -1, kappa_high: -1 };
  let shared = 0;
  for (const row of rows) {
    const theirs = reference.find((r) => r.bin === row.bin);
    if (theirs === undefined || skipBins.includes(row.bin)) continue;
    shared++;
    COLUMNS.forEach((column, i) => {
      const a = row[column];
      const b = theirs.values[i];
      if (a === null || b === null) {
        assert.equal(a, b, `bin ${row.bin} ${column}: ${a} vs ${b}`);
        return;
      }
      const d = Math.abs(a - b);
      if (d > worst[column]) {
        worst[column] = d;
        where[column] = row.bin;
      }
    });
  }
  return { worst, where, shared };
}

function assertWithin(result: ReturnType<typeof compare>, cObsTolerance: number, kappaTolerance: number, label: string) {
  for (const column of COLUMNS) {
    const tolerance = column.startsWith("c_obs") ? cObsTolerance : kappaTolerance;
    assert.ok(
      result.worst[column] <= tolerance,
      `${label}: ${column} differs by ${result.worst[column]} in bin ${result.where[column]} (tolerance ${tolerance})`,
    );
  }
}

describe("seeded generator", () => {
  test("same seed, same numbers (pinned, so that they stay the same everywhere); seeds are taken modulo 2^32", () => {
    const r = new SeededRandom(2020);
    assert.deepEqual(
      Array.from({ length: 5 }, () => r.nextUint32()),
      [1704306306, 2969392152, 1175900734, 1920493491, 454184053],
    );
    assert.deepEqual([r.uniform(), r.uniform()], [0.4227348731365055, 0.7149429118726403]);
    assert.deepEqual(
      [r.binomial(10, 0.3), r.binomial(1280, 0.5), r.binomial(1280, 0.97), r.binomial(160, 0.02), r.binomial(100000, 0.25)],
      [3, 588, 1242, 3, 25163],
    );
    assert.equal(new SeededRandom(-1).nextUint32(), new SeededRandom(4294967295).nextUint32());
    assert.notEqual(new SeededRandom(1).nextUint32(), new SeededRandom(2).nextUint32());
    assert.throws(() => new SeededRandom(1.5), RangeError);
  });

  test("uniform() lies in [0, 1) with mean 1/2 and variance 1/12", () => {
    const r = new SeededRandom(7);
    const m = 200_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < m; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      sum += u;
      squares += u * u;
    }
    const mean = sum / m;
    // SE of the mean: sqrt(1/12 / m); of the mean square: sqrt((1/5 - 1/9) / m).
    assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / m));
    assert.ok(Math.abs(squares / m - 1 / 3) < 5 * Math.sqrt((1 / 5 - 1 / 9) / m));
  });
});

describe("binomial sampler", () => {
  // Inversion (n p' < 10) and Hörmann's BTRS (n p' >= 10), with p below and above 1/2.
  const cases: [number, number][] = [
    [10, 0.3],
    [160, 0.02],
    [1000, 0.001],
    [19, 0.5],
    [50, 0.2],
    [160, 0.5],
    [1280, 0.5],
    [1280, 0.97],
    [3000, 0.9999],
    [500, 0.85],
  ];

  for (const [n, p] of cases) {
    test(`Bin(${n}, ${p}): mean n p and variance n p (1 - p), within 4.5 standard errors`, () => {
      const r = new SeededRandom(n * 1000 + Math.round(p * 1e4));
      const m = 100_000;
      const draws = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const k = r.binomial(n, p);
        assert.ok(Number.isInteger(k) && k >= 0 && k <= n, `draw ${k} outside 0..${n}`);
        draws[i] = k;
      }
      let sum = 0;
      for (const k of draws) sum += k;
      const mean = sum / m;
      let squares = 0;
      for (const k of draws) squares += (k - mean) ** 2;
      const variance = squares / (m - 1);
      const q = 1 - p;
      const sigma2 = n * p * q;
      // SE of the sample mean: sqrt(sigma^2 / m). SE of the sample variance:
      // sqrt((mu4 - sigma^4 (m - 3) / (m - 1)) / m), with the binomial mu4 = n p q (1 + 3 p q (n - 2)).
      const mu4 = n * p * q * (1 + 3 * p * q * (n - 2));
      const seMean = Math.sqrt(sigma2 / m);
      const seVariance = Math.sqrt((mu4 - (sigma2 ** 2 * (m - 3)) / (m - 1)) / m);
      assert.ok(Math.abs(mean - n * p) <= 4.5 * seMean, `mean ${mean}, expected ${n * p} ± ${seMean}`);
      assert.ok(Math.abs(variance - sigma2) <= 4.5 * seVariance, `variance ${variance}, expected ${sigma2} ± ${seVariance}`);
    });
  }

  test("the whole distribution: chi-square goodness of fit against the exact probabilities", () => {
    for (const [n, p] of [
      [40, 0.1],
      [160, 0.5],
      [1280, 0.3],
      [1280, 0.99],
    ] as const) {
      const r = new SeededRandom(n + Math.round(p * 100));
      const m = 200_000;
      const counts = new Float64Array(n + 1);
      for (let i = 0; i < m; i++) counts[r.binomial(n, p)]++;
      const pmf = (k: number) =>
        Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p));
      // Cells with expected count >= 20; the tails pooled into one cell each.
      let chi2 = 0;
      let cells = 0;
      let pooledObserved = 0;
      let pooledExpected = 0;
      for (let k = 0; k <= n; k++) {
        const expected = m * pmf(k);
        if (expected < 20) {
          pooledObserved += counts[k];
          pooledExpected += expected;
          continue;
        }
        chi2 += (counts[k] - expected) ** 2 / expected;
        cells++;
      }
      if (pooledExpected >= 5) {
        chi2 += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
        cells++;
      }
      // 99.9% quantile of chi-square with df = cells - 1 (Wilson-Hilferty, z = 3.09).
      const df = cells - 1;
      const limit = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
      assert.ok(chi2 < limit, `Bin(${n}, ${p}): chi2 ${chi2} with ${df} df, limit ${limit}`);
    }
  });

  test("edge cases and invalid arguments", () => {
    const r = new SeededRandom(1);
    assert.equal(r.binomial(0, 0.5), 0);
    assert.equal(r.binomial(100, 0), 0);
    assert.equal(r.binomial(100, 1), 100);
    assert.throws(() => r.binomial(-1, 0.5), RangeError);
    assert.throws(() => r.binomial(2.5, 0.5), RangeError);
    assert.throws(() => r.binomial(10, 1.5), RangeError);
    assert.throws(() => r.binomial(10, Number.NaN), RangeError);
  });
});

describe("chance region: building blocks", () => {
  test("bins: [i/99, (i+1)/99), c_exp = 1 alone in bin 99", () => {
    assert.equal(chanceBin(0), 0);
    assert.equal(chanceBin(1 / 99 - 1e-12), 0);
    assert.equal(chanceBin(1 / 99), 1);
    assert.equal(chanceBin(0.5), 49);
    assert.equal(chanceBin(98 / 99), 98);
    assert.equal(chanceBin(1 - 1e-12), 98);
    assert.equal(chanceBin(1), 99);
    for (let i = 0; i < 99; i++) assert.equal(chanceBin(i / 99), i);
  });

  test("quantiles are R's type 7", () => {
    const x = [1, 2, 3, 4, 10];
    assert.equal(quantileType7(x, 0), 1);
    assert.equal(quantileType7(x, 1), 10);
    assert.equal(quantileType7(x, 0.5), 3);
    assert.equal(quantileType7(x, 0.975), 4 + 0.9 * 6); // h = 3.9
    assert.equal(quantileType7(x, 0.025), 1.1); // h = 0.1
    assert.equal(quantileType7([5], 0.975), 5);
    assert.ok(Number.isNaN(quantileType7([], 0.5)));
  });

  test("the grid: thirds on [0, e], [e, 1 - e], [1 - e, 1]", () => {
    const near = (actual: number[], expected: number[]) =>
      assert.ok(actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]) < 1e-15), String(actual));
    near(chanceAccuracyGrid(12), [0, 0.05, 0.1, 0.15, 0.15, 0.38333333333333336, 0.6166666666666667, 0.85, 0.85, 0.9, 0.95, 1]);
    near(chanceAccuracyGrid(6, 0.05), [0, 0.05, 0.05, 0.95, 0.95, 1]);
    assert.equal(chanceAccuracyGrid(1200).length, 1200);
    assert.throws(() => chanceAccuracyGrid(10), RangeError);
    assert.throws(() => chanceAccuracyGrid(12, 0.5), RangeError);
  });

  test("options: defaults, 'auto', validation, keys", () => {
    assert.deepEqual(CHANCE_DEFAULTS, { method: "auto", seed: 2020, gridSteps: 1200, gridEdge: 0.15, replicates: 1 });
    assert.equal(resolveChanceOptions({ trials: 160 }).method, "exact");
    assert.equal(resolveChanceOptions({ trials: CHANCE_EXACT_MAX_TRIALS + 1 }).method, "simulation");
    assert.deepEqual(resolveChanceOptions({ trials: 1280, seed: -1 }), {
      method: "simulation",
      trials: 1280,
      seed: 4294967295,
      gridSteps: 1200,
      gridEdge: 0.15,
      replicates: 1,
    });
    assert.equal(chanceKey({ trials: 160 }), "v1-exact-n160-grid1200-edge0.15");
    assert.equal(chanceKey({ trials: 160, seed: 5 }), chanceKey({ trials: 160, method: "exact" })); // no seed in exact
    assert.equal(chanceKey({ trials: 1280, method: "simulation" }), "v1-sim-n1280-grid1200-edge0.15-seed2020-rep1");
    for (const bad of [
      { trials: 0 },
      { trials: 1.5 },
      { trials: 10, seed: 0.5 },
      { trials: 10, gridSteps: 100 },
      { trials: 10, replicates: 0 },
      { trials: 10, gridEdge: 0 },
      { trials: 10, method: "bootstrap" as "exact" },
      { trials: 10, method: "simulation" as const, gridSteps: 30_000 },
    ]) {
      assert.throws(() => chanceRegion(bad), RangeError, JSON.stringify(bad));
    }
  });
});

describe("chance region: simulation", () => {
  const small: ChanceRegionOptions = { trials: 160, method: "simulation", gridSteps: 300, replicates: 2 };

  test("(1) the same seed gives identical results, another seed different ones", () => {
    const first = chanceRegion({ ...small, seed: 11 });
    clearChanceCache();
    const again = chanceRegion({ ...small, seed: 11 });
    assert.deepEqual(again, first);
    assert.notEqual(again, first); // fresh copies, not the cached array
    const other = chanceRegion({ ...small, seed: 12 });
    assert.notDeepEqual(other, first);
    // Every simulated pair lands in some bin.
    assert.equal(
      first.reduce((sum, r) => sum + r.n, 0),
      300 * 300 * 2,
    );
  });

  test("rows: sorted bins, bounds ordered, kappa null only where c_exp = 1", () => {
    const rows = chanceRegion({ ...small, seed: 11 });
    for (const [i, r] of rows.entries()) {
      if (i > 0) assert.ok(r.bin > rows[i - 1].bin);
      assert.ok(r.n > 0);
      assert.ok(r.c_exp_mean >= r.bin / 99 && (r.bin === 99 ? r.c_exp_mean === 1 : r.c_exp_mean < (r.bin + 1) / 99));
      assert.ok(r.c_obs_low <= r.c_obs_high);
      assert.equal(r.kappa_low === null, r.bin === 99);
      if (r.kappa_low !== null && r.kappa_high !== null) assert.ok(r.kappa_low <= r.kappa_high);
    }
  });

  test("(3) with 1.44 million pairs (N = 1280) every populated interior bin's band contains kappa = 0 and brackets c_exp", () => {
    const rows = chanceRegion({ trials: 1280, method: "simulation" });
    const interior = rows.filter((r) => r.bin > 0 && r.bin < 99 && r.n >= 100);
    assert.equal(interior.length, 98);
    for (const r of interior) {
      assert.ok(r.kappa_low !== null && r.kappa_low <= 1e-12 && r.kappa_high !== null && r.kappa_high >= -1e-12, `bin ${r.bin}`);
      assert.ok(r.c_obs_low <= r.c_exp_mean && r.c_exp_mean <= r.c_obs_high, `bin ${r.bin}`);
    }
  });

  test("(3) for N = 160 too, up to the step 1/N of c_obs (c_exp 0.0248 has c_obs = 0.025 only)", () => {
    for (const method of ["simulation", "exact"] as const) {
      const rows = chanceRegion({ trials: 160, method });
      for (const r of rows.filter((row) => row.bin > 0 && row.bin < 99)) {
        assert.ok(
          r.kappa_low !== null && r.kappa_low <= 1e-12 && r.kappa_high !== null && r.kappa_high >= -1e-12,
          `${method} bin ${r.bin}`,
        );
        assert.ok(r.c_obs_low - 1 / 160 <= r.c_exp_mean && r.c_exp_mean <= r.c_obs_high + 1 / 160, `${method} bin ${r.bin}`);
      }
    }
  });
});

describe("chance region: the authors' bands (2)", { skip: NO_REFERENCE }, () => {
  test("defaults, N = 160 (exact) and N = 1280 (simulation): c_obs within 0.01, kappa within 0.05 in every bin", async () => {
    for (const trials of [160, 1280]) {
      const reference = await referenceBand(trials);
      const rows = chanceRegion({ trials });
      assert.equal(rows.length, 100);
      const result = compare(rows, reference);
      assert.equal(result.shared, 100);
      assertWithin(result, 0.01, 0.05, `N = ${trials}`);
      // The mean c_exp per bin agrees too.
      for (const r of rows) assert.ok(Math.abs(r.c_exp_mean - reference[r.bin].c_exp) < 0.001, `c_exp of bin ${r.bin}`);
    }
  });

  test("with the authors' grid edges (0.15 for 160 trials, 0.05 for 1280) the bands agree to a step of c_obs and 0.01 of kappa", async () => {
    // N = 160, exact: c_obs within one step 1/160, kappa within 0.002.
    assertWithin(compare(chanceRegion({ trials: 160, gridEdge: 0.15 }), await referenceBand(160)), 1 / 160 + 1e-12, 0.002, "N = 160");
    // N = 1280, simulated: c_obs within one step 1/1280, kappa within 0.01 (simulation noise).
    assertWithin(compare(chanceRegion({ trials: 1280, gridEdge: 0.05 }), await referenceBand(1280)), 1 / 1280 + 1e-12, 0.01, "N = 1280");
  });

  test("simulating N = 160: within tolerance except at the three bins where kappa's 97.5% quantile sits on a jump", async () => {
    // Bins 89, 90, 95 (c_exp near 0.90, 0.91, 0.96): the exact probability below the jump is
    // 0.97468, 0.97409, 0.97379 — within about 1e-3 of 0.975 — so a simulation with ~10^4
    // pairs per bin gives either value, whatever its seed (the exact method: see above).
    const jumps = new Map([
      [89, [0.1231, 0.1925]],
      [90, [0.1241, 0.1328]],
      [95, [0, 0.3206]],
    ]);
    const reference = await referenceBand(160);
    const rows = chanceRegion({ trials: 160, method: "simulation" });
    assertWithin(compare(rows, reference, [...jumps.keys()]), 0.01, 0.05, "N = 160 simulated");
    for (const [bin, [below, above]] of jumps) {
      const high = rows.find((r) => r.bin === bin)?.kappa_high;
      assert.ok(high !== null && high !== undefined && high >= below - 1e-4 && high <= above + 1e-4, `bin ${bin}: ${high}`);
    }
  });
});

describe("chance region: exact computation", () => {
  test("agrees with the simulation where the distributions are nearly continuous (N = 400)", () => {
    const exact = chanceRegion({ trials: 400, method: "exact" });
    const simulated = chanceRegion({ trials: 400, method: "simulation", gridSteps: 900, replicates: 2 });
    const total = exact.reduce((sum, r) => sum + r.n, 0);
    assert.ok(Math.abs(total - 1200 * 1200) < 1e-6 * total, `expected pairs ${total}`);
    for (const s of simulated.filter((r) => r.n >= 2000)) {
      const e = exact.find((r) => r.bin === s.bin);
      assert.ok(e !== undefined);
      assert.ok(Math.abs(s.c_obs_low - e.c_obs_low) <= 2 / 400 + 1e-12, `bin ${s.bin} c_obs_low`);
      assert.ok(Math.abs(s.c_obs_high - e.c_obs_high) <= 2 / 400 + 1e-12, `bin ${s.bin} c_obs_high`);
      assert.ok(Math.abs((s.kappa_low ?? 0) - (e.kappa_low ?? 0)) <= 0.03, `bin ${s.bin} kappa_low`);
      assert.ok(Math.abs((s.kappa_high ?? 0) - (e.kappa_high ?? 0)) <= 0.03, `bin ${s.bin} kappa_high`);
      assert.ok(Math.abs(s.c_exp_mean - e.c_exp_mean) < 0.001, `bin ${s.bin} c_exp`);
    }
  });

  test("N = 1: two observers with one trial each", () => {
    // c_exp is 1 (both right or both wrong: bin 99, kappa undefined) or 0 (bin 0, kappa 0).
    const rows = chanceRegion({ trials: 1, method: "exact" });
    assert.deepEqual(
      rows.map((r) => [r.bin, r.c_obs_low, r.c_obs_high, r.kappa_low, r.kappa_high]),
      [
        [0, 0, 0, 0, 0],
        [99, 1, 1, null, null],
      ],
    );
    assert.ok(Math.abs(rows[0].n + rows[1].n - 1200 * 1200) < 1e-6);
  });
});

describe("chance region: cache (5)", () => {
  const directories: string[] = [];
  after(async () => {
    for (const d of directories) await rm(d, { recursive: true, force: true });
  });
  const options: ChanceRegionOptions = { trials: 80, method: "simulation", gridSteps: 150, seed: 3 };

  test("the first call writes <cacheDir>/chance/<key>.json, the second reads it: identical result", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-chance-"));
    directories.push(dir);
    const path = chanceCachePath(options, dir);
    assert.equal(path, join(dir, "chance", `${chanceKey(options)}.json`));
    clearChanceCache();
    const first = await cachedChanceRegion(options, dir);
    assert.ok(existsSync(path));
    assert.deepEqual(await readdir(join(dir, "chance")), [`${chanceKey(options)}.json`]); // no temporary left
    const stored = JSON.parse(await readFile(path, "utf8"));
    assert.equal(stored.key, chanceKey(options));
    assert.deepEqual(stored.rows, first);

    clearChanceCache();
    const second = await cachedChanceRegion(options, dir);
    assert.deepEqual(second, first);

    // The second call really reads the file: a changed file is what comes back.
    stored.rows[0].c_obs_high = 0.123;
    await writeFile(path, JSON.stringify(stored));
    clearChanceCache();
    assert.equal((await cachedChanceRegion(options, dir))[0].c_obs_high, 0.123);
  });

  test("a malformed or foreign file is recomputed and replaced; no cache folder: just computed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-chance-"));
    directories.push(dir);
    const expected = chanceRegion(options);
    const path = chanceCachePath(options, dir);
    await cachedChanceRegion(options, dir);
    for (const content of [
      "{ not json",
      JSON.stringify({ key: "other", rows: expected }),
      JSON.stringify({ key: chanceKey(options), rows: [{ bin: "x" }] }),
    ]) {
      await writeFile(path, content);
      assert.deepEqual(await cachedChanceRegion(options, dir), expected);
      assert.deepEqual(JSON.parse(await readFile(path, "utf8")).rows, expected);
    }
    assert.deepEqual(await cachedChanceRegion(options), expected);
  });

  test("a cache that cannot be written is an error naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trialwise-chance-"));
    directories.push(dir);
    await writeFile(join(dir, "chance"), "a file where the folder should be");
    await assert.rejects(cachedChanceRegion(options, dir), /chance-region cache/);
  });
});
