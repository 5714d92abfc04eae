/** The compare heatmap of a large W: 2×2 blocks labelled as blocks, in W's own index ranges. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../../src/report/charts.js';
import { heatmapChart } from '../../src/report/compare-charts.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-heatmap-'));
const perturbed = fileURLToPath(new URL('../modules/perturbed-w.mjs', import.meta.url));

interface Cell {
  rows: string;
  cols: string;
  err: number;
  entry: string;
}

describe('the dW heatmap at H = 128 (cells of 2×2 entries)', () => {
  it('names each cell by the range of W indices it covers, and the brightest cell by the true entry W[7, 101]', async () => {
    const run = await cli(
      [
        'compare',
        '--hidden-size',
        '128',
        '--steps',
        '4',
        '--impl',
        perturbed,
        '--reference',
        'ops',
        '--json',
        '--out',
        'h128',
      ],
      dir,
    );
    expect(run.code).toBe(1);
    const h = JSON.parse(run.stdout).cases[0].heatmap;
    expect(h).toMatchObject({ tensor: 'W', rows: 64, cols: 64, block: 2, size: [128, 128] });
    const spec = heatmapChart(h).spec as {
      title: { text: string };
      data: { values: Cell[] };
      encoding: Record<string, { title: string | string[]; sort: string[] }>;
    };
    const { x, y, color } = spec.encoding;
    expect(y!.title).toBe('rows i of W, 2 per block (0–1, 2–3, …)');
    expect(x!.title).toBe('columns j of W, 2 per block (0–1, 2–3, …)');
    expect(color!.title[0]).toBe('max |a − r| in the 2×2 block');
    expect(spec.title.text).toMatch(/the largest in each block of 2×2 entries/);
    expect(y!.sort.slice(0, 3)).toEqual(['0–1', '2–3', '4–5']);
    expect(y!.sort.at(-1)).toBe('126–127');
    // the module's only wrong entry is dW[7][101] (+0.5); every other error is float32 rounding
    const cells = spec.data.values;
    const brightest = cells.reduce((a, b) => (b.err > a.err ? b : a));
    expect(brightest).toMatchObject({ rows: '6–7', cols: '100–101', entry: 'W[7, 101]' });
    expect(brightest.err).toBeCloseTo(0.5, 4);
    // the PNG is rendered from the same SVG: its axis titles name the blocks too
    const png = await renderChart(heatmapChart(h));
    expect(png.svg).toContain('rows i of W, 2 per block (0–1, 2–3, …)');
    expect(png.svg).not.toContain('row i of W (index)');
    expect(png.svg).toMatch(/aria-label="rows 6–7, columns 100–101: max \|a − r\| 5\.00e-1 at W\[7, 101\]"/);
  });

  it('names gated cells’ entries by their gate: row i of [W_z; W_r; W_h] is W_r[i − H, j] in the second block', () => {
    const h = {
      tensor: 'W_z; W_r; W_h',
      a: 'hand',
      r: 'tfjs-ops',
      rows: 3,
      cols: 1,
      block: 2,
      size: [6, 2] as [number, number],
      values: [0, 1, 0],
      at: [
        [0, 0],
        [3, 1],
        [4, 0],
      ] as [number, number][],
    };
    const cells = (heatmapChart(h).spec as { data: { values: Cell[] } }).data.values;
    expect(cells.map((c) => [c.rows, c.cols, c.entry])).toEqual([
      ['0–1', '0–1', 'W_z[0, 0]'],
      ['2–3', '0–1', 'W_r[1, 1]'],
      ['4–5', '0–1', 'W_h[0, 0]'],
    ]);
  });
});
