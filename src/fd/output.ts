/**
 * The output layer's part of the loss difference, the same for every cell: from s⁺_t and δs_t (Δ = θ⁺ − θ⁻),
 *   δz_t = V⁻ δs_t + Δ(V s⁺_t + c)
 *   L⁺_t − L⁻_t = [lse(z⁺) − lse(z⁻)] − δz_t[y] = −log1p(Σ_k ŷ⁺_k expm1(−δz_k) / Σ_k ŷ⁺_k) − δz_t[y]
 *                 (for max_k |δz_k| > 1, as in exploding cases: the two log-sum-exps, each shifted by its max)
 *   0 where the target is null (m_t = 0: no loss at that step); the caller scales the sum (the reduction, loss.ts)
 */
import type { Workspace } from '../kernels/heap.js';
import { matVecAdd } from '../kernels/kernels.js';
import type { Case } from '../model/case.js';
import { NO_TARGET } from '../model/loss.js';
import { deltaTimes, type Delta } from './difference.js';

/** Buffers for stepLossDifference, one set per loss difference. */
export function outputScratch(c: Case, ws: Workspace) {
  const K = c.model.outputSize;
  return { z: ws.f64(K), dz: ws.f64(K), zc: ws.f64(K) };
}

/**
 * L⁺_t − L⁻_t of batch row b from s⁺_t and δs_t: z⁺ = V⁻ s⁺ + c⁻ + Δ(V s⁺ + c), δz = V⁻ δs + Δ(V s⁺ + c),
 * then −log1p(Σ_k ŷ⁺_k expm1(−δz_k) / Σ_k ŷ⁺_k) − δz[y]; 0 for a null target (no loss at that step).
 */
export function stepLossDifference(
  c: Case,
  d: Delta,
  b: number,
  t: number,
  s: Float64Array,
  ds: Float64Array,
  out: ReturnType<typeof outputScratch>,
): number {
  const y = c.targets[b * c.steps + t]!;
  if (y === NO_TARGET) return 0; //                      m_t = 0: L⁺_t − L⁻_t = 0
  const { hiddenSize: H, outputSize: K, bias } = c.model;
  const V = c.params.V!;
  const { z, dz, zc } = out;
  zc.fill(0);
  if (d.tensor === 'V') deltaTimes(d, H, s, zc);
  else if (d.tensor === 'c') for (const k of d.nonzero) zc[k]! += d.data[k]!;
  if (bias) z.set(c.params.c!.data);
  else z.fill(0);
  matVecAdd(V, s, z);
  dz.fill(0);
  matVecAdd(V, ds, dz);
  let max = -Infinity;
  let dzMax = 0;
  for (let k = 0; k < K; k++) {
    z[k]! += zc[k]!;
    dz[k]! += zc[k]!;
    if (z[k]! > max) max = z[k]!;
    dzMax = Math.max(dzMax, Math.abs(dz[k]!));
  }
  // Where the logits are huge (an exploding case), δz is not small: e^{−δz} overflows and ŷ⁺_k underflows, and
  // ŷ⁺_k·expm1(−δz_k) is 0·∞ = NaN. There each log-sum-exp is shifted by its own largest logit, z⁺_j and
  // z⁻_i, and the shifts' difference is taken without subtracting two logits of size |z|:
  //   lse(z⁺) − lse(z⁻) = (z⁺_j − z⁺_i) + δz_i + log1p(Σ_{k≠j} e^{z⁺_k − z⁺_j}) − log1p(Σ_{k≠i} e^{z⁻_k − z⁻_i})
  if (dzMax > 1) return shiftedLseDifference(z, dz) - dz[y]!; // L⁺_t − L⁻_t
  let num = 0;
  let den = 0;
  for (let k = 0; k < K; k++) {
    const w = Math.exp(z[k]! - max); //     ∝ ŷ⁺_k
    num += w * Math.expm1(-dz[k]!);
    den += w;
  }
  return -Math.log1p(num / den) - dz[y]!; // L⁺_t − L⁻_t
}

/** lse(z⁺) − lse(z⁻) with z⁻ = z⁺ − δz, each shifted by its largest logit (z⁺_j, z⁻_i): exact in the shift when i = j. */
function shiftedLseDifference(z: Float64Array, dz: Float64Array): number {
  let j = 0;
  let i = 0;
  for (let k = 1; k < z.length; k++) {
    if (z[k]! > z[j]!) j = k;
    if (z[k]! - dz[k]! > z[i]! - dz[i]!) i = k;
  }
  let plus = 0; //  Σ_{k≠j} e^{z⁺_k − z⁺_j}
  let minus = 0; // Σ_{k≠i} e^{z⁻_k − z⁻_i},  z⁻_k − z⁻_i = (z⁺_k − z⁺_i) − (δz_k − δz_i)
  for (let k = 0; k < z.length; k++) {
    if (k !== j) plus += Math.exp(z[k]! - z[j]!);
    if (k !== i) minus += Math.exp(z[k]! - z[i]! - (dz[k]! - dz[i]!));
  }
  return z[j]! - z[i]! + dz[i]! + Math.log1p(plus) - Math.log1p(minus);
}
