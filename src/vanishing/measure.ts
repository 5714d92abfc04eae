/**
 * One seed's case of a series, measured row by row: every batch row is a sample (samples.ts), with its own
 * adjoints, Jacobian norms, overflow, check against tf.grad and bounds; and the full gradient's clipping.
 */
import {
  clipGradients,
  globalNorm,
  handBackward,
  handForward,
  jacobianNorms,
  type ForwardCache,
  type GatedCache,
} from '../bptt/index.js';
import { spectralNorm } from '../bptt/spectral.js';
import { referenceSteps } from '../../reference/steps.js';
import type { Case } from '../model/case.js';
import type { Tolerance } from '../check/metrics.js';
import { clipSummary, compareLags, type ClipSummary } from './lags.js';
import { checkBounds } from './fit.js';
import type { Sample } from './samples.js';

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** max |x| over the float64 forward values every lag's adjoint depends on: the states s_t of all rows and steps, the LSTM's c_t. */
function forwardMax(cache: ForwardCache | GatedCache): number {
  let m = 0;
  for (const x of cache.s) m = Math.max(m, Math.abs(x)); // a NaN (Inf − Inf) makes m NaN: read as beyond float64
  if ('c' in cache) for (const x of cache.c) m = Math.max(m, Math.abs(x));
  return m;
}

export interface Draw {
  /** σ_max(W) of the RNN's W (NaN for a gated cell) */
  sigma: number;
  /** bound[k] = (σ_max(W)·γ)^{T−1−k} for the RNN, null for a gated cell */
  bound: (number | null)[];
  samples: Sample[];
  clip: ClipSummary;
}

/**
 * The series' case v of one seed (variant or gatedVariant of that seed's case), every batch row b a sample:
 * ‖∂L_{T−1}/∂s_k‖ of row b, ‖∂s_{T−1}/∂s_k‖ of row b, the row's adjoints against tf.grad's, and both bounds
 * with the row's own ‖∂L_{T−1}/∂s_{T−1}‖.
 */
export async function measureDraw(
  v: Case,
  seed: number,
  gamma: number,
  clipNorm: number,
  tol: Tolerance,
): Promise<Draw> {
  const { steps: T, batch: B } = v;
  const H = v.model.hiddenSize;
  const rnn = v.model.cell === 'rnn';
  const cache = handForward(v); //                     one forward pass for the adjoints, the Jacobian and the clipping
  const hand = handBackward(v, cache, { keepSteps: true, outputStep: T - 1 }).steps!.ds; // row b at [(b·T + k)·H, …)
  const ref = (await referenceSteps(v, T - 1)).ds; //                                       the same layout
  const sigma = rnn ? spectralNorm(v.params.W!) : NaN;
  const bound = Array.from({ length: T }, (_, k) => (rnn ? (sigma * gamma) ** (T - 1 - k) : null));
  const fmax = forwardMax(cache);
  const samples: Sample[] = [];
  for (let row = 0; row < B; row++) {
    const h = hand.subarray(row * T * H, (row + 1) * T * H);
    const norms = Array.from({ length: T }, (_, k) => Math.hypot(...h.subarray(k * H, (k + 1) * H)));
    const jac = jacobianNorms(v, cache, row);
    // overflow: keep the sample up to its first non-finite value (counting from lag 0)
    let overflowAtLag: number | null = null;
    for (let lag = 0; lag < T; lag++) {
      const k = T - 1 - lag;
      if (!Number.isFinite(norms[k]!) || !Number.isFinite(jac[k]!)) {
        overflowAtLag = lag;
        break;
      }
    }
    const cut = (xs: number[]) =>
      xs.map((x, k) => (overflowAtLag !== null && T - 1 - k >= overflowAtLag ? null : finiteOrNull(x)));
    const dLlast_ds = cut(norms);
    const jacobianNorm = cut(jac);
    // ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^{T−1−k}, with this row's own ‖∂L_{T−1}/∂s_{T−1}‖
    const g0 = dLlast_ds[T - 1] ?? null;
    const adjointBound = bound.map((b) => (b === null || g0 === null ? null : finiteOrNull(g0 * b)));
    // the hand adjoints against tf.grad with respect to the states, lag by lag, where float32 can hold them
    const r = ref.subarray(row * T * H, (row + 1) * T * H);
    const { check: adjointCheck, status: lagStatus } = compareLags(h, r, dLlast_ds, H, fmax, tol);
    const boundCheck = checkBounds(dLlast_ds, jacobianNorm, bound, adjointBound);
    samples.push({ seed, row, dLlast_ds, jacobianNorm, overflowAtLag, adjointCheck, lagStatus, boundCheck });
  }
  const g = handBackward(v, cache);
  const clipped = clipGradients(g, { norm: clipNorm });
  return { sigma, bound, samples, clip: clipSummary(clipNorm, globalNorm(g), clipped.clip!.normAfter) };
}
