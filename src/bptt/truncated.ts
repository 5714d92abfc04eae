/**
 * Truncated BPTT (per-output window, WildML's bptt_truncate): output t back-propagates through steps
 * k = t, t−1, …, max(0, t − K) only:
 *   δ = Vᵀ dz_t                                  (∂L_t/∂s_t)
 *   for k = t … max(0, t − K):
 *     da_k += δ ⊙ f′(a_k)                        (∂L_t/∂a_k, summed over the outputs whose window holds k)
 *     δ = Wᵀ (δ ⊙ f′(a_k))                       (∂L_t/∂s_{k−1})
 *   ∂L/∂s_{−1} += δ when the window reaches k = 0
 * The parameter gradients then follow from da_k exactly as in full BPTT (dW = Σ_k da_k s_{k−1}ᵀ, …).
 */
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { matVecAdd } from './kernels.js';

/**
 * Fills da_k (element i at DA[i·T + k]) for batch row b, given Vᵀ dz_t as row t of G, and adds ∂L/∂s_{−1}
 * into ds0. `window` is K.
 */
export function windowedAdjoints(c: Case, cache: ForwardCache, b: number, window: number, WT: Matrix, G: Matrix, DA: Float64Array, ds0: Float64Array): void {
  const T = c.steps;
  const { hiddenSize: H, activation } = c.model;
  const base = b * (T + 1) * H;
  const delta = new Float64Array(H);
  const da = new Float64Array(H);
  DA.fill(0);
  for (let t = 0; t < T; t++) {
    delta.set(G.data.subarray(t * H, (t + 1) * H)); //             δ = Vᵀ dz_t
    for (let k = t; k >= Math.max(0, t - window); k--) {
      const sk = cache.s.subarray(base + (k + 1) * H, base + (k + 2) * H);
      backpropActivation(activation, sk, delta, da); //            δ ⊙ f′(a_k)
      for (let i = 0; i < H; i++) DA[i * T + k]! += da[i]!; //     da_k += ∂L_t/∂a_k
      delta.fill(0);
      matVecAdd(WT, da, delta); //                                 δ = Wᵀ (δ ⊙ f′(a_k))
    }
    if (t - window <= 0) for (let i = 0; i < H; i++) ds0[i]! += delta[i]!; // ∂L_t/∂s_{−1}
  }
}
