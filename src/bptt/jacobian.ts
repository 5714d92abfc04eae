/**
 * The seed's ∂s_t/∂s_k = ∏_{j=k+1}^{t} ∂s_j/∂s_{j−1} with ∂s_j/∂s_{j−1} = diag(f′(a_j)) W, for t = T−1:
 *   J_{T−1} = I,   J_k = J_{k+1} · diag(f′(a_{k+1})) W,
 * and its spectral norm at every k, for one batch row.
 * Gated cells carry more than s (the LSTM's c), so their J_k = ∂s_{T−1}/∂s_k (through s_k alone, c_k held)
 * is not a product of H×H factors. Row i of every J_k is instead the adjoint of s_k for the "loss" e_iᵀ s_{T−1}:
 * one backward pass of the cell's own step (gated.ts) per i, H passes for all k.
 */
import type { Case } from '../model/case.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { GATES } from '../model/spec.js';
import { gatedCellStep, type GatedCache } from './gated.js';
import { recurse } from './recursion.js';
import { addABt } from '../kernels/kernels.js';
import { spectralNorm } from './spectral.js';

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

export function gatedJacobianNorms(c: Case, cache: GatedCache, row = 0): number[] {
  const T = c.steps;
  const H = c.model.hiddenSize;
  const J = Array.from({ length: T }, () => zeros(H, H)); // J_k[i][j] = ∂s_{T−1}[i]/∂s_k[j]
  const DA = new Float64Array(T * GATES[c.model.cell as 'lstm' | 'gru'].length * H); // the step's da_*, not needed here
  const step = gatedCellStep(c, cache, row, DA);
  const seed = new Float64Array(T * H); // row t: the direct ∂(e_iᵀ s_{T−1})/∂s_t, e_i at t = T−1 only
  for (let i = 0; i < H; i++) {
    seed.fill(0);
    seed[(T - 1) * H + i] = 1;
    recurse(c, {}, seed, step, new Float64Array(H), (k, ds) => J[k]!.data.set(ds, i * H)); // ds_k = row i of J_k
  }
  return J.map((m) => spectralNorm(m));
}
