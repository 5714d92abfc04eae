/**
 * Activations f and their derivatives f′ written from the saved output s = f(a), as the backward
 * pass needs them (DESIGN.md, style rule 2).
 */
import type { Activation, RecurrentActivation } from '../model/spec.js';

/** s = f(a), elementwise, in place (on a[from … to), the whole of a by default). */
export function activate(kind: Activation, a: Float64Array, from = 0, to = a.length): void {
  switch (kind) {
    case 'tanh':
      for (let i = from; i < to; i++) a[i] = Math.tanh(a[i]!);
      return;
    case 'sigmoid':
      for (let i = from; i < to; i++) a[i] = 1 / (1 + Math.exp(-a[i]!));
      return;
    case 'relu':
      for (let i = from; i < to; i++) a[i] = a[i]! > 0 ? a[i]! : 0;
      return;
    case 'linear':
      return;
  }
}

/** f′(a) from s = f(a), for one entry. */
export function derivativeFromOutput(kind: Activation, s: number): number {
  switch (kind) {
    case 'tanh':
      return 1 - s * s;
    case 'sigmoid':
      return s * (1 - s);
    case 'relu':
      return s > 0 ? 1 : 0;
    case 'linear':
      return 1;
  }
}

/** da = ds ⊙ f′(a), with f′ computed from s = f(a) (s read from s[sOff …], as many entries as da has). */
export function backpropActivation(
  kind: Activation,
  s: Float64Array,
  ds: Float64Array,
  da: Float64Array,
  sOff = 0,
): void {
  const n = da.length;
  switch (kind) {
    case 'tanh': // tanh′(a) = 1 − s²
      for (let i = 0; i < n; i++) da[i] = ds[i]! * (1 - s[sOff + i]! * s[sOff + i]!);
      return;
    case 'sigmoid': // σ′(a) = s (1 − s)
      for (let i = 0; i < n; i++) da[i] = ds[i]! * s[sOff + i]! * (1 - s[sOff + i]!);
      return;
    case 'relu': // relu′(a) = [a > 0] = [s > 0]
      for (let i = 0; i < n; i++) da[i] = s[sOff + i]! > 0 ? ds[i]! : 0;
      return;
    case 'linear': // f′ = 1
      da.set(ds.subarray(0, n));
      return;
  }
}

/** σ(a), the gates' activation, for one entry: sigmoid 1/(1 + e^{−a}), or hardSigmoid clip(0.2a + 0.5, 0, 1). */
export const sigma = (kind: RecurrentActivation, a: number) =>
  kind === 'sigmoid' ? 1 / (1 + Math.exp(-a)) : Math.min(Math.max(0.2 * a + 0.5, 0), 1);

/** σ′(a), from the output y = σ(a) (sigmoid: y(1 − y)) or the pre-activation a (hardSigmoid: 0.2 inside the ramp, else 0). */
export function sigmaPrime(kind: RecurrentActivation, y: number, a: number): number {
  if (kind === 'sigmoid') return y * (1 - y);
  const ramp = 0.2 * a + 0.5;
  return ramp >= 0 && ramp <= 1 ? 0.2 : 0;
}

/** γ = sup_a f′(a) of each activation and gate activation: the factor of the bound ‖∂s_t/∂s_k‖ ≤ (γ σ_max(W))^{t−k}. */
export const GAMMA: Record<Activation | RecurrentActivation, number> = {
  tanh: 1,
  sigmoid: 0.25,
  relu: 1,
  linear: 1,
  hardSigmoid: 0.2,
};
