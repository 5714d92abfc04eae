/**
 * The GRU with the reset after the recurrent product in the tfjs oracles: tfjs-ops against PyTorch's nn.GRU
 * (float32), its truncation and per-step terms against the hand side, and tf.layers' refusal (its GRU has the
 * reset before only).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceGradients, supports, useBackend } from '../../reference/index.js';
import { handGradients } from '../../src/bptt/index.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { checkSteps } from '../../src/check/steps.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { relErr } from '../helpers/fixtures.js';
import { pytorchGruCase, pytorchGruExpected } from '../helpers/pytorch-gru.js';

const REASON = "tf.layers' GRU has no reset after the recurrent product (resetAfter)";

const afterCase = (seed: number) =>
  generateCase({
    ...GENERATE_DEFAULTS,
    cell: 'gru',
    gruReset: 'after',
    recurrentActivation: 'sigmoid',
    inputSize: 4,
    hiddenSize: 5,
    steps: 7,
    batch: 2,
    bias: true,
    initialState: true,
    seed,
  });

describe('tfjs-ops computes the GRU with the reset after', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('agrees with PyTorch (× N, our sum loss) on every tensor, b_Wh included, to float32 precision', async () => {
    const expected = pytorchGruExpected();
    const g = await referenceGradients(pytorchGruCase(), 'tfjs-ops');
    expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    expect(relErr([g.loss], [expected.loss])).toBeLessThan(1e-6);
    for (const [name, m] of Object.entries(expected.tensors))
      expect(relErr(g.tensors[name]!.data, m.data), name).toBeLessThan(1e-5);
  });

  it.each([{ truncate: 2 }, { detachEvery: 3 }])('agrees with the hand side under %o', async (opts) => {
    const c = afterCase(4);
    const hand = handGradients(c, opts);
    const ref = await referenceGradients(c, 'tfjs-ops', opts);
    for (const [name, m] of Object.entries(ref.tensors))
      expect(relErr(hand.tensors[name]!.data, m.data), name).toBeLessThan(5e-6);
    expect(relErr(hand.tensors.W_h!.data, handGradients(c).tensors.W_h!.data)).toBeGreaterThan(1e-3);
  });

  it("the hand side's per-step adjoints and contributions (dW_h,k = Σ_b (r_k ⊙ da_h,k) s_{k−1}ᵀ) match tf.grad's", async () => {
    const r = await checkSteps(afterCase(6), DEFAULT_TOLERANCE);
    expect(r.rows).toHaveLength(7);
    expect(r.firstDivergence).toBeNull();
    expect(r.pass).toBe(true);
  });
});

describe('tf.layers has no GRU with the reset after', () => {
  it('supports() says so for the model, and not for the reset before or for tfjs-ops', () => {
    const m = afterCase(1).model;
    expect(supports('tfjs-layers', {}, m)).toBe(REASON);
    expect(supports('tfjs-ops', {}, m)).toBe(true);
    expect(supports('tfjs-layers', {}, { cell: 'gru' })).toBe(true);
    expect(supports('tfjs-layers', {}, { cell: 'gru', gruReset: 'before' })).toBe(true);
  });

  it('the layers oracle refuses such a case rather than compute the other model', async () => {
    await expect(referenceGradients(afterCase(1), 'tfjs-layers')).rejects.toThrow(/gruReset.*after.*tfjs-layers/);
  });
});
