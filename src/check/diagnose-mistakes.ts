/**
 * Mistakes of a student's training loop rather than of the recursion, for every cell where they make sense,
 * computed in float64 from the hand side's correct pieces:
 *   carried state:   row b's forward starts from row b−1's final state s_{T−1} (min-char-rnn's hprev kept
 *                    between the sequences of a batch), row 0 from its own s_{−1}; the backward of each row is
 *                    the right one for that forward, with dh_next reset to 0 per row: the carried state is a
 *                    constant, nothing flows back into the previous row. (A backward that also flows across
 *                    rows would need the rows chained in one graph, which a per-sequence loop never builds.)
 *   dU assigned:     dU[:, x_t] = da_t for dU[:, x_t] += da_t, with token ids: the column of an id keeps only
 *                    the step written last. A backward loop runs t = T−1 … 0, so that is the smallest t; a loop
 *                    that accumulates the sums forward keeps the largest. dU shared by the rows (one matrix for
 *                    the batch, the usual loop) keeps the last row's; a per-row dU summed afterwards keeps one
 *                    step per row.
 */
import { handForward, handGradients, type StepAdjoints } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { zeros } from '../model/matrix.js';
import { GATES } from '../model/spec.js';

/** The gradients of the carried-state forward, or null where the mistake changes nothing or has no meaning here. */
export function carriedStateGradients(c: Case): Gradients | null {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  // the LSTM carries c_t as well, which a case's initial state cannot hold
  if (B < 2 || c.model.cell === 'lstm') return null;
  const init = zeros(B, H);
  if (c.initialState) init.data.set(c.initialState.data.subarray(0, H)); // row 0 starts from its own s_{−1}
  let carried: Case = { ...c, initialState: init };
  for (let b = 1; b < B; b++) {
    // rows < b are final: row b starts where row b−1 ended (s_{T−1} of row b−1 sits at t = T of its block)
    const s = handForward(carried).s;
    const next = { ...init, data: Float64Array.from(carried.initialState!.data) };
    next.data.set(s.subarray(((b - 1) * (T + 1) + T) * H, ((b - 1) * (T + 1) + T + 1) * H), b * H);
    carried = { ...c, initialState: next };
  }
  const g = handGradients(carried);
  const tensors = { ...g.tensors };
  if (!c.initialState) delete tensors.initialState;
  return { loss: g.loss, tensors };
}

export type AssignOrder = 'backward' | 'forward';
export type AssignScope = 'shared' | 'per-row';

/**
 * The input matrix's gradient (U, or gate k's U_*) with dU[:, x_t] = da_t assigned, from the right per-step
 * adjoints (steps.da, the layout of recursion.ts's StepAdjoints); null for dense inputs.
 */
export function assignedDU(c: Case, steps: StepAdjoints, gate: number, order: AssignOrder, scope: AssignScope) {
  if (!c.tokens) return null;
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, cell } = c.model;
  const G = cell === 'rnn' ? 1 : GATES[cell].length;
  const dU = new Float64Array(H * I);
  const row = scope === 'shared' ? dU : new Float64Array(H * I);
  for (let b = 0; b < B; b++) {
    if (scope === 'per-row') row.fill(0);
    for (let n = 0; n < T; n++) {
      const t = order === 'backward' ? T - 1 - n : n;
      const x = c.tokens[b * T + t]!;
      const da = ((b * T + t) * G + gate) * H; //                           da_t of the gate, row b
      for (let i = 0; i < H; i++) row[i * I + x] = steps.da[da + i]!; //     dU[:, x_t] = da_t
    }
    if (scope === 'per-row') for (let k = 0; k < H * I; k++) dU[k]! += row[k]!;
  }
  return dU;
}

/** Where a dU assigned for added keeps its last write, in words. */
export function assignedWhere(order: AssignOrder, scope: AssignScope, B: number): string {
  const step = order === 'backward' ? 'smallest t (the backward loop writes it last)' : 'largest t (a forward loop)';
  return B < 2 ? `the ${step}` : scope === 'shared' ? `the last batch row’s ${step}` : `each row’s ${step}, summed`;
}
