/** The hand-written BPTT: float64, no TensorFlow.js. Every cell through the table of cells (cells/index.ts). */
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import { resident, withHeap } from '../kernels/heap.js';
import { CELL_IMPLS, type HandCache } from './cells/index.js';
import { gatedCache, type GatedCache } from './cells/gated.js';
import type { BpttOptions } from './options.js';
import type { BackwardResult, StepAdjoints } from './recursion.js';
import type { StepContribution } from './steps.js';

export { GAMMA, sigma } from './activations.js';
export { clipGradients, globalNorm, type ClipOptions } from './clip.js';
export { addInput } from './layers.js';
export { backward, forward, type ForwardCache } from './cells/rnn.js';
export type { GatedCache } from './cells/gated.js';
export type { HandCache } from './cells/index.js';
export type { BpttOptions } from './options.js';
export type { BackwardResult, StepAdjoints } from './recursion.js';
export type { StepContribution } from './steps.js';

/** The forward pass of the case's cell. */
export function handForward(c: Case): HandCache {
  return CELL_IMPLS[c.model.cell].forward(c);
}

/** The forward pass of a gated cell (LSTM, GRU). */
export function gatedForward(c: Case): GatedCache {
  return gatedCache(handForward(c));
}

/** BPTT of the case's cell from its forward pass (handForward's, for the same case). */
export function handBackward(c: Case, cache: HandCache, opts: BpttOptions = {}): BackwardResult {
  return CELL_IMPLS[c.model.cell].backward(c, cache, opts);
}

/** The contribution of step k to each recurrent gradient (steps.ts), from a backward pass's kept adjoints. */
export function stepContribution(c: Case, cache: HandCache, steps: StepAdjoints, k: number): StepContribution {
  return CELL_IMPLS[c.model.cell].stepContribution(c, cache, steps, k);
}

/** ‖∂s_{T−1}/∂s_k‖₂ at every k for batch row `row`, from the case's forward pass. */
export function jacobianNorms(c: Case, cache: HandCache, row = 0): number[] {
  return CELL_IMPLS[c.model.cell].jacobianNorms(c, cache, row);
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
