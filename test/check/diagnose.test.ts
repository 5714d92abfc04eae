/**
 * The diagnosis names a pattern only where it is the mistake: the seeded bugs of test/bugs (an implementation
 * independent of src/bptt) are named, a correct gradient with float32-sized noise or beside a NaN reference is
 * named nothing, and V and c, whose gradients do not involve the recurrence, never get a recurrence pattern.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase } from '../../src/check/compare.js';
import { diagnose } from '../../src/check/diagnose.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import type { Gradients } from '../../src/model/gradients.js';
import { useBackend } from '../../reference/index.js';
import { buggyGradients, type Bug } from '../bugs/buggy-bptt.js';

const CASES = [
  generateCase({ ...GENERATE_DEFAULTS, activation: 'tanh', seed: 21 }),
  generateCase({ ...GENERATE_DEFAULTS, activation: 'sigmoid', bias: true, batch: 3, initialState: true, seed: 22 }),
  generateCase({
    ...GENERATE_DEFAULTS,
    activation: 'relu',
    bias: true,
    denseInputs: true,
    inputSize: 5,
    hiddenSize: 7,
    outputSize: 4,
    steps: 12,
    seed: 23,
  }),
];
const ids = CASES.map((c) => [c.id, c] as const);

/** Every element × (1 + ρ_k), ρ_k a fixed pseudo-random value in ±rel: the rounding a float32 implementation accumulates. */
function noisy(g: Gradients, rel: number): Gradients {
  let k = 0;
  const tensors = Object.fromEntries(
    Object.entries(g.tensors).map(([n, m]) => [
      n,
      { ...m, data: m.data.map((x) => x * (1 + rel * Math.sin(1e3 * ++k))) },
    ]),
  );
  return { loss: g.loss, tensors };
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each([
  ['W-not-transposed', 'ds_{t−1} = W da_t'],
  ['derivative-at-previous-state', 'f′ from s_{t−1}'],
] as const)('a BPTT with the bug "%s" (%s)', (bug: Bug, _formula: string) => {
  it.each(ids)('is diagnosed with it on every tensor it changes, and V and c with nothing, on %s', async (_id, c) => {
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, {
      subject: 'yours',
      impl: (x) => buggyGradients(x, bug),
    });
    expect(r.pass).toBe(false);
    const named = Object.fromEntries((r.diagnosis ?? []).map((d) => [d.tensor, d.pattern]));
    for (const t of ['U', 'W', ...(c.model.bias ? ['b'] : []), ...(c.initialState ? ['initialState'] : [])])
      expect(named[t], `${t}: ${JSON.stringify(r.diagnosis)}`).toBe(bug);
    expect(named.V).toBeUndefined();
    expect(named.c).toBeUndefined();
  });
});

describe('a correct gradient', () => {
  it.each(ids)(
    'with float32-sized noise (1e-5 relative) that fails only against float64 finite differences is diagnosed with nothing, on %s',
    async (_id, c) => {
      const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, {
        subject: 'yours',
        impl: (x) => noisy(buggyGradients(x, 'none'), 1e-5),
        fd: { kind: 'full' },
      });
      expect(r.pass).toBe(false);
      expect(r.rows.filter((x) => !x.pass).every((x) => x.r === 'fd')).toBe(true); // the float32 pair passes
      expect(r.rows.some((x) => !x.pass && x.tensor === 'V')).toBe(true);
      expect(r.diagnosis ?? []).toEqual([]);
    },
  );

  it.each(ids)('whose V and c fail beside a reference that gave NaN is diagnosed with nothing, on %s', (_id, c) => {
    expect(diagnose(c, buggyGradients(c, 'none'), c.model.bias ? ['V', 'c'] : ['V'], DEFAULT_TOLERANCE)).toEqual([]);
  });
});

describe('V and c', () => {
  it.each(ids)(
    'never get no-recurrence or another recurrence pattern, even where their noise fits it at float32 precision, on %s',
    (_id, c) => {
      const g = noisy(buggyGradients(c, 'none'), 1e-5);
      const out = diagnose(c, g, c.model.bias ? ['V', 'c'] : ['V'], DEFAULT_TOLERANCE);
      expect(
        out.filter((d) =>
          [
            'no-recurrence',
            'truncated-k',
            'W-not-transposed',
            'derivative-at-previous-state',
            'missing-activation-derivative',
          ].includes(d.pattern),
        ),
      ).toEqual([]);
    },
  );

  it('of a subject with no recurrence term are left undiagnosed while U, W and b get no-recurrence', () => {
    const c = CASES[1]!;
    const out = diagnose(c, buggyGradients(c, 'no-recurrence'), ['U', 'W', 'V', 'b', 'c'], DEFAULT_TOLERANCE);
    expect(Object.fromEntries(out.map((d) => [d.tensor, d.pattern]))).toEqual({
      U: 'no-recurrence',
      W: 'no-recurrence',
      b: 'no-recurrence',
    });
  });
});
