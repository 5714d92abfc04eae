import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceGradients, useBackend } from '../../reference/index.js';
import { referenceSteps } from '../../reference/steps.js';
import { gatedForward, handBackward, stepContribution } from '../../src/bptt/index.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { checkSteps } from '../../src/check/steps.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { handGradients } from '../../src/bptt/index.js';
import { parseCase } from '../../src/model/validate.js';
import { fixtureCase, fixtureGrads, fixturePath, relErr, worstRelErr } from '../helpers/fixtures.js';

const GATED = ['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'] as const;

describe('the hand-written LSTM and GRU against PyTorch float64 autograd', () => {
  it.each(GATED)('agree on %s (every gate, the output layer and s₋₁) to 1e-12', (name) => {
    const g = handGradients(fixtureCase(name));
    const expected = fixtureGrads(`${name}.grads.json`);
    expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.gradients).sort());
    expect(worstRelErr(g, expected)).toBeLessThan(1e-12);
  });
});

describe('gated truncation, detaching and single-output losses against the tfjs-ops cells (fresh-tensor detach)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const VARIANTS = [
    { truncate: 2 },
    { truncate: 0 },
    { detachEvery: 3 },
    { outputStep: 4 },
    { truncate: 1, outputStep: 5 },
  ];
  const cases = (['lstm', 'gru'] as const).flatMap((cell) => VARIANTS.map((opts) => [cell, opts] as const));
  it.each(cases)(
    '%s with %o agrees with tf.grad to float32 precision, and differs from full BPTT',
    async (cell, opts) => {
      const c = generateCase({
        ...GENERATE_DEFAULTS,
        cell,
        inputSize: 4,
        hiddenSize: 5,
        steps: 8,
        batch: 2,
        bias: true,
        initialState: true,
        recurrentActivation: 'sigmoid',
        seed: 3,
      });
      const hand = handGradients(c, opts);
      const ref = await referenceGradients(c, 'tfjs-ops', opts);
      const full = handGradients(c);
      for (const [name, m] of Object.entries(ref.tensors)) {
        expect(relErr(hand.tensors[name]!.data, m.data), name).toBeLessThan(5e-6);
      }
      expect(relErr([hand.loss], [ref.loss])).toBeLessThan(1e-6);
      const W = cell === 'lstm' ? 'W_f' : 'W_z';
      expect(relErr(hand.tensors[W]!.data, full.tensors[W]!.data)).toBeGreaterThan(1e-3);
    },
  );
  it.each(['lstm', 'gru'] as const)('%s: truncating at k ≥ T − 1 or detaching every k ≥ T is full BPTT', (cell) => {
    const c = generateCase({
      ...GENERATE_DEFAULTS,
      cell,
      inputSize: 3,
      hiddenSize: 4,
      steps: 6,
      bias: true,
      initialState: true,
      seed: 5,
    });
    const full = handGradients(c).tensors;
    for (const opts of [{ truncate: 5 }, { detachEvery: 6 }]) {
      const g = handGradients(c, opts).tensors;
      for (const [name, m] of Object.entries(full))
        expect(relErr(g[name]!.data, m.data), `${name} ${JSON.stringify(opts)}`).toBeLessThan(1e-14);
    }
  });
});

describe('gated per-step adjoints and contributions', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  it.each(GATED)(
    '‖∂L_{T−1}/∂s_k‖ of batch row 0 matches PyTorch’s adjoint norms on %s (through s_k alone), hand and tf.grad probes',
    async (name) => {
      const c = fixtureCase(name);
      const T = c.steps;
      const H = c.model.hiddenSize;
      const { dLlast_ds } = JSON.parse(readFileSync(fixturePath(`${name}.adjoints.json`), 'utf8')) as {
        dLlast_ds: number[];
      };
      const norms = (ds: ArrayLike<number>) =>
        Array.from({ length: T }, (_, k) => Math.hypot(...Array.from({ length: H }, (_, i) => ds[k * H + i]!)));
      expect(relErr(norms(handGradients(c, { keepSteps: true, outputStep: T - 1 }).steps!.ds), dLlast_ds)).toBeLessThan(
        1e-12,
      );
      expect(relErr(norms((await referenceSteps(c, T - 1)).ds), dLlast_ds)).toBeLessThan(1e-6);
    },
  );
  it.each(['lstm', 'gru'] as const)(
    '%s: the per-step contributions sum to the full gradients, and checkSteps passes at every step',
    async (cell) => {
      const c = generateCase({
        ...GENERATE_DEFAULTS,
        cell,
        inputSize: 3,
        hiddenSize: 4,
        steps: 6,
        batch: 2,
        bias: true,
        initialState: true,
        seed: 9,
      });
      const cache = gatedForward(c);
      const hand = handBackward(c, cache, { keepSteps: true });
      const ref = await referenceSteps(c);
      const gates = cell === 'lstm' ? ['i', 'f', 'g', 'o'] : ['z', 'r', 'h'];
      const total = (p: string) => gates.flatMap((g) => Array.from(hand.tensors[`${p}_${g}`]!.data));
      for (const p of ['W', 'U', 'b'] as const) {
        const handSum = new Float64Array(total(p).length);
        const refSum = new Float64Array(total(p).length);
        for (let k = 0; k < c.steps; k++) {
          stepContribution(c, cache, hand.steps!, k)[p]!.forEach((v, j) => (handSum[j]! += v));
          ref.contributions[k]![p]!.forEach((v, j) => (refSum[j]! += v));
        }
        expect(relErr(handSum, total(p)), p).toBeLessThan(1e-13);
        expect(relErr(refSum, total(p)), p).toBeLessThan(1e-5);
      }
      const result = await checkSteps(c, DEFAULT_TOLERANCE, 3);
      expect(result).toMatchObject({ pass: true, firstDivergence: null, outputStep: 3 });
      expect(result.rows.slice(4).every((r) => r.adjoint.hand === 0 && r.adjoint.reference === 0)).toBe(true);
      expect(result.rows[0]!.W.hand).toBeGreaterThan(0);
    },
  );
});

describe('gated case files', () => {
  const base = () =>
    JSON.parse(readFileSync(fixturePath('lstm-sigmoid-bias.case.json'), 'utf8')) as Record<string, any>;
  const message = (edit: (c: Record<string, any>) => void) => {
    const c = base();
    edit(c);
    try {
      parseCase(c, 'case.json');
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  it('names a missing gate parameter with its cell', () => {
    expect(message((c) => delete c.params.W_f)).toMatch(/params\.W_f is missing, expected H×H = 3×3 for cell lstm/);
  });
  it('refuses an unknown gate name', () => {
    expect(message((c) => (c.params.W_x = c.params.W_f))).toMatch(
      /params\.W_x is not a parameter of this model, expected only U_i, W_i, b_i, U_f/,
    );
  });
  it('refuses recurrentActivation on a plain rnn case', () => {
    const rnn = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8'));
    rnn.model.recurrentActivation = 'sigmoid';
    expect(() => parseCase(rnn, 'case.json')).toThrow(
      /model\.recurrentActivation is "sigmoid", expected no recurrentActivation for cell rnn/,
    );
  });
  it('takes tfjs’s hardSigmoid when a gated case names no recurrent activation', () => {
    const c = base();
    delete c.model.recurrentActivation;
    expect(parseCase(c, 'case.json').model.recurrentActivation).toBe('hardSigmoid');
  });
});
