/**
 * The one place where math layout meets tfjs layout (DESIGN.md table):
 *   SimpleRNN kernel = Uᵀ (I×H), recurrent kernel = Wᵀ (H×H), bias = b;  Dense kernel = Vᵀ (H×K), bias = c;
 *   LSTM / GRU: the gates' blocks of those side by side (layerWeights).
 * Also: case inputs, targets and the loss's weights as tensors, and tensors back to float64 matrices.
 */
import type { Case } from '../src/model/case.js';
import type { Matrix } from '../src/model/matrix.js';
import { lossScale, NO_TARGET } from '../src/model/loss.js';
import { named } from './cells/cell.js';
import { tf } from './tf.js';

/** A math-layout matrix as a float32 tensor, in math layout (rows×cols) or transposed (cols×rows). */
export function tensorOf(m: Matrix, transposed = false): tf.Tensor2D {
  const t = tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
  if (!transposed) return t;
  const tt = tf.transpose(t);
  t.dispose();
  return tt;
}

export function vectorOf(m: Matrix): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(m.data));
}

/** Reads a tensor back into a float64 matrix of math shape rows×cols, transposing a tfjs kernel. */
export async function matrixOf(t: tf.Tensor, rows: number, cols: number, transposed = false): Promise<Matrix> {
  const values = await t.data();
  const data = new Float64Array(rows * cols);
  if (!transposed) data.set(values);
  else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = values[j * rows + i]!;
  return { rows, cols, data };
}

/** The Dense layer's weights [kernel = Vᵀ (H×K), bias = c?] from math-layout params. */
export function denseWeights(c: Case): tf.Tensor[] {
  return [tensorOf(c.params.V!, true), ...(c.model.bias ? [vectorOf(c.params.c!)] : [])];
}

/** Gradients of the Dense weights [kernel, bias?] back in math layout: V (K×H), c. */
export async function denseGradientsToMath(c: Case, dense: tf.Tensor[]): Promise<Record<string, Matrix>> {
  const { hiddenSize: H, outputSize: K } = c.model;
  const out: Record<string, Matrix> = { V: await matrixOf(dense[0]!, K, H, true) };
  if (c.model.bias) out.c = await matrixOf(dense[1]!, K, 1);
  return out;
}

/** x as a B×T×I float tensor: one-hot rows for token inputs, the vectors for dense inputs. */
export function inputTensor(c: Case): tf.Tensor3D {
  const { batch: B, steps: T } = c;
  const I = c.model.inputSize;
  if (c.vectors) return tf.tensor3d(Float32Array.from(c.vectors), [B, T, I]);
  return tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(c.tokens!, 'int32'), I), 'float32'), [B, T, I]));
}

/**
 * Targets as a (B·T)×K one-hot float tensor, rows in (b, t) order; a null target (NO_TARGET) as class 0, its
 * step weighed 0 by lossWeights.
 */
export function targetTensor(c: Case): tf.Tensor2D {
  const ids = Int32Array.from(c.targets, (y) => (y === NO_TARGET ? 0 : y));
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), c.model.outputSize), 'float32') as tf.Tensor2D);
}

/**
 * The weight of each (b, t) row's cross-entropy, rows in (b, t) order: w_bt = scale · m_bt (m_bt = 0 for a null
 * target, scale the reduction's: loss.ts), so that L = Σ_bt w_bt L_bt. `only`: the single output step t kept.
 */
export function lossWeights(c: Case, only?: number): Float32Array {
  const scale = lossScale(c);
  const T = c.steps;
  return Float32Array.from(c.targets, (y, r) =>
    y === NO_TARGET || (only !== undefined && r % T !== only) ? 0 : scale,
  );
}

let variableCount = 0;

/** A trainable variable holding `value` (which it takes over and disposes), with a unique name. */
export function variableOf(value: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(value, true, `bptt_check_${name}_${++variableCount}`);
  value.dispose();
  return v;
}

/**
 * A recurrent layer's weights [kernel, recurrent kernel, bias?] (`getWeights()` order), the blocks of the
 * gates side by side in tfjs's order (one block, gate '', for the SimpleRNN's U, W, b):
 *   kernel = [U_aᵀ | U_bᵀ | …] (I × G·H), recurrent kernel = [W_aᵀ | W_bᵀ | …] (H × G·H),
 *   bias = [b_a, b_b, …].
 */
export function layerWeights(c: Case, gates: readonly string[]): tf.Tensor[] {
  const { inputSize: I, hiddenSize: H } = c.model;
  const G = gates.length;
  const kernel = new Float32Array(I * G * H);
  const recurrent = new Float32Array(H * G * H);
  const bias = new Float32Array(G * H);
  gates.forEach((g, k) => {
    const U = c.params[named('U', g)]!;
    const W = c.params[named('W', g)]!;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < I; j++) kernel[j * G * H + k * H + i] = U.data[i * I + j]!; //      kernel[j, kH + i] = U_g[i, j]
      for (let j = 0; j < H; j++) recurrent[j * G * H + k * H + i] = W.data[i * H + j]!; //   recurrent[j, kH + i] = W_g[i, j]
      if (c.model.bias) bias[k * H + i] = c.params[named('b', g)]!.data[i]!;
    }
  });
  return [
    tf.tensor2d(kernel, [I, G * H]),
    tf.tensor2d(recurrent, [H, G * H]),
    ...(c.model.bias ? [tf.tensor1d(bias)] : []),
  ];
}

/** Gradients of a recurrent layer's [kernel, recurrent kernel, bias?] back to U_*, W_*, b_* (U, W, b), math layout. */
export async function layerGradientsToMath(
  c: Case,
  gates: readonly string[],
  grads: tf.Tensor[],
): Promise<Record<string, Matrix>> {
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const G = gates.length;
  const [k, r, b] = await Promise.all(grads.map((t) => t.data()));
  const out: Record<string, Matrix> = {};
  gates.forEach((g, n) => {
    const U = new Float64Array(H * I);
    const W = new Float64Array(H * H);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < I; j++) U[i * I + j] = k![j * G * H + n * H + i]!;
      for (let j = 0; j < H; j++) W[i * H + j] = r![j * G * H + n * H + i]!;
    }
    out[named('U', g)] = { rows: H, cols: I, data: U };
    out[named('W', g)] = { rows: H, cols: H, data: W };
    if (bias) out[named('b', g)] = { rows: H, cols: 1, data: Float64Array.from(b!.subarray(n * H, (n + 1) * H)) };
  });
  return out;
}
