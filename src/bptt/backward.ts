/**
 * Backward pass (BPTT) of the seed's model, from the forward cache. Notation of the seed notes:
 *   dz_t = ŷ_t − onehot(y_t)                       (∂L_t/∂z_t for softmax + cross-entropy)
 *   ds_t = Vᵀ dz_t + Wᵀ da_{t+1}                   (∂L/∂s_t: this step's output and the future)
 *   da_t = ds_t ⊙ f′(a_t)                          (f′ from the saved s_t)
 *   dV = Σ_t dz_t s_tᵀ   dc = Σ_t dz_t   dU = Σ_t da_t x_tᵀ   dW = Σ_t da_t s_{t−1}ᵀ   db = Σ_t da_t
 *   ∂L/∂s_{−1} = Wᵀ da_0
 * Summed over the batch: every row runs its own recurrence and adds into the same buffers.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { matTVecAdd, outerAdd } from './kernels.js';

export function backward(c: Case, cache: ForwardCache): Gradients {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const { W, V } = c.params as Record<'U' | 'W' | 'V', Matrix>;
  const dU = zeros(H, I);
  const dW = zeros(H, H);
  const dV = zeros(K, H);
  const db = zeros(H, 1);
  const dc = zeros(K, 1);
  const dInitialState = zeros(B, H);
  const dz = new Float64Array(K);
  const ds = new Float64Array(H);
  const da = new Float64Array(H);
  const dsNext = new Float64Array(H); // Wᵀ da_{t+1}: what s_t receives from the future

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    dsNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const sPrev = cache.s.subarray(base + t * H, base + (t + 1) * H);
      const st = cache.s.subarray(base + (t + 1) * H, base + (t + 2) * H);
      dz.set(cache.p.subarray((b * T + t) * K, (b * T + t + 1) * K));
      dz[c.targets[b * T + t]!]! -= 1; //             dz_t = ŷ_t − onehot(y_t)
      outerAdd(dV, dz, st); //                        dV += dz_t s_tᵀ
      if (bias) for (let k = 0; k < K; k++) dc.data[k]! += dz[k]!; // dc += dz_t
      ds.set(dsNext); //                              ds_t = Wᵀ da_{t+1}
      matTVecAdd(V, dz, ds); //                       ds_t += Vᵀ dz_t
      backpropActivation(activation, st, ds, da); //  da_t = ds_t ⊙ f′(a_t)
      if (c.tokens) {
        const x = c.tokens[b * T + t]!; //             dU += da_t x_tᵀ = da_t into column x_t
        for (let i = 0; i < H; i++) dU.data[i * I + x]! += da[i]!;
      } else {
        const off = (b * T + t) * I;
        outerAdd(dU, da, c.vectors!.subarray(off, off + I)); // dU += da_t x_tᵀ
      }
      if (bias) for (let i = 0; i < H; i++) db.data[i]! += da[i]!; // db += da_t
      outerAdd(dW, da, sPrev); //                     dW += da_t s_{t−1}ᵀ
      dsNext.fill(0);
      matTVecAdd(W, da, dsNext); //                   ∂L/∂s_{t−1} (future part) = Wᵀ da_t
    }
    dInitialState.data.set(dsNext, b * H); //         ∂L/∂s_{−1} = Wᵀ da_0
  }
  const tensors: Record<string, Matrix> = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(tensors, { b: db, c: dc });
  if (c.initialState) tensors.initialState = dInitialState;
  return { loss: cache.loss, tensors };
}
