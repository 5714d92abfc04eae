import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { parseCase } from '../../src/model/validate.js';
import { fixtureCase, fixtureGrads, fixturePath, worstRelErr } from '../helpers/fixtures.js';

const GATED = ['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'] as const;

describe('the hand-written LSTM and GRU against PyTorch float64 autograd', () => {
  it.each(GATED)('agree on %s (every gate, the output layer and s₋₁) to 1e-12', (name) => {
    const g = handGradients(fixtureCase(name));
    const expected = fixtureGrads(`${name}.grads.json`);
    expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.gradients).sort());
    expect(worstRelErr(g, expected)).toBeLessThan(1e-12);
  });

  it('refuses what the gated cells do not support yet, naming it', () => {
    expect(() => handGradients(fixtureCase('lstm-hardsigmoid'), { truncate: 2 })).toThrow(/truncate is set for cell lstm, expected full BPTT/);
  });
});

describe('gated case files', () => {
  const base = () => JSON.parse(readFileSync(fixturePath('lstm-sigmoid-bias.case.json'), 'utf8')) as Record<string, any>;
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
    expect(message((c) => (c.params.W_x = c.params.W_f))).toMatch(/params\.W_x is not a parameter of this model, expected only U_i, W_i, b_i, U_f/);
  });
  it('refuses recurrentActivation on a plain rnn case', () => {
    const rnn = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8'));
    rnn.model.recurrentActivation = 'sigmoid';
    expect(() => parseCase(rnn, 'case.json')).toThrow(/model\.recurrentActivation is "sigmoid", expected no recurrentActivation for cell rnn/);
  });
  it('takes tfjs’s hardSigmoid when a gated case names no recurrent activation', () => {
    const c = base();
    delete c.model.recurrentActivation;
    expect(parseCase(c, 'case.json').model.recurrentActivation).toBe('hardSigmoid');
  });
});
