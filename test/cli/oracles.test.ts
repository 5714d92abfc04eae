/** The command line of the third oracle, truncation, clipping and the per-step detail. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixtureGrads, fixturePath, relErr } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-oracles-'));

describe('compare with the new options', () => {
  it('--fd full adds the finite-difference rows and says which pairs agree', async () => {
    const run = await cli(['compare', '--fd', 'full', '--bias', '--out', 'fd'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^W\s+16×16\s+hand vs fd .* pass$/m);
    expect(run.stdout).toMatch(/^W\s+16×16\s+tfjs-ops vs fd .* pass$/m);
    expect(run.stdout).toContain('pairs: every pair agrees');
    const md = readFileSync(join(dir, 'fd/report.md'), 'utf8');
    expect(md).toContain('**Pairs:** every pair agrees.');
    expect(md).toMatch(/Finite differences: every entry, central, ε per tensor U 1\.00e-7/);
    expect(JSON.parse(readFileSync(join(dir, 'fd/report.json'), 'utf8')).cases[0].disagreement).toBe(
      'every pair agrees',
    );
  });

  it('--truncate checks against tfjs-ops only and says the layers reference was skipped', async () => {
    const run = await cli(
      ['compare', '--case', fixturePath('rnn-linear-s0.case.json'), '--truncate', '2', '--out', 'tr'],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('tfjs-layers vs');
    expect(readFileSync(join(dir, 'tr/report.md'), 'utf8')).toMatch(
      /Note: tfjs-layers skipped: tf\.layers\.simpleRNN cannot truncate/,
    );
  });

  it('--steps-detail writes steps.csv with one row per step and names the first divergence in the report', async () => {
    const run = await cli(['compare', '--steps-detail', '--steps', '6', '--output-step', '3', '--out', 'steps'], dir);
    expect(run.code).toBe(0);
    expect(readdirSync(join(dir, 'steps'))).toContain('steps.csv');
    const csv = readFileSync(join(dir, 'steps/steps.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(
      /^case,outputStep,step,adjoint_hand,adjoint_reference,adjoint_relErrNorm,adjoint_pass,W_hand/,
    );
    expect(csv[4]).toMatch(/,3,3,/);
    expect(readFileSync(join(dir, 'steps/report.md'), 'utf8')).toMatch(
      /the single output L_3.*\n\nThe two sides agree at every step\./,
    );
  });

  it('--clip-norm records the norm before and after for every implementation', async () => {
    const run = await cli(['compare', '--clip-norm', '0.5', '--json', '--out', 'clip'], dir);
    expect(run.code).toBe(0);
    const clip = JSON.parse(run.stdout).cases[0].clip;
    expect(Object.keys(clip).sort()).toEqual(['hand', 'tfjs-layers', 'tfjs-ops']);
    expect(clip.hand.normAfter).toBeCloseTo(0.5, 12);
  });
});

describe('grads with the new implementations and options', () => {
  const worst = (file: { loss: number; gradients: Record<string, unknown> }, name: string) => {
    const e = fixtureGrads(name);
    return Math.max(
      relErr([file.loss], [e.loss]),
      ...Object.entries(e.gradients).map(([k, v]) =>
        relErr((file.gradients[k] as number[]).flat(), (v as number[]).flat()),
      ),
    );
  };
  it.each([
    [['--impl', 'fd'], 'rnn-linear-s0.grads.json', 1e-10],
    [['--impl', 'hand', '--truncate', '2'], 'rnn-linear-s0.truncate2.grads.json', 1e-12],
    [['--impl', 'tfjs-ops', '--detach-every', '2'], 'rnn-linear-s0.detach2.grads.json', 1e-6],
  ] as const)('%s writes gradients that match %s', async (args, expected, bound) => {
    const run = await cli(['grads', '--case', fixturePath('rnn-linear-s0.case.json'), ...args], dir);
    expect(run.code).toBe(0);
    expect(worst(JSON.parse(run.stdout), expected)).toBeLessThan(bound);
  });
  it.each(['hand', 'tfjs-layers', 'tfjs-ops', 'fd'])(
    '--impl %s --clip-norm 0.5 matches PyTorch’s clipped gradients',
    async (impl) => {
      const run = await cli(
        ['grads', '--case', fixturePath('rnn-tanh.case.json'), '--impl', impl, '--clip-norm', '0.5'],
        dir,
      );
      expect(run.code).toBe(0);
      expect(worst(JSON.parse(run.stdout), 'rnn-tanh.clipnorm0.5.grads.json')).toBeLessThan(
        impl.startsWith('tfjs') ? 1e-6 : 1e-7,
      );
    },
  );
});

describe('bad options get exit 2 and one line', () => {
  beforeAll(() => writeFileSync(join(dir, 'keep.txt'), 'untouched'));
  const tanh = fixturePath('rnn-tanh.case.json');
  it.each([
    [['compare', '--truncate', '-1'], /--truncate is "-1", expected an integer ≥ 0/],
    [['compare', '--truncate', '1.5'], /--truncate is "1\.5", expected an integer ≥ 0/],
    [['compare', '--detach-every', '-2'], /--detach-every is "-2", expected a positive integer/],
    [['compare', '--detach-every', 'two'], /--detach-every is "two", expected a positive integer/],
    [
      ['compare', '--fd', 'sample', '500'],
      /--fd sample is 500, larger than tensor U \(128 entries\); expected at most 128/,
    ],
    [['compare', '--fd', 'sometimes'], /--fd is "sometimes", expected full, sample N or fast \[k\]/],
    [['compare', '--clip-value', '0'], /--clip-value is "0", expected a positive number/],
    [['compare', '--clip-norm', '-3'], /--clip-norm is "-3", expected a positive number/],
    [
      ['compare', '--steps-detail', '--output-step', '10'],
      /--output-step is 10, expected an integer in \[0, T\) = \[0, 10\)/,
    ],
    [['compare', '--steps-detail', '--output-step', '-1'], /--output-step is -1, expected an integer in \[0, T\)/],
    [['compare', '--fd', 'full', '--truncate', '2'], /--fd is full with --truncate, expected no --fd/],
    [
      ['compare', '--reference', 'layers', '--truncate', '2'],
      /--reference is "layers", but truncation is supported by the tfjs-ops reference only/,
    ],
    [
      ['grads', '--case', tanh, '--impl', 'tfjs-layers', '--truncate', '2'],
      /--truncate is given with --impl tfjs-layers, expected --impl hand or tfjs-ops: only they support truncation/,
    ],
    [
      ['grads', '--case', tanh, '--impl', 'fd', '--detach-every', '2'],
      /--detach-every is given with --impl fd, expected --impl hand or tfjs-ops/,
    ],
    [
      ['grads', '--case', tanh, '--impl', 'fd', '--fd', 'sample', '3'],
      /--fd is sample for grads, expected full: a gradients file holds every entry/,
    ],
  ] as const)('%s', async (args, pattern) => {
    const run = await cli([...args, ...(args[0] === 'compare' ? ['--out', 'reports'] : [])], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(
      readdirSync(dir).filter(
        (f) => f.endsWith('.json') || f.endsWith('.csv') || f.endsWith('.md') || f.includes('reports'),
      ),
    ).toEqual([]);
  });
});
