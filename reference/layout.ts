/**
 * The one place where math layout meets tfjs layout (DESIGN.md table):
 *   SimpleRNN kernel = Uᵀ (I×H), recurrent kernel = Wᵀ (H×H), bias = b;  Dense kernel = Vᵀ (H×K), bias = c.
 * Also: case inputs and targets as tensors, and tensors back to float64 matrices.
 */
import type { Case } from '../src/model/case.js';
import type { Matrix } from '../src/model/matrix.js';
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

/** tfjs layer weights (in `getWeights()` order) from math-layout params. */
export function simpleRnnWeights(c: Case): tf.Tensor[] {
  const p = c.params;
  return [tensorOf(p.U!, true), tensorOf(p.W!, true), ...(c.model.bias ? [vectorOf(p.b!)] : [])];
}

export function denseWeights(c: Case): tf.Tensor[] {
  return [tensorOf(c.params.V!, true), ...(c.model.bias ? [vectorOf(c.params.c!)] : [])];
}

/** x as a B×T×I float tensor: one-hot rows for token inputs, the vectors for dense inputs. */
export function inputTensor(c: Case): tf.Tensor3D {
  const { batch: B, steps: T } = c;
  const I = c.model.inputSize;
  if (c.vectors) return tf.tensor3d(Float32Array.from(c.vectors), [B, T, I]);
  return tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(c.tokens!, 'int32'), I), 'float32'), [B, T, I]));
}

/** Targets as a (B·T)×K one-hot float tensor, rows in (b, t) order. */
export function targetTensor(c: Case): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(c.targets, 'int32'), c.model.outputSize), 'float32') as tf.Tensor2D);
}

/**
 * Gradients of the SimpleRNN weights [kernel, recurrentKernel, bias?] and the Dense weights
 * [kernel, bias?] (tfjs layout, `trainableWeights` order) back in math layout: U, W, b, V, c.
 */
export async function layerGradientsToMath(c: Case, rnn: tf.Tensor[], dense: tf.Tensor[]): Promise<Record<string, Matrix>> {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  const out: Record<string, Matrix> = {
    U: await matrixOf(rnn[0]!, H, I, true),
    W: await matrixOf(rnn[1]!, H, H, true),
    V: await matrixOf(dense[0]!, K, H, true),
  };
  if (bias) {
    out.b = await matrixOf(rnn[2]!, H, 1);
    out.c = await matrixOf(dense[1]!, K, 1);
  }
  return out;
}

let variableCount = 0;

/** A trainable variable holding `value` (which it takes over and disposes), with a unique name. */
export function variableOf(value: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(value, true, `bptt_check_${name}_${++variableCount}`);
  value.dispose();
  return v;
}
