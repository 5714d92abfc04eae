import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase } from '../../src/model/io.js';
import { cli } from '../helpers/cli.js';
import { fixtureGrads, fixturePath, relErr } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-grads-'));

/** Worst relative error of a gradients file's contents against a fixture's. */
function worst(
  file: { loss: number; gradients: Record<string, unknown> },
  expected: ReturnType<typeof fixtureGrads>,
): number {
  let w = relErr([file.loss], [expected.loss]);
  for (const [name, v] of Object.entries(expected.gradients))
    w = Math.max(w, relErr((file.gradients[name] as number[]).flat(), (v as number[]).flat()));
  return w;
}

describe('bptt-check grads', () => {
  it.each([
    ['hand', 1e-12],
    ['tfjs-layers', 1e-6],
    ['tfjs-ops', 1e-6],
  ] as const)('writes the %s gradients of a case in the gradients-file format', async (impl, bound) => {
    const run = await cli(['grads', '--case', fixturePath('rnn-linear-s0.case.json'), '--impl', impl], dir);
    expect(run.code).toBe(0);
    const file = JSON.parse(run.stdout);
    expect(file).toMatchObject({ schemaVersion: 1, source: expect.stringContaining(impl) });
    expect(Object.keys(file.gradients)).toEqual(['U', 'W', 'b', 'V', 'c', 'initialState']);
    expect(file.gradients.b).toHaveLength(4); // a vector stays 1-D
    expect(worst(file, fixtureGrads('rnn-linear-s0.grads.json'))).toBeLessThan(bound);
  });

  it('writes to --out atomically and rejects an unknown implementation', async () => {
    const ok = await cli(['grads', '--case', fixturePath('rnn-tanh.case.json'), '--out', 'g.json'], dir);
    expect(ok.code).toBe(0);
    expect(
      worst(JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')), fixtureGrads('rnn-tanh.grads.json')),
    ).toBeLessThan(1e-12);
    const bad = await cli(['grads', '--case', fixturePath('rnn-tanh.case.json'), '--impl', 'numpy'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--impl is "numpy", expected one of hand\|tfjs-layers\|tfjs-ops/);
  });

  it('refuses --truncate with --detach-every as compare does (one plan), writing nothing', async () => {
    const args = ['--case', fixturePath('rnn-tanh.case.json'), '--truncate', '2', '--detach-every', '3'];
    const grads = await cli(['grads', ...args, '--out', 'both.json'], dir);
    const compare = await cli(['compare', ...args, '--out', 'both-report'], dir);
    expect(grads.code).toBe(2);
    expect(grads.stderr).toBe('bptt-check: --truncate is 2 together with --detach-every 3, expected one of the two\n');
    expect(compare.stderr).toBe(grads.stderr);
    expect(existsSync(join(dir, 'both.json'))).toBe(false);
  });
});

describe('bptt-check case', () => {
  it('writes the same case, byte for byte, for the same options and seed, and compare reads it back', async () => {
    const args = [
      'case',
      '--activation',
      'sigmoid',
      '--bias',
      '--dense-inputs',
      '--initial-state',
      '--batch',
      '2',
      '--steps',
      '6',
      '--hidden-size',
      '5',
      '--input-size',
      '3',
      '--output-size',
      '4',
      '--init-scale',
      '0.7',
      '--seed',
      '42',
    ];
    expect((await cli([...args, '--out', 'a.json'], dir)).code).toBe(0);
    expect((await cli([...args, '--out', 'b.json'], dir)).code).toBe(0);
    const a = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(a);
    const c = loadCase(join(dir, 'a.json'));
    expect(c.model).toEqual({
      cell: 'rnn',
      activation: 'sigmoid',
      bias: true,
      inputSize: 3,
      hiddenSize: 5,
      outputSize: 4,
    });
    expect([c.batch, c.steps, c.tokens, c.vectors?.length, c.initialState?.rows]).toEqual([2, 6, null, 2 * 6 * 3, 2]);
    const run = await cli(['compare', '--case', 'a.json', '--out', 'r'], dir);
    expect(run.code).toBe(0);
  });

  it('prints the case on stdout without --out', async () => {
    const run = await cli(['case', '--seed', '3'], dir);
    expect(JSON.parse(run.stdout).model.hiddenSize).toBe(16);
  });
});

describe('gated cells from the command line', () => {
  it.each(['lstm-sigmoid-bias', 'gru-sigmoid-bias-s0'])(
    'grads --impl fd writes the gated gradients that PyTorch computes (%s)',
    async (name) => {
      const run = await cli(['grads', '--case', fixturePath(`${name}.case.json`), '--impl', 'fd'], dir);
      expect(run.code).toBe(0);
      expect(worst(JSON.parse(run.stdout), fixtureGrads(`${name}.grads.json`))).toBeLessThan(1e-8);
    },
  );

  it('grads --impl hand writes the LSTM gradients that PyTorch computes', async () => {
    const run = await cli(['grads', '--case', fixturePath('lstm-sigmoid-bias.case.json'), '--impl', 'hand'], dir);
    expect(run.code).toBe(0);
    expect(worst(JSON.parse(run.stdout), fixtureGrads('lstm-sigmoid-bias.grads.json'))).toBeLessThan(1e-12);
  });
  it.each(['gru-sigmoid-bias-s0', 'lstm-hardsigmoid'])(
    'compare checks the hand-written %s against tf.layers and the raw-ops cell',
    async (name) => {
      const run = await cli(['compare', '--case', fixturePath(`${name}.case.json`), '--json', '--out', name], dir);
      expect(run.code).toBe(0);
      const rows = JSON.parse(run.stdout).cases[0].rows as { tensor: string; a: string; r: string; pass: boolean }[];
      expect(
        rows.some(
          (r) => r.tensor === (name.startsWith('gru') ? 'W_h' : 'W_f') && r.a === 'hand' && r.r === 'tfjs-layers',
        ),
      ).toBe(true);
      expect(rows.every((r) => r.pass)).toBe(true);
    },
  );
  it('--fd full checks a gated case against float64 central differences, held to the float64 tolerance', async () => {
    const run = await cli(
      ['compare', '--case', fixturePath('lstm-hardsigmoid.case.json'), '--fd', 'full', '--json', '--out', 'lstm-fd'],
      dir,
    );
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.rows.filter((r: { a: string; r: string }) => r.a === 'hand' && r.r === 'fd')).toHaveLength(9);
    expect(c.fd.tolerance).toEqual({ atol: 1e-8, rtol: 1e-6 });
  });
});
