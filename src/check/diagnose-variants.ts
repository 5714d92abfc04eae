/**
 * Known mistakes of the RNN's BPTT, computed in float64 from the correct pieces of the hand side (its forward
 * pass, its output adjoints and sums, its per-step adjoints) so that the diagnosis can recognise them in
 * someone else's gradient (in the model's notation):
 *   right:                 da_t = ds_t ⊙ f′(a_t), f′ from s_t      ds_{t−1} = Vᵀ dz_{t−1} + Wᵀ da_t
 *   W-not-transposed:      ds_{t−1} = Vᵀ dz_{t−1} + W da_t          (W where Wᵀ belongs)
 *   f′ at s_{t−1}:         da_t = ds_t ⊙ f′ computed from s_{t−1}   (the previous state where s_t belongs)
 *   f′ left out:           da_t = ds_t
 *   f′ on the output path: da_t = Vᵀ dz_t ⊙ f′(a_t) + Wᵀ da_{t+1}    (the recurrent part of ds_t not multiplied:
 *                          the student's delta_t = (Vᵀ dz_t) * f′ + Wᵀ delta_{t+1}; right is
 *                          da_t = (Vᵀ dz_t + Wᵀ da_{t+1}) ⊙ f′(a_t), since both paths reach a_t through s_t = f(a_t))
 *   softmax, no one-hot:   dz_t = scale · m_t ŷ_t                  (ŷ_t − onehot(y_t) without the subtraction)
 * The sums are the right ones: dW = Σ_t da_t s_{t−1}ᵀ, dU = Σ_t da_t x_tᵀ, db = Σ_t da_t, ∂L/∂s_{−1} = M da_0.
 * And one mistake of the sums alone (stateOffByOneDW): dW = Σ_t da_t s_tᵀ, from the right da_t.
 */
import { derivativeFromOutput } from '../bptt/activations.js';
import type { ForwardCache, StepAdjoints } from '../bptt/index.js';
import { addOutputSums, addStepSums, outputAdjoints } from '../bptt/recursion.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { lossScale, NO_TARGET } from '../model/loss.js';
import { transpose, zeros, type Matrix } from '../model/matrix.js';

export interface RecursionMistake {
  /** ds_{t−1} += W da_t instead of Wᵀ da_t */
  wNotTransposed?: boolean;
  /** f′ from s_{t−1} instead of s_t */
  fPrimeAtPrevious?: boolean;
  /** da_t = ds_t: f′ left out */
  withoutDerivative?: boolean;
  /** da_t = Vᵀ dz_t ⊙ f′(a_t) + Wᵀ da_{t+1}: f′ on the output path only */
  fPrimeOutputOnly?: boolean;
  /** dz_t = ŷ_t: the one-hot target not subtracted */
  withoutOneHot?: boolean;
}

export function mistakenGradients(c: Case, cache: ForwardCache, m: RecursionMistake): Gradients {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const W = c.params.W!;
  const V = c.params.V!;
  const VT = transpose(c.params.V!);
  const dU = zeros(H, I);
  const dW = zeros(H, H);
  const dV = zeros(K, H);
  const db = bias ? zeros(H, 1) : null;
  const dc = bias ? zeros(K, 1) : null;
  const dInitialState = zeros(B, H);
  const DZ = new Float64Array(T * K);
  const G = new Float64Array(T * H); // row t: Vᵀ dz_t
  const DA = new Float64Array(T * H);
  const ds = new Float64Array(H);
  const scale = lossScale(c);
  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H; //   s_{t−1} of row b at cache.s[base + t·H …]
    outputAdjoints(c, cache.p, cache.stepLoss, b, {}, VT, DZ, G);
    if (m.withoutOneHot)
      for (let t = 0; t < T; t++) {
        const y = c.targets[b * T + t]!;
        if (y === NO_TARGET) continue; //                                          no loss: dz_t = 0 either way
        DZ[t * K + y]! += scale; //                                                dz_t = scale · ŷ_t
        for (let i = 0; i < H; i++) G[t * H + i]! += scale * V.data[y * H + i]!; // Vᵀ dz_t = Vᵀ dz_t(right) + scale · V[y_t, :]
      }
    ds.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const sAt = base + (m.fPrimeAtPrevious ? t : t + 1) * H; //                  s_t, or the mistaken s_{t−1}
      const f = m.withoutDerivative ? 'linear' : activation; //                    linear: f′ = 1, da_t = ds_t
      for (let i = 0; i < H; i++) {
        const d = derivativeFromOutput(f, cache.s[sAt + i]!);
        const g = G[t * H + i]!; //                                                Vᵀ dz_t; ds holds Wᵀ da_{t+1}
        DA[t * H + i] = m.fPrimeOutputOnly ? g * d + ds[i]! : (g + ds[i]!) * d; // da_t = ds_t ⊙ f′, or the mistake
      }
      ds.fill(0);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < H; j++) {
          const w = m.wNotTransposed ? W.data[i * H + j]! : W.data[j * H + i]!; // (W or Wᵀ)[i, j]
          ds[i]! += w * DA[t * H + j]!; //                                          ds_{t−1} = (Wᵀ or W) da_t
        }
    }
    dInitialState.data.set(ds, b * H);
    addStepSums(c, b, { data: DA, stride: H, offset: 0 }, { data: cache.s, stride: H, offset: base }, dW, dU, db);
    addOutputSums(c, b, DZ, cache.s, dV, dc);
  }
  const tensors: Record<string, Matrix> = { U: dU, W: dW, V: dV };
  if (db && dc) Object.assign(tensors, { b: db, c: dc });
  if (c.initialState) tensors.initialState = dInitialState;
  return { loss: cache.loss, tensors };
}

/** dW accumulated with s_t in place of s_{t−1} (Σ_t da_t s_tᵀ), from the right per-step adjoints da_t. */
export function stateOffByOneDW(c: Case, cache: ForwardCache, steps: StepAdjoints): Float64Array {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const dW = new Float64Array(H * H);
  for (let r = 0; r < B; r++)
    for (let k = 0; k < T; k++) {
      const st = (r * (T + 1) + k + 1) * H; // s_k of row r
      for (let i = 0; i < H; i++) {
        const da = steps.da[(r * T + k) * H + i]!;
        for (let j = 0; j < H; j++) dW[i * H + j]! += da * cache.s[st + j]!;
      }
    }
  return dW;
}
