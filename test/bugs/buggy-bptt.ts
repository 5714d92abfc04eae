/**
 * A deliberately plain BPTT written for the tests, with switches that plant the classic mistakes.
 * With `bug: 'none'` it is a correct second implementation (the harness must pass it); with any other
 * switch the harness must fail it. Independent of src/bptt: nested loops, no shared kernels.
 */
import type { Case } from '../../src/model/case.js';
import type { Gradients } from '../../src/model/gradients.js';
import { zeros } from '../../src/model/matrix.js';

export const BUGS = [
  'none',
  'missing-activation-derivative', // da_t = ds_t            (f′ left out)
  'state-off-by-one', //             dW += da_t s_tᵀ        (s_t where s_{t−1} belongs)
  'W-not-transposed', //             ds_{t−1} += W da_t     (W where Wᵀ belongs)
  'no-recurrence', //                ds_t = Vᵀ dz_t         (the term through s_{t+1} dropped)
  'last-step-dropped', //            the backward loop starts at T−2
  'scaled-1.01', //                  every gradient × 1.01
  'last-step-only', //               only the last output's loss is differentiated
  'truncated-2', //                  each output back-propagates through 2 recurrent steps only
  'derivative-at-previous-state', // da_t = ds_t ⊙ f′ from s_{t−1}  (the previous state where s_t belongs)
] as const;
export type Bug = (typeof BUGS)[number];

const f = {
  tanh: (a: number) => Math.tanh(a),
  sigmoid: (a: number) => 1 / (1 + Math.exp(-a)),
  relu: (a: number) => Math.max(a, 0),
  linear: (a: number) => a,
};
const fPrime = {
  tanh: (s: number) => 1 - s * s,
  sigmoid: (s: number) => s * (1 - s),
  relu: (s: number) => (s > 0 ? 1 : 0),
  linear: () => 1,
};

export function buggyGradients(c: Case, bug: Bug): Gradients {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const P = (name: string, i: number, j = 0) => {
    const m = c.params[name]!;
    return m.data[i * m.cols + j]!;
  };
  const x = (b: number, t: number, j: number) =>
    c.tokens ? (c.tokens[b * T + t] === j ? 1 : 0) : c.vectors![(b * T + t) * I + j]!;
  const g = {
    U: zeros(H, I),
    W: zeros(H, H),
    V: zeros(K, H),
    b: zeros(H, 1),
    c: zeros(K, 1),
    initialState: zeros(B, H),
  };
  const add = (m: { cols: number; data: Float64Array }, i: number, j: number, v: number) =>
    (m.data[i * m.cols + j]! += v);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    // forward: s[t + 1] = s_t, s[0] = s_{−1}
    const s: number[][] = [Array.from({ length: H }, (_, i) => (c.initialState ? c.initialState.data[b * H + i]! : 0))];
    const p: number[][] = [];
    for (let t = 0; t < T; t++) {
      const st: number[] = [];
      for (let i = 0; i < H; i++) {
        let a = bias ? P('b', i) : 0;
        for (let j = 0; j < I; j++) a += P('U', i, j) * x(b, t, j);
        for (let j = 0; j < H; j++) a += P('W', i, j) * s[t]![j]!;
        st.push(f[activation](a));
      }
      s.push(st);
      const z = Array.from(
        { length: K },
        (_, k) => (bias ? P('c', k) : 0) + st.reduce((acc, v, j) => acc + P('V', k, j) * v, 0),
      );
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((u, v) => u + v, 0);
      p.push(e.map((v) => v / sum));
      loss += Math.log(sum) - (z[c.targets[b * T + t]!]! - m);
    }
    // backward
    const V_T = (dz: number[]) =>
      Array.from({ length: H }, (_, i) => dz.reduce((acc, d, k) => acc + P('V', k, i) * d, 0));
    let dsNext = new Array<number>(H).fill(0);
    const last = bug === 'last-step-dropped' ? T - 2 : T - 1;
    for (let t = last; t >= 0; t--) {
      const dz = p[t]!.map((v, k) =>
        bug === 'last-step-only' && t < T - 1 ? 0 : v - (k === c.targets[b * T + t] ? 1 : 0),
      );
      const ds = new Array<number>(H).fill(0);
      for (let i = 0; i < H; i++) {
        ds[i] = bug === 'no-recurrence' ? 0 : dsNext[i]!;
        for (let k = 0; k < K; k++) ds[i]! += P('V', k, i) * dz[k]!;
      }
      for (let k = 0; k < K; k++) {
        if (bias) add(g.c, k, 0, dz[k]!);
        for (let j = 0; j < H; j++) add(g.V, k, j, dz[k]! * s[t + 1]![j]!);
      }
      const sf = bug === 'derivative-at-previous-state' ? s[t]! : s[t + 1]!; // f′ from s_t (or the mistaken s_{t−1})
      const da = ds.map((v, i) => (bug === 'missing-activation-derivative' ? v : v * fPrime[activation](sf[i]!)));
      if (bug === 'truncated-2') {
        // output t alone, through steps t, t−1, t−2
        let delta = V_T(dz);
        for (let k = t; k >= Math.max(0, t - 2); k--) {
          const dk = delta.map((v, i) => v * fPrime[activation](s[k + 1]![i]!));
          for (let i = 0; i < H; i++) {
            if (bias) add(g.b, i, 0, dk[i]!);
            for (let j = 0; j < I; j++) add(g.U, i, j, dk[i]! * x(b, k, j));
            for (let j = 0; j < H; j++) add(g.W, i, j, dk[i]! * s[k]![j]!);
          }
          delta = Array.from({ length: H }, (_, j) => dk.reduce((acc, v, i) => acc + P('W', i, j) * v, 0));
          if (k === 0) for (let j = 0; j < H; j++) g.initialState.data[b * H + j]! += delta[j]!;
        }
        continue;
      }
      for (let i = 0; i < H; i++) {
        if (bias) add(g.b, i, 0, da[i]!);
        for (let j = 0; j < I; j++) add(g.U, i, j, da[i]! * x(b, t, j));
        const sW = bug === 'state-off-by-one' ? s[t + 1]! : s[t]!;
        for (let j = 0; j < H; j++) add(g.W, i, j, da[i]! * sW[j]!);
      }
      dsNext = new Array<number>(H).fill(0);
      for (let j = 0; j < H; j++)
        for (let i = 0; i < H; i++) dsNext[j]! += (bug === 'W-not-transposed' ? P('W', j, i) : P('W', i, j)) * da[i]!;
    }
    if (bug !== 'truncated-2') for (let j = 0; j < H; j++) g.initialState.data[b * H + j] = dsNext[j]!;
  }
  const tensors: Gradients['tensors'] = { U: g.U, W: g.W, V: g.V };
  if (bias) Object.assign(tensors, { b: g.b, c: g.c });
  if (c.initialState) tensors.initialState = g.initialState;
  if (bug === 'scaled-1.01')
    for (const m of Object.values(tensors)) for (let k = 0; k < m.data.length; k++) m.data[k]! *= 1.01;
  return { loss, tensors };
}
