/**
 * Bugs of the loss, computed by the hand side in float64 and fitted as diagnose-conventions.ts fits a convention
 * (every tensor given and the loss match the candidate, which differs from the truth in at least two entries):
 *   mask ignored every null target given a loss as class k (the padding id, tried for each k): m_bt = 1 at every
 *              step, the reduction's N then B·T; said after the conventions (a mask is no convention)
 *   padding    the masked sum divided by B·T, padding included ((loss · mask).mean()), where the mean over the N
 *              steps with a loss is declared: loss and gradients N/(B·T) × the reference's
 *   loss scale the gradients r × the reference's for another reduction's r, the loss the declared one's (cs231n's
 *              dx /= N forgotten): tried when no other pattern fits; no option passes it
 */
import { handGradients } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import { fieldName } from '../model/errors.js';
import type { Gradients } from '../model/gradients.js';
import { lossScale, lossSteps, NO_TARGET, REDUCTIONS } from '../model/loss.js';
import type { Diagnosis } from './diagnose.js';
import { describeReduction, explains, scaled, type Subject } from './diagnose-conventions.js';
import type { Tolerance } from './metrics.js';

/**
 * A subject that gives every null target a loss (padded code that ignores its mask), the padding read as class k:
 * said for each failing tensor (empty when the case has no null target or no k fits).
 */
export function maskIgnored(
  c: Case,
  given: Gradients,
  failing: readonly string[],
  tolOf: (tensor: string) => Tolerance,
): Diagnosis[] {
  if (!failing.length || !c.targets.includes(NO_TARGET)) return [];
  const s: Subject = { given, failing, tolOf, truth: handGradients(c) };
  for (let k = 0; k < c.model.outputSize; k++) {
    const targets = c.targets.map((y) => (y === NO_TARGET ? k : y)); // m_bt = 1 everywhere, y_bt = k on the padding
    if (explains(s, handGradients({ ...c, targets }))) {
      const detail = `your gradients and loss are those with every null target given a loss, as class ${k}: the ${c.targets.length - lossSteps(c)} padded steps carry a loss (dz_t = scale · (ŷ_t − onehot(${k})) where dz_t = 0 belongs)`;
      return failing.map((tensor) => ({ tensor, pattern: 'mask-ignored', detail }));
    }
  }
  // (loss · mask).mean(): the masked sum divided by every step, B·T, padding included, where N belongs
  const [N, BT] = [lossSteps(c), c.batch * c.steps];
  if ((c.reduction ?? 'sum') === 'mean' && explains(s, scaled(s.truth, N / BT))) {
    const detail = `your gradients and loss are the reference's × ${Number((N / BT).toPrecision(6))}: the masked sum divided by all B·T = ${BT} steps, padding included, where the mean over the N = ${N} steps that carry a loss is declared (divide by the mask's sum, not by its size)`;
    return failing.map((tensor) => ({ tensor, pattern: 'mean-over-padding', detail }));
  }
  return [];
}

/**
 * The gradients of another reduction with the loss of the declared one (the loss divided, its gradient not, or the
 * other way round): said for each failing tensor when no other pattern fits them (empty when none).
 */
export function lossScaleMismatch(
  c: Case,
  given: Gradients,
  failing: readonly string[],
  tolOf: (tensor: string) => Tolerance,
): Diagnosis[] {
  if (!failing.length) return [];
  const truth = handGradients(c);
  const s: Subject = { given, failing, tolOf, truth };
  const declared = c.reduction ?? 'sum';
  for (const x of REDUCTIONS) {
    const r = lossScale({ ...c, reduction: x }) / lossScale(c); // scale(x) / scale(declared)
    if (x === declared || !Number.isFinite(r) || Math.abs(r - 1) < 1e-9) continue;
    if (!explains(s, { ...scaled(truth, r), loss: truth.loss })) continue;
    const detail = `your gradients are the reference's × ${Number(r.toPrecision(6))}, those of a ${describeReduction(c, x)}, but your loss is the ${declared} one: the backward pass misses the loss's scale (dz_t = scale · m_t (ŷ_t − onehot(y_t)), scale ${Number(lossScale(c).toPrecision(6))} here); or, if your loss is meant as ${fieldName('reduction')} ${x}, its value is divided`;
    return failing.map((tensor) => ({ tensor, pattern: 'loss-scale-mismatch', detail }));
  }
  return [];
}
