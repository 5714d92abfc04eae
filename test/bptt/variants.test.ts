import { describe, expect, it } from 'vitest';
import { clipGradients, handGradients } from '../../src/bptt/index.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { fixtureCase, fixtureGrads, relErr, worstRelErr } from '../helpers/fixtures.js';

describe('truncated and detached BPTT against PyTorch float64 autograd', () => {
  const c = fixtureCase('rnn-linear-s0');
  it('--truncate 2 agrees with the per-output-window gradients to 1e-12', () => {
    expect(
      worstRelErr(handGradients(c, { truncate: 2 }), fixtureGrads('rnn-linear-s0.truncate2.grads.json')),
    ).toBeLessThan(1e-12);
  });
  it('--detach-every 2 agrees with the detached-state gradients to 1e-12', () => {
    expect(
      worstRelErr(handGradients(c, { detachEvery: 2 }), fixtureGrads('rnn-linear-s0.detach2.grads.json')),
    ).toBeLessThan(1e-12);
  });
  it('the truncated gradients differ from full BPTT (the fixture is not a copy of the full one)', () => {
    expect(worstRelErr(handGradients(c, { truncate: 2 }), fixtureGrads('rnn-linear-s0.grads.json'))).toBeGreaterThan(
      1e-3,
    );
  });
});

describe('the limits of truncation', () => {
  const cases = [
    generateCase({ ...GENERATE_DEFAULTS, steps: 7, bias: true, initialState: true, batch: 2, seed: 5 }),
    generateCase({ ...GENERATE_DEFAULTS, steps: 6, activation: 'relu', denseInputs: true, seed: 6 }),
  ];
  const same = (a: ReturnType<typeof handGradients>, b: ReturnType<typeof handGradients>) =>
    Math.max(...Object.keys(b.tensors).map((k) => relErr(a.tensors[k]!.data, b.tensors[k]!.data)));

  it.each(cases.map((c) => [c.id, c] as const))('--truncate k equals full BPTT for every k ≥ T−1 on %s', (_id, c) => {
    const full = handGradients(c);
    for (const k of [c.steps - 1, c.steps, c.steps + 5])
      expect(same(handGradients(c, { truncate: k }), full)).toBeLessThan(1e-13);
    expect(same(handGradients(c, { truncate: c.steps - 2 }), full)).toBeGreaterThan(1e-6);
  });

  it.each(cases.map((c) => [c.id, c] as const))(
    '--detach-every k equals full BPTT for every k ≥ T, and k = T−1 cuts the last step, on %s',
    (_id, c) => {
      const full = handGradients(c);
      for (const k of [c.steps, c.steps + 3])
        expect(same(handGradients(c, { detachEvery: k }), full)).toBeLessThan(1e-13);
      expect(same(handGradients(c, { detachEvery: c.steps - 1 }), full)).toBeGreaterThan(1e-6);
    },
  );

  it.each(cases.map((c) => [c.id, c] as const))(
    '--truncate 0 (per-output windows) equals --detach-every 1 (the recursion cut at every step) on %s',
    (_id, c) => {
      // both keep only the direct term of each step: dW = Σ_t ((Vᵀ dz_t) ⊙ f′(a_t)) s_{t−1}ᵀ
      expect(same(handGradients(c, { truncate: 0 }), handGradients(c, { detachEvery: 1 }))).toBeLessThan(1e-13);
    },
  );
});

describe('gradient clipping', () => {
  it('--clip-norm 0.5 agrees with PyTorch (clip_grad_norm_ over the parameters) to 1e-12 and records both norms', () => {
    const g = clipGradients(handGradients(fixtureCase('rnn-tanh')), { norm: 0.5 });
    expect(worstRelErr(g, fixtureGrads('rnn-tanh.clipnorm0.5.grads.json'))).toBeLessThan(1e-12);
    const full = fixtureGrads('rnn-tanh.grads.json');
    const before = Math.sqrt(
      Object.values(full.gradients)
        .flat(2)
        .reduce((s, x) => s + (x as number) ** 2, 0),
    );
    expect(g.clip!.normBefore).toBeCloseTo(before, 12);
    expect(g.clip!.normAfter).toBeCloseTo(0.5, 12);
  });

  it('--clip-value v clips every parameter element to [−v, v] and leaves the initial-state gradient alone', () => {
    const c = fixtureCase('rnn-linear-s0');
    const raw = handGradients(c);
    const g = clipGradients(raw, { value: 0.1 });
    for (const name of ['U', 'W', 'b', 'V', 'c'])
      g.tensors[name]!.data.forEach((x, k) =>
        expect(x).toBe(Math.min(Math.max(raw.tensors[name]!.data[k]!, -0.1), 0.1)),
      );
    expect(g.tensors.initialState!.data).toEqual(raw.tensors.initialState!.data);
    expect(Math.max(...raw.tensors.initialState!.data.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('leaves gradients whose norm is below the bound unchanged', () => {
    const raw = handGradients(fixtureCase('rnn-tanh'));
    const g = clipGradients(raw, { norm: 1e6 });
    expect(g.tensors.W!.data).toEqual(raw.tensors.W!.data);
  });
});
