import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-vanishing-'));

describe('bptt-check vanishing', () => {
  it('prints, with --json, one series per activation × W scale with the documented fields, and writes every report', async () => {
    const run = await cli(
      ['vanishing', '--activations', 'tanh,sigmoid', '--w-norm', '0.5,2', '--steps', '12', '--json', '--out', 'v'],
      dir,
    );
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.series).toHaveLength(4);
    for (const s of doc.series) {
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining(['activation', 'wNorm', 'dLlast_ds', 'jacobianNorm', 'bound', 'decay']),
      );
      expect(s.dLlast_ds).toHaveLength(12);
    }
    expect(doc).toMatchObject({ kind: 'vanishing', pass: true, backend: 'cpu' });
    expect(doc.answer).toMatch(/^Would sigmoid help\?/);
    expect(readdirSync(join(dir, 'v')).sort()).toEqual([
      '.bptt-check-manifest.json',
      'adjoints.png',
      'decay.png',
      'factor.png',
      'jacobian.png',
      'report.html',
      'report.json',
      'report.md',
      'vanishing.csv',
    ]);
    expect(readFileSync(join(dir, 'v/vanishing.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 4 * 12);
    const png = readFileSync(join(dir, 'v/adjoints.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('--cells rnn,lstm,gru puts the three cells side by side in every report, with the data-driven answer', async () => {
    const run = await cli(
      [
        'vanishing',
        '--cells',
        'rnn,lstm,gru',
        '--activations',
        'tanh',
        '--w-norm',
        '1',
        '--steps',
        '15',
        '--out',
        'cells',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lstm\s+tanh\s+1\s/m);
    expect(run.stdout).toMatch(/How much longer do gradients survive in gated cells\? LSTM/);
    const doc = JSON.parse(readFileSync(join(dir, 'cells/report.json'), 'utf8'));
    expect(doc.series.map((s: { cell: string }) => s.cell)).toEqual(['rnn', 'lstm', 'gru']);
    const csv = readFileSync(join(dir, 'cells/vanishing.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'cell,activation,wNorm,k,lag,dLlast_ds,jacobianNorm,bound,wSource,adjointBound,tfGrad,dLlast_dsMin,dLlast_dsMax,jacobianNormMin,jacobianNormMax,samples',
    );
    expect(csv.filter((l) => l.startsWith('gru,'))).toHaveLength(15);
    const html = readFileSync(join(dir, 'cells/report.html'), 'utf8');
    expect(html).toContain('id="cells-answer"');
    expect(readFileSync(join(dir, 'cells/report.md'), 'utf8')).toContain(
      '## How much longer do gradients survive in gated cells?',
    );
  });

  it('does not fail an exploding relu RNN where tf.grad overflows float32: it counts the lags left out, and says why, in every report', async () => {
    const run = await cli(
      ['vanishing', '--steps', '200', '--activations', 'relu', '--w-norm', '4', '--out', 'explode'],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/FAIL/);
    expect(run.stdout).toMatch(
      /^rnn\s+relu\s+4\s.*none compared \(float32 holds no lag\)\s+200 float32 overflow\s+hold\s/m,
    );
    expect(run.stdout).toMatch(
      /Lags not compared with tf\.grad — float32 overflow: tf\.grad \(float32\) is ±Inf or NaN there/,
    );
    expect(run.stdout).toMatch(/^PASS: .*0 of 200 compared; not compared: 200 float32 overflow/m);
    const doc = JSON.parse(readFileSync(join(dir, 'explode/report.json'), 'utf8'));
    expect(doc.pass).toBe(true);
    expect(doc.series[0].adjointCheck).toMatchObject({
      pass: true,
      comparedLags: 0,
      failure: null,
      skipped: { float32Overflow: 200, underflow: 0, float64Overflow: 0 },
    });
    expect(doc.notes[0]).toMatch(/float32 overflow/);
    for (const f of ['report.md', 'report.html']) {
      const text = readFileSync(join(dir, 'explode', f), 'utf8');
      expect(text).toContain('200 float32 overflow');
      expect(text).toMatch(/float32 overflow: tf\.grad \(float32\) is ±Inf or NaN there/);
      expect(text).not.toMatch(/FAIL/);
    }
    expect(
      readFileSync(join(dir, 'explode/vanishing.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .every((l) => l.includes(',float32-overflow,')),
    ).toBe(true);
  });

  it('reports a gradient norm beyond float64 as an overflow, not as "Inf → 0"', async () => {
    const run = await cli(
      [
        'vanishing',
        '--steps',
        '250',
        '--hidden-size',
        '8',
        '--seed',
        '3',
        '--activations',
        'linear',
        '--w-norm',
        '20',
        '--out',
        'inf',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/Inf → |→ 0\b/);
    expect(run.stdout).toMatch(/overflow \(‖∇‖ > float64 max\) → undefined/);
    expect(run.stdout).toMatch(/the clipped gradient g·n\/‖g‖ is then undefined/);
    const doc = JSON.parse(readFileSync(join(dir, 'inf/report.json'), 'utf8'));
    expect(doc.series[0].clip).toEqual({ norm: 1, before: null, after: null, overflow: true });
    expect(readFileSync(join(dir, 'inf/report.md'), 'utf8')).toContain('overflow (‖∇‖ > float64 max) → undefined');
  });

  it('the HTML captions do not repeat themselves and name the bound each chart draws', async () => {
    await cli(['vanishing', '--activations', 'tanh', '--w-norm', '1', '--steps', '8', '--out', 'captions'], dir);
    const html = readFileSync(join(dir, 'captions/report.html'), 'utf8');
    const captions = [...html.matchAll(/<figcaption>(.*?)<\/figcaption>/g)].map((m) => m[1]!);
    expect(captions).toHaveLength(4); // adjoints, jacobian, decay, factor
    for (const c of captions) {
      const w = c.split(/\s+/);
      for (let n = 1; n <= 6; n++)
        for (let i = 0; i + 2 * n <= w.length; i++)
          expect(w.slice(i, i + n).join(' '), c).not.toBe(w.slice(i + n, i + 2 * n).join(' '));
    }
    expect(captions[0]).toContain('dashed: its bound ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag');
    expect(captions[1]).toContain('dashed: its bound (σ_max(W)·γ)^lag,');
  });

  // W with ‖W‖₂ = 1.37 exactly (1.37 times a matrix divided by its spectral norm, by power iteration here)
  const H = 4;
  const A = [
    [0.9, -0.4, 0.3, 0.1],
    [0.2, 0.7, -0.5, 0.6],
    [-0.3, 0.1, 0.8, -0.2],
    [0.5, 0.4, -0.1, 0.6],
  ];
  const matmul = (X: number[][], Y: number[][]) =>
    X.map((r) => Y[0]!.map((_, j) => r.reduce((s, x, k) => s + x * Y[k]![j]!, 0)));
  const transpose = (X: number[][]) => X[0]!.map((_, j) => X.map((r) => r[j]!));
  /** σ_max(M) = √λ_max(MᵀM), λ_max by power iteration on MᵀM */
  const sigmaMax = (M: number[][]) => {
    const G = matmul(transpose(M), M);
    let v = G.map(() => 1);
    let lambda = 0;
    for (let it = 0; it < 5000; it++) {
      const w = G.map((r) => r.reduce((s, x, j) => s + x * v[j]!, 0));
      lambda = Math.hypot(...w);
      v = w.map((x) => x / lambda);
    }
    return Math.sqrt(lambda);
  };
  const W = A.map((r) => r.map((x) => (1.37 * x) / sigmaMax(A)));
  const caseFile = join(dir, 'mine.json');
  writeFileSync(
    caseFile,
    JSON.stringify({
      schemaVersion: 1,
      id: 'my-linear-rnn',
      model: { cell: 'rnn', activation: 'linear', bias: false, inputSize: 2, hiddenSize: H, outputSize: 3 },
      params: {
        U: [
          [0.5, -0.2],
          [0.1, 0.3],
          [-0.4, 0.2],
          [0.3, 0.3],
        ],
        W,
        V: [
          [0.2, -0.1, 0.4, 0.3],
          [-0.3, 0.5, 0.1, -0.2],
          [0.1, 0.2, -0.3, 0.4],
        ],
      },
      targets: [[0, 2, 1, 1, 0, 2, 1, 0]],
      inputs: [[1, 0, 1, 1, 0, 0, 1, 1]],
    }),
  );

  it('--case analyses the case’s own W and activation: one series, its ‖J_k‖ = ‖W^lag‖₂ computed here', async () => {
    const run = await cli(['vanishing', '--case', caseFile, '--json', '--out', 'own'], dir);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.series).toHaveLength(1);
    const s = doc.series[0];
    expect(s).toMatchObject({ cell: 'rnn', activation: 'linear', wSource: 'case' });
    expect(s.wNorm).toBeCloseTo(1.37, 10);
    // linear: J_k = ∂s_{T−1}/∂s_k = W^{T−1−k}
    let P: number[][] = W.map((r, i) => r.map((_, j) => (i === j ? 1 : 0)));
    for (let lag = 0; lag < 8; lag++) {
      expect(s.jacobianNorm[7 - lag] / sigmaMax(P)).toBeCloseTo(1, 9);
      P = matmul(P, W);
    }
    expect(s.bound[0]).toBeCloseTo(1.37 ** 7, 8);
    const html = readFileSync(join(dir, 'own/report.html'), 'utf8');
    expect(html).toContain('linear, case W (‖W‖₂ = 1.37)'); // the chart legend
    expect(html).toContain('1.37 (case W)'); // the table
    expect(readFileSync(join(dir, 'own/report.md'), 'utf8')).toContain('the case’s own W, unscaled (‖W‖₂ = 1.37000');
  });

  it('--case with --activations and --w-norm puts the case’s own W first for every activation, then the rescaled ones', async () => {
    const run = await cli(
      ['vanishing', '--case', caseFile, '--activations', 'tanh,linear', '--w-norm', '0.5', '--json', '--out', 'own2'],
      dir,
    );
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(
      doc.series.map(
        (x: { activation: string; wSource: string; wNorm: number }) =>
          `${x.activation}@${x.wSource === 'case' ? 'case' : x.wNorm}`,
      ),
    ).toEqual(['tanh@case', 'tanh@0.5', 'linear@case', 'linear@0.5']);
    expect(doc.series[0].wNorm).toBeCloseTo(1.37, 10);
    expect(doc.series[2].jacobianNorm[6] / sigmaMax(W)).toBeCloseTo(1, 9); // lag 1: ‖W‖₂
    expect(doc.series[3].jacobianNorm[6]).toBeCloseTo(0.5, 9);
  });

  it.each([
    [['--cells', 'rnn,lsmt'], /--cells has "lsmt", expected only rnn\|lstm\|gru/],
    [['--forget-bias', 'x'], /--forget-bias is "x", expected a finite number/],
    [['--activations', ''], /--activations is empty/],
    [['--activations', 'tanh,swish'], /--activations has "swish"/],
    [['--w-norm', '0'], /--w-norm has 0, expected positive numbers/],
    [['--w-norm', '1,-2'], /--w-norm has -2/],
    [['--w-norm', 'big'], /--w-norm has NaN/],
    [['--steps', '1'], /--steps is 1, expected T ≥ 2/],
  ])('%s gets exit 2 and one line', async (args, pattern) => {
    const run = await cli(['vanishing', ...args, '--out', 'bad'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).not.toContain('bad');
  });
});
