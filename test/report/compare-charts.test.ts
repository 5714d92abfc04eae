/**
 * The compare charts through the real command (issue 18, item 3): the heatmap against the most precise
 * reference that ran, a gated heatmap's gate boundaries where vega drew the gates' first rows, the steps chart's
 * pass bounds (√n·atol + rtol from the case's sizes), and a failing subject's error per step, whose points are
 * report.json's numbers (its adjoints, or the localisation's prefixes); a passing subject has no such chart.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import type { ReportJson } from '../../src/report/json-types.js';

const module = (name: string) => fileURLToPath(new URL(`../modules/${name}.mjs`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'bptt-compare-charts-'));

async function run(out: string, args: string[], code: number, env: Record<string, string> = {}) {
  const r = await cli(['compare', ...args, '--out', out], root, env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(code);
  const dir = join(root, out);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReportJson;
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  return { dir, report, html, c: report.cases[0]! };
}

/** The SVG of one figure of report.html. */
function figureSvg(html: string, name: string): string {
  const at = html.indexOf(`<figure id="chart-${name}">`);
  expect(at).toBeGreaterThanOrEqual(0);
  return html.slice(at, html.indexOf('</figure>', at));
}

/** The points of a chart as vega labels them: the x and y values of each (vega writes 12 significant digits). */
function points(svg: string): { x: number; y: number; label: string }[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="point"/g)].map(
    (m) => {
      const [x, y] = m[1]!.split('; ').map((part) => Number(part.slice(part.lastIndexOf(': ') + 2)));
      return { x: x!, y: y!, label: m[1]! };
    },
  );
}

const SMALL = ['--hidden-size', '4', '--steps', '6'];

describe('the heatmap against the most precise reference that ran', () => {
  it('is against fd when the float64 oracle measured every entry, else tfjs-ops, else tfjs-layers', async () => {
    const fd = await run('fd', [...SMALL, '--fd', 'full'], 0);
    expect(fd.c.heatmap).toMatchObject({ a: 'hand', r: 'fd', tensor: 'W' });
    // hand vs fd: both float64, so far below float32 rounding (hand vs tfjs is ~1e-8)
    expect(Math.max(...fd.c.heatmap!.values)).toBeLessThan(1e-9);
    expect(fd.html).toContain('against fd, the float64 finite differences');
    const ops = await run('ops', SMALL, 0);
    expect(ops.c.heatmap).toMatchObject({ a: 'hand', r: 'tfjs-ops' });
    expect(Math.max(...ops.c.heatmap!.values)).toBeGreaterThan(1e-12);
    const layers = await run('layers', [...SMALL, '--reference', 'layers'], 0);
    expect(layers.c.heatmap).toMatchObject({ r: 'tfjs-layers' });
    // sampled fd measures some entries only: the heatmap stays on tfjs-ops
    const sampled = await run('sampled', [...SMALL, '--fd', 'sample', '5'], 0);
    expect(sampled.c.heatmap).toMatchObject({ r: 'tfjs-ops' });
  });
});

describe('an LSTM compare (H = 4: the gates’ blocks of 4 rows in the 16 rows of [W_i; W_f; W_g; W_o])', () => {
  it('draws a rule at rows 4, 8, 12, exactly where vega drew each gate’s first row, and the four gate names beside their blocks', async () => {
    const { html, c } = await run('lstm', [...SMALL, '--cell', 'lstm', '--bias'], 0);
    const svg = figureSvg(html, 'heatmap-W');
    const H = 4;
    const gates = ['W_i', 'W_f', 'W_g', 'W_o'];
    const rectTop = (g: string) => {
      const m = svg.match(new RegExp(`aria-label="${g}\\[0, 0\\]: [^"]*"[^>]*d="M[\\d.]+,([\\d.]+)h`));
      expect(m, g).not.toBeNull();
      return Number(m![1]);
    };
    const rules = [
      ...svg.matchAll(
        /aria-label="the boundary between (\w+) and (\w+), at row (\d+)"[^>]*translate\(([\d.]+),([\d.]+)\)/g,
      ),
    ];
    expect(rules.map((m) => [m[1], m[2], Number(m[3])])).toEqual([
      ['W_i', 'W_f', H],
      ['W_f', 'W_g', 2 * H],
      ['W_g', 'W_o', 3 * H],
    ]);
    for (const m of rules) expect(Number(m[5])).toBeCloseTo(rectTop(m[2]!), 6);
    // each name once, as a text of its own, between its block's top and the next block's
    const bottom = rectTop('W_o') + (rectTop('W_o') - rectTop('W_g'));
    gates.forEach((g, k) => {
      const texts = [...svg.matchAll(new RegExp(`<text[^>]*translate\\(([\\d.]+),([\\d.]+)\\)[^>]*>${g}</text>`, 'g'))];
      expect(texts, g).toHaveLength(1);
      const y = Number(texts[0]![2]);
      expect(y).toBeGreaterThan(rectTop(g));
      expect(y).toBeLessThan(k < 3 ? rectTop(gates[k + 1]!) : bottom);
    });
    // the log colour scale's labels in the one format
    expect(svg).toMatch(/>1e−\d+</);
    expect(svg).not.toMatch(/>\d\.\de-\d+</);
    expect(svg).toContain(`case ${c.id}`);
  });

  it('draws each term’s pass bound √n·atol + rtol (n its entries) in the steps chart', async () => {
    const { html, report, c } = await run('lstm-steps', [...SMALL, '--cell', 'lstm', '--bias'], 0);
    const svg = figureSvg(html, 'steps');
    const { atol, rtol } = report.tolerance;
    const { B, H, I } = c.config;
    // ∂L/∂s_k: B·H entries; the LSTM's four gates: dW_k 4·H·H, dU_k 4·H·I, db_k 4·H
    const bounds = [B * H, 4 * H * H, 4 * H * I, 4 * H].map((n) => Math.sqrt(n) * atol + rtol);
    const rules = [...svg.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="rule mark"/g)];
    const drawn = rules.map((m) => Number(m[1]!.match(/relErrNorm \(ratio, log scale\): ([\d.e-]+)/)![1]));
    expect(drawn.sort((a, b) => a - b)).toEqual(bounds.map((b) => Number(b.toPrecision(12))).sort((a, b) => a - b));
    // every passing step lies under its bound (the bound holds for every passing comparison)
    for (const r of c.steps!.rows) expect(r.adjoint.relErrNorm).toBeLessThan(bounds[0]!);
    expect(svg).toContain('pass bound √n·atol + rtol');
    expect(svg).toContain(`case ${c.id}`);
  });
});

describe('a failing subject’s error per step (subject-steps.png)', () => {
  it('from its adjoints: one point per step, report.json’s relErrNorm of ∂L/∂s_t, crosses where it fails', async () => {
    const x = await run('adjoints', ['--impl', module('adjoint-rnn')], 1, { BPTT_FORGET_AT: '3' });
    expect(existsSync(join(x.dir, 'subject-steps.png'))).toBe(true);
    const pts = points(figureSvg(x.html, 'subject-steps'));
    const rows = x.c.adjoints!.rows;
    expect(pts).toHaveLength(rows.length);
    for (const p of pts) {
      const row = rows[p.x]!;
      expect(p.y / row.s.relErrNorm).toBeCloseTo(1, 9);
      expect(p.label).toContain(row.s.pass ? 'check: passes' : 'check: fails');
    }
    expect(rows.filter((r) => !r.s.pass).map((r) => r.step)).toEqual([0, 1, 2, 3]); // the bug enters at t = 3
    expect(x.html).toContain('From the adjoints of yours (adjoints.csv)');
  });

  it('from the localisation’s prefixes: report.json’s prefix errors, the one at T′ = T the failing relErrNorm of the case', async () => {
    const x = await run('prefix', ['--impl', module('loc-w-not-transposed')], 1);
    expect(existsSync(join(x.dir, 'subject-steps.png'))).toBe(true);
    const p = x.c.localisation!.prefix!;
    const errors = p.errors!;
    // the bisection's prefixes, and the case itself (B = 1: the bisection cuts the case as it is)
    expect(p.batch).toBe(1);
    expect(errors.at(-1)!.steps).toBe(p.steps);
    const l = x.c.localisation!;
    const worst = Math.max(...x.c.rows.filter((r) => r.a === 'yours' && r.r === l.against).map((r) => r.relErrNorm));
    expect(errors.at(-1)).toEqual({ steps: p.steps, relErrNorm: worst, pass: false });
    // W in place of Wᵀ is right for one step: T′ = 1 passes, and every prefix from the shortest failing one fails
    for (const e of errors) expect(e.pass).toBe(e.steps < p.shortestFailing);
    const pts = points(figureSvg(x.html, 'subject-steps'));
    expect(pts.map((q) => q.x)).toEqual(errors.map((e) => e.steps));
    pts.forEach((q, k) => expect(q.y / errors[k]!.relErrNorm).toBeCloseTo(1, 9));
    expect(x.html).toContain('From the localisation’s prefix experiment');
  });

  it('from the prefixes when its adjoints agree at every step (a numpy BPTT wrong within one step)', async () => {
    const buggy = fileURLToPath(new URL('../../examples/python/my_bptt_buggy.py', import.meta.url));
    const x = await run('numpy', ['--impl-cmd', `python3 ${buggy}`], 1);
    expect(x.c.adjoints?.pass).toBe(true);
    const errors = x.c.localisation!.prefix!.errors!;
    const pts = points(figureSvg(x.html, 'subject-steps'));
    expect(pts.map((q) => q.x)).toEqual(errors.map((e) => e.steps));
    expect(x.html).toContain('From the localisation’s prefix experiment (its adjoints agree at every step');
  });

  it('is said to be left out for a failing gradients file (no adjoints, nothing to localise)', async () => {
    expect((await cli(['case', ...SMALL, '--out', 'v.case.json'], root)).code).toBe(0);
    expect((await cli(['grads', '--case', 'v.case.json', '--out', 'v.grads.json'], root)).code).toBe(0);
    const g = JSON.parse(readFileSync(join(root, 'v.grads.json'), 'utf8')) as { gradients: { W: number[][] } };
    g.gradients.W[0]![0]! += 0.5;
    writeFileSync(join(root, 'v.bad.json'), JSON.stringify(g));
    const r = await cli(['verify', '--case', 'v.case.json', '--grads', 'v.bad.json', '--out', 'verify'], root);
    expect(r.code).toBe(1);
    expect(existsSync(join(root, 'verify', 'subject-steps.png'))).toBe(false);
    const html = readFileSync(join(root, 'verify', 'report.html'), 'utf8');
    expect(html).toContain('No chart of the error per step of yours: it gave no adjoints');
  });

  it('is not drawn for a passing subject', async () => {
    const x = await run('passing', ['--impl', module('adjoint-rnn')], 0);
    expect(x.c.adjoints?.pass).toBe(true);
    expect(existsSync(join(x.dir, 'subject-steps.png'))).toBe(false);
    expect(x.html).not.toContain('chart-subject-steps');
  });
});
