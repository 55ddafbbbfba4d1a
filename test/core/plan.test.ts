import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { perTrialKappaSd, planDifference, planHalfWidth, simulatedHalfWidth, simulatedPower } from "../../src/core/plan.ts";

describe("planning the number of trials", () => {
  const pair = { acc1: 0.7, acc2: 0.4, kappa: 0.3 };

  test("the closed-form half-width z s1 / sqrt(n) agrees with simulation at large n", () => {
    const s1 = perTrialKappaSd(pair.acc1, pair.acc2, pair.kappa);
    for (const n of [800, 3200]) {
      const simulated = simulatedHalfWidth(n, { ...pair, simulations: 4000, seed: 7 });
      const closed = (1.959964 * s1) / Math.sqrt(n);
      assert.ok(Math.abs(simulated / closed - 1) < 0.06, `n=${n}: simulated ${simulated}, closed form ${closed}`);
    }
  });

  test("the planned n reaches the target half-width, and half of it does not", () => {
    const plan = planHalfWidth({ ...pair, halfWidth: 0.05 });
    assert.ok(plan.trials > 100 && plan.trials < 3000, String(plan.trials));
    assert.ok(Math.abs(plan.trials / plan.trials_closed_form - 1) < 0.15, `${plan.trials} vs ${plan.trials_closed_form}`);
    // An independent check with another seed and more experiments: within Monte-Carlo error.
    assert.ok(simulatedHalfWidth(plan.trials, { ...pair, simulations: 8000, seed: 99 }) < 0.05 * 1.03);
    assert.ok(simulatedHalfWidth(Math.round(plan.trials / 2), { ...pair, simulations: 8000, seed: 99 }) > 0.05 * 1.2);
    assert.ok(plan.curve.every((p, i) => i === 0 || p.simulated < plan.curve[i - 1].simulated), "half-width falls with n");
  });

  test("the power test holds its level when both models have the same kappa", () => {
    const size = simulatedPower(300, { ...pair, delta: 0, humans: 3, simulations: 4000, seed: 5 });
    // Critical value and alternative come from independent simulations: size = 0.05 ± MC error.
    assert.ok(Math.abs(size - 0.05) < 3 * Math.sqrt((0.05 * 0.95) / 4000) + 0.01, `size ${size}`);
  });

  test("the planned n has the target power; more humans need fewer trials", () => {
    const one = planDifference({ ...pair, delta: 0.1, power: 0.8 });
    const check = simulatedPower(one.trials, { ...pair, delta: 0.1, humans: 1, simulations: 4000, seed: 123 });
    assert.ok(check > 0.8 - 3 * Math.sqrt((0.8 * 0.2) / 4000) - 0.01, `power ${check} at ${one.trials}`);
    const ten = planDifference({ ...pair, delta: 0.1, power: 0.8, humans: 10 });
    assert.ok(ten.trials < one.trials / 5, `${ten.trials} vs ${one.trials}`);
    assert.ok(one.curve.at(-1)!.simulated > 0.99);
  });

  test("impossible settings are refused", () => {
    assert.throws(() => planHalfWidth({ acc1: 0.9, acc2: 0.2, kappa: 0.9, halfWidth: 0.05 }), /outside the range/);
    assert.throws(() => planDifference({ ...pair, delta: -0.1, power: 0.8 }), /delta must be positive/);
    assert.throws(() => planHalfWidth({ ...pair, halfWidth: 0 }), /half-width/);
  });
});
