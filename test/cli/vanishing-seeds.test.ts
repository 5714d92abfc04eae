import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-vanishing-seeds-'));

interface SeriesDoc {
  cell: string;
  activation: string;
  wNorm: number;
  dLlast_ds: (number | null)[];
  jacobianNorm: (number | null)[];
  dLlast_dsRange: { min: (number | null)[]; max: (number | null)[] };
  jacobianRange: { min: (number | null)[]; max: (number | null)[] };
  samples: number;
  decay: number | null;
  fit: { fromLag: number; toLag: number; points: number } | null;
  adjointCheck: { pass: boolean; comparedLags: number };
  lagsTo1e6: { lags: number | null; measured: boolean; fit: SeriesDoc['fit'] };
}

/** Least-squares slope of ln y against lag (lag = T−1−k), over the positive values: an independent fit. */
function slope(ys: (number | null)[]): number {
  const T = ys.length;
  const pts = ys.flatMap((y, k) => (y !== null && y > 0 ? [[T - 1 - k, Math.log(y)] as const] : []));
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return Math.exp(sxy / sxx);
}

describe('bptt-check vanishing --seeds', () => {
  const common = ['--cells', 'rnn,lstm', '--activations', 'tanh', '--w-norm', '1', '--steps', '10', '--json'];

  it('--seeds 3 is, at every lag, the middle, least and largest of the runs --seed 1, 2 and 3', async () => {
    const runs = await Promise.all(
      ['1', '2', '3'].map((seed) => cli(['vanishing', ...common, '--seed', seed, '--out', `one${seed}`], dir)),
    );
    const three = await cli(['vanishing', ...common, '--seeds', '3', '--out', 'three'], dir);
    expect(three.code).toBe(0);
    const doc = JSON.parse(three.stdout) as { seeds: number[]; batch: number; series: SeriesDoc[] };
    expect(doc).toMatchObject({ seeds: [1, 2, 3], batch: 1 });
    const singles = runs.map((r) => (JSON.parse(r.stdout) as { series: SeriesDoc[] }).series);
    expect(doc.series.map((s) => s.cell)).toEqual(['rnn', 'lstm']); // the LSTM's gate weights drawn from each seed too
    doc.series.forEach((s, i) => {
      expect(s.samples).toBe(3);
      for (const [line, range, of] of [
        [s.dLlast_ds, s.dLlast_dsRange, (x: SeriesDoc) => x.dLlast_ds],
        [s.jacobianNorm, s.jacobianRange, (x: SeriesDoc) => x.jacobianNorm],
      ] as const)
        for (let k = 0; k < 10; k++) {
          const [lo, mid, hi] = singles.map((one) => of(one[i]!)[k]!).sort((a, b) => a - b);
          expect([range.min[k], line[k], range.max[k]]).toEqual([lo, mid, hi]);
        }
      // the three seeds differ (else the test would not tell a median from one seed)
      expect(new Set(singles.map((one) => one[i]!.dLlast_ds[0])).size).toBe(3);
      // every sample checked against tf.grad; the decay fitted on the median line
      expect(s.adjointCheck.comparedLags).toBe(singles.reduce((n, one) => n + one[i]!.adjointCheck.comparedLags, 0));
      expect(s.decay! / slope(s.dLlast_ds)).toBeCloseTo(1, 9);
    });
    // vanishing.csv: the median in the old columns, beside min, max and the sample count
    const csv = readFileSync(join(dir, 'three/vanishing.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'cell,activation,wNorm,k,lag,dLlast_ds,jacobianNorm,bound,wSource,adjointBound,tfGrad,dLlast_dsMin,dLlast_dsMax,jacobianNormMin,jacobianNormMax,samples',
    );
    const row = csv[1]!.split(',');
    expect(row.slice(0, 5)).toEqual(['rnn', 'tanh', '1', '0', '9']);
    expect(row.slice(5, 7).map(Number)).toEqual([doc.series[0]!.dLlast_ds[0], doc.series[0]!.jacobianNorm[0]]);
    expect(row.slice(11).map(Number)).toEqual([
      doc.series[0]!.dLlast_dsRange.min[0],
      doc.series[0]!.dLlast_dsRange.max[0],
      doc.series[0]!.jacobianRange.min[0],
      doc.series[0]!.jacobianRange.max[0],
      3,
    ]);
    // what each value summarises, in every report that said "batch row 0"
    const said = 'median over 3 seeds (1–3) × 1 batch row (3 samples), band from min to max';
    expect(readFileSync(join(dir, 'three/report.md'), 'utf8')).toContain(said);
    expect(readFileSync(join(dir, 'three/report.md'), 'utf8')).not.toContain('batch row 0');
    const table = await cli(['vanishing', ...common.slice(0, -1), '--seeds', '3', '--batch', '2', '--out', 't'], dir);
    expect(table.stdout).toMatch(
      /^PASS: .* in all 2 series, each at every one of its 6 samples \(3 seeds × 2 batch rows\)$/m,
    );
  });

  it('marks a number extrapolated past T with the lags its factor was fitted on, and leaves a measured one unmarked', async () => {
    // T = 40: at ‖W‖₂ = 2 the tanh RNN's adjoint does not fall to 1e-6 within 39 lags, at 0.5 it does
    const args = ['vanishing', '--cells', 'rnn,lstm', '--activations', 'tanh', '--w-norm', '0.5,2'];
    const run = await cli([...args, '--out', 'marks'], dir);
    expect(run.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'marks/report.json'), 'utf8')) as {
      T: number;
      series: SeriesDoc[];
      cellsAnswer: string;
    };
    expect(doc.T).toBe(40);
    const [small, large] = doc.series;
    // measured: the first lag where ‖∂L_{T−1}/∂s_k‖ < 1e-6 · its lag-0 value, counted here
    const ys = small!.dLlast_ds;
    let lagSmall = 1; // the first lag whose value is below 1e-6 of lag 0's
    while (lagSmall < 39 && !(ys[39 - lagSmall]! < 1e-6 * ys[39]!)) lagSmall++;
    expect(lagSmall).toBeLessThan(39);
    expect(small!.lagsTo1e6).toEqual({ lags: lagSmall, measured: true, fit: null });
    expect(run.stdout).toMatch(new RegExp(`^rnn\\s+tanh\\s+0\\.5\\s+\\S+\\s+${lagSmall}\\s+no\\s`, 'm'));
    // extrapolated: never below 1e-6 within 39 lags, ln 1e-6 / ln(the factor fitted here on lags 0–39)
    expect(large!.dLlast_ds.every((y) => y! >= 1e-6 * large!.dLlast_ds[39]!)).toBe(true);
    const lagLarge = Math.round(Math.log(1e-6) / Math.log(slope(large!.dLlast_ds)));
    expect(large!.lagsTo1e6).toMatchObject({ measured: false, fit: { fromLag: 0, toLag: 39, points: 40 } });
    expect(Math.round(large!.lagsTo1e6.lags!)).toBe(lagLarge);
    const mark = `~${lagLarge} (extrapolated from the factor ${large!.decay!.toPrecision(3)} fitted on lags 0–39)`;
    // the table: the number and its lags (the factor is the column beside it), in the console, Markdown and HTML
    const cell = `~${lagLarge} (extrapolated, lags 0–39)`;
    expect(run.stdout).toMatch(
      new RegExp(
        `^rnn\\s+tanh\\s+2\\s+${large!.decay!.toPrecision(4)}\\s+${cell.replace(/[.()~]/g, '\\$&')}\\s+no\\s`,
        'm',
      ),
    );
    expect(readFileSync(join(dir, 'marks/report.md'), 'utf8')).toContain(`| ${cell} |`);
    expect(readFileSync(join(dir, 'marks/report.html'), 'utf8')).toContain(`<td>${cell}</td>`);
    expect(doc.cellsAnswer).toContain(`tanh, ‖W‖₂ = 2: RNN ${mark}`);
    expect(doc.cellsAnswer).toContain(`tanh, ‖W‖₂ = 0.5: RNN ${lagSmall} (factor `); // no ~, no mark
    for (const f of ['report.md', 'report.html']) expect(readFileSync(join(dir, 'marks', f), 'utf8')).toContain(mark);
    expect(run.stdout).not.toMatch(new RegExp(`~${lagSmall}\\b`));
  });

  it.each([['0'], ['1.5'], ['x'], ['-2']])(
    '--seeds %s gets exit 2, one line naming --seeds, nothing written',
    async (n) => {
      const run = await cli(['vanishing', '--seeds', n, '--out', 'bad'], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`bptt-check: --seeds is "${n}", expected a positive integer\n`);
      expect(readdirSync(dir)).not.toContain('bad');
    },
  );

  it('--max-memory counts every seed’s series: 12 series × 5 seeds', async () => {
    const run = await cli(
      ['vanishing', '--steps', '1000000', '--seeds', '5', '--max-memory', '2G', '--out', 'big'],
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/60 series of T = 1000000 steps.*over --max-memory 2\.0 GB/);
    expect(readdirSync(dir)).not.toContain('big');
  });

  it('--case with --seeds 3: exit 2, one line, a case file is one draw', async () => {
    const caseFile = join(dir, 'one.case.json');
    const made = await cli(['case', '--steps', '4', '--out', caseFile], dir);
    expect(made.code).toBe(0);
    const run = await cli(['vanishing', '--case', caseFile, '--seeds', '3', '--out', 'bad-case'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'bptt-check: --seeds is 3, expected 1 with --case: a case file is one draw; leave --case out to draw 3 cases\n',
    );
    expect(existsSync(join(dir, 'bad-case'))).toBe(false);
  });
});
