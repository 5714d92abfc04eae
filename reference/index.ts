/** The oracle: TensorFlow.js gradients of a case, in math layout. Never imports the hand-written side. */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import { resetAfter, type Cell, type GruReset } from '../src/model/spec.js';
import { layerNameOf } from './cells/index.js';
import { layersGradients } from './layers.js';
import { opsGradients } from './ops.js';
import type { ReferenceOptions } from './clip.js';

export { BACKENDS, useBackend, tf, type Backend, type BackendInfo } from './tf.js';
import type { Backend } from './tf.js';

export const REFERENCES = ['tfjs-layers', 'tfjs-ops'] as const;
export type ReferenceName = (typeof REFERENCES)[number];

/**
 * The faster of the two correct reference paths on each backend, what the `fast` choice of reference runs.
 * Measured by `npm run bench` at I=K=32, H=64, T=50 (which prints whether this table still holds): cpu 11–14 ms ops
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
  return which === 'tfjs-layers' ? layersGradients(c, opts) : opsGradients(c, opts);
}

/** What a check may ask of a reference beside the plain gradients. */
export interface ReferenceVariant {
  truncate?: number | undefined;
  detachEvery?: number | undefined;
  clipValue?: number | undefined;
  clipNorm?: number | undefined;
}

/**
 * Whether a reference computes a variant for a cell: true, or why not (words for a note or a refusal).
 * tf.layers' recurrent layers run the whole sequence with no hook to truncate or detach; clipping is done
 * on the gradients (clip.ts), so every reference clips. tf.layers' GRU applies the reset before the recurrent
 * product only (tfjs-layers' GRUCell has no resetAfter option), so the model's gruReset 'after' is tfjs-ops'
 * alone. tfjs-ops does every variant and model.
 */
export function supports(
  reference: ReferenceName,
  variant: ReferenceVariant,
  model: Cell | { cell: Cell; gruReset?: GruReset | undefined },
): true | string {
  const m = typeof model === 'string' ? { cell: model } : model;
  if (reference === 'tfjs-layers' && (variant.truncate !== undefined || variant.detachEvery !== undefined))
    return `tf.layers.${layerNameOf(m.cell)} cannot truncate or detach`;
  if (reference === 'tfjs-layers' && resetAfter(m))
    return "tf.layers' GRU has no reset after the recurrent product (resetAfter)";
  return true;
}
