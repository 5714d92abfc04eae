/**
 * The masked, reduced loss L = scale · Σ_b Σ_t m_bt (−log ŷ_t[y_t]) on every side: the hand side against formulas
 * on a hand-sized case, each reduction against the sum divided by B, T or N counted by hand, and every side
 * against PyTorch's float64 autograd on two real torch.nn models with null targets (test/fixtures/frameworks).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { fdGradients } from '../../src/fd/parallel.js';
import type { Case } from '../../src/model/case.js';
import type { Gradients } from '../../src/model/gradients.js';
import { NO_TARGET, type Reduction } from '../../src/model/loss.js';
import { fromNested, fromVector, type Matrix } from '../../src/model/matrix.js';
import { referenceGradients, useBackend } from '../../reference/index.js';
import { fixturePath, relErr } from '../helpers/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const N = NO_TARGET;
const sides: Record<string, (c: Case) => Promise<Gradients>> = {
  hand: async (c) => handGradients(c),
  'tfjs-ops': (c) => referenceGradients(c, 'tfjs-ops'),
  'tfjs-layers': (c) => referenceGradients(c, 'tfjs-layers'),
  fd: (c) => fdGradients(c),
};
const FLOAT64 = new Set(['hand', 'fd']);

describe('the hand side on a T = 2, H = 1 case whose first target is null', () => {
  // s_t = tanh(U[0, x_t] + W s_{t−1}), s_{−1} = 0, z_t = V s_t (V 2×1), x = (0, 1), y = (null, 1)
  const U = [0.3, -0.7];
  const W = 0.9;
  const V = [0.5, -1.2];
  const c: Case = {
    id: 'hand-sized',
    model: { cell: 'rnn', activation: 'tanh', bias: false, inputSize: 2, hiddenSize: 1, outputSize: 2 },
    batch: 1,
    steps: 2,
    params: { U: fromNested([U]), W: fromNested([[W]]), V: fromNested([[V[0]!], [V[1]!]]) },
    tokens: Int32Array.from([0, 1]),
    vectors: null,
    targets: Int32Array.from([N, 1]),
    initialState: null,
  };
  // by hand, only step 1 has a loss: dz_1 = ŷ_1 − e_1, dV = dz_1 s_1, ds_1 = Vᵀ dz_1, da_1 = ds_1 (1 − s_1²),
  // ds_0 = W da_1 (no Vᵀ dz_0: the step has no loss), da_0 = ds_0 (1 − s_0²), dU = (da_0, da_1), dW = da_1 s_0
  const s0 = Math.tanh(U[0]!);
  const s1 = Math.tanh(U[1]! + W * s0);
  const z = [V[0]! * s1, V[1]! * s1];
  const e = [Math.exp(z[0]!), Math.exp(z[1]!)];
  const p = [e[0]! / (e[0]! + e[1]!), e[1]! / (e[0]! + e[1]!)];
  const dz = [p[0]!, p[1]! - 1];
  const da1 = (V[0]! * dz[0]! + V[1]! * dz[1]!) * (1 - s1 * s1);
  const da0 = W * da1 * (1 - s0 * s0);
  const loss = -Math.log(p[1]!);

  it('gives the loss and dV, dU, dW of the unmasked step alone', () => {
    const g = handGradients(c);
    expect(g.loss).toBeCloseTo(loss, 14);
    expect(relErr(g.tensors.V!.data, [dz[0]! * s1, dz[1]! * s1])).toBeLessThan(1e-14);
    expect(relErr(g.tensors.U!.data, [da0, da1])).toBeLessThan(1e-14);
    expect(relErr(g.tensors.W!.data, [da1 * s0])).toBeLessThan(1e-14);
  });

  it('is not the unmasked loss: with both targets the gradients differ', () => {
    const g = handGradients({ ...c, targets: Int32Array.from([0, 1]) });
    expect(Math.abs(g.tensors.U!.data[0]! - da0)).toBeGreaterThan(1e-3);
  });
});

describe('each reduction divides the loss and every gradient by B, T or N', () => {
  // B = 2, T = 3, dense inputs, biases and an initial state; 4 of the 6 targets carry a loss (counted by hand)
  const c: Case = {
    id: 'reductions',
    model: { cell: 'rnn', activation: 'tanh', bias: true, inputSize: 2, hiddenSize: 2, outputSize: 3 },
    batch: 2,
    steps: 3,
    params: {
      U: fromNested([
        [0.4, -0.3],
        [0.2, 0.8],
      ]),
      W: fromNested([
        [0.5, -0.6],
        [0.3, 0.1],
      ]),
      b: fromVector([0.1, -0.2]),
      V: fromNested([
        [0.7, -0.4],
        [-0.5, 0.9],
        [0.2, 0.3],
      ]),
      c: fromVector([0.05, -0.1, 0.2]),
    },
    tokens: null,
    vectors: Float64Array.from([0.5, -1, 1.5, 0.2, -0.3, 0.7, 1.1, 0.4, -0.8, -0.6, 0.9, 0.1]),
    targets: Int32Array.from([2, N, 0, N, 1, N]),
    initialState: fromNested([
      [0.3, -0.2],
      [-0.4, 0.6],
    ]),
  };
  const divisors: [Reduction, number][] = [
    ['mean-batch', 2],
    ['mean-time', 3],
    ['mean', 3], // the steps with a target: row 0 at t = 0 and 2, row 1 at t = 1
  ];
  it.each(Object.keys(sides).flatMap((side) => divisors.map(([r, d]) => [side, r, d] as const)))(
    '%s: %s is the sum ÷ %d',
    async (side, reduction, divisor) => {
      const sum = await sides[side]!(c);
      const reduced = await sides[side]!({ ...c, reduction });
      const tol = FLOAT64.has(side) ? 1e-12 : 1e-6;
      expect(relErr([reduced.loss * divisor], [sum.loss])).toBeLessThan(tol);
      for (const [name, m] of Object.entries(sum.tensors)) {
        const scaled = Array.from(reduced.tensors[name]!.data, (x) => x * divisor);
        expect(relErr(scaled, m.data), `${name}`).toBeLessThan(tol);
        expect(Math.max(...Array.from(m.data, Math.abs)), `${name} is not zero`).toBeGreaterThan(1e-3);
      }
    },
  );
});

/** A PyTorch fixture of test/fixtures/frameworks: a torch.nn RNN or LSTM and a Linear, float64. */
interface TorchFixture {
  module: string;
  loss: string;
  inputs: number[][];
  targets: (number | null)[][];
  params: Record<string, number[][] | number[]>;
  loss_value: number;
  gradients: Record<string, number[][] | number[]>;
}

const readTorch = (name: string) => JSON.parse(readFileSync(fixturePath(`frameworks/${name}`), 'utf8')) as TorchFixture;

/** Rows [k·H, (k+1)·H) of a PyTorch (G·H)×n matrix, or entries of a G·H vector, as our math-layout tensor. */
const block = (m: number[][], k: number, H: number): Matrix => fromNested(m.slice(k * H, (k + 1) * H));
const blockVec = (v: number[], k: number, H: number): Matrix => fromVector(v.slice(k * H, (k + 1) * H));
const add = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);

/**
 * PyTorch's tensors in our names: RNN U = weight_ih_l0, W = weight_hh_l0, b = bias_ih_l0 + bias_hh_l0;
 * LSTM: the blocks of H rows in the order i, f, g, o → U_i, U_f, U_g, U_o (likewise W, b); V = linear.weight,
 * c = linear.bias. `grads`: the gradients, where db is bias_ih_l0's gradient (equal to bias_hh_l0's).
 */
function toOurs(t: Record<string, number[][] | number[]>, lstm: boolean, H: number, grads: boolean) {
  const ih = t.weight_ih_l0 as number[][];
  const hh = t.weight_hh_l0 as number[][];
  const bih = t.bias_ih_l0 as number[];
  const bhh = t.bias_hh_l0 as number[];
  const bias = grads ? bih : add(bih, bhh);
  const out: Record<string, Matrix> = {
    V: fromNested(t['linear.weight'] as number[][]),
    c: fromVector(t['linear.bias'] as number[]),
  };
  if (!lstm) Object.assign(out, { U: fromNested(ih), W: fromNested(hh), b: fromVector(bias) });
  else
    ['i', 'f', 'g', 'o'].forEach((g, k) => {
      out[`U_${g}`] = block(ih, k, H);
      out[`W_${g}`] = block(hh, k, H);
      out[`b_${g}`] = blockVec(bias, k, H);
    });
  return out;
}

function torchCase(f: TorchFixture, name: string, reduction: Reduction): Case {
  const lstm = f.module.includes('LSTM');
  const H = (f.params['linear.weight'] as number[][])[0]!.length;
  const K = (f.params['linear.weight'] as number[][]).length;
  const I = (f.params.weight_ih_l0 as number[][])[0]!.length;
  const B = f.targets.length;
  const T = f.targets[0]!.length;
  return {
    id: name,
    model: lstm
      ? {
          cell: 'lstm',
          recurrentActivation: 'sigmoid',
          activation: 'tanh',
          bias: true,
          inputSize: I,
          hiddenSize: H,
          outputSize: K,
        }
      : { cell: 'rnn', activation: 'tanh', bias: true, inputSize: I, hiddenSize: H, outputSize: K },
    batch: B,
    steps: T,
    params: toOurs(f.params, lstm, H, false),
    tokens: Int32Array.from(f.inputs.flat()),
    vectors: null,
    targets: Int32Array.from(f.targets.flat(), (y) => (y === null ? NO_TARGET : y)),
    initialState: null,
    ...(reduction !== 'sum' ? { reduction } : {}),
  };
}

describe('every side against PyTorch on torch.nn models with null targets', () => {
  const fixtures = [
    ['pytorch-rnn-many-to-one.json', 'sum'], // "reduction sum", a loss at the last step only
    ['pytorch-lstm-masked-lengths.json', 'mean'], // "mean over the 16 real steps"
  ] as const;
  it('reads the fixtures as they describe themselves', () => {
    const many = readTorch(fixtures[0][0]);
    expect(many.loss).toContain('reduction sum');
    expect(many.targets.every((row) => row.slice(0, -1).every((y) => y === null) && row.at(-1) !== null)).toBe(true);
    const masked = readTorch(fixtures[1][0]);
    expect(masked.loss).toContain('mean over those steps');
    expect(masked.targets.flat().filter((y) => y !== null)).toHaveLength(16);
  });
  it.each(Object.keys(sides).flatMap((side) => fixtures.map(([file, r]) => [side, file, r] as const)))(
    '%s agrees with PyTorch on %s (%s)',
    async (side, file, reduction) => {
      const f = readTorch(file);
      const c = torchCase(f, file, reduction);
      const g = await sides[side]!(c);
      const expected = toOurs(f.gradients, c.model.cell === 'lstm', c.model.hiddenSize, true);
      const tol = side === 'hand' ? 1e-10 : side === 'fd' ? 1e-7 : 1e-6;
      expect(relErr([g.loss], [f.loss_value])).toBeLessThan(side === 'fd' || side === 'hand' ? 1e-12 : 1e-6);
      expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, m] of Object.entries(expected))
        expect(relErr(g.tensors[name]!.data, m.data), `${side} ${name}`).toBeLessThan(tol);
    },
  );
});
