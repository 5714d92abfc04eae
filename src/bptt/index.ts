/** The hand-written BPTT: float64, no TensorFlow.js. */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { backward } from './backward.js';
import { forward } from './forward.js';

export { backward } from './backward.js';
export { forward, type ForwardCache } from './forward.js';

export function handGradients(c: Case): Gradients {
  return backward(c, forward(c));
}
