/** The hand-written BPTT: float64, no TensorFlow.js. Every cell through the table of cells (cells/index.ts). */
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import { heapBytesOf, PLAIN, withWorkspace, type Workspace } from '../kernels/heap.js';
import { outerSumScratch } from '../kernels/kernels.js';
import { cellImpl, type HandCache } from './cells/index.js';
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
export function handForward(c: Case, ws: Workspace = PLAIN): HandCache {
  return cellImpl(c.model).forward(c, ws);
}

/** The forward pass of a gated cell (LSTM, GRU). */
export function gatedForward(c: Case, ws: Workspace = PLAIN): GatedCache {
  return gatedCache(handForward(c, ws));
}

/** BPTT of the case's cell from its forward pass (handForward's, for the same case). */
export function handBackward(c: Case, cache: HandCache, opts: BpttOptions = {}, ws: Workspace = PLAIN): BackwardResult {
  return cellImpl(c.model).backward(c, cache, opts, ws);
}

/** The contribution of step k to each recurrent gradient (steps.ts), from a backward pass's kept adjoints. */
export function stepContribution(c: Case, cache: HandCache, steps: StepAdjoints, k: number): StepContribution {
  return cellImpl(c.model).stepContribution(c, cache, steps, k);
}

/** ‖∂s_{T−1}/∂s_k‖₂ at every k for batch row `row`, from the case's forward pass. */
export function jacobianNorms(c: Case, cache: HandCache, row = 0): number[] {
  return cellImpl(c.model).jacobianNorms(c, cache, row);
}

/**
 * Forward and backward pass in one, in a workspace sized for the case (the kernels' heap, when it fits): the
 * case's parameters and input vectors copied there, so that every matrix product runs on the WebAssembly
 * kernels (kernels.ts).
 */
export function handGradients(c: Case, opts: BpttOptions = {}): BackwardResult {
  const cell = cellImpl(c.model);
  const { inputSize: I, hiddenSize: H, outputSize: K } = c.model;
  const sumScratch = outerSumScratch(Math.max(H, K), Math.max(H, I), c.steps); // the largest of dW, dU, dV's sums over t
  const bytes = forwardBytes(c) + bytesOf([...cell.backwardSizes(c, opts), sumScratch]);
  return withWorkspace(bytes, (ws) => {
    const r = caseWith(c, ws.resident);
    return handBackward(r, handForward(r, ws), opts, ws);
  });
}

/** The bytes a forward pass takes in a workspace, with a copy of the case's parameters, inputs and initial state. */
export function forwardBytes(c: Case): number {
  const copies = [...Object.values(c.params), ...(c.initialState ? [c.initialState] : [])].map((m) => m.data.length);
  return bytesOf([...copies, c.vectors?.length ?? 0, ...cellImpl(c.model).forwardSizes(c)]);
}

const bytesOf = (sizes: number[]) => sizes.reduce((sum, n) => sum + heapBytesOf(n), 0);

/** c with its parameters, input vectors and initial state passed through place (a workspace's resident or copy). */
export function caseWith(c: Case, place: (m: Matrix) => Matrix): Case {
  const params = Object.fromEntries(Object.entries(c.params).map(([k, m]) => [k, place(m)]));
  const vectors = c.vectors && place({ rows: 1, cols: c.vectors.length, data: c.vectors }).data;
  return { ...c, params, vectors, initialState: c.initialState && place(c.initialState) };
}
