/**
 * The GRU (gates z, r, h, in tfjs's order; the reset gate applied before the product, as tfjs does), its
 * step forward and backward; gated.ts runs them. σ is the recurrent activation (sigmoid, or hardSigmoid =
 * clip(0.2a + 0.5, 0, 1)), act the activation.
 *   z = σ(U_z x + W_z s_{t−1} + b_z)      r = σ(U_r x + W_r s_{t−1} + b_r)
 *   h̃ = act(U_h x + W_h (r ⊙ s_{t−1}) + b_h)
 *   s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
 * Dimension letters: H hidden.
 */
import { activate, derivativeFromOutput, sigma, sigmaPrime } from '../activations.js';
import { matTVecAdd, matVecAdd } from '../../kernels/kernels.js';
import type { CellStep } from '../recursion.js';
import { gatedCell, type GatedSpec } from './gated.js';

const G = 3;

export const GRU: GatedSpec = {
  cell: 'gru',
  direct: 2, // z, r; h̃ sees r ⊙ s_{t−1} instead
  carries: false,
  scratch: { forward: 1, backward: 2 }, // r ⊙ s_{t−1}; ∂L/∂s_{t−1}, ∂L/∂(r ⊙ s_{t−1})
  reset: { gate: 2, by: 1 }, // W_h (r ⊙ s_{t−1})
  forwardStep: (c, rec, { s, pre, gates: post }, ws) => {
    const { hiddenSize: H, activation } = c.model;
    const rs = ws.f64(H);
    return (off, prev, cur) => {
      for (let j = off; j < off + 2 * H; j++) post[j] = sigma(rec, pre[j]!); // z, r = σ(a_*)
      for (let j = 0; j < H; j++) rs[j] = post[off + H + j]! * s[prev + j]!; // r ⊙ s_{t−1}
      matVecAdd(c.params.W_h!, rs, pre, 0, off + 2 * H); //          a_h += W_h (r ⊙ s_{t−1})
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
    const drs = ws.f64(H);
    const step: CellStep = (t, ds) => {
      const off = (b * T + t) * G * H; //                   z, r, h̃ at y[off], y[off + H], y[off + 2H]
      const prev = base + t * H;
      for (let j = 0; j < H; j++) {
        const z = y[off + j]!;
        const h = y[off + 2 * H + j]!;
        dpre[j] = ds[j]! * (s[prev + j]! - h) * sigmaPrime(rec, z, a[off + j]!); // da_z = ds_t ⊙ (s_{t−1} − h̃) ⊙ σ′(a_z)
        dpre[2 * H + j] = ds[j]! * (1 - z) * derivativeFromOutput(activation, h); // da_h = ds_t ⊙ (1 − z) ⊙ act′(a_h)
        dsPrev[j] = ds[j]! * z; //                                                 ∂L/∂s_{t−1} = ds_t ⊙ z + …
      }
      drs.fill(0);
      matTVecAdd(c.params.W_h!, dpre, drs, 2 * H); //                             ∂L/∂(r ⊙ s_{t−1}) = W_hᵀ da_h
      for (let j = 0; j < H; j++) {
        const r = y[off + H + j]!;
        dpre[H + j] = drs[j]! * s[prev + j]! * sigmaPrime(rec, r, a[off + H + j]!); // da_r = (W_hᵀ da_h) ⊙ s_{t−1} ⊙ σ′(a_r)
        dsPrev[j]! += drs[j]! * r; //                                             … + (W_hᵀ da_h) ⊙ r
      }
      for (let k = 0; k < G * H; k++) DA[t * G * H + k]! += dpre[k]!;
      ds.set(dsPrev);
      matTVecAdd(W, dpre, ds); //                                                 … + W_zᵀ da_z + W_rᵀ da_r
    };
    return step;
  },
};

export const gru = gatedCell(GRU);
