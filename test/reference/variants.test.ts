import { beforeAll, describe, expect, it } from 'vitest';
import { referenceGradients, tf, useBackend } from '../../reference/index.js';
import { fixtureCase, fixtureGrads, worstRelErr } from '../helpers/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('tfjs-ops truncation and detaching against PyTorch float64', () => {
  const c = fixtureCase('rnn-linear-s0');
  it('--truncate 2 (recomputed windows from fresh tensors) agrees to float32 precision', async () => {
    expect(
      worstRelErr(
        await referenceGradients(c, 'tfjs-ops', { truncate: 2 }),
        fixtureGrads('rnn-linear-s0.truncate2.grads.json'),
      ),
    ).toBeLessThan(1e-6);
  });
  it('--detach-every 2 agrees to float32 precision', async () => {
    expect(
      worstRelErr(
        await referenceGradients(c, 'tfjs-ops', { detachEvery: 2 }),
        fixtureGrads('rnn-linear-s0.detach2.grads.json'),
      ),
    ).toBeLessThan(1e-6);
  });
  it('returns tf.memory() to its baseline with truncation', async () => {
    await referenceGradients(c, 'tfjs-ops', { truncate: 2 });
    const before = tf.memory().numTensors;
    await referenceGradients(c, 'tfjs-ops', { truncate: 2, clipNorm: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('clipping with tf ops', () => {
  it.each(['tfjs-layers', 'tfjs-ops'] as const)(
    '%s with --clip-norm 0.5 agrees with PyTorch and reports both norms',
    async (ref) => {
      const g = await referenceGradients(fixtureCase('rnn-tanh'), ref, { clipNorm: 0.5 });
      expect(worstRelErr(g, fixtureGrads('rnn-tanh.clipnorm0.5.grads.json'))).toBeLessThan(1e-6);
      expect(g.clip!.normAfter).toBeCloseTo(0.5, 6);
      expect(g.clip!.normBefore).toBeGreaterThan(0.5);
    },
  );
  it('--clip-value clips the parameters and leaves the initial-state gradient alone', async () => {
    const c = fixtureCase('rnn-linear-s0');
    const raw = await referenceGradients(c, 'tfjs-ops');
    const g = await referenceGradients(c, 'tfjs-ops', { clipValue: 0.1 });
    expect(Math.max(...g.tensors.W!.data.map(Math.abs))).toBeLessThanOrEqual(0.1 + 1e-7);
    expect(g.tensors.initialState!.data).toEqual(raw.tensors.initialState!.data);
  });
});

describe('the layers reference', () => {
  it.each([{ truncate: 2 }, { detachEvery: 2 }])(
    'refuses %o, naming the implementations that support it',
    async (opts) => {
      await expect(referenceGradients(fixtureCase('rnn-tanh'), 'tfjs-layers', opts)).rejects.toThrow(
        /supported by `subject` hand and tfjs-ops only/,
      );
    },
  );
});
