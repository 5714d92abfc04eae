/**
 * Oracle 2, "tfjs-ops": the same model from raw tf ops, with variables in math layout (no layout
 * conversion at all, so a transposition mistake in layout.ts cannot hide here):
 *   a_t = U x_t + W s_{t−1} [+ b]  (as row vectors: x_t Uᵀ + s_{t−1} Wᵀ + b)
 *   s_t = f(a_t),  z_t = V s_t [+ c],  L = −Σ onehot(y) ⊙ logSoftmax(z)
 * Gradients from tf.variableGrads. tfjs has no stopGradient: a detached state is a fresh tensor made
 * from the values, which the gradient tape does not connect to anything.
 *   detachEvery k: the state entering steps k, 2k, … is such a fresh tensor;
 *   truncate k:    output t is recomputed from a fresh copy of s_{t−k−1} (or from s_{−1} itself when
 *                  t − k ≤ 0) through steps max(0, t−k) … t.
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import { paramSpecs, type Activation } from '../src/model/spec.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import { inputTensor, matrixOf, targetTensor, tensorOf, variableOf, vectorOf } from './layout.js';
import { tf } from './tf.js';

const ACT: Record<Activation, (a: tf.Tensor) => tf.Tensor> = {
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  relu: (a) => tf.relu(a),
  linear: (a) => a,
};

/** The recurrent weights of a step (its input term x_t Uᵀ comes separately). */
export interface StepWeights {
  W: tf.Tensor;
  b?: tf.Tensor;
}

/** The tensors of one case for the ops model. Dispose with disposeOpsInputs. */
export interface OpsInputs {
  vars: Record<string, tf.Variable>;
  /** x_t for every t, B×T×I (one-hot rows for tokens: tf.gather's gradient is missing on wasm) */
  xs: tf.Tensor3D;
  /** (B·T)×K one-hot targets, rows in (b, t) order */
  y: tf.Tensor2D;
}

export function opsInputs(c: Case): OpsInputs {
  const vars: Record<string, tf.Variable> = {};
  const vectors = new Set(
    paramSpecs(c.model)
      .filter((s) => s.vector)
      .map((s) => s.name),
  ); // b, c, b_*
  for (const [name, m] of Object.entries(c.params))
    vars[name] = variableOf(vectors.has(name) ? vectorOf(m) : tensorOf(m), name);
  if (c.initialState) vars.initialState = variableOf(tensorOf(c.initialState), 'initialState');
  return { vars, xs: inputTensor(c), y: targetTensor(c) };
}

export function disposeOpsInputs(inp: OpsInputs): void {
  tf.dispose([inp.xs, inp.y, ...Object.values(inp.vars)]);
}

/** x_t for the B rows at once, B×I. */
export function inputAt(c: Case, xs: tf.Tensor3D, t: number): tf.Tensor {
  return tf.reshape(tf.slice(xs, [0, t, 0], [c.batch, 1, c.model.inputSize]), [c.batch, c.model.inputSize]);
}

/**
 * x_t Uᵀ for every step, as T tensors B×H: one product instead of one per step, split by unstack (whose
 * gradient is one stack, where T slices would each scatter into a zero B×T×H tensor). At T = 1 the product
 * is the one step's term as it is: tfjs 4.22's unstack gradient throws for a single output (the engine hands
 * it dy as one tensor, and stack wants an array), so no unstack of a length-1 axis may be on the tape.
 */
export function inputTerms(c: Case, xs: tf.Tensor3D, U: tf.Tensor): tf.Tensor[] {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H } = c.model;
  const xU = tf.matMul(tf.reshape(xs, [B * T, I]), U, false, true); // rows in (b, t) order
  return T === 1 ? [xU] : tf.unstack(tf.reshape(xU, [B, T, H]), 1);
}

/** s_t = f(x_t Uᵀ + s_{t−1} Wᵀ [+ b]) for the B rows at once, from the input term x_t Uᵀ (B×H). */
export function stepState(c: Case, xU: tf.Tensor, sPrev: tf.Tensor, w: StepWeights): tf.Tensor {
  let a = tf.add(xU, tf.matMul(sPrev, w.W, false, true));
  if (w.b) a = tf.add(a, w.b);
  return ACT[c.model.activation](a);
}

/** Σ over the given (b, t) rows of −log softmax(V s_t [+ c])[y]; `states[t]` is B×H. */
export function outputLoss(c: Case, inp: OpsInputs, states: tf.Tensor[], only?: number): tf.Scalar {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const S = tf.reshape(tf.stack(states, 1), [B * T, H]); // rows in (b, t) order, to match the targets
  let z = tf.matMul(S, inp.vars.V!, false, true); //        s_t Vᵀ
  if (inp.vars.c) z = tf.add(z, inp.vars.c);
  let perRow = tf.neg(tf.sum(tf.mul(inp.y, tf.logSoftmax(z)), 1)); // L_t of every (b, t)
  if (only !== undefined) {
    const mask = Float32Array.from({ length: B * T }, (_, r) => (r % T === only ? 1 : 0));
    perRow = tf.mul(perRow, tf.tensor1d(mask));
  }
  return tf.sum(perRow) as tf.Scalar;
}

/** The gradients of variables kept in math layout, clipped as asked, as float64 matrices; disposes the tensors. */
export async function readGradients(
  vars: Record<string, tf.Variable>,
  value: tf.Scalar,
  grads: tf.NamedTensorMap,
  opts: ReferenceOptions,
): Promise<Gradients> {
  const tensors: Record<string, Matrix> = {};
  const { grads: clipped, normBefore, normAfter } = clipInTf(grads, vars, opts);
  for (const [name, v] of Object.entries(vars)) {
    const shape = v.shape.length === 1 ? [v.shape[0]!, 1] : v.shape;
    tensors[name] = await matrixOf(clipped[v.name]!, shape[0]!, shape[1]!);
  }
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
  return { loss, tensors, ...(normBefore !== undefined ? { clip: { normBefore, normAfter: normAfter! } } : {}) };
}

export const detach = (s: tf.Tensor) => tf.tensor(s.dataSync(), s.shape); // a fresh tensor: no gradient flows through

export async function opsGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const inp = opsInputs(c);
  const { vars, xs } = inp;
  const w: StepWeights = { W: vars.W!, ...(vars.b ? { b: vars.b } : {}) };
  try {
    const { value, grads } = tf.variableGrads(() => {
      const xU = inputTerms(c, xs, vars.U!); //                  x_t Uᵀ, all steps in one product
      const s0: tf.Tensor = vars.initialState ?? tf.zeros([B, H]);
      const states: tf.Tensor[] = [];
      let s = s0;
      for (let t = 0; t < T; t++) {
        if (opts.detachEvery !== undefined && t > 0 && t % opts.detachEvery === 0) s = detach(s);
        s = stepState(c, xU[t]!, s, w);
        states.push(s);
      }
      if (opts.truncate === undefined) return outputLoss(c, inp, states, opts.outputStep);
      // output t sees only steps max(0, t−k) … t, recomputed from a detached s_{t−k−1}
      const k = opts.truncate;
      const windowed = states.map((_, t) => {
        let sw = t - k <= 0 ? s0 : detach(states[t - k - 1]!);
        for (let j = Math.max(0, t - k); j <= t; j++) sw = stepState(c, xU[j]!, sw, w);
        return sw;
      });
      return outputLoss(c, inp, windowed, opts.outputStep);
    }, Object.values(vars));
    return await readGradients(vars, value, grads, opts);
  } finally {
    disposeOpsInputs(inp);
  }
}
