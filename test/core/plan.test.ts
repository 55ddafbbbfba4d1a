import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  PLAN_ANSWER_SIMULATIONS,
  perTrialKappaSd,
  planDifference,
  planHalfWidth,
  simulatedHalfWidth,
  simulatedPower,
} from "../../src/core/plan.ts";

const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);

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
    assert.ok(
      plan.curve.every((p, i) => i === 0 || p.simulated < plan.curve[i - 1].simulated),
      "half-width falls with n",
    );
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

  test("issue 14's numbers: the half-width at 844 trials is 0.0512, about 886 trials reach 0.05", () => {
    close(simulatedHalfWidth(844, { ...pair, simulations: 200_000, seed: 11 }), 0.0512, 0.0003, "half-width at 844");
    close(simulatedHalfWidth(886, { ...pair, simulations: 200_000, seed: 11 }), 0.05, 0.0003, "half-width at 886");
  });

  test("the half-width plan does not move with the seed: seeds 1 to 10 within 2% of 886, each reaching its target", () => {
    const answers: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const plan = planHalfWidth({ ...pair, halfWidth: 0.05, seed });
      answers.push(plan.trials);
      assert.ok(plan.achieved_half_width <= 0.05, `seed ${seed}: achieved ${plan.achieved_half_width} at ${plan.trials}`);
      assert.ok(plan.achieved_half_width > 0.0495, `seed ${seed}: achieved ${plan.achieved_half_width} at ${plan.trials}`);
      assert.equal(plan.answer_simulations, PLAN_ANSWER_SIMULATIONS);
    }
    for (const n of answers) assert.ok(Math.abs(n / 886 - 1) <= 0.02, `answers ${answers.join(", ")}`);
  });

  test("the power plan comes from a monotone fit, not from where noise crosses the target: seeds 1 to 5 within 5%", () => {
    const answers: number[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const plan = planDifference({ ...pair, delta: 0.1, power: 0.8, seed });
      answers.push(plan.trials);
      assert.ok(plan.fit.slope > 0, "the fitted power rises with n");
      assert.ok(Math.abs(plan.achieved_power - 0.8) < 0.02, `seed ${seed}: power ${plan.achieved_power} at ${plan.trials}`);
    }
    const middle = [...answers].sort((a, b) => a - b)[2];
    for (const n of answers) assert.ok(Math.abs(n / middle - 1) <= 0.05, `answers ${answers.join(", ")}`);
  });

  test("an accuracy of 0 or 1 makes kappa identically 0: no plan", () => {
    for (const [acc1, acc2] of [
      [1, 0.4],
      [0.6, 0],
    ]) {
      assert.throws(
        () => planHalfWidth({ acc1, acc2, kappa: 0, halfWidth: 0.05 }),
        (error: Error) =>
          error instanceof RangeError &&
          /kappa is 0 whatever the trials/.test(error.message) &&
          error.message.includes(`${acc1} and ${acc2}`),
      );
      assert.throws(() => planDifference({ acc1, acc2, kappa: 0, delta: 0.1, power: 0.8 }), /kappa is 0 whatever the trials/);
    }
  });

  test("impossible settings are refused", () => {
    assert.throws(() => planHalfWidth({ acc1: 0.9, acc2: 0.2, kappa: 0.9, halfWidth: 0.05 }), /outside the range/);
    assert.throws(() => planDifference({ ...pair, delta: -0.1, power: 0.8 }), /delta must be positive/);
    assert.throws(() => planHalfWidth({ ...pair, halfWidth: 0 }), /half-width/);
  });
});
