/**
 * References that overflow float32. tfjs computes in float32, whose largest number is 3.4e38; in an
 * exploding case (e.g. linear, init scale 1.5, T = 200: s_t grows like 1.5^t, the loss reaches 5e44) its
 * loss and gradients are NaN or ±Inf while the float64 side is finite. Such a reference says nothing about
 * the gradient under test: the case is checked against the float64 finite-difference oracle alone, which
 * runs even when it was not asked for (every entry when the case is small enough, else random directions).
 */
import { handForward } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import type { FdMode } from '../fd/oracle.js';

export const FLOAT32_MAX = 3.4028234663852886e38;

/** Below this many multiply-adds the full oracle runs (the stress preset's H=32 cases: 4e8, well under a second). */
export const AUTO_FD_FULL_WORK = 1e9;

/** Whether g has a NaN or ±Inf anywhere: its loss or any element of any tensor. */
export function nonFinite(g: Gradients): boolean {
  if (!Number.isFinite(g.loss)) return true;
  return Object.values(g.tensors).some((m) => m.data.some((x) => !Number.isFinite(x)));
}

/** The float64 loss L of the case, by the hand forward pass (the one the finite-difference oracle perturbs). */
export function float64Loss(c: Case): number {
  return handForward(c).loss;
}

/**
 * The oracle's mode when it was not asked for: full when its work, 2 losses per entry × B·T steps ×
 * (gates·H² + K·H), stays under AUTO_FD_FULL_WORK, else 2 random directions per tensor (fast); full
 * whenever clipping is applied (the clipped oracle needs every entry).
 */
export function autoFdMode(c: Case, clipping: boolean): FdMode {
  const { hiddenSize: H, inputSize: I, outputSize: K, cell, bias } = c.model;
  const gates = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
  const entries = gates * H * (H + I + (bias ? 1 : 0)) + K * H + (bias ? K : 0) + (c.initialState ? c.batch * H : 0);
  const work = 2 * entries * c.batch * c.steps * (gates * H * H + K * H);
  return clipping || work <= AUTO_FD_FULL_WORK ? { kind: 'full' } : { kind: 'fast', k: 2 };
}

/** The note of a case whose references overflow: which, why, and what it was checked against instead. */
export function overflowNote(
  overflowed: readonly string[],
  loss: number,
  others: readonly string[],
  autoFd: FdMode | null,
): string {
  const names = overflowed.join(' and ');
  const why =
    Math.abs(loss) > FLOAT32_MAX
      ? `loss ${loss.toExponential(2)} > 3.4e38`
      : `NaN or ±Inf where the float64 loss is ${loss.toPrecision(6)}`;
  const ran = autoFd
    ? `; finite differences were not asked for, so they ran for this case (${autoFd.kind === 'fast' ? `fast, ${autoFd.k} random directions per tensor` : 'every entry'})`
    : '';
  const against = others.length
    ? `${others.join(' and ')} and float64 finite differences`
    : 'float64 finite differences alone';
  return `${names} overflow${overflowed.length === 1 ? 's' : ''} float32 (${why}): checked against ${against}${ran}`;
}
