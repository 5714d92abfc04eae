/**
 * The vanishing report's charts (vega-lite specs, drawn by charts.ts), as figures for a paper: small multiples,
 * one panel per cell × activation with its own y range, the W settings in one colour each across every chart
 * (vanishing-charts-palette.ts), the median a solid line with a min–max band over the samples, the bound dashed in
 * the same colour; the decay factors, and the bound's factor against the measured decay
 * (vanishing-charts-factor.ts).
 */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { chartTitle, logAxis, MAX_CHART_WIDTH, SCHEMA, type ChartSpec } from './charts.js';
import {
  logTicks,
  panelName,
  panelsOf,
  seriesLabel,
  wColour,
  wKey,
  wPalette,
  type WPalette,
} from './vanishing-charts-palette.js';

export { panelName, panelsOf, seriesLabel };
import { decayChart, factorChart } from './vanishing-charts-factor.js';

/** The bound each vanishing chart draws, as its legend and caption name it. */
export const JACOBIAN_BOUND = '(σ_max(W)·γ)^lag';
export const ADJOINT_BOUND = '‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag';

/** The most samples any series summarises (seeds × batch rows). */
export const samplesOf = (series: Series[]) => Math.max(1, ...series.map((s) => s.samples));

export const X_LAG = 'lag T−1−k (steps back)';
const LEGEND_WIDTH = 400; // "bound ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag" and its symbol, as vega measures text (wider than drawn)
/** a column's room beside its plot: the y axis's labels ("1e−10"), the first column's axis title (every column is as wide), the spacing */
const AXIS_WIDTH = 96;

/**
 * The panels' layout: at most 3 a row, each as wide as fits MAX_CHART_WIDTH; one panel has its legends on the
 * right, several below them (so the panels get the whole width).
 */
export function panelLayout(n: number): { columns: number; width: number; height: number; legend: 'right' | 'bottom' } {
  const columns = Math.min(3, n);
  if (n === 1)
    return { columns, width: MAX_CHART_WIDTH - 24 - LEGEND_WIDTH - AXIS_WIDTH, height: 320, legend: 'right' };
  return {
    columns,
    width: Math.min(300, Math.floor((MAX_CHART_WIDTH - 24) / columns) - AXIS_WIDTH),
    height: 260,
    legend: 'bottom',
  };
}

/** What the chart draws of each series: the measured value per k, its min–max over the samples, and its bound. */
export interface NormPick {
  value: (s: Series) => (number | null)[];
  range: (s: Series) => { min: (number | null)[]; max: (number | null)[] };
  bound: (s: Series) => (number | null)[];
}

/** the colour legend's swatch: a short line (every layer names the same legend, or vega-lite drops it) */
const LINE_SWATCH = { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 };

const positive = (x: number | null | undefined): x is number =>
  x !== null && x !== undefined && x > 0 && Number.isFinite(x);

/**
 * Norm against lag on a log axis, one panel per cell × activation: per W setting a solid line (the median over
 * the samples), a band from min to max when there are several samples, and the bound of that same quantity
 * dashed in the same colour (where there is one: gated cells have none). The rows of data: `lag`, `value`,
 * `series` (seriesLabel), `w` (the colour key), `panel`, `quantity` ('measured' or `bound ${boundName}`), `line`
 * (the legend's name of the line), and on measured rows `lo`/`hi`.
 */
export function normChart(
  name: string,
  title: ReturnType<typeof chartTitle>,
  yTitle: string | string[],
  series: Series[],
  pick: NormPick,
  boundName: string,
  palette: WPalette = wPalette({ series }),
): ChartSpec {
  const samples = samplesOf(series);
  const measured = samples > 1 ? `measured: median over ${samples} samples` : 'measured';
  const bound = `bound ${boundName}`;
  const values: Record<string, unknown>[] = [];
  for (const s of series) {
    const T = s.bound.length;
    const base = { series: seriesLabel(s), w: wKey(s), panel: panelName(s) };
    const r = pick.range(s);
    pick.value(s).forEach((y, k) => {
      if (!positive(y)) return;
      const [lo, hi] = [r.min[k], r.max[k]];
      const range = positive(lo) && positive(hi) ? { lo, hi } : { lo: y, hi: y };
      values.push({ ...base, lag: T - 1 - k, value: y, quantity: 'measured', line: measured, ...range });
    });
    pick.bound(s).forEach((b, k) => {
      if (positive(b)) values.push({ ...base, lag: T - 1 - k, value: b, quantity: bound, line: bound });
    });
  }
  const panels = panelsOf(series).filter((p) => values.some((v) => v.panel === p && v.quantity === 'measured'));
  const bounded = new Set(values.filter((v) => v.quantity === bound).map((v) => v.panel));
  const { columns, width, height, legend } = panelLayout(panels.length);
  const lines = bounded.size ? [measured, bound] : [measured];
  const x = { field: 'lag', type: 'quantitative', axis: { format: 'd', tickMinStep: 1 } };
  const panel = (p: string, i: number) => {
    const lastRowStart = panels.length - 1 - ((panels.length - 1) % columns);
    // the panel's range is the measured one (median and band), widened for the bound by at most BOUND_ROOM decades
    // each way: a bound of 1e23 over medians near 1e0 would squash them into a band; the bound runs off the panel
    const mine = values.filter((v) => v.panel === p);
    const seen = mine
      .filter((v) => v.quantity === 'measured')
      .flatMap((v) => [v.value, v.lo, v.hi].filter((x): x is number => typeof x === 'number'));
    const [least, most] = [Math.min(...seen), Math.max(...seen)];
    const room = 10 ** BOUND_ROOM;
    const bounds = mine
      .filter((v) => v.quantity === bound)
      .map((v) => Math.min(most * room, Math.max(least / room, v.value as number)));
    const ticks = logTicks([...seen, ...bounds]);
    const y = {
      field: 'value',
      type: 'quantitative',
      scale: { type: 'log', domain: ticks.domain, nice: false },
      axis: logAxis({ values: ticks.values }),
      title: i === 0 ? yTitle : null, // one title per axis for the whole figure: every panel shows the same quantities
    };
    return {
      title: { text: bounded.has(p) ? p : `${p} (no bound)`, fontSize: 12 },
      width,
      height,
      transform: [{ filter: { field: 'panel', equal: p } }],
      layer: [
        ...(samples > 1
          ? [
              {
                mark: { type: 'area', fillOpacity: 0.2 },
                transform: [{ filter: { field: 'quantity', equal: 'measured' } }],
                encoding: {
                  x: { ...x, title: i === lastRowStart ? X_LAG : null }, // the same in both layers, or vega-lite drops it
                  y: { ...y, field: 'lo' },
                  y2: { field: 'hi' },
                  color: wColour(palette, LINE_SWATCH),
                },
              },
            ]
          : []),
        {
          mark: { type: 'line', strokeWidth: 1.8, clip: true },
          encoding: {
            x: { ...x, title: i === lastRowStart ? X_LAG : null },
            y,
            color: wColour(palette, LINE_SWATCH),
            strokeDash: {
              field: 'line',
              type: 'nominal',
              title: samples > 1 ? `line (band: min–max over ${samples} samples)` : 'line',
              scale: {
                domain: lines,
                range: [
                  [1, 0],
                  [6, 4],
                ].slice(0, lines.length),
              },
              legend: { labelLimit: LEGEND_WIDTH - 30, symbolType: 'stroke', symbolSize: 300, symbolStrokeWidth: 2 },
            },
            detail: { field: 'series' },
          },
        },
      ],
    };
  };
  return {
    name,
    spec: {
      $schema: SCHEMA,
      title,
      data: { values },
      columns,
      concat: panels.map(panel),
      resolve: { scale: { y: 'independent', x: 'shared' } },
      config: { legend: { orient: legend, direction: 'vertical', labelLimit: LEGEND_WIDTH - 30, titleLimit: 320 } },
    },
  };
}

/** How many decades beyond the measured values a panel's y range may reach to show more of the bound. */
export const BOUND_ROOM = 4;

/**
 * The four charts of a vanishing report, every one with the same colour per W setting. Each norm chart draws the
 * bound of what it shows:
 *   jacobian: ‖J_k‖ ≤ (σ_max(W)·γ)^lag,  J_k = ∂s_{T−1}/∂s_k = ∏_{j=k+1}^{T−1} diag(f′(a_j)) W
 *   adjoints: ‖∂L_{T−1}/∂s_k‖ = ‖J_kᵀ ∂L_{T−1}/∂s_{T−1}‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag   (Series.adjointBound)
 * factor (only with RNN series): γ·σ_max(W) against the fitted decay per step.
 */
export function vanishingCharts(v: VanishingResult): ChartSpec[] {
  const series = v.series;
  const palette = wPalette(v);
  const factor = factorChart(v, palette);
  return [
    normChart(
      'adjoints',
      chartTitle('How far back the last output’s gradient reaches: ‖∂L_{T−1}/∂s_k‖', v.caseId),
      ['‖∂L_{T−1}/∂s_k‖₂', '(log scale)'],
      series,
      { value: (s) => s.dLlast_ds, range: (s) => s.dLlast_dsRange, bound: (s) => s.adjointBound },
      ADJOINT_BOUND,
      palette,
    ),
    normChart(
      'jacobian',
      chartTitle('The Jacobian product and its bound: ‖∂s_{T−1}/∂s_k‖', v.caseId),
      ['‖∂s_{T−1}/∂s_k‖₂', '(ratio, log scale)'],
      series,
      { value: (s) => s.jacobianNorm, range: (s) => s.jacobianRange, bound: (s) => s.bound },
      JACOBIAN_BOUND,
      palette,
    ),
    decayChart(v, palette),
    ...(factor ? [factor] : []),
  ];
}
