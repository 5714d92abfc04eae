/**
 * The heap of the WebAssembly kernels (simd/kernels.ts, used by kernels.ts): the WebAssembly memory where
 * their operands must live. A computation allocates its buffers from a Workspace, sized up front from what
 * it needs (withWorkspace): in the heap when the WebAssembly kernels are on and the size fits, ordinary
 * arrays otherwise (PLAIN), on which the JavaScript kernels run.
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
/** The heap's first free byte: what open workspaces allocated lies below it (a workspace opened inside another takes what follows). */
let top = 0;
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

/** Where a computation allocates its buffers (zero-filled). */
export interface Workspace {
  /** n float64 zeros */
  f64(n: number): Float64Array;
  /** a rows × cols zero matrix */
  matrix(rows: number, cols: number): Matrix;
  /** a copy of m */
  copy(m: Matrix): Matrix;
  /** m where the workspace's arrays are (itself, or a copy) */
  resident(m: Matrix): Matrix;
  /** runs fn and frees what it allocated here when it returns (its result must not be such an array) */
  scoped<R>(fn: () => R): R;
}

/** Ordinary arrays, for the JavaScript kernels: the workspace of a computation outside withWorkspace. */
export const PLAIN: Workspace = {
  f64: (n) => new Float64Array(n),
  matrix: (rows, cols) => ({ rows, cols, data: new Float64Array(rows * cols) }),
  copy: (m) => ({ rows: m.rows, cols: m.cols, data: m.data.slice() }),
  resident: (m) => m,
  scoped: (fn) => fn(),
};

/** The bytes an allocation of n float64 takes in the heap: 16-byte aligned, for the two-lane loads. */
export const heapBytesOf = (n: number) => Math.ceil((n * 8) / 16) * 16;

/** A workspace in the heap, allocating in [top, end). */
function heapWorkspace(end: number): Workspace {
  const ws: Workspace = {
    f64(n) {
      // in float64 arithmetic, not 32-bit bitwise (which wraps from 2 GiB on)
      const size = heapBytesOf(n);
      if (top + size > end) return new Float64Array(n); // past what was reserved: an ordinary array (the JavaScript kernels)
      const at = top;
      top += size;
      return new Float64Array(heap, at, n).fill(0); // the heap is reused: earlier contents are cleared
    },
    matrix: (rows, cols) => ({ rows, cols, data: ws.f64(rows * cols) }),
    copy(m) {
      const data = ws.f64(m.data.length);
      data.set(m.data);
      return { rows: m.rows, cols: m.cols, data };
    },
    resident: (m) => (inHeap(m.data) ? m : ws.copy(m)),
    scoped(fn) {
      const mark = top;
      try {
        return fn();
      } finally {
        top = mark;
      }
    },
  };
  return ws;
}

/**
 * Runs fn with a workspace of `bytes` (what it allocates, each allocation counted by heapBytesOf): in the heap,
 * grown to that size first, when the WebAssembly kernels are on and it fits (inside another workspace: in
 * what the heap has left), else PLAIN. The heap is reused by the next computation, so the result is copied
 * out (every Float64Array in it that lives there).
 */
export function withWorkspace<R>(bytes: number, fn: (ws: Workspace) => R): R {
  if (!simd || !reserve(top + bytes)) return fn(PLAIN);
  const mark = top;
  try {
    return copiedOut(fn(heapWorkspace(mark + bytes)));
  } finally {
    top = mark;
  }
}

/** The heap holds `end` bytes, grown when nothing lives in it (growing moves its buffer); false when it cannot. */
function reserve(end: number): boolean {
  if (end <= heap.byteLength) return true;
  return top === 0 && grow(end);
}

/**
 * Scratch of n float64 for a kernel whose operands live in the heap: just above what is allocated there
 * (valid until the next allocation), when it fits; else null.
 */
export function heapScratch(n: number): Float64Array | null {
  return top + heapBytesOf(n) <= heap.byteLength ? new Float64Array(heap, top, n) : null;
}

/** The heap's size in bytes: it starts at 1 MiB and grows to what the largest computation needed. */
export function heapBytes(): number {
  return heap.byteLength;
}

/** The WebAssembly kernels when they are on and all three operands live in the heap, else null. */
export function wasmKernels(a: Float64Array, b: Float64Array, c: Float64Array): SimdKernels | null {
  return simd && inHeap(a) && inHeap(b) && inHeap(c) ? simd : null;
}

/** Whether a lives in the heap, where the WebAssembly kernels read it. */
export function inHeap(a: Float64Array): boolean {
  return a.buffer === heap;
}

/**
 * Grows the heap to at least `bytes`, doubling it at least (fewer moves over a run of growing cases); false
 * when that passes the limit or the memory cannot grow. Detaches the old buffer: nothing allocated in it may
 * still be in use.
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
