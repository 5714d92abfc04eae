/**
 * A student's numpy LSTM and GRU BPTT (examples/python/gated_bptt.py, plain loops over t, driven by
 * test/users/numpy_gated.py) checked through the real CLI: `bptt-check case` writes the case, the numpy code
 * writes the gradients file, `bptt-check verify` passes it against the tfjs references and the finite
 * differences. Independent expected values: the PyTorch float64 fixtures, the float64 finite differences,
 * and for truncation and detaching (which verify does not take) the `grads` files of the hand side and
 * tfjs-ops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath, relErr } from '../helpers/fixtures.js';
import { findPython } from '../helpers/python.js';

const DRIVER = fileURLToPath(new URL('./numpy_gated.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-numpy-gated-'));

const python = findPython();
if (!python)
  console.warn(
    'test/users/numpy-gated.test.ts skipped: no python3 that can import numpy (apt-get install python3-numpy)',
  );

const numpy = (kase: string, out: string, ...flags: string[]) =>
  execFileSync(python!, [DRIVER, kase, out, ...flags], { cwd: dir });

type Nested = number | Nested[];
interface GradsFile {
  loss: number;
  gradients: Record<string, Nested>;
  adjoints?: Record<string, Nested>;
}
const read = (file: string): GradsFile => JSON.parse(readFileSync(join(dir, file), 'utf8')) as GradsFile;
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** The worst ‖a − r‖/‖r‖ over the loss and every tensor of r; a tensor missing from a fails. */
function worst(a: GradsFile, r: GradsFile): number {
  expect(Object.keys(a.gradients).sort()).toEqual(Object.keys(r.gradients).sort());
  let e = relErr([a.loss], [r.loss]);
  for (const [name, v] of Object.entries(r.gradients)) e = Math.max(e, relErr(flat(a.gradients[name]!), flat(v)));
  return e;
}

const caseFlags = (cell: string, extra: string[]) => [
  'case',
  '--cell',
  cell,
  '--input-size',
  '4',
  '--hidden-size',
  '5',
  '--steps',
  '6',
  ...extra,
];

// a handful of cases: both cells, with and without bias, an initial state, batch 2, token and dense inputs,
// every activation and both recurrent activations
const CASES: [string, string, string[]][] = [
  ['lstm-tanh-hard', 'lstm', ['--activation', 'tanh', '--recurrent-activation', 'hardSigmoid', '--seed', '1']],
  [
    'lstm-relu-sigmoid-bias-s0-b2-dense',
    'lstm',
    [
      ...['--activation', 'relu', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state'],
      ...['--batch', '2', '--dense-inputs', '--seed', '2'],
    ],
  ],
  [
    'gru-linear-sigmoid-bias-s0-b2',
    'gru',
    [
      ...['--activation', 'linear', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state'],
      ...['--batch', '2', '--seed', '3'],
    ],
  ],
  [
    'gru-sigmoid-hard-dense',
    'gru',
    ['--activation', 'sigmoid', '--recurrent-activation', 'hardSigmoid', '--dense-inputs', '--seed', '4'],
  ],
];

describe.skipIf(!python)('a numpy LSTM and GRU BPTT through bptt-check verify', () => {
  it.each(CASES)(
    '%s: verify passes against tfjs-layers, tfjs-ops and every finite difference',
    async (id, cell, extra) => {
      expect((await cli([...caseFlags(cell, extra), '--out', `${id}.case.json`], dir)).code).toBe(0);
      numpy(`${id}.case.json`, `${id}.grads.json`);
      const run = await cli(
        ['verify', '--case', `${id}.case.json`, '--grads', `${id}.grads.json`, '--json', '--out', `v-${id}`],
        dir,
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const c = JSON.parse(run.stdout).cases[0];
      expect(c.dtype).toEqual({ dtype: 'float64', source: 'detected' });
      const pairs = new Set(c.rows.map((r: { a: string; r: string }) => `${r.a} vs ${r.r}`));
      for (const pair of ['yours vs tfjs-layers', 'yours vs tfjs-ops', 'yours vs fd'])
        expect(pairs.has(pair)).toBe(true);
      if (extra.includes('--initial-state')) expect(read(`${id}.grads.json`).gradients.initialState).toBeDefined();
    },
  );

  it.each(['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-hardsigmoid-dense', 'gru-sigmoid-bias-s0'])(
    'the PyTorch fixture %s: the numpy gradients equal PyTorch float64 autograd to 1e-10',
    async (name) => {
      numpy(fixturePath(`${name}.case.json`), `${name}.numpy.json`);
      const expected = JSON.parse(readFileSync(fixturePath(`${name}.grads.json`), 'utf8')) as GradsFile;
      expect(worst(read(`${name}.numpy.json`), expected)).toBeLessThan(1e-10);
    },
  );

  it('--clip-norm 1: the clipped numpy gradients pass verify --clip-norm 1, the unclipped ones fail it', async () => {
    const id = 'lstm-relu-sigmoid-bias-s0-b2-dense';
    numpy(`${id}.case.json`, 'clipped.grads.json', '--clip-norm', '1');
    const g = read('clipped.grads.json');
    const params = Object.entries(g.gradients).filter(([name]) => name !== 'initialState');
    expect(Math.hypot(...params.flatMap(([, v]) => flat(v)))).toBeCloseTo(1, 12); // clipping was active
    expect(flat(g.gradients.initialState!)).toEqual(flat(read(`${id}.grads.json`).gradients.initialState!)); // not a parameter
    const verify = (file: string, out: string) =>
      cli(['verify', '--case', `${id}.case.json`, '--grads', file, '--clip-norm', '1', '--out', out], dir);
    expect((await verify('clipped.grads.json', 'v-clipped')).code).toBe(0);
    expect((await verify(`${id}.grads.json`, 'v-unclipped')).code).toBe(1);
  });

  it.each([
    ['lstm', 'lstm-relu-sigmoid-bias-s0-b2-dense', '--truncate', '2'],
    ['gru', 'gru-linear-sigmoid-bias-s0-b2', '--truncate', '2'],
    ['lstm', 'lstm-relu-sigmoid-bias-s0-b2-dense', '--detach-every', '2'],
    ['gru', 'gru-linear-sigmoid-bias-s0-b2', '--detach-every', '4'],
  ])(
    '%s %s %s %s: the numpy gradients equal the hand side to 1e-10 and tfjs-ops to float32',
    async (_cell, id, flag, k) => {
      const out = `${id}${flag}${k}`;
      numpy(`${id}.case.json`, `${out}.numpy.json`, flag, k);
      for (const impl of ['hand', 'tfjs-ops'])
        expect(
          (
            await cli(
              ['grads', '--case', `${id}.case.json`, '--impl', impl, flag, k, '--out', `${out}.${impl}.json`],
              dir,
            )
          ).code,
        ).toBe(0);
      const mine = read(`${out}.numpy.json`);
      expect(worst(mine, read(`${out}.hand.json`))).toBeLessThan(1e-10);
      expect(worst(mine, read(`${out}.tfjs-ops.json`))).toBeLessThan(1e-5);
      expect(worst(mine, read(`${id}.grads.json`))).toBeGreaterThan(1e-3); // the variant changed the gradients
    },
  );
});
