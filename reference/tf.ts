/**
 * Loading TensorFlow.js and choosing its backend. Only tfjs-core, the cpu backend and tfjs-layers are
 * loaded by default (about half the start-up time of the full @tensorflow/tfjs bundle); wasm and the
 * native backend are loaded only when asked for.
 */
import { createRequire } from 'node:module';
import type * as Core from '@tensorflow/tfjs-core';
import { InputError, fieldName, shown } from '../src/model/errors.js';

// tfjs ships CommonJS bundles. Loaded with require() rather than import, Node does not first scan their
// source for export names (cjs-module-lexer), which took ~180 ms of every process's and worker's start-up.
const require = createRequire(import.meta.url);
export const tf: typeof Core = require('@tensorflow/tfjs-core');
/** the tfjs types the oracles name (tf.Tensor, …), beside the value */
export declare namespace tf {
  type Rank = Core.Rank;
  type Tensor<R extends Rank = Rank> = Core.Tensor<R>;
  type Tensor1D = Core.Tensor1D;
  type Tensor2D = Core.Tensor2D;
  type Tensor3D = Core.Tensor3D;
  type Scalar = Core.Scalar;
  type Variable<R extends Rank = Rank> = Core.Variable<R>;
  type NamedTensorMap = Core.NamedTensorMap;
}
require('@tensorflow/tfjs-backend-cpu');
/** tfjs-layers, for the tf.layers oracles */
export const tfl: typeof import('@tensorflow/tfjs-layers') = require('@tensorflow/tfjs-layers');

export const BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface BackendInfo {
  backend: Backend;
  tfjsVersion: string;
}

/** The message for the tensorflow backend where @tensorflow/tfjs-node did not install. */
function nativeMissing(reason: string): InputError {
  return new InputError(
    `${fieldName('backend')} is "tensorflow", but @tensorflow/tfjs-node is not usable here (${reason}); it is an optional dependency whose install step downloads libtensorflow, and where that download fails npm leaves it out. Expected cpu or wasm, or install @tensorflow/tfjs-node on a machine with network access`,
    'backend',
  );
}

async function register(backend: Backend): Promise<void> {
  if (backend === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
  } else if (backend === 'tensorflow') {
    try {
      require('@tensorflow/tfjs-node');
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0] ?? 'unknown error';
      throw nativeMissing(/Cannot find (package|module)/.test(msg) ? 'the package is not installed' : msg);
    }
    if (!tf.findBackend('tensorflow')) throw nativeMissing('it loaded but registered no "tensorflow" backend');
  }
}

/** Selects the backend, loading it first when needed. Throws InputError for an unknown or missing one. */
export async function useBackend(name: string): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(name))
    throw new InputError(`${fieldName('backend')} is ${shown(name)}, expected one of ${BACKENDS.join('|')}`, 'backend');
  const backend = name as Backend;
  tf.enableProdMode(); // silences tfjs's "install the node backend" banner, which would pollute the JSON output
  await register(backend);
  if (!(await tf.setBackend(backend))) throw nativeMissing(`tf.setBackend("${backend}") failed`);
  await tf.ready();
  return { backend, tfjsVersion: tf.version_core };
}
