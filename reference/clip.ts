/**
 * Options of the references, and gradient clipping written with tf ops (independently of the
 * hand-written side's clipping):
 *   clip value v:  tf.clipByValue(g, −v, v)
 *   clip norm n:   ‖g‖ = √(Σ_θ sum(g²)) over the parameter gradients; when ‖g‖ > n, g ← g · n/‖g‖
 * The initial-state gradient is not a parameter and is left alone. With both, the value clip comes first.
 */
import { tf } from './tf.js';

export interface ReferenceOptions {
  truncate?: number;
  detachEvery?: number;
  outputStep?: number;
  clipValue?: number;
  clipNorm?: number;
  /** tfjs-ops, full BPTT: the adjoints ∂L/∂s_t (and the LSTM's ∂L/∂c_t) too, in Gradients.adjoints */
  adjoints?: boolean;
}

export interface ClippedInTf {
  /** gradients by variable name; new tensors when clipping ran, the same tensors otherwise */
  grads: tf.NamedTensorMap;
  normBefore?: number;
  normAfter?: number;
}

/** `vars` maps parameter names (and initialState) to the variables whose gradients `grads` holds. */
export function clipInTf(
  grads: tf.NamedTensorMap,
  vars: Record<string, tf.Variable>,
  opts: ReferenceOptions,
): ClippedInTf {
  if (opts.clipValue === undefined && opts.clipNorm === undefined) return { grads };
  const params = Object.entries(vars).filter(([name]) => name !== 'initialState');
  const norm = (m: tf.NamedTensorMap) =>
    tf.tidy(() => tf.sqrt(tf.addN(params.map(([, v]) => tf.sum(tf.square(m[v.name]!))))).dataSync()[0]!);
  const normBefore = norm(grads);
  const out: tf.NamedTensorMap = {};
  for (const [name, v] of Object.entries(vars)) {
    const g = grads[v.name]!;
    out[v.name] =
      name !== 'initialState' && opts.clipValue !== undefined
        ? tf.clipByValue(g, -opts.clipValue, opts.clipValue)
        : tf.clone(g);
  }
  if (opts.clipNorm !== undefined) {
    const n = norm(out);
    if (n > opts.clipNorm) {
      for (const [, v] of params) {
        const scaled = tf.tidy(() => tf.mul(out[v.name]!, opts.clipNorm! / n)); // g · n/‖g‖
        out[v.name]!.dispose();
        out[v.name] = scaled;
      }
    }
  }
  return { grads: out, normBefore, normAfter: norm(out) };
}
