/**
 * The subject's adjoints, step by step: its ∂L/∂s_t (and, for an LSTM, ∂L/∂c_t) against tf.grad with respect
 * to zero probes on the states (reference/steps.ts, referenceAdjoints), for every step t, all batch rows at once.
 *
 * Where the error enters: BPTT runs backwards, from t = T−1 down to 0, and ∂L/∂s_t is built from ∂L/∂s_{t+1};
 * a mistake at step t spoils ∂L/∂s_t and, through the recursion, every smaller t. So the telling step is the
 * LARGEST t that fails (`entry`): the adjoints agree above it, and it is the first wrong one in the order the
 * subject computed them. A step t passes when every element of its B×H block has |a − r| ≤ atol·S_t + rtol·|r|
 * with S_t that block's own scale (as the hand side's per-step check): a small, vanishing adjoint is held to its
 * own size, not to the largest step's.
 *
 * A failing step fails the case: runPlan adds one row per adjoint (tensor `adjoints.s`, `adjoints.c`, against
 * tfjs-ops) that fails when any of its steps does, so that every report counts it, and the per-step block says where.
 */
import { referenceAdjoints } from '../../reference/steps.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { compareArrays, type TensorMetrics, type Tolerance } from './metrics.js';
import type { PairRow } from './result.js';
import type { ImplName } from './sides.js';

export interface AdjointCompare {
  /** ‖subject‖ and ‖reference‖ over the step's B×H block */
  subject: number;
  reference: number;
  relErrNorm: number;
  maxAbsErr: number;
  pass: boolean;
  reason?: string;
}

export interface AdjointRow {
  step: number;
  /** ∂L/∂s_t, all batch rows */
  s: AdjointCompare;
  /** ∂L/∂c_t (an LSTM whose subject gives it) */
  c?: AdjointCompare;
  pass: boolean;
}

export interface AdjointsResult {
  /** how the reference's adjoints were taken */
  reference: string;
  rows: AdjointRow[];
  /** where the error enters: the largest failing step (BPTT computes t = T−1 first), or null when every step agrees */
  entry: number | null;
  /** the failing steps, from the largest down */
  failing: number[];
  pass: boolean;
}

const REFERENCE = 'tfjs-ops (tf.grad with respect to a zero probe added to each state)';

/** The name of the reference the adjoints are checked against, as the rows say it. */
export const ADJOINT_REFERENCE: ImplName = 'tfjs-ops';

const norm = (a: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * a[k]!;
  return Math.sqrt(s);
};

/** Step t's B×H block of a B×T×H adjoint (row b's step t at [(b·T + t)·H, …)). */
function stepBlock(x: Float64Array, c: Case, t: number): Float64Array {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const out = new Float64Array(B * H);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
  return out;
}

function compareStep(a: Float64Array, r: Float64Array, tol: Tolerance): AdjointCompare {
  const m: TensorMetrics = compareArrays(a, r, tol, () => []);
  return {
    subject: norm(a),
    reference: norm(r),
    relErrNorm: m.relErrNorm,
    maxAbsErr: m.maxAbsErr,
    pass: m.pass,
    ...(m.reason ? { reason: m.reason } : {}),
  };
}

/** The subject's adjoints against the reference's, per step; and one row per adjoint for the case's table. */
export async function checkAdjoints(
  c: Case,
  adjoints: NonNullable<Gradients['adjoints']>,
  subject: ImplName,
  tol: Tolerance,
): Promise<{ result: AdjointsResult; rows: PairRow[] }> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const ref = await referenceAdjoints(c);
  const withC = adjoints.c !== undefined && ref.c !== undefined;
  const rows: AdjointRow[] = [];
  for (let t = 0; t < T; t++) {
    const s = compareStep(stepBlock(adjoints.s, c, t), stepBlock(ref.s, c, t), tol);
    const cc = withC ? compareStep(stepBlock(adjoints.c!, c, t), stepBlock(ref.c!, c, t), tol) : undefined;
    rows.push({ step: t, s, ...(cc ? { c: cc } : {}), pass: s.pass && (cc?.pass ?? true) });
  }
  const failing = rows
    .filter((r) => !r.pass)
    .map((r) => r.step)
    .reverse();
  const result: AdjointsResult = {
    reference: REFERENCE,
    rows,
    entry: failing.length ? failing[0]! : null,
    failing,
    pass: !failing.length,
  };
  const tensorRow = (name: 's' | 'c', a: Float64Array, r: Float64Array): PairRow => {
    const m = compareArrays(a, r, tol, (k) => [Math.floor(k / (T * H)), Math.floor(k / H) % T, k % H]);
    const bad = rows.filter((x) => !(name === 's' ? x.s : x.c!).pass).map((x) => x.step);
    const row: PairRow = {
      tensor: `adjoints.${name}`,
      shape: `${B}×${T}×${H}`,
      a: subject,
      r: ADJOINT_REFERENCE,
      ...m,
    };
    if (bad.length && m.pass) {
      // within the tensor's scale, outside a step's own: the per-step rule decides (the module header)
      row.pass = false;
      row.reason = `step${bad.length === 1 ? '' : 's'} t = ${bad.reverse().join(', ')} outside tolerance at their own scale (the per-step check)`;
    }
    return row;
  };
  const pairRows = [tensorRow('s', adjoints.s, ref.s)];
  if (withC) pairRows.push(tensorRow('c', adjoints.c!, ref.c!));
  return { result, rows: pairRows };
}

/** Whether a row is one of the adjoint rows (no gradient of the case: no diagnosis pattern reads it). */
export const isAdjointRow = (r: PairRow): boolean => r.tensor.startsWith('adjoints.');

/**
 * The adjoint check of a case, when the subject gives adjoints and they can be checked: full BPTT (a truncated or
 * detached gradient is no derivative of L, so it has no ∂L/∂s_t to compare), tfjs-ops finite. Notes say otherwise.
 */
export async function subjectAdjoints(
  c: Case,
  g: Gradients,
  subject: ImplName,
  truncated: boolean,
  overflowed: boolean,
  tol: Tolerance,
  notes: string[],
): Promise<{ result: AdjointsResult; rows: PairRow[] } | undefined> {
  if (!g.adjoints) return undefined;
  if (truncated) {
    notes.push(
      `adjoints of ${subject} not checked: a truncated or detached gradient is not the derivative of L, so it has no ∂L/∂s_t to compare`,
    );
    return undefined;
  }
  if (overflowed) {
    notes.push(`adjoints of ${subject} not checked: their reference, tfjs-ops, overflows float32 on this case`);
    return undefined;
  }
  if (c.model.cell === 'lstm' && !g.adjoints.c)
    notes.push(`${subject} gives no adjoints.c: the LSTM's ∂L/∂c_t is not checked, ∂L/∂s_t is`);
  return checkAdjoints(c, g.adjoints, subject, tol);
}
