import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareConditions, conditionLayout, sortConditions } from "../../src/core/condition-order.ts";

describe("condition order (menu, server lists and figures share it)", () => {
  test("numbers inside names compare by value: contrast, eidolon, high-pass with inf, uniform noise", () => {
    assert.deepEqual(sortConditions(["c10", "c100", "c15", "c01", "c05", "c03", "c30", "c50"]), [
      "c01",
      "c03",
      "c05",
      "c10",
      "c15",
      "c30",
      "c50",
      "c100",
    ]);
    assert.deepEqual(sortConditions(["1", "128", "16", "2", "32", "4", "64", "8"]), ["1", "2", "4", "8", "16", "32", "64", "128"]);
    assert.deepEqual(sortConditions(["inf", "1.5", "0.45", "0.4", "3", "1", "0.55", "0.7"]), [
      "0.4",
      "0.45",
      "0.55",
      "0.7",
      "1",
      "1.5",
      "3",
      "inf",
    ]);
    assert.deepEqual(sortConditions(["0.10", "0.03", "0.00", "0.90"]), ["0.00", "0.03", "0.10", "0.90"]);
    assert.deepEqual(sortConditions(["270", "0", "180", "90"]), ["0", "90", "180", "270"]);
    assert.deepEqual(sortConditions(["-1", "2", "-3"]), ["-3", "-1", "2"]);
    assert.deepEqual(sortConditions(["cr", "bw"]), ["bw", "cr"]);
  });

  test("names equal by value keep a fixed order; the comparison is antisymmetric", () => {
    assert.deepEqual(sortConditions(["c1", "c01"]), ["c01", "c1"]);
    for (const [a, b] of [
      ["c01", "c1"],
      ["c05", "c10"],
      ["inf", "3"],
      ["1-0-10", "1-3-10"],
    ])
      assert.equal(Math.sign(compareConditions(a, b)), -Math.sign(compareConditions(b, a)));
  });

  test("eidolon's reach-coherence-grain conditions: one panel per coherence, reach along the axis", () => {
    const eidolon = ["1", "2", "4", "8", "16", "32", "64", "128"].flatMap((r) => ["0", "3", "10"].map((c) => `${r}-${c}-10`));
    const layout = conditionLayout(eidolon);
    assert.deepEqual(layout.families, ["·-0-10", "·-3-10", "·-10-10"]);
    const coherence3 = layout.places.filter((p) => p.family === "·-3-10");
    assert.deepEqual(
      coherence3.map((p) => p.x),
      ["1", "2", "4", "8", "16", "32", "64", "128"],
    );
    assert.deepEqual(
      coherence3.map((p) => p.condition),
      ["1-3-10", "2-3-10", "4-3-10", "8-3-10", "16-3-10", "32-3-10", "64-3-10", "128-3-10"],
    );
  });

  test("one family where only one number varies, or where names differ in shape", () => {
    assert.deepEqual(conditionLayout(["c10", "c01", "c100"]), {
      families: [""],
      places: ["c01", "c10", "c100"].map((c) => ({ condition: c, family: "", x: c })),
      xTitle: "condition",
    });
    assert.deepEqual(conditionLayout(["1-3-10", "2-3-10"]).families, [""]);
    assert.deepEqual(
      conditionLayout(["bw", "cr"]).places.map((p) => p.x),
      ["bw", "cr"],
    );
  });
});
