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
 * Variants (options.ts): detachEvery cuts the Wᵀ da_{t+1} term at chunk starts; truncate replaces the
 * recursion by per-output windows (truncated.ts); outputStep keeps dz_t of one output only.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { transpose, zeros, type Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { addABt, matVecAdd, transposeInto, type Rows } from './kernels.js';
import { outputIncluded, type BpttOptions } from './options.js';
import { windowedAdjoints } from './truncated.js';

/** What --steps-detail needs: ∂L/∂s_t and ∂L/∂a_t of every row and step. */
export interface StepAdjoints {
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  ds: Float64Array;
  /** ∂L/∂a_t of row b, element i at [b·H·T + i·T + t] */
  da: Float64Array;
}

export interface BackwardResult extends Gradients {
  steps?: StepAdjoints;
}

export function backward(c: Case, cache: ForwardCache, opts: BpttOptions = {}): BackwardResult {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const WT = transpose(c.params.W!); // Wᵀ, so that Wᵀ da_t is a row-blocked product
  const VT = transpose(c.params.V!); // Vᵀ
  const dU = zeros(H, I);
  const dW = zeros(H, H);
  const dV = zeros(K, H);
  const db = zeros(H, 1);
  const dc = zeros(K, 1);
  const dInitialState = zeros(B, H);
  const ds = new Float64Array(H);
  const da = new Float64Array(H);
  const dsNext = new Float64Array(H); // Wᵀ da_{t+1}: what s_t receives from the future
  const DZ = new Float64Array(T * K); // dz_t as row t
  const G = zeros(T, H); //              Vᵀ dz_t as row t
  const DA: Rows = { data: new Float64Array(H * T), stride: T, offset: 0 }; // da_t[i] at i·T + t
  const daRows = new Float64Array(T * H); //                                    da_t as row t (written step by step)
  const DZT = new Float64Array(K * T);
  const sRows = new Float64Array(H * (T + 1));
  const xRows = c.vectors ? new Float64Array(I * T) : null;
  const steps: StepAdjoints | undefined = opts.keepSteps ? { ds: new Float64Array(B * T * H), da: new Float64Array(B * H * T) } : undefined;
  let loss = 0;

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    DZ.set(cache.p.subarray(b * T * K, (b + 1) * T * K));
    for (let t = 0; t < T; t++) {
      if (!outputIncluded(opts, t)) {
        DZ.fill(0, t * K, (t + 1) * K); //                     L_t is not part of the loss
        continue;
      }
      loss += cache.stepLoss[b * T + t]!;
      DZ[t * K + c.targets[b * T + t]!]! -= 1; //               dz_t = ŷ_t − onehot(y_t)
    }
    G.data.fill(0);
    addABt(G, { data: DZ, stride: K, offset: 0 }, { data: VT.data, stride: K, offset: 0 }, K); // row t: Vᵀ dz_t

    if (opts.truncate !== undefined) {
      dsNext.fill(0);
      windowedAdjoints(c, cache, b, opts.truncate, WT, G, DA.data, dsNext);
    } else {
      dsNext.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const st = cache.s.subarray(base + (t + 1) * H, base + (t + 2) * H);
        for (let i = 0; i < H; i++) ds[i] = G.data[t * H + i]! + dsNext[i]!; // ds_t = Vᵀ dz_t + Wᵀ da_{t+1}
        backpropActivation(opts.withoutActivationDerivative ? 'linear' : activation, st, ds, da); // da_t = ds_t ⊙ f′(a_t)
        daRows.set(da, t * H);
        if (steps) steps.ds.set(ds, (b * T + t) * H);
        dsNext.fill(0);
        const detached = opts.detachEvery !== undefined && t > 0 && t % opts.detachEvery === 0;
        if (!detached) matVecAdd(WT, da, dsNext); //            Wᵀ da_t, the future part of ds_{t−1} (none past a detach)
      }
      transposeInto(daRows, 0, T, H, DA.data); //               da_t as rows over t, for the sums over t
    }
    dInitialState.data.set(dsNext, b * H); //                   ∂L/∂s_{−1} = Wᵀ da_0
    if (steps) steps.da.set(DA.data, b * H * T);

    // s_{t−1} for t = 0 … T (s_{−1} first) as rows over t: element i of s_{t−1} at i·(T+1) + t
    const S = transposeInto(cache.s, b * (T + 1), T + 1, H, sRows);
    const dZ = transposeInto(DZ, 0, T, K, DZT);
    addABt(dW, DA, S, T); //                                    dW += Σ_t da_t s_{t−1}ᵀ
    addABt(dV, dZ, { ...S, offset: 1 }, T); //                  dV += Σ_t dz_t s_tᵀ
    if (xRows) addABt(dU, DA, transposeInto(c.vectors!, b * T, T, I, xRows), T); // dU += Σ_t da_t x_tᵀ
    else
      for (let t = 0; t < T; t++) {
        const x = c.tokens![b * T + t]!; //                      dU += da_t x_tᵀ: da_t into column x_t (x_t one-hot)
        for (let i = 0; i < H; i++) dU.data[i * I + x]! += DA.data[i * T + t]!;
      }
    if (bias) {
      for (let i = 0; i < H; i++) for (let t = 0; t < T; t++) db.data[i]! += DA.data[i * T + t]!; // db += Σ_t da_t
      for (let k = 0; k < K; k++) for (let t = 0; t < T; t++) dc.data[k]! += DZT[k * T + t]!; //    dc += Σ_t dz_t
    }
  }
  const tensors: Record<string, Matrix> = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(tensors, { b: db, c: dc });
  if (c.initialState) tensors.initialState = dInitialState;
  return { loss: opts.outputStep === undefined ? cache.loss : loss, tensors, ...(steps ? { steps } : {}) };
}
