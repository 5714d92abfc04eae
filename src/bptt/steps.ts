/**
 * The seed's sum over k, term by term: the contribution of step k to each recurrent gradient,
 *   dW_k = Σ_b da_k s_{k−1}ᵀ    dU_k = Σ_b da_k x_kᵀ    db_k = Σ_b da_k
 * (so that dW = Σ_k dW_k), from the per-step adjoints a backward pass kept (keepSteps). For gated cells
 * the gates' blocks follow one another in gate order (dW_{i,k}, dW_{f,k}, …), each with what that gate's
 * W_* multiplies (s_{k−1}; r_k ⊙ s_{k−1} for the GRU's h̃).
 */
import type { Case } from '../model/case.js';
import type { StepAdjoints } from './backward.js';
import { GATES } from '../model/spec.js';

export interface StepContribution {
  W: Float64Array;
  U: Float64Array;
  b?: Float64Array;
}

export function stepContribution(
  c: Case,
  cache: { s: Float64Array; gates?: Float64Array },
  steps: StepAdjoints,
  k: number,
): StepContribution {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const gates: readonly string[] = c.model.cell === 'rnn' ? [''] : GATES[c.model.cell];
  const G = gates.length;
  const W = new Float64Array(G * H * H);
  const U = new Float64Array(G * H * I);
  const b = bias ? new Float64Array(G * H) : undefined;
  const v = new Float64Array(H);
  for (let r = 0; r < B; r++) {
    const sPrev = (r * (T + 1) + k) * H; // s_{k−1} of row r
    gates.forEach((gate, q) => {
      // what W_* multiplies: s_{k−1}, or r_k ⊙ s_{k−1} for the GRU's h̃
      for (let j = 0; j < H; j++)
        v[j] = cache.s[sPrev + j]! * (gate === 'h' ? cache.gates![((r * T + k) * G + 1) * H + j]! : 1);
      for (let i = 0; i < H; i++) {
        const row = q * H + i; //                                                 row i of gate q's block
        const da = steps.da[((r * T + k) * G + q) * H + i]!;
        for (let j = 0; j < H; j++) W[row * H + j]! += da * v[j]!; //             dW_k += da_k v_kᵀ
        if (c.tokens)
          U[row * I + c.tokens[r * T + k]!]! += da; //                 dU_k += da_k x_kᵀ (one-hot)
        else for (let j = 0; j < I; j++) U[row * I + j]! += da * c.vectors![(r * T + k) * I + j]!;
        if (b) b[row]! += da; //                                                   db_k += da_k
      }
    });
  }
  return { W, U, ...(b ? { b } : {}) };
}
