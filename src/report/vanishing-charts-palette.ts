/**
 * The vanishing report's one colour key: a W setting (a rescaled ‖W‖₂, or the case's own W) has the same
 * colour in every chart, from a sequential ramp ordered by ‖W‖₂ (light green for the smallest to dark blue
 * for the largest: viridis from 0.8 down to 0.1, no near-white or yellow on the white page); the case's own W
 * is drawn in a colour outside the ramp (red), named "case W (‖W‖₂ = 0.93)".
 */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { wText } from './vanishing-answers.js';

/** viridis at t = 0, 0.1, …, 1 */
const VIRIDIS = [
  '#440154',
  '#482475',
  '#414487',
  '#355f8d',
  '#2a788e',
  '#21918c',
  '#22a884',
  '#44bf70',
  '#7ad151',
  '#bddf26',
  '#fde725',
];
/** the ramp's ends: the smallest ‖W‖₂ at LIGHT, the largest at DARK */
const LIGHT = 0.8;
const DARK = 0.1;
export const CASE_W_COLOUR = '#d62728';

/** viridis at t ∈ [0, 1], linearly between its tabulated stops, as #rrggbb */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = (h: string) => [1, 3, 5].map((p) => parseInt(h.slice(p, p + 2), 16));
  const [a, b] = [rgb(VIRIDIS[i]!), rgb(VIRIDIS[i + 1]!)];
  return `#${a
    .map((c, n) =>
      Math.round(c + f * (b[n]! - c))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The colour key's name of a series' W setting: "‖W‖₂ = 2" or "case W (‖W‖₂ = 0.930)". */
export const wKey = (s: Pick<Series, 'wNorm' | 'wSource'>) => wText(s);

export interface WPalette {
  /** the W settings' names, by ‖W‖₂ ascending */
  domain: string[];
  /** their colours, one each */
  range: string[];
}

/** The colour of each W setting of a result, built once and used by every chart of its report. */
export function wPalette(v: Pick<VanishingResult, 'series'>): WPalette {
  const settings = new Map<string, { norm: number; caseW: boolean }>();
  for (const s of v.series) settings.set(wKey(s), { norm: s.wNorm, caseW: s.wSource === 'case' });
  const sorted = [...settings].sort((a, b) => a[1].norm - b[1].norm || Number(a[1].caseW) - Number(b[1].caseW));
  const ramp = sorted.filter(([, x]) => !x.caseW);
  const colour = new Map(
    ramp.map(([k], i) => [
      k,
      viridis(ramp.length === 1 ? (LIGHT + DARK) / 2 : LIGHT + ((DARK - LIGHT) * i) / (ramp.length - 1)),
    ]),
  );
  return {
    domain: sorted.map(([k]) => k),
    range: sorted.map(([k, x]) => (x.caseW ? CASE_W_COLOUR : colour.get(k)!)),
  };
}

/** The colour encoding of a W setting's key field `w`, with the shared domain and range. */
export function wColour(p: WPalette, legend: Record<string, unknown> | null = {}) {
  return {
    field: 'w',
    type: 'nominal',
    title: 'W scale',
    scale: { domain: p.domain, range: p.range },
    legend: legend === null ? null : { labelLimit: 240, ...legend },
  };
}

/** "tanh, ‖W‖₂ = 2 (exploding)"; without the mark where one label (one colour) stands for a setting in several cells' panels. */
export function seriesLabel(
  s: Pick<Series, 'activation' | 'wNorm' | 'wSource' | 'exploding'>,
  markExploding = true,
): string {
  return `${s.activation}, ${wText(s)}${markExploding && s.exploding ? ' (exploding)' : ''}`;
}

/** A panel's name: "rnn · tanh". */
export const panelName = (s: Pick<Series, 'cell' | 'activation'>) => `${s.cell} · ${s.activation}`;
/** The panels in the result's order (cells, then activations), each once. */
export const panelsOf = (series: Series[]) => [...new Set(series.map(panelName))];

/**
 * A log axis's domain and ticks for values from min to max: powers of ten, every step-th (1, 2, 5, 10, 20, 50 or
 * 100 decades) so that at most 10 are labelled, the domain from the tick below the values to the tick above them
 * (so every panel's top and bottom are labelled, and its title sits at the same height), within float64 (1e−320
 * to 1e308; values past them widen the domain to themselves).
 */
export function logTicks(xs: number[]): { domain: [number, number]; values: number[] } {
  const pos = xs.filter((x) => x > 0 && Number.isFinite(x));
  const [min, max] = pos.length ? [Math.min(...pos), Math.max(...pos)] : [1, 10];
  let lo = Math.floor(Math.log10(min) + 1e-9);
  let hi = Math.ceil(Math.log10(max) - 1e-9);
  if (hi <= lo) hi = lo + 1;
  const step = [1, 2, 5, 10, 20, 50].find((d) => Math.ceil(hi / d) - Math.floor(lo / d) + 1 <= 10) ?? 100;
  lo = Math.max(Math.floor(lo / step), Math.ceil(-320 / step)) * step;
  hi = Math.min(Math.ceil(hi / step), Math.floor(308 / step)) * step;
  const values: number[] = [];
  for (let e = lo; e <= hi; e += step) values.push(Number(`1e${e}`));
  return { domain: [Math.min(values[0]!, min), Math.max(values[values.length - 1]!, max)], values };
}
