/**
 * Activations f and their derivatives f′ written from the saved output s = f(a), as the backward
 * pass needs them (DESIGN.md, style rule 2).
 */
import type { Activation } from '../model/spec.js';

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

/** da = ds ⊙ f′(a), with f′ computed from s = f(a). */
export function backpropActivation(kind: Activation, s: Float64Array, ds: Float64Array, da: Float64Array): void {
  switch (kind) {
    case 'tanh': // tanh′(a) = 1 − s²
      for (let i = 0; i < s.length; i++) da[i] = ds[i]! * (1 - s[i]! * s[i]!);
      return;
    case 'sigmoid': // σ′(a) = s (1 − s)
      for (let i = 0; i < s.length; i++) da[i] = ds[i]! * s[i]! * (1 - s[i]!);
      return;
    case 'relu': // relu′(a) = [a > 0] = [s > 0]
      for (let i = 0; i < s.length; i++) da[i] = s[i]! > 0 ? ds[i]! : 0;
      return;
    case 'linear': // f′ = 1
      da.set(ds);
      return;
  }
}
