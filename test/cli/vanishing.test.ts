import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-vanishing-'));

describe('bptt-check vanishing', () => {
  it('prints, with --json, one series per activation × W scale with the documented fields, and writes every report', async () => {
    const run = await cli(['vanishing', '--activations', 'tanh,sigmoid', '--w-norm', '0.5,2', '--steps', '12', '--json', '--out', 'v'], dir);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.series).toHaveLength(4);
    for (const s of doc.series) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['activation', 'wNorm', 'dLlast_ds', 'jacobianNorm', 'bound', 'decay']));
      expect(s.dLlast_ds).toHaveLength(12);
    }
    expect(doc).toMatchObject({ kind: 'vanishing', pass: true, backend: 'cpu' });
    expect(doc.answer).toMatch(/^Would sigmoid help\?/);
    expect(readdirSync(join(dir, 'v')).sort()).toEqual(['.bptt-check-manifest.json', 'adjoints.png', 'decay.png', 'jacobian.png', 'report.html', 'report.json', 'report.md', 'vanishing.csv']);
    expect(readFileSync(join(dir, 'v/vanishing.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 4 * 12);
    const png = readFileSync(join(dir, 'v/adjoints.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('--cells rnn,lstm,gru puts the three cells side by side in every report, with the data-driven answer', async () => {
    const run = await cli(['vanishing', '--cells', 'rnn,lstm,gru', '--activations', 'tanh', '--w-norm', '1', '--steps', '15', '--out', 'cells'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lstm\s+tanh\s+1\s/m);
    expect(run.stdout).toMatch(/How much longer do gradients survive in gated cells\? LSTM/);
    const doc = JSON.parse(readFileSync(join(dir, 'cells/report.json'), 'utf8'));
    expect(doc.series.map((s: { cell: string }) => s.cell)).toEqual(['rnn', 'lstm', 'gru']);
    const csv = readFileSync(join(dir, 'cells/vanishing.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('cell,activation,wNorm,k,lag,dLlast_ds,jacobianNorm,bound');
    expect(csv.filter((l) => l.startsWith('gru,'))).toHaveLength(15);
    const html = readFileSync(join(dir, 'cells/report.html'), 'utf8');
    expect(html).toContain('id="cells-answer"');
    expect(readFileSync(join(dir, 'cells/report.md'), 'utf8')).toContain('## How much longer do gradients survive in gated cells?');
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
