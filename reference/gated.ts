/**
 * The references for gated cells. "tfjs-layers": tf.layers.lstm / tf.layers.gru (returnSequences,
 * the case's activation and recurrentActivation, reset before the product for the GRU), weights set
 * through layout.ts, then dense, softmaxCrossEntropy with SUM. "tfjs-ops": the same cells from raw ops,
 * one variable per gate in math layout:
 *   LSTM: i, f, o = σ(x U_*ᵀ + s W_*ᵀ + b_*), g = act(…), c_t = f⊙c_{t−1} + i⊙g, s_t = o⊙act(c_t)
 *   GRU:  z, r = σ(…), h̃ = act(x U_hᵀ + (r⊙s) W_hᵀ + b_h), s_t = z⊙s_{t−1} + (1−z)⊙h̃
 * The ops oracle supports the variants as ops.ts does for the RNN, with the LSTM's cell state c treated like
 * s: detachEvery k makes (s, c) entering steps k, 2k, … fresh tensors; truncate k recomputes output t from
 * fresh copies of (s_{t−k−1}, c_{t−k−1}) (or from s₋₁ and c₋₁ = 0 when t − k ≤ 0).
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import { GATES, type Activation } from '../src/model/spec.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import {
  denseWeights,
  gatedGradientsToMath,
  gatedWeights,
  inputTensor,
  matrixOf,
  targetTensor,
  tensorOf,
  variableOf,
} from './layout.js';
import { layersRefuse } from './layers.js';
import { detach, disposeOpsInputs, inputTerms, opsInputs, outputLoss, readGradients } from './ops.js';
import { tf, tfl } from './tf.js';

const gatesOf = (c: Case) => GATES[c.model.cell as 'lstm' | 'gru'];

export async function layersGatedGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  layersRefuse(opts);
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const args = {
    units: H,
    activation,
    recurrentActivation: c.model.recurrentActivation ?? 'hardSigmoid',
    useBias: bias,
    returnSequences: true,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  } as const;
  const rnn = c.model.cell === 'lstm' ? tfl.layers.lstm({ ...args, unitForgetBias: false }) : tfl.layers.gru(args);
  const dense = tfl.layers.dense({ units: K, useBias: bias, kernelInitializer: 'zeros' });
  const x = inputTensor(c);
  const y = targetTensor(c);
  const s0 = c.initialState ? variableOf(tensorOf(c.initialState), 'initialState') : null;
  const c0 = c.model.cell === 'lstm' && s0 ? tf.zeros([B, H]) : null; // the LSTM's cell state starts at 0
  try {
    tf.tidy(() => {
      dense.apply(rnn.apply(tf.slice(x, [0, 0, 0], [B, 1, I]))); // builds both layers
      rnn.setWeights(gatedWeights(c, gatesOf(c)));
      dense.setWeights(denseWeights(c));
    });
    const rnnVars = rnn.trainableWeights.map((w) => w.read() as tf.Variable);
    const denseVars = dense.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const initialState = s0 ? (c0 ? [s0, c0] : [s0]) : undefined;
      const h = rnn.apply(x, initialState ? { initialState } : {}) as tf.Tensor3D;
      const z = dense.apply(h) as tf.Tensor3D;
      return tf.losses.softmaxCrossEntropy(y, tf.reshape(z, [B * T, K]), undefined, 0, tf.Reduction.SUM) as tf.Scalar;
    }, [...rnnVars, ...denseVars, ...(s0 ? [s0] : [])]);
    const names = ['kernel', 'recurrent', ...(bias ? ['bias'] : []), 'V', ...(bias ? ['c'] : [])];
    const byName: Record<string, tf.Variable> = Object.fromEntries(
      [...rnnVars, ...denseVars].map((v, k) => [names[k]!, v]),
    );
    if (s0) byName.initialState = s0;
    const clipped = clipInTf(grads, byName, opts);
    const g = clipped.grads;
    const tensors: Record<string, Matrix> = await gatedGradientsToMath(
      c,
      gatesOf(c),
      rnnVars.map((v) => g[v.name]!),
    );
    tensors.V = await matrixOf(g[denseVars[0]!.name]!, K, H, true);
    if (bias) tensors.c = await matrixOf(g[denseVars[1]!.name]!, K, 1);
    if (s0) tensors.initialState = await matrixOf(g[s0.name]!, B, H);
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...Object.values(g)]);
    const clip =
      clipped.normBefore !== undefined
        ? { clip: { normBefore: clipped.normBefore, normAfter: clipped.normAfter! } }
        : {};
    return { loss, tensors, ...clip };
  } finally {
    for (const w of [...rnn.weights, ...dense.weights]) w.dispose();
    tf.dispose([x, y, ...(s0 ? [s0] : []), ...(c0 ? [c0] : [])]);
  }
}

const ACT: Record<Activation, (a: tf.Tensor) => tf.Tensor> = {
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  relu: tf.relu,
  linear: (a) => a,
};

/** The state a gated cell carries: s_t, and for the LSTM its cell state c_t (unused by the GRU). */
export interface GatedState {
  s: tf.Tensor;
  cell: tf.Tensor;
}

/** The input term x_t U_*ᵀ of a gate at one step, B×H. */
export type GateInput = (gate: string) => tf.Tensor;

/** One step of the cell for the B rows at once, with the input terms xU and the weights w (W_*, b_* by name, math layout). */
export function gatedStep(c: Case, xU: GateInput, prev: GatedState, w: Record<string, tf.Tensor>): GatedState {
  const act = ACT[c.model.activation];
  const sig =
    c.model.recurrentActivation === 'sigmoid'
      ? (a: tf.Tensor) => tf.sigmoid(a)
      : (a: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1);
  const lin = (g: string, s: tf.Tensor) => {
    const a = tf.add(xU(g), tf.matMul(s, w[`W_${g}`]!, false, true)); // x U_*ᵀ + s W_*ᵀ
    return w[`b_${g}`] ? tf.add(a, w[`b_${g}`]!) : a;
  };
  const s = prev.s;
  if (c.model.cell === 'lstm') {
    const [i, f, g, o] = [sig(lin('i', s)), sig(lin('f', s)), act(lin('g', s)), sig(lin('o', s))];
    const cell = tf.add(tf.mul(f, prev.cell), tf.mul(i, g)); //   c_t = f ⊙ c_{t−1} + i ⊙ g
    return { s: tf.mul(o, act(cell)), cell }; //                   s_t = o ⊙ act(c_t)
  }
  const z = sig(lin('z', s));
  const r = sig(lin('r', s));
  const h = act(lin('h', tf.mul(r, s))); //                         h̃ = act(x U_hᵀ + (r ⊙ s) W_hᵀ + b_h)
  return { s: tf.add(tf.mul(z, s), tf.mul(tf.sub(1, z), h)), cell: prev.cell }; // s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
}

const detachState = (st: GatedState): GatedState => ({ s: detach(st.s), cell: detach(st.cell) });

export async function opsGatedGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const inp = opsInputs(c);
  const { vars, xs } = inp;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const terms = Object.fromEntries(gatesOf(c).map((g) => [g, inputTerms(c, xs, vars[`U_${g}`]!)])); // x_t U_*ᵀ, all steps at once
      const at =
        (t: number): GateInput =>
        (g) =>
          terms[g]![t]!;
      const start: GatedState = { s: vars.initialState ?? tf.zeros([B, H]), cell: tf.zeros([B, H]) }; // c₋₁ = 0
      const states: GatedState[] = [];
      let st = start;
      for (let t = 0; t < T; t++) {
        if (opts.detachEvery !== undefined && t > 0 && t % opts.detachEvery === 0) st = detachState(st);
        st = gatedStep(c, at(t), st, vars);
        states.push(st);
      }
      if (opts.truncate === undefined)
        return outputLoss(
          c,
          inp,
          states.map((x) => x.s),
          opts.outputStep,
        );
      // output t sees only steps max(0, t−k) … t, recomputed from detached (s, c)_{t−k−1}
      const k = opts.truncate;
      const windowed = states.map((_, t) => {
        let sw = t - k <= 0 ? start : detachState(states[t - k - 1]!);
        for (let j = Math.max(0, t - k); j <= t; j++) sw = gatedStep(c, at(j), sw, vars);
        return sw.s;
      });
      return outputLoss(c, inp, windowed, opts.outputStep);
    }, Object.values(vars));
    return await readGradients(vars, value, grads, opts);
  } finally {
    disposeOpsInputs(inp);
  }
}
