/**
 * LSTM and GRU: forward and BPTT, float64, full BPTT over batches, token or dense inputs, biases and a
 * given initial state s₋₁ (the LSTM's cell state starts at c₋₁ = 0). σ is the recurrent activation
 * (sigmoid, or hardSigmoid = clip(0.2a + 0.5, 0, 1)), act the activation (tanh by default).
 *
 * LSTM (gates i, f, g, o):                          GRU (gates z, r, h; reset before the product, as tfjs):
 *   i = σ(U_i x + W_i s_{t−1} + b_i)                   z = σ(U_z x + W_z s_{t−1} + b_z)
 *   f = σ(U_f x + W_f s_{t−1} + b_f)                   r = σ(U_r x + W_r s_{t−1} + b_r)
 *   g = act(U_g x + W_g s_{t−1} + b_g)                 h̃ = act(U_h x + W_h (r ⊙ s_{t−1}) + b_h)
 *   o = σ(U_o x + W_o s_{t−1} + b_o)                   s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,  s_t = o ⊙ act(c_t)
 * then z_t = V s_t [+ c], ŷ_t = softmax(z_t), L = Σ_b Σ_t −log ŷ_t[y_t], as for the plain RNN.
 * The gates that multiply s_{t−1} directly are computed together: their W_* stacked into one matrix, so one
 * product gives every gate's W_* s_{t−1} (and one product with its transpose the sum Σ_* W_*ᵀ da_* of the
 * backward pass).
 * Backward: this file supplies each cell's step; the recursion with its variants (truncate, detachEvery)
 * and the sums over t (dW_* = Σ_t da_* s_{t−1}ᵀ, …) are recursion.ts's, shared with the RNN.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import { stackRows, transpose, type Matrix } from '../model/matrix.js';
import { GATES, type RecurrentActivation } from '../model/spec.js';
import { activate, derivativeFromOutput } from './activations.js';
import type { BackwardResult, StepAdjoints } from './backward.js';
import { addInput, outputLayer } from './forward.js';
import { f64, matrix, resident } from '../kernels/heap.js';
import { matTVecAdd, matVecAdd } from '../kernels/kernels.js';
import type { BpttOptions } from './options.js';
import { addOutputSums, addStepSums, outputAdjoints, recurse, type CellStep } from './recursion.js';

export interface GatedCache {
  /** s_{t−1} of row b at [(b·(T+1) + t)·H, …): s₋₁ first */
  s: Float64Array;
  /** LSTM: c_t of row b at [(b·(T+1) + t + 1)·H, …), c₋₁ = 0 first; GRU: unused */
  c: Float64Array;
  /** gate k of step t, row b, after its activation, at [((b·T + t)·G + k)·H, …) */
  gates: Float64Array;
  /** gate pre-activations, same layout (hardSigmoid's derivative needs them) */
  pre: Float64Array;
  p: Float64Array;
  stepLoss: Float64Array;
  loss: number;
}

/** σ(a), for one entry. */
export const sigma = (kind: RecurrentActivation, a: number) =>
  kind === 'sigmoid' ? 1 / (1 + Math.exp(-a)) : Math.min(Math.max(0.2 * a + 0.5, 0), 1);

/** σ′(a), from the output y = σ(a) (sigmoid: y(1 − y)) or the pre-activation a (hardSigmoid: 0.2 inside the ramp, else 0). */
function sigmaPrime(kind: RecurrentActivation, y: number, a: number): number {
  if (kind === 'sigmoid') return y * (1 - y);
  const ramp = 0.2 * a + 0.5;
  return ramp >= 0 && ramp <= 1 ? 0.2 : 0;
}

/** W_* of the gates fed by s_{t−1} directly, stacked in gate order: [W_i; W_f; W_g; W_o] or [W_z; W_r]. */
function stackedW(c: Case): Matrix {
  const gates = GATES[c.model.cell as 'lstm' | 'gru'];
  const direct = c.model.cell === 'lstm' ? gates : gates.slice(0, 2); // the GRU's h̃ sees r ⊙ s_{t−1} instead
  return resident(stackRows(direct.map((g) => c.params[`W_${g}`]!)));
}

export function gatedForward(c: Case): GatedCache {
  const lstm = c.model.cell === 'lstm';
  const gates = GATES[c.model.cell as 'lstm' | 'gru'];
  const U = resident(stackRows(gates.map((g) => c.params[`U_${g}`]!))); //   [U_i; U_f; …]: every gate's U_* x_t in one product
  const bs = c.model.bias ? stackRows(gates.map((g) => c.params[`b_${g}`]!)) : null;
  const W = stackedW(c);
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const { hiddenSize: H, activation } = c.model;
  const rec = c.model.recurrentActivation ?? 'hardSigmoid';
  const s = f64(B * (T + 1) * H);
  const cs = f64(lstm ? B * (T + 1) * H : 0);
  const pre = f64(B * T * G * H);
  const post = f64(B * T * G * H);
  const rs = f64(H);
  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    if (c.initialState) s.set(c.initialState.data.subarray(b * H, (b + 1) * H), base);
    for (let t = 0; t < T; t++) {
      const prev = base + t * H; //                                   s_{t−1} (and c_{t−1}) at [prev …)
      const cur = prev + H; //                                        s_t (and c_t) at [cur …)
      const off = (b * T + t) * G * H; //                             gate k's a_* at pre[off + k·H …]
      if (bs) pre.set(bs.data, off); //                               a_* = b_*
      addInput(c, b, t, pre, U, off); //                              a_* += U_* x_t
      matVecAdd(W, s, pre, prev, off); //                             a_* += W_* s_{t−1} (all gates fed by s_{t−1})
      if (lstm) {
        for (let k = 0; k < 4; k++)
          for (let j = off + k * H; j < off + (k + 1) * H; j++) post[j] = k === 2 ? pre[j]! : sigma(rec, pre[j]!); // i, f, o = σ(a_*)
        activate(activation, post, off + 2 * H, off + 3 * H); //      g = act(a_g)
        for (let j = 0; j < H; j++) {
          const i = post[off + j]!;
          const f = post[off + H + j]!;
          const g = post[off + 2 * H + j]!;
          cs[cur + j] = f * cs[prev + j]! + i * g; //                 c_t = f ⊙ c_{t−1} + i ⊙ g
          s[cur + j] = cs[cur + j]!; //                               (act(c_t) next, in place)
        }
        activate(activation, s, cur, cur + H);
        for (let j = 0; j < H; j++) s[cur + j]! *= post[off + 3 * H + j]!; // s_t = o ⊙ act(c_t)
      } else {
        for (let j = off; j < off + 2 * H; j++) post[j] = sigma(rec, pre[j]!); // z, r = σ(a_*)
        for (let j = 0; j < H; j++) rs[j] = post[off + H + j]! * s[prev + j]!; // r ⊙ s_{t−1}
        matVecAdd(c.params.W_h!, rs, pre, 0, off + 2 * H); //          a_h += W_h (r ⊙ s_{t−1})
        for (let j = off + 2 * H; j < off + 3 * H; j++) post[j] = pre[j]!;
        activate(activation, post, off + 2 * H, off + 3 * H); //      h̃ = act(a_h)
        for (let j = 0; j < H; j++) {
          const z = post[off + j]!;
          s[cur + j] = z * s[prev + j]! + (1 - z) * post[off + 2 * H + j]!; // s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
        }
      }
    }
  }
  const { p, stepLoss, loss } = outputLayer(c, s);
  return { s, c: cs, gates: post, pre, p, stepLoss, loss };
}

/**
 * The backward step of batch row b's cell (recursion.ts's CellStep), which adds each step's pre-activation
 * adjoints into DA: step t's da_*, gate after gate, at DA[t·G·H …]. W is stackedW(c), which a caller
 * building the steps of several rows stacks once.
 */
export function gatedCellStep(c: Case, cache: GatedCache, b: number, DA: Float64Array, W = stackedW(c)): CellStep {
  const lstm = c.model.cell === 'lstm';
  const G = GATES[c.model.cell as 'lstm' | 'gru'].length;
  const T = c.steps;
  const { hiddenSize: H, activation } = c.model;
  const rec = c.model.recurrentActivation ?? 'hardSigmoid';
  const base = b * (T + 1) * H;
  const { s, gates: y, pre: a } = cache;
  const dpre = f64(G * H); //          this step's da_*, gate after gate
  const dsPrev = f64(H);
  const drs = f64(H);
  const ac = f64(H);
  const addDA = (t: number) => {
    for (let k = 0; k < G * H; k++) DA[t * G * H + k]! += dpre[k]!;
  };
  const lstmStep: CellStep = (t, ds, dcarry) => {
    const off = (b * T + t) * G * H; //                   i, f, g, o at y[off], y[off + H], y[off + 2H], y[off + 3H]
    const prev = base + t * H;
    const cur = prev + H;
    ac.set(cache.c.subarray(cur, cur + H));
    activate(activation, ac); //                                              act(c_t)
    for (let j = 0; j < H; j++) {
      const i = y[off + j]!;
      const f = y[off + H + j]!;
      const g = y[off + 2 * H + j]!;
      const o = y[off + 3 * H + j]!;
      const dcell = ds[j]! * o * derivativeFromOutput(activation, ac[j]!) + dcarry[j]!; // dc_t = ds_t ⊙ o ⊙ act′(c_t) + (from c_{t+1})
      dpre[j] = dcell * g * sigmaPrime(rec, i, a[off + j]!); //                  da_i = dc_t ⊙ g ⊙ σ′(a_i)
      dpre[H + j] = dcell * cache.c[prev + j]! * sigmaPrime(rec, f, a[off + H + j]!); // da_f = dc_t ⊙ c_{t−1} ⊙ σ′(a_f)
      dpre[2 * H + j] = dcell * i * derivativeFromOutput(activation, g); //     da_g = dc_t ⊙ i ⊙ act′(a_g)
      dpre[3 * H + j] = ds[j]! * ac[j]! * sigmaPrime(rec, o, a[off + 3 * H + j]!); // da_o = ds_t ⊙ act(c_t) ⊙ σ′(a_o)
      dcarry[j] = dcell * f; //                                                 ∂L/∂c_{t−1} from step t = dc_t ⊙ f
    }
    addDA(t);
    ds.fill(0);
    matTVecAdd(W, dpre, ds); //                                                ∂L/∂s_{t−1} = Σ_* W_*ᵀ da_* = [W_i; W_f; …]ᵀ [da_i; da_f; …]
  };
  const gruStep: CellStep = (t, ds) => {
    const off = (b * T + t) * G * H; //                   z, r, h̃ at y[off], y[off + H], y[off + 2H]
    const prev = base + t * H;
    for (let j = 0; j < H; j++) {
      const z = y[off + j]!;
      const h = y[off + 2 * H + j]!;
      dpre[j] = ds[j]! * (s[prev + j]! - h) * sigmaPrime(rec, z, a[off + j]!); // da_z = ds_t ⊙ (s_{t−1} − h̃) ⊙ σ′(a_z)
      dpre[2 * H + j] = ds[j]! * (1 - z) * derivativeFromOutput(activation, h); // da_h = ds_t ⊙ (1 − z) ⊙ act′(a_h)
      dsPrev[j] = ds[j]! * z; //                                                 ∂L/∂s_{t−1} = ds_t ⊙ z + …
    }
    drs.fill(0);
    matTVecAdd(c.params.W_h!, dpre, drs, 2 * H); //                             ∂L/∂(r ⊙ s_{t−1}) = W_hᵀ da_h
    for (let j = 0; j < H; j++) {
      const r = y[off + H + j]!;
      dpre[H + j] = drs[j]! * s[prev + j]! * sigmaPrime(rec, r, a[off + H + j]!); // da_r = (W_hᵀ da_h) ⊙ s_{t−1} ⊙ σ′(a_r)
      dsPrev[j]! += drs[j]! * r; //                                             … + (W_hᵀ da_h) ⊙ r
    }
    addDA(t);
    ds.set(dsPrev);
    matTVecAdd(W, dpre, ds); //                                                 … + W_zᵀ da_z + W_rᵀ da_r
  };
  return lstm ? lstmStep : gruStep;
}

/**
 * BPTT of the gated cells. With keepSteps, steps.ds holds ∂L/∂s_t as for the RNN and steps.da the gates'
 * pre-activation adjoints: gate k, element i, step t of row b at [((b·T + t)·G + k)·H + i].
 */
export function gatedBackward(c: Case, cache: GatedCache, opts: BpttOptions = {}): BackwardResult {
  const lstm = c.model.cell === 'lstm';
  const gates = GATES[c.model.cell as 'lstm' | 'gru'];
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  const VT = resident(transpose(c.params.V!));
  const W = stackedW(c); //             one stacked copy for every batch row's steps
  const grads: Record<string, Matrix> = {};
  for (const g of gates) {
    grads[`U_${g}`] = matrix(H, I);
    grads[`W_${g}`] = matrix(H, H);
    if (bias) grads[`b_${g}`] = matrix(H, 1);
  }
  const dV = matrix(K, H);
  const dc = bias ? matrix(K, 1) : null;
  const dS0 = matrix(B, H);
  const DZ = f64(T * K);
  const Gz = f64(T * H); //            Vᵀ dz_t as row t
  const DA = f64(T * G * H); //        step t's da_* gate after gate: gate k's element i at (t·G + k)·H + i
  const RS = lstm ? null : f64(T * H); // GRU: r_t ⊙ s_{t−1} at RS[t·H …], for dW_h
  const steps: StepAdjoints | undefined = opts.keepSteps ? { ds: f64(B * T * H), da: f64(B * G * H * T) } : undefined;
  let loss = 0;

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    const { s, gates: y } = cache;
    loss += outputAdjoints(c, cache.p, cache.stepLoss, b, opts, VT, DZ, Gz); // dz_t, and Vᵀ dz_t for every t
    DA.fill(0);
    const keep = steps ? (t: number, ds: Float64Array) => steps.ds.set(ds, (b * T + t) * H) : undefined;
    recurse(c, opts, Gz, gatedCellStep(c, cache, b, DA, W), dS0.data.subarray(b * H, (b + 1) * H), keep);
    if (steps) steps.da.set(DA, b * T * G * H);

    if (RS)
      for (let t = 0; t < T; t++)
        for (let i = 0; i < H; i++) RS[t * H + i] = y[((b * T + t) * G + 1) * H + i]! * s[base + t * H + i]!; // r_t ⊙ s_{t−1}
    gates.forEach((g, k) => {
      // what W_* multiplies: s_{t−1}, or r_t ⊙ s_{t−1} for h̃
      const v = g === 'h' && RS ? { data: RS, stride: H, offset: 0 } : { data: s, stride: H, offset: base };
      addStepSums(
        c,
        b,
        { data: DA, stride: G * H, offset: k * H },
        v,
        grads[`W_${g}`]!,
        grads[`U_${g}`]!,
        grads[`b_${g}`] ?? null,
      ); // dW_* += Σ_t da_* v_tᵀ, dU_*, db_*
    });
    addOutputSums(c, b, DZ, s, dV, dc); //                                        dV += Σ_t dz_t s_tᵀ, dc += Σ_t dz_t
  }
  const tensors: Record<string, Matrix> = {};
  for (const g of gates) {
    tensors[`U_${g}`] = grads[`U_${g}`]!;
    tensors[`W_${g}`] = grads[`W_${g}`]!;
    if (bias) tensors[`b_${g}`] = grads[`b_${g}`]!;
  }
  tensors.V = dV;
  if (dc) tensors.c = dc;
  if (c.initialState) tensors.initialState = dS0;
  return { loss: opts.outputStep === undefined ? cache.loss : loss, tensors, ...(steps ? { steps } : {}) };
}
