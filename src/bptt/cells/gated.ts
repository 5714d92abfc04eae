/**
 * What the gated cells (LSTM, GRU) share: float64 forward and BPTT over batches, token or dense inputs,
 * biases and a given initial state s₋₁ (a carried state, the LSTM's c, starts at 0). Each cell's file
 * (lstm.ts, gru.ts) supplies its gates and its step, forward and backward; this file runs them:
 *   a_* = U_* x_t + W_* s_{t−1} + b_*     for every gate fed by s_{t−1} directly (all of the LSTM's; z, r of the GRU)
 * then the cell's step (the gates' outputs, s_t), then z_t = V s_t [+ c], ŷ_t = softmax(z_t),
 * L = Σ_b Σ_t −log ŷ_t[y_t], as for the plain RNN. The gates fed by s_{t−1} are computed together: their W_*
 * stacked into one matrix, so one product gives every gate's W_* s_{t−1} (and one product with its transpose
 * the sum Σ_* W_*ᵀ da_* of the backward pass).
 * Backward: the recursion with its variants (truncate, detachEvery) and the sums over t
 * (dW_* = Σ_t da_* v_tᵀ, …) are recursion.ts's, shared with the RNN.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../../model/case.js';
import { stackRows, transpose, type Matrix } from '../../model/matrix.js';
import { GATES, type GatedCell, type RecurrentActivation } from '../../model/spec.js';
import { addInput, outputLayer, outputSizes, type OutputCache } from '../layers.js';
import { PLAIN, type Workspace } from '../../kernels/heap.js';
import { matVecAdd } from '../../kernels/kernels.js';
import type { BpttOptions } from '../options.js';
import {
  addOutputSums,
  addStepSums,
  outputAdjoints,
  recurse,
  stepJacobianNorms,
  type BackwardResult,
  type CellStep,
  type StepAdjoints,
} from '../recursion.js';
import { contribution, type Reset } from '../steps.js';
import type { CellImpl, HandCache } from './index.js';

export interface GatedCache extends OutputCache {
  /** s_{t−1} of row b at [(b·(T+1) + t)·H, …): s₋₁ first */
  s: Float64Array;
  /** the carried state (LSTM: c_t of row b at [(b·(T+1) + t + 1)·H, …), c₋₁ = 0 first); empty for the GRU */
  c: Float64Array;
  /** gate k of step t, row b, after its activation, at [((b·T + t)·G + k)·H, …) */
  gates: Float64Array;
  /** gate pre-activations, same layout (hardSigmoid's derivative needs them) */
  pre: Float64Array;
}

/** A gated cell, as its file declares it. */
export interface GatedSpec {
  cell: GatedCell;
  /** the first `direct` gates are fed by s_{t−1} directly (W_* s_{t−1}, stacked) */
  direct: number;
  /** whether the cell carries a state besides s (the LSTM's c) */
  carries: boolean;
  /** how many H-vectors of scratch forwardStep and backwardStep allocate (backwardStep: besides its da_*, G·H) */
  scratch: { forward: number; backward: number };
  /** the gate whose W multiplies another gate ⊙ s_{t−1} (the GRU's h̃: W_h (r ⊙ s_{t−1})) */
  reset?: Reset;
  /**
   * The rest of step t of one row, once the direct gates' a_* (at cache.pre[off …]) are in: the gates'
   * outputs into cache.gates, s_t (and the carried state) at [cur …] from s_{t−1} at [prev …].
   */
  forwardStep(
    c: Case,
    rec: RecurrentActivation,
    cache: Omit<GatedCache, keyof OutputCache>,
    ws: Workspace,
  ): GatedForwardStep;
  /** The backward step of batch row b (recursion.ts's CellStep), adding step t's da_*, gate after gate, into DA[t·G·H …]. */
  backwardStep(
    c: Case,
    rec: RecurrentActivation,
    cache: GatedCache,
    b: number,
    DA: Float64Array,
    W: Matrix,
    ws: Workspace,
  ): CellStep;
}

export type GatedForwardStep = (off: number, prev: number, cur: number) => void;

/** The gates' σ: the model of a gated cell always has one. */
function recurrentActivation(c: Case): RecurrentActivation {
  if (c.model.cell === 'rnn') throw new Error('a gated cell was given an RNN case');
  return c.model.recurrentActivation;
}

/** The cache of a gated cell's forward pass. */
export function gatedCache(cache: HandCache): GatedCache {
  if (!('gates' in cache)) throw new Error('a gated cell was given an RNN forward pass');
  return cache;
}

/** W_* of the gates fed by s_{t−1} directly, stacked in gate order: [W_i; W_f; W_g; W_o] or [W_z; W_r]. */
function stackedW(spec: GatedSpec, c: Case, ws: Workspace): Matrix {
  return ws.resident(stackRows(GATES[spec.cell].slice(0, spec.direct).map((g) => c.params[`W_${g}`]!)));
}

export function gatedForward(spec: GatedSpec, c: Case, ws: Workspace = PLAIN): GatedCache {
  const gates = GATES[spec.cell];
  const U = ws.resident(stackRows(gates.map((g) => c.params[`U_${g}`]!))); //   [U_i; U_f; …]: every gate's U_* x_t in one product
  const bs = c.model.bias ? stackRows(gates.map((g) => c.params[`b_${g}`]!)) : null;
  const W = stackedW(spec, c, ws);
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const s = ws.f64(B * (T + 1) * H);
  const saved = {
    s,
    c: ws.f64(spec.carries ? B * (T + 1) * H : 0),
    pre: ws.f64(B * T * G * H),
    gates: ws.f64(B * T * G * H),
  };
  const step = spec.forwardStep(c, recurrentActivation(c), saved, ws);
  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    if (c.initialState) s.set(c.initialState.data.subarray(b * H, (b + 1) * H), base);
    for (let t = 0; t < T; t++) {
      const prev = base + t * H; //                                   s_{t−1} (and c_{t−1}) at [prev …)
      const off = (b * T + t) * G * H; //                             gate k's a_* at pre[off + k·H …]
      if (bs) saved.pre.set(bs.data, off); //                         a_* = b_*
      addInput(c, b, t, saved.pre, U, off); //                        a_* += U_* x_t
      matVecAdd(W, s, saved.pre, prev, off); //                       a_* += W_* s_{t−1} (all gates fed by s_{t−1})
      step(off, prev, prev + H);
    }
  }
  return { ...saved, ...outputLayer(c, s, ws) };
}

/**
 * BPTT of a gated cell. With keepSteps, steps.ds holds ∂L/∂s_t as for the RNN and steps.da the gates'
 * pre-activation adjoints: gate k, element i, step t of row b at [((b·T + t)·G + k)·H + i].
 */
export function gatedBackward(
  spec: GatedSpec,
  c: Case,
  cache: GatedCache,
  opts: BpttOptions = {},
  ws: Workspace = PLAIN,
): BackwardResult {
  const gates = GATES[spec.cell];
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  const rec = recurrentActivation(c);
  const VT = ws.resident(transpose(c.params.V!));
  const W = stackedW(spec, c, ws); //       one stacked copy for every batch row's steps
  const tensors: Record<string, Matrix> = {};
  for (const g of gates) {
    tensors[`U_${g}`] = ws.matrix(H, I);
    tensors[`W_${g}`] = ws.matrix(H, H);
    if (bias) tensors[`b_${g}`] = ws.matrix(H, 1);
  }
  const after = spec.reset?.after === true; // the GRU with the reset after: r ⊙ (W_h s_{t−1} + b_Wh)
  if (bias && after) tensors.b_Wh = ws.matrix(H, 1);
  const dV = (tensors.V = ws.matrix(K, H));
  const dc = bias ? (tensors.c = ws.matrix(K, 1)) : null;
  const dS0 = ws.matrix(B, H);
  const DZ = ws.f64(T * K);
  const Gz = ws.f64(T * H); //            Vᵀ dz_t as row t
  const DA = ws.f64(T * G * H); //        step t's da_* gate after gate: gate k's element i at (t·G + k)·H + i
  const { reset } = spec;
  const RS = reset ? ws.f64(T * H) : null; // r_t ⊙ s_{t−1} (reset after: r_t ⊙ da_{h,t}) at RS[t·H …], for dW_h
  const steps: StepAdjoints | undefined = opts.keepSteps
    ? { ds: ws.f64(B * T * H), da: ws.f64(B * G * H * T) }
    : undefined;
  let loss = 0;

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    const { s, gates: y } = cache;
    loss += outputAdjoints(c, cache.p, cache.stepLoss, b, opts, VT, DZ, Gz); // dz_t, and Vᵀ dz_t for every t
    DA.fill(0);
    const keep = steps ? (t: number, ds: Float64Array) => steps.ds.set(ds, (b * T + t) * H) : undefined;
    const step = spec.backwardStep(c, rec, cache, b, DA, W, ws);
    recurse(c, opts, Gz, step, dS0.data.subarray(b * H, (b + 1) * H), keep, ws);
    if (steps) steps.da.set(DA, b * T * G * H);

    if (reset && RS)
      for (let t = 0; t < T; t++)
        for (let i = 0; i < H; i++) {
          const r = y[((b * T + t) * G + reset.by) * H + i]!;
          RS[t * H + i] = r * (after ? DA[(t * G + reset.gate) * H + i]! : s[base + t * H + i]!); // r_t ⊙ da_{h,t} or r_t ⊙ s_{t−1}
        }
    const sv = { data: s, stride: H, offset: base }; // s_{t−1} as row t
    gates.forEach((g, k) => {
      const DAk = { data: DA, stride: G * H, offset: k * H };
      const [dW, dU, db] = [tensors[`W_${g}`]!, tensors[`U_${g}`]!, tensors[`b_${g}`] ?? null];
      if (RS && after && k === reset?.gate) {
        addStepSums(c, b, DAk, sv, null, dU, db); //                           dU_h += Σ_t da_h x_tᵀ, db_h += Σ_t da_h
        addStepSums(c, b, { data: RS, stride: H, offset: 0 }, sv, dW, null, tensors.b_Wh ?? null); // dW_h += Σ_t (r ⊙ da_h) s_{t−1}ᵀ, db_Wh += Σ_t r ⊙ da_h
        return;
      }
      // what W_* multiplies: s_{t−1}, or r_t ⊙ s_{t−1} for h̃ (reset before)
      const v = RS && k === reset?.gate ? { data: RS, stride: H, offset: 0 } : sv;
      addStepSums(c, b, DAk, v, dW, dU, db); // dW_* += Σ_t da_* v_tᵀ, dU_*, db_*
    });
    addOutputSums(c, b, DZ, s, dV, dc); //                                        dV += Σ_t dz_t s_tᵀ, dc += Σ_t dz_t
  }
  if (c.initialState) tensors.initialState = dS0;
  return { loss: opts.outputStep === undefined ? cache.loss : loss, tensors, ...(steps ? { steps } : {}) };
}

/** The cell's table entry (cells/index.ts) from its declaration. */
export function gatedCell(spec: GatedSpec): CellImpl {
  const G = GATES[spec.cell].length;
  return {
    forward: (c, ws) => gatedForward(spec, c, ws),
    backward: (c, cache, opts, ws) => gatedBackward(spec, c, gatedCache(cache), opts, ws),
    forwardSizes: (c) => {
      const { batch: B, steps: T } = c;
      const { inputSize: I, hiddenSize: H } = c.model;
      const cells = B * (T + 1) * H;
      return [
        ...[G * H * I, spec.direct * H * H, cells, spec.carries ? cells : 0, B * T * G * H, B * T * G * H], // U_*, W_*, s, c, pre, gates
        ...Array.from({ length: spec.scratch.forward }, () => H),
        ...outputSizes(c),
      ];
    },
    backwardSizes: (c, opts) => {
      const { batch: B, steps: T } = c;
      const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
      const perGate = [H * I, H * H, ...(bias ? [H] : [])]; // dU_*, dW_*, db_*
      return [
        ...[K * H, spec.direct * H * H, ...Array.from({ length: G }, () => perGate).flat()], // Vᵀ, W_*, the gates' gradients
        ...(bias && spec.reset?.after ? [H] : []), // db_Wh
        ...[K * H, ...(bias ? [K] : []), B * H, T * K, T * H, T * G * H, spec.reset ? T * H : 0], // dV, dc, ∂L/∂s₋₁, DZ, Gz, DA, RS
        ...(opts.keepSteps ? [B * T * H, B * G * H * T] : []),
        ...Array.from({ length: B }, () => [
          G * H,
          ...Array.from({ length: spec.scratch.backward }, () => H),
          H,
          H,
        ]).flat(), // each row: its step's, the recursion's ds and dcarry
      ];
    },
    stepContribution: (c, cache, steps, k) => contribution(c, gatedCache(cache), steps, k, G, spec.reset), // dW_{*,k} = Σ_b da_{*,k} v_kᵀ, …
    jacobianNorms: (c, cache, row = 0) => {
      const DA = new Float64Array(c.steps * G * c.model.hiddenSize); // the step's da_*, not needed here
      const g = gatedCache(cache);
      return stepJacobianNorms(
        c,
        spec.backwardStep(c, recurrentActivation(c), g, row, DA, stackedW(spec, c, PLAIN), PLAIN),
      );
    },
  };
}
