import { beforeAll, describe, expect, it } from 'vitest';
import { referenceGradients, REFERENCES, tf, useBackend } from '../../reference/index.js';
import { fixtureCase, fixtureGrads, worstRelErr } from '../helpers/fixtures.js';
import { checkCase } from '../../src/check/compare.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';

const GATED = ['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'] as const;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the gated references against PyTorch float64', () => {
  it.each(REFERENCES.flatMap((r) => GATED.map((f) => [r, f] as const)))(
    '%s agrees on %s to float32 precision, with no tensor left behind',
    async (ref, name) => {
      const c = fixtureCase(name);
      await referenceGradients(c, ref);
      const before = tf.memory().numTensors;
      const g = await referenceGradients(c, ref);
      expect(tf.memory().numTensors).toBe(before);
      expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(fixtureGrads(`${name}.grads.json`).gradients).sort());
      expect(worstRelErr(g, fixtureGrads(`${name}.grads.json`))).toBeLessThan(2e-6);
    },
  );
});

describe('generated gated cases, hand against both references', () => {
  it.each([
    { cell: 'lstm', recurrentActivation: 'sigmoid', bias: true, batch: 3, initialState: true },
    { cell: 'lstm', recurrentActivation: 'hardSigmoid', denseInputs: true, steps: 20 },
    { cell: 'gru', recurrentActivation: 'sigmoid', denseInputs: true, batch: 2, initialState: true },
    { cell: 'gru', recurrentActivation: 'hardSigmoid', bias: true, activation: 'relu', steps: 15 },
  ] as const)('agree on %o', async (o) => {
    const c = generateCase({ ...GENERATE_DEFAULTS, ...o, seed: 5 });
    const r = await checkCase(c, ['tfjs-layers', 'tfjs-ops'], DEFAULT_TOLERANCE);
    expect(r.rows.filter((x) => !x.pass).map((x) => `${x.tensor} ${x.a} vs ${x.r}`)).toEqual([]);
    // loss, U_*, W_* (and b_*) for every gate, V (and c), s₋₁ when given
    const gates = c.model.cell === 'lstm' ? 4 : 3;
    const expected = 1 + gates * (c.model.bias ? 3 : 2) + (c.model.bias ? 2 : 1) + (c.initialState ? 1 : 0);
    expect(new Set(r.rows.map((x) => x.tensor)).size).toBe(expected);
  });
  it('refuses recurrentActivation on a plain rnn and an unknown cell, naming the fields', () => {
    expect(() => generateCase({ ...GENERATE_DEFAULTS, recurrentActivation: 'sigmoid' })).toThrow(
      /`recurrentActivation` is "sigmoid" for cell rnn/,
    );
    expect(() => generateCase({ ...GENERATE_DEFAULTS, cell: 'mgu' as never })).toThrow(
      /`cell` is "mgu", expected one of rnn\|lstm\|gru/,
    );
  });
});
