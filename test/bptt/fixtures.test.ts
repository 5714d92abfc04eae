import { describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { fixtureCase, fixtureGrads, RNN_FIXTURES, worstRelErr } from '../helpers/fixtures.js';

describe('the hand-written BPTT against PyTorch float64 autograd', () => {
  it.each(RNN_FIXTURES)('agrees with the independent gradients of %s to 1e-12 relative', (name) => {
    const g = handGradients(fixtureCase(name));
    const expected = fixtureGrads(`${name}.grads.json`);
    expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.gradients).sort());
    expect(worstRelErr(g, expected)).toBeLessThan(1e-12);
  });
});
