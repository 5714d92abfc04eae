/** The compare heatmap's numbers: |a − r| over the recurrent weights, cell by cell, with the entry behind each cell. */
import type { Gradients } from '../model/gradients.js';
import { stackRows } from '../model/matrix.js';
import type { ImplName } from './sides.js';

/**
 * |a − r| over the recurrent weights, in cells of `block`×`block` entries (block 1: every entry). Cell (p, q)
 * covers the entries [p·block, (p+1)·block) × [q·block, (q+1)·block) of the stacked W (size: its shape),
 * values[p·cols + q] is the largest |a − r| there and at[p·cols + q] the entry [i, j] that holds it.
 */
export interface Heatmap {
  tensor: string;
  a: ImplName;
  r: ImplName;
  rows: number;
  cols: number;
  block: number;
  values: number[];
  size?: [number, number];
  at?: [number, number][];
}

/** At most 64×64 cells: larger W are shown in blocks, each the max |a − r| inside it. */
export function wHeatmap(a: Gradients, r: Gradients, aName: ImplName, rName: ImplName): Heatmap | undefined {
  // the recurrent weights: W, or for gated cells every gate's W_* one above the other
  const names = a.tensors.W ? ['W'] : Object.keys(a.tensors).filter((k) => k.startsWith('W_'));
  if (!names.length || names.some((n) => !a.tensors[n] || !r.tensors[n])) return undefined;
  const A = stackRows(names.map((n) => a.tensors[n]!));
  const R = stackRows(names.map((n) => r.tensors[n]!));
  const block = Math.ceil(Math.max(A.rows, A.cols) / 64);
  const rows = Math.ceil(A.rows / block);
  const cols = Math.ceil(A.cols / block);
  const values = new Array<number>(rows * cols).fill(-1);
  const at = new Array<[number, number]>(rows * cols);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < A.cols; j++) {
      const k = Math.floor(i / block) * cols + Math.floor(j / block); // the cell (⌊i/block⌋, ⌊j/block⌋)
      const e = Math.abs(A.data[i * A.cols + j]! - R.data[i * A.cols + j]!);
      if (e > values[k]! || Number.isNaN(e)) [values[k], at[k]] = [e, [i, j]];
    }
  return { tensor: names.join('; '), a: aName, r: rName, rows, cols, block, values, size: [A.rows, A.cols], at };
}
