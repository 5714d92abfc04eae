/**
 * The seed's ∂s_t/∂s_k = ∏_{j=k+1}^{t} ∂s_j/∂s_{j−1} with ∂s_j/∂s_{j−1} = diag(f′(a_j)) W, for t = T−1:
 *   J_{T−1} = I,   J_k = J_{k+1} · diag(f′(a_{k+1})) W,
 * and its spectral norm at every k, for one batch row.
 */
import type { Case } from '../model/case.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { backpropActivation } from './activations.js';
import type { ForwardCache } from './forward.js';
import { addABt } from './kernels.js';
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
