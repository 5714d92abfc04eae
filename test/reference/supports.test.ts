/** supports(): what each reference computes, and the reason tf.layers gives when it cannot. */
import { describe, expect, it } from 'vitest';
import { REFERENCES, supports } from '../../reference/index.js';
import { CELLS } from '../../src/model/spec.js';

const LAYER = { rnn: 'simpleRNN', lstm: 'lstm', gru: 'gru' } as const;

describe('supports', () => {
  it.each(CELLS)('tfjs-layers refuses truncation and detaching of a %s, naming tf.layers.<cell>', (cell) => {
    const reason = `tf.layers.${LAYER[cell]} cannot truncate or detach`;
    expect(supports('tfjs-layers', { truncate: 2 }, cell)).toBe(reason);
    expect(supports('tfjs-layers', { detachEvery: 3 }, cell)).toBe(reason);
    expect(supports('tfjs-layers', { truncate: 2, clipNorm: 1 }, cell)).toBe(reason);
  });
  it.each(CELLS)('tfjs-ops supports every variant of a %s', (cell) => {
    expect(supports('tfjs-ops', {}, cell)).toBe(true);
    expect(supports('tfjs-ops', { truncate: 2 }, cell)).toBe(true);
    expect(supports('tfjs-ops', { detachEvery: 3 }, cell)).toBe(true);
    expect(supports('tfjs-ops', { truncate: 2, detachEvery: 3, clipValue: 0.1, clipNorm: 1 }, cell)).toBe(true);
  });
  it.each(CELLS)('both references clip a %s and compute the plain gradients', (cell) => {
    for (const r of REFERENCES) {
      expect(supports(r, {}, cell)).toBe(true);
      expect(supports(r, { clipValue: 0.1 }, cell)).toBe(true);
      expect(supports(r, { clipNorm: 1 }, cell)).toBe(true);
      expect(supports(r, { clipValue: 0.1, clipNorm: 1 }, cell)).toBe(true);
    }
  });
});
