/**
 * What the gated cells share: each gate is a layer a_* = W_* v + U_* x_t [+ b_*] (difference.ts) followed
 * by σ, or by act for the LSTM's g and the GRU's h̃. With Δ = θ⁺ − θ⁻:
 *   δa_* = W_*⁻ δv + Δ(W_* v⁺ + U_* x_t + b_*)       v = s_{t−1} (the GRU's h̃: r ⊙ s_{t−1})
 *   δσ   = σ(a⁺) − σ(a⁻): sigmoid as difference.ts; hardSigmoid 0.2·δa inside the ramp (else direct)
 *   δ(u⊙v) = δu⊙v⁺ + u⁻⊙δv                          (every product of the cells, u⁻ = u⁺ − δu)
 */
import { sigma } from '../../bptt/index.js';
import type { Workspace } from '../../kernels/heap.js';
import type { Case } from '../../model/case.js';
import { GATES, type GatedCell, type ModelConfig, type RecurrentActivation } from '../../model/spec.js';
import { activate, activationDifference, preActivationDifference, type Delta, type Layer } from '../difference.js';

/** δσ = σ(a⁺) − σ(a⁻), a⁻ = a⁺ − δa, given y⁺ = σ(a⁺): sigmoid as difference.ts; hardSigmoid 0.2·δa inside the ramp. */
function sigmaDifference(kind: RecurrentActivation, aPlus: number, da: number, yPlus: number): number {
  if (kind === 'sigmoid') return (-Math.expm1(-da) * yPlus) / (1 + Math.exp(aPlus - da));
  const aMinus = aPlus - da; //                                                  on the ramp: |0.2a| ≤ 0.5
  return Math.abs(0.2 * aPlus) <= 0.5 && Math.abs(0.2 * aMinus) <= 0.5 ? 0.2 * da : yPlus - sigma(kind, aMinus);
}

/** σ of the gates, which validation filled in for every gated model (modelConfig). */
function gateSigma(m: ModelConfig): RecurrentActivation {
  if (m.cell === 'rnn') throw new Error('the plain RNN has no gates');
  return m.recurrentActivation;
}

/** A gate's output y⁺ = σ(a⁺) (or act(a⁺)) and its difference δy. */
export interface GateDifference {
  y: Float64Array;
  dy: Float64Array;
}

/**
 * The gates of a gated case for perturbation d, in GATES order: gate(k, …) computes a⁺ and δa of gate k,
 * whose recurrent input is v⁺ (δv), then its y⁺ and δy, through σ or act. Buffers in the loss difference's scope.
 */
export function gates(c: Case, cell: GatedCell, d: Delta, ws: Workspace) {
  const { hiddenSize: H, activation, bias } = c.model;
  const rec = gateSigma(c.model);
  const P = c.params;
  const layers: Layer[] = GATES[cell].map((g) => ({
    W: P[`W_${g}`]!,
    U: P[`U_${g}`]!,
    b: bias ? P[`b_${g}`]! : null,
    names: { W: `W_${g}`, U: `U_${g}`, b: `b_${g}` },
  }));
  const [a, da, corr] = [ws.f64(H), ws.f64(H), ws.f64(H)];
  const out: GateDifference[] = layers.map(() => ({ y: ws.f64(H), dy: ws.f64(H) }));
  return (k: number, b: number, t: number, v: Float64Array, dv: Float64Array, f: 'σ' | 'act'): GateDifference => {
    preActivationDifference(c, d, layers[k]!, b, t, v, dv, a, da, corr); // a⁺, δa
    const { y, dy } = out[k]!;
    if (f === 'act') {
      activate(activation, a, y); //                                          y⁺ = act(a⁺)
      activationDifference(activation, a, da, y, dy);
    } else {
      for (let i = 0; i < H; i++) {
        y[i] = sigma(rec, a[i]!); //                                          y⁺ = σ(a⁺)
        dy[i] = sigmaDifference(rec, a[i]!, da[i]!, y[i]!);
      }
    }
    return out[k]!;
  };
}
