/**
 * What the BPTT of every cell (RNN, LSTM, GRU) shares: the output layer's adjoints, the recursion over
 * steps with its variants (options.ts), and the sums over t that turn per-step adjoints into parameter
 * gradients. A cell only supplies its step: how ∂L/∂s_t becomes its pre-activation adjoints and ∂L/∂s_{t−1}.
 *
 * Layouts, for one batch row: Vᵀ dz_t is row t of G (T×H); a cell's pre-activation adjoints da_t are one
 * vector per step (kernels.ts's Steps): element i at DA[t·H + i] (gated cells: every gate's, gate after
 * gate, DA[(t·G + k)·H + i]).
 */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { lossScale, NO_TARGET } from '../model/loss.js';
import { PLAIN, type Workspace } from '../kernels/heap.js';
import { addABt, addOuterSum, type Steps } from '../kernels/kernels.js';
import { outputIncluded, type BpttOptions } from './options.js';
import { spectralNorm } from './spectral.js';

/** What the per-step check needs (keepSteps): ∂L/∂s_t and ∂L/∂a_t of every row and step. */
export interface StepAdjoints {
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  ds: Float64Array;
  /** ∂L/∂a_t of row b, element i at [(b·T + t)·H + i] (gated cells: gate k's at [((b·T + t)·G + k)·H + i]) */
  da: Float64Array;
}

export interface BackwardResult extends Gradients {
  steps?: StepAdjoints;
}

/**
 * One step of a cell, backwards. On entry ds = ∂L/∂s_t (everything s_t feeds: its output and step t+1) and
 * dcarry = the adjoint of the cell's carried state from step t+1 (the LSTM's ∂L/∂c_t through c_{t+1}; zero
 * and unused for RNN and GRU). The step adds its pre-activation adjoints da_t into its DA and leaves
 * ∂L/∂s_{t−1} (from step t) in ds and ∂L/∂c_{t−1} (from step t) in dcarry.
 */
export type CellStep = (t: number, ds: Float64Array, dcarry: Float64Array) => void;

/**
 * The recursion for one batch row, from G (row t = Vᵀ dz_t):
 *   full BPTT      ds_t = Vᵀ dz_t + ∂L/∂s_t from step t+1, for t = T−1 … 0
 *   detachEvery k  the same, but what step ck (c ≥ 1) returns is dropped: s_{ck−1} (and c_{ck−1}) enter step
 *                  ck as constants
 *   truncate k     each output t on its own: ds = Vᵀ dz_t, dcarry = 0, then steps t, t−1, …, max(0, t−k)
 * Adds ∂L/∂s_{−1} (what step 0 returns; under truncation, summed over the windows that reach step 0) into
 * ds0. keep(t, ds_t), when given, sees every full ∂L/∂s_t (full BPTT and detachEvery only).
 */
export function recurse(
  c: Case,
  opts: BpttOptions,
  G: Float64Array,
  step: CellStep,
  ds0: Float64Array,
  keep?: (t: number, ds: Float64Array) => void,
  ws: Workspace = PLAIN,
): void {
  const T = c.steps;
  const H = c.model.hiddenSize;
  const ds = ws.f64(H);
  const dcarry = ws.f64(H);
  if (opts.truncate === undefined) {
    for (let t = T - 1; t >= 0; t--) {
      for (let i = 0; i < H; i++) ds[i]! += G[t * H + i]!; //   ds_t = Vᵀ dz_t + (from step t+1)
      keep?.(t, ds);
      step(t, ds, dcarry); //                                   ds, dcarry ← ∂L/∂s_{t−1}, ∂L/∂c_{t−1} from step t
      if (opts.detachEvery !== undefined && t > 0 && t % opts.detachEvery === 0) {
        ds.fill(0); //                                          s_{t−1} entered step t detached
        dcarry.fill(0);
      }
    }
    for (let i = 0; i < H; i++) ds0[i]! += ds[i]!;
    return;
  }
  const k = opts.truncate;
  for (let t = 0; t < T; t++) {
    if (!outputIncluded(opts, t)) continue;
    ds.set(G.subarray(t * H, (t + 1) * H)); //                  ∂L_t/∂s_t = Vᵀ dz_t
    dcarry.fill(0);
    for (let j = t; j >= Math.max(0, t - k); j--) step(j, ds, dcarry); // ∂L_t/∂s_{j−1}
    if (t - k <= 0) for (let i = 0; i < H; i++) ds0[i]! += ds[i]!; // the window reached s_{−1}
  }
}

/**
 * The output layer's adjoints for batch row b: row t of DZ = dz_t = scale · m_t (ŷ_t − onehot(y_t)) (zero for
 * an output left out of the loss or a null target, m_t = 0; scale: the reduction, loss.ts), row t of G = Vᵀ dz_t
 * (G = DZ V, all steps in one product). Returns Σ of the L_t kept.
 */
export function outputAdjoints(
  c: Case,
  p: Float64Array,
  stepLoss: Float64Array,
  b: number,
  opts: BpttOptions,
  VT: Matrix,
  DZ: Float64Array,
  G: Float64Array,
): number {
  const T = c.steps;
  const { hiddenSize: H, outputSize: K } = c.model;
  const scale = lossScale(c);
  let loss = 0;
  DZ.set(p.subarray(b * T * K, (b + 1) * T * K));
  for (let t = 0; t < T; t++) {
    const y = c.targets[b * T + t]!;
    if (!outputIncluded(opts, t) || y === NO_TARGET) {
      DZ.fill(0, t * K, (t + 1) * K); //                          L_t is not part of the loss (m_t = 0): dz_t = 0
      continue;
    }
    loss += stepLoss[b * T + t]!;
    DZ[t * K + y]! -= 1; //                                      ŷ_t − onehot(y_t)
    if (scale !== 1) for (let k = t * K; k < (t + 1) * K; k++) DZ[k]! *= scale; // dz_t = scale · (ŷ_t − onehot(y_t))
  }
  G.fill(0);
  addABt({ rows: T, cols: H, data: G }, { data: DZ, stride: K, offset: 0 }, { data: VT.data, stride: K, offset: 0 }, K); // row t: Vᵀ dz_t
  return loss;
}

/** dV += Σ_t dz_t s_tᵀ   dc += Σ_t dz_t   (batch row b; DZ row t = dz_t, s the cache's states) */
export function addOutputSums(
  c: Case,
  b: number,
  DZ: Float64Array,
  s: Float64Array,
  dV: Matrix,
  dc: Matrix | null,
): void {
  const T = c.steps;
  const { hiddenSize: H, outputSize: K } = c.model;
  addOuterSum(dV, { data: DZ, stride: K, offset: 0 }, { data: s, stride: H, offset: (b * (T + 1) + 1) * H }, T);
  if (dc) for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) dc.data[k]! += DZ[t * K + k]!;
}

/**
 * For batch row b's pre-activation adjoints da_t (DA) and the vectors v_t they multiply (V: s_{t−1} for the
 * RNN and most gates):
 *   dW += Σ_t da_t v_tᵀ    dU += Σ_t da_t x_tᵀ    db += Σ_t da_t
 */
export function addStepSums(c: Case, b: number, DA: Steps, V: Steps, dW: Matrix, dU: Matrix, db: Matrix | null): void {
  const T = c.steps;
  const { inputSize: I, hiddenSize: H } = c.model;
  const da = (t: number) => DA.offset + t * DA.stride; //                     da_t at DA.data[da(t) …]
  addOuterSum(dW, DA, V, T); //                                               dW += Σ_t da_t v_tᵀ
  if (c.vectors)
    addOuterSum(dU, DA, { data: c.vectors, stride: I, offset: b * T * I }, T); // dU += Σ_t da_t x_tᵀ
  else
    for (let t = 0; t < T; t++) {
      const x = c.tokens![b * T + t]!; //                                     x_t one-hot: da_t into column x_t
      for (let i = 0; i < H; i++) dU.data[i * I + x]! += DA.data[da(t) + i]!;
    }
  if (db) for (let t = 0; t < T; t++) for (let i = 0; i < H; i++) db.data[i]! += DA.data[da(t) + i]!; // db += Σ_t da_t
}

/**
 * ‖∂s_{T−1}/∂s_k‖₂ at every k, for one batch row, from the cell's backward step (for row `row`): row i of
 * every J_k = ∂s_{T−1}/∂s_k is the adjoint of s_k for the "loss" e_iᵀ s_{T−1}, one backward pass per i, H
 * passes for all k. Through s_k alone: a carried state (the LSTM's c_k) is held.
 */
export function stepJacobianNorms(c: Case, step: CellStep): number[] {
  const T = c.steps;
  const H = c.model.hiddenSize;
  const J = Array.from({ length: T }, () => zeros(H, H)); // J_k[i][j] = ∂s_{T−1}[i]/∂s_k[j]
  const seed = new Float64Array(T * H); // row t: the direct ∂(e_iᵀ s_{T−1})/∂s_t, e_i at t = T−1 only
  for (let i = 0; i < H; i++) {
    seed.fill(0);
    seed[(T - 1) * H + i] = 1;
    recurse(c, {}, seed, step, new Float64Array(H), (k, ds) => J[k]!.data.set(ds, i * H)); // ds_k = row i of J_k
  }
  return J.map((m) => spectralNorm(m));
}
