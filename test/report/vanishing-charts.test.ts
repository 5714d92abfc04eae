/**
 * The vanishing charts as drawn (vega → SVG, the same SVG report.html embeds) from a real analyseVanishing result:
 * one panel per cell × activation with its own y range, one colour per W setting in all four charts ordered light
 * to dark by ‖W‖₂, the bound dashed only where there is one, the band with several samples, the factor chart's
 * points and its y = x line, log axes labelled 1e−10, no chart wider than MAX_CHART_WIDTH.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { MAX_CHART_WIDTH, renderChart } from '../../src/report/charts.js';
import { BOUND_ROOM, vanishingCharts } from '../../src/report/vanishing-charts.js';
import { fitText, vanishingCaptions } from '../../src/report/vanishing-charts-captions.js';
import { logTicks } from '../../src/report/vanishing-charts-palette.js';
import { analyseVanishing, type VanishingResult } from '../../src/vanishing/analyse.js';
import { useBackend } from '../../reference/index.js';
import { unescapeMarkup } from '../helpers/markup.js';

const ID = 'v<&>1';
const CELLS = ['rnn', 'lstm', 'gru'] as const;
const ACTIVATIONS = ['tanh', 'sigmoid'] as const;
let v: VanishingResult;
let svgs: Record<string, string>;

const unescape = unescapeMarkup;
/** every `<text>` inside the SVG's groups of a role (role-title-text, role-axis-label, …), unescaped */
function texts(svg: string, role: string): string[] {
  const out: string[] = [];
  for (const g of svg.split(`class="mark-text ${role}"`).slice(1)) {
    const body = g.slice(0, g.indexOf('</g>'));
    for (const m of body.matchAll(/<text[^>]*>([^<]*)<\/text>/g)) out.push(unescape(m[1]!));
  }
  return out;
}
/** the data marks: their aria-label (the fields they encode) and the colours they are drawn in */
function marks(svg: string): { label: string; kind: string; colours: string[] }[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)"[^>]*>/g)].map((m) => ({
    label: unescape(m[1]!),
    kind: /aria-roledescription="([^"]*)"/.exec(m[0])?.[1] ?? '',
    colours: [...m[0].matchAll(/(?:stroke|fill)="(#[0-9a-f]{6})"/g)].map((c) => c[1]!),
  }));
}
/** the tick labels of each axis: its aria-label ("Y-axis … for a log scale …") and its texts */
function axes(svg: string): { label: string; ticks: string[] }[] {
  return svg
    .split('class="mark-group role-axis"')
    .slice(1)
    .map((g) => ({ label: unescape(/aria-label="([^"]*)"/.exec(g)?.[1] ?? ''), ticks: texts(g, 'role-axis-label') }));
}
/** relative luminance of #rrggbb */
const luminance = (hex: string) =>
  [1, 3, 5]
    .map((p) => parseInt(hex.slice(p, p + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i]!, 0);

beforeAll(async () => {
  await useBackend('cpu');
  const c = { ...generateCase({ ...GENERATE_DEFAULTS, steps: 12, hiddenSize: 6, seed: 4 }), id: ID };
  v = await analyseVanishing(c, {
    activations: [...ACTIVATIONS],
    cells: [...CELLS],
    wNorms: [0.5, 1, 3],
    caseW: true,
    clipNorm: 1,
    tolerance: DEFAULT_TOLERANCE,
  });
  const rendered = await Promise.all(vanishingCharts(v).map(renderChart));
  svgs = Object.fromEntries(rendered.map((r) => [r.name, r.svg]));
}, 120_000);

describe('the vanishing charts', () => {
  it('are the four charts, each titled with what it shows and the case id (escaped by vega)', () => {
    expect(Object.keys(svgs)).toEqual(['adjoints', 'jacobian', 'decay', 'factor']);
    for (const svg of Object.values(svgs)) {
      expect(texts(svg, 'role-title-subtitle')).toEqual([`case ${ID}`]); // beneath the chart's title, never cut with it
      expect(svg).not.toContain(ID); // only as text: v&lt;&amp;&gt;1
    }
    expect(texts(svgs.factor!, 'role-title-text').at(-1)).toMatch(/^Does the bound’s factor γ·σ_max\(W\) predict/);
  });

  it('show a control character of the case id visibly (\\x1b), never raw in the SVG that resvg parses', async () => {
    const charts = vanishingCharts({ ...v, caseId: 'a\x1bb' });
    const factor = await renderChart(charts.find((c) => c.name === 'factor')!);
    expect(factor.svg).not.toContain('\x1b');
    expect(texts(factor.svg, 'role-title-subtitle')).toEqual(['case a\\x1bb']);
  });

  it('draw one panel per cell × activation, titled by both, the gated ones saying they have no bound', () => {
    const expected = CELLS.flatMap((c) => ACTIVATIONS.map((a) => `${c} · ${a}${c === 'rnn' ? '' : ' (no bound)'}`));
    for (const name of ['adjoints', 'jacobian']) {
      const titles = texts(svgs[name]!, 'role-title-text').slice(0, -1); // the last is the chart's
      expect(titles).toEqual(expected);
    }
    // the decay chart: one row per cell · activation
    const rows = axes(svgs.decay!).find((a) => a.label.startsWith('Y-axis'))!.ticks;
    expect(rows).toEqual(CELLS.flatMap((c) => ACTIVATIONS.map((a) => `${c} · ${a}`)));
  });

  it('give each panel its own y range: the rnn panel spans more decades than the lstm one', () => {
    const yAxes = axes(svgs.adjoints!).filter((a) => a.label.startsWith('Y-axis'));
    expect(yAxes).toHaveLength(CELLS.length * ACTIVATIONS.length);
    // vega's aria-label names each axis's domain: "… for a log scale with values from 1e-30 to 1e+30"
    const domain = (label: string) =>
      /values from (\S+) to (\S+)$/
        .exec(label)!
        .slice(1)
        .map((x) => Number(x.replace(/,/g, '')));
    const [rnnTanh, lstmTanh] = [domain(yAxes[0]!.label), domain(yAxes[2]!.label)];
    expect(rnnTanh).not.toEqual(lstmTanh);
    expect(Math.log10(rnnTanh[1]! / rnnTanh[0]!)).toBeGreaterThan(Math.log10(lstmTanh[1]! / lstmTanh[0]!));
    // each panel's range holds its own series: the largest and smallest ‖∂L/∂s_k‖ and bound of rnn · tanh, lstm · tanh
    for (const [[lo, hi], cell] of [
      [rnnTanh, 'rnn'],
      [lstmTanh, 'lstm'],
    ] as const) {
      const mine = v.series.filter((s) => s.cell === cell && s.activation === 'tanh');
      const pos = (xs: (number | null)[]) => xs.filter((y): y is number => y !== null && y > 0);
      const ys = pos(mine.flatMap((s) => [...s.dLlast_ds, ...s.dLlast_dsRange.min, ...s.dLlast_dsRange.max]));
      const [least, most] = [Math.min(...ys), Math.max(...ys)];
      expect(lo!).toBeLessThanOrEqual(least);
      expect(hi!).toBeGreaterThanOrEqual(most);
      // the bound widens the range by at most BOUND_ROOM decades each way (and up to two more to reach a labelled
      // tick): rnn · tanh's bound at ‖W‖₂ = 4 reaches 4^39 ≈ 3e23, which would squash the medians near 1e0
      expect(Math.log10(hi! / most)).toBeLessThanOrEqual(BOUND_ROOM + 2);
      expect(Math.log10(least / lo!)).toBeLessThanOrEqual(BOUND_ROOM + 2);
    }
  });

  it('let a bound far above the measured norms run off the panel rather than squash them', async () => {
    // tanh at ‖W‖₂ = 4 over T = 40: the bound ‖∂L_{T−1}/∂s_{T−1}‖·4^lag reaches ~3e23, the measured norms stay near 1e0
    const c = generateCase({ ...GENERATE_DEFAULTS, steps: 40, hiddenSize: 6, seed: 4 });
    const one = await analyseVanishing(c, {
      activations: ['tanh'],
      wNorms: [4],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    const { svg } = await renderChart(vanishingCharts(one)[0]!);
    const y = axes(svg).find((a) => a.label.startsWith('Y-axis'))!;
    const [lo, hi] = /values from (\S+) to (\S+)$/
      .exec(y.label)!
      .slice(1)
      .map((x) => Number(x.replace(/,/g, '')));
    const s = one.series[0]!;
    const ys = [...s.dLlast_ds, ...s.dLlast_dsRange.max].filter((x): x is number => x !== null && x > 0);
    const top = Math.max(...s.adjointBound.filter((x): x is number => x !== null));
    expect(top).toBeGreaterThan(1e20);
    expect(hi!).toBeGreaterThanOrEqual(Math.max(...ys));
    expect(Math.log10(hi! / Math.max(...ys))).toBeLessThanOrEqual(BOUND_ROOM + 2); // not up to the bound's 1e23
    expect(hi!).toBeLessThan(top);
    expect(lo!).toBeLessThanOrEqual(Math.min(...ys));
  });

  it('draw each W setting in one colour in all four charts, the ramp light to dark by ‖W‖₂, the case W outside it', () => {
    const colourOf = new Map<string, Set<string>>();
    for (const svg of Object.values(svgs))
      for (const m of marks(svg)) {
        const w = /W scale: ([^;]*)/.exec(m.label)?.[1];
        if (w) for (const c of m.colours) colourOf.set(w, (colourOf.get(w) ?? new Set()).add(c));
      }
    const caseW = v.series.find((s) => s.wSource === 'case')!.wNorm;
    const caseKey = `case W (‖W‖₂ = ${caseW.toPrecision(3)})`;
    expect([...colourOf.keys()].sort()).toEqual(['‖W‖₂ = 0.5', '‖W‖₂ = 1', '‖W‖₂ = 3', caseKey].sort());
    for (const [w, cs] of colourOf) expect(cs.size, w).toBe(1);
    const one = (w: string) => [...colourOf.get(w)!][0]!;
    const ramp = ['‖W‖₂ = 0.5', '‖W‖₂ = 1', '‖W‖₂ = 3'].map(one);
    const lum = ramp.map(luminance);
    expect(lum[0]!).toBeGreaterThan(lum[1]!);
    expect(lum[1]!).toBeGreaterThan(lum[2]!);
    expect(lum[0]!).toBeLessThan(0.6); // no near-white or yellow on the white page
    expect(ramp).not.toContain(one(caseKey));
    // and the colour legend names the settings by ‖W‖₂ ascending
    const byNorm = [
      [caseKey, caseW],
      ['‖W‖₂ = 0.5', 0.5],
      ['‖W‖₂ = 1', 1],
      ['‖W‖₂ = 3', 3],
    ] as const;
    const order = [...byNorm].sort((p, q) => p[1] - q[1]).map((p) => p[0]);
    expect(texts(svgs.adjoints!, 'role-legend-label').slice(0, 4)).toEqual(order);
  });

  it('dash the bound only in the rnn panels, one dashed line per rnn series on each norm chart', () => {
    const rnn = v.series.filter((s) => s.cell === 'rnn').length;
    for (const name of ['adjoints', 'jacobian']) {
      const dashed = marks(svgs[name]!).filter((m) => /line: bound /.test(m.label));
      expect(dashed).toHaveLength(rnn);
      const solid = marks(svgs[name]!).filter((m) => /line: measured/.test(m.label));
      expect(solid).toHaveLength(v.series.length);
    }
    expect(vanishingCaptions(v).adjoints).toMatch(/Gated cells \(LSTM, GRU\) have no such bound/);
  });

  it('label every log axis with powers of ten only, as 1e−10 (U+2212), and are at most MAX_CHART_WIDTH wide', () => {
    let logAxes = 0;
    for (const [name, svg] of Object.entries(svgs)) {
      const width = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
      expect(width, name).toBeLessThanOrEqual(MAX_CHART_WIDTH);
      for (const a of axes(svg).filter((x) => x.label.includes('log scale'))) {
        logAxes++;
        expect(a.ticks.filter(Boolean).length, `${name}: ${a.label}`).toBeGreaterThanOrEqual(2);
        for (const t of a.ticks) expect(t, name).toMatch(/^(1e(−?\d+))?$/);
      }
    }
    expect(logAxes).toBe(2 * CELLS.length * ACTIVATIONS.length + 1 + 2); // the panels' y, decay's x, factor's x and y
  });

  it('plot the factor chart: one point per rnn series at (γ·σ_max(W), decay), on or below the line y = x', () => {
    const rnn = v.series.filter((s) => s.cell === 'rnn');
    const points = marks(svgs.factor!).filter((m) => m.label.includes('series: '));
    expect(points).toHaveLength(rnn.length);
    for (const s of rnn) {
      const gamma = s.activation === 'sigmoid' ? 0.25 : 1;
      expect(s.factor! / (gamma * s.wNorm)).toBeCloseTo(1, 9);
      expect(s.decay!).toBeLessThanOrEqual(s.factor! * (1 + 1e-9)); // the bound: decay ≤ factor
    }
    // y = x: the line runs corner to corner of a plot whose two log axes have the same domain
    const line = /<path aria-label="[^"]*y = x[^"]*"[^>]*\sd="M0,(\d+)L(\d+),0"/.exec(svgs.factor!);
    expect(line).not.toBeNull();
    const [x, y] = ['X-axis', 'Y-axis'].map((k) => axes(svgs.factor!).find((a) => a.label.startsWith(k))!);
    expect(x!.ticks).toEqual(y!.ticks);
    expect(vanishingCaptions(v).factor).toMatch(/Gated cells \(LSTM, GRU\) have no such factor and are left out/);
  });

  it('draw the factor chart’s points hollow, each activation smaller than the one before, so coinciding points both show', () => {
    // tanh at ‖W‖₂ = 0.5 and sigmoid at 2 share γ·σ_max(W) = 0.5: one filled mark would hide the other
    const points = [...svgs.factor!.matchAll(/<path aria-label="([^"]*series: [^"]*)"[^>]*>/g)];
    const area = new Map<string, number>(); // activation → its symbol's area in px² (vega's size)
    for (const [tag, label] of points) {
      expect(tag).not.toMatch(/\sfill="#/); // no fill colour: only the outline is drawn
      expect(tag).toMatch(/\sstroke="#[0-9a-f]{6}"/);
      const d = /\sd="([^"]*)"/.exec(tag)![1]!;
      // a circle "M r,0 A r,r …" has area π r²; a square "M −a,−a h 2a v 2a …" has area (2a)²
      const circle = /^M(-?[\d.]+),0A/.exec(d);
      const square = /h(-?[\d.]+)v/.exec(d);
      const px = circle ? Math.PI * Number(circle[1]) ** 2 : Number(square![1]) ** 2;
      area.set(/activation: (\w+)/.exec(unescape(label!))![1]!, px);
    }
    const sizes = ACTIVATIONS.map((a) => area.get(a)!);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThan(sizes[i - 1]! * 0.8);
  });

  it('with several samples, draw the band from min to max in the colour of its setting, and say so', async () => {
    const spread: VanishingResult = {
      ...v,
      seeds: [1, 2, 3],
      batch: 2,
      series: v.series.map((s) => ({
        ...s,
        samples: 6,
        dLlast_dsRange: {
          min: s.dLlast_ds.map((y) => (y === null ? null : y / 2)),
          max: s.dLlast_ds.map((y) => (y === null ? null : y * 2)),
        },
      })),
    };
    const [adjoints] = await Promise.all(vanishingCharts(spread).slice(0, 1).map(renderChart));
    // one band per series, filled in its setting's colour (the colour of its solid line)
    const all = marks(adjoints!.svg);
    const bands = all.filter((m) => m.kind === 'area mark');
    expect(bands).toHaveLength(v.series.length);
    for (const b of bands) {
      const w = /W scale: ([^;]*)/.exec(b.label)![1]!;
      const line = all.find((m) => m.label.includes(`W scale: ${w};`) && m.label.includes('measured: median'))!;
      expect(b.colours).toEqual(line.colours);
    }
    expect(texts(adjoints!.svg, 'role-legend-title')).toContain('line (band: min–max over 6 samples)');
    expect(texts(adjoints!.svg, 'role-legend-label')).toContain('measured: median over 6 samples');
    expect(vanishingCaptions(spread).adjoints).toMatch(/median over 6 samples \(3 seeds × 2 batch rows\)/);
    // one sample: no band
    expect(svgs.adjoints!).not.toContain('mark-area');
  });
});

describe('logTicks', () => {
  it('ticks powers of ten over the values, at most 10, the domain ending on ticks, within float64', () => {
    expect(logTicks([0.03, 0.5])).toEqual({ domain: [0.01, 1], values: [0.01, 0.1, 1] });
    expect(logTicks([2, 3])).toEqual({ domain: [1, 10], values: [1, 10] }); // one decade at least
    const wide = logTicks([3e-43, 2e23]); // 67 decades: every 10th, from the tick below to the tick above
    expect(wide).toEqual({ domain: [1e-50, 1e30], values: [1e-50, 1e-40, 1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30] });
    // near float64's largest: no tick past 1e308 (Infinity), the domain still holds the value
    const top = logTicks([1, 1.7e308]);
    expect(top.values.every(Number.isFinite)).toBe(true);
    expect(top.domain[1]).toBe(1.7e308);
  });
});

describe('the decay caption', () => {
  it('names the lags each factor was fitted on, the most common first, then each other series by name', () => {
    const [a, b, c] = v.series;
    const series = [
      { ...a!, fit: { fromLag: 0, toLag: 11, points: 12 } },
      { ...b!, fit: { fromLag: 0, toLag: 11, points: 12 } },
      { ...c!, fit: { fromLag: 0, toLag: 5, points: 6 } },
    ];
    expect(fitText(series)).toBe(
      `lags 0–11 (12 points) for 2 series; lags 0–5 (6 points) for ${c!.cell} · ${c!.activation}, ‖W‖₂ = ${c!.wNorm}`,
    );
    expect(fitText(series.slice(0, 2))).toBe('lags 0–11 (12 points) for every series');
  });
});
