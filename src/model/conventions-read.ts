/**
 * A user tensor's JSON value ↔ its math-orientation stack of blocks (conventions-plan.ts), with the shape
 * checks whose messages name the tensor, its shape, the shape the conventions expect and, for a transposed
 * matrix, the other layout. The two-bias split is here too.
 */
import { InputError, shown } from './errors.js';
import type { Matrix } from './matrix.js';
import type { Conventions } from './conventions-types.js';
import type { UserTensor } from './conventions-plan.js';

/** [n] for an array of non-arrays, [r, c] for a rectangular nested array, null for anything else. */
export function shapeOf(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  if (!v.some((x) => Array.isArray(x))) return [v.length];
  if (!v.every((x) => Array.isArray(x))) return null;
  const widths = new Set((v as unknown[][]).map((r) => r.length));
  return widths.size === 1 ? [v.length, [...widths][0]!] : null;
}

const shapeText = (s: readonly number[]) => s.join('×');

/** The shape a user tensor is stored in, and the other shapes it is accepted in (vectors: H, H×1, 1×H). */
export function storedShapes(ut: UserTensor): number[][] {
  const R = ut.blocks.length * ut.blockRows;
  switch (ut.kind) {
    case 'matrix':
      return [ut.transposed ? [ut.cols, R] : [R, ut.cols]];
    case 'vector':
      return [[R], [R, 1], [1, R]];
    case 'pair':
      return [[2, R]];
    case 'state':
      return ut.blockRows === 1 ? [[1, ut.cols], [ut.cols], [ut.cols, 1]] : [[ut.blockRows, ut.cols]];
  }
}

export interface ReadContext {
  where: string;
  /** params or gradients */
  path: string;
  conv: Conventions;
  /** a JSON element as a number, or undefined when it is not one */
  num: (v: unknown) => number | undefined;
}

/**
 * A user tensor's value as its math-orientation stack: (blocks · blockRows) × cols row-major (a pair: row 0's
 * stack, then row 1's). Throws InputError naming the tensor, its shape and the shape expected.
 */
export function readUser(value: unknown, ut: UserTensor, ctx: ReadContext): Float64Array {
  const shapes = storedShapes(ut);
  const got = shapeOf(value);
  const name = `${ctx.where}: ${ctx.path}.${ut.name}`;
  const expected = `${shapeText(shapes[0]!)} (${ut.formula}, ${ctx.conv.names}'s ${ctx.conv.layout} layout)`;
  if (!got || !shapes.some((s) => shapeText(s) === shapeText(got))) {
    const gotText = got ? `shape ${shapeText(got)}` : shown(value);
    const [r, c] = shapes[0]!;
    const other =
      ut.kind === 'matrix' && got && got.length === 2 && got[0] === c && got[1] === r && r !== c
        ? `; ${shapeText(got)} is the ${ctx.conv.layout === 'math' ? 'row' : 'math'} layout's`
        : '';
    throw new InputError(`${name} has ${gotText}, expected ${expected}${other}`);
  }
  const flat = (value as unknown[]).flat();
  const out = new Float64Array(flat.length);
  flat.forEach((x, k) => {
    const v = ctx.num(x);
    if (v === undefined) throw new InputError(`${name} has ${shown(x)} at entry ${k}, expected a finite number`);
    out[k] = v;
  });
  if (ut.kind !== 'matrix' || !ut.transposed) return out;
  // stored as the transpose (C × R): back to math orientation R × C
  const R = ut.blocks.length * ut.blockRows;
  const C = ut.cols;
  const math = new Float64Array(R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) math[i * C + j] = out[j * R + i]!;
  return math;
}

/** A math-orientation stack as the user's JSON value (transposed for the row layout, vectors as vectorShape). */
export function writeUser(stack: Float64Array, ut: UserTensor, conv: Conventions): unknown {
  const R = ut.blocks.length * ut.blockRows;
  const rows = (data: Float64Array, r: number, c: number) =>
    Array.from({ length: r }, (_, i) => Array.from(data.subarray(i * c, (i + 1) * c)));
  switch (ut.kind) {
    case 'matrix': {
      if (!ut.transposed) return rows(stack, R, ut.cols);
      const t = new Float64Array(stack.length);
      for (let i = 0; i < R; i++) for (let j = 0; j < ut.cols; j++) t[j * R + i] = stack[i * ut.cols + j]!;
      return rows(t, ut.cols, R);
    }
    case 'vector':
      return conv.vectorShape === 'H×1'
        ? Array.from(stack, (x) => [x])
        : conv.vectorShape === '1×H'
          ? [Array.from(stack)]
          : Array.from(stack);
    case 'pair':
      return rows(stack, 2, R);
    case 'state':
      return ut.blockRows === 1 && conv.vectorShape === 'H×1'
        ? Array.from(stack, (x) => [x])
        : rows(stack, ut.blockRows, ut.cols);
  }
}

/**
 * The hh share of a bias when a case is written with two biases: b_hh[j] = −b[j] (j even), b[j]/2 (j odd), and
 * b_ih = b − b_hh = 2b[j] or b[j]/2: both nonzero where b is, of either sign, and b_ih + b_hh = b exactly in float64.
 */
export function hhShare(b: Matrix): Float64Array {
  return Float64Array.from(b.data, (x, j) => (j % 2 === 0 ? -x : x / 2));
}

/** b_ih = b − b_hh: 2b[j] (j even) or b[j]/2 (j odd), exact. */
export function ihShare(b: Matrix): Float64Array {
  return Float64Array.from(b.data, (x, j) => (j % 2 === 0 ? 2 * x : x / 2));
}
