/** --steps-detail: the seed's sum over k, term by term, against tf.grad and against PyTorch. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { backward, forward, stepContribution } from '../../src/bptt/index.js';
import { checkSteps } from '../../src/check/steps.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { referenceSteps } from '../../reference/steps.js';
import { useBackend } from '../../reference/index.js';
import { fixtureCase, fixtureGrads, fixturePath, relErr, RNN_FIXTURES } from '../helpers/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('per-step adjoints and contributions', () => {
  it.each(RNN_FIXTURES)(
    'the per-step contributions of both sides sum to PyTorch’s dW, dU (and db) on %s',
    async (name) => {
      const c = fixtureCase(name);
      const cache = forward(c);
      const steps = backward(c, cache, { keepSteps: true }).steps!;
      const ref = await referenceSteps(c);
      const expected = fixtureGrads(`${name}.grads.json`).gradients;
      for (const t of ['W', 'U', ...(c.model.bias ? ['b'] : [])] as ('W' | 'U' | 'b')[]) {
        const handSum = new Float64Array(c.params[t]!.data.length);
        const refSum = new Float64Array(handSum.length);
        for (let k = 0; k < c.steps; k++) {
          stepContribution(c, cache, steps, k)[t]!.forEach((x, i) => (handSum[i]! += x));
          ref.contributions[k]![t]!.forEach((x, i) => (refSum[i]! += x));
        }
        const want = (expected[t] as number[]).flat();
        expect(relErr(handSum, want)).toBeLessThan(1e-12);
        expect(relErr(refSum, want)).toBeLessThan(1e-6);
      }
    },
  );

  it.each(RNN_FIXTURES)('‖∂L_{T−1}/∂s_k‖ of batch row 0 matches PyTorch’s adjoint norms on %s', async (name) => {
    const c = fixtureCase(name);
    const T = c.steps;
    const H = c.model.hiddenSize;
    const { dLlast_ds } = JSON.parse(readFileSync(fixturePath(`${name}.adjoints.json`), 'utf8')) as {
      dLlast_ds: number[];
    };
    const hand = backward(c, forward(c), { keepSteps: true, outputStep: T - 1 }).steps!.ds;
    const ref = (await referenceSteps(c, T - 1)).ds;
    const norms = (ds: ArrayLike<number>) =>
      Array.from({ length: T }, (_, k) => Math.hypot(...Array.from({ length: H }, (_, i) => ds[k * H + i]!)));
    expect(relErr(norms(hand), dLlast_ds)).toBeLessThan(1e-12);
    expect(relErr(norms(ref), dLlast_ds)).toBeLessThan(1e-6);
  });

  it('passes at every step on a correct case with bias, a batch and an initial state, for L and for one output', async () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, batch: 3, initialState: true, steps: 9, seed: 31 });
    const all = await checkSteps(c, DEFAULT_TOLERANCE);
    expect(all).toMatchObject({ pass: true, firstDivergence: null, outputStep: null });
    expect(all.rows).toHaveLength(9);
    const one = await checkSteps(c, DEFAULT_TOLERANCE, 4);
    expect(one.pass).toBe(true);
    // L_4 does not depend on the states after step 4
    expect(one.rows.slice(5).every((r) => r.adjoint.hand === 0 && r.adjoint.reference === 0)).toBe(true);
    expect(one.rows[4]!.adjoint.hand).toBeGreaterThan(0);
  });

  it('gives the first step where the sides diverge beyond tolerance', async () => {
    // a tolerance of zero cannot absorb float32 rounding: the first step with a nonzero term diverges
    const c = generateCase({ ...GENERATE_DEFAULTS, steps: 5, seed: 32 });
    const r = await checkSteps(c, { atol: 0, rtol: 0 });
    expect(r.pass).toBe(false);
    expect(r.firstDivergence).toBe(r.rows.findIndex((x) => !x.pass));
    expect(r.firstDivergence).toBe(0);
  });

  it('refuses an output step outside [0, T)', async () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, steps: 5 });
    await expect(checkSteps(c, DEFAULT_TOLERANCE, 5)).rejects.toThrow(
      /`outputStep` is 5, expected an integer in \[0, T\) = \[0, 5\)/,
    );
  });
});
