/**
 * The blocked kernels against the textbook loops, on shapes that leave every kind of remainder, in both
 * implementations: JavaScript (operands in ordinary arrays) and WebAssembly SIMD (operands in the heap,
 * in a workspace there; odd offsets give loads that are not 16-byte aligned).
 */
import { describe, expect, it } from 'vitest';
import { inHeap, kernelsInUse, withWorkspace } from '../../src/kernels/heap.js';
import { addABt, addOuterSum, matTVecAdd, matVecAdd } from '../../src/kernels/kernels.js';
import type { Matrix } from '../../src/model/matrix.js';
import { relErr } from '../helpers/fixtures.js';

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31; // a small LCG: these are test inputs, not statistics
  return seed / 2 ** 31 - 0.5;
};
const randomMatrix = (rows: number, cols: number): Matrix => ({
  rows,
  cols,
  data: Float64Array.from({ length: rows * cols }, rand),
});
const SHAPES = [
  [1, 1],
  [3, 5],
  [4, 4],
  [7, 9],
  [8, 8],
  [9, 3],
  [13, 16],
  [16, 13],
  [33, 17],
] as const;

/** the operands where each implementation reads them: plain arrays, or copies in the heap */
const MODES = {
  js: <R>(fn: (place: (a: Float64Array) => Float64Array) => R): R => fn((a) => a),
  'wasm-simd': <R>(fn: (place: (a: Float64Array) => Float64Array) => R): R =>
    withWorkspace(2 ** 20, (ws) =>
      fn((a) => {
        const h = ws.f64(a.length);
        h.set(a);
        expect(inHeap(h)).toBe(true);
        return h;
      }),
    ),
};

it('the WebAssembly SIMD kernels are built and in use (npm test builds them first)', () => {
  expect(kernelsInUse()).toBe('wasm-simd');
});

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('kernels (%s)', (mode) => {
  const run = MODES[mode];
  it.each(SHAPES)('matVecAdd: y += A x at %i×%i, with offsets', (r, c) => {
    const A = randomMatrix(r, c);
    const x = Float64Array.from({ length: c + 2 }, rand);
    const y = Float64Array.from({ length: r + 3 }, rand);
    const want = y.slice();
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) want[3 + i]! += A.data[i * c + j]! * x[2 + j]!;
    const got = run((place) => {
      const out = place(y);
      matVecAdd({ rows: r, cols: c, data: place(A.data) }, place(x), out, 2, 3);
      return out;
    });
    expect(relErr(got, want)).toBeLessThan(1e-14);
  });

  it.each(SHAPES)('matTVecAdd: y += Aᵀ x at %i×%i, with offsets', (r, c) => {
    const A = randomMatrix(r, c);
    const x = Float64Array.from({ length: r + 1 }, rand);
    const y = Float64Array.from({ length: c + 2 }, rand);
    const want = y.slice();
    for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) want[2 + j]! += A.data[i * c + j]! * x[1 + i]!;
    const got = run((place) => {
      const out = place(y);
      matTVecAdd({ rows: r, cols: c, data: place(A.data) }, place(x), out, 1, 2);
      return out;
    });
    expect(relErr(got, want)).toBeLessThan(1e-14);
  });

  it.each(SHAPES)('addABt: C += A Bᵀ with C %i×%i, rows read through stride and offset', (m, n) => {
    const T = 11;
    const A = Float64Array.from({ length: 2 + m * (T + 1) }, rand); // row i at 2 + i·(T+1)
    const B = Float64Array.from({ length: n * T }, rand); //         row j at j·T
    const C = randomMatrix(m, n);
    const want = C.data.slice();
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++)
        for (let t = 0; t < T; t++) want[i * n + j]! += A[2 + i * (T + 1) + t]! * B[j * T + t]!;
    const got = run((place) => {
      const out = { rows: m, cols: n, data: place(C.data) };
      addABt(out, { data: place(A), stride: T + 1, offset: 2 }, { data: place(B), stride: T, offset: 0 }, T);
      return out.data;
    });
    expect(relErr(got, want)).toBeLessThan(1e-14);
  });

  it.each(SHAPES)('addOuterSum: C += Σ_t a_t b_tᵀ with C %i×%i, the vectors read in place', (m, n) => {
    const T = 7;
    const A = Float64Array.from({ length: 3 + T * (m + 2) }, rand); // a_t at 3 + t·(m+2)
    const B = Float64Array.from({ length: T * n }, rand); //         b_t at t·n
    const C = randomMatrix(m, n);
    const want = C.data.slice();
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++)
        for (let t = 0; t < T; t++) want[i * n + j]! += A[3 + t * (m + 2) + i]! * B[t * n + j]!;
    const got = run((place) => {
      const out = { rows: m, cols: n, data: place(C.data) };
      addOuterSum(out, { data: place(A), stride: m + 2, offset: 3 }, { data: place(B), stride: n, offset: 0 }, T);
      return out.data;
    });
    expect(relErr(got, want)).toBeLessThan(1e-14);
  });
});
