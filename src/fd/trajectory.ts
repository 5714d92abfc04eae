/**
 * The loss difference L(θ⁺) − L(θ⁻) of a central difference, computed accurately. Evaluating the two
 * losses separately and subtracting loses everything below eps·|L| (|L| sums B·T step losses, up to ~2·10³
 * on the default matrix), which at a small step ε swamps the difference. Instead one forward pass runs
 * the θ⁺ trajectory and carries the difference of the two trajectories (δx = x⁺ − x⁻) exactly as far as
 * floating point allows, each formula written so that nothing of size x is subtracted from something of
 * size x: the cell's step gives s⁺_t and δs_t (cells/), the output layer L⁺_t − L⁻_t (output.ts).
 * The caller holds the perturbed tensor at θ⁻ in the case and passes Δ = θ⁺ − θ⁻.
 */
import type { Workspace } from '../kernels/heap.js';
import type { Case } from '../model/case.js';
import { lossScale } from '../model/loss.js';
import type { Delta } from './difference.js';
import { outputScratch, stepLossDifference } from './output.js';

/** L(θ⁺) − L(θ⁻) over rows [r0, r1) and steps t ≥ t0, the case holding θ⁻. */
export type LossDifference = (d: Delta, t0: number, rows: readonly [number, number]) => number;

/** One cell's step of the two trajectories, for one perturbation Δ (its buffers are the loss difference's). */
export interface TrajectoryStep {
  /** Starts batch row b at step t0: the cell's states other than s (the LSTM's c) from the forward pass. */
  start?(b: number, t0: number): void;
  /** s⁺_t and δs_t of batch row b from s⁺_{t−1} and δs_{t−1}. */
  step(b: number, t: number, sPrev: Float64Array, dsPrev: Float64Array, s: Float64Array, ds: Float64Array): void;
}

/** A cell after its forward pass at θ (the case, before any perturbation). */
export interface CellTrajectories {
  /** the forward pass's states: s_{t−1} of row b at [(b·(T+1) + t)·H, …), s₋₁ first */
  s: Float64Array;
  /** the step of the trajectories of perturbation d */
  stepper(d: Delta, ws: Workspace): TrajectoryStep;
}

/** A cell of the oracle (cells/index.ts): runs the forward pass of the case. */
export type FdCell = (c: Case, ws: Workspace) => CellTrajectories;

/**
 * scale · Σ_{b in rows} Σ_{t ≥ t0} m_bt (L⁺_t − L⁻_t), m_bt = 0 for a null target, scale the reduction's (loss.ts).
 * The case holds θ⁻; `cell` ran its forward pass at parameters that
 * agree with θ± before step t0 (the states s_{t0−1} are taken from it, except for a perturbed s₋₁).
 */
export function lossDifference(
  c: Case,
  cell: CellTrajectories,
  d: Delta,
  t0: number,
  rows: readonly [number, number],
  ws: Workspace,
): number {
  const H = c.model.hiddenSize;
  let sPrev = ws.f64(H); // ws: in the kernels' heap when oracle.ts runs this there
  let dsPrev = ws.f64(H);
  let s = ws.f64(H);
  let ds = ws.f64(H);
  const out = outputScratch(c, ws);
  const statesFixed = d.tensor === 'V' || d.tensor === 'c'; // the output layer does not change the states
  const trajectory = statesFixed ? null : cell.stepper(d, ws);
  let total = 0;
  for (let b = rows[0]; b < rows[1]; b++) {
    seedStates(c, cell.s, d, b, t0, sPrev, dsPrev);
    trajectory?.start?.(b, t0);
    for (let t = t0; t < c.steps; t++) {
      if (trajectory) trajectory.step(b, t, sPrev, dsPrev, s, ds);
      else cachedStates(c, cell.s, b, t, s, ds);
      total += stepLossDifference(c, d, b, t, s, ds, out);
      [sPrev, s] = [s, sPrev];
      [dsPrev, ds] = [ds, dsPrev];
    }
  }
  return total === 0 ? 0 : lossScale(c) * total; // scale · Σ m_bt (L⁺_t − L⁻_t); no 0 · ∞ when no step has a loss
}

/** s⁺_{t0−1} and δs_{t0−1} of row b: s⁻₋₁ + Δ and Δ for a perturbed s₋₁, else the forward pass's s_{t0−1} and 0. */
function seedStates(
  c: Case,
  cacheS: Float64Array,
  d: Delta,
  b: number,
  t0: number,
  sPrev: Float64Array,
  dsPrev: Float64Array,
): void {
  const H = c.model.hiddenSize;
  if (d.tensor === 'initialState') {
    for (let i = 0; i < H; i++) {
      dsPrev[i] = d.data[b * H + i]!; //                           δs₋₁ = Δ
      sPrev[i] = c.initialState!.data[b * H + i]! + dsPrev[i]!; // s⁺₋₁ = s⁻₋₁ + Δ
    }
  } else {
    const at = (b * (c.steps + 1) + t0) * H; //                     s_{t0−1} of row b
    sPrev.set(cacheS.subarray(at, at + H));
    dsPrev.fill(0);
  }
}

/** s⁺_t = the forward pass's s_t and δs_t = 0: a perturbed output layer (V, c) leaves the states as they are. */
function cachedStates(c: Case, cacheS: Float64Array, b: number, t: number, s: Float64Array, ds: Float64Array): void {
  const H = c.model.hiddenSize;
  const at = (b * (c.steps + 1) + t + 1) * H; //                    s_t of row b
  s.set(cacheS.subarray(at, at + H));
  ds.fill(0);
}
