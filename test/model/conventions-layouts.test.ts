/**
 * Keras's and cs231n's layouts made from PyTorch's (a fixture's real gradients transposed and re-blocked here,
 * plainly) read as the same ours; conventionsOf's settings and its refusals; a two-bias export's split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseFromValidFile, type Case } from '../../src/model/case.js';
import {
  caseFileFromConventions,
  caseInConventions,
  conventionsOf,
  describeConventions,
  gradientsFromConventions,
  presetHelp,
  PRESETS,
  userPlace,
  withConventions,
  type Conventions,
} from '../../src/model/conventions.js';
import { InputError } from '../../src/model/errors.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';

type Fixture = Record<string, any>;
const load = (name: string): Fixture =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frameworks', name), 'utf8')) as Fixture;
const transpose = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
/** the blocks of H rows (or entries) of a stacked tensor, re-ordered: blocks[k] of the result = from[order[k]] */
const reblock = <T>(rows: T[], H: number, order: number[]) => order.flatMap((k) => rows.slice(k * H, (k + 1) * H));

function fixtureIn(name: string): { f: Fixture; c: Case; ours: Record<string, number[]> } {
  const f = load(name);
  const torch = conventionsOf('pytorch', '');
  const c = withConventions(caseFromValidFile(caseFileFromConventions(f, torch, name), name), torch);
  const g = gradientsFromConventions(f.gradients, c, name);
  return { f, c, ours: Object.fromEntries(Object.entries(g).map(([k, m]) => [k, Array.from(m.data)])) };
}
const readIn = (conv: Conventions, c: Case, grads: Record<string, unknown>) => {
  const g = gradientsFromConventions(grads, { ...c, conventions: conv }, 'g.json');
  return Object.fromEntries(Object.entries(g).map(([k, m]) => [k, Array.from(m.data)]));
};

describe("an LSTM's PyTorch gradients in other layouts", () => {
  const { f, c, ours } = fixtureIn('pytorch-lstm-mean.json');
  const d = f.gradients;
  const H = c.model.hiddenSize;
  const oneBias = Object.fromEntries(Object.entries(ours).filter(([k]) => !k.endsWith('~hh')));

  it("keras's: every matrix transposed (I×4H), gates i,f,c,o as PyTorch's, one bias", () => {
    const keras = {
      kernel: transpose(d.weight_ih_l0),
      recurrent_kernel: transpose(d.weight_hh_l0),
      bias: d.bias_ih_l0,
      'dense.kernel': transpose(d['linear.weight']),
      'dense.bias': d['linear.bias'],
    };
    expect(readIn(conventionsOf('keras', ''), c, keras)).toEqual(oneBias);
  });

  it("cs231n's: transposed and the blocks i,f,g,o re-ordered i,f,o,g", () => {
    const ifog = [0, 1, 3, 2];
    const cs = {
      Wx: transpose(reblock(d.weight_ih_l0, H, ifog)),
      Wh: transpose(reblock(d.weight_hh_l0, H, ifog)),
      b: reblock(d.bias_ih_l0, H, ifog),
      W_vocab: transpose(d['linear.weight']),
      b_vocab: d['linear.bias'],
    };
    expect(readIn(conventionsOf('cs231n', ''), c, cs)).toEqual(oneBias);
    // and PyTorch's block order read as cs231n's: g and o swapped, which the numbers show
    const wrong = readIn(conventionsOf('cs231n', ''), c, { ...cs, Wx: transpose(d.weight_ih_l0) });
    expect(wrong.U_o).toEqual(ours.U_g);
  });
});

describe("a GRU's PyTorch gradients in Keras's layout", () => {
  const { f, c, ours } = fixtureIn('pytorch-gru-mean.json');
  const d = f.gradients;
  const H = c.model.hiddenSize;
  const zrh = [1, 0, 2]; // PyTorch r,z,n → Keras z,r,h
  it('the 2×3H bias [input; recurrent] is both biases, h0 is initial_state', () => {
    const keras = {
      kernel: transpose(reblock(d.weight_ih_l0, H, zrh)),
      recurrent_kernel: transpose(reblock(d.weight_hh_l0, H, zrh)),
      bias: [reblock(d.bias_ih_l0, H, zrh), reblock(d.bias_hh_l0, H, zrh)],
      'dense.kernel': transpose(d['linear.weight']),
      'dense.bias': d['linear.bias'],
      initial_state: d.h0,
    };
    expect(readIn(conventionsOf('keras', ''), c, keras)).toEqual(ours);
  });
});

describe('conventionsOf', () => {
  const message = (o: Parameters<typeof conventionsOf>[0], where = '') => {
    try {
      conventionsOf(o, where);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return `${(e as InputError).field}: ${(e as Error).message}`;
    }
    throw new Error('accepted');
  };
  it('gives a preset with settings on top; aliases n and c', () => {
    const conv = conventionsOf({ conventions: 'cs231n', gateOrder: 'i,f,c,o', reduction: 'sum' }, '');
    expect(conv.gateOrder).toEqual({ lstm: ['i', 'f', 'g', 'o'], gru: ['z', 'r', 'h'] });
    expect([conv.layout, conv.reduction, conv.names]).toEqual(['row', 'sum', 'cs231n']);
    expect(conventionsOf({ gateOrder: 'r,z,n' }, '').gateOrder.gru).toEqual(['r', 'z', 'h']);
    expect(conventionsOf(undefined, '').names).toBe('ours');
    expect(describeConventions(conventionsOf('pytorch', ''))).toBe(
      "pytorch (math layout, gates i,f,g,o / r,z,h concatenated, the GRU's reset after, two biases, loss mean)",
    );
    expect(
      presetHelp()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual([...PRESETS]);
  });
  it.each([
    [{ conventions: 'nope' }, '', 'conventions: `conventions` is "nope", expected one of ' + PRESETS.join('|')],
    [
      { gateOrder: 'i,f,f,o' },
      '',
      'gateOrder: `gateOrder` is "i,f,f,o", expected a permutation of the LSTM\'s gates i, f, g, o',
    ],
    [{ gateOrder: 'z,r' }, '', 'gateOrder: `gateOrder` is "z,r", expected a permutation of the GRU\'s gates z, r, h'],
    [{ layout: 'diagonal' }, '', 'layout: `layout` is "diagonal", expected one of math|row'],
    [{ reduction: 'avg' }, '', 'reduction: `reduction` is "avg", expected one of sum|mean-batch|mean-time|mean'],
    [{ gruReset: 'later' }, '', 'gruReset: `gruReset` is "later", expected one of before|after'],
    [
      { preset: 'keras', gateOrder: 'x' },
      'g.json',
      'gateOrder: g.json: conventions.gateOrder is "x", expected a permutation of the LSTM\'s gates i, f, g, o or of the GRU\'s gates z, r, h',
    ],
    [
      { preset: 'keras', layouts: 'row' },
      'g.json',
      'conventions: g.json: conventions.layouts is not a known field, expected only preset, layout, gateOrder, concatGates, gruReset, twoBiases, reduction',
    ],
  ] as const)('refuses %j', (o, where, expected) => expect(message(o as never, where)).toBe(expected));

  it('refuses the GRU with the reset after, biases and one bias where no tensor holds the bias inside the reset', () => {
    const gru = generateCase({ ...GENERATE_DEFAULTS, cell: 'gru', bias: true, inputSize: 2, hiddenSize: 2 });
    expect(() => withConventions(gru, conventionsOf({ conventions: 'pytorch', twoBiases: false }, ''))).toThrow(
      /`gruReset` is "after" for a GRU with biases and one bias in pytorch's names, expected `twoBiases` too/,
    );
    // keras's 2×3H bias and our own b_Wh carry it
    expect(withConventions(gru, conventionsOf('keras', '')).params.b_Wh!.data).toEqual(new Float64Array(2));
    expect(() => withConventions(gru, conventionsOf({ gruReset: 'after' }, ''))).not.toThrow();
  });
});

describe('a case written with two biases', () => {
  it('splits each bias exactly into two nonzero parts, bias_hh = −b (even entries) or b/2 (odd)', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, cell: 'lstm', bias: true, inputSize: 2, hiddenSize: 3 });
    const file = caseInConventions(c, conventionsOf('pytorch', '')) as Fixture;
    const b = [...c.params.b_i!.data, ...c.params.b_f!.data, ...c.params.b_g!.data, ...c.params.b_o!.data];
    const ih = file.params.bias_ih_l0 as number[];
    const hh = file.params.bias_hh_l0 as number[];
    b.forEach((x, j) => {
      const r = j % 3; // the entry's index inside its gate
      expect(hh[j]).toBe(r % 2 === 0 ? -x : x / 2);
      expect(ih[j]! + hh[j]!).toBe(x);
      expect(ih[j]).not.toBe(0);
      expect(hh[j]).not.toBe(0);
    });
    expect(file.conventions).toBe('pytorch');
    expect(file.model.recurrentActivation).toBe('hardSigmoid');
  });
});

describe('details of the names', () => {
  it("reads PyTorch's h0 as num_layers × B × H too (one layer)", () => {
    const { f, c, ours } = fixtureIn('pytorch-gru-mean.json');
    const torch = conventionsOf('pytorch', '');
    const g = { ...f, h0: [f.h0], gradients: { ...f.gradients, h0: [f.gradients.h0] } };
    const c3 = withConventions(caseFromValidFile(caseFileFromConventions(g, torch, 'g.json'), 'g'), torch);
    expect(c3.initialState!.data).toEqual(c.initialState!.data);
    expect(readIn(torch, c, g.gradients).initialState).toEqual(ours.initialState);
  });

  it('says where a tensor lives: rows, columns, a twin, the Keras bias rows', () => {
    const { c } = fixtureIn('pytorch-lstm-mean.json');
    const place = (conv: Conventions, name: string) => userPlace(name, { ...c, conventions: conv });
    expect(place(conventionsOf('pytorch', ''), 'U_f')).toBe('U_f = weight_ih_l0 rows 4–7');
    expect(place(conventionsOf('pytorch', ''), 'b_o')).toBe(
      'b_o = bias_ih_l0 entries 12–15', // the row b_o compares the input bias's gradient, b_o~hh the recurrent one's
    );
    expect(place(conventionsOf('pytorch', ''), 'b_o~hh')).toBe('b_o~hh = bias_hh_l0 entries 12–15');
    expect(place(conventionsOf('cs231n', ''), 'U_g')).toBe('U_g = Wx columns 12–15');
    expect(place(conventionsOf('cs231n', ''), 'V')).toBe('V = W_vocab transposed');
    expect(place(conventionsOf({ conventions: 'keras', twoBiases: true }, ''), 'b_i~hh')).toBe(
      'b_i~hh = bias row 1 entries 0–3',
    );
    expect(userPlace('U_f', c.conventions ? { ...c, conventions: undefined } : c)).toBe('U_f');
  });

  it('a case in our names with a setting changed keeps initialState at the top level', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, inputSize: 2, hiddenSize: 2, initialState: true });
    const conv = conventionsOf({ reduction: 'mean' }, '');
    const file = caseInConventions(c, conv) as Fixture;
    expect(Object.keys(file.params)).toEqual(['U', 'W', 'b', 'V', 'c']);
    expect(file.initialState).toEqual([Array.from(c.initialState!.data)]);
    expect(file.conventions).toEqual({ preset: 'ours', reduction: 'mean' });
  });
});
