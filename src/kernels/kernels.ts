/**
 * The matrix kernels BPTT needs, on row-major float64. They are written for speed (row blocking,
 * several independent accumulators) so that the BPTT files can stay plain: each call there carries the
 * formula it computes.
 *
 *   matVecAdd:     y += A x                      (4 rows at a time, x loaded once for the 4)
 *   matTVecAdd:    y += Aᵀ x                     (8 rows at a time, y updated once for the 8; no transposed copy)
 *   addABt:        C += A Bᵀ                     (2×4 blocks of C; the products over all steps at once: Z = S Vᵀ)
 *   addOuterSum:   C += Σ_t a_t b_tᵀ             (2×4 blocks of C; the sums over t of BPTT, dW = Σ_t da_t s_{t−1}ᵀ,
 *                                                 reading the per-step vectors where they are stored)
 *
 * Each kernel has two implementations with the same blocking: the JavaScript below, and simd/kernels.ts,
 * the same loops in AssemblyScript with two float64 lanes per instruction, compiled to WebAssembly
 * (2.5–3.5× faster here). The WebAssembly one runs when every operand lives in its memory, the heap
 * (heap.ts); everywhere else (and with BPTT_CHECK_KERNELS=js, or where the .wasm was not built) the
 * JavaScript runs.
 */
import type { Matrix } from '../model/matrix.js';
import { heapScratch, inHeap, wasmKernels } from './heap.js';

/** y += A x   (A: r×c, x: c, y: r; x and y may start at an offset into a larger array) */
export function matVecAdd(A: Matrix, x: Float64Array, y: Float64Array, xOff = 0, yOff = 0): void {
  const { rows, cols, data } = A;
  const wasm = wasmKernels(data, x, y);
  if (wasm) return wasm.matVecAdd(data.byteOffset, rows, cols, x.byteOffset + 8 * xOff, y.byteOffset + 8 * yOff);
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = i * cols;
    const r1 = r0 + cols;
    const r2 = r1 + cols;
    const r3 = r2 + cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < cols; j++) {
      const xj = x[xOff + j]!;
      a0 += data[r0 + j]! * xj;
      a1 += data[r1 + j]! * xj;
      a2 += data[r2 + j]! * xj;
      a3 += data[r3 + j]! * xj;
    }
    y[yOff + i]! += a0;
    y[yOff + i + 1]! += a1;
    y[yOff + i + 2]! += a2;
    y[yOff + i + 3]! += a3;
  }
  for (; i < rows; i++) {
    const r = i * cols;
    let acc = 0;
    for (let j = 0; j < cols; j++) acc += data[r + j]! * x[xOff + j]!;
    y[yOff + i]! += acc;
  }
}

/**
 * y += Aᵀ x   (A: r×c row-major, x: r, y: c), without a transposed copy: 8 rows of A at a time, each
 * element of y updated once per 8 rows (y_j += Σ_{i in the 8} A_ij x_i).
 */
export function matTVecAdd(A: Matrix, x: Float64Array, y: Float64Array, xOff = 0, yOff = 0): void {
  const { rows, cols, data } = A;
  const wasm = wasmKernels(data, x, y);
  if (wasm) return wasm.matTVecAdd(data.byteOffset, rows, cols, x.byteOffset + 8 * xOff, y.byteOffset + 8 * yOff);
  let i = 0;
  for (; i + 7 < rows; i += 8) {
    const r0 = i * cols;
    const r1 = r0 + cols;
    const r2 = r1 + cols;
    const r3 = r2 + cols;
    const r4 = r3 + cols;
    const r5 = r4 + cols;
    const r6 = r5 + cols;
    const r7 = r6 + cols;
    const x0 = x[xOff + i]!;
    const x1 = x[xOff + i + 1]!;
    const x2 = x[xOff + i + 2]!;
    const x3 = x[xOff + i + 3]!;
    const x4 = x[xOff + i + 4]!;
    const x5 = x[xOff + i + 5]!;
    const x6 = x[xOff + i + 6]!;
    const x7 = x[xOff + i + 7]!;
    for (let j = 0; j < cols; j++)
      y[yOff + j]! +=
        data[r0 + j]! * x0 +
        data[r1 + j]! * x1 +
        data[r2 + j]! * x2 +
        data[r3 + j]! * x3 +
        data[r4 + j]! * x4 +
        data[r5 + j]! * x5 +
        data[r6 + j]! * x6 +
        data[r7 + j]! * x7;
  }
  for (; i < rows; i++) {
    const r = i * cols;
    const xi = x[xOff + i]!;
    for (let j = 0; j < cols; j++) y[yOff + j]! += data[r + j]! * xi;
  }
}

/** The rows of an operand inside a larger array: row i at data[offset + i·stride …]. */
export interface Rows {
  data: Float64Array;
  stride: number;
  offset: number;
}

/** C += A Bᵀ, i.e. C[i][j] += Σ_{t<T} A_i[t] B_j[t]   (C: m×n; rows A_0 … A_{m−1} and B_0 … B_{n−1} of length T) */
export function addABt(C: Matrix, A: Rows, B: Rows, T: number): void {
  const { rows: m, cols: n, data: c } = C;
  const a = A.data;
  const b = B.data;
  const wasm = wasmKernels(c, a, b);
  if (wasm)
    return wasm.addABt(
      c.byteOffset,
      m,
      n,
      a.byteOffset + 8 * A.offset,
      8 * A.stride,
      b.byteOffset + 8 * B.offset,
      8 * B.stride,
      T,
    );
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * A.stride + A.offset;
    const a1 = a0 + A.stride;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * B.stride + B.offset;
      const b1 = b0 + B.stride;
      const b2 = b1 + B.stride;
      const b3 = b2 + B.stride;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      for (let t = 0; t < T; t++) {
        const x0 = a[a0 + t]!;
        const x1 = a[a1 + t]!;
        const y0 = b[b0 + t]!;
        const y1 = b[b1 + t]!;
        const y2 = b[b2 + t]!;
        const y3 = b[b3 + t]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
      }
      const r0 = i * n + j;
      const r1 = r0 + n;
      c[r0]! += c00;
      c[r0 + 1]! += c01;
      c[r0 + 2]! += c02;
      c[r0 + 3]! += c03;
      c[r1]! += c10;
      c[r1 + 1]! += c11;
      c[r1 + 2]! += c12;
      c[r1 + 3]! += c13;
    }
    for (; j < n; j++) {
      c[i * n + j]! += dot(a, a0, b, j * B.stride + B.offset, T);
      c[(i + 1) * n + j]! += dot(a, a1, b, j * B.stride + B.offset, T);
    }
  }
  for (; i < m; i++)
    for (let j = 0; j < n; j++) c[i * n + j]! += dot(a, i * A.stride + A.offset, b, j * B.stride + B.offset, T);
}

/** One vector per step t: v_t[i] at data[offset + t·stride + i]. */
export interface Steps {
  data: Float64Array;
  stride: number;
  offset: number;
}

/**
 * C += Σ_{t<T} a_t b_tᵀ, i.e. C[i][j] += Σ_t a_t[i] b_t[j]   (C: m×n; a_t of length ≥ m, b_t of length ≥ n).
 * Computed as C += A Bᵀ over chunks of OUTER_CHUNK steps: each chunk's vectors are first laid out as rows
 * over t (element i of a_t at i·len + t), so that addABt reads them contiguously.
 */
export function addOuterSum(C: Matrix, A: Steps, B: Steps, T: number): void {
  const { rows: m, cols: n } = C;
  const size = outerSumScratch(m, n, T);
  // in the heap when C is (just above what is allocated there), where the WebAssembly addABt reads it
  const scratch = (inHeap(C.data) && heapScratch(size)) || plainScratch(size);
  for (let t0 = 0; t0 < T; t0 += OUTER_CHUNK) {
    const len = Math.min(OUTER_CHUNK, T - t0);
    const at = chunkRows(A, t0, len, m, scratch, 0);
    const bt = chunkRows(B, t0, len, n, scratch, m * len);
    addABt(C, { data: scratch, stride: len, offset: at }, { data: scratch, stride: len, offset: bt }, len);
  }
}

/** The scratch addOuterSum takes for C m×n over T steps, in float64. */
export const outerSumScratch = (m: number, n: number, T: number) => (m + n) * Math.min(OUTER_CHUNK, T);

const OUTER_CHUNK = 64;
let plain = new Float64Array(0); // reused across calls outside the heap (each thread has its own module instance)
const plainScratch = (size: number) => (plain.length < size ? (plain = new Float64Array(size)) : plain);

/** Writes v_t[i] for t in [t0, t0 + len), i < m, at out[at + i·len + (t − t0)]; returns at. */
function chunkRows(V: Steps, t0: number, len: number, m: number, out: Float64Array, at: number): number {
  for (let t = 0; t < len; t++) {
    const v = V.offset + (t0 + t) * V.stride;
    for (let i = 0; i < m; i++) out[at + i * len + t] = V.data[v + i]!;
  }
  return at;
}

function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, T: number): number {
  let acc = 0;
  for (let t = 0; t < T; t++) acc += a[ai + t]! * b[bi + t]!;
  return acc;
}
