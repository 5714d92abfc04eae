/** The hand-written BPTT: float64, no TensorFlow.js. */
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import { backward, type BackwardResult } from './backward.js';
import { forward, type ForwardCache } from './forward.js';
import type { BpttOptions } from './options.js';
import { gatedBackward, gatedForward, type GatedCache } from './gated.js';
import { resident, withHeap } from '../kernels/heap.js';

export { backward, type BackwardResult, type StepAdjoints } from './backward.js';
export { clipGradients, globalNorm, type ClipOptions } from './clip.js';
export { forward, type ForwardCache } from './forward.js';
export type { BpttOptions } from './options.js';
export { gatedBackward, gatedForward, type GatedCache } from './gated.js';

/** The forward pass of the case's cell: a ForwardCache for the RNN, a GatedCache for LSTM and GRU. */
export type HandCache = ForwardCache | GatedCache;

export function handForward(c: Case): HandCache {
  return c.model.cell === 'rnn' ? forward(c) : gatedForward(c);
}

/** BPTT of the case's cell from its forward pass (handForward's, for the same case). */
export function handBackward(c: Case, cache: HandCache, opts: BpttOptions = {}): BackwardResult {
  if (c.model.cell === 'rnn') return backward(c, cache as ForwardCache, opts);
  return gatedBackward(c, cache as GatedCache, opts);
}

/**
 * Forward and backward pass in one: run in the kernels' heap, with the case's parameters and input vectors
 * copied there, so that every matrix product runs on the WebAssembly kernels (kernels.ts).
 */
export function handGradients(c: Case, opts: BpttOptions = {}): BackwardResult {
  return withHeap(() => {
    const r = caseWith(c, resident);
    return handBackward(r, handForward(r), opts);
  });
}

/** c with its parameters, input vectors and initial state passed through place (heap.ts's resident or copy). */
export function caseWith(c: Case, place: (m: Matrix) => Matrix): Case {
  const params = Object.fromEntries(Object.entries(c.params).map(([k, m]) => [k, place(m)]));
  const vectors = c.vectors && place({ rows: 1, cols: c.vectors.length, data: c.vectors }).data;
  return { ...c, params, vectors, initialState: c.initialState && place(c.initialState) };
}
