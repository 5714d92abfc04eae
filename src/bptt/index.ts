/** The hand-written BPTT: float64, no TensorFlow.js. */
import type { Case } from '../model/case.js';
import { backward, type BackwardResult } from './backward.js';
import { forward } from './forward.js';
import type { BpttOptions } from './options.js';

export { backward, type BackwardResult, type StepAdjoints } from './backward.js';
export { clipGradients, globalNorm, type ClipOptions } from './clip.js';
export { forward, type ForwardCache } from './forward.js';
export type { BpttOptions } from './options.js';

export function handGradients(c: Case, opts: BpttOptions = {}): BackwardResult {
  return backward(c, forward(c), opts);
}
