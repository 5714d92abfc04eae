import { describe, expect, it } from 'vitest';
import { compareArrays } from '../../src/check/metrics.js';

const flat = (k: number) => [k];

describe('tensor metrics', () => {
  const a = [1, -2, 0.5, 4];
  const r = [1, -2.5, 0.25, 4];
  const m = compareArrays(a, r, { atol: 0, rtol: 0 }, flat);

  it('gives max |a − r|', () => expect(m.maxAbsErr).toBe(0.5));
  it('gives the cs231n relative error max |a − r| / max(|a|, |r|)', () => expect(m.maxRelErr).toBe(0.5)); // 0.25 / 0.5
  it('gives the Frobenius relative error ‖a − r‖ / max(‖a‖, ‖r‖)', () => {
    const diff = Math.sqrt(0.5 ** 2 + 0.25 ** 2);
    const norm = Math.max(Math.hypot(...a), Math.hypot(...r));
    expect(m.relErrNorm).toBeCloseTo(diff / norm, 15);
  });
  it('gives the cosine of the two flattened tensors', () => {
    const dot = a.reduce((s, x, i) => s + x * r[i]!, 0);
    expect(m.cosine).toBeCloseTo(dot / (Math.hypot(...a) * Math.hypot(...r)), 15);
  });
  it('uses the tensor scale S = max(‖a‖∞, ‖r‖∞) as the unit of atol', () => expect(m.scale).toBe(4));

  it('passes exactly the elements with |a − r| ≤ atol·S + rtol·|r|', () => {
    // element 1: |a − r| = 0.5; bound = atol·4 + rtol·2.5
    expect(compareArrays([2.5], [2], { atol: 0, rtol: 0.25 }, flat).pass).toBe(true); // 0.5 ≤ 0.5
    expect(compareArrays([2.5], [2], { atol: 0, rtol: 0.2499 }, flat).pass).toBe(false);
    expect(compareArrays([0.1, 4], [0, 4], { atol: 0.025, rtol: 0 }, flat).pass).toBe(true); // 0.1 ≤ 0.025·4
    expect(compareArrays([0.1, 4], [0, 4], { atol: 0.024, rtol: 0 }, flat).failing).toBe(1);
  });

  it('names the worst element by its index and both values', () => {
    const w = compareArrays([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5.5, 6], { atol: 1e-3, rtol: 1e-3 }, (k) => [
      Math.floor(k / 3),
      k % 3,
    ]);
    expect(w.worst).toMatchObject({ index: [1, 1], a: 5, r: 5.5 });
    expect(w.pass).toBe(false);
  });

  it('never passes NaN or Infinity and says which side has them', () => {
    const n = compareArrays([1, NaN, 3], [1, 2, 3], { atol: 1, rtol: 1 }, flat);
    expect(n.pass).toBe(false);
    expect(n.reason).toMatch(/non-finite.*implementation.*\[1\]/);
    const inf = compareArrays([1, 2], [1, Infinity], { atol: 1, rtol: 1 }, flat);
    expect(inf.pass).toBe(false);
    expect(inf.reason).toMatch(/reference/);
  });

  it('gives no error measure for a tensor with NaN or ±Inf, not those of its finite rest, and counts them per side', () => {
    const n = compareArrays([1, 2, Infinity, 4], [1, NaN, NaN, 4], { atol: 1, rtol: 1 }, flat);
    // over the finite rest (elements 0 and 3) the measures would read 0, 0, 0 and cosine 1: agreement
    expect(n).toMatchObject({ pass: false, failing: 2, nonFinite: { a: 1, r: 2 } });
    for (const k of ['maxAbsErr', 'maxRelErr', 'relErrNorm', 'cosine'] as const) expect(n[k]).toBeNaN();
    expect(JSON.parse(JSON.stringify(n))).toMatchObject({
      maxAbsErr: null,
      relErrNorm: null,
      cosine: null,
      nonFinite: { a: 1, r: 2 },
    });
    expect(compareArrays([1, 2], [1, 2], { atol: 1, rtol: 1 }, flat).nonFinite).toBeUndefined();
  });

  it('treats two zero tensors as equal', () => {
    const z = compareArrays([0, 0], [0, 0], { atol: 0, rtol: 0 }, flat);
    expect(z).toMatchObject({ pass: true, relErrNorm: 0, cosine: 1, maxAbsErr: 0 });
  });

  it('fails tensors of different sizes', () => {
    expect(compareArrays([1, 2], [1], { atol: 1, rtol: 1 }, flat)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/sizes differ/),
    });
  });
});

describe('a non-finite value', () => {
  it('is located by its index in a tensor, and a scalar (the loss) is named without an empty index', () => {
    const tensor = compareArrays([1, NaN, 3], [1, 2, 3], { atol: 0, rtol: 0 }, flat);
    expect(tensor.reason).toBe(
      'non-finite values (NaN or ±Inf) in the implementation: 1 in all, first at [1] (NaN vs 2)',
    );
    const scalar = compareArrays([Infinity], [2.5], { atol: 0, rtol: 0 }, () => []);
    expect(scalar.reason).toBe('non-finite values (NaN or ±Inf) in the implementation: 1 in all (Infinity vs 2.5)');
  });
});
