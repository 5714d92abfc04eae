/**
 * The GRU with the reset gate applied after the recurrent product (model.gruReset 'after', PyTorch's and
 * Keras's default), its step forward and backward; gated.ts runs them. σ is the recurrent activation, act
 * the activation; b_Wh (the bias inside the reset) is there when the model has biases.
 *   z = σ(U_z x + W_z s_{t−1} + b_z)      r = σ(U_r x + W_r s_{t−1} + b_r)
 *   q = W_h s_{t−1} + b_Wh                h̃ = act(U_h x + b_h + r ⊙ q)
 *   s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
 * Backward (W_h multiplies s_{t−1} itself, and its adjoint is r ⊙ da_h):
 *   da_h = ds_t ⊙ (1 − z) ⊙ act′(a_h)      da_r = (da_h ⊙ q) ⊙ σ′(a_r)      da_z = ds_t ⊙ (s_{t−1} − h̃) ⊙ σ′(a_z)
 *   ∂L/∂q = r ⊙ da_h:  dW_h += (r ⊙ da_h) s_{t−1}ᵀ,  db_Wh += r ⊙ da_h  (gated.ts)
 *   ∂L/∂s_{t−1} = ds_t ⊙ z + W_zᵀ da_z + W_rᵀ da_r + W_hᵀ (r ⊙ da_h)
 * q is recomputed in the backward step rather than kept (one H×H product per step, as forward).
 * Dimension letters: H hidden.
 */
import { activate, derivativeFromOutput, sigma, sigmaPrime } from '../activations.js';
import { matTVecAdd, matVecAdd } from '../../kernels/kernels.js';
import type { Case } from '../../model/case.js';
import type { CellStep } from '../recursion.js';
import { gatedCell, type GatedSpec } from './gated.js';

const G = 3;

/** q = W_h s_{t−1} + b_Wh, from s_{t−1} at s[prev …), into q. */
function recurrentTerm(c: Case, s: Float64Array, prev: number, q: Float64Array): void {
  const bWh = c.model.bias ? c.params.b_Wh! : null;
  if (bWh)
    q.set(bWh.data); //                                   q = b_Wh
  else q.fill(0);
  matVecAdd(c.params.W_h!, s, q, prev, 0); //                    q += W_h s_{t−1}
}

export const GRU_AFTER: GatedSpec = {
  cell: 'gru',
  direct: 2, // z, r; h̃'s W_h s_{t−1} + b_Wh is kept apart, to be multiplied by r
  carries: false,
  scratch: { forward: 1, backward: 3 }, // q; ∂L/∂s_{t−1}, q, r ⊙ da_h
  reset: { gate: 2, by: 1, after: true }, // r ⊙ (W_h s_{t−1} + b_Wh)
  forwardStep: (c, rec, { s, pre, gates: post }, ws) => {
    const { hiddenSize: H, activation } = c.model;
    const q = ws.f64(H);
    return (off, prev, cur) => {
      for (let j = off; j < off + 2 * H; j++) post[j] = sigma(rec, pre[j]!); // z, r = σ(a_*)
      recurrentTerm(c, s, prev, q); //                              q = W_h s_{t−1} + b_Wh
      for (let j = 0; j < H; j++) pre[off + 2 * H + j]! += post[off + H + j]! * q[j]!; // a_h = U_h x + b_h + r ⊙ q
      for (let j = off + 2 * H; j < off + 3 * H; j++) post[j] = pre[j]!;
      activate(activation, post, off + 2 * H, off + 3 * H); //      h̃ = act(a_h)
      for (let j = 0; j < H; j++) {
        const z = post[off + j]!;
        s[cur + j] = z * s[prev + j]! + (1 - z) * post[off + 2 * H + j]!; // s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
      }
    };
  },
  backwardStep: (c, rec, cache, b, DA, W, ws) => {
    const T = c.steps;
    const { hiddenSize: H, activation } = c.model;
    const base = b * (T + 1) * H;
    const { s, gates: y, pre: a } = cache;
    const dpre = ws.f64(G * H); //          this step's da_*, gate after gate
    const dsPrev = ws.f64(H);
    const q = ws.f64(H);
    const dq = ws.f64(H);
    const step: CellStep = (t, ds) => {
      const off = (b * T + t) * G * H; //                   z, r, h̃ at y[off], y[off + H], y[off + 2H]
      const prev = base + t * H;
      recurrentTerm(c, s, prev, q); //                                            q = W_h s_{t−1} + b_Wh
      for (let j = 0; j < H; j++) {
        const z = y[off + j]!;
        const r = y[off + H + j]!;
        const h = y[off + 2 * H + j]!;
        dpre[j] = ds[j]! * (s[prev + j]! - h) * sigmaPrime(rec, z, a[off + j]!); // da_z = ds_t ⊙ (s_{t−1} − h̃) ⊙ σ′(a_z)
        const dah = ds[j]! * (1 - z) * derivativeFromOutput(activation, h); //     da_h = ds_t ⊙ (1 − z) ⊙ act′(a_h)
        dpre[2 * H + j] = dah;
        dpre[H + j] = dah * q[j]! * sigmaPrime(rec, r, a[off + H + j]!); //         da_r = (da_h ⊙ q) ⊙ σ′(a_r)
        dq[j] = r * dah; //                                                         ∂L/∂q = r ⊙ da_h
        dsPrev[j] = ds[j]! * z; //                                                  ∂L/∂s_{t−1} = ds_t ⊙ z + …
      }
      for (let k = 0; k < G * H; k++) DA[t * G * H + k]! += dpre[k]!;
      ds.set(dsPrev);
      matTVecAdd(W, dpre, ds); //                                                 … + W_zᵀ da_z + W_rᵀ da_r
      matTVecAdd(c.params.W_h!, dq, ds); //                                       … + W_hᵀ (r ⊙ da_h)
    };
    return step;
  },
};

export const gruAfter = gatedCell(GRU_AFTER);
