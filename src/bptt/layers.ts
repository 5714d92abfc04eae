/**
 * What the forward pass of every cell shares (DESIGN.md, "The model"), float64: the input term U x_t of a
 * cell's pre-activations, and the output layer on the states s_t the cell computed,
 *   z_t = V s_t [+ c]                  ŷ_t = softmax(z_t)
 *   L   = scale · Σ_b Σ_t m_bt (−log ŷ_t[y_t])   (m_bt = 0 where the target is null; scale: the reduction, loss.ts)
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import { PLAIN, type Workspace } from '../kernels/heap.js';
import { addABt, matVecAdd } from '../kernels/kernels.js';
import { lossScale, NO_TARGET } from '../model/loss.js';

/** What the output layer saves, for every cell. */
export interface OutputCache {
  /** softmax outputs ŷ_t of row b at [(b·T + t)·K, …) */
  p: Float64Array;
  /** L_t = scale · m_t (−log ŷ_t[y_t]) at [b·T + t]: 0 where the target is null */
  stepLoss: Float64Array;
  loss: number;
}

/**
 * x_t's contribution: a += U x_t (a column of U for a token, a matrix–vector product for a vector), with
 * a_t at a[aOff …]. U is the case's U unless given (the gated cells pass their U_* stacked, all gates at once).
 */
export function addInput(c: Case, b: number, t: number, a: Float64Array, U: Matrix = c.params.U!, aOff = 0): void {
  const I = c.model.inputSize;
  if (c.tokens) {
    const x = c.tokens[b * c.steps + t]!;
    for (let i = 0; i < U.rows; i++) a[aOff + i]! += U.data[i * I + x]!; // U x_t = U[:, x_t]
  } else matVecAdd(U, c.vectors!, a, (b * c.steps + t) * I, aOff);
}

/**
 * a_t += U x_t for every step t of row b, with a_t at a[aOff + t·H …]: the gathered column U[:, x_t] for
 * tokens, and for vectors all steps in one product, A += X Uᵀ (row t of X is x_t).
 */
export function addInputs(c: Case, b: number, U: Matrix, a: Float64Array, aOff: number): void {
  const { inputSize: I, hiddenSize: H } = c.model;
  const T = c.steps;
  if (c.vectors)
    addABt(
      { rows: T, cols: H, data: a.subarray(aOff, aOff + T * H) },
      { data: c.vectors, stride: I, offset: b * T * I },
      { data: U.data, stride: I, offset: 0 },
      I,
    );
  else for (let t = 0; t < T; t++) addInput(c, b, t, a, U, aOff + t * H);
}

/**
 * ŷ = softmax(z) written into p (which may be z itself); returns −log ŷ[y] = logsumexp(z) − z[y], or 0 for
 * y = NO_TARGET (no loss at that step).
 */
function softmaxLoss(z: Float64Array, y: number, p: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k]! > max) max = z[k]!;
  const zy = y === NO_TARGET ? 0 : z[y]!;
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    p[k] = Math.exp(z[k]! - max);
    sum += p[k]!;
  }
  for (let k = 0; k < z.length; k++) p[k]! /= sum;
  return y === NO_TARGET ? 0 : Math.log(sum) - (zy - max);
}

/** What outputLayer allocates: ŷ_t and L_t of every row and step. */
export const outputSizes = (c: Case) => [c.batch * c.steps * c.model.outputSize, c.batch * c.steps];

/**
 * The output layer for all steps at once, from the states s (s_{t−1} of row b at [(b·(T+1) + t)·H, …)):
 * Z = S Vᵀ [+ c], row t of Z is z_t = V s_t [+ c]; ŷ_t = softmax(z_t); L_t = scale · m_t (−log ŷ_t[y_t]).
 */
export function outputLayer(c: Case, s: Float64Array, ws: Workspace = PLAIN): OutputCache {
  const { batch: B, steps: T } = c;
  const { hiddenSize: H, outputSize: K, bias } = c.model;
  const { V, c: cy } = c.params;
  const scale = lossScale(c);
  const p = ws.f64(B * T * K);
  const stepLoss = ws.f64(B * T);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const Z = { rows: T, cols: K, data: p.subarray(b * T * K, (b + 1) * T * K) };
    if (bias) for (let t = 0; t < T; t++) Z.data.set(cy!.data, t * K);
    addABt(Z, { data: s, stride: H, offset: b * (T + 1) * H + H }, { data: V!.data, stride: H, offset: 0 }, H);
    for (let t = 0; t < T; t++) {
      const zt = Z.data.subarray(t * K, (t + 1) * K); // ŷ_t = softmax(z_t) replaces z_t
      const y = c.targets[b * T + t]!;
      const L = y === NO_TARGET ? softmaxLoss(zt, y, zt) : scale * softmaxLoss(zt, y, zt); // scale · m_t (−log ŷ_t[y_t])
      stepLoss[b * T + t] = L;
      loss += L;
    }
  }
  return { p, stepLoss, loss };
}
