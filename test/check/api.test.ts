/**
 * The library surface a user calls from code: loadCase, then checkGradients or the vitest matcher, with
 * gradients computed elsewhere (here the PyTorch float64 autograd fixtures of every gated cell).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { checkGradients, loadCase } from '../../src/index.js';
import { fixturePath } from '../helpers/fixtures.js';

const GATED = ['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'] as const;

interface GradsFile {
  loss: number;
  gradients: Record<string, number[] | number[][]>;
}
const grads = (name: string): GradsFile =>
  JSON.parse(readFileSync(fixturePath(`${name}.grads.json`), 'utf8')) as GradsFile;
const caseFile = (name: string) => JSON.parse(readFileSync(fixturePath(`${name}.case.json`), 'utf8'));

/** The PyTorch gradients with V[0][0] moved by a fifth of V's largest entry: far beyond any tolerance. */
function corrupted(name: string): GradsFile {
  const g = grads(name);
  const V = g.gradients.V as number[][];
  V[0]![0]! += 0.2 * Math.max(...V.flat().map(Math.abs));
  return g;
}

describe('checkGradients and the matcher with a gated case', () => {
  it.each(GATED)('checkGradients accepts a loaded %s case and passes the PyTorch gradients', async (name) => {
    const c = loadCase(fixturePath(`${name}.case.json`));
    expect(c.params.W).toBeUndefined(); // no params.W in a gated case: the old test of "loaded" failed here
    const r = await checkGradients(c, grads(name));
    expect(r.pass).toBe(true);
    expect(r.rows.some((row) => row.tensor === 'W_f' || row.tensor === 'W_z')).toBe(true);
  });

  it.each(GATED)('checkGradients fails a corrupted dV on a loaded %s case, and names V', async (name) => {
    const r = await checkGradients(loadCase(fixturePath(`${name}.case.json`)), corrupted(name));
    expect(r.pass).toBe(false);
    expect([...new Set(r.rows.filter((row) => !row.pass).map((row) => row.tensor))]).toEqual(['V']);
  });

  it('still takes a loaded RNN case, and tells its PyTorch gradients from corrupted ones', async () => {
    const c = loadCase(fixturePath('rnn-tanh.case.json'));
    expect((await checkGradients(c, grads('rnn-tanh'))).pass).toBe(true);
    expect((await checkGradients(c, corrupted('rnn-tanh'))).pass).toBe(false);
  });

  it('still takes the case-file object (JSON) of a gated case', async () => {
    expect(
      (await checkGradients(caseFile('gru-sigmoid-bias-s0'), grads('gru-sigmoid-bias-s0'), { reference: 'ops' })).pass,
    ).toBe(true);
  });

  it.each(GATED)(
    'the matcher passes the PyTorch gradients of a loaded %s case and fails corrupted ones',
    async (name) => {
      const c = loadCase(fixturePath(`${name}.case.json`));
      await expect(grads(name)).toMatchReferenceGradients(c);
      const failure = await expect(corrupted(name))
        .toMatchReferenceGradients(c)
        .then(
          () => null,
          (e: Error) => e.message,
        );
      expect(failure).toMatch(/expected the gradients to match the references/);
      expect(failure).toMatch(/^V\s+\d+×\d+\s+yours vs \S+ .*FAIL/m);
    },
  );
});
