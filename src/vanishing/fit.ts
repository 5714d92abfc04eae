/** A series' numbers from its values: the fitted decay per step and the bounds checked lag by lag (analyse.ts). */
import type { Series } from './analyse.js';

/** Least-squares slope of log y against lag, over the finite positive values; and the lags it was fitted on. */
export function fitDecay(values: (number | null)[], T: number): { decay: number | null; fit: Series['fit'] } {
  const pts: [number, number][] = [];
  values.forEach((y, k) => {
    if (y !== null && y > 0 && Number.isFinite(y)) pts.push([T - 1 - k, Math.log(y)]);
  });
  if (pts.length < 2) return { decay: null, fit: null };
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const sxy = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const lags = pts.map((p) => p[0]);
  return {
    decay: Math.exp(sxy / sxx),
    fit: { fromLag: Math.min(...lags), toLag: Math.max(...lags), points: pts.length },
  };
}

/** jacobianNorm ≤ bound and dLlast_ds ≤ adjointBound at every lag (to 1e-9 for rounding), the first violation with its numbers. */
export function checkBounds(
  dLlast_ds: (number | null)[],
  jacobianNorm: (number | null)[],
  bound: (number | null)[],
  adjointBound: (number | null)[],
): Series['boundCheck'] {
  const T = bound.length;
  for (let lag = 0; lag < T; lag++) {
    const k = T - 1 - lag;
    const [j, b, y, yb] = [jacobianNorm[k], bound[k], dLlast_ds[k], adjointBound[k]];
    if (j != null && b != null && j > b * (1 + 1e-9))
      return {
        pass: false,
        firstViolationLag: lag,
        failure: `‖∂s_{T−1}/∂s_k‖ = ${j.toPrecision(4)} > (σ_max(W)·γ)^lag = ${b.toPrecision(4)} at lag ${lag}`,
      };
    if (y != null && yb != null && y > yb * (1 + 1e-9))
      return {
        pass: false,
        firstViolationLag: lag,
        failure: `‖∂L_{T−1}/∂s_k‖ = ${y.toPrecision(4)} > ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag = ${yb.toPrecision(4)} at lag ${lag}`,
      };
  }
  return { pass: true, firstViolationLag: null, failure: null };
}
