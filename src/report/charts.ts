/**
 * Charts as vega-lite specs, rendered at report time to SVG (vega, no browser) and to PNG (resvg).
 * Every chart has a title, axis titles with units and a legend. vega and resvg are loaded only when a
 * chart is drawn, so commands that draw none start faster.
 */
import { createRequire } from 'node:module';
import type { StepsJson } from './json-types.js';

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

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * The charts' one font: DejaVu Sans, from the project's own dependency dejavu-fonts-ttf, so a PNG looks the
 * same on every machine (resvg loads only these files, never the system's fonts) and has every glyph the
 * charts use (‖ ∂ σ γ ∏ − ₂ …). The SVG in report.html names it first, then the browser's sans-serif.
 */
export const CHART_FONT = 'DejaVu Sans';
const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((f) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${f}`),
);

/** The widest a chart may be, legend included, in CSS pixels: report.html's content column (1,100 px less padding). */
export const MAX_CHART_WIDTH = 1040;

/**
 * The one number format of every log axis: powers of ten as 1e−10, 1e0, 1e20 (U+2212 minus, no "+", no
 * thousands separators, no 0.00001), the ticks between them unlabelled. Use as `axis: logAxis()` (with extra axis
 * properties as `logAxis({ grid: false })`) on every `scale: { type: 'log' }` channel, and `LOG_FORMAT` in legends.
 */
export const LOG_LABEL =
  "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? '1e' + replace(format(round(log(datum.value) / LN10), 'd'), '-', '−') : ''";
export const logAxis = (extra: Record<string, unknown> = {}) => ({
  labelExpr: LOG_LABEL,
  labelOverlap: true,
  ...extra,
});

/** The config every chart is drawn with: the font, and room for long legend labels and titles. */
const CONFIG = {
  font: `${CHART_FONT}, sans-serif`,
  title: { fontSize: 14, anchor: 'start', limit: MAX_CHART_WIDTH - 20 },
  legend: { labelLimit: 320, titleLimit: 320 },
};

export async function renderChart(c: ChartSpec): Promise<RenderedChart> {
  const [vega, vl, { Resvg }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  const spec = { ...c.spec, config: { ...CONFIG, ...(c.spec.config as object | undefined) } };
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: FONT_FILES,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
  })
    .render()
    .asPng();
  return { name: c.name, svg, png };
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
export function stepsChart(s: StepsJson): ChartSpec {
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
