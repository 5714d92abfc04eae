/**
 * How each series' case is built from the analysed RNN case: the RNN with another activation and W
 * rescaled (variant), or a gated cell beside it on the same inputs (gatedVariant).
 */
import { spectralNorm } from '../bptt/spectral.js';
import type { Case } from '../model/case.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { GENERATE_DEFAULTS, generateCase } from '../model/generate.js';
import type { Activation, GatedCell } from '../model/spec.js';

/** The case with another activation and W rescaled to spectral norm s, or W as it is for s = null (same inputs, U, V, …). */
export function variant(c: Case, activation: Activation, s: number | null): Case {
  const W = c.params.W!;
  if (s === null) return { ...c, model: { ...c.model, activation } };
  const sigma = spectralNorm(W);
  const data = W.data.map((x) => (x * s) / sigma); // W ← W · s/σ_max(W)
  return { ...c, model: { ...c.model, activation }, params: { ...c.params, W: { ...W, data } } };
}

/**
 * The gated cell's version of the RNN case c: U_* and W_* drawn from the seed (recurrent activation
 * sigmoid), every W_* rescaled to spectral norm s, and the biases as tfjs initialises them: zero, except the
 * LSTM's forget gate at forgetBias (tf.layers.lstm's unitForgetBias sets it to 1, after Jozefowicz et al.,
 * 2015). Inputs, targets, V and s₋₁ are those of c; its output bias c, or zero.
 */
export function gatedVariant(
  c: Case,
  cell: GatedCell,
  activation: Activation,
  s: number,
  seed: number,
  forgetBias: number,
): Case {
  const { inputSize, hiddenSize: H, outputSize: K } = c.model;
  const g = generateCase({
    ...GENERATE_DEFAULTS,
    cell,
    recurrentActivation: 'sigmoid',
    activation,
    bias: true,
    inputSize,
    hiddenSize: H,
    outputSize: K,
    steps: c.steps,
    batch: c.batch,
    seed,
  });
  const params: Record<string, Matrix> = { V: c.params.V!, c: c.params.c ?? zeros(K, 1) };
  for (const [name, m] of Object.entries(g.params)) {
    if (name.startsWith('U_')) params[name] = m;
    if (name.startsWith('W_')) params[name] = { ...m, data: m.data.map((x) => (x * s) / spectralNorm(m)) }; // W_* ← W_* · s/σ_max(W_*)
    if (name.startsWith('b_')) params[name] = { ...m, data: new Float64Array(H).fill(name === 'b_f' ? forgetBias : 0) };
  }
  return { ...c, model: g.model, params };
}
