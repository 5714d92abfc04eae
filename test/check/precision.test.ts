import { describe, expect, it } from 'vitest';
import { detectDtype, dtypeNote, MIN_INFORMATIVE, significandBits } from '../../src/check/precision.js';
import type { Gradients } from '../../src/model/gradients.js';

const grads = (...tensors: number[][]): Gradients => ({
  loss: 1,
  tensors: Object.fromEntries(
    tensors.map((d, k) => [`T${k}`, { rows: 1, cols: d.length, data: Float64Array.from(d) }]),
  ),
});
// values as a float64 computation of real data gives them: 1/3, √2, e^−k, …
/** The fewest significant digits that read back as the float32 f (as numpy's repr of a float32 writes it). */
const shortestFloat32 = (f: number) => {
  for (let p = 1; p <= 9; p++) if (Math.fround(Number(f.toPrecision(p))) === f) return f.toPrecision(p);
  return f.toPrecision(9);
};
const real = Array.from({ length: 40 }, (_, k) => Math.exp(-k / 7) / 3 - 0.01 * k);

describe('significand length', () => {
  it.each([
    [1, 0],
    [0.5, 0],
    [0.375, 1],
    [3, 1],
    [-1.75, 2],
    [1 + 2 ** -23, 23],
    [1 + 2 ** -52, 52],
    [Math.fround(0.1), 23],
    [0.1, 51],
    [1 / 3, 52],
  ])('%s has %i significand bits after the leading 1', (x, bits) => {
    expect(significandBits(x)).toBe(bits);
  });
});

describe('the precision of a subject is detected from its values', () => {
  it('float64 values computed from real data are float64', () => {
    const d = detectDtype(grads(real));
    expect(d).toMatchObject({ dtype: 'float64', notFloat32: 40, count: 40 });
    expect(dtypeNote(d)).toMatch(/^float64 detected: 40 of the 40 gradient values are not float32 numbers/);
  });

  it('the same values rounded to float32 are float32, whatever non-finite values sit among them', () => {
    const d = detectDtype(grads(real.map(Math.fround), [NaN, Infinity]));
    expect(d).toMatchObject({ dtype: 'float32', notFloat32: 0, informative: 40, count: 40 });
    expect(dtypeNote(d)).toMatch(/^float32 detected/);
  });

  it('one value that is not a float32 makes it float64', () => {
    expect(detectDtype(grads([...real.map(Math.fround), 1 / 3])).dtype).toBe('float64');
  });

  it('float32 values written in decimal (numpy %.9g, or the shortest digits that read back) are float32 too', () => {
    const f32 = real.map(Math.fround);
    const nine = f32.map((x) => Number(x.toPrecision(9))); //       what "%.9g" % np.float32(x) writes
    const shortest = f32.map((x) => Number(shortestFloat32(x))); // what str(np.float32(x)) writes
    expect(nine.some((x, k) => x !== f32[k])).toBe(true); // they are decimals, not the float32s themselves
    expect(detectDtype(grads(nine))).toMatchObject({ dtype: 'float32', notFloat32: 0, informative: 40 });
    expect(detectDtype(grads(shortest)).dtype).toBe('float32');
    // the same real values written with 9 digits from float64 are mostly no float32's digits (a few agree by chance)
    const d64 = detectDtype(grads(real.map((x) => Number(x.toPrecision(9)))));
    expect(d64.dtype).toBe('float64');
    expect(d64.notFloat32).toBeGreaterThan(30);
  });

  it('zeros, small integers and short fractions say nothing: a float64 subject with only those is not called float32', () => {
    const d = detectDtype(grads([0, 0, 1, -2, 3, 0.5, 0.25, -0.375, 1024, 7], [0, 0, 0]));
    expect(d).toMatchObject({ dtype: 'float64', notFloat32: 0, informative: 0 });
    expect(dtypeNote(d)).toMatch(
      /^float64 assumed: .*only 0 of 13 carry more than 12 significant bits.*`dtype` float32/,
    );
  });

  it('a subject whose every value is NaN or ±Inf is held to float64, and the note says no value is finite (not "0 of 0")', () => {
    const d = detectDtype(grads([NaN, Infinity, -Infinity, NaN, NaN, NaN, NaN, NaN, NaN, NaN], [NaN, NaN, NaN]));
    expect(d).toMatchObject({ dtype: 'float64', count: 0 });
    expect(dtypeNote(d)).toBe('float64 assumed: no gradient value is finite, so none tells the precision');
  });

  it(`needs ${MIN_INFORMATIVE} informative values to call a subject float32`, () => {
    const few = real.slice(0, MIN_INFORMATIVE).map(Math.fround);
    expect(detectDtype(grads(few)).dtype).toBe('float32');
    expect(detectDtype(grads(few.slice(1), [0, 1, 2])).dtype).toBe('float64');
  });
});

describe('checkGradients takes the precision too', () => {
  it('float32 gradients pass by detection, fail on the fd pair with dtype float64, and another dtype is refused', async () => {
    const { checkGradients } = await import('../../src/api.js');
    const { generateCase, GENERATE_DEFAULTS } = await import('../../src/model/generate.js');
    const { referenceGradients, useBackend } = await import('../../reference/index.js');
    const kase = generateCase({ ...GENERATE_DEFAULTS, bias: true, steps: 6, seed: 2 });
    // a right float32 implementation: tfjs's own tf.grad, computed in float32 (the tfjs-layers path)
    await useBackend('cpu');
    const f32 = await referenceGradients(kase, 'tfjs-layers');
    const detected = await checkGradients(kase, f32);
    expect(detected.dtype).toEqual({ dtype: 'float32', source: 'detected' });
    expect(detected.pass).toBe(true);
    const as64 = await checkGradients(kase, f32, { dtype: 'float64' });
    expect(as64.pass).toBe(false);
    expect([...new Set(as64.rows.filter((r) => !r.pass).map((r) => `${r.a} vs ${r.r}`))]).toEqual(['yours vs fd']);
    await expect(checkGradients(kase, f32, { dtype: 'float16' as 'float32' })).rejects.toThrow(
      /options\.dtype is "float16", expected one of float32\|float64/,
    );
  });
});
