/**
 * The spectral norm σ_max(M) = ‖M‖₂ by power iteration on MᵀM: v ← Mᵀ(M v)/‖Mᵀ(M v)‖ until σ settles.
 * Deterministic start (so reports are reproducible): v_j = 1 + j/n, normalized.
 */
import type { Matrix } from '../model/matrix.js';
import { matTVecAdd, matVecAdd } from './kernels.js';

export function spectralNorm(M: Matrix, maxIterations = 1000, tolerance = 1e-13): number {
  const { rows, cols } = M;
  if (rows === 0 || cols === 0) return 0;
  let v = Float64Array.from({ length: cols }, (_, j) => 1 + j / cols);
  let sigma = 0;
  const Mv = new Float64Array(rows);
  for (let it = 0; it < maxIterations; it++) {
    const norm = Math.hypot(...v);
    if (norm === 0 || !Number.isFinite(norm)) return norm === 0 ? 0 : Infinity;
    v = v.map((x) => x / norm);
    Mv.fill(0);
    matVecAdd(M, v, Mv); //                 M v
    const next = new Float64Array(cols);
    matTVecAdd(M, Mv, next); //             Mᵀ M v
    const s = Math.sqrt(Mv.reduce((acc, x) => acc + x * x, 0)); // ‖M v‖ → σ_max as v → top right singular vector
    if (Math.abs(s - sigma) <= tolerance * s) return s;
    sigma = s;
    v = next;
  }
  return sigma;
}
