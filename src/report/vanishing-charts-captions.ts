/** The captions of the vanishing report's charts (report.html): what each shows, over how many samples, and what it leaves out. */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { ADJOINT_BOUND, JACOBIAN_BOUND, samplesOf } from './vanishing-charts.js';
import { panelName } from './vanishing-charts-palette.js';
import { plural } from './vanishing-text.js';

/** the gated cells of the result by name: "LSTM, GRU", or '' */
const gatedOf = (v: VanishingResult) =>
  [...new Set(v.series.filter((s) => s.cell !== 'rnn').map((s) => s.cell.toUpperCase()))].join(', ');

/** "median over 6 samples (3 seeds × 2 batch rows), band min–max" or "one sample (seed 1, batch row 0), no band". */
export function samplesText(v: VanishingResult): string {
  const n = samplesOf(v.series);
  return n > 1
    ? `the solid line is the median over ${n} samples (${plural(v.seeds.length, 'seed')} × ${plural(v.batch, 'batch row')}), the band from their min to max`
    : `one sample (seed ${v.seeds.join(', ')}, batch row 0), so no band`;
}

/** "lags 0–39 (40 points) for 10 series; lags 0–12 (13 points) for rnn · sigmoid, ‖W‖₂ = 0.5" */
export function fitText(series: Series[]): string {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    if (!s.fit) continue;
    const key = `lags ${s.fit.fromLag}–${s.fit.toLag} (${s.fit.points} points)`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
  return sorted
    .map(([key, ss], i) =>
      i === 0 && sorted.length > 1
        ? `${key} for ${ss.length} series`
        : i === 0
          ? `${key} for every series`
          : `${key} for ${ss.map((s) => `${panelName(s)}, ${s.wSource === 'case' ? 'case W' : `‖W‖₂ = ${s.wNorm}`}`).join('; ')}`,
    )
    .join('; ');
}

export function vanishingCaptions(v: VanishingResult): Record<string, string> {
  const samples = samplesText(v);
  const gatedCells = gatedOf(v);
  const gated = gatedCells ? ` Gated cells (${gatedCells}) have no such bound: their panels show no dashed line.` : '';
  const panels = 'One panel per cell · activation, each with its own y range; one colour per W scale in every chart.';
  return {
    adjoints: `‖∂L_{T−1}/∂s_k‖₂ against lag: ${samples}; dashed: its bound ${ADJOINT_BOUND}, in the same colour (∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1} and ‖J_k‖ ≤ (σ_max(W)·γ)^lag). Bounds more than 1e4 beyond the measured norms run off their panel, so that the medians are not squashed into a band. ${panels}${gated}`,
    jacobian: `‖∂s_{T−1}/∂s_k‖₂ (spectral norm of the Jacobian product J_k) against lag: ${samples}; dashed: its bound ${JACOBIAN_BOUND}, in the same colour, the sufficient condition of Pascanu et al. (2013). Bounds more than 1e4 beyond the measured norms run off their panel. ${panels}${gated}`,
    decay: `The factor per step back fitted to the median ‖∂L_{T−1}/∂s_k‖ (least squares of its log against lag, on ${fitText(v.series)}): below 1 (the dashed line) the gradient vanishes, above 1 it explodes. A number of steps derived from it beyond T − 1 = ${v.T - 1} is an extrapolation.`,
    factor: `Each point an RNN series: the bound’s factor per step γ·σ_max(W) against the measured (fitted) decay per step, colour by W scale, shape and size by activation (hollow, so that points at the same place both show). The bound says ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(γ·σ_max(W))^lag, with equality at lag 0, so the points lie on or below the line y = x (a fitted factor above it would need the early lags far below the bound and the late ones at it); the further below, the looser the bound.${gatedCells ? ` Gated cells (${gatedCells}) have no such factor and are left out.` : ''}`,
  };
}
