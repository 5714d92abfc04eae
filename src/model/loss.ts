/**
 * The loss a case asks for: which steps carry a loss (the mask) and how the sum is reduced.
 *   L = scale · Σ_b Σ_t m_bt · (−log ŷ_t[y_t])       m_bt = 0 where the target is null (NO_TARGET), else 1
 *   scale = 1 (sum), 1/B (mean-batch), 1/T (mean-time), 1/N (mean, N = Σ m_bt the steps that carry a loss)
 * so every gradient is scale times the summed one, and dz_t = scale · m_bt · (ŷ_t − onehot(y_t)).
 * Dimension letters: B batch, T steps.
 */
import type { Case } from './case.js';

/** A target that carries no loss (null in files): many-to-one models, padding after a sequence's end. */
export const NO_TARGET = -1;

export const REDUCTIONS = ['sum', 'mean-batch', 'mean-time', 'mean'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/** How many steps carry a loss: the targets that are not null. */
export function lossSteps(c: Pick<Case, 'targets'>): number {
  let n = 0;
  for (const y of c.targets) if (y !== NO_TARGET) n++;
  return n;
}

/** The factor of the summed loss: 1, 1/B, 1/T or 1/N (see the top of this file). */
export function lossScale(c: Pick<Case, 'targets' | 'batch' | 'steps' | 'reduction'>): number {
  switch (c.reduction ?? 'sum') {
    case 'sum':
      return 1;
    case 'mean-batch':
      return 1 / c.batch;
    case 'mean-time':
      return 1 / c.steps;
    case 'mean':
      return 1 / lossSteps(c);
  }
}
