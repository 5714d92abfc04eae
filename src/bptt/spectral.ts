/**
 * The spectral norm σ_max(M) = ‖M‖₂ by power iteration: u = M v / ‖M v‖, v ← Mᵀ u / ‖Mᵀ u‖, until
 * σ = ‖M v‖ settles. Normalizing M v before Mᵀ keeps every vector near σ in size (not σ²), so the norms
 * of exploded (1e200) and vanished (1e-200) Jacobians come out finite and non-zero.
 * Deterministic start (so reports are reproducible): v_j = 1 + j/n, normalized.
 */
import type { Matrix } from '../model/matrix.js';
import { matTVecAdd, matVecAdd } from '../kernels/kernels.js';

export function spectralNorm(M: Matrix, maxIterations = 1000, tolerance = 1e-13): number {
  const { rows, cols } = M;
  if (rows === 0 || cols === 0) return 0;
  const v = Float64Array.from({ length: cols }, (_, j) => 1 + j / cols);
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 0; it < maxIterations; it++) {
    const n = norm2(v);
    if (n === 0 || !Number.isFinite(n)) return n === 0 ? 0 : Infinity;
    divide(v, n); //                        v ← v / ‖v‖
    u.fill(0);
    matVecAdd(M, v, u); //                  M v
    const s = norm2(u); //                  ‖M v‖ → σ_max as v → the top right singular vector
    if (Math.abs(s - sigma) <= tolerance * s) return s;
    sigma = s;
    if (s === 0 || !Number.isFinite(s)) return s === 0 ? 0 : Infinity;
    divide(u, s); //                        u = M v / ‖M v‖
    v.fill(0);
    matTVecAdd(M, u, v); //                 Mᵀ u
  }
  return sigma;
}

function divide(x: Float64Array, n: number): void {
  for (let i = 0; i < x.length; i++) x[i]! /= n;
}

/** ‖x‖₂, scaled by max |x_i| so that neither huge nor tiny entries overflow or underflow when squared (as Math.hypot). */
function norm2(x: Float64Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]!));
  if (max === 0 || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const y = x[i]! / max;
    sum += y * y;
  }
  return max * Math.sqrt(sum);
}
