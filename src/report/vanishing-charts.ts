/** The vanishing report's charts (vega-lite specs, drawn by charts.ts): the norms against lag with their bounds, and the decay factors. */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { SCHEMA, type ChartSpec } from './charts.js';
import { wText } from './vanishing-answers.js';

/** "tanh, ‖W‖₂ = 2 (exploding)"; without the mark where one label (one colour) stands for a setting in several cells' panels. */
export function seriesLabel(
  s: Pick<Series, 'activation' | 'wNorm' | 'wSource' | 'exploding'>,
  markExploding = true,
): string {
  return `${s.activation}, ${wText(s)}${markExploding && s.exploding ? ' (exploding)' : ''}`;
}

/** The bound each vanishing chart draws, as its legend and caption name it. */
export const JACOBIAN_BOUND = '(σ_max(W)·γ)^lag';
export const ADJOINT_BOUND = '‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag';

const CELL_ORDER = ['rnn', 'lstm', 'gru'];
const cellsOf = (series: Series[]) => new Set(series.map((s) => s.cell));

/**
 * Norm against lag on a log axis: one solid line per series, dashed the bound of that same quantity
 * (pickBound, named boundName; where there is one). Several cells are drawn side by side, one panel per
 * cell, a setting in the same colour in each.
 */
export function normChart(
  name: string,
  title: string,
  yTitle: string,
  series: Series[],
  pick: (s: Series) => (number | null)[],
  pickBound: (s: Series) => (number | null)[],
  boundName: string,
): ChartSpec {
  const values: Record<string, unknown>[] = [];
  const panels = cellsOf(series.filter((s) => pick(s).some((y) => y !== null))).size > 1;
  for (const s of series) {
    const T = s.bound.length;
    const label = seriesLabel(s, !panels);
    pick(s).forEach((y, k) => {
      if (y !== null && y > 0)
        values.push({ lag: T - 1 - k, value: y, series: label, cell: s.cell, quantity: 'measured' });
    });
    pickBound(s).forEach((b, k) => {
      if (b !== null && b > 0 && Number.isFinite(b))
        values.push({ lag: T - 1 - k, value: b, series: label, cell: s.cell, quantity: `bound ${boundName}` });
    });
  }
  return {
    name,
    spec: {
      $schema: SCHEMA,
      title,
      width: panels ? 300 : 560,
      height: 320,
      data: { values },
      mark: { type: 'line', point: false },
      encoding: {
        ...(panels ? { column: { field: 'cell', type: 'nominal', title: 'cell', sort: CELL_ORDER } } : {}),
        x: {
          field: 'lag',
          type: 'quantitative',
          title: 'lag T−1−k (steps back from the last output)',
          axis: { format: 'd', tickMinStep: 1 },
        },
        y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: yTitle },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'activation, W scale',
          scale: { scheme: 'category20' },
          legend: { labelLimit: 300 },
        },
        strokeDash: {
          field: 'quantity',
          type: 'nominal',
          title: 'line',
          sort: ['measured'],
          legend: { labelLimit: 400 },
        },
        detail: { field: 'quantity' },
      },
    },
  };
}

export function decayChart(series: Series[]): ChartSpec {
  const several = cellsOf(series).size > 1;
  const values = series
    .filter((s) => s.decay !== null)
    .map((s) => ({
      series: `${several ? `${s.cell}: ` : ''}${seriesLabel(s)}`,
      decay: s.decay,
      activation: s.activation,
      cell: s.cell,
    }));
  return {
    name: 'decay',
    spec: {
      $schema: SCHEMA,
      title: 'Fitted per-step factor of ‖∂L_{T−1}/∂s_k‖ (below 1 vanishes, above 1 explodes)',
      width: 560,
      height: { step: 18 },
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 90 },
          encoding: {
            y: {
              field: 'series',
              type: 'nominal',
              title: several ? 'cell: activation, W scale' : 'activation, W scale',
              sort: null,
              axis: { labelLimit: 300 },
            },
            x: {
              field: 'decay',
              type: 'quantitative',
              title: 'factor per step (ratio, log scale)',
              scale: { type: 'log' },
            },
            color: several
              ? { field: 'cell', type: 'nominal', title: 'cell', sort: CELL_ORDER }
              : { field: 'activation', type: 'nominal', title: 'activation' },
          },
        },
        { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { datum: 1 } } },
      ],
    },
  };
}

/**
 * The three charts of a vanishing report. Each norm chart draws the bound of what it shows:
 *   jacobian: ‖J_k‖ ≤ (σ_max(W)·γ)^lag,  J_k = ∂s_{T−1}/∂s_k = ∏_{j=k+1}^{T−1} diag(f′(a_j)) W
 *   adjoints: ‖∂L_{T−1}/∂s_k‖ = ‖J_kᵀ ∂L_{T−1}/∂s_{T−1}‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag   (Series.adjointBound)
 */
export function vanishingCharts(v: VanishingResult): ChartSpec[] {
  const series = v.series;
  return [
    normChart(
      'adjoints',
      'How far back the last output’s gradient reaches: ‖∂L_{T−1}/∂s_k‖',
      '‖∂L_{T−1}/∂s_k‖₂ (log scale)',
      series,
      (s) => s.dLlast_ds,
      (s) => s.adjointBound,
      ADJOINT_BOUND,
    ),
    normChart(
      'jacobian',
      'The Jacobian product and its bound: ‖∂s_{T−1}/∂s_k‖',
      '‖∂s_{T−1}/∂s_k‖₂ (spectral norm, log scale)',
      series,
      (s) => s.jacobianNorm,
      (s) => s.bound,
      JACOBIAN_BOUND,
    ),
    decayChart(series),
  ];
}
