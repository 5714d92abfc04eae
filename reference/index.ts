/** The oracle: TensorFlow.js gradients of a case, in math layout. Never imports the hand-written side. */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import { layersGradients } from './layers.js';
import { opsGradients } from './ops.js';
import type { ReferenceOptions } from './clip.js';
import { layersGatedGradients, opsGatedGradients } from './gated.js';

export { BACKENDS, useBackend, tf, type Backend, type BackendInfo } from './tf.js';

export const REFERENCES = ['tfjs-layers', 'tfjs-ops'] as const;
export type ReferenceName = (typeof REFERENCES)[number];

export type { ReferenceOptions } from './clip.js';

export async function referenceGradients(c: Case, which: ReferenceName, opts: ReferenceOptions = {}): Promise<Gradients> {
  if (c.model.cell !== 'rnn') return which === 'tfjs-layers' ? layersGatedGradients(c, opts) : opsGatedGradients(c, opts);
  return which === 'tfjs-layers' ? layersGradients(c, opts) : opsGradients(c, opts);
}
