/**
 * Charts as vega-lite specs, rendered at report time to SVG (vega, no browser) and to PNG (resvg).
 * Every chart has a title, axis titles with units and a legend. vega and resvg are loaded only when a
 * chart is drawn, so commands that draw none start faster.
 */
import { createRequire } from 'node:module';
import { visible } from './escape.js';

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

/**
 * A chart's title: what it shows, and beneath it the case it is of (on one line, control characters as visible
 * escapes: an SVG holds no ESC; vega escapes < & > itself). A title and a subtitle, so that neither is cut.
 */
export const chartTitle = (text: string, caseId?: string) => ({
  text,
  ...(caseId === undefined ? {} : { subtitle: `case ${visible(caseId)}` }),
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
