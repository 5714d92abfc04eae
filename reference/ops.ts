/**
 * Oracle 2, "tfjs-ops": the same model from raw tf ops, with variables in math layout (no layout
 * conversion at all, so a transposition mistake in layout.ts cannot hide here):
 *   a_t = U x_t + W s_{t−1} [+ b]  (as row vectors: x_t Uᵀ + s_{t−1} Wᵀ + b)
 *   s_t = f(a_t),  z_t = V s_t [+ c],  L = −Σ onehot(y) ⊙ logSoftmax(z)
 * Gradients from tf.variableGrads.
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import type { Activation } from '../src/model/spec.js';
import { inputTensor, matrixOf, targetTensor, tensorOf, variableOf, vectorOf } from './layout.js';
import { tf } from './tf.js';

const ACT: Record<Activation, (a: tf.Tensor) => tf.Tensor> = {
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  relu: (a) => tf.relu(a),
  linear: (a) => a,
};

export async function opsGradients(c: Case): Promise<Gradients> {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const vars: Record<string, tf.Variable> = {};
  for (const [name, m] of Object.entries(c.params)) vars[name] = variableOf(name === 'b' || name === 'c' ? vectorOf(m) : tensorOf(m), name);
  if (c.initialState) vars.initialState = variableOf(tensorOf(c.initialState), 'initialState');
  const y = targetTensor(c);
  // x_t for every t, B×T×I: one-hot rows for tokens (tf.gather would be closer to U x_t = U[:, x_t],
  // but its gradient kernel, UnsortedSegmentSum, is missing from the wasm backend)
  const xs = inputTensor(c);
  const f = ACT[c.model.activation];
  try {
    const { value, grads } = tf.variableGrads(() => {
      const { U, W, V } = vars as Record<'U' | 'W' | 'V', tf.Variable>;
      let s: tf.Tensor = vars.initialState ?? tf.zeros([B, H]);
      const states: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const ux = tf.matMul(tf.reshape(tf.slice(xs, [0, t, 0], [B, 1, I]), [B, I]), U, false, true); // x_t Uᵀ
        let a = tf.add(ux, tf.matMul(s, W, false, true)); // + s_{t−1} Wᵀ
        if (bias) a = tf.add(a, vars.b!);
        s = f(a);
        states.push(s);
      }
      // rows in (b, t) order, to match the targets
      const S = tf.reshape(tf.stack(states, 1), [B * T, H]);
      let z = tf.matMul(S, V, false, true); // s_t Vᵀ
      if (bias) z = tf.add(z, vars.c!);
      return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)))) as tf.Scalar;
    }, Object.values(vars));
    const tensors: Record<string, Matrix> = {};
    for (const [name, v] of Object.entries(vars)) {
      const shape = v.shape.length === 1 ? [v.shape[0]!, 1] : v.shape;
      tensors[name] = await matrixOf(grads[v.name]!, shape[0]!, shape[1]!);
    }
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, tensors };
  } finally {
    tf.dispose([y, xs, ...Object.values(vars)]);
  }
}
