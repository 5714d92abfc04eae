/**
 * Comparing two tensors a (the implementation under test) and r (the reference), DESIGN.md "Comparing":
 *   maxAbsErr  = max |a − r|
 *   maxRelErr  = max |a − r| / max(|a|, |r|, tiny)          (cs231n form)
 *   relErrNorm = ‖a − r‖ / max(‖a‖, ‖r‖)                    (Frobenius form; 0 when both are 0)
 *   cosine     = ⟨a, r⟩ / (‖a‖ ‖r‖)                         (1 when both are 0)
 *   pass       ⇔ every element has |a − r| ≤ atol·S + rtol·|r|,  S = max(‖a‖∞, ‖r‖∞)
 * A tensor with a NaN or ±Inf element fails, and its four measures are NaN with the count per side (nonFinite).
 * The pass rule is numpy/PyTorch allclose with atol measured in units of the tensor's scale S rather
 * than in absolute units. Gradients of a loss summed over B·T steps grow with B·T and, in exploding
 * cases, by orders of magnitude; float32 rounding in the reference grows with them, and an element
 * near zero (a cancellation) carries an absolute error of order eps32·S. An absolute atol is either
 * too tight for large tensors or blind to errors in small (vanishing) ones; atol·S is neither. For
 * tensors whose largest entry is 1 the two rules coincide. See the README's calibration table.
 * The worst element is the one closest to (or furthest past) its bound: the largest
 * |a − r| / (atol·S + rtol·|r|).
 */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Calibrated defaults for float64 against tfjs's float32: see the README's calibration table (npm run calibrate). */
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-3 };

/**
 * Defaults for the pairs where both sides are float64 (the hand-written side against finite differences):
 * the worst disagreement measured over the default matrix is 1.6e-12 relative for the RNN cases and 3e-14
 * for the LSTM and GRU cases (npm run bench).
 */
export const FLOAT64_TOLERANCE: Tolerance = { atol: 1e-8, rtol: 1e-6 };

export interface WorstElement {
  /** position in math layout: [i, j] for a matrix, [i] for a vector, [] for a scalar */
  index: number[];
  a: number;
  r: number;
  /** |a − r| / (atol·S + rtol·|r|): above 1 fails */
  excess: number;
}

export interface TensorMetrics {
  /** S = max(‖a‖∞, ‖r‖∞), the unit of atol */
  scale: number;
  maxAbsErr: number;
  maxRelErr: number;
  relErrNorm: number;
  cosine: number;
  worst: WorstElement | null;
  /** elements that fail the allclose bound */
  failing: number;
  count: number;
  pass: boolean;
  /** why a row failed beyond plain tolerance: non-finite values, a shape mismatch */
  reason?: string;
  /** elements that are NaN or ±Inf, per side; the four error measures are then NaN (null in JSON), not those of the finite rest */
  nonFinite?: { a: number; r: number };
}

const TINY = 1e-300;

/** The metrics of n elements that cannot be measured (sizes differ, a tensor not given): every one failing, with the reason. */
export const unmeasured = (n: number, reason: string): TensorMetrics => ({
  scale: NaN,
  maxAbsErr: NaN,
  maxRelErr: NaN,
  relErrNorm: NaN,
  cosine: NaN,
  worst: null,
  failing: n,
  count: n,
  pass: false,
  reason,
});

export function compareArrays(
  a: ArrayLike<number>,
  r: ArrayLike<number>,
  tol: Tolerance,
  indexOf: (flat: number) => number[],
): TensorMetrics {
  const n = a.length;
  if (r.length !== n) return unmeasured(n, `sizes differ: ${n} vs ${r.length} elements`);
  let scale = 0;
  for (let k = 0; k < n; k++) {
    const m = Math.max(Math.abs(a[k]!), Math.abs(r[k]!));
    if (m > scale && Number.isFinite(m)) scale = m;
  }
  const atol = tol.atol * scale;
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let diff2 = 0;
  let a2 = 0;
  let r2 = 0;
  let dot = 0;
  let failing = 0;
  let worstAt = -1;
  let worstExcess = -1;
  let nonFiniteA = 0;
  let nonFiniteR = 0;
  let firstNonFinite = -1;
  for (let k = 0; k < n; k++) {
    const x = a[k]!;
    const y = r[k]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (!Number.isFinite(x)) nonFiniteA++;
      if (!Number.isFinite(y)) nonFiniteR++;
      if (firstNonFinite < 0) firstNonFinite = k;
      failing++;
      continue;
    }
    const d = Math.abs(x - y);
    const bound = atol + tol.rtol * Math.abs(y);
    const excess = bound > 0 ? d / bound : d > 0 ? Infinity : 0;
    if (d > maxAbsErr) maxAbsErr = d;
    const rel = d / Math.max(Math.abs(x), Math.abs(y), TINY);
    if (rel > maxRelErr) maxRelErr = rel;
    if (!(d <= bound)) failing++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstAt = k;
    }
    diff2 += d * d;
    a2 += x * x;
    r2 += y * y;
    dot += x * y;
  }
  const norm = Math.max(Math.sqrt(a2), Math.sqrt(r2));
  const metrics: TensorMetrics = {
    scale,
    maxAbsErr,
    maxRelErr,
    relErrNorm: norm === 0 ? 0 : Math.sqrt(diff2) / norm,
    cosine: a2 === 0 && r2 === 0 ? 1 : a2 === 0 || r2 === 0 ? 0 : dot / Math.sqrt(a2 * r2),
    worst: worstAt < 0 ? null : { index: indexOf(worstAt), a: a[worstAt]!, r: r[worstAt]!, excess: worstExcess },
    failing,
    count: n,
    pass: failing === 0,
  };
  if (firstNonFinite >= 0) {
    const side = nonFiniteA && nonFiniteR ? 'both sides' : nonFiniteA ? 'the implementation' : 'the reference';
    metrics.reason = `non-finite values (NaN or ±Inf) in ${side}: ${nonFiniteA + nonFiniteR} in all${indexOf(firstNonFinite).length ? `, first at [${indexOf(firstNonFinite).join(', ')}]` : ''} (${a[firstNonFinite]} vs ${r[firstNonFinite]})`; // a scalar (the loss) has no index
    metrics.worst = { index: indexOf(firstNonFinite), a: a[firstNonFinite]!, r: r[firstNonFinite]!, excess: Infinity };
    // a tensor with NaN or ±Inf has no error measure: 0 or cosine 1 over the finite rest would read as agreement
    Object.assign(metrics, {
      maxAbsErr: NaN,
      maxRelErr: NaN,
      relErrNorm: NaN,
      cosine: NaN,
      nonFinite: { a: nonFiniteA, r: nonFiniteR },
    });
  }
  return metrics;
}
