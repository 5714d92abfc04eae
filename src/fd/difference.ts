/**
 * The pieces every cell's difference is built from (the method: trajectory.ts). With Δ = θ⁺ − θ⁻ and the
 * case holding θ⁻, one layer a = W v + U x_t [+ b] (the RNN's, or one gate's), v its recurrent input:
 *   a⁺ = W⁻ v⁺ + U⁻ x_t + b⁻ + Δ(W v⁺ + U x_t + b)
 *   δa = a⁺ − a⁻ = W⁻ δv + Δ(W v⁺ + U x_t + b)
 * and its activation, δs = f(a⁺) − f(a⁻), without cancellation:
 *   tanh: (1 − s⁺s⁻)·tanh(δa);  sigmoid: −expm1(−δa)·σ(a⁺)·σ(−a⁻);  relu, linear: exact
 */
import { addInput } from '../bptt/index.js';
import { matVecAdd } from '../kernels/kernels.js';
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import type { Activation } from '../model/spec.js';

export interface Delta {
  tensor: string;
  /** θ⁺ − θ⁻, laid out like the tensor */
  data: Float64Array;
  /** the nonzero entries of data (all of them for a direction) */
  nonzero: number[];
}

/** δs = f(a⁺) − f(a⁻), with a⁻ = a⁺ − δa, without cancellation; s⁺ = f(a⁺) is given. */
export function activationDifference(
  kind: Activation,
  aPlus: Float64Array,
  da: Float64Array,
  sPlus: Float64Array,
  ds: Float64Array,
): void {
  const n = aPlus.length;
  switch (kind) {
    case 'tanh':
      for (let i = 0; i < n; i++) ds[i] = (1 - sPlus[i]! * Math.tanh(aPlus[i]! - da[i]!)) * Math.tanh(da[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) ds[i] = (-Math.expm1(-da[i]!) * sPlus[i]!) / (1 + Math.exp(aPlus[i]! - da[i]!));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const am = aPlus[i]! - da[i]!;
        ds[i] =
          aPlus[i]! > 0 && am > 0 ? da[i]! : aPlus[i]! <= 0 && am <= 0 ? 0 : Math.max(aPlus[i]!, 0) - Math.max(am, 0);
      }
      return;
    case 'linear':
      ds.set(da);
      return;
  }
}

/** s = f(a) */
export function activate(kind: Activation, a: Float64Array, s: Float64Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    s[i] =
      kind === 'tanh'
        ? Math.tanh(x)
        : kind === 'sigmoid'
          ? 1 / (1 + Math.exp(-x))
          : kind === 'relu'
            ? x > 0
              ? x
              : 0
            : x;
  }
}

/** y += Δ x for a Δ laid out as an r×c matrix: a matrix–vector product for a direction, else entry by entry. */
export function deltaTimes(d: Delta, cols: number, x: Float64Array, y: Float64Array): void {
  if (d.nonzero.length === d.data.length) matVecAdd({ rows: d.data.length / cols, cols, data: d.data }, x, y);
  else for (const k of d.nonzero) y[Math.floor(k / cols)]! += d.data[k]! * x[k % cols]!;
}

/** One layer a = W v + U x_t [+ b]: the RNN's, or one gate's W_*, U_*, b_*, with the tensors' names. */
export interface Layer {
  W: Matrix;
  U: Matrix;
  b: Matrix | null;
  names: { W: string; U: string; b: string };
}

/**
 * a⁺ = W⁻ v⁺ + U⁻ x_t + b⁻ + Δ(W v⁺ + U x_t + b) and δa = W⁻ δv + Δ(…) of one layer, for batch row b at step
 * t, whose recurrent input is v⁺ (δv). Δ(…) is the part of a⁺ that θ⁻ does not give: zero unless the
 * perturbed tensor is one of the layer's. corr is scratch.
 */
export function preActivationDifference(
  c: Case,
  d: Delta,
  layer: Layer,
  b: number,
  t: number,
  v: Float64Array,
  dv: Float64Array,
  a: Float64Array,
  da: Float64Array,
  corr: Float64Array,
): void {
  const { inputSize: I, hiddenSize: H } = c.model;
  corr.fill(0);
  if (d.tensor === layer.names.W) deltaTimes(d, H, v, corr);
  else if (d.tensor === layer.names.b) for (const k of d.nonzero) corr[k]! += d.data[k]!;
  else if (d.tensor === layer.names.U) {
    if (c.tokens) {
      const x = c.tokens[b * c.steps + t]!;
      for (const k of d.nonzero) if (k % I === x) corr[Math.floor(k / I)]! += d.data[k]!;
    } else deltaTimes(d, I, c.vectors!.subarray((b * c.steps + t) * I, (b * c.steps + t + 1) * I), corr);
  }
  if (layer.b) a.set(layer.b.data);
  else a.fill(0);
  addInput(c, b, t, a, layer.U); //          U⁻ x_t [+ b⁻]
  matVecAdd(layer.W, v, a); //               + W⁻ v⁺
  da.fill(0);
  matVecAdd(layer.W, dv, da); //             δa = W⁻ δv
  for (let i = 0; i < H; i++) {
    a[i]! += corr[i]!; //                    a⁺ = … + Δ(…)
    da[i]! += corr[i]!; //                   δa += Δ(…)
  }
}
