/**
 * Forward and backward on hand-sized cases, with expected values worked out from the seed's formulas
 * here in the test: a scalar case solved in closed form, and an H=2, T=3 case where the gradient is
 * assembled term by term from the seed's sum over k with explicit Jacobian products
 *   ∂L_t/∂W = Σ_{k≤t} (∂L_t/∂ŷ_t)(∂ŷ_t/∂s_t)(∏_{j=k+1}^{t} ∂s_j/∂s_{j−1})(∂s_k/∂W),  ∂s_j/∂s_{j−1} = diag(f′(a_j)) W
 * (a different algorithm from the recursive adjoints of src/bptt).
 */
import { describe, expect, it } from 'vitest';
import { backward, forward, handGradients } from '../../src/bptt/index.js';
import type { Case } from '../../src/model/case.js';
import { fromNested, fromVector } from '../../src/model/matrix.js';
import type { Activation } from '../../src/model/spec.js';

function makeCase(
  p: { U: number[][]; W: number[][]; V: number[][]; b?: number[]; c?: number[] },
  activation: Activation,
  tokens: number[],
  targets: number[],
  s0?: number[],
): Case {
  const H = p.W.length;
  return {
    id: 'hand-sized',
    model: {
      cell: 'rnn',
      activation,
      bias: p.b !== undefined,
      inputSize: p.U[0]!.length,
      hiddenSize: H,
      outputSize: p.V.length,
    },
    batch: 1,
    steps: tokens.length,
    params: {
      U: fromNested(p.U),
      W: fromNested(p.W),
      V: fromNested(p.V),
      ...(p.b ? { b: fromVector(p.b), c: fromVector(p.c!) } : {}),
    },
    tokens: Int32Array.from(tokens),
    vectors: null,
    targets: Int32Array.from(targets),
    initialState: s0 ? fromNested([s0]) : null,
  };
}

describe('a scalar linear RNN solved in closed form (H=1, I=1, K=2, T=2)', () => {
  // s_0 = u, s_1 = u + w·s_0 = u(1 + w); z_t = (v1 s_t, v2 s_t); targets 0, 0
  // L_t = log(e^{v1 s_t} + e^{v2 s_t}) − v1 s_t = log(1 + e^{d s_t}), d = v2 − v1
  // ∂L_t/∂s_t = d·σ(d s_t) =: g_t
  // ∂L/∂u = g_0 + g_1 (1 + w)   ∂L/∂w = g_1 s_0   ∂L/∂v1 = −Σ σ(d s_t) s_t   ∂L/∂v2 = Σ σ(d s_t) s_t
  const [u, w, v1, v2] = [0.5, -0.8, 0.3, -0.7];
  const c = makeCase({ U: [[u]], W: [[w]], V: [[v1], [v2]] }, 'linear', [0, 0], [0, 0]);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const d = v2 - v1;
  const s = [u, u * (1 + w)];
  const g = s.map((st) => d * sig(d * st));

  it('has the loss Σ log(1 + e^{d s_t})', () => {
    expect(forward(c).loss).toBeCloseTo(
      s.reduce((acc, st) => acc + Math.log(1 + Math.exp(d * st)), 0),
      14,
    );
  });

  it('has the gradients of the closed form', () => {
    const t = handGradients(c).tensors;
    expect(t.U!.data[0]).toBeCloseTo(g[0]! + g[1]! * (1 + w), 14);
    expect(t.W!.data[0]).toBeCloseTo(g[1]! * s[0]!, 14);
    expect(t.V!.data[0]).toBeCloseTo(-(sig(d * s[0]!) * s[0]! + sig(d * s[1]!) * s[1]!), 14);
    expect(t.V!.data[1]).toBeCloseTo(sig(d * s[0]!) * s[0]! + sig(d * s[1]!) * s[1]!, 14);
  });
});

// --- tiny dense linear algebra for the explicit formula ---
type M = number[][];
const mul = (A: M, B: M): M => A.map((row) => B[0]!.map((_, j) => row.reduce((acc, a, k) => acc + a * B[k]![j]!, 0)));
const T_ = (A: M): M => A[0]!.map((_, j) => A.map((row) => row[j]!));
const col = (v: number[]): M => v.map((x) => [x]);
const eye = (n: number): M =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const diag = (v: number[]): M => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));

const ACT = {
  tanh: { f: Math.tanh, df: (s: number) => 1 - s * s },
  sigmoid: { f: (a: number) => 1 / (1 + Math.exp(-a)), df: (s: number) => s * (1 - s) },
} as const;

describe.each(['tanh', 'sigmoid'] as const)('an H=2, T=3 %s RNN against the seed’s sum over k', (activation) => {
  const U = [
    [0.3, -0.5, 0.8],
    [0.6, 0.2, -0.4],
  ]; // H×I, I=3
  const W = [
    [0.5, -0.9],
    [0.7, 0.25],
  ];
  const V = [
    [0.4, -0.3],
    [-0.6, 0.9],
    [0.1, 0.5],
  ]; // K×H, K=3
  const b = [0.05, -0.1];
  const cb = [0.2, 0, -0.2];
  const s0 = [0.3, -0.6];
  const tokens = [2, 0, 1];
  const targets = [1, 2, 0];
  const c = makeCase({ U, W, V, b, c: cb }, activation, tokens, targets, s0);
  const { f, df } = ACT[activation];

  // forward by the formulas
  const s: number[][] = [s0]; // s[t + 1] = s_t
  const p: number[][] = [];
  let loss = 0;
  tokens.forEach((x, t) => {
    const a = [0, 1].map((i) => U[i]![x]! + W[i]![0]! * s[t]![0]! + W[i]![1]! * s[t]![1]! + b[i]!);
    s.push(a.map(f));
    const z = V.map((row, k) => row[0]! * s[t + 1]![0]! + row[1]! * s[t + 1]![1]! + cb[k]!);
    const e = z.map(Math.exp);
    const sum = e.reduce((x1, x2) => x1 + x2);
    p.push(e.map((v) => v / sum));
    loss += -Math.log(e[targets[t]!]! / sum);
  });

  // backward by the explicit sum over k
  const dW = [
    [0, 0],
    [0, 0],
  ];
  const dU = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  const db = [0, 0];
  const ds0 = [0, 0];
  for (let t = 0; t < 3; t++) {
    const dz = p[t]!.map((v, k) => v - (k === targets[t] ? 1 : 0)); // (∂L_t/∂ŷ_t)(∂ŷ_t/∂z_t) = ŷ_t − y_t
    const dLt_dst = mul(T_(V), col(dz)); // ∂L_t/∂s_t = Vᵀ dz_t
    let J = eye(2); // ∂s_t/∂s_k, starting at k = t
    for (let k = t; k >= 0; k--) {
      const dLt_dsk = mul(T_(J), dLt_dst); // ∂L_t/∂s_k = (∂s_t/∂s_k)ᵀ ∂L_t/∂s_t
      const fk = s[k + 1]!.map(df); // f′(a_k) from s_k
      const dLt_dak = dLt_dsk.map(([v], i) => v! * fk[i]!); // ∂s_k/∂a_k = diag(f′(a_k))
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) dW[i]![j]! += dLt_dak[i]! * s[k]![j]!; // ∂a_k/∂W = s_{k−1}ᵀ
        dU[i]![tokens[k]!]! += dLt_dak[i]!; // ∂a_k/∂U = x_kᵀ (one-hot)
        db[i]! += dLt_dak[i]!;
      }
      if (k === 0) mul(T_(W), col(dLt_dak)).forEach(([v], j) => (ds0[j]! += v!)); // ∂a_0/∂s_{−1} = W
      J = mul(J, mul(diag(fk), W)); // ∂s_t/∂s_{k−1} = ∂s_t/∂s_k · diag(f′(a_k)) W
    }
  }
  const dV = V.map((_, k) =>
    [0, 1].map((j) => p.reduce((acc, pt, t) => acc + (pt[k]! - (k === targets[t] ? 1 : 0)) * s[t + 1]![j]!, 0)),
  );
  const dc = V.map((_, k) => p.reduce((acc, pt, t) => acc + pt[k]! - (k === targets[t] ? 1 : 0), 0));

  const cache = forward(c);
  const grads = backward(c, cache);
  const close = (actual: Float64Array, expected: number[]) =>
    expected.forEach((e, k) => expect(actual[k]).toBeCloseTo(e, 13));

  it('computes the states and the loss of the formulas', () => {
    close(cache.s, s.flat());
    expect(cache.loss).toBeCloseTo(loss, 13);
  });
  it('computes dW, dU, db as the sum over k of the Jacobian products', () => {
    close(grads.tensors.W!.data, dW.flat());
    close(grads.tensors.U!.data, dU.flat());
    close(grads.tensors.b!.data, db);
  });
  it('computes dV = Σ_t dz_t s_tᵀ and dc = Σ_t dz_t', () => {
    close(grads.tensors.V!.data, dV.flat());
    close(grads.tensors.c!.data, dc);
  });
  it('computes the initial-state gradient Wᵀ ∂L/∂a_0', () => {
    close(grads.tensors.initialState!.data, ds0);
  });
});
