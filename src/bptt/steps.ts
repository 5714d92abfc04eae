/**
 * The seed's sum over k, term by term: the contribution of step k to each recurrent gradient,
 *   dW_k = Σ_b da_k s_{k−1}ᵀ    dU_k = Σ_b da_k x_kᵀ    db_k = Σ_b da_k
 * (so that dW = Σ_k dW_k), from the per-step adjoints a backward pass kept (keepSteps).
 */
import type { Case } from '../model/case.js';
import type { StepAdjoints } from './backward.js';
import type { ForwardCache } from './forward.js';

export interface StepContribution {
  W: Float64Array;
  U: Float64Array;
  b?: Float64Array;
}

export function stepContribution(c: Case, cache: ForwardCache, steps: StepAdjoints, k: number): StepContribution {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const W = new Float64Array(H * H);
  const U = new Float64Array(H * I);
  const b = bias ? new Float64Array(H) : undefined;
  for (let r = 0; r < B; r++) {
    const sPrev = (r * (T + 1) + k) * H; // s_{k−1} of row r
    for (let i = 0; i < H; i++) {
      const da = steps.da[r * H * T + i * T + k]!;
      for (let j = 0; j < H; j++) W[i * H + j]! += da * cache.s[sPrev + j]!; //   dW_k += da_k s_{k−1}ᵀ
      if (c.tokens) U[i * I + c.tokens[r * T + k]!]! += da; //                  dU_k += da_k x_kᵀ (one-hot)
      else for (let j = 0; j < I; j++) U[i * I + j]! += da * c.vectors![(r * T + k) * I + j]!;
      if (b) b[i]! += da; //                                                     db_k += da_k
    }
  }
  return { W, U, ...(b ? { b } : {}) };
}

/** dW accumulated with s_t in place of s_{t−1} (Σ_t da_t s_tᵀ): a known mistake, to recognise it. */
export function stateOffByOneDW(c: Case, cache: ForwardCache, steps: StepAdjoints): Float64Array {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const dW = new Float64Array(H * H);
  for (let r = 0; r < B; r++)
    for (let k = 0; k < T; k++) {
      const st = (r * (T + 1) + k + 1) * H; // s_k of row r
      for (let i = 0; i < H; i++) {
        const da = steps.da[r * H * T + i * T + k]!;
        for (let j = 0; j < H; j++) dW[i * H + j]! += da * cache.s[st + j]!;
      }
    }
  return dW;
}
