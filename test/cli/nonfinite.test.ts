/**
 * What the tool writes, it can read (issue 14, item 7): non-finite values have one representation in
 * gradients files, the strings "NaN", "Infinity", "-Infinity" (docs/formats.md, "Gradients file"), which
 * `grads` writes and `verify` reads; a non-finite loss is a failing row (exit 1), never a refusal (exit 2).
 * The exploding case is the stress preset's: linear, init scale 1.5, T = 200, where float32 overflows
 * (the float64 loss is 5.24e44 > 3.4e38) and tfjs gives NaN.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { findPython } from '../helpers/python.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-nonfinite-'));
const STRESS = [
  '--activation',
  'linear',
  '--input-size',
  '8',
  '--hidden-size',
  '32',
  '--steps',
  '200',
  '--init-scale',
  '1.5',
  '--seed',
  '1',
];
type Row = {
  tensor: string;
  a: string;
  r: string;
  pass: boolean;
  reason?: string;
  nonFinite?: { a: number; r: number };
};
const rowsOf = (stdout: string): Row[] => JSON.parse(stdout).cases[0].rows;
const verify = (kase: string, grads: string, out: string) =>
  cli(['verify', '--case', kase, '--grads', grads, '--json', '--out', out], dir);

beforeAll(async () => {
  expect((await cli(['case', ...STRESS, '--out', 'big.json'], dir)).code).toBe(0);
});

describe('a gradients file with non-finite values, written by grads and read by verify', () => {
  it('grads writes the overflowing tfjs-ops gradients as "NaN" strings, and verify reads its own file: exit 1 with a failing loss row, not exit 2', async () => {
    expect((await cli(['grads', '--case', 'big.json', '--impl', 'tfjs-ops', '--out', 'ops.json'], dir)).code).toBe(0);
    const text = readFileSync(join(dir, 'ops.json'), 'utf8');
    expect(JSON.parse(text).loss).toBe('NaN');
    expect(text).not.toMatch(/null|[[,:]NaN/); // neither null nor a bare token
    const run = await verify('big.json', 'ops.json', 'v-ops');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const rows = rowsOf(run.stdout);
    // both references overflow too: the file is checked against float64 finite differences, loss included
    expect(rows.find((r) => r.tensor === 'loss')).toMatchObject({
      a: 'yours',
      r: 'fd',
      pass: false,
      nonFinite: { a: 1, r: 0 },
    });
    expect(rows.find((r) => r.tensor === 'loss')!.reason).toMatch(
      /^non-finite values \(NaN or ±Inf\) in the implementation/,
    );
    expect(rows.filter((r) => r.tensor !== 'loss').map((r) => [r.tensor, r.pass, r.nonFinite?.a])).toEqual([
      ['U', false, 256],
      ['W', false, 1024],
      ['V', false, 256],
    ]);
  });

  it('verify passes the hand side’s finite gradients of the same case, its loss checked against the float64 loss', async () => {
    expect((await cli(['grads', '--case', 'big.json', '--impl', 'hand', '--out', 'hand.json'], dir)).code).toBe(0);
    const run = await verify('big.json', 'hand.json', 'v-hand');
    expect(run.code).toBe(0);
    expect(rowsOf(run.stdout).map((r) => [r.tensor, r.r, r.pass])).toEqual([
      ['loss', 'fd', true],
      ['U', 'fd', true],
      ['W', 'fd', true],
      ['V', 'fd', true],
    ]);
  });

  it('a wrong finite loss where every reference overflows fails against the float64 loss, alone', async () => {
    const g = JSON.parse(readFileSync(join(dir, 'hand.json'), 'utf8'));
    g.loss *= 1.01;
    writeFileSync(join(dir, 'hand-loss.json'), JSON.stringify(g));
    const run = await verify('big.json', 'hand-loss.json', 'v-loss');
    expect(run.code).toBe(1);
    expect(
      rowsOf(run.stdout)
        .filter((r) => !r.pass)
        .map((r) => r.tensor),
    ).toEqual(['loss']);
  });

  it('reads "Infinity", "-Infinity" and null (JSON.stringify’s) as non-finite values: failing rows, exit 1', async () => {
    const kase = fixturePath('rnn-tanh.case.json');
    const g = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
    for (const [name, loss, entry] of [
      ['inf', 'Infinity', '-Infinity'],
      ['null', null, null],
    ] as const) {
      const file = {
        schemaVersion: 1,
        source: 'by hand',
        loss,
        gradients: {
          ...g.gradients,
          W: g.gradients.W.map((row: number[], i: number) => (i === 0 ? [entry, ...row.slice(1)] : row)),
        },
      };
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(file));
      const run = await verify(kase, `${name}.json`, `v-${name}`);
      expect(run.code, name).toBe(1);
      const failing = rowsOf(run.stdout).filter((r) => !r.pass);
      expect(new Set(failing.map((r) => r.tensor)), name).toEqual(new Set(['loss', 'W']));
      expect(
        failing.every((r) => r.nonFinite?.a === 1),
        name,
      ).toBe(true);
    }
  });

  it('refuses a string that is not one of the three (exit 2, naming the field and what was expected)', async () => {
    const g = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
    writeFileSync(join(dir, 'nan-lower.json'), JSON.stringify({ schemaVersion: 1, ...g, loss: 'nan' }));
    const run = await verify(fixturePath('rnn-tanh.case.json'), 'nan-lower.json', 'v-lower');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'bptt-check: gradients file "nan-lower.json": loss is "nan", expected a number (or "NaN", "Infinity", "-Infinity")',
    );
  });
});

const python = findPython();

describe.skipIf(!python)('a numpy float32 BPTT that overflows, written by Python’s json', () => {
  it('writes bare Infinity/NaN tokens, which verify reads as a failing loss row (exit 1), not as bad input', async () => {
    const script = fileURLToPath(new URL('../users/numpy_rnn.py', import.meta.url));
    execFileSync(python!, [script, 'big.json', 'np32.json', '--float32'], { cwd: dir, stdio: 'ignore' });
    expect(readFileSync(join(dir, 'np32.json'), 'utf8')).toMatch(/[[,:] ?(-?Infinity|NaN)/);
    const run = await verify('big.json', 'np32.json', 'v-np32');
    expect(run.code).toBe(1);
    const loss = rowsOf(run.stdout).find((r) => r.tensor === 'loss')!;
    expect(loss).toMatchObject({ a: 'yours', r: 'fd', pass: false, nonFinite: { a: 1, r: 0 } });
  });
});
