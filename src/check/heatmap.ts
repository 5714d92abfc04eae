/** The compare heatmap's numbers: |a − r| over the recurrent weights, entry by entry (report/heatmap.ts draws it). */
import type { FdProbe } from '../fd/oracle.js';
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

/**
 * The recurrent weights' gradients as the finite differences measured them, when they measured every entry
 * (fd full, or a full rerun of each): shaped as the subject's, for wDifference against the float64 oracle.
 */
export function fdWeights(probes: readonly FdProbe[], like: Gradients): Gradients | undefined {
  const names = like.tensors.W ? ['W'] : Object.keys(like.tensors).filter((k) => k.startsWith('W_'));
  const tensors: Gradients['tensors'] = {};
  for (const n of names) {
    const m = like.tensors[n]!;
    const p = probes.find((x) => x.tensor === n && x.mode === 'entries' && x.indices.length === m.data.length);
    if (!p) return undefined;
    const data = new Float64Array(m.data.length);
    p.indices.forEach((k, e) => (data[k] = p.values[e]!));
    tensors[n] = { rows: m.rows, cols: m.cols, data };
  }
  return names.length ? { loss: NaN, tensors } : undefined;
}

/** |subject − r| of W against the most precise reference that ran: fd (float64, every entry measured), else tfjs-ops, else tfjs-layers. */
export function heatmapOf(
  subject: Gradients,
  name: ImplName,
  fd: readonly FdProbe[],
  refs: readonly ImplName[],
  grads: Partial<Record<ImplName, Gradients>>,
): WDifference | undefined {
  const exact = fdWeights(fd, subject);
  if (exact) return wDifference(subject, exact, name, 'fd');
  const r = (['tfjs-ops', 'tfjs-layers'] as const).find((x) => refs.includes(x) && grads[x]);
  return r ? wDifference(subject, grads[r]!, name, r) : undefined;
}
