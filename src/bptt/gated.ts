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
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { transpose, zeros, type Matrix } from '../model/matrix.js';
import { GATES, type Activation } from '../model/spec.js';
import { activate, backpropActivation } from './activations.js';
import { addInput, outputLayer } from './forward.js';
import { matVecAdd } from './kernels.js';

export interface GatedCache {
  /** s_{t−1} of row b at [(b·(T+1) + t)·H, …): s₋₁ first */
  s: Float64Array;
  /** LSTM: c_t of row b at [(b·(T+1) + t + 1)·H, …), c₋₁ = 0 first; GRU: unused */
  c: Float64Array;
  /** gate g of step t, row b, after its activation, at [((b·T + t)·G + g)·H, …) */
  gates: Float64Array;
  /** gate pre-activations, same layout (hardSigmoid's derivative needs them) */
  pre: Float64Array;
  p: Float64Array;
  stepLoss: Float64Array;
  loss: number;
}

/** σ(a) elementwise, in place. */
function sigma(kind: 'sigmoid' | 'hardSigmoid', a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = kind === 'sigmoid' ? 1 / (1 + Math.exp(-a[i]!)) : Math.min(Math.max(0.2 * a[i]! + 0.5, 0), 1);
}

/** da = dy ⊙ σ′(a), from the output y = σ(a) (sigmoid: y(1 − y)) or the pre-activation a (hardSigmoid: 0.2 inside the ramp). */
function sigmaBackward(kind: 'sigmoid' | 'hardSigmoid', y: Float64Array, a: Float64Array, dy: Float64Array, da: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    const ramp = 0.2 * a[i]! + 0.5;
    da[i] = dy[i]! * (kind === 'sigmoid' ? y[i]! * (1 - y[i]!) : ramp >= 0 && ramp <= 1 ? 0.2 : 0);
  }
}

/** act′ from act's output y, for the gate g / h̃ and the LSTM's act(c_t). */
const actBackward = (kind: Activation, y: Float64Array, dy: Float64Array, da: Float64Array) => backpropActivation(kind, y, dy, da);

export function gatedForward(c: Case): GatedCache {
  const cell = c.model.cell as 'lstm' | 'gru';
  const gates = GATES[cell];
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const { hiddenSize: H, activation, bias } = c.model;
  const rec = c.model.recurrentActivation ?? 'hardSigmoid';
  const s = new Float64Array(B * (T + 1) * H);
  const cs = new Float64Array(cell === 'lstm' ? B * (T + 1) * H : 0);
  const pre = new Float64Array(B * T * G * H);
  const post = new Float64Array(B * T * G * H);
  const rs = new Float64Array(H);
  const ac = new Float64Array(H);
  const gateParams = (g: string) => ({ U: c.params[`U_${g}`]!, W: c.params[`W_${g}`]!, b: bias ? c.params[`b_${g}`]! : null });
  const P = Object.fromEntries(gates.map((g) => [g, gateParams(g)]));
  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    if (c.initialState) s.set(c.initialState.data.subarray(b * H, (b + 1) * H), base);
    for (let t = 0; t < T; t++) {
      const sPrev = s.subarray(base + t * H, base + (t + 1) * H);
      const st = s.subarray(base + (t + 1) * H, base + (t + 2) * H);
      const at = (k: number) => pre.subarray(((b * T + t) * G + k) * H, ((b * T + t) * G + k + 1) * H);
      const yt = (k: number) => post.subarray(((b * T + t) * G + k) * H, ((b * T + t) * G + k + 1) * H);
      gates.forEach((g, k) => {
        const a = at(k);
        if (P[g]!.b) a.set(P[g]!.b!.data);
        addInput(c, b, t, a, P[g]!.U); //                             U_* x_t [+ b_*]
        if (cell === 'gru' && g === 'h') return; //                   W_h (r ⊙ s_{t−1}) once r is known
        matVecAdd(P[g]!.W, sPrev, a); //                              + W_* s_{t−1}
      });
      if (cell === 'lstm') {
        const [i, f, gg, o] = [0, 1, 2, 3].map((k) => {
          const y = yt(k);
          y.set(at(k));
          if (k === 2) activate(activation, y); //                    g = act(a_g)
          else sigma(rec, y); //                                      i, f, o = σ(a_*)
          return y;
        }) as [Float64Array, Float64Array, Float64Array, Float64Array];
        const cPrev = cs.subarray(base + t * H, base + (t + 1) * H);
        const ct = cs.subarray(base + (t + 1) * H, base + (t + 2) * H);
        for (let j = 0; j < H; j++) ct[j] = f[j]! * cPrev[j]! + i[j]! * gg[j]!; // c_t = f ⊙ c_{t−1} + i ⊙ g
        ac.set(ct);
        activate(activation, ac);
        for (let j = 0; j < H; j++) st[j] = o[j]! * ac[j]!; //       s_t = o ⊙ act(c_t)
      } else {
        const [z, r] = [0, 1].map((k) => {
          const y = yt(k);
          y.set(at(k));
          sigma(rec, y); //                                           z, r = σ(a_*)
          return y;
        }) as [Float64Array, Float64Array];
        for (let j = 0; j < H; j++) rs[j] = r[j]! * sPrev[j]!; //     r ⊙ s_{t−1}
        const ah = at(2);
        matVecAdd(P.h!.W, rs, ah); //                                 a_h += W_h (r ⊙ s_{t−1})
        const h = yt(2);
        h.set(ah);
        activate(activation, h); //                                   h̃ = act(a_h)
        for (let j = 0; j < H; j++) st[j] = z[j]! * sPrev[j]! + (1 - z[j]!) * h[j]!; // s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
      }
    }
  }
  const { p, stepLoss, loss } = outputLayer(c, s);
  return { s, c: cs, gates: post, pre, p, stepLoss, loss };
}

export function gatedBackward(c: Case, cache: GatedCache): Gradients {
  const cell = c.model.cell as 'lstm' | 'gru';
  const gates = GATES[cell];
  const G = gates.length;
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const rec = c.model.recurrentActivation ?? 'hardSigmoid';
  const V = c.params.V!;
  const VT = transpose(V);
  const WT = Object.fromEntries(gates.map((g) => [g, transpose(c.params[`W_${g}`]!)]));
  const grads: Record<string, Matrix> = {};
  for (const g of gates) {
    grads[`U_${g}`] = zeros(H, I);
    grads[`W_${g}`] = zeros(H, H);
    if (bias) grads[`b_${g}`] = zeros(H, 1);
  }
  const dV = zeros(K, H);
  const dc = zeros(K, 1);
  const dS0 = zeros(B, H);
  const dz = new Float64Array(K);
  const ds = new Float64Array(H);
  const dsNext = new Float64Array(H);
  const dcNext = new Float64Array(H);
  const dcell = new Float64Array(H);
  const ac = new Float64Array(H);
  const tmp = new Float64Array(H);
  const drs = new Float64Array(H);
  const dGate = Array.from({ length: G }, () => new Float64Array(H)); // ∂L/∂(gate output)
  const dPre = Array.from({ length: G }, () => new Float64Array(H)); //  ∂L/∂(gate pre-activation)
  const rs = new Float64Array(H);

  /** dU_* += da x_tᵀ, db_* += da */
  const addInputGrads = (g: string, b: number, t: number, da: Float64Array) => {
    const dU = grads[`U_${g}`]!;
    if (c.tokens) {
      const x = c.tokens[b * T + t]!;
      for (let i = 0; i < H; i++) dU.data[i * I + x]! += da[i]!;
    } else {
      const off = (b * T + t) * I;
      for (let i = 0; i < H; i++) for (let j = 0; j < I; j++) dU.data[i * I + j]! += da[i]! * c.vectors![off + j]!;
    }
    if (bias) for (let i = 0; i < H; i++) grads[`b_${g}`]!.data[i]! += da[i]!;
  };
  /** dW += u vᵀ */
  const outer = (W: Matrix, u: Float64Array, v: Float64Array) => {
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) W.data[i * H + j]! += u[i]! * v[j]!;
  };

  for (let b = 0; b < B; b++) {
    const base = b * (T + 1) * H;
    dsNext.fill(0);
    dcNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const sPrev = cache.s.subarray(base + t * H, base + (t + 1) * H);
      const st = cache.s.subarray(base + (t + 1) * H, base + (t + 2) * H);
      const yt = (k: number) => cache.gates.subarray(((b * T + t) * G + k) * H, ((b * T + t) * G + k + 1) * H);
      const at = (k: number) => cache.pre.subarray(((b * T + t) * G + k) * H, ((b * T + t) * G + k + 1) * H);
      dz.set(cache.p.subarray((b * T + t) * K, (b * T + t + 1) * K));
      dz[c.targets[b * T + t]!]! -= 1; //                                 dz_t = ŷ_t − onehot(y_t)
      for (let k = 0; k < K; k++) {
        if (bias) dc.data[k]! += dz[k]!; //                              dc += dz_t
        for (let j = 0; j < H; j++) dV.data[k * H + j]! += dz[k]! * st[j]!; // dV += dz_t s_tᵀ
      }
      ds.set(dsNext);
      matVecAdd(VT, dz, ds); //                                          ds_t = Vᵀ dz_t + (from step t+1)
      dsNext.fill(0);
      if (cell === 'lstm') {
        const [i, f, g, o] = [0, 1, 2, 3].map(yt) as [Float64Array, Float64Array, Float64Array, Float64Array];
        const cPrev = cache.c.subarray(base + t * H, base + (t + 1) * H);
        const ct = cache.c.subarray(base + (t + 1) * H, base + (t + 2) * H);
        ac.set(ct);
        activate(activation, ac); //                                      act(c_t)
        for (let j = 0; j < H; j++) {
          dGate[3]![j] = ds[j]! * ac[j]!; //                              do = ds_t ⊙ act(c_t)
          tmp[j] = ds[j]! * o[j]!; //                                     ∂L/∂act(c_t) = ds_t ⊙ o
        }
        actBackward(activation, ac, tmp, dcell); //                       ⊙ act′(c_t)
        for (let j = 0; j < H; j++) {
          dcell[j]! += dcNext[j]!; //                                     dc_t += dc_{t+1} ⊙ f_{t+1} (carried)
          dGate[0]![j] = dcell[j]! * g[j]!; //                            di = dc_t ⊙ g
          dGate[1]![j] = dcell[j]! * cPrev[j]!; //                        df = dc_t ⊙ c_{t−1}
          dGate[2]![j] = dcell[j]! * i[j]!; //                            dg = dc_t ⊙ i
          dcNext[j] = dcell[j]! * f[j]!; //                               dc_{t−1} (through the cell) = dc_t ⊙ f
        }
        gates.forEach((gate, k) => {
          if (k === 2) actBackward(activation, g, dGate[2]!, dPre[2]!); // da_g = dg ⊙ act′(a_g)
          else sigmaBackward(rec, yt(k), at(k), dGate[k]!, dPre[k]!); //    da_* = d* ⊙ σ′(a_*)
          outer(grads[`W_${gate}`]!, dPre[k]!, sPrev); //                   dW_* += da_* s_{t−1}ᵀ
          addInputGrads(gate, b, t, dPre[k]!); //                           dU_* += da_* x_tᵀ, db_* += da_*
          matVecAdd(WT[gate]!, dPre[k]!, dsNext); //                        ds_{t−1} += W_*ᵀ da_*
        });
      } else {
        const [z, r, h] = [0, 1, 2].map(yt) as [Float64Array, Float64Array, Float64Array];
        for (let j = 0; j < H; j++) {
          dGate[0]![j] = ds[j]! * (sPrev[j]! - h[j]!); //                 dz = ds_t ⊙ (s_{t−1} − h̃)
          dGate[2]![j] = ds[j]! * (1 - z[j]!); //                         dh̃ = ds_t ⊙ (1 − z)
          dsNext[j] = ds[j]! * z[j]!; //                                  ds_{t−1} = ds_t ⊙ z + …
          rs[j] = r[j]! * sPrev[j]!;
        }
        actBackward(activation, h, dGate[2]!, dPre[2]!); //               da_h = dh̃ ⊙ act′(a_h)
        outer(grads.W_h!, dPre[2]!, rs); //                                dW_h += da_h (r ⊙ s_{t−1})ᵀ
        addInputGrads('h', b, t, dPre[2]!);
        drs.fill(0);
        matVecAdd(WT.h!, dPre[2]!, drs); //                                ∂L/∂(r ⊙ s_{t−1}) = W_hᵀ da_h
        for (let j = 0; j < H; j++) {
          dGate[1]![j] = drs[j]! * sPrev[j]!; //                          dr = … ⊙ s_{t−1}
          dsNext[j]! += drs[j]! * r[j]!; //                               ds_{t−1} += … ⊙ r
        }
        for (const k of [0, 1]) {
          const gate = gates[k]!;
          sigmaBackward(rec, yt(k), at(k), dGate[k]!, dPre[k]!); //        da_z, da_r = d* ⊙ σ′(a_*)
          outer(grads[`W_${gate}`]!, dPre[k]!, sPrev); //                   dW_* += da_* s_{t−1}ᵀ
          addInputGrads(gate, b, t, dPre[k]!);
          matVecAdd(WT[gate]!, dPre[k]!, dsNext); //                        ds_{t−1} += W_*ᵀ da_*
        }
      }
    }
    dS0.data.set(dsNext, b * H); //                                       ∂L/∂s₋₁
  }
  const tensors: Record<string, Matrix> = {};
  for (const g of gates) {
    tensors[`U_${g}`] = grads[`U_${g}`]!;
    tensors[`W_${g}`] = grads[`W_${g}`]!;
    if (bias) tensors[`b_${g}`] = grads[`b_${g}`]!;
  }
  tensors.V = dV;
  if (bias) tensors.c = dc;
  if (c.initialState) tensors.initialState = dS0;
  return { loss: cache.loss, tensors };
}
