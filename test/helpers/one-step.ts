/**
 * The exact gradients of a case with a single step (T = 1), written out on paper and coded here in plain
 * float64 JavaScript over the case-file arrays, independently of src/bptt and reference/. Per row b
 * (x = x_0, y = y_0, s₋₁ the given initial state or 0), then summed over the batch:
 *   RNN:  a = U x + W s₋₁ + b,  s = f(a)
 *   LSTM: a_* = U_* x + W_* s₋₁ + b_*, i, f, o = σ(a_*), g = act(a_g), c = f⊙c₋₁ + i⊙g with c₋₁ = 0, s = o⊙act(c)
 *   GRU:  z, r = σ(a_z), σ(a_r),  h̃ = act(U_h x + W_h (r⊙s₋₁) + b_h),  s = z⊙s₋₁ + (1−z)⊙h̃
 *   z_out = V s + c,  p = softmax(z_out),  L = −log p[y]
 * Backward:
 *   dz_out = p − onehot(y),  dV = dz_out sᵀ,  dc = dz_out,  ds = Vᵀ dz_out
 *   RNN:  da = ds ⊙ f′(a),  dW = da s₋₁ᵀ,  dU = da xᵀ,  db = da,  ds₋₁ = Wᵀ da
 *   LSTM: do = ds ⊙ act(c), dc = ds ⊙ o ⊙ act′(c), di = dc ⊙ g, dg = dc ⊙ i, df = dc ⊙ c₋₁ = 0,
 *         da_* = d* ⊙ σ′ (act′ for g),  dW_* = da_* s₋₁ᵀ,  dU_* = da_* xᵀ,  db_* = da_*,  ds₋₁ = Σ W_*ᵀ da_*
 *   GRU:  dz = ds ⊙ (s₋₁ − h̃), dh̃ = ds ⊙ (1 − z), da_h = dh̃ ⊙ act′(a_h), d(r⊙s₋₁) = W_hᵀ da_h,
 *         dr = d(r⊙s₋₁) ⊙ s₋₁, da_z = dz ⊙ σ′(a_z), da_r = dr ⊙ σ′(a_r),
 *         dW_h = da_h (r⊙s₋₁)ᵀ, dW_z = da_z s₋₁ᵀ, dW_r = da_r s₋₁ᵀ, dU_* = da_* xᵀ, db_* = da_*,
 *         ds₋₁ = z ⊙ ds + r ⊙ d(r⊙s₋₁) + W_zᵀ da_z + W_rᵀ da_r
 */
import type { CaseFile } from '../../src/model/case.js';

type Vec = number[];
type Mat = number[][];

const mv = (M: Mat, v: Vec): Vec => M.map((row) => row.reduce((a, m, j) => a + m * v[j]!, 0)); // M v
const mtv = (M: Mat, v: Vec): Vec => M[0]!.map((_, j) => M.reduce((a, row, i) => a + row[j]! * v[i]!, 0)); // Mᵀ v
const add = (...vs: Vec[]): Vec => vs[0]!.map((_, k) => vs.reduce((a, v) => a + v[k]!, 0));
const mul = (u: Vec, v: Vec): Vec => u.map((x, k) => x * v[k]!);
const outer = (u: Vec, v: Vec): Mat => u.map((x) => v.map((y) => x * y));
const addInto = (acc: Mat, M: Mat) => M.forEach((row, i) => row.forEach((m, j) => (acc[i]![j]! += m)));
const addVecInto = (acc: Vec, v: Vec) => v.forEach((x, k) => (acc[k]! += x));
const zerosLike = (M: Mat): Mat => M.map((row) => row.map(() => 0));

interface Fn {
  f: (a: number) => number;
  /** f′ at the pre-activation a */
  df: (a: number) => number;
}
const ACT: Record<string, Fn> = {
  tanh: { f: Math.tanh, df: (a) => 1 - Math.tanh(a) ** 2 },
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (a) => Math.exp(-a) / (1 + Math.exp(-a)) ** 2 },
  relu: { f: (a) => Math.max(0, a), df: (a) => (a > 0 ? 1 : 0) },
  linear: { f: (a) => a, df: () => 1 },
};
const HARD_SIGMOID: Fn = {
  f: (a) => Math.min(1, Math.max(0, 0.2 * a + 0.5)),
  df: (a) => (Math.abs(a) < 2.5 ? 0.2 : 0),
};

export interface OneStepGradients {
  loss: number;
  gradients: Record<string, Mat | Vec>;
}

export function oneStepGradients(f: CaseFile): OneStepGradients {
  const m = f.model;
  const { inputSize: I, hiddenSize: H } = m;
  if (f.targets[0]!.length !== 1) throw new Error('oneStepGradients is for T = 1');
  const P = f.params as Record<string, Mat & Vec>;
  const act = ACT[m.activation]!;
  const sig = m.recurrentActivation === 'sigmoid' ? ACT.sigmoid! : HARD_SIGMOID;
  const map = (v: Vec, g: (a: number) => number) => v.map(g);
  const gates = m.cell === 'lstm' ? ['i', 'f', 'g', 'o'] : m.cell === 'gru' ? ['z', 'r', 'h'] : [''];
  const nm = (p: string, g: string) => (g ? `${p}_${g}` : p);
  const grads: Record<string, Mat | Vec> = {};
  for (const [name, v] of Object.entries(P))
    grads[name] = Array.isArray(v[0]) ? zerosLike(v as Mat) : (v as Vec).map(() => 0);
  const dS0: Mat = [];
  let loss = 0;
  f.targets.forEach((row, b) => {
    const x: Vec = f.inputVectors
      ? f.inputVectors[b]![0]!
      : Array.from({ length: I }, (_, k) => (k === f.inputs![b]![0]! ? 1 : 0));
    const s0: Vec = f.initialState ? f.initialState[b]! : Array(H).fill(0);
    const pre = (g: string, s: Vec) =>
      add(mv(P[nm('U', g)]!, x), mv(P[nm('W', g)]!, s), m.bias ? P[nm('b', g)]! : Array(H).fill(0));
    const da: Record<string, Vec> = {}; //   ∂L/∂a_* of each gate ('' for the RNN)
    const sIn: Record<string, Vec> = {}; //  what W_* multiplies: s₋₁, or r⊙s₋₁ for the GRU's h
    let s: Vec;
    let backward: (ds: Vec) => Vec; //       ds ↦ ds₋₁, filling da
    if (m.cell === 'rnn') {
      const a = pre('', s0);
      s = map(a, act.f);
      sIn[''] = s0;
      backward = (ds) => ((da[''] = mul(ds, map(a, act.df))), mtv(P.W!, da['']!));
    } else if (m.cell === 'lstm') {
      const a = Object.fromEntries(gates.map((g) => [g, pre(g, s0)]));
      const [i, g, o] = [map(a.i!, sig.f), map(a.g!, act.f), map(a.o!, sig.f)];
      const c = mul(i, g); //                                           c = f⊙0 + i⊙g
      s = mul(o, map(c, act.f));
      for (const q of gates) sIn[q] = s0;
      backward = (ds) => {
        const dc = mul(mul(ds, o), map(c, act.df)); //                 act′ at c
        da.i = mul(mul(dc, g), map(a.i!, sig.df));
        da.f = Array(H).fill(0); //                                     df = dc ⊙ c₋₁ = 0
        da.g = mul(mul(dc, i), map(a.g!, act.df));
        da.o = mul(mul(ds, map(c, act.f)), map(a.o!, sig.df));
        return add(...gates.map((q) => mtv(P[`W_${q}`]!, da[q]!)));
      };
    } else {
      const az = pre('z', s0);
      const ar = pre('r', s0);
      const [z, r] = [map(az, sig.f), map(ar, sig.f)];
      const rs = mul(r, s0);
      const ah = pre('h', rs);
      const h = map(ah, act.f);
      s = add(
        mul(z, s0),
        mul(
          map(z, (v) => 1 - v),
          h,
        ),
      );
      Object.assign(sIn, { z: s0, r: s0, h: rs });
      backward = (ds) => {
        da.h = mul(
          mul(
            ds,
            map(z, (v) => 1 - v),
          ),
          map(ah, act.df),
        );
        const drs = mtv(P.W_h!, da.h);
        da.z = mul(
          mul(
            ds,
            add(
              s0,
              map(h, (v) => -v),
            ),
          ),
          map(az, sig.df),
        );
        da.r = mul(mul(drs, s0), map(ar, sig.df));
        return add(mul(z, ds), mul(r, drs), mtv(P.W_z!, da.z), mtv(P.W_r!, da.r));
      };
    }
    const zo = m.bias ? add(mv(P.V!, s), P.c!) : mv(P.V!, s);
    const zmax = Math.max(...zo);
    const e = zo.map((v) => Math.exp(v - zmax));
    const sum = e.reduce((u, v) => u + v, 0);
    const y = row[0]!;
    if (y === null) {
      dS0.push(Array(H).fill(0));
      return;
    }
    loss += -(zo[y]! - zmax - Math.log(sum)); //                     −log p[y]
    const dz = e.map((v, k) => v / sum - (k === y ? 1 : 0)); //        p − onehot(y)
    addInto(grads.V as Mat, outer(dz, s));
    if (m.bias) addVecInto(grads.c as Vec, dz);
    const ds0 = backward(mtv(P.V!, dz)); //                            ds = Vᵀ dz
    for (const q of gates) {
      addInto(grads[nm('U', q)] as Mat, outer(da[q]!, x));
      addInto(grads[nm('W', q)] as Mat, outer(da[q]!, sIn[q]!));
      if (m.bias) addVecInto(grads[nm('b', q)] as Vec, da[q]!);
    }
    dS0.push(ds0);
  });
  if (f.initialState) grads.initialState = dS0;
  return { loss, gradients: grads };
}
