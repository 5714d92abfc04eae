import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { fromNested } from '../../src/model/matrix.js';
import { matrixOf, tensorOf } from '../../reference/layout.js';
import { REFERENCES, referenceGradients, tf, useBackend } from '../../reference/index.js';
import { handGradients } from '../../src/bptt/index.js';
import { fixtureCase, fixtureGrads, relErr, RNN_FIXTURES, worstRelErr } from '../helpers/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the tfjs references against PyTorch float64 autograd', () => {
  it.each(REFERENCES.flatMap((r) => RNN_FIXTURES.map((f) => [r, f] as const)))(
    '%s agrees on %s to float32 precision (1e-6 relative)',
    async (ref, name) => {
      const g = await referenceGradients(fixtureCase(name), ref);
      const expected = fixtureGrads(`${name}.grads.json`);
      expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.gradients).sort());
      expect(worstRelErr(g, expected)).toBeLessThan(1e-6);
    },
  );
});

describe('the layout conversion', () => {
  it('puts math element (i, j) at tfjs element (j, i) for a kernel, and reads it back', async () => {
    const U = fromNested([
      [1, 2, 3],
      [4, 5, 6],
    ]); // H×I = 2×3
    const kernel = tensorOf(U, true);
    expect(kernel.shape).toEqual([3, 2]);
    expect(Array.from(await kernel.data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(await matrixOf(kernel, 2, 3, true)).toEqual(U);
    kernel.dispose();
  });
});

describe('tensor memory', () => {
  const cases = [
    generateCase({ ...GENERATE_DEFAULTS, steps: 4 }),
    generateCase({ ...GENERATE_DEFAULTS, steps: 4, bias: true, initialState: true, denseInputs: true, batch: 2 }),
  ];
  it.each(REFERENCES.flatMap((r) => cases.map((c) => [r, c.id, c] as const)))(
    '%s returns tf.memory().numTensors to its baseline on %s',
    async (ref, _id, c) => {
      await referenceGradients(c, ref); // first call may create lazily cached tensors
      const before = tf.memory().numTensors;
      await referenceGradients(c, ref);
      await referenceGradients(c, ref);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
  it.each(REFERENCES)(
    '%s completes at T = 1,000, H = 64 with no tensor left behind, and agrees with the hand side',
    async (ref) => {
      const long = generateCase({ ...GENERATE_DEFAULTS, inputSize: 8, hiddenSize: 64, steps: 1000, seed: 2 });
      const before = tf.memory().numTensors;
      const g = await referenceGradients(long, ref);
      expect(tf.memory().numTensors).toBe(before);
      expect(relErr(g.tensors.W!.data, handGradients(long).tensors.W!.data)).toBeLessThan(1e-4);
    },
  );
});

describe('backends', () => {
  it('refuses an unknown backend by name', async () => {
    await expect(useBackend('webgpu')).rejects.toThrow(/`backend` is "webgpu", expected one of cpu\|wasm\|tensorflow/);
  });
  it('explains why the tensorflow backend is missing where tfjs-node did not install', async () => {
    let installed = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      installed = false;
    }
    if (installed) return; // on machines with the native backend there is nothing to explain
    await expect(useBackend('tensorflow')).rejects.toThrow(
      /@tensorflow\/tfjs-node is not usable here.*downloads libtensorflow/,
    );
    await useBackend('cpu');
  });
});
