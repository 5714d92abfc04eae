/** Typed functions for what the command line does, for use from code and tests. */
import { checkCase, type CaseResult } from './check/compare.js';
import { userSide } from './check/sides.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './check/metrics.js';
import type { UserGradients } from './runs/user-module.js';
import { DTYPES, type Dtype } from './check/precision.js';
import { InputError, shown } from './model/errors.js';
import type { Case, CaseFile } from './model/case.js';
import { gradientsToFile, parseGradients, type Gradients } from './model/gradients.js';
import { parseCase } from './model/validate.js';
import { referenceGradients, useBackend, type Backend, type ReferenceName } from '../reference/index.js';

export interface CheckGradientsOptions extends Partial<Tolerance> {
  /** what to check against (default: all) */
  reference?: 'layers' | 'ops' | 'fd' | 'all';
  backend?: Backend;
  /** the precision the gradients were computed in (default: the gradients' dtype field, else detected from the values) */
  dtype?: Dtype;
}

/**
 * A loaded Case holds its targets as one Int32Array of B·T ids; a case file (JSON) holds nested arrays and
 * cannot hold a typed array. True for every cell (a gated case has no params.W, but U_i, W_z, …).
 */
const isCase = (c: Case | CaseFile): c is Case => (c as Case).targets instanceof Int32Array;

/** A case object as in a case file, validated, or a case already loaded. */
export function toCase(c: Case | CaseFile, where = 'case'): Case {
  return isCase(c) ? c : parseCase(c, where, c.id ?? 'case');
}

/**
 * Checks gradients computed anywhere (the gradients-file shape, or a Gradients object) against the
 * references for a case: the same comparison, tolerances and diagnosis as `bptt-check verify`.
 */
export async function checkGradients(
  kase: Case | CaseFile,
  grads: UserGradients | Gradients,
  options: CheckGradientsOptions = {},
): Promise<CaseResult> {
  const c = toCase(kase);
  const given = 'tensors' in grads ? grads : parseGradients(grads, 'the gradients', c, false);
  await useBackend(options.backend ?? 'cpu');
  const which = options.reference ?? 'all';
  const refs: ReferenceName[] =
    which === 'layers'
      ? ['tfjs-layers']
      : which === 'ops'
        ? ['tfjs-ops']
        : which === 'fd'
          ? []
          : ['tfjs-layers', 'tfjs-ops'];
  const tol = { atol: options.atol ?? DEFAULT_TOLERANCE.atol, rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol };
  if (options.dtype !== undefined && !(DTYPES as readonly string[]).includes(options.dtype))
    throw new InputError(`options.dtype is ${shown(options.dtype)}, expected one of ${DTYPES.join('|')}`);
  return checkCase(c, refs, tol, {
    subject: userSide('yours', () => given), // compared as given
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
    ...(which === 'fd' || which === 'all' ? { fd: { kind: 'full' } } : {}),
  });
}

/** The reference gradients of a case, in the gradients-file shape. */
export async function referenceGradientsFile(
  kase: Case | CaseFile,
  which: ReferenceName = 'tfjs-ops',
  backend: Backend = 'cpu',
): Promise<UserGradients> {
  const c = toCase(kase);
  await useBackend(backend);
  const { loss, gradients } = gradientsToFile(c, await referenceGradients(c, which), which);
  return { loss, gradients };
}
