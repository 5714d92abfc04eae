/** The oracle: TensorFlow.js gradients of a case, in math layout. Never imports the hand-written side. */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import { layersGradients } from './layers.js';
import { opsGradients } from './ops.js';
import type { ReferenceOptions } from './clip.js';
import { layersGatedGradients, opsGatedGradients } from './gated.js';

export { BACKENDS, useBackend, tf, type Backend, type BackendInfo } from './tf.js';
import type { Backend } from './tf.js';

export const REFERENCES = ['tfjs-layers', 'tfjs-ops'] as const;
export type ReferenceName = (typeof REFERENCES)[number];

/**
 * The faster of the two correct reference paths on each backend, what `--reference fast` runs. Measured by
 * `npm run bench` at I=K=32, H=64, T=50 (which prints whether this table still holds): cpu 11–14 ms ops
 * against 18–20 ms layers, wasm 9–11 against 15–19. tensorflow (tfjs-node) cannot be installed on our machines;
 * ops there too, unmeasured.
 */
export const FASTER_PATH: Record<Backend, ReferenceName> = {
  cpu: 'tfjs-ops',
  wasm: 'tfjs-ops',
  tensorflow: 'tfjs-ops',
};

export type { ReferenceOptions } from './clip.js';

export async function referenceGradients(
  c: Case,
  which: ReferenceName,
  opts: ReferenceOptions = {},
): Promise<Gradients> {
  if (c.model.cell !== 'rnn')
    return which === 'tfjs-layers' ? layersGatedGradients(c, opts) : opsGatedGradients(c, opts);
  return which === 'tfjs-layers' ? layersGradients(c, opts) : opsGradients(c, opts);
}
