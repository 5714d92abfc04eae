/**
 * Which lags of a vanishing series float32 can hold, and the hand adjoints against tf.grad at those lags.
 * tf.grad runs in float32: below FLOAT32_FLOOR it holds only denormals or zero (underflow); above float32's
 * largest value (3.40e38) it holds only ±Inf, and Inf − Inf, 0·Inf give NaN (overflow). The float64 hand
 * side shows which: a lag is left out as a float32 overflow when tf.grad is non-finite there and a float64
 * value the lag depends on is beyond FLOAT32_CEILING (the states s_t of every step, the LSTM's c_t, and the
 * adjoints ∂L_{T−1}/∂s_j for j ≥ k, all of which the reverse pass to s_k goes through). A non-finite
 * tf.grad where every such value stays below the ceiling is a disagreement, and fails.
 */
import { compareArrays, type Tolerance } from '../check/metrics.js';

/** Below this norm float32 has only denormals or zero: such lags are not compared with tfjs. */
export const FLOAT32_FLOOR = 1e-30;
/** float32's largest finite value, (2 − 2^−23)·2^127. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/**
 * Above this |x| float32 may overflow on the way: a matrix–vector product like W s adds H terms, the
 * output layer K·H more, each as large as the largest state. 1e3 below FLOAT32_MAX, as FLOAT32_FLOOR sits
 * 1e8 above float32's smallest normal (1.18e-38).
 */
export const FLOAT32_CEILING = FLOAT32_MAX / 1e3;

/** Why a lag was, or was not, compared with tf.grad. */
export type LagStatus = 'compared' | 'underflow' | 'float32-overflow' | 'float64-overflow';

export interface SkippedLags {
  /** ‖∂L_{T−1}/∂s_k‖ < FLOAT32_FLOOR: float32 holds only denormals or zero */
  underflow: number;
  /** tf.grad non-finite where the float64 values exceed FLOAT32_CEILING */
  float32Overflow: number;
  /** the float64 hand value itself overflowed (the series is cut there) */
  float64Overflow: number;
}

export interface AdjointCheck {
  pass: boolean;
  comparedLags: number;
  worstRelErrNorm: number;
  firstFailingLag: number | null;
  /** why the first failing lag failed; null when none fails */
  failure: string | null;
  skipped: SkippedLags;
  /** the largest |x| float64 reaches in the values the lags depend on (the forward states, the adjoints) */
  maxAbs: number;
}

const maxAbsOf = (xs: ArrayLike<number>, from = 0, to = xs.length) => {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(xs[i]!)); // a NaN makes it NaN: the caller reads that as beyond float64
  return m;
};

/**
 * hand and ref: ∂L_{T−1}/∂s_k of batch row 0 at [k·H, …); norms[k] its float64 norm, null past a float64
 * overflow; forwardMax: max |x| over the float64 forward values every lag depends on (all rows, all steps).
 */
export function compareLags(
  hand: Float64Array,
  ref: Float64Array,
  norms: (number | null)[],
  H: number,
  forwardMax: number,
  tol: Tolerance,
): { check: AdjointCheck; status: LagStatus[] } {
  const T = norms.length;
  const status: LagStatus[] = new Array(T);
  const skipped: SkippedLags = { underflow: 0, float32Overflow: 0, float64Overflow: 0 };
  let compared = 0;
  let worst = 0;
  let firstFailingLag: number | null = null;
  let failure: string | null = null;
  let reach = Number.isNaN(forwardMax) ? Infinity : forwardMax; // M_k = max(forward, max_{j ≥ k} ‖∂L/∂s_j‖∞), growing with the lag
  for (let lag = 0; lag < T; lag++) {
    const k = T - 1 - lag;
    const n = norms[k];
    const h = hand.subarray(k * H, (k + 1) * H);
    const r = ref.subarray(k * H, (k + 1) * H);
    const here = maxAbsOf(h);
    reach = Math.max(reach, Number.isNaN(here) ? Infinity : here);
    if (n === null || n === undefined) {
      status[k] = 'float64-overflow';
      skipped.float64Overflow++;
      continue;
    }
    if (n < FLOAT32_FLOOR) {
      status[k] = 'underflow';
      skipped.underflow++;
      continue;
    }
    const refFinite = r.every(Number.isFinite);
    if (!refFinite && reach > FLOAT32_CEILING) {
      status[k] = 'float32-overflow';
      skipped.float32Overflow++;
      continue;
    }
    status[k] = 'compared';
    const m = compareArrays(h, r, tol, (i) => [i]);
    compared++;
    if (Number.isFinite(m.relErrNorm)) worst = Math.max(worst, m.relErrNorm);
    if (!m.pass && firstFailingLag === null) {
      firstFailingLag = lag;
      failure = !refFinite
        ? `tf.grad is non-finite at lag ${lag} although every float64 value it depends on stays within float32 (max |x| = ${reach.toPrecision(3)} ≤ ${FLOAT32_CEILING.toPrecision(3)})`
        : m.reason
          ? `${m.reason} at lag ${lag}`
          : `${m.failing} of ${H} elements beyond atol·S + rtol·|r| (atol ${tol.atol}, rtol ${tol.rtol}) at lag ${lag}, relErrNorm ${m.relErrNorm.toPrecision(3)}, maxAbsErr ${m.maxAbsErr.toPrecision(3)}`;
    }
  }
  return {
    check: {
      pass: firstFailingLag === null,
      comparedLags: compared,
      worstRelErrNorm: worst,
      firstFailingLag,
      failure,
      skipped,
      maxAbs: reach,
    },
    status,
  };
}

/** The full gradient's global norm before and after clipping to norm; null for both when the norm overflows float64. */
export interface ClipSummary {
  norm: number;
  before: number | null;
  after: number | null;
  /** ‖∇‖ is beyond float64: its float64 value is Inf (or NaN where an element is Inf − Inf) */
  overflow: boolean;
}

export function clipSummary(norm: number, before: number, after: number): ClipSummary {
  // g·(n/‖g‖) with ‖g‖ = Inf gives 0 or NaN, not a gradient of norm n: the clipped gradient is undefined in float64
  return Number.isFinite(before)
    ? { norm, before, after, overflow: false }
    : { norm, before: null, after: null, overflow: true };
}
