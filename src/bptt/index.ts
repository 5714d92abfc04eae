/** The hand-written BPTT: float64, no TensorFlow.js. */
import type { Case } from '../model/case.js';
import { backward, type BackwardResult } from './backward.js';
import { forward } from './forward.js';
import type { BpttOptions } from './options.js';
import { gatedBackward, gatedForward } from './gated.js';
import { InputError } from '../model/errors.js';

export { backward, type BackwardResult, type StepAdjoints } from './backward.js';
export { clipGradients, globalNorm, type ClipOptions } from './clip.js';
export { forward, type ForwardCache } from './forward.js';
export type { BpttOptions } from './options.js';
export { gatedBackward, gatedForward, type GatedCache } from './gated.js';

export function handGradients(c: Case, opts: BpttOptions = {}): BackwardResult {
  if (c.model.cell === 'rnn') return backward(c, forward(c), opts);
  if (opts.withoutActivationDerivative) throw new InputError(`withoutActivationDerivative is set for cell ${c.model.cell}, expected cell rnn`);
  return gatedBackward(c, gatedForward(c), opts);
}
