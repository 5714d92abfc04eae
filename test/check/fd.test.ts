import { describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { fdOracle, project, FD_EPS_FACTOR } from '../../src/fd/oracle.js';
import { fdGradients, fdOracleParallel } from '../../src/fd/parallel.js';
import { defaultSuite } from '../../src/runs/suite.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { fixtureCase, fixtureGrads, relErr, RNN_FIXTURES, worstRelErr } from '../helpers/fixtures.js';
import { buggyGradients } from '../bugs/buggy-bptt.js';

describe('the finite-difference oracle', () => {
  it.each(RNN_FIXTURES)('agrees with PyTorch float64 autograd on %s to 1e-10 relative', async (name) => {
    const g = await fdGradients(fixtureCase(name));
    expect(worstRelErr(g, fixtureGrads(`${name}.grads.json`))).toBeLessThan(1e-10);
  });

  // the small and medium cases of the default matrix (the large ones take minutes in full mode)
  const suite = defaultSuite().filter((o) => o.hiddenSize <= 32);
  // every cell: ε = 1e-7 with the difference carried through one forward pass (fd-forward.ts, fd-forward-gated.ts)
  it.each(suite.map((o) => [generateCase(o).id, o] as const))(
    'agrees with the hand-written gradients to 1e-10 relative on %s',
    (_id, o) => {
      const c = generateCase(o);
      const g = handGradients(c);
      const bound = 1e-10;
      // the gated H=32 cases are slow in full (every entry runs the whole sequence): 16 sampled entries per tensor there (c has 16)
      const mode =
        c.model.cell !== 'rnn' && c.model.hiddenSize > 4
          ? ({ kind: 'sample', n: 16 } as const)
          : ({ kind: 'full' } as const);
      for (const p of fdOracle(c, mode))
        expect(relErr(project(g.tensors[p.tensor]!, p), p.values), p.tensor).toBeLessThan(bound);
    },
  );

  it.each(['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'])(
    'agrees with PyTorch on the gated %s to 1e-10 relative',
    (name) => {
      const expected = fixtureGrads(`${name}.grads.json`).gradients;
      for (const p of fdOracle(fixtureCase(name), { kind: 'full' }))
        expect(relErr(p.values, (expected[p.tensor] as number[]).flat()), p.tensor).toBeLessThan(1e-10);
    },
  );

  it('uses ε = 1e-7·max(1, ‖θ‖∞) per tensor', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, initScale: 4, seed: 3 });
    const maxU = Math.max(...c.params.U!.data.map(Math.abs));
    expect(maxU).toBeGreaterThan(1);
    const p = fdOracle(c, { kind: 'sample', n: 1 });
    expect(p.find((x) => x.tensor === 'U')!.eps).toBe(FD_EPS_FACTOR * maxU);
    expect(FD_EPS_FACTOR).toBe(1e-7);
  });

  it('samples distinct entries, seeded, whose values are those of the full oracle', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, initialState: true, seed: 4 });
    const full = fdOracle(c, { kind: 'full' });
    const a = fdOracle(c, { kind: 'sample', n: 6 }, 7);
    expect(fdOracle(c, { kind: 'sample', n: 6 }, 7).map((p) => p.indices)).toEqual(a.map((p) => p.indices));
    expect(fdOracle(c, { kind: 'sample', n: 6 }, 8).map((p) => p.indices)).not.toEqual(a.map((p) => p.indices));
    for (const p of a) {
      expect(new Set(p.indices).size).toBe(6);
      const f = full.find((x) => x.tensor === p.tensor)!;
      p.indices.forEach((k, n) => expect(p.values[n]).toBe(f.values[k]));
    }
  });

  it('in fast mode, compares vᵀ∇L with the directional difference along unit directions', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, seed: 5 });
    const g = handGradients(c);
    for (const p of fdOracle(c, { kind: 'fast', k: 3 })) {
      expect(p.directions).toHaveLength(3);
      for (const v of p.directions) expect(Math.hypot(...v)).toBeCloseTo(1, 8); // the direction actually applied
      expect(relErr(project(g.tensors[p.tensor]!, p), p.values)).toBeLessThan(1e-10);
    }
  });

  it('gives the same values on two threads as on one', async () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, inputSize: 24, hiddenSize: 48, steps: 40, seed: 6 });
    const one = fdOracle(c, { kind: 'full' }, 1, 'W');
    const two = await fdOracleParallel(c, { kind: 'full' }, 1, 'W');
    expect(two[0]!.values).toEqual(one[0]!.values);
  });

  // the stress preset's exploding cases: s_t grows like 1.5^t, the logits reach 1e44 and float32 overflows;
  // the loss difference there is of the size of δz itself (e^{−δz} overflows), which once gave 0·∞ = NaN
  it.each([
    ['linear, tokens, H=32', { activation: 'linear', inputSize: 8, hiddenSize: 32 }],
    [
      'linear, dense, bias, H=64',
      { activation: 'linear', bias: true, denseInputs: true, inputSize: 16, hiddenSize: 64 },
    ],
  ] as const)(
    'is finite and agrees with an independent float64 BPTT to 1e-12 where the logits reach 1e44 (%s, T=200, init scale 1.5)',
    (_name, o) => {
      const c = generateCase({ ...GENERATE_DEFAULTS, ...o, steps: 200, initScale: 1.5, seed: 1 });
      const expected = buggyGradients(c, 'none'); // test/bugs: plain nested loops, nothing of src/bptt
      expect(expected.loss).toBeGreaterThan(1e44);
      expect(Number.isFinite(expected.loss)).toBe(true);
      for (const p of fdOracle(c, { kind: 'sample', n: 8 }, 3)) {
        expect(p.values.every(Number.isFinite), p.tensor).toBe(true);
        expect(relErr(project(expected.tensors[p.tensor]!, p), p.values), p.tensor).toBeLessThan(1e-12);
      }
      for (const p of fdOracle(c, { kind: 'fast', k: 2 }, 3))
        expect(relErr(project(expected.tensors[p.tensor]!, p), p.values), p.tensor).toBeLessThan(1e-12);
    },
  );

  it('refuses a sample larger than a tensor', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true });
    expect(() => fdOracle(c, { kind: 'sample', n: 9 })).toThrow(
      /`fd` sample is 9, larger than tensor c \(8 entries\); expected at most 8/,
    );
    expect(() => fdOracle(c, { kind: 'sample', n: 8 })).not.toThrow();
  });
});
