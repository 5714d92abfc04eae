/**
 * The GRU with the reset after the recurrent product (model.gruReset 'after'): the hand side and the float64
 * finite differences against PyTorch's nn.GRU (test/fixtures/frameworks, converted in test/helpers/pytorch-gru.ts),
 * and dW_h, db_Wh against the formulas written out for H = 1, T = 2.
 */
import { describe, expect, it } from 'vitest';
import { handGradients, jacobianNorms, handForward } from '../../src/bptt/index.js';
import { fdOracle } from '../../src/fd/oracle.js';
import type { Case } from '../../src/model/case.js';
import { modelConfig } from '../../src/model/spec.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { relErr } from '../helpers/fixtures.js';
import { pytorchGruCase, pytorchGruExpected } from '../helpers/pytorch-gru.js';

describe('the GRU with the reset after, against PyTorch float64 autograd (nn.GRU, mean loss × N)', () => {
  const c = pytorchGruCase();
  const expected = pytorchGruExpected();

  it('the hand side agrees on every tensor, b_Wh included, to 1e-10', () => {
    const g = handGradients(c);
    expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    expect(relErr([g.loss], [expected.loss])).toBeLessThan(1e-12);
    for (const [name, m] of Object.entries(expected.tensors))
      expect(relErr(g.tensors[name]!.data, m.data), name).toBeLessThan(1e-10);
  });

  it('the finite differences agree on every tensor to 1e-10', () => {
    const probes = fdOracle(c, { kind: 'full' });
    expect(probes.map((p) => p.tensor).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const p of probes) expect(relErr(p.values, expected.tensors[p.tensor]!.data), p.tensor).toBeLessThan(1e-10);
  });

  it('the reset before gives other gradients on the same weights (the two models differ)', () => {
    const { b_Wh: _, ...params } = c.params;
    const before: Case = { ...c, model: modelConfig({ ...c.model, gruReset: 'before' }), params };
    const g = handGradients(before);
    expect(relErr(g.tensors.W_h!.data, expected.tensors.W_h!.data)).toBeGreaterThan(1e-3);
  });

  it('the Jacobian norms ‖∂s_{T−1}/∂s_k‖ are finite, 1 at k = T−1', () => {
    const norms = jacobianNorms(c, handForward(c));
    expect(norms).toHaveLength(c.steps);
    expect(norms.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(norms[c.steps - 1]).toBeCloseTo(1, 12);
  });
});

describe('the GRU with the reset after: hand side and finite differences on generated cases', () => {
  it.each([
    ['hardSigmoid', 'tanh', true, true],
    ['sigmoid', 'relu', false, false],
    ['hardSigmoid', 'sigmoid', true, false],
  ] as const)('σ %s, act %s, dense %s, biases %s: every entry to 1e-10', (rec, activation, dense, bias) => {
    const c = generateCase({
      ...GENERATE_DEFAULTS,
      cell: 'gru',
      gruReset: 'after',
      recurrentActivation: rec,
      activation,
      denseInputs: dense,
      bias,
      initialState: true,
      inputSize: 3,
      hiddenSize: 4,
      steps: 6,
      batch: 2,
      seed: 9,
    });
    const g = handGradients(c);
    expect('b_Wh' in g.tensors).toBe(bias);
    for (const p of fdOracle(c, { kind: 'full' }))
      expect(relErr(g.tensors[p.tensor]!.data, p.values), p.tensor).toBeLessThan(1e-10);
  });
});

/** H = I = 1, K = 2, T = 2, B = 1, every weight a scalar: the forward pass and the BPTT written out. */
describe('dW_h and db_Wh of the reset after, by the formulas (H = 1, T = 2)', () => {
  const p = { uz: 0.3, wz: -0.7, bz: 0.1, ur: -0.4, wr: 0.9, br: 0.2, uh: 0.8, wh: 1.3, bh: -0.3, bWh: 0.45 };
  const V = [0.6, -1.1];
  const cOut = [0.05, -0.2];
  const s0 = 0.35;
  const y = [1, 0]; // targets
  const sig = (a: number) => 1 / (1 + Math.exp(-a));

  /** the scalar forward: x_t = 1 (a one-hot of one token) */
  function forward(q: typeof p) {
    const st = [s0];
    const steps = [];
    let L = 0;
    for (let t = 0; t < 2; t++) {
      const s = st[t]!;
      const z = sig(q.uz + q.wz * s + q.bz);
      const r = sig(q.ur + q.wr * s + q.br);
      const qq = q.wh * s + q.bWh; //                      q = W_h s_{t−1} + b_Wh
      const h = Math.tanh(q.uh + q.bh + r * qq); //        h̃ = tanh(U_h x + b_h + r q)
      const sn = z * s + (1 - z) * h;
      const o = V.map((v, k) => v * sn + cOut[k]!);
      const m = Math.max(...o);
      const e = o.map((x) => Math.exp(x - m));
      const pr = e.map((x) => x / (e[0]! + e[1]!));
      L -= Math.log(pr[y[t]!]!);
      st.push(sn);
      steps.push({ z, r, q: qq, h, pr });
    }
    return { L, st, steps };
  }

  /** the BPTT by hand: dW_h = Σ_t (r_t da_h,t) s_{t−1}, db_Wh = Σ_t r_t da_h,t */
  function backward() {
    const { st, steps } = forward(p);
    let ds = 0; // from step t+1
    let dWh = 0;
    let dbWh = 0;
    for (let t = 1; t >= 0; t--) {
      const { z, r, q, h, pr } = steps[t]!;
      const s = st[t]!;
      ds += V.reduce((a, v, k) => a + v * (pr[k]! - (k === y[t] ? 1 : 0)), 0); // ds_t = Vᵀ (ŷ_t − onehot(y_t)) + …
      const dah = ds * (1 - z) * (1 - h * h); //           da_h = ds (1 − z) tanh′
      const daz = ds * (s - h) * z * (1 - z); //           da_z = ds (s_{t−1} − h̃) σ′
      const dar = dah * q * r * (1 - r); //                da_r = da_h q σ′
      dWh += r * dah * s; //                               dW_h += (r da_h) s_{t−1}
      dbWh += r * dah; //                                  db_Wh += r da_h
      ds = ds * z + p.wz * daz + p.wr * dar + p.wh * r * dah; // ∂L/∂s_{t−1}
    }
    return { dWh, dbWh };
  }

  const scalarCase = (): Case => {
    const m = (v: number) => ({ rows: 1, cols: 1, data: Float64Array.of(v) });
    return {
      id: 'gru-after-scalar',
      model: {
        cell: 'gru',
        recurrentActivation: 'sigmoid',
        gruReset: 'after',
        activation: 'tanh',
        bias: true,
        inputSize: 1,
        hiddenSize: 1,
        outputSize: 2,
      },
      batch: 1,
      steps: 2,
      params: {
        U_z: m(p.uz),
        W_z: m(p.wz),
        b_z: m(p.bz),
        U_r: m(p.ur),
        W_r: m(p.wr),
        b_r: m(p.br),
        U_h: m(p.uh),
        W_h: m(p.wh),
        b_h: m(p.bh),
        b_Wh: m(p.bWh),
        V: { rows: 2, cols: 1, data: Float64Array.from(V) },
        c: { rows: 2, cols: 1, data: Float64Array.from(cOut) },
      },
      tokens: Int32Array.of(0, 0),
      vectors: null,
      targets: Int32Array.from(y),
      initialState: m(s0),
    };
  };

  it('the written-out formulas are those of the scalar forward (central differences, 1e-7)', () => {
    const { dWh, dbWh } = backward();
    const e = 1e-6;
    const diff = (k: 'wh' | 'bWh') =>
      (forward({ ...p, [k]: p[k] + e }).L - forward({ ...p, [k]: p[k] - e }).L) / (2 * e);
    expect(Math.abs(dWh - diff('wh'))).toBeLessThan(1e-7);
    expect(Math.abs(dbWh - diff('bWh'))).toBeLessThan(1e-7);
    expect(Math.abs(dWh)).toBeGreaterThan(1e-3);
  });

  it('the hand side gives those dW_h and db_Wh, and the loss, to 1e-13', () => {
    const { dWh, dbWh } = backward();
    const g = handGradients(scalarCase());
    expect(g.loss).toBeCloseTo(forward(p).L, 13);
    expect(g.tensors.W_h!.data[0]).toBeCloseTo(dWh, 13);
    expect(g.tensors.b_Wh!.data[0]).toBeCloseTo(dbWh, 13);
  });
});
