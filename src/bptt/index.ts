/** The hand-written BPTT: float64, no TensorFlow.js. */
import type { Case } from '../model/case.js';
import { backward, type BackwardResult } from './backward.js';
import { forward, type ForwardCache } from './forward.js';
import type { BpttOptions } from './options.js';
import { gatedBackward, gatedForward, type GatedCache } from './gated.js';
import { InputError } from '../model/errors.js';

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
  if (opts.withoutActivationDerivative) throw new InputError(`withoutActivationDerivative is set for cell ${c.model.cell}, expected cell rnn`);
  return gatedBackward(c, cache as GatedCache, opts);
}

export function handGradients(c: Case, opts: BpttOptions = {}): BackwardResult {
  return handBackward(c, handForward(c), opts);
}
