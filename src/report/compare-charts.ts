/**
 * The compare report's charts (one case): |a − r| of dW as a heatmap, the error of each step's term (the
 * per-step check), and a failing subject's error per step (subject-charts.ts). Every one names its case in
 * its title, has axis titles with units and a legend, and draws its log axes in the one format (logAxis).
 */
import { chartTitle, entryName, LOG_LABEL, logAxis, SCHEMA, type ChartSpec } from './charts.js';
import type { CaseConfigJson, HeatmapJson, StepsJson, ToleranceJson } from './json-types.js';

/** What a compare chart knows of its case: its id (in the title), its sizes and the tolerance it was held to. */
export interface ChartCase {
  id: string;
  config: CaseConfigJson;
  tolerance: ToleranceJson;
}

/** The y channel of a relErrNorm chart (field err): a log axis in the one format, over `domain` when given. */
export const relErrAxis = (domain?: number[]) => ({
  field: 'err',
  type: 'quantitative',
  scale: { type: 'log', ...(domain ? { domain } : {}) },
  title: 'relErrNorm (ratio, log scale)',
  axis: logAxis(),
});

/** The gates stacked in the gated cells' W_*, U_*, b_*: 1 for the RNN. */
export const gatesOf = (cell: string): number => ({ lstm: 4, gru: 3 })[cell] ?? 1;

/**
 * The relErrNorm every passing comparison of n entries stays under: each entry has |a − r| ≤ atol·S + rtol·|r|
 * with S = max(‖a‖∞, ‖r‖∞) ≤ max(‖a‖, ‖r‖), so ‖a − r‖ ≤ √n·atol·S + rtol·‖r‖ ≤ (√n·atol + rtol)·max(‖a‖, ‖r‖).
 * Above it a comparison fails; below it, it may still fail at one entry.
 */
export const passBound = (tol: ToleranceJson, n: number): number => Math.sqrt(n) * tol.atol + tol.rtol;

/** The legend label of a passBound rule. */
export const BOUND_LABEL = 'pass bound √n·atol + rtol, n entries';

/** [10^⌊log₁₀ lo⌋, 10^⌈log₁₀ hi⌉]: a log domain that starts and ends at a labelled power of ten. */
export function decades(values: readonly number[]): [number, number] | undefined {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (!pos.length) return undefined;
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pos))));
  return [10 ** lo, 10 ** hi];
}

/** The powers of ten of a decades() domain, every k-th so that labels 15 px apart fit along px, both ends kept. */
function powers([lo, hi]: [number, number], px: number): number[] {
  const [a, b] = [Math.round(Math.log10(lo)), Math.round(Math.log10(hi))];
  const k = Math.max(1, Math.ceil((15 * (b - a)) / px));
  const out: number[] = [];
  for (let e = b; e >= a; e -= k) out.push(10 ** e);
  return out;
}

/** The indices a cell covers, in W's own indices: "14" (block 1) or "14–15" (block 2). */
const indexRange = (p: number, block: number, n: number) =>
  block === 1 ? String(p) : `${p * block}–${Math.min(n, (p + 1) * block) - 1}`;

/** The labels of every k-th band, k such that labels one line high (about 15 px with its leading) never touch. */
const every = (labels: readonly string[], px: number) => {
  const k = Math.ceil(15 / px);
  return labels.filter((_, i) => i % k === 0);
};

/**
 * |hand − reference| for W (gated cells: the gates' W_* one above the other) as a heatmap, in math layout (row i,
 * column j), on a log colour scale. A large W is drawn in block×block cells, each the largest |a − r| inside it;
 * the axes then name each cell by the range of W's indices it covers (rows 0–1, 2–3, …), and the tooltip names the
 * entry that holds the max. Gated cells: a rule between the gates' blocks of H rows, and each gate's name beside
 * its block, right of the map.
 */
export function heatmapChart(h: HeatmapJson, id?: string): ChartSpec {
  const what = h.tensor.includes(';') ? `[${h.tensor}]` : h.tensor; // W, or [W_i; W_f; W_g; W_o]
  const block = h.block ?? 1;
  const [n, m] = h.size ?? [h.rows * block, h.cols * block];
  const rowLabels = Array.from({ length: h.rows }, (_, p) => indexRange(p, block, n));
  const colLabels = Array.from({ length: h.cols }, (_, q) => indexRange(q, block, m));
  const domain = decades(h.values);
  const floor = domain?.[0] ?? 0;
  const values = h.values.map((v, k) => {
    const [p, q] = [Math.floor(k / h.cols), k % h.cols];
    const [i, j] = h.at?.[k] ?? [p * block, q * block];
    const entry = entryName(h.tensor, n, i, j);
    const cell =
      block > 1
        ? `rows ${rowLabels[p]}, columns ${colLabels[q]}: max |a − r| ${v.toExponential(2)} at ${entry}`
        : `${entry}: |a − r| ${v.toExponential(2)}`;
    // an exact 0 is drawn in the scale's lowest colour (a log scale has no 0); the tooltip keeps the value
    return { rows: rowLabels[p], cols: colLabels[q], err: v, shown: v === 0 ? floor : v, entry, cell };
  });
  const blocks = block > 1;
  const errTitle = blocks ? `max |a − r| in the ${block}×${block} block` : '|a − r|';
  const width = Math.min(480, 12 * h.cols);
  const height = Math.min(480, 12 * h.rows);
  const gates = h.tensor.split('; ');
  const rowPx = height / h.rows; // a band of the y scale (no padding)
  const per = n / gates.length; // H rows per gate
  const band = { paddingInner: 0, paddingOuter: 0 };
  const legendPx = Math.max(120, Math.min(height, 320));
  const encoding = {
    x: {
      field: 'cols',
      type: 'ordinal',
      sort: colLabels,
      scale: band,
      title: blocks
        ? `columns j of ${what}, ${block} per block (${colLabels.slice(0, 2).join(', ')}, …)`
        : `column j of ${what} (index)`,
      axis: { labelOverlap: true, labelAngle: -90, values: every(colLabels, width / h.cols) },
    },
    y: {
      field: 'rows',
      type: 'ordinal',
      sort: rowLabels,
      scale: band,
      title: blocks
        ? `rows i of ${what}, ${block} per block (${rowLabels.slice(0, 2).join(', ')}, …)`
        : `row i of ${what} (index)`,
      axis: { labelOverlap: true, values: every(rowLabels, rowPx) },
    },
    color: {
      field: 'shown',
      type: 'quantitative',
      title: [errTitle, `(log scale${h.values.some((v) => v === 0) ? ', 0 at the bottom' : ''})`],
      scale: domain ? { type: 'log', domain, scheme: 'viridis' } : { scheme: 'viridis' },
      legend: {
        ...(domain ? { labelExpr: LOG_LABEL, values: powers(domain, legendPx) } : { format: '.1e' }),
        labelOverlap: true,
        gradientLength: legendPx,
        titleLimit: 300,
        offset: gates.length > 1 ? 44 : 18,
      },
    },
    // the static SVG's aria-label of each cell (the tooltip needs a live view)
    description: { field: 'cell', type: 'nominal' },
    tooltip: [
      { field: 'rows', type: 'ordinal', title: blocks ? 'rows i' : 'row i' },
      { field: 'cols', type: 'ordinal', title: blocks ? 'columns j' : 'column j' },
      { field: 'err', type: 'quantitative', title: errTitle, format: '.3e' },
      { field: 'entry', type: 'nominal', title: blocks ? 'the entry with the max' : 'entry' },
    ],
  };
  // the gates' blocks: a rule at rows H, 2H, … (inside a block cell when block does not divide H), and each name
  // beside its block's middle, right of the map where no tick label is; each a layer of one datum, in pixels
  const own = (text: string, enc: Record<string, unknown>) => ({
    data: { values: [{ text }] },
    encoding: { ...enc, color: { value: 'white' }, description: { field: 'text', type: 'nominal' }, tooltip: null },
  });
  const layers: Record<string, unknown>[] = [{ mark: 'rect' }];
  for (let g = 1; g < gates.length; g++)
    layers.push({
      mark: { type: 'rule', strokeWidth: 1.5 },
      ...own(`the boundary between ${gates[g - 1]} and ${gates[g]}, at row ${g * per}`, {
        x: { value: 0 },
        x2: { value: width },
        y: { value: (g * per * rowPx) / block },
      }),
    });
  if (gates.length > 1)
    gates.forEach((name, g) => {
      const layer = own(name, {
        x: { value: width },
        y: { value: ((g + 0.5) * per * rowPx) / block },
        text: { value: name },
      });
      layer.encoding.color = { value: 'black' };
      layers.push({ mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 12, dx: 6 }, ...layer });
    });
  return {
    name: 'heatmap-W',
    spec: {
      $schema: SCHEMA,
      title: chartTitle(
        blocks
          ? `|${h.a} − ${h.r}| for d${what}: the largest in each block of ${block}×${block} entries`
          : `|${h.a} − ${h.r}| for d${what}, element by element`,
        id,
      ),
      width,
      height,
      data: { values },
      encoding,
      layer: layers,
    },
  };
}

/**
 * The relative error of each step's term against time step, one line per term, and each term's pass bound
 * (passBound over its entries: ∂L/∂s_k B·H, dW_k G·H·H, dU_k G·H·I, db_k G·H) dashed in its colour.
 */
export function stepsChart(s: StepsJson, k: ChartCase): ChartSpec {
  const { B, H, I, cell } = k.config;
  const G = gatesOf(cell);
  const terms = [
    ['∂L/∂s_k', 'adjoint', B * H],
    ['dW_k', 'W', G * H * H],
    ['dU_k', 'U', G * H * I],
    ['db_k', 'b', G * H],
  ] as const;
  const values: Record<string, unknown>[] = [];
  const bounds: Record<string, unknown>[] = [];
  for (const [term, key, n] of terms) {
    if (!s.rows.some((r) => r[key])) continue;
    bounds.push({ term, bound: passBound(k.tolerance, n), line: BOUND_LABEL });
    for (const r of s.rows) {
      const v = r[key];
      if (v && v.relErrNorm > 0 && Number.isFinite(v.relErrNorm))
        values.push({ step: r.step, err: v.relErrNorm, term, line: 'relErrNorm of the step’s term', pass: v.pass });
    }
  }
  const domain = decades([...values, ...bounds].map((v) => (v.err ?? v.bound) as number));
  const termNames = terms.filter(([t]) => bounds.some((b) => b.term === t)).map(([t]) => t);
  const color = { field: 'term', type: 'nominal', title: 'term', scale: { domain: termNames } };
  const dash = {
    field: 'line',
    type: 'nominal',
    title: 'line',
    scale: {
      domain: ['relErrNorm of the step’s term', BOUND_LABEL],
      range: [
        [1, 0],
        [6, 4],
      ],
    },
    legend: {
      symbolType: 'stroke',
      symbolStrokeWidth: 2,
      symbolSize: 300,
      encode: { symbols: { update: { stroke: { value: '#444' } } } },
    },
  };
  const y = relErrAxis(domain);
  return {
    name: 'steps',
    spec: {
      $schema: SCHEMA,
      title: chartTitle(`Relative error of each step’s term, hand vs ${s.reference.split(' ')[0]}`, k.id),
      width: 560,
      height: 300,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'step',
              type: 'quantitative',
              title: 'time step k (steps)',
              axis: { format: 'd', tickMinStep: 1 },
            },
            y,
            color,
            shape: { field: 'term', type: 'nominal', title: 'term', scale: { domain: termNames } },
            strokeDash: dash,
          },
        },
        {
          data: { values: bounds },
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: { y: { ...y, field: 'bound' }, color, strokeDash: dash },
        },
      ],
    },
  };
}
