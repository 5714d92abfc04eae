/**
 * Charts as vega-lite specs, rendered at report time to SVG (vega, no browser) and to PNG (resvg).
 * Every chart has a title, axis titles with units and a legend. vega and resvg are loaded only when a
 * chart is drawn, so commands that draw none start faster.
 */
import type { StepsResult } from '../check/steps.js';
import type { Series } from '../vanishing/analyse.js';
import { wText } from './vanishing-answers.js';

export interface ChartSpec {
  /** file-name stem of the PNG */
  name: string;
  spec: Record<string, unknown>;
}

export interface RenderedChart {
  name: string;
  svg: string;
  png: Uint8Array;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export async function renderChart(c: ChartSpec): Promise<RenderedChart> {
  const [vega, vl, { Resvg }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  const view = new vega.View(vega.parse(vl.compile(c.spec as never).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true },
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
  })
    .render()
    .asPng();
  return { name: c.name, svg, png };
}

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

/** The entry [i, j] of the stacked W by its own name: W[i, j], or for gated cells W_f[i − H, j] (the gate's block). */
export function entryName(tensor: string, rows: number, i: number, j: number): string {
  const names = tensor.split('; ');
  const per = rows / names.length;
  const g = Math.min(names.length - 1, Math.floor(i / per));
  return `${names[g]}[${i - g * per}, ${j}]`;
}

/** The indices a cell covers, in W's own indices: "14" (block 1) or "14–15" (block 2). */
const indexRange = (p: number, block: number, n: number) =>
  block === 1 ? String(p) : `${p * block}–${Math.min(n, (p + 1) * block) - 1}`;

/**
 * |hand − reference| for W (gated cells: the gates' W_* one above the other) as a heatmap, in math layout (row i,
 * column j). A large W is drawn in block×block cells, each the largest |a − r| inside it; the axes then name each
 * cell by the range of W's indices it covers (rows 0–1, 2–3, …), and the tooltip names the entry that holds the max.
 */
export function heatmapChart(h: {
  tensor: string;
  a: string;
  r: string;
  rows: number;
  cols: number;
  block?: number;
  values: number[];
  size?: [number, number];
  at?: [number, number][];
}): ChartSpec {
  const what = h.tensor.includes(';') ? `[${h.tensor}]` : h.tensor; // W, or [W_i; W_f; W_g; W_o]
  const block = h.block ?? 1;
  const [n, m] = h.size ?? [h.rows * block, h.cols * block];
  const rowLabels = Array.from({ length: h.rows }, (_, p) => indexRange(p, block, n));
  const colLabels = Array.from({ length: h.cols }, (_, q) => indexRange(q, block, m));
  const values = h.values.map((v, k) => {
    const [p, q] = [Math.floor(k / h.cols), k % h.cols];
    const [i, j] = h.at?.[k] ?? [p * block, q * block];
    const entry = entryName(h.tensor, n, i, j);
    const cell =
      block > 1
        ? `rows ${rowLabels[p]}, columns ${colLabels[q]}: max |a − r| ${v.toExponential(2)} at ${entry}`
        : `${entry}: |a − r| ${v.toExponential(2)}`;
    return { rows: rowLabels[p], cols: colLabels[q], err: v, entry, cell };
  });
  const blocks = block > 1;
  const errTitle = blocks ? `max |a − r| in the ${block}×${block} block` : '|a − r|';
  return {
    name: 'heatmap-W',
    spec: {
      $schema: SCHEMA,
      title: blocks
        ? `|${h.a} − ${h.r}| for d${what}: the largest in each block of ${block}×${block} entries`
        : `|${h.a} − ${h.r}| for d${what}, element by element`,
      width: Math.min(480, 12 * h.cols),
      height: Math.min(480, 12 * h.rows),
      data: { values },
      mark: 'rect',
      encoding: {
        x: {
          field: 'cols',
          type: 'ordinal',
          sort: colLabels,
          title: blocks
            ? `columns j of ${what}, ${block} per block (${colLabels.slice(0, 2).join(', ')}, …)`
            : `column j of ${what} (index)`,
          axis: { labelOverlap: true },
        },
        y: {
          field: 'rows',
          type: 'ordinal',
          sort: rowLabels,
          title: blocks
            ? `rows i of ${what}, ${block} per block (${rowLabels.slice(0, 2).join(', ')}, …)`
            : `row i of ${what} (index)`,
          axis: { labelOverlap: true },
        },
        color: {
          field: 'err',
          type: 'quantitative',
          title: errTitle,
          scale: { scheme: 'viridis' },
          legend: { format: '.1e', titleLimit: 300 },
        },
        // the static SVG's aria-label of each cell (the tooltip needs a live view)
        description: { field: 'cell', type: 'nominal' },
        tooltip: [
          { field: 'rows', type: 'ordinal', title: blocks ? 'rows i' : 'row i' },
          { field: 'cols', type: 'ordinal', title: blocks ? 'columns j' : 'column j' },
          { field: 'err', type: 'quantitative', title: errTitle, format: '.3e' },
          { field: 'entry', type: 'nominal', title: blocks ? 'the entry with the max' : 'entry' },
        ],
      },
    },
  };
}

/** Error against time step, from the per-step detail. */
export function stepsChart(s: StepsResult): ChartSpec {
  const values: Record<string, unknown>[] = [];
  for (const r of s.rows) {
    for (const [q, v] of [
      ['∂L/∂s_k', r.adjoint],
      ['dW_k', r.W],
      ['dU_k', r.U],
      ['db_k', r.b],
    ] as const)
      if (v && v.relErrNorm > 0 && Number.isFinite(v.relErrNorm))
        values.push({ step: r.step, err: v.relErrNorm, quantity: q });
  }
  return {
    name: 'steps',
    spec: {
      $schema: SCHEMA,
      title: 'Relative error of each step’s term, hand vs reference',
      width: 560,
      height: 280,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'time step k', axis: { format: 'd', tickMinStep: 1 } },
        y: {
          field: 'err',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'relErrNorm ‖a − r‖ / max(‖a‖, ‖r‖) (ratio, log scale)',
        },
        color: { field: 'quantity', type: 'nominal', title: 'term' },
      },
    },
  };
}

/**
 * The three charts of a vanishing report. Each norm chart draws the bound of what it shows:
 *   jacobian: ‖J_k‖ ≤ (σ_max(W)·γ)^lag,  J_k = ∂s_{T−1}/∂s_k = ∏_{j=k+1}^{T−1} diag(f′(a_j)) W
 *   adjoints: ‖∂L_{T−1}/∂s_k‖ = ‖J_kᵀ ∂L_{T−1}/∂s_{T−1}‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag   (Series.adjointBound)
 */
export function vanishingCharts(series: Series[]): ChartSpec[] {
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
