/**
 * The per-step check: the seed's ∂L/∂W = Σ_k (∂L/∂ŷ)(∂ŷ/∂s)(∂s/∂s_k)(∂s_k/∂W), checked term by term.
 * For every step k: the adjoint ∂L/∂s_k (hand δ's against tf.grad with respect to the state), and the
 * contribution of step k to dW, dU and db (hand da_k s_{k−1}ᵀ … against tf.grad with respect to a
 * separate copy W_k of the weights at step k). With an output step t, L is L_t alone. Gated cells alike:
 * the adjoint of s_k (through s_k alone), and the contributions of step k to every gate's W_*, U_*, b_*
 * compared together (the gates' blocks one after another). The hand side's check: a subject without per-step
 * terms (user code) may give its adjoints ∂L/∂s_t instead, checked by adjoints.ts.
 */
import { handBackward, handForward, stepContribution } from '../bptt/index.js';
import { referenceSteps } from '../../reference/steps.js';
import type { Case } from '../model/case.js';
import { fieldName, InputError } from '../model/errors.js';
import { compareArrays, type TensorMetrics, type Tolerance } from './metrics.js';

export interface StepCompare {
  hand: number; // ‖hand‖
  reference: number; // ‖reference‖
  relErrNorm: number;
  maxAbsErr: number;
  pass: boolean;
  reason?: string;
}

export interface StepRow {
  step: number;
  /** ∂L/∂s_k, all batch rows */
  adjoint: StepCompare;
  /** contributions of step k */
  W: StepCompare;
  U: StepCompare;
  b?: StepCompare;
  pass: boolean;
}

export interface StepsResult {
  /** how the reference's per-step terms were taken */
  reference: string;
  /** the single output whose loss L_t was differentiated, or null for L = Σ_t L_t */
  outputStep: number | null;
  rows: StepRow[];
  /** the first step (from t = 0) at which the two sides diverge beyond tolerance, or null */
  firstDivergence: number | null;
  pass: boolean;
}

const norm = (a: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * a[k]!;
  return Math.sqrt(s);
};

function stepCompare(a: ArrayLike<number>, r: ArrayLike<number>, tol: Tolerance): StepCompare {
  const m: TensorMetrics = compareArrays(a, r, tol, () => []);
  return {
    hand: norm(a),
    reference: norm(r),
    relErrNorm: m.relErrNorm,
    maxAbsErr: m.maxAbsErr,
    pass: m.pass,
    ...(m.reason ? { reason: m.reason } : {}),
  };
}

export function checkOutputStep(c: Case, t: number | undefined): void {
  if (t !== undefined && (!Number.isInteger(t) || t < 0 || t >= c.steps))
    throw new InputError(
      `${fieldName('outputStep')} is ${t}, expected an integer in [0, T) = [0, ${c.steps})`,
      'outputStep',
    );
}

export async function checkSteps(c: Case, tol: Tolerance, outputStep?: number): Promise<StepsResult> {
  checkOutputStep(c, outputStep);
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const cache = handForward(c);
  const hand = handBackward(c, cache, { keepSteps: true, ...(outputStep !== undefined ? { outputStep } : {}) });
  const ref = await referenceSteps(c, outputStep);
  const rows: StepRow[] = [];
  for (let k = 0; k < T; k++) {
    const handDs = new Float64Array(B * H);
    const refDs = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      handDs.set(hand.steps!.ds.subarray((b * T + k) * H, (b * T + k + 1) * H), b * H);
      refDs.set(ref.ds.subarray((b * T + k) * H, (b * T + k + 1) * H), b * H);
    }
    const contrib = stepContribution(c, cache, hand.steps!, k);
    const r = ref.contributions[k]!;
    const row: StepRow = {
      step: k,
      adjoint: stepCompare(handDs, refDs, tol),
      W: stepCompare(contrib.W, r.W, tol),
      U: stepCompare(contrib.U, r.U, tol),
      ...(contrib.b && r.b ? { b: stepCompare(contrib.b, r.b, tol) } : {}),
      pass: false,
    };
    row.pass = row.adjoint.pass && row.W.pass && row.U.pass && (row.b?.pass ?? true);
    rows.push(row);
  }
  const first = rows.find((r) => !r.pass);
  return {
    reference:
      c.model.cell === 'rnn'
        ? 'tfjs-ops (unrolled, a copy of W, U, b per step)'
        : "tfjs-ops (unrolled, a copy of every gate's W_*, U_*, b_* per step)",
    outputStep: outputStep ?? null,
    rows,
    firstDivergence: first ? first.step : null,
    pass: !first,
  };
}
