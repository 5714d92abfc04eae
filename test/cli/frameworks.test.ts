/**
 * The real torch.nn models of test/fixtures/frameworks/ (PyTorch's names, layouts, two biases, gate order, reset
 * after, mean loss, masks), checked by `verify` as they are: each passes under --conventions pytorch, is refused
 * without any conventions with the preset named, and fails with one setting of the preset changed, the diagnosis
 * naming the setting that makes it pass. Expected values: PyTorch's float64 autograd (the fixtures).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-frameworks-'));
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'frameworks', `${name}.json`);
const report = (out: string) =>
  JSON.parse(readFileSync(join(dir, out, 'report.json'), 'utf8')) as {
    pass: boolean;
    conventions?: string[];
    cases: { rows: { tensor: string; pass: boolean; a: string; r: string }[] }[];
  };

// each fixture, and what its loss declares beyond the preset (many-to-one sums: PyTorch's reduction='sum')
const FIXTURES = [
  ['pytorch-rnn-mean', []],
  ['pytorch-lstm-mean', []],
  ['pytorch-gru-mean', []],
  ['pytorch-rnn-many-to-one', ['--reduction', 'sum']],
  ['pytorch-lstm-masked-lengths', []],
] as const;

describe('verify --conventions pytorch on real torch.nn models', () => {
  it.each(FIXTURES)('%s passes with nothing converted by hand', async (name, extra) => {
    const out = `ok-${name}`;
    const run = await cli(
      ['verify', '--conventions', 'pytorch', ...extra, '--grads', fixture(name), '--out', out],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = report(out);
    expect(r.pass).toBe(true);
    expect(r.conventions?.[0]).toMatch(/pytorch/);
    const rows = r.cases[0]!.rows.filter((x) => x.a === 'yours');
    // both of PyTorch's biases are checked, the hh one as its own rows, against tf.grad and the finite differences
    expect(rows.some((x) => x.tensor.endsWith('~hh') && x.r === 'tfjs-ops')).toBe(true);
    expect(rows.some((x) => x.r === 'fd')).toBe(true);
    expect(run.stdout).toMatch(/conventions: pytorch/);
  });

  it.each(FIXTURES)('%s without conventions is refused, naming --conventions pytorch', async (name) => {
    const run = await cli(['verify', '--grads', fixture(name), '--out', `none-${name}`], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/PyTorch's names .*--conventions pytorch\?/);
  });

  it.each([
    ['pytorch-rnn-mean', ['--reduction', 'sum'], /--reduction mean/],
    ['pytorch-lstm-masked-lengths', ['--reduction', 'mean-batch'], /--reduction mean\b/],
    ['pytorch-rnn-many-to-one', [], /--reduction sum/],
    ['pytorch-lstm-mean', ['--gate-order', 'i,f,o,g'], /--gate-order i,f,g,o/],
    ['pytorch-gru-mean', ['--gru-reset', 'before'], /--gru-reset after/],
  ] as const)('%s with %j fails, and the diagnosis names the setting that passes', async (name, extra, said) => {
    const out = `wrong-${name}`;
    const run = await cli(
      ['verify', '--conventions', 'pytorch', ...extra, '--grads', fixture(name), '--out', out],
      dir,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(said);
    expect(report(out).pass).toBe(false);
  });

  it('names the failing tensors in PyTorch’s names too, in the console and in report.md', async () => {
    const out = 'places';
    const run = await cli(
      [
        'verify',
        '--conventions',
        'pytorch',
        '--gate-order',
        'i,f,o,g',
        '--grads',
        fixture('pytorch-lstm-mean'),
        '--out',
        out,
      ],
      dir,
    );
    expect(run.code).toBe(1);
    // H = 4: with the order i,f,o,g declared, U_o is read from rows 8–11 of weight_ih_l0 and U_g from 12–15
    expect(run.stdout).toMatch(
      /in your names: .*U_i = weight_ih_l0 rows 0–3; .*U_g = weight_ih_l0 rows 12–15; .*U_o = weight_ih_l0 rows 8–11/,
    );
    expect(run.stdout).toMatch(/b_i~hh = bias_hh_l0 entries 0–3/);
    expect(readFileSync(join(dir, out, 'report.md'), 'utf8')).toMatch(/\*\*In your names:\*\* .*V = linear\.weight/);
  });

  it('a padded batch averaged over every step, padding included ((loss · mask).mean()), is named mean-over-padding', async () => {
    // PyTorch's masked LSTM: the mean over the N = 16 steps with a loss; × 16/21 is the masked sum ÷ B·T = 3·7
    const f = JSON.parse(readFileSync(fixture('pytorch-lstm-masked-lengths'), 'utf8'));
    const times = (v: unknown): unknown => (Array.isArray(v) ? v.map(times) : (v as number) * (16 / 21));
    f.loss_value = times(f.loss_value);
    for (const k of Object.keys(f.gradients)) f.gradients[k] = times(f.gradients[k]);
    writeFileSync(join(dir, 'padded-mean.json'), JSON.stringify(f));
    const run = await cli(
      ['verify', '--conventions', 'pytorch', '--grads', 'padded-mean.json', '--out', 'padded'],
      dir,
    );
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('diagnosis:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/mean-over-padding: .*× 0\.761905: the masked sum divided by all B·T = 21 steps.*N = 16/);
  });
});
