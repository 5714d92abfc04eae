/**
 * Backward pass (BPTT) of the seed's model, from the forward cache. Notation of the seed notes:
 *   dz_t = ŷ_t − onehot(y_t)                       (∂L_t/∂z_t for softmax + cross-entropy)
 *   ds_t = Vᵀ dz_t + Wᵀ da_{t+1}                   (∂L/∂s_t: this step's output and the future)
 *   da_t = ds_t ⊙ f′(a_t)                          (f′ from the saved s_t)
 *   dV = Σ_t dz_t s_tᵀ   dc = Σ_t dz_t   dU = Σ_t da_t x_tᵀ   dW = Σ_t da_t s_{t−1}ᵀ   db = Σ_t da_t
 *   ∂L/∂s_{−1} = Wᵀ da_0
 * Only the recursion ds_t → da_t → Wᵀ da_t runs step by step. What does not depend on it is taken for
 * all steps at once, the same sums accumulated in a faster order: Vᵀ dz_t for every t before it, and
 * the sums over t (dV, dW, dU) after it, over the saved dz_t and da_t.
 * Summed over the batch: every row runs its own recurrence and adds into the same buffers.
 * The recursion and its variants (detachEvery, truncate: options.ts) are recursion.ts's, shared with the
 * gated cells; this file supplies the RNN's step. outputStep keeps dz_t of one output only.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { transpose, type Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { f64, matrix, resident } from '../kernels/heap.js';
import { matTVecAdd } from '../kernels/kernels.js';
import type { BpttOptions } from './options.js';
import { addOutputSums, addStepSums, outputAdjoints, recurse, type CellStep } from './recursion.js';

/** What --steps-detail needs: ∂L/∂s_t and ∂L/∂a_t of every row and step. */
export interface StepAdjoints {
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  ds: Float64Array;
  /** ∂L/∂a_t of row b, element i at [(b·T + t)·H + i] (gated cells: gate k's at [((b·T + t)·G + k)·H + i]) */
  da: Float64Array;
}

export interface BackwardResult extends Gradients {
  steps?: StepAdjoints;
}

export function backward(c: Case, cache: ForwardCache, opts: BpttOptions = {}): BackwardResult {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const VT = resident(transpose(c.params.V!)); // Vᵀ
  const dU = matrix(H, I);
  const dW = matrix(H, H);
  const dV = matrix(K, H);
  const db = bias ? matrix(H, 1) : null;
  const dc = bias ? matrix(K, 1) : null;
  const dInitialState = matrix(B, H);
  const da = f64(H);
  const DZ = f64(T * K); // dz_t as row t
  const G = f64(T * H); //  Vᵀ dz_t as row t
  const DA = f64(T * H); // da_t at DA[t·H …]
  const steps: StepAdjoints | undefined = opts.keepSteps ? { ds: f64(B * T * H), da: f64(B * H * T) } : undefined;
  let loss = 0;

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    loss += outputAdjoints(c, cache.p, cache.stepLoss, b, opts, VT, DZ, G); // dz_t, and Vᵀ dz_t for every t
    DA.fill(0);
    const step: CellStep = (t, ds) => {
      backpropActivation(activation, cache.s, ds, da, base + (t + 1) * H); // da_t = ds_t ⊙ f′(a_t), f′ from the saved s_t
      for (let i = 0; i < H; i++) DA[t * H + i]! += da[i]!;
      ds.fill(0);
      matTVecAdd(c.params.W!, da, ds); //                                ∂L/∂s_{t−1} = Wᵀ da_t
    };
    const keep = steps ? (t: number, ds: Float64Array) => steps.ds.set(ds, (b * T + t) * H) : undefined;
    recurse(c, opts, G, step, dInitialState.data.subarray(b * H, (b + 1) * H), keep);
    if (steps) steps.da.set(DA, b * T * H);

    addStepSums(c, b, { data: DA, stride: H, offset: 0 }, { data: cache.s, stride: H, offset: base }, dW, dU, db); // dW += Σ_t da_t s_{t−1}ᵀ, dU += Σ_t da_t x_tᵀ, db += Σ_t da_t
    addOutputSums(c, b, DZ, cache.s, dV, dc); //                          dV += Σ_t dz_t s_tᵀ, dc += Σ_t dz_t
  }
  const tensors: Record<string, Matrix> = { U: dU, W: dW, V: dV };
  if (db && dc) Object.assign(tensors, { b: db, c: dc });
  if (c.initialState) tensors.initialState = dInitialState;
  return { loss: opts.outputStep === undefined ? cache.loss : loss, tensors, ...(steps ? { steps } : {}) };
}
