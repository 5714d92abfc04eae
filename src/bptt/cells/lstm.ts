/**
 * The LSTM (gates i, f, g, o, in tfjs's order), its step forward and backward; gated.ts runs them. σ is the
 * recurrent activation (sigmoid, or hardSigmoid = clip(0.2a + 0.5, 0, 1)), act the activation.
 *   i = σ(U_i x + W_i s_{t−1} + b_i)      f = σ(U_f x + W_f s_{t−1} + b_f)
 *   g = act(U_g x + W_g s_{t−1} + b_g)    o = σ(U_o x + W_o s_{t−1} + b_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,  s_t = o ⊙ act(c_t)     (c₋₁ = 0)
 * Dimension letters: H hidden.
 */
import { activate, derivativeFromOutput, sigma, sigmaPrime } from '../activations.js';
import { matTVecAdd } from '../../kernels/kernels.js';
import type { CellStep } from '../recursion.js';
import { gatedCell, type GatedSpec } from './gated.js';

const G = 4;

export const LSTM: GatedSpec = {
  cell: 'lstm',
  direct: G,
  carries: true,
  scratch: { forward: 0, backward: 1 }, // act(c_t)
  forwardStep: (c, rec, { s, c: cs, pre, gates: post }) => {
    const { hiddenSize: H, activation } = c.model;
    return (off, prev, cur) => {
      for (let k = 0; k < G; k++)
        for (let j = off + k * H; j < off + (k + 1) * H; j++) post[j] = k === 2 ? pre[j]! : sigma(rec, pre[j]!); // i, f, o = σ(a_*)
      activate(activation, post, off + 2 * H, off + 3 * H); //      g = act(a_g)
      for (let j = 0; j < H; j++) {
        const i = post[off + j]!;
        const f = post[off + H + j]!;
        const g = post[off + 2 * H + j]!;
        cs[cur + j] = f * cs[prev + j]! + i * g; //                 c_t = f ⊙ c_{t−1} + i ⊙ g
        s[cur + j] = cs[cur + j]!; //                               (act(c_t) next, in place)
      }
      activate(activation, s, cur, cur + H);
      for (let j = 0; j < H; j++) s[cur + j]! *= post[off + 3 * H + j]!; // s_t = o ⊙ act(c_t)
    };
  },
  backwardStep: (c, rec, cache, b, DA, W, ws) => {
    const T = c.steps;
    const { hiddenSize: H, activation } = c.model;
    const base = b * (T + 1) * H;
    const { gates: y, pre: a } = cache;
    const dpre = ws.f64(G * H); //          this step's da_*, gate after gate
    const ac = ws.f64(H);
    const step: CellStep = (t, ds, dcarry) => {
      const off = (b * T + t) * G * H; //                   i, f, g, o at y[off], y[off + H], y[off + 2H], y[off + 3H]
      const prev = base + t * H;
      const cur = prev + H;
      ac.set(cache.c.subarray(cur, cur + H));
      activate(activation, ac); //                                              act(c_t)
      for (let j = 0; j < H; j++) {
        const i = y[off + j]!;
        const f = y[off + H + j]!;
        const g = y[off + 2 * H + j]!;
        const o = y[off + 3 * H + j]!;
        const dcell = ds[j]! * o * derivativeFromOutput(activation, ac[j]!) + dcarry[j]!; // dc_t = ds_t ⊙ o ⊙ act′(c_t) + (from c_{t+1})
        dpre[j] = dcell * g * sigmaPrime(rec, i, a[off + j]!); //                  da_i = dc_t ⊙ g ⊙ σ′(a_i)
        dpre[H + j] = dcell * cache.c[prev + j]! * sigmaPrime(rec, f, a[off + H + j]!); // da_f = dc_t ⊙ c_{t−1} ⊙ σ′(a_f)
        dpre[2 * H + j] = dcell * i * derivativeFromOutput(activation, g); //     da_g = dc_t ⊙ i ⊙ act′(a_g)
        dpre[3 * H + j] = ds[j]! * ac[j]! * sigmaPrime(rec, o, a[off + 3 * H + j]!); // da_o = ds_t ⊙ act(c_t) ⊙ σ′(a_o)
        dcarry[j] = dcell * f; //                                                 ∂L/∂c_{t−1} from step t = dc_t ⊙ f
      }
      for (let k = 0; k < G * H; k++) DA[t * G * H + k]! += dpre[k]!;
      ds.fill(0);
      matTVecAdd(W, dpre, ds); //                                                ∂L/∂s_{t−1} = Σ_* W_*ᵀ da_* = [W_i; W_f; …]ᵀ [da_i; da_f; …]
    };
    return step;
  },
};

export const lstm = gatedCell(LSTM);
