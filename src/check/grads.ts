/**
 * `grads`: the gradients of one side for a case, under a variant (truncation, detaching, clipping), by the
 * same plan as a comparison: the same sides, each doing the variant the way it does in a check.
 */
import { clipGradients } from '../bptt/index.js';
import type { ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { fieldName as f, InputError } from '../model/errors.js';
import { sizesOf } from '../model/limits.js';
import { checkFdMode } from '../fd/oracle.js';
import { checkOptions, checkWorkBudget, type CheckOptions, type CheckPlan } from './plan.js';
import { clipOf, fdSide, handSide, isClipping, isTruncated, referenceSide, variantOf, type Side } from './sides.js';

/** The sides `grads` writes. */
export type GradsSide = 'hand' | ReferenceName | 'fd';

export type GradientsPlan = Pick<CheckPlan, 'case' | 'subject' | 'variant'>;

/** Every entry of the float64 finite differences, clipped here as in a check (they measure the full gradient of L). */
const fdEvery: Side = {
  name: 'fd',
  dtype: 'float64',
  truncates: false,
  steps: false,
  async gradients(c, v) {
    const g = await fdSide.gradients(c);
    return isClipping(v) ? clipGradients(g, clipOf(v)) : g;
  },
};

export function planGradients(c: Case, which: GradsSide, o: CheckOptions, where = c.id): GradientsPlan {
  const tfjs = which === 'tfjs-layers' || which === 'tfjs-ops' ? [which] : [];
  checkWorkBudget(sizesOf(c), tfjs, { ...o, ...(which === 'fd' ? { fd: { kind: 'full' } } : {}) }, where, 'grads');
  if (which === 'fd') checkFdMode(c, { kind: 'full' });
  if (o.fd && o.fd.kind !== 'full')
    throw new InputError(
      `${f('fd')} is ${o.fd.kind} for grads, expected full: a gradients file holds every entry`,
      'fd',
    );
  if (o.fd && which !== 'fd')
    throw new InputError(`${f('fd')} is given with ${f('impl')} ${which}, expected ${f('impl')} fd`, 'fd');
  const subject = which === 'hand' ? handSide : which === 'fd' ? fdEvery : referenceSide(which);
  if (isTruncated(o) && !subject.truncates) {
    const field = o.truncate !== undefined ? 'truncate' : 'detachEvery';
    throw new InputError(
      `${f(field)} is given with ${f('impl')} ${which}, expected ${f('impl')} hand or tfjs-ops: only they support truncation`,
      field,
    );
  }
  checkOptions(o); // what every plan refuses (truncate with detachEvery, …), after what only grads says
  return { case: c, subject, variant: variantOf(o) };
}

/** The subject's gradients under the plan's variant. */
export async function runGradients(plan: GradientsPlan): Promise<Gradients> {
  return plan.subject.gradients(plan.case, plan.variant);
}
