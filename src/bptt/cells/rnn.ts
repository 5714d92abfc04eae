/**
 * The seed's RNN, float64 (DESIGN.md, "The model"): forward, its backward step, BPTT, the per-step
 * contribution and the Jacobian, side by side.
 *   a_t = U x_t + W s_{t−1} [+ b]      s_t = f(a_t)      s_{−1} = initial state or 0
 *   z_t = V s_t [+ c]                  ŷ_t = softmax(z_t)      L = Σ_b Σ_t −log ŷ_t[y_t]
 * Backward (BPTT), notation of the seed notes:
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
import type { Case } from '../../model/case.js';
import { transpose, zeros, type Matrix } from '../../model/matrix.js';
import { activate, backpropActivation } from '../activations.js';
import { addInputs, outputLayer, outputSizes, type OutputCache } from '../layers.js';
import { PLAIN, type Workspace } from '../../kernels/heap.js';
import { addABt, matTVecAdd, matVecAdd } from '../../kernels/kernels.js';
import type { BpttOptions } from '../options.js';
import {
  addOutputSums,
  addStepSums,
  outputAdjoints,
  recurse,
  type BackwardResult,
  type CellStep,
  type StepAdjoints,
} from '../recursion.js';
import { spectralNorm } from '../spectral.js';
import { contribution } from '../steps.js';
import type { CellImpl } from './index.js';

export interface ForwardCache extends OutputCache {
  /** states of row b: s_{t−1} at [(b·(T+1) + t)·H, …), so s_{−1} sits at t = 0 and s_t at t + 1 */
  s: Float64Array;
}

export function forward(c: Case, ws: Workspace = PLAIN): ForwardCache {
  const { batch: B, steps: T } = c;
  const { hiddenSize: H, activation, bias } = c.model;
  const { U, W, b: bh } = c.params;
  const s = ws.f64(B * (T + 1) * H);
  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    if (c.initialState) s.set(c.initialState.data.subarray(b * H, (b + 1) * H), base);
    // U x_t [+ b] does not depend on the recurrence: written for all steps first, where the a_t go
    if (bias) for (let t = 0; t < T; t++) s.set(bh!.data, base + (t + 1) * H); // a_t = b
    addInputs(c, b, U!, s, base + H); //                                          a_t += U x_t
    for (let t = 0; t < T; t++) {
      const prev = base + t * H; //       s_{t−1} at s[prev …]
      const cur = prev + H; //            a_t, then s_t, at s[cur …]: a_t is computed in place of s_t
      matVecAdd(W!, s, s, prev, cur); //  a_t += W s_{t−1}
      activate(activation, s, cur, cur + H); // s_t = f(a_t)
    }
  }
  return { s, ...outputLayer(c, s, ws) };
}

/** The backward step of batch row b (recursion.ts's CellStep): adds da_t into DA[t·H …]. */
export function rnnStep(c: Case, cache: ForwardCache, b: number, DA: Float64Array, ws: Workspace = PLAIN): CellStep {
  const { hiddenSize: H, activation } = c.model;
  const base = b * (c.steps + 1) * H;
  const da = ws.f64(H);
  return (t, ds) => {
    backpropActivation(activation, cache.s, ds, da, base + (t + 1) * H); // da_t = ds_t ⊙ f′(a_t), f′ from the saved s_t
    for (let i = 0; i < H; i++) DA[t * H + i]! += da[i]!;
    ds.fill(0);
    matTVecAdd(c.params.W!, da, ds); //                                ∂L/∂s_{t−1} = Wᵀ da_t
  };
}

export function backward(c: Case, cache: ForwardCache, opts: BpttOptions = {}, ws: Workspace = PLAIN): BackwardResult {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  const VT = ws.resident(transpose(c.params.V!)); // Vᵀ
  const dU = ws.matrix(H, I);
  const dW = ws.matrix(H, H);
  const dV = ws.matrix(K, H);
  const db = bias ? ws.matrix(H, 1) : null;
  const dc = bias ? ws.matrix(K, 1) : null;
  const dInitialState = ws.matrix(B, H);
  const DZ = ws.f64(T * K); // dz_t as row t
  const G = ws.f64(T * H); //  Vᵀ dz_t as row t
  const DA = ws.f64(T * H); // da_t at DA[t·H …]
  const steps: StepAdjoints | undefined = opts.keepSteps ? { ds: ws.f64(B * T * H), da: ws.f64(B * H * T) } : undefined;
  let loss = 0;

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    loss += outputAdjoints(c, cache.p, cache.stepLoss, b, opts, VT, DZ, G); // dz_t, and Vᵀ dz_t for every t
    DA.fill(0);
    const keep = steps ? (t: number, ds: Float64Array) => steps.ds.set(ds, (b * T + t) * H) : undefined;
    recurse(c, opts, G, rnnStep(c, cache, b, DA, ws), dInitialState.data.subarray(b * H, (b + 1) * H), keep, ws);
    if (steps) steps.da.set(DA, b * T * H);

    addStepSums(c, b, { data: DA, stride: H, offset: 0 }, { data: cache.s, stride: H, offset: base }, dW, dU, db); // dW += Σ_t da_t s_{t−1}ᵀ, dU += Σ_t da_t x_tᵀ, db += Σ_t da_t
    addOutputSums(c, b, DZ, cache.s, dV, dc); //                          dV += Σ_t dz_t s_tᵀ, dc += Σ_t dz_t
  }
  const tensors: Record<string, Matrix> = { U: dU, W: dW, V: dV };
  if (db && dc) Object.assign(tensors, { b: db, c: dc });
  if (c.initialState) tensors.initialState = dInitialState;
  return { loss: opts.outputStep === undefined ? cache.loss : loss, tensors, ...(steps ? { steps } : {}) };
}

/**
 * The seed's ∂s_t/∂s_k = ∏_{j=k+1}^{t} ∂s_j/∂s_{j−1} with ∂s_j/∂s_{j−1} = diag(f′(a_j)) W, for t = T−1:
 *   J_{T−1} = I,   J_k = J_{k+1} · diag(f′(a_{k+1})) W,
 * and its spectral norm at every k, for one batch row.
 */
export function jacobianNorms(c: Case, cache: ForwardCache, row = 0): number[] {
  const T = c.steps;
  const H = c.model.hiddenSize;
  const W = c.params.W!;
  const ones = new Float64Array(H).fill(1);
  const fPrime = new Float64Array(H);
  let J: Matrix = zeros(H, H);
  for (let i = 0; i < H; i++) J.data[i * H + i] = 1; // J_{T−1} = I
  const norms = new Array<number>(T);
  norms[T - 1] = 1;
  const MT = zeros(H, H); // (diag(f′) W)ᵀ, whose rows are the columns of diag(f′) W
  for (let k = T - 2; k >= 0; k--) {
    const s = cache.s.subarray((row * (T + 1) + k + 2) * H, (row * (T + 1) + k + 3) * H); // s_{k+1}
    backpropActivation(c.model.activation, s, ones, fPrime); // f′(a_{k+1}) from the saved s_{k+1}
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) MT.data[j * H + i] = fPrime[i]! * W.data[i * H + j]!;
    const next = zeros(H, H);
    addABt(next, { data: J.data, stride: H, offset: 0 }, { data: MT.data, stride: H, offset: 0 }, H); // J_{k+1} · diag(f′) W
    J = next;
    norms[k] = spectralNorm(J);
  }
  return norms;
}

/** What forward allocates: s, then the output layer's ŷ and L_t. */
export function forwardSizes(c: Case): number[] {
  const { batch: B, steps: T } = c;
  return [B * (T + 1) * c.model.hiddenSize, ...outputSizes(c)];
}

/** What backward allocates, in its order. */
function backwardSizes(c: Case, opts: BpttOptions): number[] {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  return [
    ...[K * H, H * I, H * H, K * H, ...(bias ? [H, K] : []), B * H, T * K, T * H, T * H], // Vᵀ, dU, dW, dV, db, dc, ∂L/∂s₋₁, DZ, G, DA
    ...(opts.keepSteps ? [B * T * H, B * T * H] : []),
    ...Array.from({ length: B }, () => [H, H, H]).flat(), // each row: its step's da_t, the recursion's ds and dcarry
  ];
}

export const rnn: CellImpl = {
  forward,
  backward,
  forwardSizes,
  backwardSizes,
  stepContribution: (c, cache, steps, k) => contribution(c, cache, steps, k, 1), // dW_k = Σ_b da_k s_{k−1}ᵀ, …
  jacobianNorms,
};
