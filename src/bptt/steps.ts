/**
 * The seed's sum over k, term by term: the contribution of step k to each recurrent gradient,
 *   dW_k = Σ_b da_k v_kᵀ    dU_k = Σ_b da_k x_kᵀ    db_k = Σ_b da_k
 * (so that dW = Σ_k dW_k), from the per-step adjoints a backward pass kept (keepSteps), with v_k what W
 * multiplies: s_{k−1}. For gated cells the gates' blocks follow one another in gate order (dW_{i,k},
 * dW_{f,k}, …), each with what that gate's W_* multiplies (s_{k−1}; r_k ⊙ s_{k−1} for the GRU's h̃: `reset`).
 * The GRU with the reset after: W_h multiplies s_{k−1} and its adjoint is r_k ⊙ da_{h,k}, so
 * dW_{h,k} = Σ_b (r_k ⊙ da_{h,k}) s_{k−1}ᵀ, while dU_{h,k} and db_{h,k} take da_{h,k} itself (b_Wh's term is not part of b).
 */
import type { Case } from '../model/case.js';
import type { StepAdjoints } from './recursion.js';

export interface StepContribution {
  W: Float64Array;
  U: Float64Array;
  b?: Float64Array;
}

/**
 * Gate `gate`'s W multiplies (gate `by`) ⊙ s_{t−1} instead of s_{t−1}: the GRU's h̃, W_h (r ⊙ s_{t−1}); with
 * `after`, (gate `by`) multiplies W s_{t−1} instead: r ⊙ (W_h s_{t−1} + b_Wh), so W's adjoint is r ⊙ da.
 */
export interface Reset {
  gate: number;
  by: number;
  after?: boolean;
}

/** Step k's contribution for a cell of G gates (1: the RNN), gate outputs in `gates` (layout of GatedCache). */
export function contribution(
  c: Case,
  cache: { s: Float64Array; gates?: Float64Array },
  steps: StepAdjoints,
  k: number,
  G: number,
  reset?: Reset,
): StepContribution {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const W = new Float64Array(G * H * H);
  const U = new Float64Array(G * H * I);
  const b = bias ? new Float64Array(G * H) : undefined;
  const v = new Float64Array(H);
  for (let r = 0; r < B; r++) {
    const sPrev = (r * (T + 1) + k) * H; // s_{k−1} of row r
    for (let q = 0; q < G; q++) {
      // what W_* multiplies: s_{k−1}, or r_k ⊙ s_{k−1} for the GRU's h̃ (reset before)
      const by = reset && q === reset.gate ? ((r * T + k) * G + reset.by) * H : -1;
      const before = by >= 0 && !reset?.after;
      for (let j = 0; j < H; j++) v[j] = cache.s[sPrev + j]! * (before ? cache.gates![by + j]! : 1);
      for (let i = 0; i < H; i++) {
        const row = q * H + i; //                                                 row i of gate q's block
        const da = steps.da[((r * T + k) * G + q) * H + i]!;
        const daW = by >= 0 && reset?.after ? cache.gates![by + i]! * da : da; // reset after: W_h's adjoint r_k ⊙ da_{h,k}
        for (let j = 0; j < H; j++) W[row * H + j]! += daW * v[j]!; //            dW_k += da_k v_kᵀ
        if (c.tokens)
          U[row * I + c.tokens[r * T + k]!]! += da; //                 dU_k += da_k x_kᵀ (one-hot)
        else for (let j = 0; j < I; j++) U[row * I + j]! += da * c.vectors![(r * T + k) * I + j]!;
        if (b) b[row]! += da; //                                                   db_k += da_k
      }
    }
  }
  return { W, U, ...(b ? { b } : {}) };
}
