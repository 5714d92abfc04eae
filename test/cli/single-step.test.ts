/** T = 1 through the real command: compare with every cell and reference, and grads from tfjs-ops. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaseFile } from '../../src/model/case.js';
import { cli } from '../helpers/cli.js';
import { relErr } from '../helpers/fixtures.js';
import { oneStepGradients } from '../helpers/one-step.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-t1-'));

describe('bptt-check with a single step (T = 1)', () => {
  it.each([
    ['rnn', 'both'],
    ['rnn', 'ops'],
    ['lstm', 'both'],
    ['gru', 'both'],
  ])(
    'compare --steps 1 --cell %s --reference %s passes (exit 0) with the per-step check and finite differences',
    async (cell, ref) => {
      const out = join(dir, `compare-${cell}-${ref}`);
      const run = await cli(
        [
          'compare',
          '--steps',
          '1',
          '--cell',
          cell,
          '--reference',
          ref,
          '--batch',
          '3',
          '--initial-state',
          '--bias',
          '--fd',
          'full',
          '--out',
          out,
        ],
        dir,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/PASS: every gradient agrees/);
      expect(run.stdout).toMatch(/per step \(L = Σ_t L_t, 1 steps.*agree at every step/);
    },
  );

  it.each([
    ['--truncate', '1'],
    ['--detach-every', '1'],
    ['--output-step', '0'],
  ])('compare --steps 1 --cell gru --reference ops %s %s passes (exit 0)', async (flag, value) => {
    const run = await cli(
      [
        'compare',
        '--steps',
        '1',
        '--cell',
        'gru',
        '--reference',
        'ops',
        flag,
        value,
        '--initial-state',
        '--out',
        join(dir, `v${flag}`),
      ],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it.each(['rnn', 'lstm', 'gru'])(
    'grads --impl tfjs-ops on a T = 1 %s case writes the gradients of the formula worked out on paper, to float32 precision',
    async (cell) => {
      const caseFile = join(dir, `${cell}.case.json`);
      const made = await cli(
        [
          'case',
          '--steps',
          '1',
          '--cell',
          cell,
          '--batch',
          '3',
          '--bias',
          '--initial-state',
          '--seed',
          '4',
          '--out',
          caseFile,
        ],
        dir,
      );
      expect(made.code).toBe(0);
      const run = await cli(['grads', '--case', caseFile, '--impl', 'tfjs-ops'], dir);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const got = JSON.parse(run.stdout) as { loss: number; gradients: Record<string, number[] | number[][]> };
      const want = oneStepGradients(JSON.parse(readFileSync(caseFile, 'utf8')) as CaseFile);
      expect(Object.keys(got.gradients).sort()).toEqual(Object.keys(want.gradients).sort());
      expect(relErr([got.loss], [want.loss])).toBeLessThan(1e-6);
      for (const [name, v] of Object.entries(want.gradients))
        expect(relErr(got.gradients[name]!.flat(), v.flat()), name).toBeLessThan(1e-5);
    },
  );
});
