/**
 * A student's numpy RNN (test/users/numpy_rnn.py, WildML/cs231n-style loops) checked through the real
 * `bptt-check verify`, in float64 and in float32: the precision of the side under test is detected from
 * its values, and a float32 implementation that is right passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { findPython } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('./numpy_rnn.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-numpy-'));

const python = findPython();
if (!python)
  console.warn(
    'test/users/numpy-rnn.test.ts skipped: no python3 that can import numpy (apt-get install python3-numpy)',
  );

const numpy = (kase: string, out: string, ...flags: string[]) =>
  execFileSync(python!, [SCRIPT, kase, out, ...flags], { cwd: dir });
type Row = { tensor: string; a: string; r: string; pass: boolean };

describe.skipIf(!python)('a numpy BPTT through bptt-check verify', () => {
  it('writes the gradients of a sigmoid, dense-input, batched case with an initial state', async () => {
    expect(
      (
        await cli(
          [
            'case',
            '--activation',
            'sigmoid',
            '--bias',
            '--dense-inputs',
            '--batch',
            '3',
            '--steps',
            '7',
            '--initial-state',
            '--seed',
            '11',
            '--out',
            'c.json',
          ],
          dir,
        )
      ).code,
    ).toBe(0);
    numpy('c.json', 'g64.json');
    numpy('c.json', 'g32.json', '--float32');
    numpy('c.json', 'g32-9digits.json', '--float32', '--digits', '9');
    numpy('c.json', 'bug64.json', '--bug', 'missing-fprime');
    numpy('c.json', 'bug32.json', '--float32', '--bug', 'missing-fprime');
    const g32 = JSON.parse(readFileSync(join(dir, 'g32.json'), 'utf8'));
    const values = Object.values(g32.gradients as Record<string, number[] | number[][]>).flatMap((t) => t.flat());
    expect(values.every((x) => Math.fround(x) === x)).toBe(true); // the float32 run really wrote float32 values
  });

  it('float64: passes, against both tfjs references and every entry of the finite differences', async () => {
    const run = await cli(['verify', '--case', 'c.json', '--grads', 'g64.json', '--json', '--out', 'v64'], dir);
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.dtype).toEqual({ dtype: 'float64', source: 'detected' });
    expect(c.rows.some((r: Row) => r.a === 'yours' && r.r === 'fd')).toBe(true);
  });

  it('float32: passes with the precision detected, and says so in one line on the console and in the report', async () => {
    const run = await cli(['verify', '--case', 'c.json', '--grads', 'g32.json', '--out', 'v32'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.includes('float32 detected'))).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, 'v32/report.json'), 'utf8'));
    expect(report.cases[0].dtype).toEqual({ dtype: 'float32', source: 'detected' });
    expect(report.cases[0].notes.some((n: string) => n.startsWith('float32 detected'))).toBe(true);
    expect(report.cases[0].fd.tolerance).toEqual({ atol: 1e-4, rtol: 1e-3 });
  });

  it('float32 written with 9 significant digits ("%.9g", not the exact float32s) passes with the precision detected too', async () => {
    const written = JSON.parse(readFileSync(join(dir, 'g32-9digits.json'), 'utf8'));
    const values = Object.values(written.gradients as Record<string, number[] | number[][]>).flatMap((t) => t.flat());
    expect(values.some((x) => Math.fround(x) !== x)).toBe(true); // decimals, not float32 numbers
    const run = await cli(
      ['verify', '--case', 'c.json', '--grads', 'g32-9digits.json', '--json', '--out', 'v32digits'],
      dir,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).cases[0].dtype).toEqual({ dtype: 'float32', source: 'detected' });
  });

  it('float32 held to float64 by --dtype float64 fails honestly, on the fd pair alone', async () => {
    const run = await cli(
      ['verify', '--case', 'c.json', '--grads', 'g32.json', '--dtype', 'float64', '--json', '--out', 'v32as64'],
      dir,
    );
    expect(run.code).toBe(1);
    const failing = new Set(
      JSON.parse(run.stdout)
        .cases[0].rows.filter((r: Row) => !r.pass)
        .map((r: Row) => `${r.a} vs ${r.r}`),
    );
    expect([...failing]).toEqual(['yours vs fd']);
    // the pairs line reads it: below float32 resolution, and the flag that would hold it to float32
    expect(JSON.parse(run.stdout).cases[0].disagreement).toMatch(
      /an error below float32 resolution, which only the float64 pair sees \(if yours computes in float32, --dtype float32/,
    );
  });

  it('a dtype field in the gradients file is taken as given', async () => {
    const g = JSON.parse(readFileSync(join(dir, 'g32.json'), 'utf8'));
    writeFileSync(join(dir, 'g32-field.json'), JSON.stringify({ ...g, dtype: 'float64' }));
    const run = await cli(
      ['verify', '--case', 'c.json', '--grads', 'g32-field.json', '--json', '--out', 'vfield'],
      dir,
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).cases[0].dtype).toEqual({ dtype: 'float64', source: 'given' });
  });

  it.each([
    ['float64', 'bug64.json'],
    ['float32', 'bug32.json'],
  ])('the missing f′ fails in %s, against tfjs and fd', async (_p, file) => {
    const run = await cli(['verify', '--case', 'c.json', '--grads', file, '--json', '--out', `vbug-${_p}`], dir);
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.dtype.dtype).toBe(_p);
    const failing = new Set(c.rows.filter((r: Row) => !r.pass).map((r: Row) => `${r.tensor} ${r.a} vs ${r.r}`));
    for (const pair of ['W yours vs tfjs-ops', 'W yours vs fd', 'U yours vs fd'])
      expect(failing.has(pair), pair).toBe(true);
  });

  it.each([
    [['--dtype', 'float16'], /--dtype is "float16", expected one of float32\|float64/],
    [['--dtype', 'bfloat'], /--dtype is "bfloat", expected one of float32\|float64/],
  ])('verify %j exits 2 with one line', async (extra, pattern) => {
    const run = await cli(['verify', '--case', 'c.json', '--grads', 'g32.json', ...extra, '--out', 'never'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a dtype field other than float32 or float64 exits 2 naming the field', async () => {
    const g = JSON.parse(readFileSync(join(dir, 'g32.json'), 'utf8'));
    writeFileSync(join(dir, 'g-f16.json'), JSON.stringify({ ...g, dtype: 'float16' }));
    const run = await cli(['verify', '--case', 'c.json', '--grads', 'g-f16.json', '--out', 'never'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/gradients file ".*g-f16\.json": dtype is "float16", expected "float32" or "float64"/);
  });
});
