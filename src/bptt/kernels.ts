/**
 * The three matrix kernels BPTT needs, on row-major float64 (element (i, j) of an r×c matrix at
 * i·c + j). Callers pass subarray views; the kernels accumulate (+=) into their output.
 */
import type { Matrix } from '../model/matrix.js';

/** y += A x   (A: r×c, x: c, y: r) */
export function matVecAdd(A: Matrix, x: Float64Array, y: Float64Array): void {
  const { rows, cols, data } = A;
  for (let i = 0; i < rows; i++) {
    let acc = 0;
    const row = i * cols;
    for (let j = 0; j < cols; j++) acc += data[row + j]! * x[j]!;
    y[i]! += acc;
  }
}

/** y += Aᵀ v   (A: r×c, v: r, y: c) */
export function matTVecAdd(A: Matrix, v: Float64Array, y: Float64Array): void {
  const { rows, cols, data } = A;
  for (let i = 0; i < rows; i++) {
    const vi = v[i]!;
    const row = i * cols;
    for (let j = 0; j < cols; j++) y[j]! += data[row + j]! * vi;
  }
}

/** G += u vᵀ   (G: r×c, u: r, v: c) */
export function outerAdd(G: Matrix, u: Float64Array, v: Float64Array): void {
  const { rows, cols, data } = G;
  for (let i = 0; i < rows; i++) {
    const ui = u[i]!;
    const row = i * cols;
    for (let j = 0; j < cols; j++) data[row + j]! += ui * v[j]!;
  }
}
