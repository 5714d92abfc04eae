/**
 * The PyTorch fixtures (real torch.nn models, test/fixtures/frameworks/) read under the pytorch conventions:
 * every value lands where a plain conversion written here says (PyTorch stacks the gates' rows in blocks of
 * H, i,f,g,o for the LSTM and r,z,n for the GRU; b = bias_ih + bias_hh, the GRU's n block: b_h and b_Wh).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  caseFileFromConventions,
  conventionsOf,
  gradientsFromConventions,
  twinName,
  withConventions,
  withTwins,
  userPlace,
} from '../../src/model/conventions.js';
import { caseFromValidFile } from '../../src/model/case.js';
import type { Matrix } from '../../src/model/matrix.js';
import { InputError } from '../../src/model/errors.js';

type Fixture = Record<string, any>;
const dir = join(import.meta.dirname, '..', 'fixtures', 'frameworks');
const load = (name: string): Fixture => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Fixture;
const FIXTURES = [
  'pytorch-rnn-mean.json',
  'pytorch-rnn-many-to-one.json',
  'pytorch-lstm-mean.json',
  'pytorch-lstm-masked-lengths.json',
  'pytorch-gru-mean.json',
];
/** PyTorch's gate order, in our letters (its n is our h). */
const TORCH_GATES: Record<string, string[]> = { rnn: [''], lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'h'] };
const cellOf = (f: Fixture) => (f.module as string).match(/nn\.(RNN|LSTM|GRU)/)![1]!.toLowerCase();
const convFor = (f: Fixture) =>
  conventionsOf({ conventions: 'pytorch', reduction: (f.loss as string).includes('sum') ? 'sum' : 'mean' }, '');
const name = (base: string, g: string) => (g ? `${base}_${g}` : base);
const at = (m: Matrix, i: number, j = 0) => m.data[i * m.cols + j]!;

describe.each(FIXTURES)('%s under pytorch', (file) => {
  const f = load(file);
  const cell = cellOf(f);
  const conv = convFor(f);
  const cf = caseFileFromConventions(f, conv, file);
  const c = withConventions(caseFromValidFile(cf, file), conv); // (null targets: parseCase's check of them is another part of issue 17);
  const H = f.params.weight_hh_l0[0].length as number;
  const I = f.params.weight_ih_l0[0].length as number;
  const K = f.params['linear.weight'].length as number;

  it('infers the model from the shapes', () => {
    expect(c.model.cell).toBe(cell);
    expect([c.model.inputSize, c.model.hiddenSize, c.model.outputSize]).toEqual([I, H, K]);
    expect(c.model.activation).toBe('tanh');
    expect(c.model.bias).toBe(true);
    if (cell !== 'rnn') expect(c.model.recurrentActivation).toBe('sigmoid');
    expect((c.model as { gruReset?: string }).gruReset).toBe(cell === 'gru' ? 'after' : undefined);
    expect(c.batch).toBe(f.targets.length);
    expect(c.steps).toBe(f.targets[0].length);
  });

  it('places every parameter where PyTorch keeps it', () => {
    const p = f.params;
    TORCH_GATES[cell]!.forEach((g, k) => {
      for (let j = 0; j < H; j++) {
        // U_g[j][m] = weight_ih_l0[k·H + j][m], W_g[j][m] = weight_hh_l0[k·H + j][m]
        for (let m = 0; m < I; m++) expect(at(c.params[name('U', g)]!, j, m)).toBe(p.weight_ih_l0[k * H + j][m]);
        for (let m = 0; m < H; m++) expect(at(c.params[name('W', g)]!, j, m)).toBe(p.weight_hh_l0[k * H + j][m]);
        if (cell === 'gru' && g === 'h') {
          // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)): b_h = b_in, b_Wh = b_hn
          expect(at(c.params.b_h!, j)).toBe(p.bias_ih_l0[k * H + j]);
          expect(at(c.params.b_Wh!, j)).toBe(p.bias_hh_l0[k * H + j]);
        } else expect(at(c.params[name('b', g)]!, j)).toBe(p.bias_ih_l0[k * H + j] + p.bias_hh_l0[k * H + j]);
      }
    });
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < H; j++) expect(at(c.params.V!, i, j)).toBe(p['linear.weight'][i][j]);
      expect(at(c.params.c!, i)).toBe(p['linear.bias'][i]);
    }
  });

  it('keeps inputs, null targets, h0 and the reduction', () => {
    expect(Array.from(c.tokens!)).toEqual(f.inputs.flat());
    expect(Array.from(c.targets)).toEqual(f.targets.flat().map((y: number | null) => (y === null ? -1 : y)));
    if (f.h0) expect(Array.from(c.initialState!.data)).toEqual(f.h0.flat());
    else expect(c.initialState).toBeNull();
    expect(c.reduction).toBe((f.loss as string).includes('sum') ? undefined : 'mean');
  });

  it("reads the fixture's gradients into ours, both biases compared", () => {
    const g = gradientsFromConventions(f.gradients, c, file);
    const d = f.gradients;
    TORCH_GATES[cell]!.forEach((gate, k) => {
      for (let j = 0; j < H; j++) {
        for (let m = 0; m < I; m++) expect(at(g[name('U', gate)]!, j, m)).toBe(d.weight_ih_l0[k * H + j][m]);
        for (let m = 0; m < H; m++) expect(at(g[name('W', gate)]!, j, m)).toBe(d.weight_hh_l0[k * H + j][m]);
        if (cell === 'gru' && gate === 'h') {
          expect(at(g.b_h!, j)).toBe(d.bias_ih_l0[k * H + j]);
          expect(at(g.b_Wh!, j)).toBe(d.bias_hh_l0[k * H + j]);
          expect(g[twinName('b_h')]).toBeUndefined();
        } else {
          expect(at(g[name('b', gate)]!, j)).toBe(d.bias_ih_l0[k * H + j]);
          expect(at(g[twinName(name('b', gate))]!, j)).toBe(d.bias_hh_l0[k * H + j]);
        }
      }
    });
    for (let i = 0; i < K; i++) for (let j = 0; j < H; j++) expect(at(g.V!, i, j)).toBe(d['linear.weight'][i][j]);
    if (d.h0) expect(Array.from(g.initialState!.data)).toEqual(d.h0.flat());
    // the twins a reference gets: the bias's own gradient under each hh name
    const twins = withTwins(g, c);
    for (const [n, m] of Object.entries(twins))
      if (n.endsWith('~hh')) expect(Array.from(m.data)).toEqual(Array.from(g[n.slice(0, -3)]!.data));
  });

  it('says where a tensor lives in PyTorch’s names', () => {
    const g = TORCH_GATES[cell]![1] ?? '';
    expect(userPlace(name('U', g), c)).toBe(
      cell === 'rnn' ? 'U = weight_ih_l0' : `${name('U', g)} = weight_ih_l0 rows ${H}–${2 * H - 1}`,
    );
  });
});

describe('a fixture in the wrong shapes', () => {
  const f = load('pytorch-lstm-mean.json');
  const conv = convFor(f);
  const message = (edit: (f: Fixture) => void) => {
    const g = structuredClone(f);
    edit(g);
    try {
      caseFileFromConventions(g, conv, 'lstm.json');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const transpose = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));

  it('names weight_ih_l0 transposed, its shape, the expected one and the other layout', () =>
    expect(message((g) => (g.params.weight_ih_l0 = transpose(g.params.weight_ih_l0)))).toBe(
      "lstm.json: params.weight_ih_l0 has shape 5×16, expected 16×5 (4H×I, pytorch's math layout); 5×16 is the row layout's",
    ));

  it('names another preset’s tensors', () =>
    expect(
      message((g) => {
        g.params.Wx = g.params.weight_ih_l0;
        delete g.params.weight_ih_l0;
      }),
    ).toMatch(
      /^lstm\.json: params\.Wx is not a tensor of these conventions \(pytorch: weight_ih_l0, .*\); Wx is cs231n's: `conventions` cs231n\?$/,
    ));

  it('names a missing tensor', () =>
    expect(message((g) => delete g.params.bias_hh_l0)).toMatch(/params\.bias_hh_l0 is missing, expected 4H/));
});
