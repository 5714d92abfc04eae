/**
 * The heap of the WebAssembly kernels (simd/kernels.ts, used by kernels.ts): the WebAssembly memory where
 * their operands must live. Inside withHeap(), f64() and matrix() allocate there and resident() copies
 * there; outside it they give ordinary arrays, on which the JavaScript kernels run.
 */
import { readFileSync } from 'node:fs';
import type { Matrix } from '../model/matrix.js';

export interface SimdKernels {
  matVecAdd(pA: number, rows: number, cols: number, px: number, py: number): void;
  matTVecAdd(pA: number, rows: number, cols: number, px: number, py: number): void;
  addABt(pC: number, m: number, n: number, pA: number, sa: number, pB: number, sb: number, T: number): void;
}

const PAGE = 65536;
/** The heap stops growing at 2 GiB; a computation that needs more runs on the JavaScript kernels. */
const MAX_PAGES = 32768;
const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
let heap: ArrayBuffer = memory.buffer;
let top = 0;
/** withHeap's nesting: allocations go to the heap only inside it */
let depth = 0;
let loaded: SimdKernels | null = null;
let simd: SimdKernels | null = null;
let unavailable = '';

/** The compiled kernels: built by `npm run build:simd` next to the compiled kernels.js (dist/src/kernels/simd/), found from src/ too. */
function wasmBytes(): Uint8Array<ArrayBuffer> | null {
  for (const u of [
    new URL('./simd/kernels.wasm', import.meta.url),
    new URL('../../dist/src/kernels/simd/kernels.wasm', import.meta.url),
  ]) {
    try {
      return readFileSync(u);
    } catch {
      // not there: the next place
    }
  }
  return null;
}

try {
  const bytes = wasmBytes();
  if (!bytes) unavailable = 'simd/kernels.wasm is not built (npm run build:simd)';
  else
    loaded = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
      .exports as unknown as SimdKernels;
} catch (e) {
  unavailable = `WebAssembly SIMD is not usable here: ${(e as Error).message}`;
}
useSimd(process.env.BPTT_CHECK_KERNELS !== 'js');

/** Switches the WebAssembly kernels on (when they loaded) or off; returns the kernels now in use. */
export function useSimd(on: boolean): string {
  simd = on ? loaded : null;
  return kernelsInUse();
}

/** 'wasm-simd', or 'js' with the reason. */
export function kernelsInUse(): string {
  if (simd) return 'wasm-simd';
  return `js (${loaded ? 'BPTT_CHECK_KERNELS=js or useSimd(false)' : unavailable})`;
}

class HeapFull extends Error {
  constructor(readonly bytes: number) {
    super(`the kernels' heap needs ${bytes} bytes`);
  }
}

/** n float64 zeros: in the heap inside withHeap(), a plain Float64Array elsewhere. */
export function f64(n: number): Float64Array {
  if (depth === 0) return new Float64Array(n);
  const at = top;
  // 16-byte aligned, for the two-lane loads; in float64 arithmetic, not 32-bit bitwise (which wraps from 2 GiB on)
  top += Math.ceil((n * 8) / 16) * 16;
  if (top > heap.byteLength) throw new HeapFull(top);
  return new Float64Array(heap, at, n).fill(0); // the heap is reused: earlier contents are cleared
}

/** The heap's size in bytes: it starts at 1 MiB and grows to what the largest computation needed. */
export function heapBytes(): number {
  return heap.byteLength;
}

/** Whether withHeap() is running: f64() allocates in the heap. */
export function heapActive(): boolean {
  return depth > 0;
}

/** The WebAssembly kernels when they are on and all three operands live in the heap, else null. */
export function wasmKernels(a: Float64Array, b: Float64Array, c: Float64Array): SimdKernels | null {
  return simd && inHeap(a) && inHeap(b) && inHeap(c) ? simd : null;
}

/** Whether a lives in the heap, where the WebAssembly kernels read it. */
export function inHeap(a: Float64Array): boolean {
  return a.buffer === heap;
}

/** A rows × cols zero matrix, allocated by f64(). */
export function matrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: f64(rows * cols) };
}

/** A copy of m, allocated by f64(): in the heap inside withHeap(), an ordinary array elsewhere. */
export function copy(m: Matrix): Matrix {
  const data = f64(m.data.length);
  data.set(m.data);
  return { rows: m.rows, cols: m.cols, data };
}

/** m itself outside withHeap(); inside, a copy of it in the heap. */
export function resident(m: Matrix): Matrix {
  return depth === 0 || inHeap(m.data) ? m : copy(m);
}

/** Runs fn inside withHeap() and frees what it allocated there when it returns (its result must not be such an array). */
export function scoped<R>(fn: () => R): R {
  const mark = top;
  try {
    return fn();
  } finally {
    top = mark;
  }
}

/**
 * Runs fn with the heap: what fn allocates through f64(), matrix() and resident() lives in WebAssembly
 * memory, where the SIMD kernels reach it. The heap is reused by the next call, so the result is copied
 * out (every Float64Array in it that lives there). When the heap is too small it grows and fn runs again
 * from the start: fn must compute its result from its inputs only. Nested calls share the outer heap.
 */
export function withHeap<R>(fn: () => R): R {
  if (depth > 0 || !simd) return fn();
  for (;;) {
    depth = 1;
    top = 0;
    try {
      return copiedOut(fn());
    } catch (e) {
      if (!(e instanceof HeapFull)) throw e;
      if (!grow(e.bytes)) {
        depth = 0;
        return fn(); // too large for the heap: plain arrays and the JavaScript kernels
      }
    } finally {
      depth = 0;
      top = 0;
    }
  }
}

/**
 * Grows the heap to at least `bytes`, doubling it at least (so that a computation is redone a few times at
 * most); false when that passes the limit or the memory cannot grow. Detaches the old buffer: nothing
 * allocated in it may still be in use.
 */
function grow(bytes: number): boolean {
  const have = heap.byteLength / PAGE;
  const need = Math.ceil(bytes / PAGE);
  if (need > MAX_PAGES) return false;
  try {
    memory.grow(Math.min(Math.max(need, 2 * have), MAX_PAGES) - have);
  } catch {
    return false;
  }
  heap = memory.buffer;
  return true;
}

/** value with every Float64Array that lives in the heap replaced by a copy (plain objects and arrays are walked). */
function copiedOut<R>(value: R): R {
  if (value instanceof Float64Array) return (inHeap(value) ? value.slice() : value) as R;
  if (Array.isArray(value)) return value.map(copiedOut) as R;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copiedOut(v)])) as R;
  return value;
}
