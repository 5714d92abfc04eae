/**
 * test/fixtures/frameworks/pytorch-gru-mean.json (torch.nn.GRU + Linear, reset after the recurrent product,
 * loss the mean over the B·T steps) converted by hand into our case and our gradient names, for the tests of
 * the GRU with the reset after. PyTorch's rows come in blocks of H: r, z, n (n is our h̃).
 *   U_r, U_z, U_h = weight_ih's blocks r, z, n;  W_r, W_z, W_h = weight_hh's blocks
 *   b_z = bias_ih[z] + bias_hh[z],  b_r likewise,  b_h = bias_ih[n],  b_Wh = bias_hh[n]
 *   V = linear.weight, c = linear.bias, initialState = h0
 * The expected gradients are N·(PyTorch's), N = B·T, since our loss is the sum over the steps; db_z is bias_ih's z
 * block's gradient (equal to bias_hh's), db_h bias_ih's n block's, db_Wh bias_hh's n block's.
 */
import { readFileSync } from 'node:fs';
import type { Case } from '../../src/model/case.js';
import type { Matrix } from '../../src/model/matrix.js';
import { fixturePath } from './fixtures.js';

interface TorchGru {
  inputs: number[][];
  targets: number[][];
  h0: number[][];
  params: Record<string, number[] | number[][]>;
  loss_value: number;
  gradients: Record<string, number[] | number[][]>;
}

const BLOCK = { r: 0, z: 1, h: 2 } as const; // PyTorch's r, z, n

const torch = (): TorchGru =>
  JSON.parse(readFileSync(fixturePath('frameworks/pytorch-gru-mean.json'), 'utf8')) as TorchGru;

const matrix = (rows: number[][]): Matrix => ({
  rows: rows.length,
  cols: rows[0]!.length,
  data: Float64Array.from(rows.flat()),
});
const column = (v: number[]): Matrix => ({ rows: v.length, cols: 1, data: Float64Array.from(v) });
const rowsOf = (m: number[] | number[][], gate: keyof typeof BLOCK, H: number) =>
  (m as number[][]).slice(BLOCK[gate] * H, (BLOCK[gate] + 1) * H);
const entriesOf = (v: number[] | number[][], gate: keyof typeof BLOCK, H: number) =>
  (v as number[]).slice(BLOCK[gate] * H, (BLOCK[gate] + 1) * H);
const plus = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
const times = (m: Matrix, k: number): Matrix => ({ ...m, data: m.data.map((x) => x * k) });

/** Our tensors from PyTorch's: the parameters, or (with the same rule) their gradients. */
function ours(t: Record<string, number[] | number[][]>, H: number, gradients: boolean): Record<string, Matrix> {
  const out: Record<string, Matrix> = {};
  for (const g of ['z', 'r', 'h'] as const) {
    out[`U_${g}`] = matrix(rowsOf(t.weight_ih_l0!, g, H));
    out[`W_${g}`] = matrix(rowsOf(t.weight_hh_l0!, g, H));
    const ih = entriesOf(t.bias_ih_l0!, g, H);
    const hh = entriesOf(t.bias_hh_l0!, g, H);
    // b_z = b_ih + b_hh (its gradient: either one's); h̃'s ih part is b_h, its hh part b_Wh
    out[`b_${g}`] = column(g === 'h' || gradients ? ih : plus(ih, hh));
  }
  out.b_Wh = column(entriesOf(t.bias_hh_l0!, 'h', H));
  out.V = matrix(t['linear.weight'] as number[][]);
  out.c = column(t['linear.bias'] as number[]);
  return out;
}

/** The fixture as our case (model.gruReset 'after', σ sigmoid, act tanh, sum over steps). */
export function pytorchGruCase(): Case {
  const f = torch();
  const B = f.inputs.length;
  const T = f.inputs[0]!.length;
  const H = f.h0[0]!.length;
  const W = f.params.weight_ih_l0 as number[][];
  const K = (f.params['linear.weight'] as number[][]).length;
  return {
    id: 'pytorch-gru-mean',
    model: {
      cell: 'gru',
      recurrentActivation: 'sigmoid',
      gruReset: 'after',
      activation: 'tanh',
      bias: true,
      inputSize: W[0]!.length,
      hiddenSize: H,
      outputSize: K,
    },
    batch: B,
    steps: T,
    params: ours(f.params, H, false),
    tokens: Int32Array.from(f.inputs.flat()),
    vectors: null,
    targets: Int32Array.from(f.targets.flat()),
    initialState: matrix(f.h0),
  };
}

/** The expected gradients of our sum loss: N·(PyTorch's mean-loss gradients) in our names, and N·loss. */
export function pytorchGruExpected(): { loss: number; tensors: Record<string, Matrix> } {
  const f = torch();
  const N = f.targets.flat().length;
  const H = f.h0[0]!.length;
  const tensors = Object.fromEntries(Object.entries(ours(f.gradients, H, true)).map(([k, m]) => [k, times(m, N)]));
  tensors.initialState = times(matrix(f.gradients.h0 as number[][]), N);
  return { loss: N * f.loss_value, tensors };
}
