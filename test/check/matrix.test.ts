/** Hand vs both references across the default suite: every correct case passes under the default tolerances. */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase } from '../../src/check/compare.js';
import { defaultSuite } from '../../src/runs/suite.js';
import { generateCase } from '../../src/model/generate.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { useBackend } from '../../reference/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the hand-written BPTT across the default matrix', () => {
  const suite = defaultSuite();
  it('covers every cell and activation, bias on and off, both input kinds, batch 1 and 4, an initial state, and H up to 128, T up to 100', () => {
    const seen = (f: (o: (typeof suite)[number]) => unknown) => new Set(suite.map(f));
    expect(seen((o) => o.cell ?? 'rnn')).toEqual(new Set(['rnn', 'lstm', 'gru']));
    expect(seen((o) => o.recurrentActivation)).toEqual(new Set([undefined, 'sigmoid', 'hardSigmoid']));
    for (const cell of ['lstm', 'gru']) {
      const gated = suite.filter((o) => o.cell === cell);
      expect(new Set(gated.map((o) => `${o.bias}/${o.denseInputs}/${o.batch}/${o.initialState}`)).size, cell).toBe(4);
    }
    expect(seen((o) => o.activation)).toEqual(new Set(['tanh', 'sigmoid', 'relu', 'linear']));
    expect(seen((o) => o.bias)).toEqual(new Set([true, false]));
    expect(seen((o) => o.denseInputs)).toEqual(new Set([true, false]));
    expect(seen((o) => o.batch)).toEqual(new Set([1, 4]));
    expect(seen((o) => o.initialState)).toEqual(new Set([true, false]));
    expect(seen((o) => o.hiddenSize).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...suite.map((o) => o.hiddenSize))).toBe(128);
    expect(Math.max(...suite.map((o) => o.steps))).toBe(100);
  });

  it.each(suite.map((o) => [generateCase(o).id, o] as const))('agrees with both references on %s', async (_id, o) => {
    const result = await checkCase(generateCase(o), ['tfjs-layers', 'tfjs-ops'], DEFAULT_TOLERANCE);
    const failing = result.rows
      .filter((r) => !r.pass)
      .map((r) => `${r.tensor} ${r.a} vs ${r.r}: ${r.reason ?? r.maxAbsErr}`);
    expect(failing).toEqual([]);
    expect(result.rows.length).toBeGreaterThan(0);
  });
});
