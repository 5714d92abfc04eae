/** The compare heatmap's numbers: |a − r| over the recurrent weights, entry by entry (report/heatmap.ts draws it). */
import type { Gradients } from '../model/gradients.js';
import { stackRows } from '../model/matrix.js';
import type { ImplName } from './sides.js';

/** |a − r| over the recurrent weights: W, or the gated cells' W_* one above the other (tensor "W_i; W_f; …"). */
export interface WDifference {
  tensor: string;
  a: ImplName;
  r: ImplName;
  rows: number;
  cols: number;
  /** |a − r| of entry [i, j] at i·cols + j (NaN where either side is NaN) */
  diff: Float64Array;
}

export function wDifference(a: Gradients, r: Gradients, aName: ImplName, rName: ImplName): WDifference | undefined {
  // the recurrent weights: W, or for gated cells every gate's W_* one above the other
  const names = a.tensors.W ? ['W'] : Object.keys(a.tensors).filter((k) => k.startsWith('W_'));
  if (!names.length || names.some((n) => !a.tensors[n] || !r.tensors[n])) return undefined;
  const A = stackRows(names.map((n) => a.tensors[n]!));
  const R = stackRows(names.map((n) => r.tensors[n]!));
  const diff = A.data.map((x, k) => Math.abs(x - R.data[k]!));
  return { tensor: names.join('; '), a: aName, r: rName, rows: A.rows, cols: A.cols, diff };
}
