/**
 * The references for gated cells. "tfjs-layers": tf.layers.lstm / tf.layers.gru (returnSequences,
 * the case's activation and recurrentActivation, reset before the product for the GRU), weights set
 * through layout.ts, then dense, softmaxCrossEntropy with SUM. "tfjs-ops": the same cells from raw ops,
 * one variable per gate in math layout:
 *   LSTM: i, f, o = σ(x U_*ᵀ + s W_*ᵀ + b_*), g = act(…), c_t = f⊙c_{t−1} + i⊙g, s_t = o⊙act(c_t)
 *   GRU:  z, r = σ(…), h̃ = act(x U_hᵀ + (r⊙s) W_hᵀ + b_h), s_t = z⊙s_{t−1} + (1−z)⊙h̃
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Case } from '../src/model/case.js';
import { InputError } from '../src/model/errors.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import { GATES, type Activation } from '../src/model/spec.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import { denseWeights, gatedGradientsToMath, gatedWeights, inputTensor, matrixOf, targetTensor, tensorOf, variableOf } from './layout.js';
import { disposeOpsInputs, opsInputs, outputLoss, readGradients } from './ops.js';
import { tf } from './tf.js';

const gatesOf = (c: Case) => GATES[c.model.cell as 'lstm' | 'gru'];

function refuseVariants(opts: ReferenceOptions, c: Case): void {
  const flag = opts.truncate !== undefined ? '--truncate' : opts.detachEvery !== undefined ? '--detach-every' : opts.outputStep !== undefined ? '--output-step' : null;
  if (flag) throw new InputError(`${flag} is given for cell ${c.model.cell}, expected full BPTT: the gated cells support full BPTT only so far`);
}

export async function layersGatedGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  refuseVariants(opts, c);
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
    const byName: Record<string, tf.Variable> = Object.fromEntries([...rnnVars, ...denseVars].map((v, k) => [names[k]!, v]));
    if (s0) byName.initialState = s0;
    const clipped = clipInTf(grads, byName, opts);
    const g = clipped.grads;
    const tensors: Record<string, Matrix> = await gatedGradientsToMath(c, gatesOf(c), rnnVars.map((v) => g[v.name]!));
    tensors.V = await matrixOf(g[denseVars[0]!.name]!, K, H, true);
    if (bias) tensors.c = await matrixOf(g[denseVars[1]!.name]!, K, 1);
    if (s0) tensors.initialState = await matrixOf(g[s0.name]!, B, H);
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...Object.values(g)]);
    const clip = clipped.normBefore !== undefined ? { clip: { normBefore: clipped.normBefore, normAfter: clipped.normAfter! } } : {};
    return { loss, tensors, ...clip };
  } finally {
    for (const w of [...rnn.weights, ...dense.weights]) w.dispose();
    tf.dispose([x, y, ...(s0 ? [s0] : []), ...(c0 ? [c0] : [])]);
  }
}

const ACT: Record<Activation, (a: tf.Tensor) => tf.Tensor> = { tanh: tf.tanh, sigmoid: tf.sigmoid, relu: tf.relu, linear: (a) => a };

export async function opsGatedGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  refuseVariants(opts, c);
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H } = c.model;
  const inp = opsInputs(c);
  const { vars, xs } = inp;
  const act = ACT[c.model.activation];
  const sig = c.model.recurrentActivation === 'sigmoid' ? (a: tf.Tensor) => tf.sigmoid(a) : (a: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1);
  const lin = (g: string, x: tf.Tensor, s: tf.Tensor) => {
    const a = tf.add(tf.matMul(x, vars[`U_${g}`]!, false, true), tf.matMul(s, vars[`W_${g}`]!, false, true)); // x U_*ᵀ + s W_*ᵀ
    return vars[`b_${g}`] ? tf.add(a, vars[`b_${g}`]!) : a;
  };
  try {
    const { value, grads } = tf.variableGrads(() => {
      let s: tf.Tensor = vars.initialState ?? tf.zeros([B, H]);
      let cell: tf.Tensor = tf.zeros([B, H]);
      const states: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const x = tf.reshape(tf.slice(xs, [0, t, 0], [B, 1, I]), [B, I]);
        if (c.model.cell === 'lstm') {
          const [i, f, g, o] = [sig(lin('i', x, s)), sig(lin('f', x, s)), act(lin('g', x, s)), sig(lin('o', x, s))];
          cell = tf.add(tf.mul(f, cell), tf.mul(i, g)); //           c_t = f ⊙ c_{t−1} + i ⊙ g
          s = tf.mul(o, act(cell)); //                               s_t = o ⊙ act(c_t)
        } else {
          const z = sig(lin('z', x, s));
          const r = sig(lin('r', x, s));
          const h = act(lin('h', x, tf.mul(r, s))); //               h̃ = act(x U_hᵀ + (r ⊙ s) W_hᵀ + b_h)
          s = tf.add(tf.mul(z, s), tf.mul(tf.sub(1, z), h)); //      s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
        }
        states.push(s);
      }
      return outputLoss(c, inp, states);
    }, Object.values(vars));
    return await readGradients(vars, value, grads, opts);
  } finally {
    disposeOpsInputs(inp);
  }
}
